package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/receiver"
)

const hecToken = "a1b2c3d4-0000-4000-8000-00000000abcd"

// startHEC serves a strict Splunk HEC on 127.0.0.1:0 for the test's
// duration.
func startHEC(t *testing.T, opts receiver.SplunkOptions) (*receiver.Splunk, string) {
	t.Helper()
	hec := receiver.NewSplunk(opts)
	srv := httptest.NewServer(hec)
	t.Cleanup(srv.Close)
	return hec, srv.URL
}

// splunkDest is a Raw Splunk destination with zero buffering, backed up to
// the "deliveries" bucket.
func splunkDest(endpoint string) *types.SplunkDestinationConfiguration {
	return &types.SplunkDestinationConfiguration{
		HECEndpoint:     aws.String(endpoint),
		HECEndpointType: types.HECEndpointTypeRaw,
		HECToken:        aws.String(hecToken),
		BufferingHints:  &types.SplunkBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}
}

func createSplunkStream(t *testing.T, fh *firehose.Client, name string, dest *types.SplunkDestinationConfiguration) string {
	t.Helper()
	out, err := fh.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), SplunkDestinationConfiguration: dest,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

// driveDelivered moves the fake clock to each timer the deliveries wait on
// (acknowledgement polls, retry backoffs) until every queued batch is
// delivered, and returns how far the clock moved.
func driveDelivered(t *testing.T, env *emulatortest.Env, clock *emulator.FakeClock) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- env.Server.WaitDelivered(ctx) }()
	var moved time.Duration
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("WaitDelivered: %v", err)
			}
			return moved
		default:
		}
		bctx, bcancel := context.WithTimeout(ctx, 20*time.Millisecond)
		err := clock.BlockUntil(bctx, 1)
		bcancel()
		if err == nil {
			if d, ok := clock.NextTimer(); ok {
				clock.Advance(d)
				moved += d
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("not delivered after moving the clock %v", moved)
		}
	}
}

func hecRequests(reqs []receiver.SplunkRequest, kind string) []receiver.SplunkRequest {
	var out []receiver.SplunkRequest
	for _, r := range reqs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// splunkFailedDoc is one line of a splunk-failed object: exactly these
// keys, as AWS documents them.
type splunkFailedDoc struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                string `json:"rawData"`
	EventID                string `json:"EventId"`
}

// splunkFailed reads the splunk-failed documents of stream and the keys of
// their objects.
func splunkFailed(t *testing.T, env *emulatortest.Env, stream string) ([]splunkFailedDoc, []string) {
	t.Helper()
	return errorDocs[splunkFailedDoc](t, env, "splunk-failed/", stream, func(line string) {
		if !strings.HasPrefix(line, `{"attemptsMade":`) || !strings.Contains(line, `,"EventId":"`) {
			t.Fatalf("error document keys: %s", line)
		}
	})
}

