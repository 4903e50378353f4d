package integration_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// runKinesisLoad sends PutRecords calls of unique records to the data
// stream until ctx ends, and records what Kinesis acknowledged.
func runKinesisLoad(ctx context.Context, url, stream, tag string, workers int, seed uint64, acked *ackedSet) (calls, failed int) {
	cfg := emulatortest.Config(url, "us-east-1")
	cfg.RetryMaxAttempts = 1
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	k := kinesis.NewFromConfig(cfg)
	return loadUnique(ctx, tag, workers, seed, 20, 200, acked, func(ctx context.Context, ids []string, data [][]byte) ([]bool, error) {
		recs := make([]ktypes.PutRecordsRequestEntry, len(data))
		for i, d := range data {
			recs[i] = ktypes.PutRecordsRequestEntry{Data: d, PartitionKey: aws.String(ids[i])}
		}
		out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: recs})
		if err != nil {
			return nil, err
		}
		ok := make([]bool, len(ids))
		for i, e := range out.Records {
			ok[i] = aws.ToString(e.SequenceNumber) != "" && aws.ToString(e.ErrorCode) == ""
		}
		return ok, nil
	})
}

// SIGKILL while records are put to a data stream that a delivery stream
// reads: after a restart and a flush, every record Kinesis acknowledged is
// in S3 (the data stream keeps them; the delivery stream's checkpoints and
// write-ahead log carry what it had read), duplicates counted.
func TestCrashKinesisSourceLosesNothing(t *testing.T) {
	seed := crashSeed(t)
	t.Logf("seed %d (CRASH_SEED=%d go test -run %s to replay the same kill points)", seed, seed, t.Name())
	rng := rand.New(rand.NewPCG(seed, 2))
	dataDir := t.TempDir()
	acked := &ackedSet{ids: map[string]struct{}{}}
	args := []string{"--data-dir", dataDir, "--max-buffer-interval", "300ms"}
	start := time.Now()
	var logs strings.Builder
	const kills = 3
	for i := range kills {
		p := startBinary(t, nil, args...)
		if i == 0 {
			cfg := emulatortest.Config(p.url, "us-east-1")
			ctx := context.Background()
			if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
				t.Fatal(err)
			}
			if _, err := kinesis.NewFromConfig(cfg).CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("src"), ShardCount: aws.Int32(2)}); err != nil {
				t.Fatal(err)
			}
			dest := s3Dest()
			dest.BufferingHints = hints(1, 60)
			if _, err := firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("fromk"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
				KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
					KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String(roleARN)},
				ExtendedS3DestinationConfiguration: dest,
			}); err != nil {
				t.Fatal(err)
			}
		}
		loadSeed := rng.Uint64()
		kill, res := killUnderLoad(t, p, 500*time.Millisecond+time.Duration(rng.Int64N(int64(1500*time.Millisecond))), func(ctx context.Context) (int, int) {
			return runKinesisLoad(ctx, p.url, "src", "k"+strconv.Itoa(i), 2, loadSeed, acked)
		})
		t.Logf("run %d: SIGKILL after %v: %d PutRecords calls (%d failed)", i+1, kill.Round(time.Millisecond), res[0], res[1])
		logs.WriteString(p.stderr.String())
	}
	crashFinalCheck(t, dataDir, args, acked, kills, start, seed, logs.String())
}
