package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

const cwlRoleARN = "arn:aws:iam::000000000000:role/cwl-to-firehose"

// splitMembers is a Python program that gunzips each gzip member of its
// standard input on its own and prints them as a JSON list of strings.
const splitMembers = `
import json, sys, zlib
data = sys.stdin.buffer.read()
out = []
while data:
    d = zlib.decompressobj(31)
    out.append(d.decompress(data).decode("utf-8"))
    if not d.eof:
        sys.exit("a truncated gzip member")
    data = d.unused_data
json.dump(out, sys.stdout)
`

// gunzipMembers reads an object of concatenated gzip members (one per
// Firehose record) with Python's zlib, a reader we did not write.
func gunzipMembers(t *testing.T, body []byte) []string {
	t.Helper()
	py := testtool.LookPath(t, "python3", "apt-get install python3")
	cmd := exec.Command(py, "-c", splitMembers)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 could not read the gzip members: %v\n%s", err, stderr.String())
	}
	var members []string
	if err := json.Unmarshal(out, &members); err != nil {
		t.Fatal(err)
	}
	return members
}

// streamMessages reads the objects a stream delivered to "deliveries" and
// returns every record's decompressed message, in order.
func streamMessages(t *testing.T, env *emulatortest.Env, stream string) []string {
	t.Helper()
	var msgs []string
	for _, o := range objects(t, env, "deliveries") {
		if strings.Contains(o.key, "/"+stream+"-1-") {
			msgs = append(msgs, gunzipMembers(t, o.body)...)
		}
	}
	return msgs
}

func putSubscription(t *testing.T, logs *cloudwatchlogs.Client, group, name, pattern, dest string) {
	t.Helper()
	if _, err := logs.PutSubscriptionFilter(context.Background(), &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(pattern),
		DestinationArn: aws.String(dest), RoleArn: aws.String(cwlRoleARN),
	}); err != nil {
		t.Fatalf("PutSubscriptionFilter %s: %v", name, err)
	}
}

func createLogGroup(t *testing.T, logs *cloudwatchlogs.Client, group string) {
	t.Helper()
	if _, err := logs.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatalf("CreateLogGroup %s: %v", group, err)
	}
}

func createLogStream(t *testing.T, logs *cloudwatchlogs.Client, group, stream string) {
	t.Helper()
	if _, err := logs.CreateLogStream(context.Background(), &cloudwatchlogs.CreateLogStreamInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatalf("CreateLogStream %s/%s: %v", group, stream, err)
	}
}

func logEvent(ms int64, msg string) cwtypes.InputLogEvent {
	return cwtypes.InputLogEvent{Timestamp: aws.Int64(ms), Message: aws.String(msg)}
}

func putLogEvents(t *testing.T, logs *cloudwatchlogs.Client, group, stream string, events ...cwtypes.InputLogEvent) {
	t.Helper()
	if _, err := logs.PutLogEvents(context.Background(), &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatalf("PutLogEvents %s/%s: %v", group, stream, err)
	}
}

