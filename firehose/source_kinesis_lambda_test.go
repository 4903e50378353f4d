package firehose

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// fakeTransform is a Lambda transform: it keeps each event it is invoked
// with (raw, and as aws-lambda-go reads it) and returns every record Ok,
// upper-cased.
type fakeTransform struct {
	mu     sync.Mutex
	raw    []json.RawMessage
	events []events.KinesisFirehoseEvent
}

func (f *fakeTransform) invoke(ctx context.Context, _, _ string, payload []byte) (lambdarunner.Result, error) {
	if err := ctx.Err(); err != nil {
		return lambdarunner.Result{}, err // shutdown gave up: not an invocation the test sees
	}
	var ev events.KinesisFirehoseEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return lambdarunner.Result{}, err
	}
	f.mu.Lock()
	f.raw = append(f.raw, bytes.Clone(payload))
	f.events = append(f.events, ev)
	f.mu.Unlock()
	var resp events.KinesisFirehoseResponse
	for _, r := range ev.Records {
		resp.Records = append(resp.Records, events.KinesisFirehoseResponseRecord{RecordID: r.RecordID, Result: "Ok", Data: bytes.ToUpper(r.Data)})
	}
	out, err := json.Marshal(resp)
	return lambdarunner.Result{RequestID: "req", Payload: out}, err
}

// take returns the events so far and forgets them.
func (f *fakeTransform) take() ([]json.RawMessage, []events.KinesisFirehoseEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	raw, evs := f.raw, f.events
	f.raw, f.events = nil, nil
	return raw, evs
}

const lambdaProcessing = `,"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:123456789012:function:f"}]}]}`

// kplAggregate encodes sub-records (partition key, data) as the KPL
// aggregates them (spec §2.5), each with its own partition key.
func kplAggregate(subs ...[2]string) []byte {
	var msg []byte
	for _, s := range subs {
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendString(msg, s[0])
	}
	for i, s := range subs {
		var r []byte
		r = protowire.AppendTag(r, 1, protowire.VarintType)
		r = protowire.AppendVarint(r, uint64(i))
		r = protowire.AppendTag(r, 3, protowire.BytesType)
		r = protowire.AppendBytes(r, []byte(s[1]))
		msg = protowire.AppendTag(msg, 3, protowire.BytesType)
		msg = protowire.AppendBytes(msg, r)
	}
	sum := md5.Sum(msg)
	out := append([]byte{0xF3, 0x89, 0x9A, 0xC2}, msg...)
	return append(out, sum[:]...)
}

type wantMeta struct {
	data string
	meta events.KinesisFirehoseRecordMetadata
}

