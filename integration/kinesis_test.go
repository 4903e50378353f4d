package integration_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// createDataStream creates a Kinesis data stream of n shards and returns
// its ARN.
func createDataStream(t *testing.T, env *emulatortest.Env, name string, n int32) string {
	t.Helper()
	ctx := context.Background()
	if _, err := env.Kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(n)}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	out, err := env.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeStreamSummary: %v", err)
	}
	return aws.ToString(out.StreamDescriptionSummary.StreamARN)
}

// createSourcedStream creates a delivery stream reading the data stream
// arn, delivering under prefix, newline-delimited.
func createSourcedStream(t *testing.T, env *emulatortest.Env, name, arn, prefix string) {
	t.Helper()
	d := s3Dest()
	d.Prefix = aws.String(prefix)
	d.BufferingHints = hints(1, 60)
	_, err := env.Firehose.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)},
		ExtendedS3DestinationConfiguration: d,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
}

// kplAggregate builds a KPL-aggregated record from the format's definition:
// magic, the AggregatedRecord protobuf, the MD5 of the protobuf.
func kplAggregate(keys []string, data ...string) []byte {
	var pb []byte
	for _, k := range keys {
		pb = protowire.AppendTag(pb, 1, protowire.BytesType)
		pb = protowire.AppendString(pb, k)
	}
	for i, d := range data {
		var rec []byte
		rec = protowire.AppendTag(rec, 1, protowire.VarintType)
		rec = protowire.AppendVarint(rec, uint64(i%len(keys)))
		rec = protowire.AppendTag(rec, 3, protowire.BytesType)
		rec = protowire.AppendBytes(rec, []byte(d))
		pb = protowire.AppendTag(pb, 3, protowire.BytesType)
		pb = protowire.AppendBytes(pb, rec)
	}
	sum := md5.Sum(pb)
	return append(append([]byte{0xF3, 0x89, 0x9A, 0xC2}, pb...), sum[:]...)
}

// linesUnder is every line delivered under prefix, sorted.
func linesUnder(t *testing.T, env *emulatortest.Env, prefix string) []string {
	t.Helper()
	var lines []string
	for _, o := range objects(t, env, "deliveries") {
		if strings.HasPrefix(o.key, prefix) {
			lines = append(lines, strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n")...)
		}
	}
	slices.Sort(lines)
	return lines
}

// Two delivery streams read one data stream through the Go SDK: each gets
// every record, KPL-aggregated ones de-aggregated, across a shard split;
// Describe shows the source; producers cannot put to them.
func TestKinesisSourceEndToEnd(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	arn := createDataStream(t, env, "clicks", 2)
	createSourcedStream(t, env, "a", arn, "a/")
	createSourcedStream(t, env, "b", arn, "b/")

	var entries []ktypes.PutRecordsRequestEntry
	var want []string
	for i := range 20 {
		entries = append(entries, ktypes.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "r%02d\n", i), PartitionKey: aws.String(fmt.Sprint("k", i))})
		want = append(want, fmt.Sprintf("r%02d", i))
	}
	entries = append(entries, ktypes.PutRecordsRequestEntry{Data: kplAggregate([]string{"p1", "p2"}, "kpl-1\n", "kpl-2\n", "kpl-3\n"), PartitionKey: aws.String("agg")})
	want = append(want, "kpl-1", "kpl-2", "kpl-3")
	out, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("clicks"), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords: %v %v", out, err)
	}
	// After a split, the children's records are read too.
	desc, err := env.Kinesis.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("clicks")})
	if err != nil {
		t.Fatal(err)
	}
	s0 := desc.Shards[0]
	if _, err := env.Kinesis.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("clicks"), ShardToSplit: s0.ShardId,
		NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatalf("SplitShard: %v", err)
	}
	for i := range 5 {
		if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("clicks"), Data: fmt.Appendf(nil, "s%d\n", i),
			PartitionKey: aws.String(fmt.Sprint("after-split-", i))}); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("s%d", i))
	}
	slices.Sort(want)
	env.Flush(t, "")
	for _, prefix := range []string{"a/", "b/"} {
		if got := linesUnder(t, env, prefix); !slices.Equal(got, want) {
			t.Errorf("%s delivered %d lines %q\nwant %d %q", prefix, len(got), got, len(want), want)
		}
	}

	d, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	ds := d.DeliveryStreamDescription
	if ds.DeliveryStreamType != types.DeliveryStreamTypeKinesisStreamAsSource || ds.Source == nil || ds.Source.KinesisStreamSourceDescription == nil ||
		aws.ToString(ds.Source.KinesisStreamSourceDescription.KinesisStreamARN) != arn || ds.Source.KinesisStreamSourceDescription.DeliveryStartTimestamp == nil {
		t.Errorf("described source: %+v", ds.Source)
	}
	_, err = env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("a"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "InvalidArgumentException", "This operation is not permitted on KinesisStreamAsSource delivery stream type.")

	// Records written before a delivery stream existed are not read: it
	// starts at LATEST.
	createSourcedStream(t, env, "late", arn, "late/")
	if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("clicks"), Data: []byte("new\n"), PartitionKey: aws.String("n")}); err != nil {
		t.Fatal(err)
	}
	env.Flush(t, "late")
	if got := linesUnder(t, env, "late/"); !slices.Equal(got, []string{"new"}) {
		t.Errorf("a stream created later delivered %q, want only the record put after it", got)
	}
}

