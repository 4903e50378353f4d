package kinesis_test

import (
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

func TestCreateDescribeAndTiling(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	for _, n := range []int32{1, 3, 7} {
		name := "tiles" + string(rune('0'+n))
		e.create(t, name, n)
		out, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		d := out.StreamDescription
		if d.StreamStatus != types.StreamStatusActive || aws.ToString(d.StreamARN) != "arn:aws:kinesis:us-east-1:"+account+":stream/"+name ||
			aws.ToInt32(d.RetentionPeriodHours) != 24 || !d.StreamCreationTimestamp.Equal(t0.Truncate(1e6)) ||
			d.StreamModeDetails.StreamMode != types.StreamModeProvisioned || d.EncryptionType != types.EncryptionTypeNone || aws.ToBool(d.HasMoreShards) {
			t.Fatalf("description %+v", d)
		}
		if len(d.Shards) != int(n) {
			t.Fatalf("%d shards, want %d", len(d.Shards), n)
		}
		// The shards tile 0..2^128−1: shard i starts at floor(2^128/n)·i.
		space := new(big.Int).Lsh(big.NewInt(1), 128)
		step := new(big.Int).Div(space, big.NewInt(int64(n)))
		next := big.NewInt(0)
		for i, sh := range d.Shards {
			if want := "shardId-00000000000" + string(rune('0'+i)); aws.ToString(sh.ShardId) != want {
				t.Fatalf("shard %d id %s", i, aws.ToString(sh.ShardId))
			}
			start, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
			end, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
			if start.Cmp(next) != 0 || start.Cmp(new(big.Int).Mul(step, big.NewInt(int64(i)))) != 0 {
				t.Fatalf("shard %d starts at %s, want %s", i, start, next)
			}
			next = new(big.Int).Add(end, big.NewInt(1))
			if seq := aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber); len(seq) != 56 || sh.SequenceNumberRange.EndingSequenceNumber != nil {
				t.Fatalf("sequence range %q %v", seq, sh.SequenceNumberRange.EndingSequenceNumber)
			}
		}
		if next.Cmp(space) != 0 {
			t.Fatalf("the last shard ends at %s, want 2^128-1", new(big.Int).Sub(next, big.NewInt(1)))
		}
	}
}

func TestOnDemandHasFourShards(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	_, err := e.client.CreateStream(t.Context(), &awskinesis.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.DescribeStreamSummary(t.Context(), &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("od")})
	if err != nil {
		t.Fatal(err)
	}
	s := out.StreamDescriptionSummary
	if aws.ToInt32(s.OpenShardCount) != 4 || s.StreamModeDetails.StreamMode != types.StreamModeOnDemand || s.StreamStatus != types.StreamStatusActive {
		t.Fatalf("summary %+v", s)
	}
}

func TestDescribeStreamPagesShards(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 5)
	var ids []string
	var after *string
	for {
		out, err := e.client.DescribeStream(t.Context(), &awskinesis.DescribeStreamInput{StreamName: aws.String("s"), Limit: aws.Int32(2), ExclusiveStartShardId: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range out.StreamDescription.Shards {
			ids = append(ids, aws.ToString(sh.ShardId))
		}
		if !aws.ToBool(out.StreamDescription.HasMoreShards) {
			break
		}
		after = out.StreamDescription.Shards[len(out.StreamDescription.Shards)-1].ShardId
	}
	if len(ids) != 5 || ids[4] != "shardId-000000000004" {
		t.Fatalf("ids %v", ids)
	}
}

func TestListStreamsPages(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	for _, n := range []string{"c", "a", "b"} {
		e.create(t, n, 1)
	}
	if _, err := e.clientIn("eu-west-1").CreateStream(t.Context(), &awskinesis.CreateStreamInput{StreamName: aws.String("west"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ListStreams(t.Context(), &awskinesis.ListStreamsInput{Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, []string{"a", "b"}) || !aws.ToBool(out.HasMoreStreams) || out.NextToken == nil ||
		len(out.StreamSummaries) != 2 || aws.ToString(out.StreamSummaries[1].StreamARN) != "arn:aws:kinesis:us-east-1:"+account+":stream/b" {
		t.Fatalf("page 1 %+v", out)
	}
	out, err = e.client.ListStreams(t.Context(), &awskinesis.ListStreamsInput{NextToken: out.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, []string{"c"}) || aws.ToBool(out.HasMoreStreams) || out.NextToken != nil {
		t.Fatalf("page 2 %+v", out)
	}
	out, err = e.client.ListStreams(t.Context(), &awskinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("a")})
	if err != nil || !slices.Equal(out.StreamNames, []string{"b", "c"}) {
		t.Fatalf("after a: %v %v", out, err)
	}
	_, err = e.client.ListStreams(t.Context(), &awskinesis.ListStreamsInput{NextToken: aws.String("!!")})
	wantErr(t, err, "InvalidArgumentException", "The NextToken is not valid.")
}

func TestStreamErrorsAndARNAddressing(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	_, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)})
	wantErr(t, err, "ResourceInUseException", "Stream s under account "+account+" already exists.")
	_, err = e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Stream nope under account "+account+" not found.")
	arn := "arn:aws:kinesis:us-east-1:" + account + ":stream/s"
	out, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)})
	if err != nil || aws.ToString(out.StreamDescriptionSummary.StreamName) != "s" {
		t.Fatalf("by ARN: %v %v", out, err)
	}
	// Another region's ARN names no stream here.
	_, err = e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-1:" + account + ":stream/s")})
	wantErr(t, err, "ResourceNotFoundException", "Stream s under account "+account+" not found.")
	_, err = e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("bad name")})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	_, err = e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("x"), ShardCount: aws.Int32(0)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("x"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}})
	wantErr(t, err, "InvalidArgumentException", "ShardCount is required for a stream in PROVISIONED mode.")
	_, err = e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("x"), ShardCount: aws.Int32(10_001)})
	wantErr(t, err, "LimitExceededException", "firehose-local allows at most 10000 shards per stream; ShardCount was 10001.")
	_, err = e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{})
	wantErr(t, err, "InvalidArgumentException", "Either StreamName or StreamARN must be given.")
	// The SDK sends a StreamId to an endpoint of its own: post it.
	status, body := e.post(t, kinesis.TargetPrefix+"DescribeStream", "application/x-amz-json-1.1", `{"StreamName":"s","StreamId":"abcdefghij0123456789-abc"}`)
	if status != http.StatusBadRequest || body != `{"__type":"InvalidArgumentException","message":"firehose-local does not support StreamId in DescribeStream yet."}` {
		t.Fatalf("StreamId: %d %s", status, body)
	}
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamARN: aws.String(arn), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s")})
	wantErr(t, err, "ResourceNotFoundException", "Stream s under account "+account+" not found.")
}

