package kinesis_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

// DescribeLimits answers the account's quotas in the region and what is
// used of them, and the quotas are kept: past the shard quota, CreateStream,
// SplitShard and UpdateShardCount get AWS's LimitExceededException; past
// 50 ON_DEMAND streams, CreateStream and UpdateStreamMode do.
func TestAccountLimits(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	limits := func(c *awskinesis.Client) *awskinesis.DescribeLimitsOutput {
		t.Helper()
		out, err := c.DescribeLimits(ctx, &awskinesis.DescribeLimitsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	e.create(t, "p", 2)
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	got := limits(e.client)
	if aws.ToInt32(got.ShardLimit) != 20000 || aws.ToInt32(got.OpenShardCount) != 6 || aws.ToInt32(got.OnDemandStreamCount) != 1 || aws.ToInt32(got.OnDemandStreamCountLimit) != 50 {
		t.Fatalf("us-east-1 limits %+v", got)
	}

	// Another region: its own quota and usage.
	west := e.clientIn("eu-central-1")
	if got := limits(west); aws.ToInt32(got.ShardLimit) != 6000 || aws.ToInt32(got.OpenShardCount) != 0 || aws.ToInt32(got.OnDemandStreamCount) != 0 {
		t.Fatalf("eu-central-1 limits %+v", got)
	}
	if _, err := west.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(5999)}); err != nil {
		t.Fatal(err)
	}
	_, err := west.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("more"), ShardCount: aws.Int32(2)})
	wantErr(t, err, "LimitExceededException", "This request would exceed the shard limit for the account "+account+
		" in eu-central-1. Current shard count for the account: 5999. Limit: 6000. Number of additional shards that would have resulted from this request: 2.")
	if _, err := west.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("big"), ShardToSplit: aws.String("shardId-000000000000"),
		NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatalf("SplitShard to the quota: %v", err)
	}
	_, err = west.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("big"), ShardToSplit: aws.String("shardId-000000000001"),
		NewStartingHashKey: aws.String("56723181683770372305946759031801001")})
	wantErr(t, err, "LimitExceededException", "This request would exceed the shard limit for the account "+account+
		" in eu-central-1. Current shard count for the account: 6000. Limit: 6000. Number of additional shards that would have resulted from this request: 1.")
	if _, err := west.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("small"), ShardCount: aws.Int32(1)}); err == nil {
		t.Fatal("CreateStream past the quota was taken")
	}
	if _, err := west.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	if _, err := west.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("small"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatalf("after the big stream went: %v", err)
	}
	_, err = west.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: aws.String("small"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil {
		t.Fatal(err)
	}

	// 50 ON_DEMAND streams a region.
	for i := range 49 {
		if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprint("od", i)), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
			t.Fatalf("ON_DEMAND stream %d: %v", i+2, err)
		}
	}
	_, err = e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("od-51"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantErr(t, err, "LimitExceededException", "This request would exceed the limit of 50 data streams in ON_DEMAND mode for the account "+account+" in us-east-1.")
	_, err = e.client.UpdateStreamMode(ctx, &awskinesis.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/p"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantErr(t, err, "LimitExceededException", "This request would exceed the limit of 50 data streams in ON_DEMAND mode for the account "+account+" in us-east-1.")
	if got := limits(e.client); aws.ToInt32(got.OnDemandStreamCount) != 50 || aws.ToInt32(got.OpenShardCount) != 2+50*4 {
		t.Fatalf("us-east-1 limits with 50 ON_DEMAND streams %+v", got)
	}
}