// AWS's refusals of KinesisStreamAsSource configurations, through the SDK.
func TestKinesisSourceRefusals(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	arn := createDataStream(t, env, "s", 1)
	create := func(in *firehose.CreateDeliveryStreamInput) error {
		in.DeliveryStreamName = aws.String("refused")
		in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		if in.ExtendedS3DestinationConfiguration == nil {
			in.ExtendedS3DestinationConfiguration = s3Dest()
		}
		_, err := env.Firehose.CreateDeliveryStream(ctx, in)
		return err
	}
	err := create(&firehose.CreateDeliveryStreamInput{})
	wantAPIError(t, err, "InvalidArgumentException", "KinesisSourceStreamConfig is mandatory for KinesisStreamAsSource stream type.")
	src := &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)}
	err = create(&firehose.CreateDeliveryStreamInput{KinesisStreamSourceConfiguration: src,
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk}})
	wantAPIError(t, err, "InvalidArgumentException", "Server side encryption from firehose is only allowed for direct put delivery streams")
	err = create(&firehose.CreateDeliveryStreamInput{KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
		KinesisStreamARN: aws.String(strings.Replace(arn, "stream/s", "stream/missing", 1)), RoleARN: aws.String(roleARN)}})
	wantAPIError(t, err, "InvalidArgumentException", "Stream missing under account 000000000000 not found.")
}

// With --data-dir, a restart neither loses nor repeats what a source
// stream read: records put while it was down are read after it.
func TestKinesisSourceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	env := durableEnv(t, dir, emulator.Config{})
	arn := createDataStream(t, env, "kept", 2)
	createSourcedStream(t, env, "kept", arn, "kept/")
	put := func(env *emulatortest.Env, from, to int) {
		for i := from; i < to; i++ {
			if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("kept"), Data: fmt.Appendf(nil, "r%02d\n", i),
				PartitionKey: aws.String(fmt.Sprint(i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(env, 0, 10)
	env.Flush(t, "kept")
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	env2 := emulatortest.New(t, emulator.Config{DataDir: dir})
	put(env2, 10, 20)
	env2.Flush(t, "kept")
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("r%02d", i))
	}
	if got := linesUnder(t, env2, "kept/"); !slices.Equal(got, want) {
		t.Errorf("delivered across the restart %q\nwant %q", got, want)
	}
}

// Enhanced fan-out through the emulator's port: the Go SDK subscribes over
// HTTP/2 without TLS (h2c) and receives a record put after it subscribed.
func TestKinesisSubscribeToShard(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	arn := createDataStream(t, env, "fan", 1)
	reg, err := env.Kinesis.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer: %v", err)
	}
	next := shardEvents(t, h2KinesisClient(t, env, 0), &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN,
		ShardId: aws.String("shardId-000000000000"), StartingPosition: &ktypes.StartingPosition{Type: ktypes.ShardIteratorTypeLatest}})
	next() // the first event: nothing yet
	if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), Data: []byte("fanned"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) == 0 {
		for _, r := range next().Records {
			got = append(got, string(r.Data))
		}
	}
	if !slices.Equal(got, []string{"fanned"}) {
		t.Errorf("subscribed and received %q", got)
	}
}

