package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/receiver"
)

// The credentials the emulator signs OpenSearch requests with in these
// tests, and the receivers verify.
const (
	osKeyID  = "AKIAOPENSEARCHTEST01"
	osSecret = "opensearch-test-secret"
)

const domainARN = "arn:aws:es:us-east-1:000000000000:domain/logs"

// newOSEnv starts an emulator on clock that signs with the test key.
func newOSEnv(t *testing.T, clock *emulator.FakeClock, rewrites ...emulator.EndpointRewrite) *emulatortest.Env {
	t.Helper()
	return newEnv(t, emulator.Config{Clock: clock, EndpointRewrites: rewrites,
		DestinationCredentials: credentials.NewStaticCredentialsProvider(osKeyID, osSecret, "")})
}

// startOpenSearch serves a strict OpenSearch receiver for service (es or
// aoss) that checks signatures against the clock.
func startOpenSearch(t *testing.T, clock *emulator.FakeClock, service string, respond func(context.Context, *receiver.BulkRequest) *receiver.BulkAnswer) (*receiver.OpenSearch, string) {
	t.Helper()
	rc := receiver.NewOpenSearch(receiver.OpenSearchOptions{Service: service, Credentials: map[string]string{osKeyID: osSecret},
		Now: clock.Now, Respond: respond})
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func waitBulk(t *testing.T, rc *receiver.OpenSearch, n int) []receiver.BulkRequest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reqs, err := rc.WaitBulk(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d bulk requests: got %d: %v", n, len(reqs), err)
	}
	return reqs
}

// osDest is an OpenSearch Service destination with zero buffering.
func osDest(endpoint string) *types.AmazonopensearchserviceDestinationConfiguration {
	return &types.AmazonopensearchserviceDestinationConfiguration{
		RoleARN: aws.String(roleARN), ClusterEndpoint: aws.String(endpoint), IndexName: aws.String("logs"),
		BufferingHints:  &types.AmazonopensearchserviceBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}
}

func createOSStream(t *testing.T, fh *firehose.Client, name string, in *firehose.CreateDeliveryStreamInput) {
	t.Helper()
	in.DeliveryStreamName = aws.String(name)
	if _, err := fh.CreateDeliveryStream(context.Background(), in); err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
}

func describeDest(t *testing.T, fh *firehose.Client, name string) (types.DestinationDescription, string) {
	t.Helper()
	out, err := fh.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeDeliveryStream %s: %v", name, err)
	}
	return out.DeliveryStreamDescription.Destinations[0], aws.ToString(out.DeliveryStreamDescription.VersionId)
}

// Create and Describe the three kinds, defaults materialised; VPC options
// are kept as configuration.
func TestOpenSearchCreateDescribe(t *testing.T) {
	env := newOSEnv(t, emulator.NewFakeClock(t0))
	fh := env.Firehose
	vpc := &types.VpcConfiguration{SubnetIds: []string{"subnet-1"}, RoleARN: aws.String(roleARN), SecurityGroupIds: []string{"sg-1"}}
	createOSStream(t, fh, "os", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: &types.AmazonopensearchserviceDestinationConfiguration{
		RoleARN: aws.String(roleARN), DomainARN: aws.String(domainARN), IndexName: aws.String("logs"), VpcConfiguration: vpc,
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	d, _ := describeDest(t, fh, "os")
	o := d.AmazonopensearchserviceDestinationDescription
	if o == nil || aws.ToString(o.DomainARN) != domainARN || o.ClusterEndpoint != nil || aws.ToString(o.IndexName) != "logs" ||
		o.IndexRotationPeriod != types.AmazonopensearchserviceIndexRotationPeriodOneDay || o.S3BackupMode != types.AmazonopensearchserviceS3BackupModeFailedDocumentsOnly ||
		aws.ToInt32(o.BufferingHints.SizeInMBs) != 5 || aws.ToInt32(o.BufferingHints.IntervalInSeconds) != 300 ||
		aws.ToInt32(o.RetryOptions.DurationInSeconds) != 300 || o.DocumentIdOptions == nil ||
		o.DocumentIdOptions.DefaultDocumentIdFormat != types.DefaultDocumentIdFormatFirehoseDefault ||
		o.S3DestinationDescription == nil || aws.ToString(o.S3DestinationDescription.BucketARN) != bucketARN ||
		o.CloudWatchLoggingOptions == nil || aws.ToBool(o.CloudWatchLoggingOptions.Enabled) {
		t.Fatalf("OpenSearch Service description = %+v", o)
	}
	if v := o.VpcConfigurationDescription; v == nil || v.SubnetIds[0] != "subnet-1" || v.SecurityGroupIds[0] != "sg-1" ||
		!regexp.MustCompile(`^vpc-[0-9a-f]{17}$`).MatchString(aws.ToString(v.VpcId)) {
		t.Fatalf("VPC description = %+v", v)
	}

	createOSStream(t, fh, "es", &firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), ClusterEndpoint: aws.String("https://search-logs-abc.us-east-1.es.amazonaws.com"), IndexName: aws.String("logs"),
		TypeName: aws.String("log"), IndexRotationPeriod: types.ElasticsearchIndexRotationPeriodOneWeek, S3BackupMode: types.ElasticsearchS3BackupModeAllDocuments,
		DocumentIdOptions: &types.DocumentIdOptions{DefaultDocumentIdFormat: types.DefaultDocumentIdFormatNoDocumentId},
		RetryOptions:      &types.ElasticsearchRetryOptions{DurationInSeconds: aws.Int32(0)},
		S3Configuration:   &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	d, _ = describeDest(t, fh, "es")
	e := d.ElasticsearchDestinationDescription
	if e == nil || d.AmazonopensearchserviceDestinationDescription != nil || aws.ToString(e.TypeName) != "log" ||
		e.IndexRotationPeriod != types.ElasticsearchIndexRotationPeriodOneWeek || e.S3BackupMode != types.ElasticsearchS3BackupModeAllDocuments ||
		e.DocumentIdOptions.DefaultDocumentIdFormat != types.DefaultDocumentIdFormatNoDocumentId || aws.ToInt32(e.RetryOptions.DurationInSeconds) != 0 {
		t.Fatalf("Elasticsearch description = %+v", e)
	}

	createOSStream(t, fh, "aoss", &firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: aws.String(roleARN), CollectionEndpoint: aws.String("https://abc123.us-east-1.aoss.amazonaws.com"), IndexName: aws.String("logs"),
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}, VpcConfiguration: vpc,
	}})
	d, _ = describeDest(t, fh, "aoss")
	s := d.AmazonOpenSearchServerlessDestinationDescription
	if s == nil || aws.ToString(s.CollectionEndpoint) != "https://abc123.us-east-1.aoss.amazonaws.com" || aws.ToString(s.IndexName) != "logs" ||
		s.S3BackupMode != types.AmazonOpenSearchServerlessS3BackupModeFailedDocumentsOnly || aws.ToInt32(s.RetryOptions.DurationInSeconds) != 300 ||
		s.VpcConfigurationDescription == nil {
		t.Fatalf("Serverless description = %+v", s)
	}
}

