package cwlogs_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	fakeclock "github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/cwlogs"
)

const (
	streamARN = "arn:aws:firehose:eu-west-1:000000000000:deliverystream/logs"
	roleARN   = "arn:aws:iam::000000000000:role/cwl-to-firehose"
)

// fakeDest is a Firehose that keeps what it is given. fail, if set, may
// refuse a put.
type fakeDest struct {
	mu      sync.Mutex
	streams map[string]bool
	records [][]byte
	fail    func() error
}

func newFakeDest(arns ...string) *fakeDest {
	d := &fakeDest{streams: map[string]bool{}}
	for _, a := range arns {
		d.streams[a] = true
	}
	return d
}

func (d *fakeDest) Put(arn string, record []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.streams[arn] {
		return errors.New("ResourceNotFoundException: no such stream")
	}
	if d.fail != nil {
		if err := d.fail(); err != nil {
			return err
		}
	}
	d.records = append(d.records, bytes.Clone(record))
	return nil
}

func (d *fakeDest) setFail(f func() error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = f
}

// messages gunzips each record, which must be exactly one gzip member.
func (d *fakeDest) messages(t *testing.T) []string {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, len(d.records))
	for i, r := range d.records {
		out[i] = gunzipOne(t, r)
	}
	return out
}

func gunzipOne(t *testing.T, b []byte) string {
	t.Helper()
	br := bytes.NewReader(b)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatalf("record is not gzip: %v", err)
	}
	zr.Multistream(false)
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	if br.Len() != 0 {
		t.Fatalf("record has %d bytes after its gzip member", br.Len())
	}
	return string(plain)
}

// subEnv is a Logs API whose subscription filters deliver to a fakeDest,
// on a fake clock.
type subEnv struct {
	*env
	dest  *fakeDest
	clock *fakeclock.Fake
}

func newSubEnv(t *testing.T, opts cwlogs.Options) *subEnv {
	t.Helper()
	fc := fakeclock.NewFake(t0)
	d := newFakeDest(streamARN)
	opts.Now, opts.AfterFunc, opts.Subscriptions = fc.Now, fc.AfterFunc, d
	return &subEnv{env: serve(t, cwlogs.New(opts), nil), dest: d, clock: fc}
}

// wait waits for the subscription deliveries.
func (e *subEnv) wait(t *testing.T) {
	t.Helper()
	if !e.store.WaitSubscriptions(ctx(t)) {
		t.Fatal("WaitSubscriptions did not return")
	}
}

func (e *subEnv) putFilter(t *testing.T, group, name, pattern string) {
	t.Helper()
	if _, err := e.client.PutSubscriptionFilter(ctx(t), &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(pattern),
		DestinationArn: aws.String(streamARN), RoleArn: aws.String(roleARN),
	}); err != nil {
		t.Fatalf("PutSubscriptionFilter %s/%s: %v", group, name, err)
	}
}

const controlRE = `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],` +
	`"logEvents":[{"id":"","timestamp":%d,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`

// eventIDs are the IDs FilterLogEvents gives a stream's events, in order.
func (e *subEnv) eventIDs(t *testing.T, group, stream string) []string {
	t.Helper()
	out, err := e.client.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(group), LogStreamNames: []string{stream}})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(out.Events))
	for i, ev := range out.Events {
		ids[i] = aws.ToString(ev.EventId)
	}
	return ids
}

