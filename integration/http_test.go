package integration_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/receiver"
)

// startReceiver serves a receiver on 127.0.0.1:0 for the test's duration.
func startReceiver(t *testing.T, opts receiver.Options) (*receiver.Receiver, string) {
	t.Helper()
	rc := receiver.New(opts)
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// httpDest is an HTTP endpoint destination with zero buffering, backed up
// to the "deliveries" bucket.
func httpDest(url string) *types.HttpEndpointDestinationConfiguration {
	return &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url), Name: aws.String("local"), AccessKey: aws.String("secret")},
		BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration:       &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}
}

func createHTTPStream(t *testing.T, fh *firehose.Client, name string, dest *types.HttpEndpointDestinationConfiguration) string {
	t.Helper()
	out, err := fh.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), HttpEndpointDestinationConfiguration: dest,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

func waitRequests(t *testing.T, rc *receiver.Receiver, n int) []receiver.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reqs, err := rc.WaitRequests(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d requests: got %d: %v", n, len(reqs), err)
	}
	return reqs
}

// nextRetry waits until a delivery is waiting out its backoff, then moves
// the clock past any backoff (at most 2 minutes).
func nextRetry(t *testing.T, clock *emulator.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("no retry is waiting: %v", err)
	}
	clock.Advance(2 * time.Minute)
}

// The request is exactly the one the specification describes: headers,
// the URL's path and query, and the body byte for byte.
func TestHTTPEndpointRequest(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url + "/ingest?token=x")
	dest.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	dest.RequestConfiguration = &types.HttpEndpointRequestConfiguration{CommonAttributes: []types.HttpEndpointCommonAttribute{
		{AttributeName: aws.String("team"), AttributeValue: aws.String("data")}, {AttributeName: aws.String("env"), AttributeValue: aws.String("")}}}
	arn := createHTTPStream(t, env.Firehose, "web", dest)
	putBatch(t, env.Firehose, "web", []byte("hello\n"), []byte{0, 1, 2, 255}, []byte{})
	clock.Advance(30 * time.Second)
	putBatch(t, env.Firehose, "web", []byte(`{"n":4}`))
	clock.Advance(30 * time.Second) // 60 s after the first record
	reqs := waitRequests(t, rc, 1)
	waitDelivered(t, env)
	r := reqs[0]
	if r.Status != 200 || r.Error != "" || r.Method != "POST" || r.URI != "/ingest?token=x" {
		t.Fatalf("request %s %s answered %d: %s", r.Method, r.URI, r.Status, r.Error)
	}
	want := map[string]string{
		"Content-Type":                     "application/json",
		"X-Amz-Firehose-Protocol-Version":  "1.0",
		"X-Amz-Firehose-Source-Arn":        arn,
		"X-Amz-Firehose-Access-Key":        "secret",
		"X-Amz-Firehose-Common-Attributes": `{"commonAttributes":{"team":"data","env":""}}`,
		"Content-Length":                   fmt.Sprint(len(r.Body)),
	}
	for k, v := range want {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if _, ok := r.Header["Content-Encoding"]; ok {
		t.Errorf("Content-Encoding sent without GZIP: %q", r.Header.Get("Content-Encoding"))
	}
	if !regexp.MustCompile(`^` + uuidRE + `$`).MatchString(r.RequestID) {
		t.Errorf("request id %q is not a UUID", r.RequestID)
	}
	wantBody := fmt.Sprintf(`{"requestId":"%s","timestamp":%d,"records":[{"data":"aGVsbG8K"},{"data":"AAEC/w=="},{"data":""},{"data":"eyJuIjo0fQ=="}]}`,
		r.RequestID, t0.Add(60*time.Second).UnixMilli())
	if string(r.Body) != wantBody {
		t.Fatalf("body\n%s\nwant\n%s", r.Body, wantBody)
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("FailedDataOnly wrote %d objects for a delivered batch", len(objs))
	}
}