func decodeRaw(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Raw: one request to /services/collector/raw with the token and a channel
// GUID, the records concatenated; then the acknowledgement is polled on the
// same channel until HEC says true. Nothing goes to S3, and /metrics counts
// DeliveryToSplunk.
func TestSplunkRawDeliveryWithAck(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken, Now: clock.Now, Ack: func(_ int64, poll int) bool { return poll >= 3 }})
	createSplunkStream(t, env.Firehose, "s", splunkDest(url))
	putBatch(t, env.Firehose, "s", []byte("first line\n"), []byte("second line\n"))
	moved := driveDelivered(t, env, clock)
	reqs := hec.Requests()
	for _, r := range reqs {
		if r.Error != "" || r.Status != 200 {
			t.Fatalf("%s %s answered %d: %s", r.Method, r.URI, r.Status, r.Error)
		}
	}
	raw, acks := hecRequests(reqs, receiver.HECRaw), hecRequests(reqs, receiver.HECAck)
	if len(raw) != 1 || len(acks) != 3 {
		t.Fatalf("%d raw and %d ack requests, want 1 and 3", len(raw), len(acks))
	}
	r := raw[0]
	if r.URI != "/services/collector/raw" || r.Header.Get("Authorization") != "Splunk "+hecToken || string(r.Body) != "first line\nsecond line\n" {
		t.Fatalf("raw request %s, Authorization %q, body %q", r.URI, r.Header.Get("Authorization"), r.Body)
	}
	if !regexp.MustCompile(`^` + uuidRE + `$`).MatchString(r.Header.Get("X-Splunk-Request-Channel")) {
		t.Fatalf("channel %q is not a GUID", r.Header.Get("X-Splunk-Request-Channel"))
	}
	for i, a := range acks {
		if a.URI != "/services/collector/ack" || a.Channel != r.Channel || string(a.Body) != `{"acks":[0]}` ||
			a.Header.Get("Authorization") != "Splunk "+hecToken || a.Acked[0] != (i == 2) {
			t.Fatalf("ack request %d: %s channel %s body %s answered %v", i, a.URI, a.Channel, a.Body, a.Acked)
		}
		if want := t0.Add(time.Duration(i+1) * 5 * time.Second); !a.ReceivedAt.Equal(want) {
			t.Fatalf("ack poll %d at %v, want %v", i, a.ReceivedAt, want)
		}
	}
	if moved != 15*time.Second || len(hec.Acknowledged()) != 1 {
		t.Fatalf("clock moved %v, %d acknowledged requests", moved, len(hec.Acknowledged()))
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("FailedEventsOnly wrote %s for a delivered batch", objs[0].key)
	}
	m := scrape(t, env)
	labels := map[string]string{"delivery_stream": "s"}
	for name, want := range map[string]float64{
		"firehose_delivery_to_splunk_records_total":            2,
		"firehose_delivery_to_splunk_bytes_total":              23,
		"firehose_delivery_to_splunk_success_total":            1,
		"firehose_delivery_to_splunk_attempts_total":           1,
		"firehose_delivery_to_splunk_data_freshness_seconds":   0,
		"firehose_delivery_to_splunk_data_ack_latency_seconds": 1, // one observation
		"firehose_delivery_to_s3_records_total":                0,
	} {
		if got, ok := value(m, name, labels); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if _, ok := value(m, "firehose_delivery_to_http_endpoint_records_total", labels); ok {
		t.Error("a Splunk stream reports DeliveryToHttpEndpoint metrics")
	}
	// The console's stream view names the destination and its endpoint.
	if page := consolePage(t, env, "/_local/ui/streams"); !strings.Contains(page, "<div>Splunk</div>") || !strings.Contains(page, url) {
		t.Fatalf("streams page without the Splunk destination:\n%s", page)
	}
}

// consolePage GETs a console page and returns its HTML.
func consolePage(t *testing.T, env *emulatortest.Env, path string) string {
	t.Helper()
	resp, err := http.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
	}
	return string(b)
}

// Event: the records go as they are (HEC event JSON, here shaped by the
// producer) to /services/collector/event; a record that is not an event is
// refused by HEC as Splunk.InvalidDataFormat and, with RetryOptions 0, goes
// to splunk-failed at once.
func TestSplunkEventDelivery(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken})
	dest := splunkDest(url)
	dest.HECEndpointType = types.HECEndpointTypeEvent
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
	createSplunkStream(t, env.Firehose, "ev", dest)
	putBatch(t, env.Firehose, "ev", []byte(`{"event":{"n":1},"sourcetype":"app"}`), []byte(`{"time":1764066615.5,"event":"two"}`))
	driveDelivered(t, env, clock)
	// The first batch waited one 5 s acknowledgement poll: the next one arrives at t0+5s.
	putBatch(t, env.Firehose, "ev", []byte("plain text"))
	driveDelivered(t, env, clock)
	events := hecRequests(hec.Requests(), receiver.HECEvent)
	if len(events) != 2 || events[0].URI != "/services/collector/event" || events[0].Status != 200 || len(events[0].Events) != 2 ||
		string(events[0].Events[1]) != `{"time":1764066615.5,"event":"two"}` {
		t.Fatalf("event requests %+v", events)
	}
	if events[1].Status != 400 || events[1].Code != 6 {
		t.Fatalf("plain text on the event endpoint answered %d code %d", events[1].Status, events[1].Code)
	}
	docs, keys := splunkFailed(t, env, "ev")
	if len(docs) != 1 || docs[0].ErrorCode != "Splunk.InvalidDataFormat" || docs[0].AttemptsMade != 1 ||
		decodeRaw(t, docs[0].RawData) != "plain text" || !strings.Contains(docs[0].ErrorMessage, `HEC answered 400: {"code":6,"text":"Invalid data format"}`) {
		t.Fatalf("documents %+v", docs)
	}
	if !regexp.MustCompile(`^splunk-failed/2026/11/25/10/ev-1-2026-11-25-10-30-20-` + uuidRE + `$`).MatchString(keys[0]) {
		t.Fatalf("key %s", keys[0])
	}
}