// AWS's rules, with its messages; http:// only for local hosts.
func TestOpenSearchValidation(t *testing.T) {
	env := newOSEnv(t, emulator.NewFakeClock(t0))
	s3c := &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}
	create := func(in *firehose.CreateDeliveryStreamInput) error {
		in.DeliveryStreamName = aws.String("bad")
		_, err := env.Firehose.CreateDeliveryStream(context.Background(), in)
		return err
	}
	both := osDest("https://x.us-east-1.es.amazonaws.com")
	both.DomainARN = aws.String(domainARN)
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: both}), "InvalidArgumentException",
		"Cannot provide both Elasticsearch cluster endpoint and domain ARN. Provide either the cluster endpoint or domain arn.")
	neither := osDest("")
	neither.ClusterEndpoint = nil
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), IndexName: aws.String("i"), S3Configuration: s3c}}), "InvalidArgumentException",
		"Provide either the Elasticsearch cluster endpoint or domain arn.")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: neither}), "InvalidArgumentException",
		"Provide either the Elasticsearch cluster endpoint or domain arn.")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: aws.String(roleARN), IndexName: aws.String("i"), S3Configuration: s3c}}), "InvalidArgumentException",
		"Must specify collection endpoint for delivery to OpenSearch serverless.")
	typed := osDest("https://x.us-east-1.es.amazonaws.com")
	typed.TypeName = aws.String("doc")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: typed}), "InvalidArgumentException",
		"Types are deprecated in Elasticsearch version 7+ and all OpenSearch versions. TypeName must be empty.")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: osDest("http://search.example.com")}), "ValidationException",
		"Value 'http://search.example.com' at 'amazonopensearchserviceDestinationConfiguration.clusterEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: https:.*")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: osDest("ftp://127.0.0.1")}), "ValidationException",
		"Member must satisfy regular expression pattern: https:.*")
	badARN := osDest("")
	badARN.ClusterEndpoint, badARN.DomainARN = nil, aws.String("arn:aws:es:us-east-1:000000000000:domain/X")
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: badARN}), "ValidationException", "domainARN")
	big := osDest("https://x.us-east-1.es.amazonaws.com")
	big.BufferingHints.SizeInMBs = aws.Int32(101)
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: big}), "ValidationException", "less than or equal to 100")
	half := osDest("https://x.us-east-1.es.amazonaws.com")
	half.BufferingHints.IntervalInSeconds = nil
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: half}), "InvalidArgumentException",
		"BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
	// An S3 configuration rule applies to the S3 configuration.
	prefixed := osDest("https://x.us-east-1.es.amazonaws.com")
	prefixed.S3Configuration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String("p/!{timestamp:yyyy}/")}
	wantAPIError(t, create(&firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: prefixed}), "InvalidArgumentException", "ErrorOutputPrefix")

	// Accepted: http:// on loopback; a second destination is refused.
	createOSStream(t, env.Firehose, "local", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: osDest("http://127.0.0.1:9200")})
	_, err := env.Firehose.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("two"),
		AmazonopensearchserviceDestinationConfiguration: osDest("http://127.0.0.1:9200"), ExtendedS3DestinationConfiguration: s3Dest()})
	wantAPIError(t, err, "InvalidArgumentException", "Exactly one destination configuration")
}

