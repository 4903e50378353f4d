package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// More replays of Firehose answers recorded from AWS (see also
// recordings_test.go).

// firehoseRaw sends one Firehose request in JSON 1.1 and returns the
// status and the body.
func firehoseRaw(t *testing.T, env *emulatortest.Env, op, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Firehose_20150804."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// Recording: localstack/localstack,
// tests/aws/services/cloudformation/resources/test_firehose.snapshot.json,
// test_firehose_stack_with_kinesis_as_source (validated 2022-09-14): the
// whole DescribeDeliveryStream answer of a KinesisStreamAsSource stream.
// recordings_test.go replays its destination on a Direct PUT stream; this
// one replays the stream around it: exactly CreateTimestamp,
// DeliveryStreamARN, DeliveryStreamName, DeliveryStreamStatus ACTIVE,
// DeliveryStreamType KinesisStreamAsSource, Destinations (one,
// destinationId-000000000001, with ExtendedS3DestinationDescription and
// S3DestinationDescription), HasMoreDestinations false, Source
// {KinesisStreamSourceDescription {DeliveryStartTimestamp,
// KinesisStreamARN, RoleARN}} and VersionId "1".
func TestRecordedKinesisSourceStreamDescription(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	arn := createDataStream(t, env, "source", 1)
	d := s3Dest()
	d.Prefix = aws.String("firehoseTest/!{partitionKeyFromQuery:s3Prefix}")
	d.ErrorOutputPrefix = aws.String("firehoseTest-errors/!{firehose:error-output-type}/")
	d.BufferingHints = hints(64, 60)
	d.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
	d.DataFormatConversionConfiguration = &types.DataFormatConversionConfiguration{Enabled: aws.Bool(false)}
	d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{metadataExtraction("{s3Prefix: .tableName}")}}
	_, err := env.Firehose.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("recorded"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)},
		ExtendedS3DestinationConfiguration: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	code, b := firehoseRaw(t, env, "DescribeDeliveryStream", `{"DeliveryStreamName":"recorded"}`)
	if code != http.StatusOK {
		t.Fatalf("DescribeDeliveryStream: %d %s", code, b)
	}
	desc := jsonMembers(t, jsonMembers(t, b)["DeliveryStreamDescription"])
	want := []string{"CreateTimestamp", "DeliveryStreamARN", "DeliveryStreamName", "DeliveryStreamStatus", "DeliveryStreamType", "Destinations",
		"HasMoreDestinations", "Source", "VersionId"}
	if got := memberNames(desc); !slices.Equal(got, want) {
		t.Fatalf("members %v, recorded %v", got, want)
	}
	for k, v := range map[string]string{"DeliveryStreamName": `"recorded"`, "DeliveryStreamStatus": `"ACTIVE"`, "DeliveryStreamType": `"KinesisStreamAsSource"`,
		"HasMoreDestinations": `false`, "VersionId": `"1"`} {
		if string(desc[k]) != v {
			t.Errorf("%s = %s, recorded %s", k, desc[k], v)
		}
	}
	var created float64
	var streamARN string
	_ = json.Unmarshal(desc["CreateTimestamp"], &created)
	_ = json.Unmarshal(desc["DeliveryStreamARN"], &streamARN)
	if created < 1e9 || !regexp.MustCompile(`^arn:aws:firehose:us-east-1:\d{12}:deliverystream/recorded$`).MatchString(streamARN) {
		t.Errorf("CreateTimestamp %s, DeliveryStreamARN %s", desc["CreateTimestamp"], desc["DeliveryStreamARN"])
	}
	var dests []map[string]json.RawMessage
	_ = json.Unmarshal(desc["Destinations"], &dests)
	if len(dests) != 1 || !slices.Equal(memberNames(dests[0]), []string{"DestinationId", "ExtendedS3DestinationDescription", "S3DestinationDescription"}) ||
		string(dests[0]["DestinationId"]) != `"destinationId-000000000001"` {
		t.Fatalf("Destinations %s", desc["Destinations"])
	}
	s3d := jsonMembers(t, dests[0]["S3DestinationDescription"])
	if got := memberNames(s3d); !slices.Equal(got, []string{"BucketARN", "BufferingHints", "CloudWatchLoggingOptions", "CompressionFormat",
		"EncryptionConfiguration", "ErrorOutputPrefix", "Prefix", "RoleARN"}) {
		t.Errorf("S3DestinationDescription members %v", got)
	}
	src := jsonMembers(t, desc["Source"])
	if !slices.Equal(memberNames(src), []string{"KinesisStreamSourceDescription"}) {
		t.Fatalf("Source %s", desc["Source"])
	}
	k := jsonMembers(t, src["KinesisStreamSourceDescription"])
	var started float64
	_ = json.Unmarshal(k["DeliveryStartTimestamp"], &started)
	if !slices.Equal(memberNames(k), []string{"DeliveryStartTimestamp", "KinesisStreamARN", "RoleARN"}) || started < 1e9 ||
		string(k["KinesisStreamARN"]) != mustJSON(arn) || string(k["RoleARN"]) != mustJSON(roleARN) {
		t.Fatalf("KinesisStreamSourceDescription %s", src["KinesisStreamSourceDescription"])
	}
}

// Recording: localstack/localstack,
// tests/aws/services/firehose/test_firehose.snapshot.json,
// test_resource_tagging (validated 2026-03-02): the tags given at creation
// listed with HasMoreTags false; untagging them together with a key the
// stream does not have succeeds; then Tags [] (an empty list, not absent);
// a tag added is listed alone.
func TestRecordedFirehoseTagging(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("tagged"),
		ExtendedS3DestinationConfiguration: s3Dest(), Tags: []types.Tag{{Key: aws.String("subject"), Value: aws.String("taboo")}}})
	if err != nil {
		t.Fatal(err)
	}
	list := func(want string) {
		t.Helper()
		code, b := firehoseRaw(t, env, "ListTagsForDeliveryStream", `{"DeliveryStreamName":"tagged"}`)
		m := jsonMembers(t, b)
		if code != http.StatusOK || !slices.Equal(memberNames(m), []string{"HasMoreTags", "Tags"}) || string(m["HasMoreTags"]) != "false" || string(m["Tags"]) != want {
			t.Fatalf("ListTagsForDeliveryStream: %d %s; recorded HasMoreTags false, Tags %s", code, b, want)
		}
	}
	list(`[{"Key":"subject","Value":"taboo"}]`)
	if code, b := firehoseRaw(t, env, "UntagDeliveryStream", `{"DeliveryStreamName":"tagged","TagKeys":["subject","moment"]}`); code != http.StatusOK {
		t.Fatalf("UntagDeliveryStream: %d %s", code, b)
	}
	list(`[]`)
	if code, b := firehoseRaw(t, env, "TagDeliveryStream", `{"DeliveryStreamName":"tagged","Tags":[{"Key":"feeling","Value":"uncomfortable"}]}`); code != http.StatusOK {
		t.Fatalf("TagDeliveryStream: %d %s", code, b)
	}
	list(`[{"Key":"feeling","Value":"uncomfortable"}]`)
}