// A token HEC refuses: Splunk.InvalidToken in the error log and in the
// splunk-failed documents, with AWS's document shape.
func TestSplunkTokenRejected(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Token: "the-right-token"})
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
	dest.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/tok", "DestinationDelivery")
	arn := createSplunkStream(t, env.Firehose, "tok", dest)
	putBatch(t, env.Firehose, "tok", []byte("r1"), []byte("r2"))
	driveDelivered(t, env, clock)
	reqs := hec.Requests()
	if len(reqs) != 1 || reqs[0].Status != 403 || reqs[0].Code != 4 {
		t.Fatalf("requests %+v", reqs)
	}
	docs, _ := splunkFailed(t, env, "tok")
	if len(docs) != 2 {
		t.Fatalf("%d documents", len(docs))
	}
	for i, d := range docs {
		if d.ErrorCode != "Splunk.InvalidToken" || d.AttemptsMade != 1 || d.ArrivalTimestamp != t0.UnixMilli() ||
			d.AttemptEndingTimestamp != t0.UnixMilli() || decodeRaw(t, d.RawData) != []string{"r1", "r2"}[i] ||
			!regexp.MustCompile(`^\d{30,}\.0$`).MatchString(d.EventID) {
			t.Fatalf("document %d = %+v", i, d)
		}
	}
	if docs[0].EventID == docs[1].EventID {
		t.Fatalf("two records share EventId %s", docs[0].EventID)
	}
	// The console shows the object as an error document with its code.
	_, keys := splunkFailed(t, env, "tok")
	page := consolePage(t, env, "/_local/ui/s3/object?bucket=deliveries&key="+neturl.QueryEscape(keys[0]))
	if !strings.Contains(page, "Error document: splunk-failed") || !strings.Contains(page, "Splunk.InvalidToken") {
		t.Fatalf("object page:\n%s", page)
	}
	e := waitErrorEvents(t, env, "/aws/kinesisfirehose/tok", "DestinationDelivery", `"Splunk.InvalidToken"`, 1)[0]
	if e.DeliveryStreamARN != arn || e.Destination != url || e.ErrorCode != "Splunk.InvalidToken" || !strings.Contains(e.Message, "403") {
		t.Fatalf("error event %+v", e)
	}
}

// No acknowledgement within HECAcknowledgmentTimeoutInSeconds: polled every
// 5 s from the send, then Splunk.AckTimeout.
func TestSplunkAckTimeout(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Ack: func(int64, int) bool { return false }})
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
	dest.HECAcknowledgmentTimeoutInSeconds = aws.Int32(200)
	createSplunkStream(t, env.Firehose, "slow", dest)
	putBatch(t, env.Firehose, "slow", []byte("never acknowledged"))
	moved := driveDelivered(t, env, clock)
	if n := len(hecRequests(hec.Requests(), receiver.HECAck)); n != 40 || moved != 200*time.Second {
		t.Fatalf("%d polls over %v, want 40 over 200s", n, moved)
	}
	docs, _ := splunkFailed(t, env, "slow")
	if len(docs) != 1 || docs[0].ErrorCode != "Splunk.AckTimeout" || docs[0].AttemptEndingTimestamp != t0.Add(200*time.Second).UnixMilli() ||
		!strings.HasPrefix(docs[0].ErrorMessage, "Did not receive an acknowledgement from HEC before the HEC acknowledgement timeout expired.") {
		t.Fatalf("documents %+v", docs)
	}
	if len(hec.Acknowledged()) != 0 {
		t.Fatal("the receiver acknowledged a request")
	}
}

// RetryOptions counts the waits between attempts from the first failure,
// not the acknowledgement timeouts: with 10 s and an HEC that never
// acknowledges, Firehose sends 5 times (waits of about 1, 2, 4 s and the
// 3 s left), waiting out each send's 180 s timeout, the last one's too.
func TestSplunkRetryDurationExcludesAckWaits(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Ack: func(int64, int) bool { return false }})
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(10)}
	createSplunkStream(t, env.Firehose, "r", dest)
	putBatch(t, env.Firehose, "r", []byte("x"))
	moved := driveDelivered(t, env, clock)
	raw := hecRequests(hec.Requests(), receiver.HECRaw)
	docs, _ := splunkFailed(t, env, "r")
	if len(raw) != 5 || moved != 5*180*time.Second+10*time.Second {
		t.Fatalf("%d sends over %v, want 5 over 910s", len(raw), moved)
	}
	if len(docs) != 1 || docs[0].AttemptsMade != 5 || docs[0].ErrorCode != "Splunk.AckTimeout" {
		t.Fatalf("documents %+v", docs)
	}
	// Each send used the next ackId of the channel.
	for i, r := range raw {
		if r.AckID == nil || *r.AckID != int64(i) || r.Channel != raw[0].Channel {
			t.Fatalf("send %d: ackId %v channel %s", i, r.AckID, r.Channel)
		}
	}
}