// UpdateDestination merges into a destination of the same kind, and changes
// no destination to or from the OpenSearch family.
func TestOpenSearchUpdate(t *testing.T) {
	env := newOSEnv(t, emulator.NewFakeClock(t0))
	fh := env.Firehose
	ctx := context.Background()
	createOSStream(t, fh, "os", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: osDest("http://127.0.0.1:9200")})
	_, err := fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("os"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId: aws.String("destinationId-000000000001"), AmazonopensearchserviceDestinationUpdate: &types.AmazonopensearchserviceDestinationUpdate{
			IndexName: aws.String("events"), IndexRotationPeriod: types.AmazonopensearchserviceIndexRotationPeriodOneHour,
			DomainARN: aws.String(domainARN),
			S3Update:  &types.S3DestinationUpdate{Prefix: aws.String("backup/")}}})
	if err != nil {
		t.Fatalf("UpdateDestination: %v", err)
	}
	d, version := describeDest(t, fh, "os")
	o := d.AmazonopensearchserviceDestinationDescription
	if version != "2" || aws.ToString(o.IndexName) != "events" || o.IndexRotationPeriod != types.AmazonopensearchserviceIndexRotationPeriodOneHour ||
		aws.ToString(o.DomainARN) != domainARN || o.ClusterEndpoint != nil || aws.ToString(o.S3DestinationDescription.Prefix) != "backup/" ||
		aws.ToString(o.S3DestinationDescription.BucketARN) != bucketARN || aws.ToInt32(o.BufferingHints.IntervalInSeconds) != 0 {
		t.Fatalf("after update (version %s): %+v", version, o)
	}
	update := func(in *firehose.UpdateDestinationInput) error {
		in.DeliveryStreamName, in.CurrentDeliveryStreamVersionId, in.DestinationId = aws.String("os"), aws.String("2"), aws.String("destinationId-000000000001")
		_, err := fh.UpdateDestination(ctx, in)
		return err
	}
	wantAPIError(t, update(&firehose.UpdateDestinationInput{ElasticsearchDestinationUpdate: &types.ElasticsearchDestinationUpdate{IndexName: aws.String("x")}}),
		"InvalidArgumentException", "cannot change its destination from AmazonOpenSearchService to Elasticsearch")
	wantAPIError(t, update(&firehose.UpdateDestinationInput{ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}}),
		"InvalidArgumentException", "cannot change its destination")
	wantAPIError(t, update(&firehose.UpdateDestinationInput{AmazonopensearchserviceDestinationUpdate: &types.AmazonopensearchserviceDestinationUpdate{TypeName: aws.String("t")}}),
		"InvalidArgumentException", "TypeName must be empty")
	wantAPIError(t, update(&firehose.UpdateDestinationInput{AmazonopensearchserviceDestinationUpdate: &types.AmazonopensearchserviceDestinationUpdate{ClusterEndpoint: aws.String("http://search.example.com")}}),
		"ValidationException", "amazonopensearchserviceDestinationUpdate.clusterEndpoint")
	createStream(t, fh, "s3", s3Dest())
	_, err = fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("s3"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId: aws.String("destinationId-000000000001"), AmazonOpenSearchServerlessDestinationUpdate: &types.AmazonOpenSearchServerlessDestinationUpdate{
			CollectionEndpoint: aws.String("https://a.us-east-1.aoss.amazonaws.com"), IndexName: aws.String("x")}})
	wantAPIError(t, err, "InvalidArgumentException", "cannot change its destination from Amazon S3 or an HTTP endpoint to AmazonOpenSearchServerless")

	// Serverless and Elasticsearch updates merge too.
	createOSStream(t, fh, "aoss", &firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: aws.String(roleARN), CollectionEndpoint: aws.String("https://a.us-east-1.aoss.amazonaws.com"), IndexName: aws.String("v1"),
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	_, err = fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("aoss"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId: aws.String("destinationId-000000000001"), AmazonOpenSearchServerlessDestinationUpdate: &types.AmazonOpenSearchServerlessDestinationUpdate{
			IndexName: aws.String("v2"), RetryOptions: &types.AmazonOpenSearchServerlessRetryOptions{DurationInSeconds: aws.Int32(60)}}})
	if err != nil {
		t.Fatalf("UpdateDestination aoss: %v", err)
	}
	d, version = describeDest(t, fh, "aoss")
	if a := d.AmazonOpenSearchServerlessDestinationDescription; version != "2" || a == nil || aws.ToString(a.IndexName) != "v2" ||
		aws.ToString(a.CollectionEndpoint) != "https://a.us-east-1.aoss.amazonaws.com" || aws.ToInt32(a.RetryOptions.DurationInSeconds) != 60 {
		t.Fatalf("aoss after update (version %s): %+v", version, a)
	}
	createOSStream(t, fh, "es", &firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), DomainARN: aws.String(domainARN), IndexName: aws.String("app"),
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	_, err = fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("es"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId: aws.String("destinationId-000000000001"), ElasticsearchDestinationUpdate: &types.ElasticsearchDestinationUpdate{
			TypeName: aws.String("log"), ClusterEndpoint: aws.String("http://127.0.0.1:9200"),
			DocumentIdOptions: &types.DocumentIdOptions{DefaultDocumentIdFormat: types.DefaultDocumentIdFormatNoDocumentId}}})
	if err != nil {
		t.Fatalf("UpdateDestination es: %v", err)
	}
	d, _ = describeDest(t, fh, "es")
	if e := d.ElasticsearchDestinationDescription; e == nil || aws.ToString(e.TypeName) != "log" || e.DomainARN != nil ||
		aws.ToString(e.ClusterEndpoint) != "http://127.0.0.1:9200" || e.DocumentIdOptions.DefaultDocumentIdFormat != types.DefaultDocumentIdFormatNoDocumentId {
		t.Fatalf("es after update: %+v", e)
	}
}

// The bulk request is exactly what Firehose sends: POST /_bulk, one index
// action line with the rotated index and a stable Firehose id per record,
// each record as its document line; signed for es in the domain's region.
func TestOpenSearchBulkRequest(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", nil)
	env := newOSEnv(t, clock, emulator.EndpointRewrite{From: "https://logs.eu-west-1.es.localhost", To: url})
	dest := osDest("")
	dest.ClusterEndpoint, dest.DomainARN = nil, aws.String("arn:aws:es:eu-west-1:000000000000:domain/logs")
	dest.BufferingHints = &types.AmazonopensearchserviceBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	createOSStream(t, env.Firehose, "web", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, env.Firehose, "web", []byte(`{"n":1}`), []byte("{\n  \"n\": 2\n}\n"))
	clock.Advance(60 * time.Second)
	r := waitBulk(t, rc, 1)[0]
	waitDelivered(t, env)
	if r.Status != 200 || r.Error != "" || r.Method != "POST" || r.URI != "/_bulk" {
		t.Fatalf("request %s %s answered %d: %s", r.Method, r.URI, r.Status, r.Error)
	}
	if r.Service != "es" || r.Region != "eu-west-1" || r.AccessKeyID != osKeyID || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("signed for %s in %s by %s, Content-Type %q", r.Service, r.Region, r.AccessKeyID, r.Header.Get("Content-Type"))
	}
	if len(r.Actions) != 2 {
		t.Fatalf("%d actions", len(r.Actions))
	}
	id0, id1 := r.Actions[0].ID, r.Actions[1].ID
	want := `{"index":{"_index":"logs-2026-11-25","_id":"` + id0 + `"}}` + "\n" + `{"n":1}` + "\n" +
		`{"index":{"_index":"logs-2026-11-25","_id":"` + id1 + `"}}` + "\n" + `{"n":2}` + "\n"
	if string(r.Body) != want {
		t.Fatalf("body\n%s\nwant\n%s", r.Body, want)
	}
	if !regexp.MustCompile(`^\d+\.0$`).MatchString(id0) || id0 == id1 {
		t.Fatalf("Firehose ids %q, %q", id0, id1)
	}
	if docs := rc.Documents(); len(docs) != 2 || docs[0].ID != id0 || docs[0].Index != "logs-2026-11-25" {
		t.Fatalf("indexed %+v", docs)
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("FailedDocumentsOnly wrote %s for indexed documents", objs[0].key)
	}
	// The metrics, with AWS's name.
	fams := scrape(t, env)
	labels := map[string]string{"delivery_stream": "web"}
	if v, _ := value(fams, "firehose_delivery_to_amazon_open_search_service_records_total", labels); v != 2 {
		t.Fatalf("DeliveryToAmazonOpenSearchService.Records = %v", v)
	}
	if v, _ := value(fams, "firehose_delivery_to_amazon_open_search_service_success_total", labels); v != 2 {
		t.Fatalf("DeliveryToAmazonOpenSearchService.Success = %v", v)
	}
	if v, ok := value(fams, "firehose_delivery_to_amazon_open_search_service_data_freshness_seconds", labels); !ok || v != 0 {
		t.Fatalf("DeliveryToAmazonOpenSearchService.DataFreshness = %v (reported: %v) with nothing waiting", v, ok)
	}
	if _, ok := value(fams, "firehose_delivery_to_s3_data_freshness_seconds", labels); ok {
		t.Fatal("an OpenSearch stream reports S3 freshness")
	}
	// The console names the destination and its endpoint.
	resp, err := http.Get(env.URL + "/_local/ui/streams")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Amazon OpenSearch Service", "endpoint for index logs at <code>https://logs.eu-west-1.es.localhost</code>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the console's streams page lacks %q", want)
		}
	}
}

