package kinesis_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
	"github.com/firehose-local/firehose-local/statestore"
)

// openState opens the state store of dir, closed at the end of the test
// or by the returned function, whichever comes first.
func openState(t *testing.T, dir string) (*statestore.Handle, func()) {
	t.Helper()
	db, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeDB := func() {
		if !closed {
			closed = true
			if err := db.Close(); err != nil {
				t.Errorf("closing the state store: %v", err)
			}
		}
	}
	t.Cleanup(closeDB)
	return db.Handle("kinesis"), closeDB
}

func TestEverythingSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	h, closeDB := openState(t, dir)
	e := newEnv(t, kinesis.Options{State: h})
	ctx := t.Context()
	name := aws.String("keep")
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(2), Tags: map[string]string{"team": "data"}}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "gone", 1)
	e.put(t, "gone", "k", "lost")
	if _, err := e.clientIn("eu-west-1").CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("west"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	// key lands in shard 0, which is not split below.
	key := "k"
	for i := 0; shardOfKey(key, 2) != "shardId-000000000000"; i++ {
		key = fmt.Sprint("k", i)
	}
	e.put(t, "keep", key, "trimmed")
	e.clock.Advance(25 * time.Hour)
	var seqs []string
	for _, d := range []string{"a", "b", "c"} {
		seqs = append(seqs, aws.ToString(e.put(t, "keep", key, d).SequenceNumber)) // the first trims "trimmed"
	}
	if _, err := e.client.IncreaseStreamRetentionPeriod(ctx, &awskinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.StartStreamEncryption(ctx, &awskinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("k1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String("shardId-000000000001"), NewStartingHashKey: aws.String("255211775190703847597530955573826158592")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/keep"), MaxRecordSizeInKiB: aws.Int32(3072)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: name, ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}}); err != nil {
		t.Fatal(err)
	}
	before, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	shard := e.put(t, "keep", key, "d").ShardId
	closeDB()

	h2, _ := openState(t, dir)
	e2 := newEnv(t, kinesis.Options{State: h2, Now: e.clock.Now})
	// The store holds a, b, c and d: retention dropped "trimmed", DeleteStream
	// "lost".
	n := 0
	if err := h2.View(func(b *statestore.Bucket) error {
		return b.Bucket([]byte("records")).ForEach(func(_, _ []byte) error { n++; return nil })
	}); err != nil || n != 4 {
		t.Fatalf("%d records in the store (%v), want 4", n, err)
	}
	after, err := e2.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	if m := after.StreamDescription.EnhancedMonitoring; len(m) != 1 || !slices.Equal(m[0].ShardLevelMetrics, []types.MetricsName{types.MetricsNameIncomingBytes}) {
		t.Fatalf("EnhancedMonitoring after reopen %+v", m)
	}
	if !reflect.DeepEqual(before.StreamDescription, after.StreamDescription) {
		t.Fatalf("description before %+v\nafter %+v", before.StreamDescription, after.StreamDescription)
	}
	if got := aws.ToInt32(e2.summary(t, "keep").MaxRecordSizeInKiB); got != 3072 {
		t.Fatalf("MaxRecordSizeInKiB %d after reopen, want 3072", got)
	}
	tags, err := e2.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: name})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "data" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	list, err := e2.client.ListStreams(ctx, &awskinesis.ListStreamsInput{})
	if err != nil || !slices.Equal(list.StreamNames, []string{"keep"}) {
		t.Fatalf("streams %v %v", list, err)
	}
	if list, err := e2.clientIn("eu-west-1").ListStreams(ctx, &awskinesis.ListStreamsInput{}); err != nil || !slices.Equal(list.StreamNames, []string{"west"}) {
		t.Fatalf("west streams %v %v", list, err)
	}
	got := e2.get(t, e2.iterator(t, "keep", aws.ToString(shard), types.ShardIteratorTypeTrimHorizon, ""), 0)
	if !slices.Equal(datas(got.Records), []string{"a", "b", "c", "d"}) || aws.ToString(got.Records[0].SequenceNumber) != seqs[0] ||
		got.Records[0].EncryptionType != "" || got.Records[3].EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("records after reopen %v %+v", datas(got.Records), got.Records)
	}
	// Sequence numbers go on increasing.
	if next := aws.ToString(e2.put(t, "keep", key, "e").SequenceNumber); next <= aws.ToString(got.Records[3].SequenceNumber) {
		t.Fatalf("sequence %s after %s", next, aws.ToString(got.Records[3].SequenceNumber))
	}
	// A stream of the same name as a deleted one starts empty.
	e2.create(t, "gone", 1)
	if got := e2.get(t, e2.iterator(t, "gone", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""), 0); len(got.Records) != 0 {
		t.Fatalf("the deleted stream's records came back: %v", datas(got.Records))
	}
}