// checkEvents compares the records of the events, in order, with want,
// and every event's source and delivery stream ARNs.
func checkEvents(t *testing.T, evs []events.KinesisFirehoseEvent, arrival time.Time, want ...wantMeta) {
	t.Helper()
	var got []wantMeta
	for _, ev := range evs {
		if ev.SourceKinesisStreamArn != kinesisARN("src") || ev.DeliveryStreamArn != "arn:aws:firehose:us-east-1:123456789012:deliverystream/ks" || ev.Region != "us-east-1" {
			t.Fatalf("event: source %q, delivery stream %q, region %q", ev.SourceKinesisStreamArn, ev.DeliveryStreamArn, ev.Region)
		}
		for _, r := range ev.Records {
			if !r.ApproximateArrivalTimestamp.Equal(arrival) {
				t.Errorf("record %q arrived at %v; want %v", r.Data, r.ApproximateArrivalTimestamp.Time, arrival)
			}
			m := r.KinesisFirehoseRecordMetadata
			m.ApproximateArrivalTimestamp.Time = m.ApproximateArrivalTimestamp.UTC() // aws-lambda-go reads it in time.Local
			got = append(got, wantMeta{string(r.Data), m})
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got %+v\nwant %+v", got, want)
	}
}

func meta(shard, pk, seq string, arrival time.Time, sub int64) events.KinesisFirehoseRecordMetadata {
	return events.KinesisFirehoseRecordMetadata{ShardID: shard, PartitionKey: pk, SequenceNumber: seq, SubsequenceNumber: sub,
		ApproximateArrivalTimestamp: events.MilliSecondsEpochTime{Time: arrival}}
}

// A Lambda processor on a KinesisStreamAsSource stream gets AWS's event:
// the data stream's ARN, and each record's shard, partition key, arrival
// in the data stream, sequence number and subsequence number (a KPL
// sub-record's index, with its own partition key).
func TestKinesisSourceLambdaMetadata(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.svc.cfg.DeaggregateKPL = builtin.DeaggregateKPL
	arn := kinesisARN("src")
	e.kin.create(arn, 2)
	e.mustCall("CreateDeliveryStream", sourceBody("ks", "src", lambdaProcessing))
	kinesisArrival := time.Date(2026, 1, 2, 3, 0, 0, 123e6, time.UTC)
	s0, s1 := "shardId-000000000000", "shardId-000000000001"
	seqA := e.kin.putRecord(arn, s0, "pk-a", kinesisArrival, []byte("a\n"))
	seqK := e.kin.putRecord(arn, s0, "outer", kinesisArrival, kplAggregate([2]string{"k0", "x\n"}, [2]string{"k1", "y\n"}, [2]string{"k0", "z\n"}))
	seqB := e.kin.putRecord(arn, s1, "pk-b", kinesisArrival.Add(time.Second), []byte("b\n"))
	e.flush("ks")
	wantRecords(t, e, "ks/", "A", "B", "X", "Y", "Z")

	raw, evs := e.fn.take()
	checkEvents(t, evs, e.clk.Now(),
		wantMeta{"a\n", meta(s0, "pk-a", seqA, kinesisArrival, 0)},
		wantMeta{"x\n", meta(s0, "k0", seqK, kinesisArrival, 0)},
		wantMeta{"y\n", meta(s0, "k1", seqK, kinesisArrival, 1)},
		wantMeta{"z\n", meta(s0, "k0", seqK, kinesisArrival, 2)},
		wantMeta{"b\n", meta(s1, "pk-b", seqB, kinesisArrival.Add(time.Second), 0)},
	)
	// The numbers are epoch milliseconds, as aws-lambda-go reads them.
	var doc struct {
		Records []struct {
			KinesisRecordMetadata map[string]any `json:"kinesisRecordMetadata"`
		} `json:"records"`
	}
	if err := json.Unmarshal(raw[0], &doc); err != nil {
		t.Fatal(err)
	}
	wantDoc := map[string]any{"shardId": s0, "partitionKey": "pk-a", "approximateArrivalTimestamp": float64(kinesisArrival.UnixMilli()),
		"sequenceNumber": seqA, "subsequenceNumber": float64(0)}
	if got := doc.Records[0].KinesisRecordMetadata; !reflect.DeepEqual(got, wantDoc) {
		t.Fatalf("kinesisRecordMetadata %v; want %v", got, wantDoc)
	}
}

// A Lambda processor can be added to a KinesisStreamAsSource stream by
// UpdateDestination.
func TestKinesisSourceLambdaByUpdate(t *testing.T) {
	e := newKinesisEnv(t, false)
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.createSource("ks", "src")
	e.mustCall("UpdateDestination", `{"DeliveryStreamName":"ks","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000001",
		"ExtendedS3DestinationUpdate":{`+lambdaProcessing[1:]+`}}`)
	arrival := e.clk.Now().Add(-time.Minute)
	seq := e.kin.putRecord(arn, "shardId-000000000000", "pk", arrival, []byte("a\n"))
	e.flush("ks")
	wantRecords(t, e, "ks/", "A")
	_, evs := e.fn.take()
	checkEvents(t, evs, e.clk.Now(), wantMeta{"a\n", meta("shardId-000000000000", "pk", seq, arrival, 0)})
}

// Records placed (in the write-ahead log) and not processed when the
// server stops come back at the next start with their metadata.
func TestKinesisSourceLambdaMetadataReplayed(t *testing.T) {
	e := newKinesisEnv(t, true)
	e.svc.cfg.DeaggregateKPL = builtin.DeaggregateKPL
	arn := kinesisARN("src")
	e.kin.create(arn, 1)
	e.mustCall("CreateDeliveryStream", sourceBody("ks", "src", lambdaProcessing))
	kinesisArrival := time.Date(2026, 1, 1, 0, 0, 0, 7e6, time.UTC)
	s0 := "shardId-000000000000"
	seqA := e.kin.putRecord(arn, s0, "pk-a", kinesisArrival, []byte("a\n"))
	seqK := e.kin.putRecord(arn, s0, "outer", kinesisArrival, kplAggregate([2]string{"k0", "x\n"}, [2]string{"k1", "y\n"}))
	placed := e.clk.Now().Add(time.Second)
	e.clk.Advance(time.Second) // placed, in the processor's buffer for 60 s
	// Shutdown cuts the processor's buffer; whether or not the function
	// sees it before shutdown gives up, nothing is delivered.
	e.store.setDown(true)
	e.abort()
	e.reopen()
	if e.log.count("write-ahead log replayed") != 1 {
		t.Fatalf("nothing replayed from the write-ahead log:\n%s", e.log.String())
	}
	e.fn.take()
	e.store.setDown(false)
	e.flush("ks")
	wantRecords(t, e, "ks/", "A", "X", "Y")
	_, evs := e.fn.take()
	checkEvents(t, evs, placed,
		wantMeta{"a\n", meta(s0, "pk-a", seqA, kinesisArrival, 0)},
		wantMeta{"x\n", meta(s0, "k0", seqK, kinesisArrival, 0)},
		wantMeta{"y\n", meta(s0, "k1", seqK, kinesisArrival, 1)},
	)
}

// A Direct PUT stream's events are as before: no Kinesis members.
func TestDirectPutLambdaEventUnchanged(t *testing.T) {
	e := newKinesisEnv(t, true)
	e.mustCall("CreateDeliveryStream", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r",
		"BucketARN":"arn:aws:s3:::bucket","Prefix":"d/"`+lambdaProcessing+`}}`)
	e.mustCall("PutRecord", `{"DeliveryStreamName":"d","Record":{"Data":"YQo="}}`)
	e.flush("d")
	wantRecords(t, e, "d/", "A")
	raw, _ := e.fn.take()
	if len(raw) != 1 {
		t.Fatalf("%d events", len(raw))
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw[0], &doc); err != nil {
		t.Fatal(err)
	}
	var recs []map[string]json.RawMessage
	if err := json.Unmarshal(doc["records"], &recs); err != nil {
		t.Fatal(err)
	}
	if got, want := keys(doc), []string{"deliveryStreamArn", "invocationId", "records", "region"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("event members %v; want %v", got, want)
	}
	if got, want := keys(recs[0]), []string{"approximateArrivalTimestamp", "data", "recordId"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("record members %v; want %v", got, want)
	}
}

func keys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

// The write-ahead log's data frames: without metadata version 1, byte for
// byte as before version 2; with it version 2; both decode.
func TestWALFrameVersions(t *testing.T) {
	st := &stream{region: "us-east-1", name: "s", incarnation: "inc"}
	now := time.UnixMilli(1_700_000_000_123)
	recs := [][]byte{[]byte("a"), []byte("bc")}
	v1 := encodeRecords(nil, st, now, recs, nil)
	// The version 1 frame as the release before version 2 wrote it.
	old := []byte{1, 9, 'u', 's', '-', 'e', 'a', 's', 't', '-', '1', 1, 's', 3, 'i', 'n', 'c'}
	old = append(old, binary.AppendVarint(nil, now.UnixMilli())...)
	old = append(old, 2, 1, 'a', 2, 'b', 'c')
	if !bytes.Equal(v1, old) {
		t.Fatalf("version 1 frame %v; want %v", v1, old)
	}
	lr, err := decodeRecords(old)
	if err != nil || lr.meta != nil || !reflect.DeepEqual(lr.records, recs) || !lr.arrival.Equal(now) {
		t.Fatalf("decoded %+v, %v", lr, err)
	}
	meta := []delivery.KinesisMeta{
		{ShardID: "shardId-000000000000", PartitionKey: "pk", SequenceNumber: "49", Arrival: 1_600_000_000_000},
		{ShardID: "shardId-000000000000", PartitionKey: "k1", SequenceNumber: "49", SubsequenceNumber: 1, Arrival: -5},
	}
	v2 := encodeRecords(nil, st, now, recs, meta)
	if v2[0] != walFormatMeta {
		t.Fatalf("frame version %d", v2[0])
	}
	lr, err = decodeRecords(v2)
	if err != nil || !reflect.DeepEqual(lr.meta, meta) || !reflect.DeepEqual(lr.records, recs) || lr.name != "s" {
		t.Fatalf("decoded %+v, %v", lr, err)
	}
	for n := range len(v2) {
		if _, err := decodeRecords(v2[:n]); err == nil {
			t.Fatalf("a version 2 frame cut to %d of %d bytes decoded", n, len(v2))
		}
	}
}