// A filter sends the control message when it is put, then the events it
// matches, one message per PutLogEvents call and filter, with the IDs
// FilterLogEvents reports, in CloudWatch Logs' member order.
func TestSubscriptionDelivers(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "app")
	e.createStream(t, "app", "web-1")
	e.putFilter(t, "app", "all", "")
	e.putFilter(t, "app", "errors", "ERROR")
	ts := ms(t0)
	e.put(t, "app", "web-1", ev(ts-2000, "INFO started"), ev(ts-1000, `ERROR "quoted" <&> tab	end`), ev(ts, "ERROR again\n"))
	e.wait(t)
	ids := e.eventIDs(t, "app", "web-1")
	if len(ids) != 3 || len(ids[0]) != 56 || !slices.IsSorted(ids) {
		t.Fatalf("event IDs %q", ids)
	}
	data := func(filter string, events ...string) string {
		return `{"messageType":"DATA_MESSAGE","owner":"000000000000","logGroup":"app","logStream":"web-1","subscriptionFilters":["` +
			filter + `"],"logEvents":[` + strings.Join(events, ",") + `]}`
	}
	evJSON := func(i int, ts int64, msg string) string {
		return fmt.Sprintf(`{"id":"%s","timestamp":%d,"message":%s}`, ids[i], ts, msg)
	}
	want := []string{
		fmt.Sprintf(controlRE, ts),
		fmt.Sprintf(controlRE, ts),
		data("all", evJSON(0, ts-2000, `"INFO started"`), evJSON(1, ts-1000, `"ERROR \"quoted\" <&> tab\tend"`), evJSON(2, ts, `"ERROR again\n"`)),
		data("errors", evJSON(1, ts-1000, `"ERROR \"quoted\" <&> tab\tend"`), evJSON(2, ts, `"ERROR again\n"`)),
	}
	if got := e.dest.messages(t); !slices.Equal(got, want) {
		t.Fatalf("delivered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range e.dest.messages(t) {
		if !json.Valid([]byte(m)) {
			t.Fatalf("not JSON: %s", m)
		}
	}
	// Nothing matched: nothing sent. Another stream: its own message.
	e.put(t, "app", "web-1", ev(ts, "INFO quiet"))
	e.createStream(t, "app", "web-2")
	e.put(t, "app", "web-2", ev(ts, "ERROR \x01\u2028"))
	e.wait(t)
	got := e.dest.messages(t)
	if len(got) != 7 || !strings.Contains(got[4], `"logStream":"web-1"`) || !strings.Contains(got[4], `"message":"INFO quiet"`) ||
		!strings.Contains(got[5], `"logStream":"web-2","subscriptionFilters":["all"]`) ||
		!strings.Contains(got[6], `"subscriptionFilters":["errors"]`) || !strings.Contains(got[6], `"message":"ERROR \u0001`+"\u2028\"") {
		t.Fatalf("delivered:\n%s", strings.Join(got[4:], "\n"))
	}
}

// Append (function output, Firehose's error logs) feeds the filters too,
// and what waits for the same filter and stream goes in one message.
func TestSubscriptionAppendAndMerge(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	sink := e.store.LambdaSink()
	sink("fn", "s1", "START RequestId: 1")
	e.putFilter(t, "/aws/lambda/fn", "f", "?START ?END")
	e.wait(t)
	// Hold the destination while the next lines queue.
	entered, release := make(chan struct{}), make(chan struct{})
	first := true
	e.dest.setFail(func() error {
		if first {
			first = false
			close(entered)
			<-release
		}
		return nil
	})
	sink("fn", "s0", "START RequestId: 2")
	<-entered
	sink("fn", "s1", "START RequestId: 3")
	sink("fn", "s1", "hello") // not matched
	sink("fn", "s1", "END RequestId: 3")
	sink("fn", "s2", "START RequestId: 4")
	close(release)
	e.wait(t)
	got := e.dest.messages(t)
	if len(got) != 4 {
		t.Fatalf("%d messages:\n%s", len(got), strings.Join(got, "\n"))
	}
	var msgs [][]string
	for _, m := range got[1:] {
		var doc struct {
			LogStream string
			LogEvents []struct{ Message string }
		}
		if err := json.Unmarshal([]byte(m), &doc); err != nil {
			t.Fatal(err)
		}
		var ms []string
		for _, e := range doc.LogEvents {
			ms = append(ms, doc.LogStream+":"+e.Message)
		}
		msgs = append(msgs, ms)
	}
	want := [][]string{{"s0:START RequestId: 2\n"}, {"s1:START RequestId: 3\n", "s1:END RequestId: 3\n"}, {"s2:START RequestId: 4\n"}}
	if fmt.Sprint(msgs) != fmt.Sprint(want) {
		t.Fatalf("messages %q, want %q", msgs, want)
	}
}

