package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/receiver"
	"github.com/firehose-local/firehose-local/statestore"
)

// hangingStore never finishes a write: deliveries to it are still pending
// when the server stops, and a shutdown that gives up on them leaves their
// records in the write-ahead log.
type hangingStore struct{}

func (hangingStore) PutObject(ctx context.Context, _, _ string, _ []byte, _ emulator.ObjectMeta) error {
	<-ctx.Done()
	return ctx.Err()
}

// abandon stops the server without waiting for its deliveries, as a
// second signal does.
func abandon(t *testing.T, env *emulatortest.Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := env.Server.Close(ctx); err == nil || !strings.Contains(err.Error(), "abandoned") {
		t.Fatalf("Close = %v, want deliveries abandoned", err)
	}
}

// durableEnv starts a server on dataDir whose deliveries hang, with the
// deliveries bucket created in its built-in S3 (kept in dataDir).
func durableEnv(t *testing.T, dataDir string, cfg emulator.Config) *emulatortest.Env {
	t.Helper()
	cfg.DataDir = dataDir
	env := emulatortest.New(t, cfg)
	if err := env.Server.S3().CreateBucket(context.Background(), "deliveries"); err != nil {
		t.Fatal(err)
	}
	return env
}

func walSegments(t *testing.T, dataDir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dataDir, "wal", "*.wal"))
	return m
}

// Records acknowledged and not delivered when the server stops — here
// because the store hangs and the shutdown gives up — are delivered after
// the next start from the write-ahead log, each once.
func TestDataDirDeliversAbandonedRecordsAfterRestart(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}, Clock: emulator.NewFakeClock(t0)})
	dest := s3Dest()
	dest.BufferingHints = hints(1, 300)
	createStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("one\n"), []byte("two\n"))
	putBatch(t, env.Firehose, "s", []byte("three\n"))
	if _, err := env.Firehose.PutRecord(context.Background(), &firehose.PutRecordInput{
		DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("four\n")}}); err != nil {
		t.Fatal(err)
	}
	abandon(t, env)
	if len(walSegments(t, dir)) == 0 {
		t.Fatal("no write-ahead log segment left with undelivered records")
	}

	var logs testtool.Buffer
	env2 := durableEnv(t, dir, emulator.Config{Clock: emulator.NewFakeClock(t0.Add(time.Hour)),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	env2.Flush(t, "s")
	objs := objects(t, env2, "deliveries")
	if len(objs) != 1 || string(objs[0].body) != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("objects after restart: %+v", objs)
	}
	// Keyed by the records' arrival, not the restart.
	if !strings.HasPrefix(objs[0].key, "2026/11/25/10/s-1-2026-11-25-10-30-15-") {
		t.Fatalf("key %q", objs[0].key)
	}
	if !strings.Contains(logs.String(), "write-ahead log replayed") || !strings.Contains(logs.String(), "records=4") {
		t.Fatalf("no replay log line: %s", logs.String())
	}
	// Everything is delivered: a clean stop leaves no log behind, and the
	// next start delivers nothing again.
	if err := env2.Server.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if segs := walSegments(t, dir); len(segs) != 0 {
		t.Fatalf("segments left after a clean stop: %v", segs)
	}
	env3 := durableEnv(t, dir, emulator.Config{})
	env3.Flush(t, "")
	if objs := objects(t, env3, "deliveries"); len(objs) != 1 {
		t.Fatalf("%d objects after a second restart", len(objs))
	}
}