// Each IndexRotationPeriod appends its suffix of the record's arrival time.
func TestOpenSearchIndexRotation(t *testing.T) {
	clock := emulator.NewFakeClock(time.Date(2016, 2, 25, 13, 0, 0, 0, time.UTC))
	rc, url := startOpenSearch(t, clock, "es", nil)
	env := newOSEnv(t, clock)
	want := map[types.AmazonopensearchserviceIndexRotationPeriod]string{
		types.AmazonopensearchserviceIndexRotationPeriodNoRotation: "myindex",
		types.AmazonopensearchserviceIndexRotationPeriodOneHour:    "myindex-2016-02-25-13",
		types.AmazonopensearchserviceIndexRotationPeriodOneDay:     "myindex-2016-02-25",
		types.AmazonopensearchserviceIndexRotationPeriodOneWeek:    "myindex-2016-w08",
		types.AmazonopensearchserviceIndexRotationPeriodOneMonth:   "myindex-2016-02",
	}
	got := map[string]bool{}
	n := 0
	for period := range want {
		dest := osDest(url)
		dest.IndexName, dest.IndexRotationPeriod = aws.String("myindex"), period
		name := "r" + string(period)
		createOSStream(t, env.Firehose, name, &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
		putBatch(t, env.Firehose, name, []byte(`{"p":"`+string(period)+`"}`))
		n++
		for _, r := range waitBulk(t, rc, n) {
			for _, a := range r.Actions {
				got[a.Index] = true
			}
		}
	}
	for period, index := range want {
		if !got[index] {
			t.Errorf("%s: no document in %s (indices %v)", period, index, got)
		}
	}
}

// Elasticsearch 6: _type is the TypeName; NO_DOCUMENT_ID sends no _id.
func TestElasticsearchTypeNameAndNoDocumentID(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", nil)
	env := newOSEnv(t, clock)
	createOSStream(t, env.Firehose, "es", &firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), ClusterEndpoint: aws.String(url), IndexName: aws.String("app"), TypeName: aws.String("log"),
		IndexRotationPeriod: types.ElasticsearchIndexRotationPeriodNoRotation,
		DocumentIdOptions:   &types.DocumentIdOptions{DefaultDocumentIdFormat: types.DefaultDocumentIdFormatNoDocumentId},
		BufferingHints:      &types.ElasticsearchBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration:     &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	putBatch(t, env.Firehose, "es", []byte(`{"a":1}`))
	r := waitBulk(t, rc, 1)[0]
	if want := `{"index":{"_index":"app","_type":"log"}}` + "\n" + `{"a":1}` + "\n"; string(r.Body) != want || r.Status != 200 {
		t.Fatalf("body %q (status %d: %s), want %q", r.Body, r.Status, r.Error, want)
	}
	waitDelivered(t, env)
	if v, _ := value(scrape(t, env), "firehose_delivery_to_elasticsearch_records_total", map[string]string{"delivery_stream": "es"}); v != 1 {
		t.Fatalf("DeliveryToElasticsearch.Records = %v", v)
	}
}

// Serverless: signed for aoss with X-Amz-Content-Sha256, no _id, no _type,
// no rotation.
func TestOpenSearchServerlessSignature(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "aoss", nil)
	env := newOSEnv(t, clock, emulator.EndpointRewrite{From: "https://coll1.us-west-2.aoss.amazonaws.com", To: url})
	createOSStream(t, env.Firehose, "aoss", &firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: aws.String(roleARN), CollectionEndpoint: aws.String("https://coll1.us-west-2.aoss.amazonaws.com"), IndexName: aws.String("vec"),
		BufferingHints:  &types.AmazonOpenSearchServerlessBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	putBatch(t, env.Firehose, "aoss", []byte(`{"v":[1,2]}`))
	r := waitBulk(t, rc, 1)[0]
	if r.Status != 200 || r.Service != "aoss" || r.Region != "us-west-2" || r.Header.Get("X-Amz-Content-Sha256") == "" {
		t.Fatalf("status %d (%s), service %q, region %q", r.Status, r.Error, r.Service, r.Region)
	}
	if want := `{"index":{"_index":"vec"}}` + "\n" + `{"v":[1,2]}` + "\n"; string(r.Body) != want {
		t.Fatalf("body %q, want %q", r.Body, want)
	}
	waitDelivered(t, env)
	if v, _ := value(scrape(t, env), "firehose_delivery_to_amazon_open_search_serverless_records_total", map[string]string{"delivery_stream": "aoss"}); v != 1 {
		t.Fatalf("DeliveryToAmazonOpenSearchServerless.Records = %v", v)
	}

	// A receiver that wants es refuses the aoss signature (403), and a
	// wrong secret too: the documents end in S3 after RetryOptions 0.
	for _, c := range []struct{ name, service, secret string }{{"wrongservice", "es", osSecret}, {"wrongsecret", "aoss", "other"}} {
		strict := receiver.NewOpenSearch(receiver.OpenSearchOptions{Service: c.service, Credentials: map[string]string{osKeyID: c.secret}, Now: clock.Now})
		srv := httptest.NewServer(strict)
		t.Cleanup(srv.Close)
		createOSStream(t, env.Firehose, c.name, &firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
			RoleARN: aws.String(roleARN), CollectionEndpoint: aws.String(srv.URL), IndexName: aws.String("vec"),
			RetryOptions:    &types.AmazonOpenSearchServerlessRetryOptions{DurationInSeconds: aws.Int32(0)},
			BufferingHints:  &types.AmazonOpenSearchServerlessBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
			S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String(c.name + "/")},
		}})
		putBatch(t, env.Firehose, c.name, []byte(`{"x":1}`))
		r := waitBulk(t, strict, 1)[0]
		waitDelivered(t, env)
		if r.Status != 403 || len(strict.Documents()) != 0 {
			t.Fatalf("%s: status %d (%s)", c.name, r.Status, r.Error)
		}
		docs := osFailedDocs(t, env, c.name+"/AmazonOpenSearchService-failed/")
		if len(docs) != 1 || docs[0]["errorCode"] != "OS.AccessDenied" || docs[0]["osIndexName"] != "vec" || docs[0]["osDocumentId"] != nil {
			t.Fatalf("%s: error documents %v", c.name, docs)
		}
		if _, ok := docs[0]["esIndexName"]; ok {
			t.Fatalf("%s: a Serverless error document has esIndexName: %v", c.name, docs[0])
		}
	}
}

