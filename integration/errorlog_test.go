package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/receiver"
)

// fhErrorEvent is the JSON of one of Firehose's error events.
type fhErrorEvent struct {
	DeliveryStreamARN       string `json:"deliveryStreamARN"`
	Destination             string `json:"destination"`
	DeliveryStreamVersionID *int   `json:"deliveryStreamVersionId"`
	Message                 string `json:"message"`
	ErrorCode               string `json:"errorCode"`
	Processor               string `json:"processor"`
}

func logging(group, stream string) *types.CloudWatchLoggingOptions {
	return &types.CloudWatchLoggingOptions{Enabled: aws.Bool(true), LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}
}

// waitErrorEvents reads the error events of group/stream through the SDK's
// FilterLogEvents, with pattern, until there are at least n.
func waitErrorEvents(t *testing.T, env *emulatortest.Env, group, stream, pattern string, n int) []fhErrorEvent {
	t.Helper()
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	deadline := time.Now().Add(20 * time.Second)
	for {
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), LogStreamNames: []string{stream}}
		if pattern != "" {
			in.FilterPattern = aws.String(pattern)
		}
		var events []fhErrorEvent
		p := cloudwatchlogs.NewFilterLogEventsPaginator(logs, in)
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				var nf *cwtypes.ResourceNotFoundException
				if errors.As(err, &nf) {
					break
				}
				t.Fatalf("FilterLogEvents: %v", err)
			}
			for _, e := range out.Events {
				var ev fhErrorEvent
				if err := json.Unmarshal([]byte(aws.ToString(e.Message)), &ev); err != nil {
					t.Fatalf("error event is not JSON: %q", aws.ToString(e.Message))
				}
				events = append(events, ev)
			}
		}
		if len(events) >= n {
			return events
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d error events in %s/%s matching %q, want %d", len(events), group, stream, pattern, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// retryUntilDelivered moves the clock to each pending retry until an object
// lands in bucket.
func retryUntilDelivered(t *testing.T, clock *emulator.FakeClock, env *emulatortest.Env, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(objects(t, env, bucket)) == 0 {
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal("no retry scheduled:", err)
		}
		w, _ := clock.NextTimer()
		clock.Advance(w)
		waitDelivered(t, env)
	}
}

// An S3 write that fails (the bucket does not exist) becomes an S3.NoSuchBucket
// event in DestinationDelivery; delivery goes on retrying, and succeeds once
// the bucket exists: nothing is lost.
func TestErrorEventsS3Delivery(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	dest := s3Dest()
	dest.BucketARN = aws.String("arn:aws:s3:::not-yet")
	dest.BufferingHints = hints(1, 0)
	dest.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/s", "DestinationDelivery")
	arn := createStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("kept\n"))

	events := waitErrorEvents(t, env, "/aws/kinesisfirehose/s", "DestinationDelivery", `"S3.NoSuchBucket"`, 1)
	e := events[0]
	if e.DeliveryStreamARN != arn || e.Destination != "arn:aws:s3:::not-yet" || e.DeliveryStreamVersionID == nil || *e.DeliveryStreamVersionID != 1 ||
		e.ErrorCode != "S3.NoSuchBucket" || e.Message != "The specified bucket does not exist." || e.Processor != "" {
		t.Fatalf("error event = %+v", e)
	}
	if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("not-yet")}); err != nil {
		t.Fatal(err)
	}
	retryUntilDelivered(t, clock, env, "not-yet")
	if objs := objects(t, env, "not-yet"); string(objs[0].body) != "kept\n" {
		t.Fatalf("delivered %q", objs[0].body)
	}
}

// Each failed transform invocation is one event naming the function as the
// processor; the records still go to the error output.
func TestErrorEventsTransformFailure(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "failing", nil)
	dest := transformDest(fnARNPrefix+"failing", "1")
	dest.CloudWatchLoggingOptions = logging("fh-errors", "DestinationDelivery")
	arn := createStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("mode:raise"))
	env.Flush(t, "s")

	events := waitErrorEvents(t, env, "fh-errors", "DestinationDelivery", `"Lambda.FunctionError"`, 2)
	for _, e := range events {
		if e.DeliveryStreamARN != arn || e.Destination != "arn:aws:s3:::deliveries" || e.ErrorCode != "Lambda.FunctionError" ||
			e.Processor != fnARNPrefix+"failing" || e.Message != "The Lambda function was successfully invoked but it returned an error result." {
			t.Fatalf("error event = %+v", e)
		}
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want 2 (1 + NumberOfRetries 1)", len(events))
	}
	// A filter that matches nothing returns nothing.
	if got := waitErrorEvents(t, env, "fh-errors", "DestinationDelivery", `"S3.NoSuchBucket"`, 0); len(got) != 0 {
		t.Fatalf("filter matched %+v", got)
	}
	if _, errs, _ := split(t, objects(t, env, "deliveries")); len(errs) != 1 {
		t.Fatalf("error documents = %+v", errs)
	}
}