// Server errors are retried with backoff until RetryOptions runs out; the
// records then go to splunk-failed. A send that succeeds after failures
// delivers the records once, with no document.
func TestSplunkServerErrorRetries(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	var sends atomic.Int32
	hec, url := startHEC(t, receiver.SplunkOptions{Respond: func(_ context.Context, r *receiver.SplunkRequest) *receiver.SplunkResponse {
		if string(r.Body) == "always busy" || sends.Add(1) <= 2 {
			return &receiver.SplunkResponse{Status: 503, Code: 9, Text: "Server is busy"}
		}
		return nil
	}})
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(60)}
	createSplunkStream(t, env.Firehose, "busy", dest)
	putBatch(t, env.Firehose, "busy", []byte("always busy"))
	moved := driveDelivered(t, env, clock)
	raw := hecRequests(hec.Requests(), receiver.HECRaw)
	docs, _ := splunkFailed(t, env, "busy")
	if moved != 60*time.Second || len(raw) < 5 || len(docs) != 1 || docs[0].AttemptsMade != len(raw) || docs[0].ErrorCode != "Splunk.ServerError" {
		t.Fatalf("clock moved %v, %d sends, documents %+v", moved, len(raw), docs)
	}

	createSplunkStream(t, env.Firehose, "later", dest)
	putBatch(t, env.Firehose, "later", []byte("busy twice"))
	driveDelivered(t, env, clock)
	if acked := hec.Acknowledged(); len(acked) != 1 || string(acked[0].Body) != "busy twice" {
		t.Fatalf("acknowledged %+v", acked)
	}
	if docs, _ := splunkFailed(t, env, "later"); len(docs) != 0 {
		t.Fatalf("a delivered batch has documents %+v", docs)
	}
}

// S3BackupMode AllEvents: every source record also goes to S3Configuration,
// under its prefix and by its buffering hints; a delivered batch writes no
// splunk-failed documents.
func TestSplunkAllEventsBackup(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{})
	dest := splunkDest(url)
	dest.S3BackupMode = types.SplunkS3BackupModeAllEvents
	dest.S3Configuration.Prefix = aws.String("backup/")
	dest.S3Configuration.BufferingHints = hints(1, 0)
	createSplunkStream(t, env.Firehose, "all", dest)
	putBatch(t, env.Firehose, "all", []byte("one\n"), []byte("two\n"))
	driveDelivered(t, env, clock)
	if acked := hec.Acknowledged(); len(acked) != 1 || string(acked[0].Body) != "one\ntwo\n" {
		t.Fatalf("acknowledged %+v", acked)
	}
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 || !regexp.MustCompile(`^backup/2026/11/25/10/all-1-2026-11-25-10-30-15-`+uuidRE+`$`).MatchString(objs[0].key) ||
		string(objs[0].body) != "one\ntwo\n" {
		t.Fatalf("objects %+v", objs)
	}
	m := scrape(t, env)
	if got, _ := value(m, "firehose_delivery_to_s3_records_total", map[string]string{"delivery_stream": "all"}); got != 2 {
		t.Fatalf("DeliveryToS3.Records of the backup = %v", got)
	}
}

// A Lambda processor in front of Splunk: HEC gets what the function
// returned, failures go to processing-failed.
func TestSplunkLambdaInFront(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "upper", nil)
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken})
	dest := splunkDest(url)
	dest.S3Configuration.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	dest.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeLambda,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "upper")},
			{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
			{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("0")},
		}}}}
	createSplunkStream(t, env.Firehose, "fn", dest)
	putBatch(t, env.Firehose, "fn", []byte("a\n"), []byte("drop me\n"), []byte("fail me\n"), []byte("b\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := hec.WaitRequests(ctx, 1); err != nil {
		t.Fatal(err)
	}
	driveDelivered(t, env, clock)
	acked := hec.Acknowledged()
	if len(acked) != 1 || string(acked[0].Body) != "A\nB\n" {
		t.Fatalf("acknowledged %+v", acked)
	}
	_, errs, keys := split(t, objects(t, env, "deliveries"))
	if len(errs) != 1 || rawOf(t, errs[0]) != "fail me\n" || !strings.HasPrefix(keys[0], "errors/processing-failed/") {
		t.Fatalf("processing-failed documents %+v in %v", errs, keys)
	}
}