// osFailedDocs reads the error documents under prefix in the deliveries
// bucket, keys as written.
func osFailedDocs(t *testing.T, env *emulatortest.Env, prefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, o := range objects(t, env, "deliveries") {
		if !strings.HasPrefix(o.key, prefix) {
			continue
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n") {
			var d map[string]any
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				t.Fatalf("error document %q: %v", line, err)
			}
			out = append(out, d)
		}
	}
	return out
}

// A partial bulk failure: only the failed documents are sent again, with
// the same ids; those still refused when RetryOptions runs out become
// AmazonOpenSearchService-failed documents, and each failed attempt is a
// CloudWatch Logs error event. With AllDocuments every record is also in
// the S3 configuration.
func TestOpenSearchPartialFailureRetriedThenErrorDocuments(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", func(_ context.Context, r *receiver.BulkRequest) *receiver.BulkAnswer {
		fail := map[int]receiver.ItemError{}
		for k, a := range r.Actions {
			switch {
			case strings.Contains(string(a.Source), "mapping"):
				fail[k] = receiver.ItemError{Status: 400, Type: "mapper_parsing_exception", Reason: "failed to parse field [n]"}
			case strings.Contains(string(a.Source), "busy") && len(r.Actions) == 3:
				fail[k] = receiver.ItemError{Status: 429, Type: "es_rejected_execution_exception", Reason: "rejected execution"}
			}
		}
		return &receiver.BulkAnswer{Fail: fail}
	})
	env := newOSEnv(t, clock)
	dest := osDest(url)
	dest.RetryOptions = &types.AmazonopensearchserviceRetryOptions{DurationInSeconds: aws.Int32(60)}
	dest.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/p", "DestinationDelivery")
	dest.S3BackupMode = types.AmazonopensearchserviceS3BackupModeAllDocuments
	dest.S3Configuration.Prefix = aws.String("all/")
	createOSStream(t, env.Firehose, "p", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, env.Firehose, "p", []byte(`{"ok":1}`), []byte(`{"busy":2}`), []byte(`{"mapping":3}`))
	first := waitBulk(t, rc, 1)[0]
	if len(first.Actions) != 3 || len(first.Failed) != 2 {
		t.Fatalf("first request: %d actions, failed %v", len(first.Actions), first.Failed)
	}
	// Two timers: the backup buffer's interval, and the retry's backoff.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clock.BlockUntil(ctx, 2); err != nil {
		t.Fatalf("no retry is waiting: %v", err)
	}
	backoff, _ := clock.NextTimer()
	clock.Advance(backoff)
	second := waitBulk(t, rc, 2)[1]
	if len(second.Actions) != 2 || second.Actions[0].ID != first.Actions[1].ID || second.Actions[1].ID != first.Actions[2].ID ||
		!strings.Contains(string(second.Body), `{"busy":2}`) || strings.Contains(string(second.Body), `"ok"`) {
		t.Fatalf("second request resent %q", second.Body)
	}
	// The mapping error never goes away: retried until 60 s have passed.
	retryUntil(t, clock, 2, func() bool { return len(osFailedDocs(t, env, "all/AmazonOpenSearchService-failed/")) > 0 })
	waitDelivered(t, env)
	env.Flush(t, "p") // the AllDocuments backup's buffer (300 s)
	reqs := rc.Requests()
	for _, r := range reqs[2:] {
		if len(r.Actions) != 1 || r.Actions[0].ID != first.Actions[2].ID {
			t.Fatalf("a later request sent %q", r.Body)
		}
	}
	if docs := rc.Documents(); len(docs) != 2 || string(docs[0].Source) != `{"ok":1}` || string(docs[1].Source) != `{"busy":2}` {
		t.Fatalf("indexed %+v", docs)
	}
	docs := osFailedDocs(t, env, "all/AmazonOpenSearchService-failed/")
	if len(docs) != 1 {
		t.Fatalf("%d error documents", len(docs))
	}
	d := docs[0]
	raw, _ := base64.StdEncoding.DecodeString(fmt.Sprint(d["rawData"]))
	if d["attemptsMade"] != float64(len(reqs)) || d["errorCode"] != "400" || d["esDocumentId"] != first.Actions[2].ID ||
		d["esIndexName"] != "logs-2026-11-25" || d["esTypeName"] != nil || string(raw) != `{"mapping":3}` ||
		d["arrivalTimestamp"] != float64(t0.UnixMilli()) || d["attemptEndingTimestamp"] != float64(t0.Add(60*time.Second).UnixMilli()) ||
		!strings.Contains(fmt.Sprint(d["errorMessage"]), "mapper_parsing_exception") {
		t.Fatalf("error document %v (after %d requests)", d, len(reqs))
	}
	// The error documents, and (AllDocuments) every record as it arrived.
	objs := objects(t, env, "deliveries")
	if len(objs) != 2 || !regexp.MustCompile(`^all/2026/11/25/10/p-1-2026-11-25-10-30-15-`+uuidRE+`$`).MatchString(objs[0].key) ||
		string(objs[0].body) != `{"ok":1}{"busy":2}{"mapping":3}` ||
		!regexp.MustCompile(`^all/AmazonOpenSearchService-failed/2026/11/25/10/p-1-2026-11-25-10-30-15-`+uuidRE+`$`).MatchString(objs[1].key) {
		for _, o := range objs {
			t.Logf("%s: %q", o.key, o.body)
		}
		t.Fatalf("%d objects", len(objs))
	}
	events := waitErrorEvents(t, env, "/aws/kinesisfirehose/p", "DestinationDelivery", "", len(reqs))
	if e := events[0]; e.ErrorCode != "429" && e.ErrorCode != "400" || e.Destination != url {
		t.Fatalf("error event %+v", e)
	}
	fams := scrape(t, env)
	labels := map[string]string{"delivery_stream": "p"}
	records, _ := value(fams, "firehose_delivery_to_amazon_open_search_service_records_total", labels)
	success, _ := value(fams, "firehose_delivery_to_amazon_open_search_service_success_total", labels)
	attempts, _ := value(fams, "firehose_delivery_to_amazon_open_search_service_attempts_total", labels)
	s3records, _ := value(fams, "firehose_delivery_to_s3_records_total", labels)
	// 3 documents, then 2, then the mapping error alone until the end.
	if records != 2 || success != 2 || attempts != float64(3+2+len(reqs)-2) || s3records != 1+3 {
		t.Fatalf("Records %v, Success %v, attempts %v (%d requests), DeliveryToS3.Records %v", records, success, attempts, len(reqs), s3records)
	}
}

