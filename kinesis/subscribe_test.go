package kinesis_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/kinesis"
)

const sh0 = "shardId-000000000000"

// eventDeadline bounds each wait for an event the server must send.
const eventDeadline = 10 * time.Second

// subscriber is an SDK client for SubscribeToShard, with two workarounds
// for the SDK (service/kinesis v1.57.0, smithy-go v1.28.9):
//
//   - Each subscription has a client of its own: a client's streams share
//     one event stream decoder, with its buffer, so two concurrent streams
//     of one client race (go test -race reports it in smithy-go's
//     internal/eventstream Codec).
//   - The request body is passed to net/http without its WriteTo method
//     (testtool.SDKHTTPClient), or net/http may close the connection under
//     the event stream ("use of closed network connection"). HTTP/2
//     (AWS's) reads the body otherwise.
func (e *env) subscriber() *awskinesis.Client {
	return awskinesis.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.url),
		HTTPClient:       testtool.SDKHTTPClient(),
		RetryMaxAttempts: 1,
	})
}

// subscribe calls SubscribeToShard through the SDK; the stream is closed at
// the end of the test.
func (e *env) subscribe(t *testing.T, ctx context.Context, consumerARN, shard string, pos types.StartingPosition) *awskinesis.SubscribeToShardEventStream {
	t.Helper()
	client := e.subscriber()
	out, err := client.SubscribeToShard(ctx, &awskinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shard), StartingPosition: &pos})
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	es := out.GetStream()
	t.Cleanup(func() { _ = es.Close() })
	return es
}

// next waits for the stream's next event; ok is false when it ended.
func next(t *testing.T, es *awskinesis.SubscribeToShardEventStream) (ev types.SubscribeToShardEvent, ok bool) {
	t.Helper()
	select {
	case v, open := <-es.Events():
		if !open {
			return ev, false
		}
		m, isEvent := v.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			t.Fatalf("event %T", v)
		}
		return m.Value, true
	case <-time.After(eventDeadline):
		t.Fatal("no event within the deadline")
	}
	return ev, false
}

func mustNext(t *testing.T, es *awskinesis.SubscribeToShardEventStream) types.SubscribeToShardEvent {
	t.Helper()
	ev, ok := next(t, es)
	if !ok {
		t.Fatalf("the stream ended: %v", es.Err())
	}
	return ev
}

func mustEnd(t *testing.T, es *awskinesis.SubscribeToShardEventStream) {
	t.Helper()
	if ev, ok := next(t, es); ok {
		t.Fatalf("an event after the end: %+v", ev)
	}
}

func TestSubscribeTrimHorizonAndLatest(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	first := e.put(t, "s", "k", "one")
	second := e.put(t, "s", "k", "two")
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	other := aws.ToString(e.register(t, "other").ConsumerARN)

	es := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	ev := mustNext(t, es)
	if got := datas(ev.Records); len(got) != 2 || got[0] != "one" || got[1] != "two" ||
		aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(second.SequenceNumber) || aws.ToInt64(ev.MillisBehindLatest) != 0 {
		t.Fatalf("first event: %v %+v", got, ev)
	}
	if aws.ToString(ev.Records[0].SequenceNumber) != aws.ToString(first.SequenceNumber) || aws.ToString(ev.Records[0].PartitionKey) != "k" ||
		!ev.Records[0].ApproximateArrivalTimestamp.Equal(t0) {
		t.Fatalf("record %+v", ev.Records[0])
	}

	latest := e.subscribe(t, t.Context(), other, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	ev = mustNext(t, latest)
	if len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(second.SequenceNumber) {
		t.Fatalf("LATEST's first event: %+v", ev)
	}

	// A record put now reaches both subscriptions.
	third := e.put(t, "s", "k", "three")
	for _, s := range []*awskinesis.SubscribeToShardEventStream{es, latest} {
		ev = mustNext(t, s)
		if got := datas(ev.Records); len(got) != 1 || got[0] != "three" || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(third.SequenceNumber) {
			t.Fatalf("after a put: %v %+v", got, ev)
		}
	}
	// (Close may report the read it interrupted.)
	_, _ = es.Close(), latest.Close()

	// Resuming from a ContinuationSequenceNumber, 5 seconds later (the
	// closed subscriptions are gone, or would be taken over).
	e.clock.Advance(5 * time.Second)
	e.put(t, "s", "k", "four")
	resumed := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: third.SequenceNumber})
	if got := datas(mustNext(t, resumed).Records); len(got) != 1 || got[0] != "four" {
		t.Fatalf("resumed: %v", got)
	}
	at := e.subscribe(t, t.Context(), other, sh0, types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: second.SequenceNumber})
	if got := datas(mustNext(t, at).Records); len(got) != 3 || got[0] != "two" {
		t.Fatalf("AT_SEQUENCE_NUMBER: %v", got)
	}
}

