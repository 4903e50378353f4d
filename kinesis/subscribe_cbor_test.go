package kinesis_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/fxamacker/cbor/v2"

	"github.com/firehose-local/firehose-local/kinesis"
)

// javaCBORMap is a CBOR map as Jackson's CBOR generator writes an object
// started without a size, which is how the Java SDK v2 writes a request: an
// indefinite-length map (0xbf ... 0xff). kv alternates keys and values;
// each value is encoded by fxamacker/cbor, or copied if it is already
// cbor.RawMessage.
func javaCBORMap(t *testing.T, kv ...any) cbor.RawMessage {
	t.Helper()
	b := []byte{0xbf}
	for _, v := range kv {
		raw, ok := v.(cbor.RawMessage)
		if !ok {
			var err error
			if raw, err = cbor.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		b = append(b, raw...)
	}
	return append(b, 0xff)
}

// javaTimestamp is a timestamp as the Java SDK v2 writes it in CBOR: tag 1
// around epoch milliseconds.
func javaTimestamp(t *testing.T, ts time.Time) cbor.RawMessage {
	t.Helper()
	b, err := cbor.Marshal(cbor.Tag{Number: 1, Content: ts.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// h2cClient is an HTTP/2 client without TLS (prior knowledge), as the Java
// SDK v2's Netty client speaks HTTP/2 to an http:// endpoint.
func h2cClient(t *testing.T) *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// h2cServer serves the env's service over HTTP/1.1 and h2c.
func (e *env) h2cServer(t *testing.T) string {
	api := kinesis.NewAPI(e.svc, kinesis.APIOptions{})
	srv := httptest.NewUnstartedServer(api)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// javaSubscribe sends SubscribeToShard as the Java SDK v2's
// KinesisAsyncClient does (and so KCL 2): POST / over HTTP/2, the CBOR body,
// its headers, signed with SigV4 for us-east-1.
func javaSubscribe(t *testing.T, ctx context.Context, client *http.Client, url string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h := req.Header
	h.Set("Content-Type", "application/x-amz-cbor-1.1")
	h.Set("X-Amz-Target", "Kinesis_20131202.SubscribeToShard")
	h.Set("User-Agent", "aws-sdk-java/2.25.60 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.9+9 Java/17.0.9 vendor/Eclipse_Adoptium io/async http/NettyNio cfg/retry-mode/legacy")
	h.Set("amz-sdk-invocation-id", "c1f3b2b0-6d2a-4f7e-9d0a-2b1f6c7e8a90")
	h.Set("amz-sdk-request", "attempt=1; max=4")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.ProtoMajor != 2 {
		t.Fatalf("answered over HTTP/%d.%d", resp.ProtoMajor, resp.ProtoMinor)
	}
	return resp
}

// frames reads event stream messages from an answer, one at a time.
type frames struct {
	t    *testing.T
	body io.Reader
	dec  *eventstream.Decoder
}

type frame struct {
	msg eventstream.Message
	err error
}

// next reads the next message; ok is false at the end of the stream.
func (f *frames) next() (msg eventstream.Message, ok bool) {
	f.t.Helper()
	got := make(chan frame, 1)
	go func() {
		m, err := f.dec.Decode(f.body, nil)
		got <- frame{m, err}
	}()
	select {
	case fr := <-got:
		if fr.err == io.EOF {
			return msg, false
		}
		if fr.err != nil {
			f.t.Fatalf("decoding a frame: %v", fr.err)
		}
		return fr.msg, true
	case <-time.After(eventDeadline):
		f.t.Fatal("no frame within the deadline")
	}
	return msg, false
}

func header(m eventstream.Message, name string) string {
	v := m.Headers.Get(name)
	if v == nil {
		return ""
	}
	return v.String()
}

// cborDecoder is strict where the Java SDK is: no duplicate keys, valid
// UTF-8.
var cborDecoder = func() cbor.DecMode {
	dm, err := cbor.DecOptions{DupMapKey: cbor.DupMapKeyEnforcedAPF, UTF8: cbor.UTF8RejectInvalid}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// javaRecord and javaEvent are SubscribeToShardEvent's payload, with the
// encodings the Java SDK v2 reads kept raw: Data must be a byte string,
// ApproximateArrivalTimestamp tag 1 around integer epoch milliseconds.
type javaRecord struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp cbor.RawMessage
	Data                        cbor.RawMessage
	PartitionKey                string
}

type javaEvent struct {
	Records                    []javaRecord
	ContinuationSequenceNumber *string
	MillisBehindLatest         cbor.RawMessage
	ChildShards                []struct {
		ShardId      string
		ParentShards []string
		HashKeyRange struct{ StartingHashKey, EndingHashKey string }
	}
}

// event checks that m is an event of type typ with a CBOR payload.
func (f *frames) event(typ string) []byte {
	f.t.Helper()
	m, ok := f.next()
	if !ok {
		f.t.Fatalf("the stream ended before a %s event", typ)
	}
	if header(m, ":message-type") != "event" || header(m, ":event-type") != typ || header(m, ":content-type") != "application/x-amz-cbor-1.1" {
		f.t.Fatalf("frame %v, want a %s event in CBOR: %q", m.Headers, typ, m.Payload)
	}
	return m.Payload
}

func (f *frames) shardEvent() javaEvent {
	f.t.Helper()
	payload := f.event("SubscribeToShardEvent")
	var ev javaEvent
	if err := cborDecoder.Unmarshal(payload, &ev); err != nil {
		f.t.Fatalf("SubscribeToShardEvent payload %x: %v", payload, err)
	}
	return ev
}

// millis is a CBOR integer (major type 0 or 1) as the SDK's Long.
func millis(t *testing.T, raw cbor.RawMessage) int64 {
	t.Helper()
	if len(raw) == 0 || raw[0]>>5 > 1 {
		t.Fatalf("%x is not a CBOR integer", []byte(raw))
	}
	var n int64
	if err := cborDecoder.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkRecord checks a record's data (a byte string), key, sequence
// number and arrival (tag 1 around integer epoch milliseconds).
func checkRecord(t *testing.T, r javaRecord, data []byte, key, seq string, arrival time.Time) {
	t.Helper()
	if len(r.Data) == 0 || r.Data[0]>>5 != 2 {
		t.Fatalf("Data %x is not a CBOR byte string", []byte(r.Data))
	}
	var d []byte
	if err := cborDecoder.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d, data) || r.PartitionKey != key || r.SequenceNumber != seq {
		t.Fatalf("record %d bytes %q %s, want %d bytes %q %s", len(d), r.PartitionKey, r.SequenceNumber, len(data), key, seq)
	}
	var tag cbor.RawTag
	if err := cborDecoder.Unmarshal(r.ApproximateArrivalTimestamp, &tag); err != nil || tag.Number != 1 {
		t.Fatalf("ApproximateArrivalTimestamp %x is not tag 1: %v", []byte(r.ApproximateArrivalTimestamp), err)
	}
	if got := millis(t, tag.Content); got != arrival.UnixMilli() {
		t.Fatalf("ApproximateArrivalTimestamp = %d ms, want %d (epoch milliseconds)", got, arrival.UnixMilli())
	}
}

// SubscribeToShard in CBOR, as the Java SDK v2 (KCL 2) sends it, over h2c:
// an AT_TIMESTAMP start (tag 1 in the request), the initial-response and
// SubscribeToShardEvents in CBOR (byte strings, tag 1 milliseconds,
// integer MillisBehindLatest), a 10 MiB event leaving the rest for the
// next with MillisBehindLatest, records put while subscribed, and the
// shard's end with ChildShards and no ContinuationSequenceNumber.
func TestSubscribeInCBORAsTheJavaSDKSendsIt(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	e.put(t, "s", "k", "too old") // before the AT_TIMESTAMP start
	e.clock.Advance(2 * time.Second)
	start := e.clock.Now()
	// Eleven records of 1,000,000 bytes: ten fill an event's 10 MiB.
	var big [][]byte
	var seqs []string
	for i := range 11 {
		d := bytes.Repeat([]byte{byte(i), 0xff, 0}, 333_334)[:1_000_000]
		out, err := e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("big"), Data: d})
		if err != nil {
			t.Fatal(err)
		}
		big, seqs = append(big, d), append(seqs, aws.ToString(out.SequenceNumber))
		if i == 9 {
			e.clock.Advance(1500 * time.Millisecond)
		}
	}
	tenth, last := start, start.Add(1500*time.Millisecond)
	e.clock.Advance(7 * time.Second)
	arn := aws.ToString(e.register(t, "kcl").ConsumerARN)
	url := e.h2cServer(t)

	body := javaCBORMap(t, "ConsumerARN", arn, "ShardId", sh0,
		"StartingPosition", javaCBORMap(t, "Type", "AT_TIMESTAMP", "Timestamp", javaTimestamp(t, start)))
	resp := javaSubscribe(t, t.Context(), h2cClient(t), url, body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SubscribeToShard: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	f := &frames{t: t, body: resp.Body, dec: eventstream.NewDecoder()}
	if p := f.event("initial-response"); !bytes.Equal(p, []byte{0xa0}) {
		t.Fatalf("initial-response payload %x, want an empty CBOR map", p)
	}

	ev := f.shardEvent()
	if len(ev.Records) != 10 {
		t.Fatalf("first event: %d records, want the 10 that fit in 10 MiB", len(ev.Records))
	}
	for i, r := range ev.Records {
		checkRecord(t, r, big[i], "big", seqs[i], tenth)
	}
	if aws.ToString(ev.ContinuationSequenceNumber) != seqs[9] || ev.ChildShards != nil {
		t.Fatalf("first event: ContinuationSequenceNumber %v, ChildShards %v", aws.ToString(ev.ContinuationSequenceNumber), ev.ChildShards)
	}
	// The tenth record arrived 8.5 s before now, and a record remains.
	if got := millis(t, ev.MillisBehindLatest); got != 8500 {
		t.Fatalf("MillisBehindLatest = %d, want 8500", got)
	}
	ev = f.shardEvent()
	if len(ev.Records) != 1 || aws.ToString(ev.ContinuationSequenceNumber) != seqs[10] || millis(t, ev.MillisBehindLatest) != 0 {
		t.Fatalf("second event: %d records, %v, %x", len(ev.Records), aws.ToString(ev.ContinuationSequenceNumber), []byte(ev.MillisBehindLatest))
	}
	checkRecord(t, ev.Records[0], big[10], "big", seqs[10], last)

	// A record put while subscribed comes in its own event.
	now := e.clock.Now()
	live := e.put(t, "s", "live-key", "live")
	ev = f.shardEvent()
	if len(ev.Records) != 1 || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(live.SequenceNumber) {
		t.Fatalf("after a put: %+v", ev)
	}
	checkRecord(t, ev.Records[0], []byte("live"), "live-key", aws.ToString(live.SequenceNumber), now)

	// The shard's end: ChildShards, no ContinuationSequenceNumber, then the
	// stream ends.
	_, err := e.client.SplitShard(t.Context(), &awskinesis.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String(sh0), NewStartingHashKey: aws.String("170141183460469231731687303715884105728")})
	if err != nil {
		t.Fatal(err)
	}
	ev = f.shardEvent()
	if len(ev.Records) != 0 || ev.ContinuationSequenceNumber != nil || millis(t, ev.MillisBehindLatest) != 0 || len(ev.ChildShards) != 2 {
		t.Fatalf("at the shard's end: %+v", ev)
	}
	for i, c := range ev.ChildShards {
		want := []string{"shardId-000000000001", "shardId-000000000002"}[i]
		lo := []string{"0", "170141183460469231731687303715884105728"}[i]
		if c.ShardId != want || len(c.ParentShards) != 1 || c.ParentShards[0] != sh0 || c.HashKeyRange.StartingHashKey != lo {
			t.Fatalf("child %d: %+v", i, c)
		}
	}
	if m, ok := f.next(); ok {
		t.Fatalf("a frame after the shard's end: %v %q", m.Headers, m.Payload)
	}
}

// In CBOR, a subscription that ends with an exception sends it as the Java
// SDK v2 reads it (the type in :exception-type, the message in a CBOR
// map), and errors before the stream starts are CBOR errors.
func TestSubscribeInCBORExceptions(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	first := e.put(t, "s", "k", "one")
	arn := aws.ToString(e.register(t, "kcl").ConsumerARN)
	url := e.h2cServer(t)
	client := h2cClient(t)

	body := javaCBORMap(t, "ConsumerARN", arn, "ShardId", sh0,
		"StartingPosition", javaCBORMap(t, "Type", "AFTER_SEQUENCE_NUMBER", "SequenceNumber", aws.ToString(first.SequenceNumber)))
	resp := javaSubscribe(t, t.Context(), client, url, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SubscribeToShard: %d", resp.StatusCode)
	}
	f := &frames{t: t, body: resp.Body, dec: eventstream.NewDecoder()}
	f.event("initial-response")
	if ev := f.shardEvent(); len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(first.SequenceNumber) {
		t.Fatalf("first event: %+v", ev)
	}

	// Within a second, a second call is refused for the rate, and within 5
	// seconds a second subscription is refused as in use: CBOR errors.
	cborError := func(what, typ, msg string) {
		t.Helper()
		again := javaSubscribe(t, t.Context(), client, url, body)
		b, _ := io.ReadAll(again.Body)
		var fail map[string]any
		if err := cborDecoder.Unmarshal(b, &fail); err != nil || again.StatusCode != http.StatusBadRequest ||
			again.Header.Get("Content-Type") != "application/x-amz-cbor-1.1" || fail["__type"] != typ || fail["message"] != msg {
			t.Fatalf("%s: %d %s %x %v (%v)", what, again.StatusCode, again.Header.Get("Content-Type"), b, fail, err)
		}
	}
	cborError("a second call within a second", "LimitExceededException",
		"Rate exceeded for consumer "+arn+" and shard "+sh0+": one SubscribeToShard call per second.")
	e.clock.Advance(time.Second)
	cborError("a second subscription within 5 seconds", "ResourceInUseException",
		"Another active subscription exists for this consumer: "+account+":s:"+sh0+":kcl")

	// While nothing is put, an event without records comes 5 seconds after
	// the last (the first came a second ago).
	e.clock.Advance(4 * time.Second)
	if ev := f.shardEvent(); ev.Records == nil || len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(first.SequenceNumber) ||
		millis(t, ev.MillisBehindLatest) != 0 || ev.ChildShards != nil {
		t.Fatalf("an event while nothing is put: %+v", ev)
	}

	// Deregistering the consumer ends the subscription with an exception.
	if _, err := e.client.DeregisterStreamConsumer(t.Context(), &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	m, ok := f.next()
	if !ok {
		t.Fatal("the stream ended without an exception")
	}
	if header(m, ":message-type") != "exception" || header(m, ":exception-type") != "ResourceNotFoundException" || header(m, ":content-type") != "application/x-amz-cbor-1.1" {
		t.Fatalf("exception frame %v", m.Headers)
	}
	var exc map[string]string
	if err := cborDecoder.Unmarshal(m.Payload, &exc); err != nil || exc["message"] != "Consumer "+arn+", account "+account+" not found." || len(exc) != 1 {
		t.Fatalf("exception payload %x: %v %v", m.Payload, exc, err)
	}
	if m, ok := f.next(); ok {
		t.Fatalf("a frame after the exception: %v", m.Headers)
	}

	// A malformed CBOR body is a CBOR SerializationException.
	bad := javaSubscribe(t, t.Context(), client, url, []byte{0xbf, 0x61})
	b, _ := io.ReadAll(bad.Body)
	var fail map[string]any
	if err := cborDecoder.Unmarshal(b, &fail); err != nil || bad.StatusCode != http.StatusBadRequest || fail["__type"] != "SerializationException" {
		t.Fatalf("malformed CBOR: %d %x (%v)", bad.StatusCode, b, err)
	}
}
