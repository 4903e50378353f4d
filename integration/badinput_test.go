package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// rawCall sends a JSON 1.1 request as any client could, bypassing the SDK's
// own checks.
func rawCall(t *testing.T, url, target, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("HTTP %d, body is not JSON: %q", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode >= 400 && ct != "application/x-amz-json-1.1" {
		t.Fatalf("error Content-Type = %q", ct)
	}
	return resp.StatusCode, out
}

func TestBadInputGetsAWSShapedErrors(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	const ct = "application/x-amz-json-1.1"
	huge := append([]byte(`{"DeliveryStreamName":"s","Record":{"Data":"`), bytes.Repeat([]byte("A"), 9<<20)...)
	huge = append(huge, `"}}`...)
	cases := []struct {
		name, target, ct, body string
		status                 int
		typ, msg               string
	}{
		{"malformed JSON", "Firehose_20150804.ListDeliveryStreams", ct, `{"Limit":`, 400, "SerializationException", ""},
		{"not an object", "Firehose_20150804.ListDeliveryStreams", ct, `[1,2]`, 400, "SerializationException", ""},
		{"unknown operation", "Firehose_20150804.DropEverything", ct, `{}`, 400, "UnknownOperationException", "DropEverything"},
		{"unknown service", "DynamoDB_20120810.ListTables", ct, `{}`, 400, "UnknownOperationException", "DynamoDB_20120810.ListTables"},
		{"wrong content type", "Firehose_20150804.ListDeliveryStreams", "text/plain", `{}`, 400, "SerializationException", "Content-Type"},
		{"wrong member type", "Firehose_20150804.ListDeliveryStreams", ct, `{"Limit":"ten"}`, 400, "SerializationException", "limit"},
		{"fractional integer", "Firehose_20150804.ListDeliveryStreams", ct, `{"Limit":1.5}`, 400, "SerializationException", "limit"},
		{"missing required", "Firehose_20150804.DescribeDeliveryStream", ct, `{}`, 400, "ValidationException",
			"1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"},
		{"nested required", "Firehose_20150804.CreateDeliveryStream", ct, `{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{}}`, 400, "ValidationException",
			"2 validation errors detected: Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null; Value null at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must not be null"},
		{"struct of wrong type", "Firehose_20150804.CreateDeliveryStream", ct, `{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":"yes"}`, 400, "SerializationException", "extendedS3DestinationConfiguration"},
		{"put missing record", "Firehose_20150804.PutRecord", ct, `{"DeliveryStreamName":"s"}`, 400, "ValidationException",
			"Value null at 'record' failed to satisfy constraint: Member must not be null"},
		{"put bad base64", "Firehose_20150804.PutRecord", ct, `{"DeliveryStreamName":"s","Record":{"Data":"!!!"}}`, 400, "SerializationException", ""},
		{"put data of wrong type", "Firehose_20150804.PutRecord", ct, `{"DeliveryStreamName":"s","Record":{"Data":42}}`, 400, "SerializationException", ""},
		{"batch missing data", "Firehose_20150804.PutRecordBatch", ct, `{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{}]}`, 400, "ValidationException",
			"Value null at 'records.2.member.data' failed to satisfy constraint: Member must not be null"},
		{"batch empty", "Firehose_20150804.PutRecordBatch", ct, `{"DeliveryStreamName":"s","Records":[]}`, 400, "ValidationException",
			"at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"body of many megabytes", "Firehose_20150804.PutRecord", ct, string(huge), 413, "RequestEntityTooLargeException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := rawCall(t, env.URL, c.target, c.ct, []byte(c.body))
			if status != c.status || out["__type"] != c.typ {
				t.Fatalf("HTTP %d %v, want %d %s", status, out, c.status, c.typ)
			}
			if msg, _ := out["message"].(string); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	// The server is still healthy after all of that.
	resp, err := http.Get(env.URL + "/_local/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after bad input: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestPutRecordLimits(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createStream(t, env.Firehose, "s", s3Dest())

	_, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: make([]byte, 1024001)}})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000")
	if _, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: make([]byte, 1024000)}}); err != nil {
		t.Fatalf("a record of exactly 1,024,000 bytes: %v", err)
	}
	if _, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte{}}}); err != nil {
		t.Fatalf("an empty record: %v", err)
	}

	recs := make([]types.Record, 501)
	for i := range recs {
		recs[i] = types.Record{Data: []byte("x")}
	}
	_, err = env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: recs})
	wantAPIError(t, err, "ValidationException", "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")

	big := make([]types.Record, 5)
	for i := range big {
		big[i] = types.Record{Data: make([]byte, 1000000)}
	}
	_, err = env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: big})
	wantAPIError(t, err, "InvalidArgumentException", "Records size exceeds 4 MB limit")

	batch, err := env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: recs[:500]})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(batch.FailedPutCount) != 0 || len(batch.RequestResponses) != 500 {
		t.Fatalf("batch: failed=%d entries=%d", aws.ToInt32(batch.FailedPutCount), len(batch.RequestResponses))
	}
	seen := map[string]bool{}
	for _, r := range batch.RequestResponses {
		id := aws.ToString(r.RecordId)
		if len(id) != 224 || seen[id] {
			t.Fatalf("RecordId %q: want 224 unique base64 characters", id)
		}
		if _, err := base64.StdEncoding.DecodeString(id); err != nil {
			t.Fatalf("RecordId %q is not base64: %v", id, err)
		}
		seen[id] = true
	}
	_, err = env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("missing"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose missing under account 000000000000 not found.")
}

// Every operation of the model is dispatched: none answers
// UnknownOperationException.
func TestEveryModelOperationIsServed(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	b, err := readModel()
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Operations map[string]any `json:"operations"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	if len(model.Operations) != 12 {
		t.Fatalf("model has %d operations, want 12", len(model.Operations))
	}
	for op := range model.Operations {
		status, out := rawCall(t, env.URL, "Firehose_20150804."+op, "application/x-amz-json-1.1", []byte(`{}`))
		if out["__type"] == "UnknownOperationException" {
			t.Errorf("%s is not served (HTTP %d %v)", op, status, out)
		}
	}
}