// A message that does not fit in a Firehose record (1,000 KiB) is split
// into several, each one gzip member, the events in order.
func TestSubscriptionSplitsBigMessages(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "big")
	e.putFilter(t, "big", "f", "")
	var events []cwlogs.Event
	for i := range 12 {
		b := make([]byte, 192<<10)
		_, _ = rand.Read(b)
		events = append(events, cwlogs.Event{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), Message: base64.StdEncoding.EncodeToString(b)})
	}
	e.store.Append("big", "s", events...)
	e.wait(t)
	e.dest.mu.Lock()
	records := slices.Clone(e.dest.records[1:])
	e.dest.mu.Unlock()
	if len(records) < 2 {
		t.Fatalf("%d records", len(records))
	}
	var got []string
	for _, r := range records {
		if len(r) > 1000*1024 {
			t.Fatalf("record of %d bytes", len(r))
		}
		var doc struct{ LogEvents []struct{ Message string } }
		if err := json.Unmarshal([]byte(gunzipOne(t, r)), &doc); err != nil {
			t.Fatal(err)
		}
		for _, ev := range doc.LogEvents {
			got = append(got, ev.Message)
		}
	}
	for i, ev := range events {
		if i >= len(got) || got[i] != ev.Message {
			t.Fatalf("event %d missing or out of order (%d delivered)", i, len(got))
		}
	}
}

// Throttling is retried with a backoff, in order, for up to 24 hours;
// other failures drop the record; the caller is never held up.
func TestSubscriptionRetries(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	e.putFilter(t, "g", "f", "")
	throttled := fmt.Errorf("%w: Slow down.", cwlogs.ErrRetryable)
	failures := 0
	e.dest.setFail(func() error {
		if failures < 3 { // the first put and two retries
			failures++
			return throttled
		}
		return nil
	})
	ts := ms(t0)
	e.put(t, "g", "s", ev(ts, "one"))
	e.wait(t)
	e.put(t, "g", "s", ev(ts, "two"))
	e.wait(t)
	if n := len(e.dest.messages(t)); n != 1 {
		t.Fatalf("%d records delivered while throttled", n)
	}
	// Retries after 1 s, 2 s, 4 s; the queued event follows in order.
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		e.clock.Advance(d - time.Millisecond)
		e.wait(t)
		if n := len(e.dest.messages(t)); n != 1 {
			t.Fatalf("retried before %v", d)
		}
		e.clock.Advance(time.Millisecond)
		e.wait(t)
	}
	got := e.dest.messages(t)
	if len(got) != 3 || !strings.Contains(got[1], `"message":"one"`) || !strings.Contains(got[2], `"message":"two"`) {
		t.Fatalf("delivered %q", got)
	}
	// A non-retryable error drops that record and goes on.
	first := true
	e.dest.setFail(func() error {
		if first {
			first = false
			return errors.New("ResourceNotFoundException")
		}
		return nil
	})
	e.put(t, "g", "s", ev(ts, "dropped"))
	e.wait(t)
	e.put(t, "g", "s", ev(ts, "kept"))
	e.wait(t)
	got = e.dest.messages(t)
	if len(got) != 4 || !strings.Contains(got[3], `"message":"kept"`) {
		t.Fatalf("delivered %q", got[3:])
	}
	// Throttled for 24 hours: dropped.
	e.dest.setFail(func() error { return throttled })
	e.put(t, "g", "s", ev(ts, "never"))
	e.wait(t)
	for range 24*60 + 10 {
		e.clock.Advance(time.Minute)
		e.wait(t)
	}
	e.dest.setFail(nil)
	e.put(t, "g", "s", ev(ms(e.clock.Now()), "after"))
	e.wait(t)
	got = e.dest.messages(t)
	if len(got) != 5 || !strings.Contains(got[4], `"message":"after"`) {
		t.Fatalf("delivered %q", got[4:])
	}
}

// The queue is bounded: past MaxSubscriptionBacklog, new events are
// dropped for the subscription, and still stored.
func TestSubscriptionBacklogBound(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{MaxSubscriptionBacklog: 1000})
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	e.putFilter(t, "g", "f", "")
	e.dest.setFail(func() error { return cwlogs.ErrRetryable })
	ts := ms(t0)
	e.put(t, "g", "s", ev(ts, strings.Repeat("a", 500)))
	e.wait(t)
	e.put(t, "g", "s", ev(ts, strings.Repeat("b", 500))) // over the bound
	e.put(t, "g", "s", ev(ts, "c"))
	e.wait(t)
	e.dest.setFail(nil)
	e.clock.Advance(time.Second)
	e.wait(t)
	got := e.dest.messages(t)
	if len(got) != 3 || !strings.Contains(got[1], `"message":"aaaa`) || !strings.Contains(got[2], `"message":"c"`) {
		t.Fatalf("delivered %q", got[1:])
	}
	if n := len(e.store.Events("g", "s")); n != 3 {
		t.Fatalf("%d events stored", n)
	}
}

