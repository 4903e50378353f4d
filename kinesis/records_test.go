package kinesis_test

import (
	"crypto/md5"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

// shardOfKey computes, as the test's own oracle, which of n evenly tiled
// shards the MD5 of key falls in.
func shardOfKey(key string, n int64) string {
	sum := md5.Sum([]byte(key))
	h := new(big.Int).SetBytes(sum[:])
	step := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(n))
	i := new(big.Int).Div(h, step).Int64()
	return fmt.Sprintf("shardId-%012d", min(i, n-1))
}

// TestPutRecordsRoutesEveryKeyByMD5 puts 500 records whose partition keys
// have every length from 1 to 256 (the vector MD5 takes keys of up to 55
// bytes, sixteen at a time; longer ones are hashed alone), in both
// encodings the fast path and the generic path read, and checks each
// record's shard against crypto/md5.
func TestPutRecordsRoutesEveryKeyByMD5(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 7)
	r := rand.New(rand.NewPCG(7, 7))
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		key := make([]byte, 1+i%256)
		for k := range key {
			key[k] = byte('!' + r.IntN(94)) // printable ASCII, as the fast path takes
		}
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(string(key)), Data: []byte{byte(i)}}
	}
	// Each shard keeps the records routed to it, in put order: the
	// SequenceNumber of the answer, the key and the data of the entry.
	type kept struct{ seq, key, data string }
	want := map[string][]kept{}
	check := func(out *awskinesis.PutRecordsOutput, err error) {
		t.Helper()
		if err != nil || len(out.Records) != len(entries) {
			t.Fatalf("PutRecords: %v, %v", out, err)
		}
		for i, rec := range out.Records {
			if want := shardOfKey(aws.ToString(entries[i].PartitionKey), 7); aws.ToString(rec.ShardId) != want {
				t.Fatalf("record %d (key of %d bytes) went to %s, want %s", i, len(aws.ToString(entries[i].PartitionKey)), aws.ToString(rec.ShardId), want)
			}
			want[aws.ToString(rec.ShardId)] = append(want[aws.ToString(rec.ShardId)], kept{aws.ToString(rec.SequenceNumber), aws.ToString(entries[i].PartitionKey), string(entries[i].Data)})
		}
	}
	check(e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries}))
	// A key with a JSON escape sends the body down the generic path.
	entries[0].PartitionKey = aws.String("tab\there")
	check(e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries}))
	if len(want) != 7 {
		t.Fatalf("the records reached %d shards of 7", len(want))
	}
	for shard, w := range want {
		out := e.get(t, e.iterator(t, "s", shard, types.ShardIteratorTypeTrimHorizon, ""), 0)
		var got []kept
		for _, r := range out.Records {
			got = append(got, kept{aws.ToString(r.SequenceNumber), aws.ToString(r.PartitionKey), string(r.Data)})
		}
		if !slices.Equal(got, w) {
			t.Fatalf("%s holds %d records, want %d: %v, want %v", shard, len(got), len(w), got, w)
		}
	}
}

func TestRoutingByMD5AndExplicitHashKey(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 4)
	seen := map[string]bool{}
	for i := range 40 {
		key := fmt.Sprintf("key-%d", i)
		out := e.put(t, "s", key, "x")
		if want := shardOfKey(key, 4); aws.ToString(out.ShardId) != want {
			t.Fatalf("%s went to %s, want %s", key, aws.ToString(out.ShardId), want)
		}
		seen[aws.ToString(out.ShardId)] = true
	}
	if len(seen) != 4 {
		t.Fatalf("40 keys reached %d shards", len(seen))
	}
	// ExplicitHashKey wins over the partition key.
	top := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1)).String()
	out, err := e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("key-0"), ExplicitHashKey: aws.String(top), Data: []byte("x")})
	if err != nil || aws.ToString(out.ShardId) != "shardId-000000000003" {
		t.Fatalf("explicit top: %v %v", out, err)
	}
	out, err = e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0"), Data: []byte("x")})
	if err != nil || aws.ToString(out.ShardId) != "shardId-000000000000" {
		t.Fatalf("explicit 0: %v %v", out, err)
	}
	_, err = e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("340282366920938463463374607431768211456"), Data: []byte("x")})
	wantErr(t, err, "InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456")
	_, err = e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("-1"), Data: []byte("x")})
	wantErrPrefix(t, err, "ValidationException", "1 validation error detected: Value '-1' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern")
	_, err = e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String("nope"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantErr(t, err, "ResourceNotFoundException", "Stream nope under account "+account+" not found.")
}

