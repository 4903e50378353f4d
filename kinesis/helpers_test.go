package kinesis_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/kinesis"
)

// t0 is the fake clock's start: every test's "now".
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

const account = "000000000000"

// env is a service served over HTTP on 127.0.0.1:0, as the emulator's
// router would serve it, with an SDK client.
type env struct {
	svc    *kinesis.Service
	clock  *clock.Fake
	url    string
	srv    *httptest.Server
	client *awskinesis.Client // us-east-1
}

// newEnv serves a fresh service with opts (its clock a fake one at t0
// unless opts has one).
func newEnv(t *testing.T, opts kinesis.Options) *env {
	t.Helper()
	c := clock.NewFake(t0)
	if opts.Now == nil && opts.Clock == nil {
		opts.Now, opts.Clock = c.Now, c
	}
	svc, err := kinesis.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api := kinesis.NewAPI(svc, kinesis.APIOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), kinesis.TargetPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		http.Error(w, "not a Kinesis request", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	e := &env{svc: svc, clock: c, url: srv.URL, srv: srv}
	e.client = e.clientIn("us-east-1")
	return e
}

// clientIn is an SDK client whose requests are signed for region.
func (e *env) clientIn(region string) *awskinesis.Client {
	return awskinesis.NewFromConfig(aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.url),
		HTTPClient:       testtool.SDKHTTPClient(),
		RetryMaxAttempts: 1,
	})
}

// post sends a raw request and returns the status and body.
func (e *env) post(t *testing.T, target, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// create makes a PROVISIONED stream of n shards.
func (e *env) create(t *testing.T, name string, n int32) {
	t.Helper()
	_, err := e.client.CreateStream(t.Context(), &awskinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(n)})
	if err != nil {
		t.Fatalf("CreateStream %s: %v", name, err)
	}
}

func (e *env) put(t *testing.T, stream, key, data string) *awskinesis.PutRecordOutput {
	t.Helper()
	out, err := e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(key), Data: []byte(data)})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	return out
}

func (e *env) iterator(t *testing.T, stream, shard string, typ types.ShardIteratorType, seq string) string {
	t.Helper()
	in := &awskinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: typ}
	if seq != "" {
		in.StartingSequenceNumber = aws.String(seq)
	}
	out, err := e.client.GetShardIterator(t.Context(), in)
	if err != nil {
		t.Fatalf("GetShardIterator %s: %v", typ, err)
	}
	return aws.ToString(out.ShardIterator)
}

func (e *env) get(t *testing.T, it string, limit int32) *awskinesis.GetRecordsOutput {
	t.Helper()
	in := &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)}
	if limit > 0 {
		in.Limit = aws.Int32(limit)
	}
	out, err := e.client.GetRecords(t.Context(), in)
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	return out
}

func datas(recs []types.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Data))
	}
	return out
}

// wantErr checks that err is the AWS error code with exactly the message
// msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("error = %s: %q,\nwant %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// wantErrPrefix checks the code and that the message starts with prefix.
func wantErrPrefix(t *testing.T, err error, code, prefix string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), prefix) {
		t.Fatalf("error = %s: %q,\nwant %s starting %q", ae.ErrorCode(), ae.ErrorMessage(), code, prefix)
	}
}