func TestPutSubscriptionFilterErrors(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "g")
	type input = cloudwatchlogs.PutSubscriptionFilterInput
	good := func(f func(*input)) *input {
		in := &input{LogGroupName: aws.String("g"), FilterName: aws.String("f"), FilterPattern: aws.String(""),
			DestinationArn: aws.String(streamARN), RoleArn: aws.String(roleARN)}
		f(in)
		return in
	}
	const invalid = "InvalidParameterException"
	for _, tc := range []struct {
		name      string
		in        *input
		code, msg string
	}{
		{"no group", good(func(in *input) { in.LogGroupName = aws.String("nope") }), "ResourceNotFoundException", "The specified log group does not exist."},
		{"name with colon", good(func(in *input) { in.FilterName = aws.String("a:b") }), invalid,
			"1 validation error detected: Value 'a:b' at 'filterName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"},
		{"empty name", good(func(in *input) { in.FilterName = aws.String("") }), invalid,
			"1 validation error detected: Value '' at 'filterName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"long pattern", good(func(in *input) { in.FilterPattern = aws.String(strings.Repeat("a", 1025)) }), invalid,
			"1 validation error detected: Value '" + strings.Repeat("a", 1025) + "' at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		{"distribution", good(func(in *input) { in.Distribution = "Sideways" }), invalid,
			"1 validation error detected: Value 'Sideways' at 'distribution' failed to satisfy constraint: Member must satisfy enum value set: [Random, ByLogStream]"},
		{"bad pattern", good(func(in *input) { in.FilterPattern = aws.String("a.b") }), invalid, "Invalid character(s) in term '.'"},
		{"JSON pattern", good(func(in *input) { in.FilterPattern = aws.String(`{ $.level = "ERROR" }`) }), invalid,
			"firehose-local does not support JSON filter patterns ({ $.field ... }) yet."},
		{"firehose without role", good(func(in *input) { in.RoleArn = nil }), invalid,
			"destinationArn for vendor firehose cannot be used without roleArn"},
		{"kinesis without role", good(func(in *input) {
			in.DestinationArn, in.RoleArn = aws.String("arn:aws:kinesis:eu-west-1:000000000000:stream/s"), nil
		}), invalid, "destinationArn for vendor kinesis cannot be used without roleArn"},
		{"lambda with role", good(func(in *input) {
			in.DestinationArn = aws.String("arn:aws:lambda:eu-west-1:000000000000:function:fn")
		}), invalid, "destinationArn for vendor lambda cannot be used with roleArn"},
		{"other vendor", good(func(in *input) { in.DestinationArn = aws.String("arn:aws:sns:eu-west-1:000000000000:topic") }), invalid,
			"PutSubscriptionFilter operation cannot work with destinationArn for vendor sns"},
		{"not an ARN", good(func(in *input) { in.DestinationArn = aws.String("logs") }), invalid, "destinationArn is not a valid ARN: logs"},
		{"kinesis", good(func(in *input) { in.DestinationArn = aws.String("arn:aws:kinesis:eu-west-1:000000000000:stream/s") }), invalid,
			"firehose-local does not support subscription filters delivering to Kinesis Data Streams yet."},
		{"lambda", good(func(in *input) {
			in.DestinationArn, in.RoleArn = aws.String("arn:aws:lambda:eu-west-1:000000000000:function:fn"), nil
		}), invalid, "firehose-local does not support subscription filters delivering to Lambda functions yet."},
		{"logical destination", good(func(in *input) {
			in.DestinationArn = aws.String("arn:aws:logs:eu-west-1:111111111111:destination:d")
		}), invalid, "firehose-local does not support subscription filters delivering to CloudWatch Logs destinations (cross-account) yet."},
		{"field selection", good(func(in *input) { in.FieldSelectionCriteria = aws.String(`@aws.region = "eu-west-1"`) }), invalid,
			"firehose-local does not support fieldSelectionCriteria in subscription filters yet."},
		{"system fields", good(func(in *input) { in.EmitSystemFields = []string{"@aws.account"} }), invalid,
			"firehose-local does not support emitSystemFields in subscription filters yet."},
		{"no such stream", good(func(in *input) {
			in.DestinationArn = aws.String("arn:aws:firehose:eu-west-1:000000000000:deliverystream/nope")
		}), invalid, "Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state."},
	} {
		_, err := e.client.PutSubscriptionFilter(ctx(t), tc.in)
		wantErr(t, err, tc.code, tc.msg)
		if ae := smithy.APIError(nil); errors.As(err, &ae) && ae.ErrorMessage() != tc.msg {
			t.Fatalf("%s: message %q, want exactly %q", tc.name, ae.ErrorMessage(), tc.msg)
		}
	}
	out, err := e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil || len(out.SubscriptionFilters) != 0 {
		t.Fatalf("a refused filter was stored: %v %v", out, err)
	}
	if n := len(e.dest.messages(t)); n != 0 {
		t.Fatalf("%d test messages for refused filters", n)
	}
}