func TestPutRecordsAndSequenceNumbers(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 2)
	var entries []types.PutRecordsRequestEntry
	for i := range 20 {
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte(fmt.Sprint(i))})
	}
	out, err := e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != 20 {
		t.Fatalf("PutRecords %+v", out)
	}
	last := map[string]string{}
	for i, r := range out.Records {
		seq, sh := aws.ToString(r.SequenceNumber), aws.ToString(r.ShardId)
		if r.ErrorCode != nil || len(seq) != 56 || sh != shardOfKey(fmt.Sprint(i), 2) || seq <= last[sh] {
			t.Fatalf("entry %d: %+v (previous in shard %s)", i, r, last[sh])
		}
		last[sh] = seq
	}
	// Reading the shard gives its records in order of put.
	got := e.get(t, e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""), 0)
	var want []string
	for i, r := range out.Records {
		if aws.ToString(r.ShardId) == "shardId-000000000000" {
			want = append(want, fmt.Sprint(i))
		}
	}
	if !slices.Equal(datas(got.Records), want) {
		t.Fatalf("shard 0 holds %v, want %v", datas(got.Records), want)
	}
	// Records of up to 10 MiB need the stream's maximum raised.
	if _, err := e.client.CreateStream(t.Context(), &awskinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	huge := make([]byte, 5<<20)
	_, err = e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamName: aws.String("big"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: huge}, {PartitionKey: aws.String("b"), Data: huge},
	}})
	wantErr(t, err, "InvalidArgumentException", "The records of a PutRecords request may total at most 10485760 bytes, partition keys included; these total 10485762.")
	// The SDK checks required members itself: post.
	status, body := e.post(t, kinesis.TargetPrefix+"PutRecords", "application/x-amz-json-1.1", `{"StreamName":"s"}`)
	if status != 400 || body != `{"__type":"ValidationException","message":"1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null"}` {
		t.Fatalf("no records: %d %s", status, body)
	}
}

func TestIteratorTypes(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	const sh = "shardId-000000000000"
	var seqs []string
	for i := range 5 {
		seqs = append(seqs, aws.ToString(e.put(t, "s", "k", fmt.Sprint(i)).SequenceNumber))
		e.clock.Advance(time.Second)
	}
	latest := e.iterator(t, "s", sh, types.ShardIteratorTypeLatest, "")
	cases := []struct {
		typ  types.ShardIteratorType
		seq  string
		want []string
	}{
		{types.ShardIteratorTypeTrimHorizon, "", []string{"0", "1", "2", "3", "4"}},
		{types.ShardIteratorTypeAtSequenceNumber, seqs[2], []string{"2", "3", "4"}},
		{types.ShardIteratorTypeAfterSequenceNumber, seqs[2], []string{"3", "4"}},
		{types.ShardIteratorTypeLatest, "", nil},
	}
	for _, c := range cases {
		got := e.get(t, e.iterator(t, "s", sh, c.typ, c.seq), 0)
		if !slices.Equal(datas(got.Records), c.want) || got.NextShardIterator == nil {
			t.Errorf("%s: %v, want %v", c.typ, datas(got.Records), c.want)
		}
	}
	at, err := e.client.GetShardIterator(t.Context(), &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(sh),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(t0.Add(3 * time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, aws.ToString(at.ShardIterator), 0); !slices.Equal(datas(got.Records), []string{"3", "4"}) {
		t.Errorf("AT_TIMESTAMP: %v", datas(got.Records))
	}
	// LATEST sees what comes after it, and the next iterator goes on.
	e.put(t, "s", "k", "5")
	got := e.get(t, latest, 0)
	if !slices.Equal(datas(got.Records), []string{"5"}) || aws.ToString(got.Records[0].PartitionKey) != "k" ||
		!got.Records[0].ApproximateArrivalTimestamp.Equal(t0.Add(5*time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("LATEST: %+v", got.Records)
	}
	e.put(t, "s", "k", "6")
	if got := e.get(t, aws.ToString(got.NextShardIterator), 0); !slices.Equal(datas(got.Records), []string{"6"}) {
		t.Fatalf("next: %v", datas(got.Records))
	}

	// Errors.
	ctx := t.Context()
	_, err = e.client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(sh), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber})
	wantErr(t, err, "InvalidArgumentException", "ShardIteratorType AT_SEQUENCE_NUMBER needs a StartingSequenceNumber.")
	_, err = e.client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000009"), ShardIteratorType: types.ShardIteratorTypeLatest})
	wantErr(t, err, "ResourceNotFoundException", "Shard shardId-000000000009 in stream s under account "+account+" does not exist")
	bad := strings.Replace(seqs[0], "49000000000000", "49000000000001", 1)
	_, err = e.client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(sh), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(bad)})
	wantErr(t, err, "InvalidArgumentException", "StartingSequenceNumber "+bad+" used in GetShardIterator on shard "+sh+" in stream s under account "+account+" is invalid.")
	_, err = e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(latest), StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/other")})
	wantErr(t, err, "InvalidArgumentException", "StreamARN arn:aws:kinesis:us-east-1:"+account+":stream/other is not the stream of the ShardIterator (arn:aws:kinesis:us-east-1:"+account+":stream/s).")
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(latest), StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String("garbage!")})
	wantErr(t, err, "InvalidArgumentException", "Invalid ShardIterator.")
}

