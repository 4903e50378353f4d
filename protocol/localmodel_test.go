package protocol

import (
	"slices"
	"strings"
	"testing"
)

// The local model accepts http:// endpoint URLs and any jdbc:redshift: or
// jdbc:postgresql: URL (the caller restricts those outside the model's
// patterns to local hosts); the embedded model, and every other shape of
// the local one, are unchanged.
func TestLocalModelRelaxesOnlyTheEndpointURL(t *testing.T) {
	body := func(url string) []byte {
		return []byte(`{"DeliveryStreamName":"s","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"` + url +
			`"},"S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::b"}}}`)
	}
	if _, err := FirehoseModel().DecodeAndValidate("CreateDeliveryStream", body("http://127.0.0.1:9000/")); err == nil ||
		!strings.Contains(err.Message, "Value 'http://127.0.0.1:9000/' at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy constraint: Member must satisfy regular expression pattern: https://.*") {
		t.Fatalf("embedded model: %v", err)
	}
	for _, ok := range []string{"http://127.0.0.1:9000/", "https://example.com/x"} {
		if _, err := LocalFirehoseModel().DecodeAndValidate("CreateDeliveryStream", body(ok)); err != nil {
			t.Fatalf("local model refused %s: %v", ok, err)
		}
	}
	_, err := LocalFirehoseModel().DecodeAndValidate("CreateDeliveryStream", body("ftp://example.com/"))
	if err == nil || !strings.Contains(err.Message, "Member must satisfy regular expression pattern: https://.*") {
		t.Fatalf("local model, ftp URL: %v", err)
	}
	for name, s := range FirehoseModel().Shapes {
		if name != HTTPEndpointURLShape && name != ClusterJDBCURLShape && !slices.Contains(OpenSearchEndpointShapes, name) && LocalFirehoseModel().Shapes[name] != s {
			t.Fatalf("shape %s differs in the local model", name)
		}
	}
	jdbc := func(url string) []byte {
		return []byte(`{"DeliveryStreamName":"s","RedshiftDestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r","ClusterJDBCURL":"` + url +
			`","CopyCommand":{"DataTableName":"t"},"S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::b"}}}`)
	}
	if _, err := FirehoseModel().DecodeAndValidate("CreateDeliveryStream", jdbc("jdbc:postgresql://127.0.0.1:5432/dev")); err == nil ||
		!strings.Contains(err.Message, "'redshiftDestinationConfiguration.clusterJDBCURL' failed to satisfy constraint") {
		t.Fatalf("embedded model, loopback JDBC URL: %v", err)
	}
	if _, err := FirehoseModel().DecodeAndValidate("CreateDeliveryStream", jdbc("jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev")); err != nil {
		t.Fatalf("embedded model, cluster URL: %v", err)
	}
	if _, err := LocalFirehoseModel().DecodeAndValidate("CreateDeliveryStream", jdbc("jdbc:postgresql://127.0.0.1:5432/dev")); err != nil {
		t.Fatalf("local model, loopback JDBC URL: %v", err)
	}
	if _, err := LocalFirehoseModel().DecodeAndValidate("CreateDeliveryStream", jdbc("mysql://127.0.0.1:5432/dev")); err == nil {
		t.Fatal("local model accepted a non-JDBC URL")
	}
}
