package firehose

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantRecords(t *testing.T, e *kinesisEnv, prefix string, want ...string) {
	t.Helper()
	got := e.store.records(prefix)
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records under %s: got %q, want %q", prefix, got, want)
	}
}

func wantError(t *testing.T, err *awsjson.Error, typ, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s: %s", typ, msg)
	}
	if err.Type != typ || err.Message != msg {
		t.Fatalf("got %s: %s\nwant %s: %s", err.Type, err.Message, typ, msg)
	}
}

func TestKinesisSourceCreateDescribe(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.kin.create(kinesisARN("src"), 2)
	created := e.clk.Now()
	out := e.mustCall("CreateDeliveryStream", sourceBody("ks", "src", ""))
	if !strings.Contains(out, `"DeliveryStreamARN":"arn:aws:firehose:us-east-1:123456789012:deliverystream/ks"`) {
		t.Fatalf("create: %s", out)
	}
	var d struct {
		DeliveryStreamDescription struct {
			DeliveryStreamType string
			Source             map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(e.mustCall("DescribeDeliveryStream", `{"DeliveryStreamName":"ks"}`)), &d); err != nil {
		t.Fatal(err)
	}
	if d.DeliveryStreamDescription.DeliveryStreamType != "KinesisStreamAsSource" {
		t.Fatalf("type %q", d.DeliveryStreamDescription.DeliveryStreamType)
	}
	want := map[string]map[string]any{"KinesisStreamSourceDescription": {
		"KinesisStreamARN": kinesisARN("src"), "RoleARN": "arn:aws:iam::123456789012:role/r",
		"DeliveryStartTimestamp": float64(created.Unix()),
	}}
	if !reflect.DeepEqual(d.DeliveryStreamDescription.Source, want) {
		t.Fatalf("Source: %v\nwant %v", d.DeliveryStreamDescription.Source, want)
	}
	list := e.mustCall("ListDeliveryStreams", `{"DeliveryStreamType":"KinesisStreamAsSource"}`)
	if !strings.Contains(list, `["ks"]`) {
		t.Fatalf("list: %s", list)
	}
}

func TestKinesisSourceRefusals(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.kin.create(kinesisARN("src"), 1)
	dest := `"ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::bucket"}`
	_, err := e.call("CreateDeliveryStream", `{"DeliveryStreamName":"a","DeliveryStreamType":"KinesisStreamAsSource",`+dest+`}`)
	wantError(t, err, awsjson.ErrInvalidArgument, "KinesisSourceStreamConfig is mandatory for KinesisStreamAsSource stream type.")

	body := sourceBody("a", "src", "")
	withSSE := strings.Replace(body, `"DeliveryStreamType"`, `"DeliveryStreamEncryptionConfigurationInput":{"KeyType":"AWS_OWNED_CMK"},"DeliveryStreamType"`, 1)
	_, err = e.call("CreateDeliveryStream", withSSE)
	wantError(t, err, awsjson.ErrInvalidArgument, "Server side encryption from firehose is only allowed for direct put delivery streams and database as a source delivery streams")

	_, err = e.call("CreateDeliveryStream", sourceBody("a", "missing", ""))
	wantError(t, err, awsjson.ErrInvalidArgument, "The Kinesis stream "+kinesisARN("missing")+" cannot be read: Stream missing under account 123456789012 not found.")

	e.createSource("a", "src")
	const notPermitted = "This operation is not permitted on KinesisStreamAsSource delivery stream type."
	_, err = e.call("PutRecord", `{"DeliveryStreamName":"a","Record":{"Data":"eA=="}}`)
	wantError(t, err, awsjson.ErrInvalidArgument, notPermitted)
	_, err = e.call("PutRecordBatch", `{"DeliveryStreamName":"a","Records":[{"Data":"eA=="}]}`)
	wantError(t, err, awsjson.ErrInvalidArgument, notPermitted)

	// A source configuration on a Direct PUT stream is ignored.
	direct := strings.Replace(sourceBody("d", "missing", ""), `"KinesisStreamAsSource"`, `"DirectPut"`, 1)
	e.mustCall("CreateDeliveryStream", direct)
	if d := e.mustCall("DescribeDeliveryStream", `{"DeliveryStreamName":"d"}`); strings.Contains(d, "Kinesis") {
		t.Fatalf("Direct PUT stream described with a Kinesis source: %s", d)
	}

	// Without a Kinesis service the source is refused by name, as before.
	e.svc.cfg.Kinesis = nil
	_, err = e.call("CreateDeliveryStream", sourceBody("b", "src", ""))
	wantError(t, err, awsjson.ErrInvalidArgument, "firehose-local does not support KinesisStreamSourceConfiguration yet.")
	_, err = e.call("CreateDeliveryStream", `{"DeliveryStreamName":"b","DeliveryStreamType":"KinesisStreamAsSource",`+dest+`}`)
	wantError(t, err, awsjson.ErrInvalidArgument, "firehose-local does not support DeliveryStreamType KinesisStreamAsSource yet.")
}

// Reading starts at LATEST, once a second per shard; Flush reads first.
func TestKinesisSourceLatestAndPolling(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 2)
	e.kin.put(arn, "shardId-000000000000", "before")
	e.createSource("ks", "src")
	e.kin.put(arn, "shardId-000000000000", "a")
	e.kin.put(arn, "shardId-000000000001", "b")
	m := e.metrics("ks")
	e.clk.Advance(999 * time.Millisecond)
	if n := m.KinesisReadRecords.Load(); n != 0 {
		t.Fatalf("read %d records before a second passed", n)
	}
	e.clk.Advance(time.Millisecond)
	if n, b := m.KinesisReadRecords.Load(), m.KinesisReadBytes.Load(); n != 2 || b != 4 {
		t.Fatalf("after a second: read %d records, %d bytes; want 2, 4", n, b)
	}
	reads := e.kin.readCount()
	e.clk.Advance(time.Second)
	if got := e.kin.readCount() - reads; got != 2 {
		t.Fatalf("%d reads in a second; want one per shard (2)", got)
	}
	if m.IncomingRecords.Load() != 0 {
		t.Fatal("records read from a data stream counted as incoming (PutRecord's)")
	}
	e.kin.put(arn, "shardId-000000000001", "c")
	e.flush("ks") // reads c at once
	wantRecords(t, e, "ks/", "a", "b", "c")
}