func TestIteratorExpiresAfterFiveMinutes(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	it := e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	e.clock.Advance(5 * time.Minute)
	got := e.get(t, it, 0) // exactly 5 minutes old: still good
	e.clock.Advance(time.Millisecond)
	_, err := e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	wantErr(t, err, "ExpiredIteratorException", "Iterator expired. The iterator was created at time Sat Mar 14 15:09:26 UTC 2026 while right now it is Sat Mar 14 15:14:26 UTC 2026 which is further in the future than the tolerated delay of 300000 milliseconds.")
	// The next iterator is new.
	e.get(t, aws.ToString(got.NextShardIterator), 0)
	// An iterator of a deleted and created again stream finds no stream.
	if _, err := e.client.DeleteStream(t.Context(), &awskinesis.DeleteStreamInput{StreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "s", 1)
	_, err = e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: got.NextShardIterator})
	wantErr(t, err, "ResourceNotFoundException", "Stream s under account "+account+" not found.")
}

func TestGetRecordsLimitsAndMillisBehind(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	const sh = "shardId-000000000000"
	for i := range 3 {
		e.put(t, "s", "k", fmt.Sprint(i))
		e.clock.Advance(10 * time.Second)
	}
	// Now is 30 s after the first put.
	got := e.get(t, e.iterator(t, "s", sh, types.ShardIteratorTypeTrimHorizon, ""), 2)
	if !slices.Equal(datas(got.Records), []string{"0", "1"}) || aws.ToInt64(got.MillisBehindLatest) != 20_000 {
		t.Fatalf("page 1: %v behind %d", datas(got.Records), aws.ToInt64(got.MillisBehindLatest))
	}
	got = e.get(t, aws.ToString(got.NextShardIterator), 2)
	if !slices.Equal(datas(got.Records), []string{"2"}) || aws.ToInt64(got.MillisBehindLatest) != 0 {
		t.Fatalf("page 2: %v behind %d", datas(got.Records), aws.ToInt64(got.MillisBehindLatest))
	}
	_, err := e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: got.NextShardIterator, Limit: aws.Int32(10_001)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000")

	// At most 10 MiB of data per call (records over 1 MiB need the stream's
	// maximum record size raised).
	if _, err := e.client.UpdateMaxRecordSize(t.Context(), &awskinesis.UpdateMaxRecordSizeInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s"), MaxRecordSizeInKiB: aws.Int32(4096)}); err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("x", 4<<20)
	for range 3 {
		e.put(t, "s", "b", huge)
	}
	got = e.get(t, aws.ToString(got.NextShardIterator), 0)
	if len(got.Records) != 2 || aws.ToInt64(got.MillisBehindLatest) != 0 {
		t.Fatalf("10 MiB: %d records behind %d", len(got.Records), aws.ToInt64(got.MillisBehindLatest))
	}
	if got = e.get(t, aws.ToString(got.NextShardIterator), 0); len(got.Records) != 1 {
		t.Fatalf("the rest: %d records", len(got.Records))
	}
}

func TestRetentionTrimsRecords(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	const sh = "shardId-000000000000"
	e.put(t, "s", "k", "old")
	e.clock.Advance(2 * time.Hour)
	e.put(t, "s", "k", "new")
	e.clock.Advance(22*time.Hour + time.Millisecond) // "old" is 24 h and 1 ms old
	got := e.get(t, e.iterator(t, "s", sh, types.ShardIteratorTypeTrimHorizon, ""), 0)
	if !slices.Equal(datas(got.Records), []string{"new"}) {
		t.Fatalf("after 24 h: %v", datas(got.Records))
	}
	e.put(t, "s", "k", "newer") // trims the shard in the store too
	e.clock.Advance(2 * time.Hour)
	got = e.get(t, e.iterator(t, "s", sh, types.ShardIteratorTypeTrimHorizon, ""), 0)
	if !slices.Equal(datas(got.Records), []string{"newer"}) {
		t.Fatalf("after 26 h: %v", datas(got.Records))
	}
}