// A whole request refused (503) is retried whole; the Elasticsearch kind's
// error documents go to elasticsearch-failed with esTypeName.
func TestElasticsearchRequestFailureErrorDocuments(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", func(context.Context, *receiver.BulkRequest) *receiver.BulkAnswer {
		return &receiver.BulkAnswer{Status: 503}
	})
	env := newOSEnv(t, clock)
	createOSStream(t, env.Firehose, "es", &firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), ClusterEndpoint: aws.String(url), IndexName: aws.String("app"), TypeName: aws.String("log"),
		RetryOptions:    &types.ElasticsearchRetryOptions{DurationInSeconds: aws.Int32(0)},
		BufferingHints:  &types.ElasticsearchBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String("d/"), ErrorOutputPrefix: aws.String("err/!{firehose:error-output-type}/")},
	}})
	putBatch(t, env.Firehose, "es", []byte(`{"a":1}`), []byte(`{"a":2}`))
	waitBulk(t, rc, 1)
	waitDelivered(t, env)
	docs := osFailedDocs(t, env, "err/")
	if len(rc.Requests()) != 1 || len(docs) != 2 || docs[0]["errorCode"] != "503" || docs[0]["esTypeName"] != "log" || docs[0]["attemptsMade"] != float64(1) ||
		docs[0]["esIndexName"] != "app-2026-11-25" {
		t.Fatalf("%d requests; error documents %v", len(rc.Requests()), docs)
	}
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 || !regexp.MustCompile(`^err/elasticsearch-failed/es-1-2026-11-25-10-30-15-`+uuidRE+`$`).MatchString(objs[0].key) {
		t.Fatalf("objects %d, first %s", len(objs), objs[0].key)
	}
	// The console shows them as error documents, each with its index.
	resp, err := http.Get(env.URL + "/_local/ui/s3/object?bucket=deliveries&key=" + neturl.QueryEscape(objs[0].key))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Error document: elasticsearch-failed", "never indexed by the cluster", "<code>app-2026-11-25</code>", "503"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the console's object page lacks %q", want)
		}
	}
}

// AllDocuments: every source record also goes to the S3 configuration, as
// it arrived; a Lambda processor in front transforms what is indexed.
func TestOpenSearchAllDocumentsWithLambda(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", nil)
	env := newOSEnv(t, clock)
	pythonTransform(t, env, "upper", nil)
	dest := osDest(url)
	dest.S3BackupMode = types.AmazonopensearchserviceS3BackupModeAllDocuments
	dest.S3Configuration.Prefix = aws.String("all/")
	dest.S3Configuration.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	dest.ProcessingConfiguration = transformDest(fnARNPrefix+"upper", "0").ProcessingConfiguration
	createOSStream(t, env.Firehose, "all", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, env.Firehose, "all", []byte(`{"msg":"hi"}`), []byte("fail: not for the index"), []byte(`{"msg":"there"}`))
	clock.Advance(60 * time.Second) // the processor's and the backup's intervals
	r := waitBulk(t, rc, 1)[0]
	waitDelivered(t, env)
	if len(r.Actions) != 2 || string(r.Actions[0].Source) != `{"MSG":"HI"}` || string(r.Actions[1].Source) != `{"MSG":"THERE"}` {
		t.Fatalf("indexed %q", r.Body)
	}
	objs := objects(t, env, "deliveries")
	if len(objs) != 2 || !strings.HasPrefix(objs[0].key, "all/2026/11/25/10/all-1-") ||
		string(objs[0].body) != `{"msg":"hi"}fail: not for the index{"msg":"there"}` ||
		!strings.HasPrefix(objs[1].key, "all/processing-failed/2026/11/25/10/all-1-") || !strings.Contains(string(objs[1].body), `"errorCode":"Lambda.ProcessingFailedStatus"`) {
		for _, o := range objs {
			t.Logf("%s: %q", o.key, o.body)
		}
		t.Fatalf("%d objects", len(objs))
	}
}