func TestSubscribeShardEnd(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	e.put(t, "s", "k", "before")
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	es := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if got := datas(mustNext(t, es).Records); len(got) != 1 {
		t.Fatalf("first: %v", got)
	}
	_, err := e.client.SplitShard(t.Context(), &awskinesis.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String(sh0), NewStartingHashKey: aws.String("170141183460469231731687303715884105728")})
	if err != nil {
		t.Fatal(err)
	}
	ev := mustNext(t, es)
	if len(ev.Records) != 0 || ev.ContinuationSequenceNumber != nil || len(ev.ChildShards) != 2 {
		t.Fatalf("at the shard's end: %+v", ev)
	}
	for i, c := range ev.ChildShards {
		if len(c.ParentShards) != 1 || c.ParentShards[0] != sh0 || aws.ToString(c.ShardId) != []string{"shardId-000000000001", "shardId-000000000002"}[i] {
			t.Fatalf("child %d: %+v", i, c)
		}
	}
	mustEnd(t, es)
	if err := es.Err(); err != nil {
		t.Fatalf("ended with %v", err)
	}
}

// nextRecords waits for the stream's next event with records, past the
// events without any that a subscription sends while nothing is put.
func nextRecords(t *testing.T, es *awskinesis.SubscribeToShardEventStream) types.SubscribeToShardEvent {
	t.Helper()
	for {
		if ev := mustNext(t, es); len(ev.Records) > 0 {
			return ev
		}
	}
}

// mustEndAfterEmpty waits for the stream's end, past events without
// records.
func mustEndAfterEmpty(t *testing.T, es *awskinesis.SubscribeToShardEventStream) {
	t.Helper()
	for {
		ev, ok := next(t, es)
		if !ok {
			return
		}
		if len(ev.Records) > 0 {
			t.Fatalf("an event with records before the end: %+v", ev)
		}
	}
}

func TestSubscriptionEndsAfterFiveMinutes(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	es := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	mustNext(t, es)
	e.clock.Advance(5*time.Minute - time.Millisecond)
	e.put(t, "s", "k", "late")
	if got := datas(nextRecords(t, es).Records); len(got) != 1 {
		t.Fatalf("before 5 minutes: %v", got)
	}
	e.clock.Advance(time.Millisecond)
	mustEndAfterEmpty(t, es)
	if err := es.Err(); err != nil {
		t.Fatalf("ended with %v", err)
	}
}

// While nothing is put, a subscription sends an event without records
// 5 seconds (on the clock) after its last event: the
// ContinuationSequenceNumber where it stands, MillisBehindLatest 0.
func TestSubscribeEventsWhileNothingIsPut(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	put := e.put(t, "s", "k", "one")
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	es := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if got := datas(mustNext(t, es).Records); len(got) != 1 {
		t.Fatalf("first event: %v", got)
	}
	seq := aws.ToString(put.SequenceNumber)
	idle := func(what string) {
		t.Helper()
		// The next one is set before an event goes out: due in 5 seconds.
		if d, ok := e.clock.NextTimer(); !ok || d != 5*time.Second {
			t.Fatalf("%s: the next timer is due in %v (%v), want 5s", what, d, ok)
		}
		e.clock.Advance(5*time.Second - time.Millisecond)
		if d, _ := e.clock.NextTimer(); d != time.Millisecond {
			t.Fatalf("%s: the next timer is due in %v, want 1ms", what, d)
		}
		e.clock.Advance(time.Millisecond)
		ev := mustNext(t, es)
		if ev.Records == nil || len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != seq ||
			ev.MillisBehindLatest == nil || *ev.MillisBehindLatest != 0 || ev.ChildShards != nil {
			t.Fatalf("%s: %+v", what, ev)
		}
	}
	idle("the first event without records")
	idle("the second")

	// A put sends its event at once, and the next event without records
	// comes 5 seconds after it.
	e.clock.Advance(2 * time.Second)
	put = e.put(t, "s", "k", "two")
	ev := mustNext(t, es)
	if got := datas(ev.Records); len(got) != 1 || got[0] != "two" {
		t.Fatalf("after a put: %v", got)
	}
	seq = aws.ToString(put.SequenceNumber)
	idle("after a put")
}