// A token with indexer acknowledgement off: HEC answers without an ackId,
// which Firehose reports as Splunk.DisabledAck.
func TestSplunkDisabledAck(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	_, url := startHEC(t, receiver.SplunkOptions{AckDisabled: true})
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
	createSplunkStream(t, env.Firehose, "noack", dest)
	putBatch(t, env.Firehose, "noack", []byte("x"))
	driveDelivered(t, env, clock)
	if docs, _ := splunkFailed(t, env, "noack"); len(docs) != 1 || docs[0].ErrorCode != "Splunk.DisabledAck" {
		t.Fatalf("documents %+v", docs)
	}
}

// Nothing listening: Splunk.InvalidEndpoint.
func TestSplunkUnreachable(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	dest := splunkDest(url)
	dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
	createSplunkStream(t, env.Firehose, "down", dest)
	putBatch(t, env.Firehose, "down", []byte("x"))
	driveDelivered(t, env, clock)
	if docs, _ := splunkFailed(t, env, "down"); len(docs) != 1 || docs[0].ErrorCode != "Splunk.InvalidEndpoint" {
		t.Fatalf("documents %+v", docs)
	}
}

// --endpoint-rewrite sends a real HEC endpoint to the local receiver; the
// stream still describes the configured endpoint.
func TestSplunkEndpointRewrite(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken})
	const real = "https://http-inputs-firehose-acme.splunkcloud.com:443"
	env := newEnv(t, emulator.Config{Clock: clock, EndpointRewrites: []emulator.EndpointRewrite{{From: real, To: url}}})
	createSplunkStream(t, env.Firehose, "cloud", splunkDest(real))
	putBatch(t, env.Firehose, "cloud", []byte("to the cloud, locally"))
	driveDelivered(t, env, clock)
	if acked := hec.Acknowledged(); len(acked) != 1 || acked[0].URI != "/services/collector/raw" {
		t.Fatalf("acknowledged %+v", acked)
	}
	out, err := env.Firehose.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("cloud")})
	if err != nil || aws.ToString(out.DeliveryStreamDescription.Destinations[0].SplunkDestinationDescription.HECEndpoint) != real {
		t.Fatalf("describe: %v", err)
	}
}

func describeSplunk(t *testing.T, fh *firehose.Client, name string) (*types.SplunkDestinationDescription, string) {
	t.Helper()
	out, err := fh.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("describe %s: %v", name, err)
	}
	d := out.DeliveryStreamDescription
	return d.Destinations[0].SplunkDestinationDescription, aws.ToString(d.VersionId)
}