// Stream definitions survive a restart: destination (after an update),
// tags, encryption, version; deleted streams stay deleted.
func TestDataDirStreamsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	env := durableEnv(t, dir, emulator.Config{})
	dest := s3Dest()
	dest.Prefix = aws.String("p/")
	createStream(t, env.Firehose, "kept", dest)
	createStream(t, env.Firehose, "deleted", s3Dest())
	_, rcURL := startReceiver(t, receiver.Options{})
	createHTTPStream(t, env.Firehose, "http", httpDest(rcURL))
	fh := env.Firehose
	if _, err := fh.TagDeliveryStream(ctx, &firehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("kept"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}, {Key: aws.String("gone"), Value: aws.String("x")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.UntagDeliveryStream(ctx, &firehose.UntagDeliveryStreamInput{DeliveryStreamName: aws.String("kept"), TagKeys: []string{"gone"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("kept"),
		CurrentDeliveryStreamVersionId: aws.String("1"), DestinationId: aws.String(emulator.DestinationID),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{BufferingHints: hints(2, 120)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	describe := func(fh *firehose.Client, name string) string {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		if err != nil {
			t.Fatalf("describe %s: %v", name, err)
		}
		b, _ := json.Marshal(out.DeliveryStreamDescription)
		return string(b)
	}
	before := map[string]string{"kept": describe(fh, "kept"), "http": describe(fh, "http")}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}

	env2 := durableEnv(t, dir, emulator.Config{})
	fh = env2.Firehose
	for name, want := range before {
		if got := describe(fh, name); got != want {
			t.Errorf("%s after restart:\n got %s\nwant %s", name, got, want)
		}
	}
	list, err := fh.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil || strings.Join(list.DeliveryStreamNames, ",") != "http,kept" {
		t.Fatalf("streams after restart: %v %v", list, err)
	}
	tags, err := fh.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("kept")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("tags after restart: %+v %v", tags, err)
	}
	// The restored stream works, with its updated configuration.
	putBatch(t, fh, "kept", []byte("after restart"))
	env2.Flush(t, "kept")
	objs := objects(t, env2, "deliveries")
	if len(objs) != 1 || !strings.HasPrefix(objs[0].key, "p/") || !strings.Contains(objs[0].key, "/kept-2-") {
		t.Fatalf("objects: %+v", objs)
	}
	out, err := fh.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("kept"), Record: &types.Record{Data: []byte("x")}})
	if err != nil || !aws.ToBool(out.Encrypted) {
		t.Fatalf("PutRecord after restart: %+v %v", out, err)
	}
}

// A stream deleted and created again under the same name does not get the
// old stream's records, even if the log still holds them.
func TestDataDirRecreatedStreamGetsNoOldRecords(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}})
	createStream(t, env.Firehose, "s", s3Dest())
	putBatch(t, env.Firehose, "s", []byte("old incarnation\n"))
	abandon(t, env)
	// As if the stream had been deleted and created again just before a
	// crash that lost the markers of the deletion: same name, new
	// incarnation.
	state, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = state.Handle("firehose").Update(func(b *statestore.Bucket) error {
		streams := b.Bucket([]byte("streams"))
		var doc map[string]any
		if err := json.Unmarshal(streams.Get([]byte("us-east-1/s")), &doc); err != nil {
			return err
		}
		doc["incarnation"] = "recreated"
		v, _ := json.Marshal(doc)
		return streams.Put([]byte("us-east-1/s"), v)
	})
	if cerr := state.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	var logs testtool.Buffer
	env2 := durableEnv(t, dir, emulator.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	env2.Flush(t, "")
	if objs := objects(t, env2, "deliveries"); len(objs) != 0 {
		t.Fatalf("old records delivered to the new stream: %+v", objs)
	}
	if !strings.Contains(logs.String(), "callsOfDeletedStreams=1") {
		t.Fatalf("log: %s", logs.String())
	}
}

// A torn tail — the last frame half-written by a crash — is skipped with a
// warning; the start goes on and the complete frames are delivered.
func TestDataDirTornTailIsSkipped(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}})
	createStream(t, env.Firehose, "s", s3Dest())
	putBatch(t, env.Firehose, "s", []byte("complete\n"))
	abandon(t, env)
	segs := walSegments(t, dir)
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	f, err := os.OpenFile(segs[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 1, 'h', 'a', 'l', 'f'}) // the start of a frame, cut short
	f.Close()

	var logs testtool.Buffer
	env2 := durableEnv(t, dir, emulator.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	env2.Flush(t, "s")
	objs := objects(t, env2, "deliveries")
	if len(objs) != 1 || string(objs[0].body) != "complete\n" {
		t.Fatalf("objects %+v", objs)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "torn frame at the end of a segment") {
		t.Fatalf("no warning: %s", logs.String())
	}
	// A write cut short was never acknowledged: no loss.
	m := scrape(t, env2)
	for name, want := range map[string]float64{"firehose_local_wal_torn_bytes_total": 13, "firehose_local_wal_lost_calls_total": 0, "firehose_local_wal_unreadable_frames_total": 0} {
		if v, _ := value(m, name, nil); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
}

// Records refused under backpressure are not in the log: they are never
// delivered, while the accepted ones of the same call are.
func TestDataDirBackpressure(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}, MaxPendingBytes: 100})
	createStream(t, env.Firehose, "s", s3Dest())
	recs := []types.Record{{Data: bytes.Repeat([]byte("a"), 60)}, {Data: bytes.Repeat([]byte("b"), 60)}, {Data: bytes.Repeat([]byte("c"), 30)}}
	out, err := env.Firehose.PutRecordBatch(context.Background(), &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedPutCount) != 1 || aws.ToString(out.RequestResponses[1].ErrorCode) != "ServiceUnavailableException" {
		t.Fatalf("responses %+v", out.RequestResponses)
	}
	abandon(t, env)
	env2 := durableEnv(t, dir, emulator.Config{})
	env2.Flush(t, "s")
	objs := objects(t, env2, "deliveries")
	if len(objs) != 1 || string(objs[0].body) != strings.Repeat("a", 60)+strings.Repeat("c", 30) {
		t.Fatalf("objects %+v", objs)
	}
}