// An HTTP endpoint's failures are DestinationDelivery events with the
// endpoint as destination; the S3 backup's are BackupDelivery events.
func TestErrorEventsHTTPEndpoint(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, endpoint := startReceiver(t, receiver.Options{Respond: func(context.Context, *receiver.Request) *receiver.Response {
		return &receiver.Response{Status: 500, ErrorMessage: "boom"}
	}})
	dest := httpDest(endpoint)
	dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
	dest.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/h", "DestinationDelivery")
	dest.S3Configuration.BucketARN = aws.String("arn:aws:s3:::no-backup-bucket")
	dest.S3Configuration.CloudWatchLoggingOptions = &types.CloudWatchLoggingOptions{Enabled: aws.Bool(true)}
	arn := createHTTPStream(t, env.Firehose, "h", dest)
	putBatch(t, env.Firehose, "h", []byte("x"))
	waitRequests(t, rc, 1)

	events := waitErrorEvents(t, env, "/aws/kinesisfirehose/h", "DestinationDelivery", `"HttpEndpoint.DestinationException"`, 1)
	e := events[0]
	u, _ := url.Parse(endpoint)
	if e.DeliveryStreamARN != arn || e.Destination != u.Scheme+"://"+u.Host ||
		e.ErrorCode != "HttpEndpoint.DestinationException" || !strings.Contains(e.Message, "500") || !strings.Contains(e.Message, "boom") {
		t.Fatalf("error event = %+v (endpoint %s)", e, endpoint)
	}
	// The backup bucket is missing: the backup write fails and is logged
	// under the default group and BackupDelivery.
	backup := waitErrorEvents(t, env, "/aws/kinesisfirehose/h", "BackupDelivery", "", 1)
	if b := backup[0]; b.ErrorCode != "S3.NoSuchBucket" || b.Destination != "arn:aws:s3:::no-backup-bucket" || b.DeliveryStreamARN != arn {
		t.Fatalf("backup error event = %+v", b)
	}
	// Once the bucket exists the retried backup write lands.
	if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("no-backup-bucket")}); err != nil {
		t.Fatal(err)
	}
	retryUntilDelivered(t, clock, env, "no-backup-bucket")
}

// With logging off nothing is written.
func TestErrorEventsOffByDefault(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "failing", nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"failing", "0"))
	putBatch(t, env.Firehose, "s", []byte("mode:raise"))
	env.Flush(t, "s")
	out, err := cloudwatchlogs.NewFromConfig(env.AWS).DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePrefix: aws.String("/aws/kinesisfirehose/")})
	if err != nil || len(out.LogGroups) != 0 {
		t.Fatalf("DescribeLogGroups: %v %v", out, err)
	}
}

// What a failing delivery tells the user is in AWS's words, in the flush
// answer and the log alike, and a flush does not make the first retry
// immediate: the second attempt waits out its backoff (1 s, on the fake
// clock).
func TestDeliveryFailureWordingAndBackoff(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	var logs testtool.Buffer
	env := newEnv(t, emulator.Config{Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	dest := s3Dest()
	dest.BucketARN = aws.String("arn:aws:s3:::not-yet")
	createStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("kept\n"))

	res, _ := env.Server.Flush(ctxFor(t, time.Second), "s", "")
	want := "delivery not finished after 1s; still retrying: S3.NoSuchBucket: The specified bucket does not exist."
	if len(res) != 1 || res[0].Error != want {
		t.Fatalf("flush = %+v, want the error %q", res, want)
	}
	out := logs.String()
	if strings.Contains(out, "s3fake") || !strings.Contains(out, `attempt=1 records=1 errorCode=S3.NoSuchBucket error="The specified bucket does not exist."`) {
		t.Fatalf("log:\n%s", out)
	}
	if strings.Contains(out, "attempt=2") {
		t.Fatalf("the flush made the first retry immediate:\n%s", out)
	}
	clock.Advance(time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "attempt=2") {
		if time.Now().After(deadline) {
			t.Fatalf("no second attempt after the backoff:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("not-yet")}); err != nil {
		t.Fatal(err)
	}
	retryUntilDelivered(t, clock, env, "not-yet")
}
