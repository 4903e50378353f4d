package kinesis_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/firehose-local/firehose-local/kinesis"
)

func TestConsumerAPI(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "s", 1)
	arn := "arn:aws:kinesis:us-east-1:" + account + ":stream/s"
	const sh0 = "shardId-000000000000"
	if seq, err := e.svc.LastSequence("us-east-1", arn, sh0); err != nil || seq != "" {
		t.Fatalf("LastSequence of an empty shard: %q %v", seq, err)
	}
	var seqs []string
	for _, d := range []string{"a", "b", "c"} {
		seqs = append(seqs, aws.ToString(e.put(t, "s", "pk", d).SequenceNumber))
		e.clock.Advance(time.Second)
	}
	if seq, err := e.svc.LastSequence("us-east-1", arn, sh0); err != nil || seq != seqs[2] {
		t.Fatalf("LastSequence: %q %v", seq, err)
	}
	recs, exhausted, err := e.svc.ReadShard("us-east-1", arn, sh0, "", 2)
	if err != nil || exhausted || len(recs) != 2 || recs[0].SequenceNumber != seqs[0] || recs[0].PartitionKey != "pk" ||
		string(recs[1].Data) != "b" || !recs[0].Arrival.Equal(t0.Truncate(time.Millisecond)) {
		t.Fatalf("ReadShard: %+v %v %v", recs, exhausted, err)
	}
	// The records are the caller's: changing them changes nothing inside.
	recs[0].Data[0] = 'X'
	again, _, _ := e.svc.ReadShard("us-east-1", arn, sh0, "", 1)
	if string(again[0].Data) != "a" {
		t.Fatalf("the service's record changed: %q", again[0].Data)
	}
	recs, exhausted, err = e.svc.ReadShard("us-east-1", arn, sh0, seqs[1], 10)
	if err != nil || exhausted || len(recs) != 1 || string(recs[0].Data) != "c" {
		t.Fatalf("after b: %+v %v %v", recs, exhausted, err)
	}
	if _, err := e.client.SplitShard(t.Context(), &awskinesis.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String(sh0), NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	shards, err := e.svc.Shards("us-east-1", arn)
	want := []kinesis.ShardInfo{{ID: sh0, Closed: true}, {ID: "shardId-000000000001", ParentID: sh0}, {ID: "shardId-000000000002", ParentID: sh0}}
	if err != nil || !slices.Equal(shards, want) {
		t.Fatalf("Shards: %+v %v", shards, err)
	}
	if recs, exhausted, err := e.svc.ReadShard("us-east-1", arn, sh0, seqs[1], 10); err != nil || !exhausted || len(recs) != 1 {
		t.Fatalf("the closed parent: %+v %v %v", recs, exhausted, err)
	}
	if recs, exhausted, err := e.svc.ReadShard("us-east-1", arn, sh0, seqs[2], 10); err != nil || !exhausted || len(recs) != 0 {
		t.Fatalf("the closed parent, read: %+v %v %v", recs, exhausted, err)
	}
	if recs, exhausted, err := e.svc.ReadShard("us-east-1", arn, "shardId-000000000001", "", 10); err != nil || exhausted || len(recs) != 0 {
		t.Fatalf("an empty child: %+v %v %v", recs, exhausted, err)
	}
	if _, _, err := e.svc.ReadShard("us-east-1", arn, "shardId-000000000001", seqs[0], 10); err == nil || err.Type != "InvalidArgumentException" {
		t.Fatalf("another shard's sequence number: %v", err)
	}
	if _, err := e.svc.Shards("us-east-1", "arn:aws:kinesis:us-east-1:"+account+":stream/nope"); err == nil || err.Message != "Stream nope under account "+account+" not found." {
		t.Fatalf("a missing stream: %v", err)
	}
	if _, err := e.svc.LastSequence("us-east-1", arn, "shardId-000000000009"); err == nil || err.Type != "ResourceNotFoundException" {
		t.Fatalf("a missing shard: %v", err)
	}
}