// Records that go through a Lambda processor are replayed as they came in
// and processed again after the restart; nothing is delivered twice.
func TestDataDirReplaysThroughTheProcessor(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}})
	pythonTransform(t, env, "upper", nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"upper", "0"))
	putBatch(t, env.Firehose, "s", []byte("a\n"), []byte("drop me\n"), []byte("fail me\n"))
	// Processed now; the delivery of the results hangs.
	if res, _ := env.Server.Flush(ctxFor(t, 2*time.Second), "s", ""); len(res) != 1 || !strings.Contains(res[0].Error, "delivery not finished") {
		t.Fatalf("flush: %+v", res)
	}
	abandon(t, env)

	env2 := durableEnv(t, dir, emulator.Config{})
	putBatch(t, env2.Firehose, "s", []byte("b\n"))
	env2.Flush(t, "s")
	data, errs, _ := split(t, objects(t, env2, "deliveries"))
	if data != "A\nB\n" || len(errs) != 1 || rawOf(t, errs[0]) != "fail me\n" {
		t.Fatalf("data %q, errors %+v", data, errs)
	}
	if err := env2.Server.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if segs := walSegments(t, dir); len(segs) != 0 {
		t.Fatalf("segments left: %v", segs)
	}
}

// A stream CREATING when the server stopped is ACTIVE after the restart.
func TestDataDirCreatingStreamIsActiveAfterRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	clock := emulator.NewFakeClock(t0)
	env := durableEnv(t, dir, emulator.Config{Clock: clock, TransitionDelay: time.Hour})
	createStream(t, env.Firehose, "s", s3Dest())
	status := func(fh *firehose.Client) types.DeliveryStreamStatus {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		return out.DeliveryStreamDescription.DeliveryStreamStatus
	}
	if s := status(env.Firehose); s != types.DeliveryStreamStatusCreating {
		t.Fatalf("status %s", s)
	}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	env2 := durableEnv(t, dir, emulator.Config{Clock: clock, TransitionDelay: time.Hour})
	if s := status(env2.Firehose); s != types.DeliveryStreamStatusActive {
		t.Fatalf("status after restart %s", s)
	}
}

