package cwlogs_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/statestore"
)

func storeMessages(s *cwlogs.Store, g, st string) []string {
	return messages(s.Events(g, st), func(e cwlogs.Event) string { return e.Message })
}

func TestAppend(t *testing.T) {
	t.Parallel()
	c := &clock{now: t0}
	s := cwlogs.New(cwlogs.Options{Now: c.Now})
	s.Append("g", "s", cwlogs.Event{Message: "now"}, cwlogs.Event{Message: ""},
		cwlogs.Event{Timestamp: t0.Add(-time.Hour), Message: "an hour ago"},
		cwlogs.Event{Timestamp: t0.Add(-time.Hour), Message: "also an hour ago"})
	c.Advance(time.Second)
	s.Append("g", "s", cwlogs.Event{Timestamp: t0.Add(-time.Minute), Message: "a minute ago"})
	s.Append("", "s", cwlogs.Event{Message: "no group"})
	s.Append("g", "", cwlogs.Event{Message: "no stream"})
	got := s.Events("g", "s")
	want := []string{"an hour ago", "also an hour ago", "a minute ago", "now"}
	if msgs := storeMessages(s, "g", "s"); !slices.Equal(msgs, want) {
		t.Fatalf("events = %q", msgs)
	}
	if !got[3].Timestamp.Equal(t0.Truncate(time.Millisecond)) || !got[2].IngestionTime.Equal(t0.Add(time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("times = %+v", got)
	}
	if s.Events("g", "nope") != nil || s.Events("nope", "s") != nil {
		t.Fatal("events of missing streams")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Append("g", "s", cwlogs.Event{Message: "after close"})
	if n := len(s.Events("g", "s")); n != 4 {
		t.Fatalf("Append after Close added events: %d", n)
	}
}

func TestLambdaSink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	sink := e.store.LambdaSink()
	stream := "2026/03/14/[$LATEST]5296e3a1084f411d9fb73b258393f30c"
	for _, line := range []string{
		"START RequestId: 8f5c0e4e-1b7a-4b8e-9d8c-0c7f1a2b3c4d Version: $LATEST",
		"[INFO]\t2026-03-14T15:09:26.535Z\t8f5c0e4e-1b7a-4b8e-9d8c-0c7f1a2b3c4d\thello",
		"END RequestId: 8f5c0e4e-1b7a-4b8e-9d8c-0c7f1a2b3c4d",
		"REPORT RequestId: 8f5c0e4e-1b7a-4b8e-9d8c-0c7f1a2b3c4d\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t",
	} {
		sink("orders", stream, line)
	}
	groups, err := e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "/aws/lambda/orders" {
		t.Fatalf("groups: %v, %v", groups, err)
	}
	out, err := e.client.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/orders"), FilterPattern: aws.String(`?START ?END ?REPORT`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 3 || aws.ToString(out.Events[0].LogStreamName) != stream ||
		aws.ToString(out.Events[0].Message) != "START RequestId: 8f5c0e4e-1b7a-4b8e-9d8c-0c7f1a2b3c4d Version: $LATEST\n" {
		t.Fatalf("events: %+v", out.Events)
	}
}

func TestEvictionPerStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{MaxEventsPerStream: 5})
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	putNumbered(t, e, "g", "s", 8)
	if got := storeMessages(e.store, "g", "s"); !slices.Equal(got, numbered(3, 8)) {
		t.Fatalf("kept %v", got)
	}
	// An event older than all kept ones is the first to go.
	e.put(t, "g", "s", ev(ms(t0)-100, "ancient"))
	if got := storeMessages(e.store, "g", "s"); !slices.Equal(got, numbered(3, 8)) {
		t.Fatalf("kept %v", got)
	}
	// Eviction does not lower the stream's first and last event times.
	out, err := e.client.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if err != nil || aws.ToInt64(out.LogStreams[0].FirstEventTimestamp) != ms(t0)-100 || aws.ToInt64(out.LogStreams[0].LastEventTimestamp) != ms(t0)-1 {
		t.Fatalf("stream: %+v, %v", out.LogStreams, err)
	}
}