func controlMessage(ms int64) string {
	return fmt.Sprintf(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],`+
		`"logEvents":[{"id":"","timestamp":%d,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`, ms)
}

// eventIDs returns the IDs FilterLogEvents gives the events of a stream.
func eventIDs(t *testing.T, logs *cloudwatchlogs.Client, group, stream string) []string {
	t.Helper()
	out, err := logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(group), LogStreamNames: []string{stream}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range out.Events {
		ids = append(ids, aws.ToString(e.EventId))
	}
	return ids
}

// CloudWatch Logs → Firehose → S3: the control message when each filter is
// put, then the events each filter matches, every record one gzip member
// of exactly the JSON CloudWatch Logs sends.
func TestSubscriptionToFirehoseToS3(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	arn := createStream(t, env.Firehose, "from-logs", s3Dest())
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "/my/app")
	createLogStream(t, logs, "/my/app", "web-1")
	putSubscription(t, logs, "/my/app", "everything", "", arn)
	putSubscription(t, logs, "/my/app", "errors", `?ERROR ?"timed out"`, arn)
	ts := t0.UnixMilli()
	putLogEvents(t, logs, "/my/app", "web-1", logEvent(ts-3000, "INFO GET /orders 200"),
		logEvent(ts-2000, `ERROR {"order":"a<b&c>"}`), logEvent(ts-1000, "WARN request timed out\tafter 3s\n"))
	env.Flush(t, "from-logs")
	ids := eventIDs(t, logs, "/my/app", "web-1")
	if len(ids) != 3 || !regexp.MustCompile(`^[0-9]{56}$`).MatchString(ids[0]) || !slices.IsSorted(ids) || ids[0] == ids[1] {
		t.Fatalf("event IDs %q", ids)
	}
	data := func(filter string, events ...string) string {
		return `{"messageType":"DATA_MESSAGE","owner":"000000000000","logGroup":"/my/app","logStream":"web-1","subscriptionFilters":["` +
			filter + `"],"logEvents":[` + strings.Join(events, ",") + `]}`
	}
	e0 := fmt.Sprintf(`{"id":"%s","timestamp":%d,"message":"INFO GET /orders 200"}`, ids[0], ts-3000)
	e1 := fmt.Sprintf(`{"id":"%s","timestamp":%d,"message":"ERROR {\"order\":\"a<b&c>\"}"}`, ids[1], ts-2000)
	e2 := fmt.Sprintf(`{"id":"%s","timestamp":%d,"message":"WARN request timed out\tafter 3s\n"}`, ids[2], ts-1000)
	want := []string{controlMessage(ts), controlMessage(ts), data("everything", e0, e1, e2), data("errors", e1, e2)}
	got := streamMessages(t, env, "from-logs")
	if !slices.Equal(got, want) {
		t.Fatalf("S3 holds:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Each is a record of its own: IncomingRecords counts them.
	if v, ok := value(scrape(t, env), "firehose_incoming_records_total", map[string]string{"delivery_stream": "from-logs"}); v != 4 {
		t.Fatalf("IncomingRecords = %v (present %v), want 4", v, ok)
	}
}

// What a Lambda function prints reaches the stream through a filter on
// /aws/lambda/NAME, and so do the error events Firehose logs.
func TestSubscriptionOfFunctionAndFirehoseLogs(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	ctx := context.Background()
	arn := createStream(t, env.Firehose, "from-logs", s3Dest())
	logs := cloudwatchlogs.NewFromConfig(env.AWS)

	pythonTransform(t, env, "logger", nil)
	event, err := os.ReadFile("testdata/event.json")
	if err != nil {
		t.Fatal(err)
	}
	invoke := func() {
		t.Helper()
		out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("logger"), Payload: event})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("Invoke: %v %v", err, out)
		}
	}
	invoke() // the function's first output creates /aws/lambda/logger, as on AWS
	putSubscription(t, logs, "/aws/lambda/logger", "transforms", "transformed", arn)
	invoke()

	// A stream that cannot deliver logs its error events to a group with a
	// filter of its own.
	createLogGroup(t, logs, "/aws/kinesisfirehose/broken")
	putSubscription(t, logs, "/aws/kinesisfirehose/broken", "delivery-errors", `"S3.NoSuchBucket"`, arn)
	dest := s3Dest()
	dest.BucketARN = aws.String("arn:aws:s3:::not-there")
	dest.BufferingHints = hints(1, 0)
	dest.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/broken", "DestinationDelivery")
	createStream(t, env.Firehose, "broken", dest)
	putBatch(t, env.Firehose, "broken", []byte("lost\n"))
	waitErrorEvents(t, env, "/aws/kinesisfirehose/broken", "DestinationDelivery", `"S3.NoSuchBucket"`, 1)

	env.Flush(t, "from-logs")
	// The function's output is written as it prints, while the second
	// filter is put: the messages' order is not fixed.
	got := streamMessages(t, env, "from-logs")
	type message struct {
		MessageType, Owner, LogGroup, LogStream string
		SubscriptionFilters                     []string
		LogEvents                               []struct {
			ID        string
			Timestamp int64
			Message   string
		}
	}
	var fn, errs message
	controls := 0
	for _, m := range got {
		var doc message
		if err := json.Unmarshal([]byte(m), &doc); err != nil {
			t.Fatal(err)
		}
		switch {
		case m == controlMessage(t0.UnixMilli()):
			controls++
		case doc.LogGroup == "/aws/lambda/logger" && fn.LogGroup == "":
			fn = doc
		case doc.LogGroup == "/aws/kinesisfirehose/broken" && errs.LogGroup == "":
			errs = doc
		default:
			t.Fatalf("unexpected message %s", m)
		}
	}
	if len(got) != 4 || controls != 2 {
		t.Fatalf("S3 holds:\n%s", strings.Join(got, "\n"))
	}
	if fn.MessageType != "DATA_MESSAGE" || fn.Owner != "000000000000" || fn.LogGroup != "/aws/lambda/logger" ||
		!regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(fn.LogStream) ||
		!slices.Equal(fn.SubscriptionFilters, []string{"transforms"}) || len(fn.LogEvents) != 1 ||
		fn.LogEvents[0].Message != "transformed 1 records for logger\n" || fn.LogEvents[0].Timestamp != t0.UnixMilli() {
		t.Fatalf("function's message: %+v", fn)
	}
	if errs.LogGroup != "/aws/kinesisfirehose/broken" || errs.LogStream != "DestinationDelivery" || len(errs.LogEvents) != 1 {
		t.Fatalf("error events' message: %+v", errs)
	}
	var ev fhErrorEvent
	if err := json.Unmarshal([]byte(errs.LogEvents[0].Message), &ev); err != nil || ev.ErrorCode != "S3.NoSuchBucket" {
		t.Fatalf("error event %q: %v", errs.LogEvents[0].Message, err)
	}
	// Let the broken stream deliver, so that the server can stop.
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("not-there")}); err != nil {
		t.Fatal(err)
	}
	retryUntilDelivered(t, clock, env, "not-there")
}

