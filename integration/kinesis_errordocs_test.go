package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/receiver"
)

// rawDocs reads the error documents under prefix of delivery stream name,
// each line as its members (raw) and its member names in order.
func rawDocs(t *testing.T, env *emulatortest.Env, prefix, name string) (docs []map[string]json.RawMessage, order [][]string) {
	t.Helper()
	for _, o := range objects(t, env, "deliveries") {
		if !strings.HasPrefix(o.key, prefix) || !strings.Contains(o.key, "/"+name+"-") {
			continue
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n") {
			var d map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				t.Fatalf("error document %q: %v", line, err)
			}
			docs = append(docs, d)
			order = append(order, memberOrder(t, line))
		}
	}
	return docs, order
}

// memberOrder is the names of a JSON object's top-level members, in order.
func memberOrder(t *testing.T, doc string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func docString(t *testing.T, d map[string]json.RawMessage, member string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(d[member], &s); err != nil {
		t.Fatalf("%s = %s: %v", member, d[member], err)
	}
	return s
}

func docRaw(t *testing.T, d map[string]json.RawMessage) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(docString(t, d, "rawData"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func putKinesis(t *testing.T, env *emulatortest.Env, stream, key string, data []byte) string {
	t.Helper()
	out, err := env.Kinesis.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(key), Data: data})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	return aws.ToString(out.SequenceNumber)
}

// Records of a KinesisStreamAsSource stream that fail format conversion
// go to the error output with their Kinesis sequence number
// (sequenceNumber, a string) and subsequence (subSequenceNumber, a number:
// a KPL sub-record's index in its aggregate, 0 for other records), placed
// where AWS's document template has them; a Direct PUT stream's documents
// have neither.
func TestKinesisSourceConversionErrorSequenceNumbers(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createTable(t, env, "lake", "ev", [2]string{"n", "int"})
	arn := createDataStream(t, env, "conv", 1)
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("fromkds"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)},
		ExtendedS3DestinationConfiguration: conversionDest("lake", "ev"),
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	createStream(t, env.Firehose, "direct", conversionDest("lake", "ev"))

	putKinesis(t, env, "conv", "k", []byte(`{"n":1}`))
	seqBad := putKinesis(t, env, "conv", "k", []byte(`{"n":`))
	seqAgg := putKinesis(t, env, "conv", "agg", kplAggregate([]string{"p0", "p1"}, `{"n":2}`, `{"n":3}`, `not json`, `{"n":4}`))
	putBatch(t, env.Firehose, "direct", []byte(`{"n":5}`), []byte(`{"n":`))
	env.Flush(t, "fromkds")
	env.Flush(t, "direct")
	waitDelivered(t, env)

	var parquet []string
	for _, o := range objects(t, env, "deliveries") {
		if strings.HasPrefix(o.key, "parquet/") {
			parquet = append(parquet, o.key)
		}
	}
	if len(parquet) != 2 {
		t.Fatalf("Parquet objects %q, want one per delivery stream", parquet)
	}

	docs, order := rawDocs(t, env, "errors/format-conversion-failed/", "fromkds")
	if len(docs) != 2 {
		t.Fatalf("%d error documents of the Kinesis-sourced stream, want 2", len(docs))
	}
	want := []struct {
		raw, seq, sub string
	}{{`{"n":`, seqBad, "0"}, {`not json`, seqAgg, "2"}}
	wantOrder := []string{"attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "attemptEndingTimestamp", "rawData",
		"sequenceNumber", "subSequenceNumber", "dataCatalogTable"}
	for i, d := range docs {
		if docRaw(t, d) != want[i].raw || docString(t, d, "sequenceNumber") != want[i].seq || string(d["subSequenceNumber"]) != want[i].sub ||
			docString(t, d, "lastErrorCode") != "DataFormatConversion.ParseError" {
			t.Errorf("document %d: rawData %q, sequenceNumber %s, subSequenceNumber %s, lastErrorCode %s; want %+v",
				i, docRaw(t, d), d["sequenceNumber"], d["subSequenceNumber"], d["lastErrorCode"], want[i])
		}
		if !slices.Equal(order[i], wantOrder) {
			t.Errorf("document %d members %q, want %q", i, order[i], wantOrder)
		}
	}

	docs, order = rawDocs(t, env, "errors/format-conversion-failed/", "direct")
	wantOrder = []string{"attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "attemptEndingTimestamp", "rawData", "dataCatalogTable"}
	if len(docs) != 1 || docRaw(t, docs[0]) != `{"n":` || !slices.Equal(order[0], wantOrder) {
		t.Fatalf("Direct PUT documents %v, members %q; want one without sequence numbers", docs, order)
	}
}

// A KinesisStreamAsSource stream with a Lambda transform and an HTTP
// endpoint: records the endpoint never takes are backed up with dataId
// "<sequence number>.<subsequence>" and subsequenceNumber, for plain
// records and a KPL aggregate's sub-records alike (the numbers follow the
// record through the transform); a record the function fails is a
// processing-failed document, which has no sequence number on AWS either.
func TestKinesisSourceHTTPEndpointErrorDataID(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	pythonTransform(t, env, "upper", nil)
	rc, url := startReceiver(t, receiver.Options{Respond: func(context.Context, *receiver.Request) *receiver.Response {
		return &receiver.Response{Status: 503, ErrorMessage: "down for maintenance"}
	}})
	arn := createDataStream(t, env, "web", 1)
	dest := httpDest(url)
	dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
	dest.S3Configuration.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	dest.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeLambda,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "upper")},
			{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
			{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("0")},
		}}}}
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("web"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:     &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)},
		HttpEndpointDestinationConfiguration: dest,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	seqA := putKinesis(t, env, "web", "k", []byte("a\n"))
	putKinesis(t, env, "web", "k", []byte("fail me\n"))
	seqAgg := putKinesis(t, env, "web", "agg", kplAggregate([]string{"p0", "p1"}, "x\n", "drop me\n", "y\n"))
	env.Flush(t, "web")
	waitDelivered(t, env)
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("%d requests to the endpoint, want 1 (RetryOptions 0)", n)
	}

	docs, keys := failedDocs(t, env, "web") // DisallowUnknownFields: AWS's members only
	if len(docs) != 3 || len(keys) != 1 {
		t.Fatalf("%d http-endpoint-failed documents in %d objects, want 3 in 1", len(docs), len(keys))
	}
	want := []struct {
		raw, dataID string
		sub         int
	}{{"A\n", seqA + ".0", 0}, {"X\n", seqAgg + ".0", 0}, {"Y\n", seqAgg + ".2", 2}}
	for i, d := range docs {
		raw, _ := base64.StdEncoding.DecodeString(d.RawData)
		if string(raw) != want[i].raw || d.DataID != want[i].dataID || d.SubsequenceNumber == nil || *d.SubsequenceNumber != want[i].sub ||
			d.ErrorCode != "HttpEndpoint.DestinationException" {
			t.Errorf("document %d = %+v (rawData %q), want %+v", i, d, raw, want[i])
		}
	}

	failed, order := rawDocs(t, env, "errors/processing-failed/", "web")
	if len(failed) != 1 || docRaw(t, failed[0]) != "fail me\n" {
		t.Fatalf("processing-failed documents %v", failed)
	}
	for _, k := range order[0] {
		if strings.Contains(strings.ToLower(k), "sequence") || k == "dataId" {
			t.Fatalf("a processing-failed document with %s: %q", k, order[0])
		}
	}
	// The endpoint was sent the transformed records.
	r := rc.Requests()[0]
	if got := bytes.Join(r.Records, nil); string(got) != "A\nX\nY\n" {
		t.Fatalf("the endpoint was sent %q", got)
	}
}