func TestEvictionBytes(t *testing.T) {
	t.Parallel()
	// Room for 10 events of 74 bytes (48 + 26).
	e := newEnv(t, cwlogs.Options{MaxBytes: 740})
	msg := func(s string, i int) string { return fmt.Sprintf("%-48s", fmt.Sprint(s, " ", i)) }
	e.createGroup(t, "g")
	for _, s := range []string{"a", "b"} {
		e.createStream(t, "g", s)
	}
	// a has the older events: a0..a5 at t0-100.., b0..b5 at t0-50..
	for i := range 6 {
		e.put(t, "g", "a", ev(ms(t0)-100+int64(i), msg("a", i)))
		e.put(t, "g", "b", ev(ms(t0)-50+int64(i), msg("b", i)))
	}
	a, b := storeMessages(e.store, "g", "a"), storeMessages(e.store, "g", "b")
	if len(a) != 4 || len(b) != 6 || strings.TrimSpace(a[0]) != "a 2" {
		t.Fatalf("kept a=%q b=%q", a, b)
	}
	// DescribeLogGroups' storedBytes is what is kept (message bytes).
	groups, err := e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || aws.ToInt64(groups.LogGroups[0].StoredBytes) != 10*48 {
		t.Fatalf("storedBytes: %+v, %v", groups.LogGroups, err)
	}
	// One event larger than the whole bound: it is evicted at once, with
	// everything older.
	e.put(t, "g", "b", ev(ms(t0), strings.Repeat("x", 1000)))
	if a, b := e.store.Events("g", "a"), e.store.Events("g", "b"); len(a) != 0 || len(b) != 0 {
		t.Fatalf("after a huge event: %d, %d", len(a), len(b))
	}
}

func TestStreamAndGroupLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{MaxStreamsPerGroup: 3, MaxGroups: 2})
	e.createGroup(t, "g")
	for _, s := range []string{"old", "busy", "new"} {
		e.createStream(t, "g", s)
		e.clock.Advance(time.Second)
	}
	e.put(t, "g", "busy", ev(ms(t0), "x"))
	e.clock.Advance(time.Second)
	// A fourth stream replaces the least recently written one: "old".
	e.createStream(t, "g", "fourth")
	e.store.Append("g", "fifth", cwlogs.Event{Message: "y"}) // then "new"
	out, err := e.client.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.LogStreams {
		names = append(names, aws.ToString(s.LogStreamName))
	}
	if !slices.Equal(names, []string{"busy", "fifth", "fourth"}) {
		t.Fatalf("streams = %v", names)
	}

	e.createGroup(t, "h")
	_, err = e.client.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("i")})
	var limit *types.LimitExceededException
	if !asError(err, &limit) {
		t.Fatalf("third group: %v", err)
	}
	wantErr(t, err, "LimitExceededException", "Resource limit exceeded.")
	e.store.Append("/aws/lambda/f", "s", cwlogs.Event{Message: "dropped"})
	if e.store.Events("/aws/lambda/f", "s") != nil {
		t.Fatal("Append created a group beyond MaxGroups")
	}
}

func TestConcurrentAppend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{Now: time.Now})
	s := e.store
	const writers, lines = 32, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sink := s.LambdaSink()
			for i := range lines {
				sink(fmt.Sprint("fn", w%4), fmt.Sprint("stream-", w), fmt.Sprint("line ", i))
			}
		}()
	}
	// Readers over the API at the same time.
	done := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				g := aws.String(fmt.Sprint("/aws/lambda/fn", r))
				_, _ = e.client.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: g, FilterPattern: aws.String("line")})
				_, _ = e.client.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g})
			}
		}()
	}
	wg.Wait()
	close(done)
	readers.Wait()
	total := 0
	for w := range writers {
		evs := s.Events(fmt.Sprint("/aws/lambda/fn", w%4), fmt.Sprint("stream-", w))
		if len(evs) != lines {
			t.Fatalf("stream-%d has %d events", w, len(evs))
		}
		if !sort.SliceIsSorted(evs, func(i, j int) bool { return evs[i].Timestamp.Before(evs[j].Timestamp) }) {
			t.Fatalf("stream-%d is not sorted", w)
		}
		for i, ev := range evs {
			if ev.Message != fmt.Sprint("line ", i, "\n") {
				t.Fatalf("stream-%d event %d = %q", w, i, ev.Message)
			}
		}
		total += len(evs)
	}
	// Every event has a distinct ID.
	ids := map[string]bool{}
	for f := range 4 {
		p := cloudwatchlogs.NewFilterLogEventsPaginator(e.client, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(fmt.Sprint("/aws/lambda/fn", f))})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range out.Events {
				ids[aws.ToString(ev.EventId)] = true
			}
		}
	}
	if len(ids) != total || total != writers*lines {
		t.Fatalf("%d IDs for %d events", len(ids), total)
	}
}