// Create with the required members only: Describe materialises the
// defaults. UpdateDestination merges, may turn AllEvents on but not off,
// and can move a stream from S3 to Splunk only with every required member.
func TestSplunkCreateDescribeUpdate(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	fh := env.Firehose
	createSplunkStream(t, fh, "s", &types.SplunkDestinationConfiguration{
		HECEndpoint: aws.String("https://splunk.example.com:8088"), HECEndpointType: types.HECEndpointTypeRaw, HECToken: aws.String(hecToken),
		S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
		ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{Type: types.ProcessorTypeLambda,
			Parameters: []types.ProcessorParameter{{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "f")}}}}},
	})
	d, version := describeSplunk(t, fh, "s")
	got, _ := json.Marshal(d)
	for _, want := range []string{
		`"BufferingHints":{"IntervalInSeconds":60,"SizeInMBs":5}`,
		`"CloudWatchLoggingOptions":{"Enabled":false`,
		`"HECAcknowledgmentTimeoutInSeconds":180`,
		`"HECEndpoint":"https://splunk.example.com:8088"`,
		`"HECEndpointType":"Raw"`,
		`"HECToken":"` + hecToken + `"`,
		`"RetryOptions":{"DurationInSeconds":300}`,
		`"S3BackupMode":"FailedEventsOnly"`,
		`"BucketARN":"` + bucketARN + `"`,
		`{"ParameterName":"BufferSizeInMBs","ParameterValue":"0.25"}`,
		`{"ParameterName":"RoleArn","ParameterValue":"` + roleARN + `"}`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("description lacks %s:\n%s", want, got)
		}
	}
	if version != "1" {
		t.Fatalf("version %s", version)
	}
	update := func(name, version string, u *types.SplunkDestinationUpdate) error {
		_, err := fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String(name),
			CurrentDeliveryStreamVersionId: aws.String(version), DestinationId: aws.String(emulator.DestinationID), SplunkDestinationUpdate: u})
		return err
	}
	if err := update("s", "1", &types.SplunkDestinationUpdate{HECEndpointType: types.HECEndpointTypeEvent, S3BackupMode: types.SplunkS3BackupModeAllEvents,
		HECAcknowledgmentTimeoutInSeconds: aws.Int32(600), S3Update: &types.S3DestinationUpdate{Prefix: aws.String("splunk/")}}); err != nil {
		t.Fatal(err)
	}
	d, version = describeSplunk(t, fh, "s")
	if version != "2" || d.HECEndpointType != types.HECEndpointTypeEvent || d.S3BackupMode != types.SplunkS3BackupModeAllEvents ||
		aws.ToInt32(d.HECAcknowledgmentTimeoutInSeconds) != 600 || aws.ToString(d.HECToken) != hecToken ||
		aws.ToString(d.S3DestinationDescription.Prefix) != "splunk/" || aws.ToString(d.S3DestinationDescription.BucketARN) != bucketARN {
		t.Fatalf("after update: version %s %+v", version, d)
	}
	wantAPIError(t, update("s", "2", &types.SplunkDestinationUpdate{S3BackupMode: types.SplunkS3BackupModeFailedEventsOnly}),
		"InvalidArgumentException", "S3BackupMode cannot be changed from AllEvents to FailedEventsOnly.")
	wantAPIError(t, update("s", "2", &types.SplunkDestinationUpdate{HECEndpoint: aws.String("https://splunk.example.com:8088/services/collector")}),
		"InvalidArgumentException", "Invalid HECEndpoint. Supported endpoint format is https://<domain>:<port>.")

	createStream(t, fh, "plain", s3Dest())
	wantAPIError(t, update("plain", "1", &types.SplunkDestinationUpdate{HECEndpoint: aws.String("https://splunk.example.com:8088")}),
		"InvalidArgumentException", "to Splunk requires")
	if err := update("plain", "1", &types.SplunkDestinationUpdate{HECEndpoint: aws.String("https://splunk.example.com:8088"), HECEndpointType: types.HECEndpointTypeRaw,
		HECToken: aws.String(hecToken), S3Update: &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}}); err != nil {
		t.Fatal(err)
	}
	if d, _ := describeSplunk(t, fh, "plain"); d == nil || aws.ToString(d.HECEndpoint) != "https://splunk.example.com:8088" {
		t.Fatalf("S3 stream moved to Splunk: %+v", d)
	}
	// And back to S3.
	if _, err := fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("plain"), CurrentDeliveryStreamVersionId: aws.String("2"),
		DestinationId: aws.String(emulator.DestinationID), ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}}); err != nil {
		t.Fatal(err)
	}
}

// What AWS refuses at create, with its error and message.
func TestSplunkCreateValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	cases := []struct {
		name      string
		edit      func(d *types.SplunkDestinationConfiguration)
		code, msg string
	}{
		{"path", func(d *types.SplunkDestinationConfiguration) {
			d.HECEndpoint = aws.String("https://splunk.example.com:8088/services/collector/raw")
		}, "InvalidArgumentException", "Invalid HECEndpoint. Supported endpoint format is https://<domain>:<port>."},
		{"scheme", func(d *types.SplunkDestinationConfiguration) { d.HECEndpoint = aws.String("splunk.example.com:8088") },
			"InvalidArgumentException", "Invalid HECEndpoint."},
		{"public http", func(d *types.SplunkDestinationConfiguration) { d.HECEndpoint = aws.String("http://8.8.8.8:8088") },
			"InvalidArgumentException", "Invalid HECEndpoint."},
		{"query", func(d *types.SplunkDestinationConfiguration) {
			d.HECEndpoint = aws.String("https://splunk.example.com:8088?channel=x")
		},
			"InvalidArgumentException", "Invalid HECEndpoint."},
		{"ack timeout", func(d *types.SplunkDestinationConfiguration) { d.HECAcknowledgmentTimeoutInSeconds = aws.Int32(179) },
			"ValidationException", "hECAcknowledgmentTimeoutInSeconds"},
		{"retry", func(d *types.SplunkDestinationConfiguration) {
			d.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(7201)}
		}, "ValidationException", "7200"},
		{"buffer size", func(d *types.SplunkDestinationConfiguration) {
			d.BufferingHints = &types.SplunkBufferingHints{SizeInMBs: aws.Int32(6)}
		}, "ValidationException", "5"},
		{"buffer interval", func(d *types.SplunkDestinationConfiguration) {
			d.BufferingHints = &types.SplunkBufferingHints{IntervalInSeconds: aws.Int32(61)}
		}, "ValidationException", "60"},
		{"backup mode", func(d *types.SplunkDestinationConfiguration) { d.S3BackupMode = "AllData" },
			"ValidationException", "FailedEventsOnly"},
		{"no token", func(d *types.SplunkDestinationConfiguration) { d.HECToken = nil },
			"InvalidArgumentException", "HECToken is required"},
		{"secret", func(d *types.SplunkDestinationConfiguration) {
			d.SecretsManagerConfiguration = &types.SecretsManagerConfiguration{Enabled: aws.Bool(true), SecretARN: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:s")}
		}, "InvalidArgumentException", "firehose-local does not support SecretsManagerConfiguration with Enabled true yet."},
		{"lambda buffer", func(d *types.SplunkDestinationConfiguration) {
			d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{Type: types.ProcessorTypeLambda,
				Parameters: []types.ProcessorParameter{{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "f")},
					{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("0.1")}}}}}
		}, "InvalidArgumentException", "BufferSizeInMBs for lambda processor must be between 0.2 and 3."},
		{"backup compression", func(d *types.SplunkDestinationConfiguration) { d.S3Configuration.CompressionFormat = "LZ4" },
			"ValidationException", "compressionFormat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := splunkDest("https://splunk.example.com:8088")
			c.edit(d)
			_, err := env.Firehose.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("bad"), SplunkDestinationConfiguration: d})
			wantAPIError(t, err, c.code, c.msg)
		})
	}
	// http:// to loopback and .localhost names is accepted.
	for _, ep := range []string{"http://127.0.0.1:8088", "http://hec.splunk.localhost:8088/", "https://splunk.example.com"} {
		createSplunkStream(t, env.Firehose, "ok-"+strings.NewReplacer(":", "", "/", "", ".", "").Replace(ep), splunkDest(ep))
	}
}