// AWS's call rules, on the clock: one SubscribeToShard per second per
// consumer and shard (LimitExceededException), then, within 5 seconds of a
// subscription still open, ResourceInUseException with AWS's text; 5
// seconds on, a new call takes over and the old subscription ends with
// ResourceInUseException.
func TestSubscriptionCallRateInUseAndTakeover(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 2)
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	other := aws.ToString(e.register(t, "other").ConsumerARN)
	sub := func(consumer, shard string) error {
		_, err := e.subscriber().SubscribeToShard(t.Context(), &awskinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumer), ShardId: aws.String(shard),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
		return err
	}
	limited := "Rate exceeded for consumer " + arn + " and shard " + sh0 + ": one SubscribeToShard call per second."
	inUse := "Another active subscription exists for this consumer: " + account + ":s:" + sh0 + ":app"

	old := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	mustNext(t, old)
	wantErr(t, sub(arn, sh0), "LimitExceededException", limited)
	// The rate is per consumer and shard.
	mustNext(t, e.subscribe(t, t.Context(), arn, "shardId-000000000001", types.StartingPosition{Type: types.ShardIteratorTypeLatest}))
	mustNext(t, e.subscribe(t, t.Context(), other, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}))

	// A call refused for the rate does not count: a second after the
	// subscription, the next call is within the rate, and refused because
	// the subscription is open and younger than 5 seconds.
	e.clock.Advance(999 * time.Millisecond)
	wantErr(t, sub(arn, sh0), "LimitExceededException", limited)
	e.clock.Advance(time.Millisecond)
	wantErr(t, sub(arn, sh0), "ResourceInUseException", inUse)
	// That refusal was a call: the next second is limited again.
	e.clock.Advance(500 * time.Millisecond)
	wantErr(t, sub(arn, sh0), "LimitExceededException", limited)

	e.clock.Advance(3500 * time.Millisecond) // 5 seconds after the subscription
	taker := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	mustNext(t, taker)
	mustEndAfterEmpty(t, old)
	var ae smithy.APIError
	if err := old.Err(); !errors.As(err, &ae) || ae.ErrorCode() != "ResourceInUseException" {
		t.Fatalf("the old subscription ended with %v", err)
	}

	// Deregistering the consumer ends its subscription.
	if _, err := e.client.DeregisterStreamConsumer(t.Context(), &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	mustEndAfterEmpty(t, taker)
	if err := taker.Err(); !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFoundException" {
		t.Fatalf("after deregistering: %v", err)
	}
}

func TestSubscribeErrors(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	sub := func(consumer, shard string, pos types.StartingPosition) error {
		_, err := e.subscriber().SubscribeToShard(t.Context(), &awskinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumer), ShardId: aws.String(shard), StartingPosition: &pos})
		return err
	}
	err := sub(arn+"9", sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+arn+"9, account "+account+" not found.")
	err = sub(arn, "shardId-000000000007", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	wantErr(t, err, "ResourceNotFoundException", "Shard shardId-000000000007 in stream s under account "+account+" does not exist")
	err = sub(arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber})
	wantErr(t, err, "InvalidArgumentException", "StartingPosition Type AT_SEQUENCE_NUMBER needs a SequenceNumber.")
}

// Cancelling the client's context ends the server's side: the server's
// Close, which waits for its handlers, returns.
func TestSubscribeClientCancel(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	ctx, cancel := context.WithCancel(t.Context())
	es := e.subscribe(t, ctx, arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	mustNext(t, es)
	cancel()
	closed := make(chan struct{})
	go func() {
		e.srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(eventDeadline):
		t.Fatal("the subscription's handler outlived the client")
	}
}

// Over HTTP/2 without TLS (h2c), as a Go SDK client can be set to use, the
// stream works with the SDK's own request body (no workaround), and the
// server's side ends when the client closes the stream.
func TestSubscribeOverH2C(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	protos := make(chan int, 4)
	api := kinesis.NewAPI(e.svc, kinesis.APIOptions{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.ProtoMajor
		api.ServeHTTP(w, r)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	client := awskinesis.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
	out, err := client.SubscribeToShard(t.Context(), &awskinesis.SubscribeToShardInput{ConsumerARN: aws.String(arn), ShardId: aws.String(sh0),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	if err != nil {
		t.Fatal(err)
	}
	es := out.GetStream()
	defer func() { _ = es.Close() }()
	if p := <-protos; p != 2 {
		t.Fatalf("served over HTTP/%d", p)
	}
	mustNext(t, es)
	e.put(t, "s", "k", "h2")
	if got := datas(mustNext(t, es).Records); len(got) != 1 || got[0] != "h2" {
		t.Fatalf("over h2c: %v", got)
	}
	_ = es.Close()
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(eventDeadline):
		t.Fatal("the subscription's handler outlived the client")
	}
}

func TestSubscribeAtTimestamp(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	e.put(t, "s", "k", "old")
	e.clock.Advance(time.Minute)
	e.put(t, "s", "k", "new")
	arn := aws.ToString(e.register(t, "app").ConsumerARN)
	es := e.subscribe(t, t.Context(), arn, sh0, types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(t0.Add(time.Second))})
	if got := datas(mustNext(t, es).Records); len(got) != 1 || got[0] != "new" {
		t.Fatalf("AT_TIMESTAMP: %v", got)
	}
}