// openState opens a state store in dir, closed at the end of the test
// (after the Stores on it, whose cleanups come later).
func openState(t *testing.T, dir string) *statestore.DB {
	t.Helper()
	db, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the state store: %v", err)
		}
	})
	return db
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	db := openState(t, t.TempDir())
	c := &clock{now: t0}
	open := func(opts cwlogs.Options) *cwlogs.Store {
		t.Helper()
		opts.Now = c.Now
		s, err := cwlogs.Open(db.Handle("logs"), "", opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(cwlogs.Options{})
	e := serve(t, s, c)
	if _, err := e.client.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("app"), Tags: map[string]string{"team": "data"}, LogGroupClass: types.LogGroupClassInfrequentAccess,
	}); err != nil {
		t.Fatal(err)
	}
	e.createStream(t, "app", "a")
	e.createStream(t, "app", "doomed")
	e.createStream(t, "app", "empty")
	putNumbered(t, e, "app", "a", 10)
	e.put(t, "app", "doomed", ev(ms(t0), "x"))
	if _, err := e.client.DeleteLogStream(ctx(t), &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: aws.String("app"), LogStreamName: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.PutRetentionPolicy(ctx(t), &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("app"), RetentionInDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	e.createGroup(t, "gone")
	if _, err := e.client.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	// What the API answered is in the state store before any Close, as
	// after a kill -9: a second Store on the same bucket sees it.
	g0, st0, ev0 := snapshot(t, e, "app")
	crashed := open(cwlogs.Options{})
	if g, st, ev := snapshot(t, serve(t, crashed, c), "app"); jsonText(g) != jsonText(g0) || jsonText(st) != jsonText(st0) || jsonText(ev) != jsonText(ev0) {
		t.Errorf("before Close, the state store holds\n%s\n%s\n%s", jsonText(g), jsonText(st), jsonText(ev))
	}

	s.LambdaSink()("fn", "2026/03/14/[$LATEST]abc", "START RequestId: r Version: $LATEST")
	g1, st1, ev1 := snapshot(t, e, "app")

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s2 := open(cwlogs.Options{})
	e2 := serve(t, s2, c)
	g2, st2, ev2 := snapshot(t, e2, "app")
	if a, b := jsonText(g1), jsonText(g2); a != b {
		t.Errorf("groups differ:\n%s\n%s", a, b)
	}
	if a, b := jsonText(st1), jsonText(st2); a != b || len(st2) != 2 {
		t.Errorf("streams differ:\n%s\n%s", a, b)
	}
	if a, b := jsonText(ev1), jsonText(ev2); a != b || len(ev2) != 10 {
		t.Errorf("events differ:\n%s\n%s", a, b)
	}
	tags, err := e2.client.ListTagsForResource(ctx(t), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:app")})
	if err != nil || tags.Tags["team"] != "data" {
		t.Errorf("tags: %v, %v", tags, err)
	}
	if got := storeMessages(s2, "/aws/lambda/fn", "2026/03/14/[$LATEST]abc"); !slices.Equal(got, []string{"START RequestId: r Version: $LATEST\n"}) {
		t.Errorf("lambda events: %q", got)
	}
	// New events get new IDs, after the old ones.
	e2.put(t, "app", "a", ev(ms(t0)-1, "after restart"))
	out, err := e2.client.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("app"), FilterPattern: aws.String("restart")})
	if err != nil || len(out.Events) != 1 || aws.ToString(out.Events[0].EventId) <= aws.ToString(ev2[9].EventId) {
		t.Fatalf("new event: %+v, %v", out, err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// Bounds apply when loading too, and what they leave out is gone from
	// the state store.
	s3 := open(cwlogs.Options{MaxEventsPerStream: 3})
	if got := storeMessages(s3, "app", "a"); !slices.Equal(got, []string{"event 08", "event 09", "after restart"}) {
		t.Fatalf("bounded load: %q", got)
	}
	s3.Close()
	s4 := open(cwlogs.Options{})
	defer s4.Close()
	if got := storeMessages(s4, "app", "a"); !slices.Equal(got, []string{"event 08", "event 09", "after restart"}) {
		t.Fatalf("after a bounded load: %q", got)
	}
}

// Malformed entries in the state store (damage, or a bug) are skipped with
// a warning, and removed; the rest loads.
func TestMalformedEntriesSkipped(t *testing.T) {
	t.Parallel()
	db := openState(t, t.TempDir())
	c := &clock{now: t0}
	var logs testtool.Buffer
	opts := cwlogs.Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s, err := cwlogs.Open(db.Handle("logs"), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Append("app", "a", cwlogs.Event{Message: "good"}) // stream ID 1
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	id := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	put := func(b *statestore.Bucket, path [][]byte, k, v []byte) error {
		for _, name := range path {
			var err error
			if b, err = b.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return b.Put(k, v)
	}
	damaged := []struct {
		path [][]byte
		k, v []byte
	}{
		{[][]byte{[]byte("groups")}, []byte("broken"), []byte("{")},
		{[][]byte{[]byte("streams")}, id(999), []byte("x")},
		{[][]byte{[]byte("events"), id(1)}, id(500), []byte{0x80}},
	}
	err = db.Handle("logs").Update(func(b *statestore.Bucket) error {
		for _, d := range damaged {
			if err := put(b, d.path, d.k, d.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := cwlogs.Open(db.Handle("logs"), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := storeMessages(s2, "app", "a"); !slices.Equal(got, []string{"good"}) {
		t.Fatalf("events: %q", got)
	}
	if !strings.Contains(logs.String(), "malformed entries of the state store were skipped") || !strings.Contains(logs.String(), "entries=3") {
		t.Fatalf("no warning:\n%s", logs.String())
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.Handle("logs").View(func(b *statestore.Bucket) error {
		for _, d := range damaged {
			nb := b
			for _, name := range d.path {
				nb = nb.Bucket(name)
			}
			if nb.Get(d.k) != nil {
				t.Errorf("%s/%x is still there", d.path, d.k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// With AnswerBeforeCommit (--fsync interval) a change answers before it is
// committed, and is committed all the same.
func TestAnswerBeforeCommit(t *testing.T) {
	t.Parallel()
	db := openState(t, t.TempDir())
	c := &clock{now: t0}
	s, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := serveWith(t, s, c, cwlogs.APIOptions{AnswerBeforeCommit: true})
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	e.put(t, "g", "s", ev(ms(t0), "answered first"))
	cwlogs.Sync(s)
	s2, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := storeMessages(s2, "g", "s"); !slices.Equal(got, []string{"answered first"}) {
		t.Fatalf("committed: %q", got)
	}
}

// snapshot is what DescribeLogGroups, DescribeLogStreams and
// FilterLogEvents (of group) answer.
func snapshot(t *testing.T, e *env, group string) (groups []types.LogGroup, streams []types.LogStream, events []types.FilteredLogEvent) {
	t.Helper()
	g, err := e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.client.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.client.FilterLogEvents(ctx(t), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	return g.LogGroups, st.LogStreams, ev.Events
}

// A journal of firehose-local up to a0f0eee is imported once, with its
// torn and corrupt lines skipped, and removed.
func TestImportJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := openState(t, dir)
	legacy := filepath.Join(dir, "logs")
	journal := strings.Join([]string{
		`{"op":"group","g":"app","t":1773500000000,"class":"STANDARD","tags":{"team":"data"}}`,
		`{"op":"group","g":"app","t":1773500000000,"ret":30,"class":"STANDARD","tags":{"team":"data"},"subs":[{"n":"errors","p":"ERROR","d":"arn:aws:firehose:us-east-1:000000000000:deliverystream/s","r":"arn:aws:iam::000000000000:role/r","c":1773500000000}]}`,
		`{"op":"stream","g":"app","s":"a","t":1773500000001}`,
		`{"op":"events","g":"app","s":"a","t":1773500000001,"ev":[{"t":1773500000100,"q":1,"i":1773500000200,"m":"one"},{"t":1773500000101,"q":2,"i":1773500000200,"m":"two"}],"put":true}`,
		`not json`,
		`{"op":"group","g":"gone","t":1773500000000}`,
		`{"op":"delgroup","g":"gone"}`,
		`{"op":"events","g":"/aws/lambda/f","s":"x","t":1773500000002,"ev":[{"t":1773500000102,"q":3,"i":1773500000300,"m":"START\n"}],"put":true}`,
		`{"op":"events","g":"app","s":"a","ev":[{"t":1,"q":99`, // torn by a crash
	}, "\n")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"logs.jsonl": journal, ".lock": ""} {
		if err := os.WriteFile(filepath.Join(legacy, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{now: t0}
	open := func() *cwlogs.Store {
		t.Helper()
		s, err := cwlogs.Open(db.Handle("logs"), legacy, cwlogs.Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(s *cwlogs.Store) {
		t.Helper()
		e := serve(t, s, c)
		groups, streams, events := snapshot(t, e, "app")
		if len(groups) != 2 || aws.ToString(groups[1].LogGroupName) != "app" || aws.ToInt32(groups[1].RetentionInDays) != 30 {
			t.Fatalf("groups %s", jsonText(groups))
		}
		if len(streams) != 1 || aws.ToInt64(streams[0].CreationTime) != 1773500000001 || aws.ToInt64(streams[0].LastIngestionTime) != 1773500000200 {
			t.Fatalf("streams %s", jsonText(streams))
		}
		if len(events) != 2 || aws.ToString(events[1].Message) != "two" || aws.ToInt64(events[1].IngestionTime) != 1773500000200 {
			t.Fatalf("events %s", jsonText(events))
		}
		if got := storeMessages(s, "/aws/lambda/f", "x"); !slices.Equal(got, []string{"START\n"}) {
			t.Fatalf("lambda events %q", got)
		}
		// Subscription filters (journaled by releases after a0f0eee) come too.
		subs, err := e.client.DescribeSubscriptionFilters(ctx(t), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("app")})
		if err != nil || len(subs.SubscriptionFilters) != 1 || aws.ToString(subs.SubscriptionFilters[0].FilterPattern) != "ERROR" ||
			aws.ToInt64(subs.SubscriptionFilters[0].CreationTime) != 1773500000000 {
			t.Fatalf("subscription filters: %+v %v", subs, err)
		}
	}
	s := open()
	check(s)
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Fatalf("the journal's directory is still there: %v", err)
	}
	// Event IDs are kept; new events come after.
	s.Append("app", "a", cwlogs.Event{Timestamp: time.UnixMilli(1773500000102), Message: "three"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A journal put back is not imported again (a removal that failed).
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(legacy, "logs.jsonl"), []byte(journal), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := open()
	defer s2.Close()
	if got := storeMessages(s2, "app", "a"); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Fatalf("after reopening: %q", got)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Fatalf("the journal put back was not removed: %v", err)
	}
}

// jsonText renders SDK values (pointers and all) for comparison.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Evicted events are removed from the state store: its file stays
// bounded by the Store's bounds, not by what was written.
func TestStateStaysBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := openState(t, dir)
	s, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("y", 1000)
	for i := range 5_000 { // 5 MB written in all
		s.Append("g", fmt.Sprint("s", i%7), cwlogs.Event{Message: fmt.Sprint(i, line)})
		if i%100 == 0 {
			cwlogs.Sync(s) // as if the writer kept up: a commit every 100 lines
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, statestore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("state store: %d bytes", fi.Size())
	if fi.Size() > 1<<20 {
		t.Fatalf("the state store is %d bytes", fi.Size())
	}
	s2, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	n := 0
	for i := range 7 {
		evs := s2.Events("g", fmt.Sprint("s", i))
		n += len(evs)
	}
	if n == 0 || n > 64 {
		t.Fatalf("%d events after reopening", n)
	}
	if evs := s2.Events("g", "s4"); len(evs) == 0 || !strings.HasPrefix(evs[len(evs)-1].Message, "4995") {
		t.Fatalf("newest event of s4: %.10q", evs)
	}
}