// A group has at most two filters; updating one at the limit is allowed
// and keeps its creation time.
func TestSubscriptionFilterLimitAndUpdate(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "g")
	for i := range cwlogs.MaxSubscriptionFilters {
		e.putFilter(t, "g", fmt.Sprintf("f%d", i), "")
		e.clock.Advance(time.Second)
	}
	_, err := e.client.PutSubscriptionFilter(ctx(t), &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("one-more"), FilterPattern: aws.String(""),
		DestinationArn: aws.String(streamARN), RoleArn: aws.String(roleARN)})
	wantErr(t, err, "LimitExceededException", "Resource limit exceeded.")
	var le *types.LimitExceededException
	if !asError(err, &le) || aws.ToString(le.Message) != "Resource limit exceeded." {
		t.Fatalf("error %v", err)
	}
	if _, err := e.client.PutSubscriptionFilter(ctx(t), &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("f1"), FilterPattern: aws.String("ERROR"),
		DestinationArn: aws.String(streamARN), RoleArn: aws.String(roleARN), Distribution: types.DistributionRandom,
	}); err != nil {
		t.Fatalf("update at the limit: %v", err)
	}
	out, err := e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SubscriptionFilters) != cwlogs.MaxSubscriptionFilters {
		t.Fatalf("%d filters", len(out.SubscriptionFilters))
	}
	f1 := out.SubscriptionFilters[1]
	if aws.ToString(f1.FilterName) != "f1" || aws.ToString(f1.FilterPattern) != "ERROR" || f1.Distribution != types.DistributionRandom ||
		aws.ToInt64(f1.CreationTime) != ms(t0.Add(time.Second)) {
		t.Fatalf("updated filter %+v", f1)
	}
	// Every call sends the control message: five creations and the update.
	if n := len(e.dest.messages(t)); n != cwlogs.MaxSubscriptionFilters+1 {
		t.Fatalf("%d control messages", n)
	}
}