// SubscribeToShard's call rules and its events while nothing is put,
// through the emulator's port on a fake clock: a second call within a
// second is refused with LimitExceededException, a second later with
// ResourceInUseException (AWS's text); an event without records comes 5
// seconds after the last.
func TestKinesisSubscribeToShardRateAndIdleEvents(t *testing.T) {
	clock := emulator.NewFakeClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	env := newEnv(t, emulator.Config{Clock: clock})
	ctx := context.Background()
	arn := createDataStream(t, env, "fan", 1)
	reg, err := env.Kinesis.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer: %v", err)
	}
	put, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), Data: []byte("d"), PartitionKey: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	client := h2KinesisClient(t, env, 1)
	in := &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &ktypes.StartingPosition{Type: ktypes.ShardIteratorTypeTrimHorizon}}
	next := shardEvents(t, client, in)
	if ev := next(); len(ev.Records) != 1 {
		t.Fatalf("first event: %+v", ev)
	}
	refused := func(code, msg string) {
		t.Helper()
		_, err := client.SubscribeToShard(ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
			t.Fatalf("a second SubscribeToShard: %v, want %s %q", err, code, msg)
		}
	}
	consumerARN := aws.ToString(reg.Consumer.ConsumerARN)
	refused("LimitExceededException", "Rate exceeded for consumer "+consumerARN+" and shard shardId-000000000000: one SubscribeToShard call per second.")
	clock.Advance(time.Second)
	refused("ResourceInUseException", "Another active subscription exists for this consumer: 000000000000:fan:shardId-000000000000:app")
	clock.Advance(4 * time.Second)
	if ev := next(); len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(put.SequenceNumber) ||
		aws.ToInt64(ev.MillisBehindLatest) != 0 {
		t.Fatalf("an event while nothing is put: %+v", ev)
	}
}

