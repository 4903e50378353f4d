package kinesis_test

import (
	"math/big"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

func TestUpdateShardCountTilesEvenly(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	name := aws.String("s")
	e.create(t, "s", 2)
	e.put(t, "s", "k", "kept")
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	current := int32(2)
	for _, target := range []int32{4, 3, 6, 5, 3} {
		out, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(target), ScalingType: types.ScalingTypeUniformScaling})
		if err != nil {
			t.Fatalf("%d to %d: %v", current, target, err)
		}
		if aws.ToInt32(out.CurrentShardCount) != current || aws.ToInt32(out.TargetShardCount) != target || aws.ToString(out.StreamName) != "s" {
			t.Fatalf("answer %+v", out)
		}
		current = target
		list, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: name})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]types.Shard{}
		step := new(big.Int).Div(space, big.NewInt(int64(target)))
		var open []types.Shard
		for _, sh := range list.Shards {
			byID[aws.ToString(sh.ShardId)] = sh
			if p := aws.ToString(sh.ParentShardId); p != "" && byID[p].SequenceNumberRange.EndingSequenceNumber == nil {
				t.Fatalf("%s's parent %s is open", aws.ToString(sh.ShardId), p)
			}
			if sh.SequenceNumberRange.EndingSequenceNumber == nil {
				open = append(open, sh)
			}
		}
		if len(open) != int(target) {
			t.Fatalf("%d open shards, want %d", len(open), target)
		}
		for _, sh := range open {
			start, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
			if new(big.Int).Mod(start, step).Sign() != 0 {
				t.Fatalf("open shard %s starts at %s, not a multiple of 2^128/%d", aws.ToString(sh.ShardId), start, target)
			}
		}
	}
	_, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(7), ScalingType: types.ScalingTypeUniformScaling})
	wantErr(t, err, "InvalidArgumentException", "TargetShardCount 7 of stream s under account "+account+" must be at most double and at least half the open shard count 3.")
	// The record put before stays in its (closed) shard.
	got := e.get(t, e.iterator(t, "s", shardOfKey("k", 2), types.ShardIteratorTypeTrimHorizon, ""), 0)
	if len(got.Records) != 1 || got.NextShardIterator != nil || len(got.ChildShards) == 0 {
		t.Fatalf("the first shard: %+v", got)
	}
}