func TestKinesisSourceSplitAndMerge(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.kin.put(arn, "shardId-000000000000", "p1")
	left, right := e.kin.split(arn, "shardId-000000000000")
	e.kin.put(arn, left, "l1")
	e.kin.put(arn, right, "r1")
	e.flush("ks") // the parent to its end, then both children, in one poll
	wantRecords(t, e, "ks/", "l1", "p1", "r1")

	e.kin.put(arn, left, "l2")
	child := e.kin.merge(arn, left, right)
	e.kin.put(arn, child, "m1")
	e.clk.Advance(time.Second)
	e.flush("ks")
	wantRecords(t, e, "ks/", "l1", "l2", "m1", "p1", "r1")
}

// A read returns at most 10,000 records, so a once-a-second poll reads a
// backlog over several seconds, and a merged child waits for both its
// parents to be read to their ends; a flush reads until it has caught up.
func TestKinesisSourceMergeWaitsForBothParents(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 2)
	e.createSource("ks", "src")
	many := make([]string, kinesisReadLimit+1)
	for i := range many {
		many[i] = strconv.Itoa(i)
	}
	e.kin.put(arn, "shardId-000000000001", many...)
	child := e.kin.merge(arn, "shardId-000000000000", "shardId-000000000001")
	e.kin.put(arn, child, "m1")
	var m *stream
	for _, byName := range e.svc.streams {
		if st := byName["ks"]; st != nil {
			m = st
		}
	}
	read := &m.pipe.Metrics().KinesisReadRecords
	e.clk.Advance(time.Second) // one poll: one read of the parent
	if n := read.Load(); n != kinesisReadLimit {
		t.Fatalf("first poll read %d records, want %d (the child not read)", n, kinesisReadLimit)
	}
	e.clk.Advance(time.Second) // the parent's last record, then the child
	if n := read.Load(); n != kinesisReadLimit+2 {
		t.Fatalf("second poll: %d records read in all, want %d", n, kinesisReadLimit+2)
	}
	e.flush("ks")
	got := e.store.records("ks/")
	if len(got) != kinesisReadLimit+2 || !slices.Contains(got, "m1") || !slices.Contains(got, strconv.Itoa(kinesisReadLimit)) {
		t.Fatalf("delivered %d records; want %d with m1", len(got), kinesisReadLimit+2)
	}
}

// A flush reads a backlog of several reads' worth at once.
func TestKinesisSourceFlushCatchesUp(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	many := make([]string, 3*kinesisReadLimit+5)
	for i := range many {
		many[i] = strconv.Itoa(i)
	}
	e.kin.put(arn, "shardId-000000000000", many...)
	e.flush("ks")
	if got := e.store.records("ks/"); len(got) != len(many) {
		t.Fatalf("a flush delivered %d records of %d", len(got), len(many))
	}
}

func TestKinesisSourceTwoDeliveryStreams(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 2)
	e.createSource("one", "src")
	e.createSource("two", "src")
	e.kin.put(arn, "shardId-000000000000", "a", "b")
	e.kin.put(arn, "shardId-000000000001", "c")
	e.clk.Advance(time.Second)
	e.flush("")
	wantRecords(t, e, "one/", "a", "b", "c")
	wantRecords(t, e, "two/", "a", "b", "c")
}