// PutSubscriptionFilter delivers its test message to the stream: a stream
// that does not exist, or is not ACTIVE yet, is refused with AWS's
// message; one in another region of the account is fine.
func TestSubscriptionDestinationChecks(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	var serverLog testtool.Buffer
	env := newEnv(t, emulator.Config{Clock: clock, TransitionDelay: 10 * time.Second, Logger: slog.New(slog.NewTextHandler(&serverLog, nil))})
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "g")
	arn := createStream(t, env.Firehose, "new", s3Dest())
	const notActive = "Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state."
	put := func(dest, role string) error {
		in := &cloudwatchlogs.PutSubscriptionFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("f"),
			FilterPattern: aws.String(""), DestinationArn: aws.String(dest)}
		if role != "" {
			in.RoleArn = aws.String(role)
		}
		_, err := logs.PutSubscriptionFilter(ctx, in)
		return err
	}
	wantAPIError(t, put(arn, cwlRoleARN), "InvalidParameterException", notActive) // CREATING
	wantAPIError(t, put(strings.Replace(arn, "/new", "/missing", 1), cwlRoleARN), "InvalidParameterException", notActive)
	wantAPIError(t, put(strings.Replace(arn, "000000000000", "111111111111", 1), cwlRoleARN), "InvalidParameterException", notActive)
	wantAPIError(t, put(arn, ""), "InvalidParameterException", "destinationArn for vendor firehose cannot be used without roleArn")
	wantAPIError(t, put("arn:aws:kinesis:us-east-1:000000000000:stream/k", cwlRoleARN), "InvalidParameterException",
		"firehose-local does not support subscription filters delivering to Kinesis Data Streams yet.")
	clock.Advance(10 * time.Second)
	if err := put(arn, cwlRoleARN); err != nil {
		t.Fatalf("ACTIVE stream: %v", err)
	}
	west := emulatortest.Config(env.URL, "eu-west-1")
	westFH := firehose.NewFromConfig(west)
	westARN := createStream(t, westFH, "west", s3Dest())
	clock.Advance(10 * time.Second)
	if err := put(westARN, cwlRoleARN); err != nil {
		t.Fatalf("a stream in another region: %v", err)
	}
	// The filter now delivers to the other region's stream; once that is
	// deleted, deliveries are dropped (and logged), never failing the writer.
	if _, err := westFH.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("west")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	createLogStream(t, logs, "g", "s")
	putLogEvents(t, logs, "g", "s", logEvent(clock.Now().UnixMilli(), "nowhere to go")) // succeeds
	env.Flush(t, "")
	if !strings.Contains(serverLog.String(), "cwlogs: subscription delivery failed; dropping the record") ||
		!strings.Contains(serverLog.String(), "deliverystream/west") {
		t.Fatalf("the dropped delivery is not logged:\n%s", serverLog.String())
	}
}