// With a data directory the three kinds' definitions survive a restart and
// deliver afterwards.
func TestOpenSearchSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "aoss", nil)
	creds := credentials.NewStaticCredentialsProvider(osKeyID, osSecret, "")
	env := durableEnv(t, dir, emulator.Config{Clock: clock, DestinationCredentials: creds})
	createOSStream(t, env.Firehose, "aoss", &firehose.CreateDeliveryStreamInput{AmazonOpenSearchServerlessDestinationConfiguration: &types.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: aws.String(roleARN), CollectionEndpoint: aws.String(url), IndexName: aws.String("vec"),
		BufferingHints:  &types.AmazonOpenSearchServerlessBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	createOSStream(t, env.Firehose, "es", &firehose.CreateDeliveryStreamInput{ElasticsearchDestinationConfiguration: &types.ElasticsearchDestinationConfiguration{
		RoleARN: aws.String(roleARN), DomainARN: aws.String(domainARN), IndexName: aws.String("app"), TypeName: aws.String("log"),
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}})
	before, _ := describeDest(t, env.Firehose, "es")
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	env2 := emulatortest.New(t, emulator.Config{DataDir: dir, Clock: clock, DestinationCredentials: creds})
	after, _ := describeDest(t, env2.Firehose, "es")
	if a, b := after.ElasticsearchDestinationDescription, before.ElasticsearchDestinationDescription; a == nil || aws.ToString(a.DomainARN) != domainARN ||
		aws.ToString(a.TypeName) != aws.ToString(b.TypeName) || a.IndexRotationPeriod != b.IndexRotationPeriod {
		t.Fatalf("after the restart: %+v", a)
	}
	putBatch(t, env2.Firehose, "aoss", []byte(`{"after":"restart"}`))
	if r := waitBulk(t, rc, 1)[0]; r.Status != 200 || string(r.Actions[0].Source) != `{"after":"restart"}` || r.Service != "aoss" {
		t.Fatalf("after the restart: status %d (%s): %q", r.Status, r.Error, r.Body)
	}
}

// A record that cannot be one bulk line (blank, or not JSON and spread over
// lines) is never sent: it is an error document at once, while the others
// are indexed.
func TestOpenSearchUnsendableRecords(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	rc, url := startOpenSearch(t, clock, "es", nil)
	env := newOSEnv(t, clock)
	dest := osDest(url)
	dest.RetryOptions = &types.AmazonopensearchserviceRetryOptions{DurationInSeconds: aws.Int32(0)}
	createOSStream(t, env.Firehose, "u", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, env.Firehose, "u", []byte(`{"ok":1}`), []byte("not\njson"), []byte(""), []byte("plain"))
	r := waitBulk(t, rc, 1)[0]
	waitDelivered(t, env)
	if len(r.Actions) != 2 || string(r.Actions[0].Source) != `{"ok":1}` || string(r.Actions[1].Source) != "plain" || len(r.Failed) != 1 {
		t.Fatalf("sent %q, failed %v", r.Body, r.Failed)
	}
	docs := osFailedDocs(t, env, "AmazonOpenSearchService-failed/")
	if len(docs) != 3 {
		t.Fatalf("%d error documents: %v", len(docs), docs)
	}
	raws := map[string]float64{}
	for _, d := range docs {
		raw, _ := base64.StdEncoding.DecodeString(fmt.Sprint(d["rawData"]))
		raws[string(raw)] = d["attemptsMade"].(float64)
	}
	// "plain" was sent once and refused by the cluster's mapper; the two
	// never-sent records carry attemptsMade 0.
	if len(raws) != 3 || raws["not\njson"] != 0 || raws[""] != 0 || raws["plain"] != 1 {
		t.Fatalf("attempts per record %v", raws)
	}
}

// Both sides from the shell: `firehose-local receiver --opensearch es`
// verifies the signature the server makes with the environment's
// credentials, for a stream configured with a DomainARN that
// --endpoint-rewrite sends to the receiver.
func TestBinaryOpenSearchReceiverAndDomainRewrite(t *testing.T) {
	creds := []string{"AWS_ACCESS_KEY_ID=AKIABINARYOPENSEARCH", "AWS_SECRET_ACCESS_KEY=binary-secret"}
	rcv := startReceiverBinary(t, creds, "--opensearch", "es", "--records")
	receiverURL, next := rcv.url, rcv.next
	p := startBinary(t, creds, "--endpoint-rewrite", "https://logs.us-east-1.es.localhost="+receiverURL)
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	dest := osDest("")
	dest.ClusterEndpoint, dest.DomainARN = nil, aws.String(domainARN)
	dest.BufferingHints.IntervalInSeconds = aws.Int32(60)
	createOSStream(t, fh, "bin", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, fh, "bin", []byte(`{"message":"one"}`), []byte(`{"message":"two"}`))
	if out, err := exec.Command(firehoseBinary(t), "flush", "--stream", "bin", "--endpoint", p.url).CombinedOutput(); err != nil {
		t.Fatalf("flush: %v %s", err, out)
	}
	var got struct {
		Method, URI, Service, Region, AccessKeyID, Error string
		Status, Actions                                  int
		Documents                                        []struct{ Index, ID, Source string }
	}
	line := next()
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	if got.Method != "POST" || got.URI != "/_bulk" || got.Status != 200 || got.Actions != 2 || got.Service != "es" || got.Region != "us-east-1" ||
		got.AccessKeyID != "AKIABINARYOPENSEARCH" || len(got.Documents) != 2 || got.Documents[1].Source != `{"message":"two"}` ||
		!strings.HasPrefix(got.Documents[0].Index, "logs-") || got.Documents[0].ID == "" {
		t.Fatalf("receiver printed %s", line)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("server exit %d: %s", code, p.stderr)
	}
}

// A cluster that cannot be reached: each attempt fails as a whole with
// OS.ConnectionFailed, and the documents end as error documents.
func TestOpenSearchUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	clock := emulator.NewFakeClock(t0)
	env := newOSEnv(t, clock)
	dest := osDest(closed)
	dest.RetryOptions = &types.AmazonopensearchserviceRetryOptions{DurationInSeconds: aws.Int32(3)}
	createOSStream(t, env.Firehose, "down", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, env.Firehose, "down", []byte(`{"a":1}`))
	retryUntil(t, clock, 1, func() bool { return len(osFailedDocs(t, env, "AmazonOpenSearchService-failed/")) > 0 })
	waitDelivered(t, env)
	if docs := osFailedDocs(t, env, "AmazonOpenSearchService-failed/"); len(docs) != 1 || docs[0]["errorCode"] != "OS.ConnectionFailed" ||
		docs[0]["attemptsMade"].(float64) < 2 || docs[0]["attemptEndingTimestamp"] != float64(t0.Add(3*time.Second).UnixMilli()) {
		t.Fatalf("error documents %v", docs)
	}
}