// With a data directory the Splunk stream's definition survives a restart,
// and the restored stream delivers.
func TestSplunkStreamSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken})
	clock := emulator.NewFakeClock(t0)
	env := durableEnv(t, dir, emulator.Config{Clock: clock})
	dest := splunkDest(url)
	dest.HECEndpointType = types.HECEndpointTypeEvent
	dest.S3BackupMode = types.SplunkS3BackupModeAllEvents
	createSplunkStream(t, env.Firehose, "kept", dest)
	before, _ := describeSplunk(t, env.Firehose, "kept")
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	env2 := durableEnv(t, dir, emulator.Config{Clock: clock})
	after, _ := describeSplunk(t, env2.Firehose, "kept")
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Fatalf("after restart:\n got %s\nwant %s", b2, b1)
	}
	putBatch(t, env2.Firehose, "kept", []byte(`{"event":"after restart"}`))
	driveDelivered(t, env2, clock)
	if acked := hec.Acknowledged(); len(acked) != 1 || string(acked[0].Events[0]) != `{"event":"after restart"}` {
		t.Fatalf("acknowledged %+v", acked)
	}
}

// A stream deleted while its batch waits for HEC's acknowledgement drops
// the batch, as AWS drops a deleted stream's data: no more polls, no
// splunk-failed documents.
func TestSplunkDeletedWhileAwaitingAck(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Ack: func(int64, int) bool { return false }})
	createSplunkStream(t, env.Firehose, "gone", splunkDest(url))
	putBatch(t, env.Firehose, "gone", []byte("x"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clock.BlockUntil(ctx, 1); err != nil { // the first poll's wait
		t.Fatal(err)
	}
	if _, err := env.Firehose.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	clock.Advance(time.Hour)
	if n := len(hec.Requests()); n != 1 {
		t.Fatalf("%d requests after the deletion, want the one send", n)
	}
	// The server is closed: read its built-in S3 directly.
	l, err := env.Server.S3().ListObjects(context.Background(), "deliveries", "", "", "", 1000)
	if err != nil || len(l.Objects) != 0 {
		t.Fatalf("objects after the deletion: %+v %v", l.Objects, err)
	}
}

// With --data-dir, a batch still waiting for its acknowledgement at
// shutdown is sent again after the restart, and delivered once HEC
// acknowledges it.
func TestSplunkAbandonedAtShutdownDeliveredAfterRestart(t *testing.T) {
	dir := t.TempDir()
	var acking atomic.Bool
	hec, url := startHEC(t, receiver.SplunkOptions{Ack: func(int64, int) bool { return acking.Load() }})
	clock := emulator.NewFakeClock(t0)
	env := durableEnv(t, dir, emulator.Config{Clock: clock})
	createSplunkStream(t, env.Firehose, "s", splunkDest(url))
	putBatch(t, env.Firehose, "s", []byte("kept\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := hec.WaitRequests(ctx, 1); err != nil {
		t.Fatal(err)
	}
	abandon(t, env)

	acking.Store(true)
	clock2 := emulator.NewFakeClock(t0.Add(time.Minute))
	env2 := durableEnv(t, dir, emulator.Config{Clock: clock2})
	driveDelivered(t, env2, clock2)
	acked := hec.Acknowledged()
	if len(acked) != 1 || string(acked[0].Body) != "kept\n" {
		t.Fatalf("acknowledged %+v", acked)
	}
	if raw := hecRequests(hec.Requests(), receiver.HECRaw); len(raw) != 2 {
		t.Fatalf("%d sends, want the abandoned one and the one after the restart", len(raw))
	}
}

// A HEC endpoint under .localhost reaches the HEC on this machine, whatever
// the system resolver says of the name.
func TestSplunkLocalhostName(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	hec, url := startHEC(t, receiver.SplunkOptions{Token: hecToken})
	u, _ := neturl.Parse(url)
	createSplunkStream(t, env.Firehose, "named", splunkDest("http://hec.acme.splunkcloud.localhost:"+u.Port()))
	putBatch(t, env.Firehose, "named", []byte("hello"))
	driveDelivered(t, env, clock)
	if acked := hec.Acknowledged(); len(acked) != 1 || string(acked[0].Body) != "hello" {
		t.Fatalf("acknowledged %+v", acked)
	}
}

// Every kind of failed attempt becomes its Splunk.* code; with RetryOptions
// 0 the records go straight to splunk-failed, where the code is read.
func TestSplunkErrorCodes(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	// A short answer timeout for the "slow" case only: on a loaded machine
	// a TLS handshake alone can take longer than that.
	env := newEnv(t, emulator.Config{Clock: clock})
	slowEnv := newEnv(t, emulator.Config{Clock: clock, HTTPEndpointTimeout: 300 * time.Millisecond})
	answers := map[string]*receiver.SplunkResponse{
		"disabled": {Status: 403, Code: 1, Text: "Token disabled"},
		"index":    {Status: 400, Code: 7, Text: "Incorrect index"},
		"channel":  {Status: 400, Code: 11, Text: "Invalid data channel"},
		"internal": {Status: 500, Code: 8, Text: "Internal server error"},
		"notfound": {Status: 404, Body: []byte("not here")},
		"notjson":  {Status: 200, Body: []byte("OK")},
	}
	_, url := startHEC(t, receiver.SplunkOptions{Respond: func(ctx context.Context, r *receiver.SplunkRequest) *receiver.SplunkResponse {
		if string(r.Body) == "slow" {
			<-ctx.Done() // until the emulator gives up
			return nil
		}
		return answers[string(r.Body)]
	}})
	tlsHEC := httptest.NewTLSServer(receiver.NewSplunk(receiver.SplunkOptions{}))
	t.Cleanup(tlsHEC.Close)
	closing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(closing.Close)
	cases := []struct{ name, endpoint, body, code string }{
		{"disabled", url, "disabled", "Splunk.DisabledToken"},
		{"index", url, "index", "Splunk.InvalidIndex"},
		{"channel", url, "channel", "Splunk.ProxyWithoutStickySessions"},
		{"internal", url, "internal", "Splunk.ServerError"},
		{"notfound", url, "notfound", "Splunk.InvalidEndpoint"},
		{"notjson", url, "notjson", "Splunk.InvalidEndpoint"},
		{"slow", url, "slow", "Splunk.ConnectionTimeout"},
		{"tls", tlsHEC.URL, "x", "Splunk.SSLUnverified"},
		{"closed", closing.URL, "x", "Splunk.ConnectionClosed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := env
			if c.name == "slow" {
				env = slowEnv
			}
			dest := splunkDest(c.endpoint)
			dest.RetryOptions = &types.SplunkRetryOptions{DurationInSeconds: aws.Int32(0)}
			createSplunkStream(t, env.Firehose, c.name, dest)
			putBatch(t, env.Firehose, c.name, []byte(c.body))
			driveDelivered(t, env, clock)
			docs, _ := splunkFailed(t, env, c.name)
			if len(docs) != 1 || docs[0].ErrorCode != c.code || decodeRaw(t, docs[0].RawData) != c.body {
				t.Fatalf("documents %+v, want one %s", docs, c.code)
			}
		})
	}
}