func TestRetentionTagsEncryption(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	name := aws.String("s")
	e.create(t, "s", 1)
	_, err := e.client.IncreaseStreamRetentionPeriod(ctx, &awskinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(8761)})
	wantErr(t, err, "InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.")
	_, err = e.client.DecreaseStreamRetentionPeriod(ctx, &awskinesis.DecreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(12)})
	wantErr(t, err, "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.")
	if _, err := e.client.IncreaseStreamRetentionPeriod(ctx, &awskinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.IncreaseStreamRetentionPeriod(ctx, &awskinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(30)})
	wantErr(t, err, "InvalidArgumentException", "Requested retention period (30 hours) for stream s can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
	_, err = e.client.DecreaseStreamRetentionPeriod(ctx, &awskinesis.DecreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(50)})
	wantErr(t, err, "InvalidArgumentException", "Requested retention period (50 hours) for stream s can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.")
	if _, err := e.client.DecreaseStreamRetentionPeriod(ctx, &awskinesis.DecreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(36)}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: name, Tags: map[string]string{"b": "2", "a": "1", "c": ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.RemoveTagsFromStream(ctx, &awskinesis.RemoveTagsFromStreamInput{StreamName: name, TagKeys: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: name, Limit: aws.Int32(1)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "a" || !aws.ToBool(tags.HasMoreTags) {
		t.Fatalf("tags %+v %v", tags, err)
	}
	tags, err = e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: name, ExclusiveStartTagKey: aws.String("a")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "2" || aws.ToBool(tags.HasMoreTags) {
		t.Fatalf("tags after a %+v %v", tags, err)
	}

	if _, err := e.client.StartStreamEncryption(ctx, &awskinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	d, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: name})
	if err != nil || d.StreamDescription.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.StreamDescription.KeyId) != "alias/aws/kinesis" || aws.ToInt32(d.StreamDescription.RetentionPeriodHours) != 36 {
		t.Fatalf("after StartStreamEncryption %+v %v", d, err)
	}
	if p := e.put(t, "s", "k", "x"); p.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("put answered encryption %q", p.EncryptionType)
	}
	if _, err := e.client.StopStreamEncryption(ctx, &awskinesis.StopStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	d, err = e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: name})
	if err != nil || d.StreamDescription.EncryptionType != types.EncryptionTypeNone || d.StreamDescription.KeyId != nil {
		t.Fatalf("after StopStreamEncryption %+v %v", d, err)
	}
}

func TestRefusedAndUnknownOperations(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	_, err := e.client.DescribeAccountSettings(ctx, &awskinesis.DescribeAccountSettingsInput{})
	wantErr(t, err, "InvalidArgumentException", "firehose-local does not support DescribeAccountSettings yet.")
	for _, op := range []string{"UpdateStreamWarmThroughput", "UpdateAccountSettings"} {
		status, body := e.post(t, kinesis.TargetPrefix+op, "application/x-amz-json-1.1", `{}`)
		if status != http.StatusBadRequest || body != `{"__type":"InvalidArgumentException","message":"firehose-local does not support `+op+` yet."}` {
			t.Errorf("%s: %d %s", op, status, body)
		}
	}
	status, body := e.post(t, kinesis.TargetPrefix+"Frobnicate", "application/x-amz-json-1.1", `{}`)
	if status != http.StatusBadRequest || body != `{"__type":"UnknownOperationException","message":"Unknown operation Kinesis_20131202.Frobnicate."}` {
		t.Errorf("unknown: %d %s", status, body)
	}
	status, body = e.post(t, kinesis.TargetPrefix+"ListStreams", "application/x-amz-json-1.1", `[`)
	if status != http.StatusBadRequest || !strings.Contains(body, `"__type":"SerializationException"`) {
		t.Errorf("bad JSON: %d %s", status, body)
	}
}
