package kinesis_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

// summary is DescribeStreamSummary of a stream, which must exist.
func (e *env) summary(t *testing.T, name string) *types.StreamDescriptionSummary {
	t.Helper()
	out, err := e.client.DescribeStreamSummary(t.Context(), &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeStreamSummary %s: %v", name, err)
	}
	return out.StreamDescriptionSummary
}

// A stream takes records of up to 1 MiB of data unless its maximum record
// size was raised, as on AWS since records of up to 10 MiB came: over it,
// PutRecord and PutRecords answer the ValidationException AWS answered the
// KPL (awslabs/amazon-kinesis-producer#680), and nothing of the call is put.
func TestMaxRecordSize(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	if got := aws.ToInt32(e.summary(t, "s").MaxRecordSizeInKiB); got != 1024 {
		t.Fatalf("MaxRecordSizeInKiB %d, want the default 1024", got)
	}
	const mib = 1 << 20
	data := func(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }
	put := func(n int) error {
		_, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: data(n, 'a')})
		return err
	}
	if err := put(mib); err != nil {
		t.Fatalf("a record of 1 MiB: %v", err)
	}
	wantErr(t, put(mib+1), "ValidationException",
		"1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
	_, err := e.client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: data(10, 'b')},
		{PartitionKey: aws.String("b"), Data: data(mib+1, 'c')},
		{PartitionKey: aws.String("c"), Data: data(mib, 'd')},
		{PartitionKey: aws.String("d"), Data: data(2*mib, 'e')},
	}})
	wantErr(t, err, "ValidationException",
		"2 validation errors detected: Value at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576; "+
			"Value at 'records.4.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
	got := e.get(t, e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""), 0)
	if len(got.Records) != 1 || len(got.Records[0].Data) != mib {
		t.Fatalf("the shard holds %d records, want only the first 1 MiB one (nothing of the refused calls)", len(got.Records))
	}

	// UpdateMaxRecordSize, by ARN as its input has it, raises the limit.
	arn := aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s")
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(e.summary(t, "s").MaxRecordSizeInKiB); got != 2048 {
		t.Fatalf("MaxRecordSizeInKiB %d after UpdateMaxRecordSize, want 2048", got)
	}
	if err := put(mib + 1); err != nil {
		t.Fatalf("1 MiB and a byte under a 2 MiB limit: %v", err)
	}
	wantErr(t, put(2*mib+1), "ValidationException",
		"1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 2097152")
	// The model's range, 1,024 to 10,240 KiB.
	_, err = e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(1023)})
	wantErr(t, err, "ValidationException",
		"1 validation error detected: Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024")
	_, err = e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/nope"), MaxRecordSizeInKiB: aws.Int32(2048)})
	wantErr(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
	// The stream is named by its ARN only: the input has no StreamName.
	status, body := e.post(t, kinesis.TargetPrefix+"UpdateMaxRecordSize", "application/x-amz-json-1.1", `{"StreamName":"s","MaxRecordSizeInKiB":4096}`)
	if status != 400 || body != `{"__type":"InvalidArgumentException","message":"UpdateMaxRecordSize needs a StreamARN."}` {
		t.Fatalf("UpdateMaxRecordSize by StreamName: %d %s", status, body)
	}

	// CreateStream sets it too.
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(e.summary(t, "big").MaxRecordSizeInKiB); got != 10240 {
		t.Fatalf("MaxRecordSizeInKiB %d, want 10240 as created", got)
	}
	if _, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: data(3*mib, 'f')}); err != nil {
		t.Fatalf("3 MiB under a 10 MiB limit: %v", err)
	}
}

// ConsumerCount counts the stream's registered consumers.
func TestSummaryCountsConsumers(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	if got := aws.ToInt32(e.summary(t, "s").ConsumerCount); got != 0 {
		t.Fatalf("ConsumerCount %d, want 0", got)
	}
	arn := aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s")
	for _, name := range []string{"c1", "c2"} {
		if _, err := e.client.RegisterStreamConsumer(t.Context(), &awskinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := aws.ToInt32(e.summary(t, "s").ConsumerCount); got != 2 {
		t.Fatalf("ConsumerCount %d, want 2", got)
	}
	if _, err := e.client.DeregisterStreamConsumer(t.Context(), &awskinesis.DeregisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("c1")}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(e.summary(t, "s").ConsumerCount); got != 1 {
		t.Fatalf("ConsumerCount %d after a deregistration, want 1", got)
	}
}

// UpdateStreamMode switches the mode, keeps the shards, and allows two
// switches in 24 hours.
func TestUpdateStreamMode(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 2)
	arn := aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/s")
	setMode := func(m types.StreamMode) error {
		_, err := e.client.UpdateStreamMode(ctx, &awskinesis.UpdateStreamModeInput{StreamARN: arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: m}})
		return err
	}
	if err := setMode(types.StreamModeOnDemand); err != nil {
		t.Fatal(err)
	}
	sum := e.summary(t, "s")
	if sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand || aws.ToInt32(sum.OpenShardCount) != 2 {
		t.Fatalf("after the switch: mode %s, %d open shards; want ON_DEMAND with the 2 shards kept", sum.StreamModeDetails.StreamMode, aws.ToInt32(sum.OpenShardCount))
	}
	_, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	wantErr(t, err, "InvalidArgumentException", "UpdateShardCount is not allowed for stream s in ON_DEMAND mode.")
	// The mode it has: nothing changes, nothing is counted.
	if err := setMode(types.StreamModeOnDemand); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := setMode(types.StreamModeProvisioned); err != nil {
		t.Fatal(err)
	}
	if got := e.summary(t, "s").StreamModeDetails.StreamMode; got != types.StreamModeProvisioned {
		t.Fatalf("mode %s, want PROVISIONED", got)
	}
	e.clock.Advance(22 * time.Hour) // 23 hours after the first switch
	wantErr(t, setMode(types.StreamModeOnDemand), "LimitExceededException",
		"The capacity mode of stream s under account 000000000000 can be switched at most 2 times in 24 hours.")
	// 24 hours after the first switch, one more is allowed; the next is not.
	e.clock.Advance(time.Hour)
	if err := setMode(types.StreamModeOnDemand); err != nil {
		t.Fatalf("24 hours after the first switch: %v", err)
	}
	wantErr(t, setMode(types.StreamModeProvisioned), "LimitExceededException",
		"The capacity mode of stream s under account 000000000000 can be switched at most 2 times in 24 hours.")
	_, err = e.client.UpdateStreamMode(ctx, &awskinesis.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/nope"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantErr(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
}