// Checkpoints survive a restart: nothing lost, nothing repeated.
func TestKinesisSourceCheckpointsSurviveRestart(t *testing.T) {
	e := newKinesisEnv(t, true)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.kin.put(arn, "shardId-000000000000", "a")
	e.flush("ks")
	e.kin.put(arn, "shardId-000000000000", "b")
	e.clk.Advance(time.Second) // b is placed (in the log), not delivered
	e.kin.put(arn, "shardId-000000000000", "c")
	e.reopen()
	e.kin.put(arn, "shardId-000000000000", "d")
	e.flush("ks")
	wantRecords(t, e, "ks/", "a", "b", "c", "d")

	// A stream deleted and created again under the same name starts anew.
	e.mustCall("DeleteDeliveryStream", `{"DeliveryStreamName":"ks"}`)
	e.kin.put(arn, "shardId-000000000000", "e")
	e.createSource("ks", "src")
	e.reopen()
	e.kin.put(arn, "shardId-000000000000", "f")
	e.flush("ks")
	wantRecords(t, e, "ks/", "a", "b", "c", "d", "f")
}

// Records placed and not delivered when the server stops (shutdown gave up
// waiting) are in the write-ahead log: the next start delivers them, and
// the checkpoint keeps them from being read again.
func TestKinesisSourceAbandonedRecordsReplayed(t *testing.T) {
	e := newKinesisEnv(t, true)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.kin.put(arn, "shardId-000000000000", "a", "b")
	e.clk.Advance(time.Second) // placed, buffered for 300 s
	e.store.setDown(true)
	e.abort() // shutdown does not wait for deliveries
	e.reopen()
	wantRecords(t, e, "ks/")
	if e.log.count("write-ahead log replayed") != 1 {
		t.Fatalf("nothing replayed from the write-ahead log:\n%s", e.log.String())
	}
	e.store.setDown(false)
	e.kin.put(arn, "shardId-000000000000", "c")
	e.flush("ks")
	wantRecords(t, e, "ks/", "a", "b", "c")
}

// A data stream that disappears is logged (once) and retried every
// second; other streams go on.
func TestKinesisSourceVanishedDataStream(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.kin.create(kinesisARN("gone"), 1)
	e.kin.create(kinesisARN("src"), 1)
	e.createSource("gone", "gone")
	e.createSource("ok", "src")
	e.kin.remove(kinesisARN("gone"))
	e.kin.put(kinesisARN("src"), "shardId-000000000000", "a")
	e.clk.Advance(3 * time.Second)
	e.flush("")
	wantRecords(t, e, "ok/", "a")
	if n := e.log.count("reading the data stream failed"); n != 1 {
		t.Fatalf("error logged %d times; want once until it changes", n)
	}
	if !strings.Contains(e.log.String(), "Stream gone under account 123456789012 not found.") {
		t.Fatalf("log:\n%s", e.log.String())
	}
	e.kin.create(kinesisARN("gone"), 1)
	e.clk.Advance(time.Second)
	if e.log.count("reading the data stream again") != 1 {
		t.Fatalf("recovery not logged:\n%s", e.log.String())
	}
}

func TestKinesisSourceDeleteStopsReading(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.clk.Advance(time.Second)
	e.mustCall("DeleteDeliveryStream", `{"DeliveryStreamName":"ks"}`)
	reads := e.kin.readCount()
	e.clk.Advance(5 * time.Second)
	if got := e.kin.readCount(); got != reads {
		t.Fatalf("%d reads after the delivery stream was deleted", got-reads)
	}
	if n := e.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left", n)
	}
}

// Config.DeaggregateKPL splits each record read.
func TestKinesisSourceDeaggregate(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.svc.cfg.DeaggregateKPL = func(b []byte) ([]builtin.KPLRecord, bool) {
		parts := strings.Split(string(b), "+")
		if len(parts) == 1 {
			return nil, false
		}
		var out []builtin.KPLRecord
		for i, p := range parts {
			out = append(out, builtin.KPLRecord{Data: []byte(p), SubSequence: i})
		}
		return out, true
	}
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.kin.put(arn, "shardId-000000000000", "a+b", "c")
	e.flush("ks")
	wantRecords(t, e, "ks/", "ab", "c")
	if m := e.metrics("ks"); m.KinesisReadRecords.Load() != 2 || m.KinesisReadBytes.Load() != 6 {
		t.Fatalf("read %d records, %d bytes; want 2, 6", m.KinesisReadRecords.Load(), m.KinesisReadBytes.Load())
	}
}
