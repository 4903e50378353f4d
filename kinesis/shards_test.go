package kinesis_test

import (
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

func shardIDs(shards []types.Shard) []string {
	var ids []string
	for _, s := range shards {
		ids = append(ids, aws.ToString(s.ShardId))
	}
	return ids
}

func (e *env) listShards(t *testing.T, in *awskinesis.ListShardsInput) []string {
	t.Helper()
	out, err := e.client.ListShards(t.Context(), in)
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	return shardIDs(out.Shards)
}

func TestSplitAndMerge(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	name := aws.String("s")
	e.create(t, "s", 2)
	half := new(big.Int).Lsh(big.NewInt(1), 127)
	quarter := new(big.Int).Lsh(big.NewInt(1), 126)
	// A record in shard 0 (hash key 0) before the split.
	before, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("a"), ExplicitHashKey: aws.String("0"), Data: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	reader := e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	e.clock.Advance(time.Second)
	if _, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter.String())}); err != nil {
		t.Fatal(err)
	}
	d, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	sh := d.StreamDescription.Shards
	if !slices.Equal(shardIDs(sh), []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"}) {
		t.Fatalf("shards %v", shardIDs(sh))
	}
	if sh[0].SequenceNumberRange.EndingSequenceNumber == nil || aws.ToString(sh[0].SequenceNumberRange.EndingSequenceNumber) != aws.ToString(before.SequenceNumber) {
		t.Fatalf("the parent's range %+v, last record %s", sh[0].SequenceNumberRange, aws.ToString(before.SequenceNumber))
	}
	for i, want := range []struct{ start, end string }{{"0", new(big.Int).Sub(quarter, big.NewInt(1)).String()}, {quarter.String(), new(big.Int).Sub(half, big.NewInt(1)).String()}} {
		c := sh[2+i]
		if aws.ToString(c.ParentShardId) != "shardId-000000000000" || c.AdjacentParentShardId != nil ||
			aws.ToString(c.HashKeyRange.StartingHashKey) != want.start || aws.ToString(c.HashKeyRange.EndingHashKey) != want.end {
			t.Fatalf("child %d: %+v %+v", i, c, c.HashKeyRange)
		}
	}
	// A record with hash key 0 now goes to the first child.
	after, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("a"), ExplicitHashKey: aws.String("0"), Data: []byte("after")})
	if err != nil || aws.ToString(after.ShardId) != "shardId-000000000002" {
		t.Fatalf("after the split: %v %v", after, err)
	}
	// Reading the parent: its last record comes with no next iterator and
	// the children.
	got := e.get(t, reader, 0)
	if !slices.Equal(datas(got.Records), []string{"before"}) || got.NextShardIterator != nil || len(got.ChildShards) != 2 ||
		aws.ToString(got.ChildShards[0].ShardId) != "shardId-000000000002" || !slices.Equal(got.ChildShards[1].ParentShards, []string{"shardId-000000000000"}) {
		t.Fatalf("parent: %v %+v", datas(got.Records), got)
	}
	got = e.get(t, e.iterator(t, "s", aws.ToString(got.ChildShards[0].ShardId), types.ShardIteratorTypeTrimHorizon, ""), 0)
	if !slices.Equal(datas(got.Records), []string{"after"}) {
		t.Fatalf("child: %v", datas(got.Records))
	}
	// LATEST on a closed shard is at its end.
	if got := e.get(t, e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeLatest, ""), 0); got.NextShardIterator != nil || len(got.ChildShards) != 2 {
		t.Fatalf("LATEST on the closed parent: %+v", got)
	}

	// Each edge of the open shards' ranges goes to the shard that holds it
	// (the open shards by hash key: 2, 3, 1; after the merge, 2 and 4).
	last := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	routes := func(want map[*big.Int]string) {
		t.Helper()
		for key, shard := range want {
			out, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("a"), ExplicitHashKey: aws.String(key.String()), Data: []byte("edge")})
			if err != nil || aws.ToString(out.ShardId) != shard {
				t.Fatalf("hash key %s: %v %v, want %s", key, out, err, shard)
			}
		}
	}
	routes(map[*big.Int]string{new(big.Int).Sub(quarter, big.NewInt(1)): "shardId-000000000002", quarter: "shardId-000000000003",
		new(big.Int).Sub(half, big.NewInt(1)): "shardId-000000000003", half: "shardId-000000000001", last: "shardId-000000000001"})

	_, err = e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("5")})
	wantErr(t, err, "InvalidArgumentException", "Shard shardId-000000000000 in stream s under account "+account+" has already been merged or split, and thus is not eligible for merging or splitting.")
	_, err = e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String("shardId-000000000002"), NewStartingHashKey: aws.String("0")})
	wantErr(t, err, "InvalidArgumentException", "NewStartingHashKey 0 used in SplitShard() on shard shardId-000000000002 in stream s under account "+account+
		" is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey "+new(big.Int).Sub(quarter, big.NewInt(1)).String()+".")
	_, err = e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String("shardId-000000000042"), NewStartingHashKey: aws.String("5")})
	wantErr(t, err, "ResourceNotFoundException", "Shard shardId-000000000042 in stream s under account "+account+" does not exist")
	_, err = e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: name, ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000001")})
	wantErr(t, err, "InvalidArgumentException", "Shards shardId-000000000002 and shardId-000000000001 in stream s under account "+account+" are not adjacent.")

	// Merge the second child with shard 1: one child over both.
	if _, err := e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: name, ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	m := out.Shards[4]
	if aws.ToString(m.ShardId) != "shardId-000000000004" || aws.ToString(m.ParentShardId) != "shardId-000000000003" || aws.ToString(m.AdjacentParentShardId) != "shardId-000000000001" ||
		aws.ToString(m.HashKeyRange.StartingHashKey) != quarter.String() || aws.ToString(m.HashKeyRange.EndingHashKey) != "340282366920938463463374607431768211455" {
		t.Fatalf("merged %+v %+v", m, m.HashKeyRange)
	}
	routes(map[*big.Int]string{new(big.Int).Sub(quarter, big.NewInt(1)): "shardId-000000000002", quarter: "shardId-000000000004", last: "shardId-000000000004"})
	s, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: name})
	if err != nil || aws.ToInt32(s.StreamDescriptionSummary.OpenShardCount) != 2 {
		t.Fatalf("open shards %v %v", s, err)
	}
	// Shard filters.
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}}); !slices.Equal(got, []string{"shardId-000000000002", "shardId-000000000004"}) {
		t.Fatalf("AT_LATEST %v", got)
	}
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}}); !slices.Equal(got, []string{"shardId-000000000000", "shardId-000000000001"}) {
		t.Fatalf("AT_TRIM_HORIZON %v", got)
	}
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}}); len(got) != 5 {
		t.Fatalf("FROM_TRIM_HORIZON %v", got)
	}
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(t0)}}); !slices.Equal(got, []string{"shardId-000000000000", "shardId-000000000001"}) {
		t.Fatalf("AT_TIMESTAMP %v", got)
	}
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000002")}}); !slices.Equal(got, []string{"shardId-000000000003", "shardId-000000000004"}) {
		t.Fatalf("AFTER_SHARD_ID %v", got)
	}
	_, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId}})
	wantErr(t, err, "InvalidArgumentException", "ShardFilter of type AFTER_SHARD_ID needs a ShardId.")
}

func TestListShardsPages(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 5)
	var ids []string
	out, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s"), MaxResults: aws.Int32(2)})
	for {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, shardIDs(out.Shards)...)
		if out.NextToken == nil {
			break
		}
		out, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{NextToken: out.NextToken})
	}
	if len(ids) != 5 || ids[4] != "shardId-000000000004" {
		t.Fatalf("ids %v", ids)
	}
	if got := e.listShards(t, &awskinesis.ListShardsInput{StreamName: aws.String("s"), ExclusiveStartShardId: aws.String("shardId-000000000003")}); !slices.Equal(got, []string{"shardId-000000000004"}) {
		t.Fatalf("after 3: %v", got)
	}
	_, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("s"), NextToken: aws.String("abc")})
	wantErr(t, err, "InvalidArgumentException", "NextToken and StreamName or StreamARN cannot be given together.")
	_, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{NextToken: aws.String("abc")})
	wantErr(t, err, "InvalidArgumentException", "The NextToken is not valid.")
	_, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("none")})
	wantErr(t, err, "ResourceNotFoundException", "Stream none under account "+account+" not found.")
}