// A throttled delivery (the server's pending bytes are used up) is retried
// after a backoff on the server's clock, and then arrives.
func TestSubscriptionThrottledIsRetried(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock, MaxPendingBytes: 1024})
	ctx := context.Background()
	dest := s3Dest()
	dest.BufferingHints = hints(5, 900)
	arn := createStream(t, env.Firehose, "from-logs", dest)
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "g")
	createLogStream(t, logs, "g", "s")
	putSubscription(t, logs, "g", "f", "", arn)
	// Use up what is left of the budget, to the byte.
	createStream(t, env.Firehose, "filler", dest)
	recs := make([]types.Record, 500)
	for i := range recs {
		recs[i] = types.Record{Data: []byte("x")}
	}
	for full := false; !full; {
		out, err := env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("filler"), Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		full = aws.ToInt32(out.FailedPutCount) > 0
	}
	putLogEvents(t, logs, "g", "s", logEvent(t0.UnixMilli(), strings.Repeat("late ", 200))) // succeeds
	env.Flush(t, "")                                                                        // delivers the filler (freeing the budget) and the control message
	if got := streamMessages(t, env, "from-logs"); len(got) != 1 {
		t.Fatalf("before the retry S3 holds %d messages", len(got))
	}
	clock.Advance(time.Second) // the first retry
	env.Flush(t, "from-logs")
	got := streamMessages(t, env, "from-logs")
	if len(got) != 2 || !strings.Contains(got[1], `"message":"late late `) {
		t.Fatalf("after the retry S3 holds:\n%s", strings.Join(got, "\n"))
	}
}

// With --data-dir, subscription filters survive a restart and deliver.
func TestSubscriptionFiltersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	env := durableEnv(t, dir, emulator.Config{})
	arn := createStream(t, env.Firehose, "from-logs", s3Dest())
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "g")
	putSubscription(t, logs, "g", "errors", "ERROR", arn)
	before, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}

	env2 := emulatortest.New(t, emulator.Config{DataDir: dir})
	logs2 := cloudwatchlogs.NewFromConfig(env2.AWS)
	after, err := logs2.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(before.SubscriptionFilters)
	b2, _ := json.Marshal(after.SubscriptionFilters)
	if string(b1) != string(b2) || len(after.SubscriptionFilters) != 1 {
		t.Fatalf("after the restart:\n%s\nbefore:\n%s", b2, b1)
	}
	createLogStream(t, logs2, "g", "s")
	now := time.Now().UnixMilli()
	putLogEvents(t, logs2, "g", "s", logEvent(now, "INFO fine"), logEvent(now, "ERROR after the restart"))
	env2.Flush(t, "from-logs")
	got := streamMessages(t, env2, "from-logs")
	slices.Sort(got) // two objects, maybe of the same second: their keys need not sort in time
	if len(got) != 2 || !strings.HasPrefix(got[0], `{"messageType":"CONTROL_MESSAGE"`) ||
		!strings.Contains(got[1], `"subscriptionFilters":["errors"]`) || !strings.Contains(got[1], `"message":"ERROR after the restart"`) ||
		strings.Contains(got[1], "INFO") {
		t.Fatalf("after the restart S3 holds:\n%s", strings.Join(got, "\n"))
	}
}