// A stream whose deliveries keep failing does not make the write-ahead log
// grow with everyone else's traffic: its records are copied forward as the
// segments around them are delivered (compaction), and every one of them is
// delivered, once, when the bucket appears.
func TestDataDirFailingStreamDoesNotPinTheLog(t *testing.T) {
	dir := t.TempDir()
	clock := emulator.NewFakeClock(t0)
	env := durableEnv(t, dir, emulator.Config{Clock: clock, WALSegmentSize: 8 << 10})
	stuckDest := s3Dest()
	stuckDest.BucketARN = aws.String("arn:aws:s3:::not-yet")
	stuckDest.BufferingHints = hints(1, 0)
	createStream(t, env.Firehose, "stuck", stuckDest)
	busyDest := s3Dest()
	busyDest.BufferingHints = hints(1, 0)
	createStream(t, env.Firehose, "busy", busyDest)

	const rounds = 150
	busy := make([][]byte, 10)
	for i := range busy {
		busy[i] = []byte(strings.Repeat("b", 99) + "\n")
	}
	maxSegments := 0
	for i := range rounds {
		putBatch(t, env.Firehose, "stuck", fmt.Appendf(nil, "stuck %03d\n", i))
		putBatch(t, env.Firehose, "busy", busy...)
		maxSegments = max(maxSegments, len(walSegments(t, dir)))
	}
	// 150 rounds of about 1.1 KB: 20 segments of 8 KiB. Without compaction
	// the stuck stream's first record would keep every one of them.
	lines := func(bucket string) []string {
		var out []string
		for _, o := range objects(t, env, bucket) {
			out = append(out, strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n")...)
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(lines("deliveries")) < rounds*len(busy) || len(walSegments(t, dir)) > 8 {
		if time.Now().After(deadline) {
			t.Fatalf("busy records delivered: %d of %d; %d segment files", len(lines("deliveries")), rounds*len(busy), len(walSegments(t, dir)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("at most %d segment files during the load, %d after it", maxSegments, len(walSegments(t, dir)))
	m := scrape(t, env)
	if v, _ := value(m, "firehose_local_wal_pending_calls", nil); v != rounds {
		t.Errorf("firehose_local_wal_pending_calls = %v, want the %d stuck calls", v, rounds)
	}
	if v, _ := value(m, "firehose_local_wal_compacted_segments_total", nil); v == 0 {
		t.Error("firehose_local_wal_compacted_segments_total is 0")
	}
	if v, _ := value(m, "firehose_local_wal_segments", nil); v < 1 || v > 8 {
		t.Errorf("firehose_local_wal_segments = %v", v)
	}

	if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("not-yet")}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for len(lines("not-yet")) < rounds {
		if time.Now().After(deadline) {
			t.Fatalf("stuck records delivered: %d of %d", len(lines("not-yet")), rounds)
		}
		if w, ok := clock.NextTimer(); ok {
			clock.Advance(w)
		}
		time.Sleep(time.Millisecond)
	}
	got := lines("not-yet")
	sort.Strings(got)
	for i, l := range got {
		if want := fmt.Sprintf("stuck %03d", i); l != want {
			t.Fatalf("stuck record %d is %q, want %q (%d records)", i, l, want, len(got))
		}
	}
	deadline = time.Now().Add(20 * time.Second)
	for v, _ := value(scrape(t, env), "firehose_local_wal_pending_calls", nil); v != 0 || len(walSegments(t, dir)) > 1; v, _ = value(scrape(t, env), "firehose_local_wal_pending_calls", nil) {
		if time.Now().After(deadline) {
			t.Fatalf("%d segment files once everything is delivered", len(walSegments(t, dir)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Partitioned records, and those that went to the error output, are
// delivered after a restart when their delivery was abandoned; then the
// log holds nothing.
func TestDataDirReplaysPartitionedRecords(t *testing.T) {
	dir := t.TempDir()
	env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}})
	createStream(t, env.Firehose, "p", jqDest("k=!{partitionKeyFromQuery:k}/", metadataExtraction("{k:.k}"), processor(types.ProcessorTypeAppendDelimiterToRecord)))
	putBatch(t, env.Firehose, "p", []byte(`{"k":"a"}`), []byte(`{"k":"b"}`), []byte("not json"), []byte(`{"k":"a","n":2}`))
	if res, _ := env.Server.Flush(ctxFor(t, 2*time.Second), "p", ""); len(res) != 1 || !strings.Contains(res[0].Error, "delivery not finished") {
		t.Fatalf("flush: %+v", res)
	}
	abandon(t, env)

	env2 := durableEnv(t, dir, emulator.Config{})
	env2.Flush(t, "p")
	got, errs, _ := byPrefix(t, "p", objects(t, env2, "deliveries"))
	want := map[string]string{"k=a/": `{"k":"a"}` + "\n" + `{"k":"a","n":2}` + "\n", "k=b/": `{"k":"b"}` + "\n"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(errs) != 1 || rawOf(t, errs[0]) != "not json" {
		t.Fatalf("partitions %q, errors %+v", got, errs)
	}
	if err := env2.Server.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if segs := walSegments(t, dir); len(segs) != 0 {
		t.Fatalf("segments left: %v", segs)
	}
}