// A Python transform on a KinesisStreamAsSource stream gets AWS's event
// fields: sourceKinesisStreamArn, and each record's kinesisRecordMetadata
// (a KPL aggregate's sub-records with their own partition keys and their
// index as subsequenceNumber).
func TestKinesisSourceLambdaEvent(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createFunction(t, env, "meta", "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": "testdata/pykinesismeta/app.py"}), nil)
	arn := createDataStream(t, env, "withfn", 1)
	d := transformDest(fnARNPrefix+"meta", "0")
	d.Prefix = aws.String("fn/")
	if _, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("withfn"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: aws.String(roleARN)},
		ExtendedS3DestinationConfiguration: d,
	}); err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	plain, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("withfn"), Data: []byte("plain"), PartitionKey: aws.String("pk-plain")})
	if err != nil {
		t.Fatal(err)
	}
	agg, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("withfn"), Data: kplAggregate([]string{"pk-a", "pk-b"}, "sub0", "sub1"), PartitionKey: aws.String("pk-agg")})
	if err != nil {
		t.Fatal(err)
	}
	env.Flush(t, "withfn")
	got := linesUnder(t, env, "fn/")
	line := func(data, pk, seq string, sub int) string {
		return fmt.Sprintf(`{"arrivalIsInt": true, "data": %q, "partitionKey": %q, "sequenceNumber": %q, "shardId": "shardId-000000000000", "source": %q, "subsequenceNumber": %d}`,
			data, pk, seq, arn, sub)
	}
	want := []string{
		line("plain", "pk-plain", aws.ToString(plain.SequenceNumber), 0),
		line("sub0", "pk-a", aws.ToString(agg.SequenceNumber), 0),
		line("sub1", "pk-b", aws.ToString(agg.SequenceNumber), 1),
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the transform saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Enhanced fan-out in CBOR through the emulator's port with signatures
// checked: SubscribeToShard as the Java SDK v2 (KCL 2) sends it, over h2c,
// answered with CBOR event payloads: the record's data a byte string, its
// arrival tag 1 around epoch milliseconds.
func TestKinesisSubscribeToShardCBOR(t *testing.T) {
	env := newEnv(t, emulator.Config{Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	ctx := context.Background()
	arn := createDataStream(t, env, "kcl", 1)
	reg, err := env.Kinesis.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer: %v", err)
	}
	put, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("kcl"), Data: []byte{0, 0xfe, 'x'}, PartitionKey: aws.String("pk")})
	if err != nil {
		t.Fatal(err)
	}
	// The body as Jackson's CBOR generator writes it: indefinite-length maps.
	enc := func(v any) []byte { b, _ := cbor.Marshal(v); return b }
	body := []byte{0xbf}
	for _, kv := range [][2]any{{"ConsumerARN", aws.ToString(reg.Consumer.ConsumerARN)}, {"ShardId", "shardId-000000000000"}} {
		body = append(append(body, enc(kv[0])...), enc(kv[1])...)
	}
	body = append(append(body, enc("StartingPosition")...), 0xbf)
	body = append(append(append(body, enc("Type")...), enc("TRIM_HORIZON")...), 0xff, 0xff)

	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	subscribe := func(secret string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.SubscribeToShard")
		req.Header.Set("User-Agent", "aws-sdk-java/2.25.60 io/async http/NettyNio")
		req.Header.Set("amz-sdk-invocation-id", "0b6a3b5e-3f0c-4a5e-8d6e-1c2b3a4d5e6f")
		req.Header.Set("amz-sdk-request", "attempt=1; max=4")
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatalf("SubscribeToShard: %v", err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	if resp := subscribe("wrong"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Header.Get("X-Amzn-ErrorType"), "InvalidSignatureException") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("a wrong signature: %d %v %q", resp.StatusCode, resp.Header, b)
	}
	resp := subscribe("secret")
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Fatalf("SubscribeToShard: %d over HTTP/%d", resp.StatusCode, resp.ProtoMajor)
	}
	dec := eventstream.NewDecoder()
	var payloads [][]byte
	for _, want := range []string{"initial-response", "SubscribeToShardEvent"} {
		msg, err := dec.Decode(resp.Body, nil)
		if err != nil {
			t.Fatalf("reading the %s frame: %v", want, err)
		}
		if msg.Headers.Get(":event-type").String() != want || msg.Headers.Get(":content-type").String() != "application/x-amz-cbor-1.1" {
			t.Fatalf("frame %v, want %s in CBOR", msg.Headers, want)
		}
		payloads = append(payloads, msg.Payload)
	}
	var ev struct {
		Records []struct {
			SequenceNumber              string
			Data                        []byte
			PartitionKey                string
			ApproximateArrivalTimestamp cbor.RawTag
		}
		ContinuationSequenceNumber string
		MillisBehindLatest         int64
	}
	if err := cbor.Unmarshal(payloads[1], &ev); err != nil {
		t.Fatalf("SubscribeToShardEvent %x: %v", payloads[1], err)
	}
	if len(ev.Records) != 1 || ev.ContinuationSequenceNumber != aws.ToString(put.SequenceNumber) || ev.MillisBehindLatest != 0 {
		t.Fatalf("event %+v", ev)
	}
	r := ev.Records[0]
	var ms int64
	if err := cbor.Unmarshal(r.ApproximateArrivalTimestamp.Content, &ms); err != nil || r.ApproximateArrivalTimestamp.Number != 1 {
		t.Fatalf("ApproximateArrivalTimestamp %+v: %v", r.ApproximateArrivalTimestamp, err)
	}
	if !bytes.Equal(r.Data, []byte{0, 0xfe, 'x'}) || r.PartitionKey != "pk" || r.SequenceNumber != aws.ToString(put.SequenceNumber) ||
		time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		t.Fatalf("record %+v (arrival %d ms)", r, ms)
	}
}

// h2KinesisClient is a Kinesis client speaking HTTP/2 without TLS, as
// SubscribeToShard needs (attempts: its RetryMaxAttempts, 0 for the
// SDK's default).
func h2KinesisClient(t *testing.T, env *emulatortest.Env, attempts int) *kinesis.Client {
	t.Helper()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	cfg := env.AWS.Copy()
	cfg.HTTPClient = &http.Client{Transport: tr}
	if attempts > 0 {
		cfg.RetryMaxAttempts = attempts
	}
	return kinesis.NewFromConfig(cfg)
}

// shardEvents subscribes to a shard and returns a function that waits up to
// 10 s for the next event; the subscription ends with the test.
func shardEvents(t *testing.T, client *kinesis.Client, in *kinesis.SubscribeToShardInput) func() ktypes.SubscribeToShardEvent {
	t.Helper()
	sub, err := client.SubscribeToShard(context.Background(), in)
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	es := sub.GetStream()
	t.Cleanup(func() { es.Close() })
	return func() ktypes.SubscribeToShardEvent {
		t.Helper()
		select {
		case ev, ok := <-es.Events():
			if !ok {
				t.Fatalf("the event stream ended: %v", es.Err())
			}
			e, ok := ev.(*ktypes.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !ok {
				t.Fatalf("event %T", ev)
			}
			return e.Value
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10 s")
		}
		return ktypes.SubscribeToShardEvent{}
	}
}