func TestDescribeAndDeleteSubscriptionFilters(t *testing.T) {
	t.Parallel()
	e := newSubEnv(t, cwlogs.Options{})
	e.createGroup(t, "g")
	for _, name := range []string{"b-one", "a-one"} {
		e.putFilter(t, "g", name, "ERROR")
		e.clock.Advance(time.Millisecond)
	}
	raw := func(body string) map[string]any {
		_, _, doc := rawCall(t, e.env, "POST", cwlogs.TargetPrefix+"DescribeSubscriptionFilters", jsonType, []byte(body))
		return doc
	}
	doc := raw(`{"logGroupName":"g","filterNamePrefix":"a"}`)
	want := fmt.Sprintf(`{"subscriptionFilters":[{"applyOnTransformedLogs":false,"creationTime":%d,"destinationArn":"%s",`+
		`"distribution":"ByLogStream","filterName":"a-one","filterPattern":"ERROR","logGroupName":"g","roleArn":"%s"}]}`,
		ms(t0)+1, streamARN, roleARN)
	if b, _ := json.Marshal(doc); string(b) != want {
		t.Fatalf("DescribeSubscriptionFilters:\n%s\nwant\n%s", b, want)
	}
	// ASCII order, paged.
	var names []string
	p := cloudwatchlogs.NewDescribeSubscriptionFiltersPaginator(e.client, &cloudwatchlogs.DescribeSubscriptionFiltersInput{
		LogGroupName: aws.String("g"), Limit: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range out.SubscriptionFilters {
			names = append(names, aws.ToString(f.FilterName))
		}
	}
	if !slices.Equal(names, []string{"a-one", "b-one"}) || pages != 2 {
		t.Fatalf("%d pages: %q", pages, names)
	}
	_, err := e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{
		LogGroupName: aws.String("g"), NextToken: aws.String("junk")})
	wantErr(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	if _, err := e.client.DeleteSubscriptionFilter(ctx(t), &cloudwatchlogs.DeleteSubscriptionFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("b-one")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeleteSubscriptionFilter(ctx(t), &cloudwatchlogs.DeleteSubscriptionFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("b-one")})
	wantErr(t, err, "ResourceNotFoundException", "The specified subscription filter does not exist.")
	_, err = e.client.DeleteSubscriptionFilter(ctx(t), &cloudwatchlogs.DeleteSubscriptionFilterInput{
		LogGroupName: aws.String("nope"), FilterName: aws.String("b-one")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	out, err := e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil || len(out.SubscriptionFilters) != 1 {
		t.Fatalf("after delete: %v %v", out, err)
	}
	// A deleted filter delivers nothing more.
	e.createStream(t, "g", "s")
	before := len(e.dest.messages(t))
	e.put(t, "g", "s", ev(ms(t0), "ERROR x"))
	e.wait(t)
	if n := len(e.dest.messages(t)) - before; n != 1 {
		t.Fatalf("%d messages for one filter", n)
	}
	// DeleteLogGroup takes its filters with it.
	if _, err := e.client.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	e.createGroup(t, "g")
	out, err = e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil || len(out.SubscriptionFilters) != 0 {
		t.Fatalf("filters outlived their group: %v %v", out, err)
	}
}

// Filters are persisted with their group: after a restart they are
// described as before and deliver again.
func TestSubscriptionFiltersPersist(t *testing.T) {
	t.Parallel()
	db := openState(t, t.TempDir())
	fc := fakeclock.NewFake(t0)
	d := newFakeDest(streamARN)
	opts := cwlogs.Options{Now: fc.Now, AfterFunc: fc.AfterFunc, Subscriptions: d}
	s1, err := cwlogs.Open(db.Handle("logs"), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	e1 := &subEnv{env: serve(t, s1, nil), dest: d, clock: fc}
	e1.createGroup(t, "g")
	e1.putFilter(t, "g", "errors", "ERROR -debug")
	e1.putFilter(t, "g", "gone", "")
	if _, err := e1.client.DeleteSubscriptionFilter(ctx(t), &cloudwatchlogs.DeleteSubscriptionFilterInput{
		LogGroupName: aws.String("g"), FilterName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	before, err := e1.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // loaded from the state store, twice
		s2, err := cwlogs.Open(db.Handle("logs"), "", opts)
		if err != nil {
			t.Fatal(err)
		}
		e2 := &subEnv{env: serve(t, s2, nil), dest: d, clock: fc}
		after, err := e2.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")})
		if err != nil {
			t.Fatal(err)
		}
		b1, _ := json.Marshal(before.SubscriptionFilters)
		b2, _ := json.Marshal(after.SubscriptionFilters)
		if string(b1) != string(b2) || len(after.SubscriptionFilters) != 1 {
			t.Fatalf("after a restart:\n%s\nbefore:\n%s", b2, b1)
		}
		e2.createStream(t, "g", fmt.Sprint("s", i))
		n := len(d.messages(t))
		e2.put(t, "g", fmt.Sprint("s", i), ev(ms(t0), "ERROR x"), ev(ms(t0), "ERROR debug"), ev(ms(t0), "INFO y"))
		e2.wait(t)
		got := d.messages(t)
		if len(got) != n+1 || !strings.Contains(got[n], `"message":"ERROR x"`) || strings.Contains(got[n], "debug") {
			t.Fatalf("after a restart delivered %q", got[n:])
		}
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// The subscription filter operations are served, not refused.
func TestSubscriptionOperationsAdvertised(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"PutSubscriptionFilter", "DescribeSubscriptionFilters", "DeleteSubscriptionFilter"} {
		if !slices.Contains(cwlogs.Operations(), op) {
			t.Errorf("Operations() lacks %s", op)
		}
		if _, ok := cwlogs.Model().Operations[op]; !ok {
			t.Errorf("the model lacks %s", op)
		}
	}
}