// retryUntil moves the clock to the next timer whenever a retry backoff is
// waiting (timers are pending: the backoff and any buffer intervals, which
// must be later) until done reports true; in between it waits for the
// delivery goroutine to act.
func retryUntil(t *testing.T, clock *emulator.FakeClock, timers int, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("not done after 20 s")
		}
		if clock.Pending() >= timers {
			if d, ok := clock.NextTimer(); ok {
				clock.Advance(d)
				continue
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Records acknowledged for an OpenSearch stream whose cluster refuses them
// are in the write-ahead log: after a SIGKILL, the next start sends them
// again, and they are indexed once the cluster accepts.
func TestBinaryOpenSearchRecordsSurviveKill(t *testing.T) {
	var accept atomic.Bool
	rc := receiver.NewOpenSearch(receiver.OpenSearchOptions{Credentials: map[string]string{"AKIABINARYOPENSEARCH": "binary-secret"},
		Respond: func(context.Context, *receiver.BulkRequest) *receiver.BulkAnswer {
			if !accept.Load() {
				return &receiver.BulkAnswer{Status: 503}
			}
			return nil
		}})
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	creds := []string{"AWS_ACCESS_KEY_ID=AKIABINARYOPENSEARCH", "AWS_SECRET_ACCESS_KEY=binary-secret"}
	dir := t.TempDir()
	p := startBinary(t, creds, "--data-dir", dir)
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	dest := osDest(srv.URL)
	dest.RetryOptions = &types.AmazonopensearchserviceRetryOptions{DurationInSeconds: aws.Int32(7200)}
	createOSStream(t, fh, "kept", &firehose.CreateDeliveryStreamInput{AmazonopensearchserviceDestinationConfiguration: dest})
	putBatch(t, fh, "kept", []byte(`{"n":1}`), []byte(`{"n":2}`))
	if r := waitBulk(t, rc, 1)[0]; r.Status != 503 || len(r.Actions) != 2 {
		t.Fatalf("first attempt answered %d (%s) with %d actions", r.Status, r.Error, len(r.Actions))
	}
	p.stop(t, syscall.SIGKILL)
	accept.Store(true)
	p2 := startBinary(t, creds, "--data-dir", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(rc.Documents()) < 2 {
		if _, err := rc.WaitBulk(ctx, len(rc.Requests())+1); err != nil {
			t.Fatalf("after the restart: %d documents indexed: %v", len(rc.Documents()), err)
		}
	}
	docs := rc.Documents()
	if len(docs) != 2 || string(docs[0].Source) != `{"n":1}` || string(docs[1].Source) != `{"n":2}` {
		t.Fatalf("indexed after the restart: %+v", docs)
	}
	if code := p2.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("server exit %d: %s", code, p2.stderr)
	}
}

// The README's AWS CLI commands create an OpenSearch stream and deliver to
// it (skipped when no aws CLI is installed).
func TestAWSCLIOpenSearch(t *testing.T) {
	rc := receiver.NewOpenSearch(receiver.OpenSearchOptions{})
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	p := startBinary(t, nil)
	run := awsCLIAt(t, p.url)
	run("s3api", "create-bucket", "--bucket", "deliveries")
	run("firehose", "create-delivery-stream", "--delivery-stream-name", "to-search",
		"--amazonopensearchservice-destination-configuration", `{"RoleARN":"`+roleARN+`","ClusterEndpoint":"`+srv.URL+`","IndexName":"logs",
		"IndexRotationPeriod":"OneDay","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
		"S3Configuration":{"RoleARN":"`+roleARN+`","BucketARN":"`+bucketARN+`"}}`)
	// CLI v2 reads Data as base64 (the README's form); v1 sends it as written.
	put := []string{"firehose", "put-record", "--delivery-stream-name", "to-search", "--record", `{"Data":"{\"msg\":\"hi\"}"}`}
	if strings.HasPrefix(run("--version"), "aws-cli/2.") {
		put = []string{"firehose", "put-record", "--delivery-stream-name", "to-search", "--record", `{"Data":"eyJtc2ciOiJoaSJ9"}`, "--cli-binary-format", "base64"}
	}
	want := `{"msg":"hi"}`
	run(put...)
	r := waitBulk(t, rc, 1)[0]
	if r.Status != 200 || len(r.Actions) != 1 || string(r.Actions[0].Source) != want || !strings.HasPrefix(r.Actions[0].Index, "logs-") {
		t.Fatalf("bulk request %d (%s): %q", r.Status, r.Error, r.Body)
	}
	var desc struct {
		DeliveryStreamDescription struct {
			Destinations []struct {
				AmazonopensearchserviceDestinationDescription struct{ ClusterEndpoint, IndexName string }
			}
		}
	}
	out := run("firehose", "describe-delivery-stream", "--delivery-stream-name", "to-search")
	if json.Unmarshal([]byte(out), &desc) != nil || desc.DeliveryStreamDescription.Destinations[0].AmazonopensearchserviceDestinationDescription.ClusterEndpoint != srv.URL {
		t.Fatalf("describe: %s", out)
	}
}
