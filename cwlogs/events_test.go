package cwlogs_test

//lint:file-ignore SA1019 these tests exercise deprecated AWS members on purpose: clients still send them

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/cwlogs"
)

func TestPutLogEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	g, s := aws.String("g"), aws.String("s")
	put := func(events ...types.InputLogEvent) (*cloudwatchlogs.PutLogEventsOutput, error) {
		return c.PutLogEvents(ctx(t), &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: s, LogEvents: events})
	}
	now := ms(t0)
	_, err := put(ev(now, "x"))
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	e.createGroup(t, "g")
	_, err = put(ev(now, "x"))
	wantErr(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	e.createStream(t, "g", "s")

	// The sequence token is accepted and ignored, as AWS does now.
	out, err := c.PutLogEvents(ctx(t), &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: g, LogStreamName: s, SequenceToken: aws.String("49039859713019235748236421537612745623184637281213"),
		LogEvents: []types.InputLogEvent{ev(now-2, "first"), ev(now-1, "second"), ev(now-1, "third")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.NextSequenceToken == nil || out.RejectedLogEventsInfo != nil {
		t.Fatalf("PutLogEvents = %+v", out)
	}
	// A second batch with an older event: the stream stays sorted.
	e.put(t, "g", "s", ev(now-3, "zeroth"))

	for _, tc := range []struct {
		name      string
		events    []types.InputLogEvent
		code, msg string
	}{
		{"not chronological", []types.InputLogEvent{ev(now, "a"), ev(now-1, "b")},
			"InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."},
		{"too large", []types.InputLogEvent{ev(now, strings.Repeat("x", 1_048_576-26)), ev(now, "y")},
			"InvalidParameterException", "Upload too large: 1048603 bytes exceeds limit of 1048576"},
		{"span", []types.InputLogEvent{ev(now-25*3600_000, "a"), ev(now, "b")},
			"InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{"empty message", []types.InputLogEvent{ev(now, "")},
			"InvalidParameterException", "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"negative timestamp", []types.InputLogEvent{ev(-1, "a")},
			"InvalidParameterException", "Value '-1' at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"no events", []types.InputLogEvent{},
			"InvalidParameterException", "Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"too many events", slices.Repeat([]types.InputLogEvent{ev(now, "a")}, 10_001),
			"InvalidParameterException", "Member must have length less than or equal to 10000"},
	} {
		_, err := put(tc.events...)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		wantErr(t, err, tc.code, tc.msg)
	}

	// Exactly the size limit is fine.
	e.createStream(t, "g", "big")
	if _, err := c.PutLogEvents(ctx(t), &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: g, LogStreamName: aws.String("big"), LogEvents: []types.InputLogEvent{ev(now, strings.Repeat("x", 1_048_576-26))},
	}); err != nil {
		t.Fatalf("a batch of exactly 1,048,576 bytes: %v", err)
	}

	// Too old and too new events are rejected, the others kept.
	hour := int64(3600_000)
	_, err = put(ev(now-15*24*hour, "too old 1"), ev(now-14*24*hour-1, "too old 2"), ev(now-13*24*hour, "old but fine"),
		ev(now-13*24*hour+1, "ok"), ev(now+2*hour, "edge of future"), ev(now+2*hour+1, "too new"), ev(now+3*hour, "too new 2"))
	if err == nil {
		t.Fatalf("span of 13 days accepted")
	}
	wantErr(t, err, "InvalidParameterException", "cannot span more than 24 hours")
	out, err = put(ev(now-15*24*hour, "too old 1"), ev(now-14*24*hour-1, "too old 2"),
		ev(now-hour, "ok"), ev(now+2*hour, "edge of future"), ev(now+2*hour+1, "too new"), ev(now+3*hour, "too new 2"))
	if err != nil {
		t.Fatal(err)
	}
	r := out.RejectedLogEventsInfo
	if r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 1 || aws.ToInt32(r.TooNewLogEventStartIndex) != 4 || r.ExpiredLogEventEndIndex != nil {
		t.Fatalf("rejectedLogEventsInfo = %+v", r)
	}
	got, err := c.GetLogEvents(ctx(t), &cloudwatchlogs.GetLogEventsInput{LogGroupName: g, LogStreamName: s, StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	msgs := outMessages(got.Events)
	want := []string{"ok", "zeroth", "first", "second", "third", "edge of future"}
	if !slices.Equal(msgs, want) {
		t.Fatalf("events = %q", msgs)
	}
	for _, ev := range got.Events {
		if aws.ToInt64(ev.IngestionTime) != now {
			t.Fatalf("ingestionTime = %d", aws.ToInt64(ev.IngestionTime))
		}
	}
}

// putNumbered puts n events "event 00".."event n-1" into g/s, one ms
// apart, ending at t0.
func putNumbered(t *testing.T, e *env, g, s string, n int) {
	t.Helper()
	var events []types.InputLogEvent
	for i := range n {
		events = append(events, ev(ms(t0)-int64(n-i), fmt.Sprintf("event %02d", i)))
	}
	e.put(t, g, s, events...)
}

func numbered(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("event %02d", i))
	}
	return out
}

var streamToken = regexp.MustCompile(`^[fb]/\d{56}/s$`)

func TestGetLogEventsTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	putNumbered(t, e, "g", "s", 25)
	get := func(in cloudwatchlogs.GetLogEventsInput) *cloudwatchlogs.GetLogEventsOutput {
		t.Helper()
		in.LogGroupName, in.LogStreamName = aws.String("g"), aws.String("s")
		out, err := c.GetLogEvents(ctx(t), &in)
		if err != nil {
			t.Fatal(err)
		}
		if !streamToken.MatchString(aws.ToString(out.NextForwardToken)) || !streamToken.MatchString(aws.ToString(out.NextBackwardToken)) {
			t.Fatalf("tokens %q %q", aws.ToString(out.NextForwardToken), aws.ToString(out.NextBackwardToken))
		}
		return out
	}

	// Forward from the head, 10 at a time, until the token repeats.
	var pages [][]string
	var token *string
	for range 10 {
		out := get(cloudwatchlogs.GetLogEventsInput{StartFromHead: aws.Bool(true), Limit: aws.Int32(10), NextToken: token})
		pages = append(pages, outMessages(out.Events))
		if token != nil && aws.ToString(out.NextForwardToken) == *token {
			break
		}
		token = out.NextForwardToken
	}
	if want := [][]string{numbered(0, 10), numbered(10, 20), numbered(20, 25), {}}; !slices.EqualFunc(pages, want, slices.Equal) {
		t.Fatalf("forward pages = %v", pages)
	}
	lastForward := token

	// Backward from the tail (the default), until the token repeats.
	pages, token = nil, nil
	for range 10 {
		out := get(cloudwatchlogs.GetLogEventsInput{Limit: aws.Int32(10), NextToken: token})
		pages = append(pages, outMessages(out.Events))
		if token != nil && aws.ToString(out.NextBackwardToken) == *token {
			break
		}
		token = out.NextBackwardToken
	}
	if want := [][]string{numbered(15, 25), numbered(5, 15), numbered(0, 5), {}}; !slices.EqualFunc(pages, want, slices.Equal) {
		t.Fatalf("backward pages = %v", pages)
	}

	// Polling the last forward token sees new events (as a tail does).
	e.put(t, "g", "s", ev(ms(t0), "event 25"), ev(ms(t0), "event 26"))
	out := get(cloudwatchlogs.GetLogEventsInput{NextToken: lastForward})
	if got := outMessages(out.Events); !slices.Equal(got, numbered(25, 27)) {
		t.Fatalf("after polling: %v", got)
	}
	// From a page's backward token one goes back to what precedes it.
	out = get(cloudwatchlogs.GetLogEventsInput{NextToken: out.NextBackwardToken, Limit: aws.Int32(3)})
	if got := outMessages(out.Events); !slices.Equal(got, numbered(22, 25)) {
		t.Fatalf("back from the new page: %v", got)
	}
	// From an empty backward page, forward resumes where it stopped.
	empty := get(cloudwatchlogs.GetLogEventsInput{StartFromHead: aws.Bool(true), Limit: aws.Int32(2)})
	back := get(cloudwatchlogs.GetLogEventsInput{NextToken: empty.NextBackwardToken})
	if len(back.Events) != 0 || aws.ToString(back.NextBackwardToken) != aws.ToString(empty.NextBackwardToken) {
		t.Fatalf("before the head: %v", outMessages(back.Events))
	}
	out = get(cloudwatchlogs.GetLogEventsInput{NextToken: back.NextForwardToken, Limit: aws.Int32(3)})
	if got := outMessages(out.Events); !slices.Equal(got, numbered(0, 3)) {
		t.Fatalf("forward again: %v", got)
	}

	// The SDK paginator stops when the token repeats.
	p := cloudwatchlogs.NewGetLogEventsPaginator(c, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true), Limit: aws.Int32(4),
	}, func(o *cloudwatchlogs.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var all []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, outMessages(out.Events)...)
	}
	if !slices.Equal(all, numbered(0, 27)) {
		t.Fatalf("paginator: %v", all)
	}

	// Time range: startTime inclusive, endTime exclusive.
	base := ms(t0) - 25
	out = get(cloudwatchlogs.GetLogEventsInput{StartTime: aws.Int64(base + 3), EndTime: aws.Int64(base + 6), StartFromHead: aws.Bool(true)})
	if got := outMessages(out.Events); !slices.Equal(got, numbered(3, 6)) {
		t.Fatalf("time range: %v", got)
	}
	out = get(cloudwatchlogs.GetLogEventsInput{StartTime: aws.Int64(base + 3), EndTime: aws.Int64(base + 6), Limit: aws.Int32(2)})
	if got := outMessages(out.Events); !slices.Equal(got, numbered(4, 6)) {
		t.Fatalf("time range from the tail: %v", got)
	}
	// Nothing in range: tokens still come back, and repeat.
	out = get(cloudwatchlogs.GetLogEventsInput{StartTime: aws.Int64(ms(t0) + 1000), StartFromHead: aws.Bool(true)})
	if len(out.Events) != 0 {
		t.Fatalf("future range: %v", outMessages(out.Events))
	}
	again := get(cloudwatchlogs.GetLogEventsInput{StartTime: aws.Int64(ms(t0) + 1000), NextToken: out.NextForwardToken})
	if aws.ToString(again.NextForwardToken) != aws.ToString(out.NextForwardToken) {
		t.Fatalf("empty range token changed: %s → %s", aws.ToString(out.NextForwardToken), aws.ToString(again.NextForwardToken))
	}

	// logGroupIdentifier works like logGroupName.
	out2, err := c.GetLogEvents(ctx(t), &cloudwatchlogs.GetLogEventsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), LogStreamName: aws.String("s"), Limit: aws.Int32(1),
	})
	if err != nil || len(out2.Events) != 1 {
		t.Fatalf("by identifier: %v, %v", out2, err)
	}

	for _, tc := range []struct {
		in        cloudwatchlogs.GetLogEventsInput
		code, msg string
	}{
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("f/123/s")},
			"InvalidParameterException", "The specified nextToken is invalid."},
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("x/00000000000000000000000000000000000000000000000000000000/s")},
			"InvalidParameterException", "The specified nextToken is invalid."},
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")},
			"ResourceNotFoundException", "The specified log stream does not exist."},
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")},
			"ResourceNotFoundException", "The specified log group does not exist."},
		{cloudwatchlogs.GetLogEventsInput{LogStreamName: aws.String("s")},
			"InvalidParameterException", "logGroupName or logGroupIdentifier"},
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g"), LogStreamName: aws.String("s")},
			"ValidationException", "mutually exclusive"},
		{cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(10_001)},
			"InvalidParameterException", "Member must have value less than or equal to 10000"},
	} {
		_, err := c.GetLogEvents(ctx(t), &tc.in)
		wantErr(t, err, tc.code, tc.msg)
	}
}

func TestGetLogEventsPageBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	big := strings.Repeat("x", 400_000)
	for i := range 5 {
		e.put(t, "g", "s", ev(ms(t0)+int64(i), fmt.Sprint(i, big)))
	}
	// Pages hold at most 1 MB: two of these events each.
	var sizes []int
	var token *string
	for range 10 {
		out, err := e.client.GetLogEvents(ctx(t), &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true), NextToken: token,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) == 0 {
			break
		}
		sizes = append(sizes, len(out.Events))
		token = out.NextForwardToken
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Fatalf("page sizes = %v", sizes)
	}
}

var eventIDPattern = regexp.MustCompile(`^\d{56}$`)

func TestFilterLogEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	e.createGroup(t, "g")
	base := ms(t0) - 100
	// Three streams, interleaved in time.
	for i, s := range []string{"app/1", "app/2", "worker"} {
		e.createStream(t, "g", s)
		var events []types.InputLogEvent
		for j := range 4 {
			events = append(events, ev(base+int64(j*3+i), fmt.Sprintf("%s %d", s, j*3+i)))
		}
		e.put(t, "g", s, events...)
	}
	filter := func(in cloudwatchlogs.FilterLogEventsInput) []types.FilteredLogEvent {
		t.Helper()
		if in.LogGroupName == nil && in.LogGroupIdentifier == nil {
			in.LogGroupName = aws.String("g")
		}
		var all []types.FilteredLogEvent
		p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if out.SearchedLogStreams == nil || len(out.SearchedLogStreams) != 0 {
				t.Fatalf("searchedLogStreams = %v", out.SearchedLogStreams)
			}
			all = append(all, out.Events...)
		}
		return all
	}

	all := filter(cloudwatchlogs.FilterLogEventsInput{})
	want := []string{"app/1 0", "app/2 1", "worker 2", "app/1 3", "app/2 4", "worker 5", "app/1 6", "app/2 7", "worker 8", "app/1 9", "app/2 10", "worker 11"}
	if got := filteredMessages(all); !slices.Equal(got, want) {
		t.Fatalf("all = %v", got)
	}
	ids := map[string]bool{}
	for _, ev := range all {
		id := aws.ToString(ev.EventId)
		if !eventIDPattern.MatchString(id) || ids[id] {
			t.Fatalf("eventId %q", id)
		}
		ids[id] = true
		if aws.ToInt64(ev.IngestionTime) != ms(t0) || !strings.HasPrefix(aws.ToString(ev.Message), aws.ToString(ev.LogStreamName)+" ") {
			t.Fatalf("event %+v", ev)
		}
	}

	// Paging with a limit gives the same events, in pages.
	var pages []int
	var token *string
	var paged []types.FilteredLogEvent
	for {
		out, err := c.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(5), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(out.Events))
		paged = append(paged, out.Events...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if !slices.Equal(pages, []int{5, 5, 2}) || !slices.Equal(filteredMessages(paged), want) {
		t.Fatalf("pages %v: %v", pages, filteredMessages(paged))
	}
	// Descending, also paged; the token keeps the direction.
	desc := filter(cloudwatchlogs.FilterLogEventsInput{StartFromHead: aws.Bool(false), Limit: aws.Int32(5)})
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := filteredMessages(desc); !slices.Equal(got, rev) {
		t.Fatalf("descending = %v", got)
	}

	for _, tc := range []struct {
		name string
		in   cloudwatchlogs.FilterLogEventsInput
		want []string
	}{
		{"names", cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"worker", "app/1", "missing"}},
			[]string{"app/1 0", "worker 2", "app/1 3", "worker 5", "app/1 6", "worker 8", "app/1 9", "worker 11"}},
		{"prefix", cloudwatchlogs.FilterLogEventsInput{LogStreamNamePrefix: aws.String("app/2")}, []string{"app/2 1", "app/2 4", "app/2 7", "app/2 10"}},
		{"time range, both ends included", cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(base + 4), EndTime: aws.Int64(base + 6)},
			[]string{"app/2 4", "worker 5", "app/1 6"}},
		{"identifier", cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), FilterPattern: aws.String("11")},
			[]string{"worker 11"}},
		{"term", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("worker")}, []string{"worker 2", "worker 5", "worker 8", "worker 11"}},
		{"all terms", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("app 10")}, []string{"app/2 10"}},
		{"quoted phrase", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"app/1 9"`)}, []string{"app/1 9"}},
		{"any term", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("?0 ?11")}, []string{"app/1 0", "worker 11"}},
		{"exclusion", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`app -"app/1"`)}, []string{"app/2 1", "app/2 4", "app/2 7", "app/2 10"}},
		{"case-sensitive", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("Worker")}, nil},
		{"whole words", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("work")}, nil},
		{"regex", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("%^app/2.1[0-9]*$%")}, []string{"app/2 1", "app/2 10"}},
		{"match all", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`" "`), LogStreamNames: []string{"worker"}}, []string{"worker 2", "worker 5", "worker 8", "worker 11"}},
		{"empty pattern", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(""), LogStreamNames: []string{"worker"}}, []string{"worker 2", "worker 5", "worker 8", "worker 11"}},
	} {
		if got := filteredMessages(filter(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		in        cloudwatchlogs.FilterLogEventsInput
		code, msg string
	}{
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("Status: timeout")}, "InvalidParameterException", "Invalid character(s) in term ':'"},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"unterminated`)}, "InvalidParameterException", "Unterminated"},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.level = "error" }`)}, "InvalidParameterException", "firehose-local does not support JSON filter patterns"},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`[ip, user]`)}, "InvalidParameterException", "firehose-local does not support space-delimited filter patterns"},
		{cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`%(a)%`)}, "InvalidParameterException", "Invalid character(s) in term '('"},
		{cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"a"}, LogStreamNamePrefix: aws.String("a")}, "InvalidParameterException", "logStreamNames and logStreamNamePrefix"},
		{cloudwatchlogs.FilterLogEventsInput{NextToken: aws.String("not a token")}, "InvalidParameterException", "The specified nextToken is invalid."},
		{cloudwatchlogs.FilterLogEventsInput{StartFromHead: aws.Bool(false), StartTime: aws.Int64(1_600_000_000_000)}, "InvalidParameterException", "2024-01-01"},
		{cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("nope")}, "ResourceNotFoundException", "The specified log group does not exist."},
		{cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g")}, "ValidationException", "mutually exclusive"},
		{cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(strings.Repeat("a", 1025))}, "InvalidParameterException", "Member must have length less than or equal to 1024"},
	} {
		if tc.in.LogGroupName == nil && tc.in.LogGroupIdentifier == nil {
			tc.in.LogGroupName = aws.String("g")
		}
		_, err := c.FilterLogEvents(ctx(t), &tc.in)
		wantErr(t, err, tc.code, tc.msg)
	}
	_, err := c.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{})
	wantErr(t, err, "InvalidParameterException", "logGroupName or logGroupIdentifier")
}

// TestFilterLogEventsFollow does what `aws logs tail --follow` does: poll
// with startTime = the newest timestamp seen, and drop the event IDs
// already seen at that timestamp.
func TestFilterLogEventsFollow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	seen := map[string]bool{}
	var got []string
	start := ms(t0) - 600_000
	poll := func() {
		t.Helper()
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/fn"), StartTime: aws.Int64(start), Interleaved: aws.Bool(true)}
		for {
			out, err := e.client.FilterLogEvents(ctx(t), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range out.Events {
				if id := aws.ToString(ev.EventId); !seen[id] {
					seen[id] = true
					got = append(got, aws.ToString(ev.Message))
					start = max(start, aws.ToInt64(ev.Timestamp))
				}
			}
			if out.NextToken == nil {
				return
			}
			in.NextToken = out.NextToken
		}
	}
	sink := e.store.LambdaSink()
	sink("fn", "2026/03/14/[$LATEST]0123456789abcdef0123456789abcdef", "START RequestId: 1 Version: $LATEST")
	sink("fn", "2026/03/14/[$LATEST]0123456789abcdef0123456789abcdef", "hello")
	poll()
	// Same millisecond: the poll sees them with the same startTime.
	sink("fn", "2026/03/14/[$LATEST]0123456789abcdef0123456789abcdef", "END RequestId: 1")
	poll()
	e.clock.Advance(time.Millisecond)
	sink("fn", "2026/03/14/[$LATEST]0123456789abcdef0123456789abcdef", "REPORT RequestId: 1\tDuration: 1.00 ms")
	poll()
	poll()
	want := []string{"START RequestId: 1 Version: $LATEST\n", "hello\n", "END RequestId: 1\n", "REPORT RequestId: 1\tDuration: 1.00 ms\n"}
	if !slices.Equal(got, want) {
		t.Fatalf("followed %q", got)
	}
}
