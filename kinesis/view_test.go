package kinesis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/firehose-local/firehose-local/kinesis"
)

func TestView(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "b", 2)
	e.create(t, "a", 1)
	for i := range 5 {
		e.put(t, "b", "key"+string(rune('0'+i)), strings.Repeat(string(rune('v'+i)), 10))
		e.clock.Advance(time.Millisecond)
	}
	if _, err := e.client.SplitShard(t.Context(), &awskinesis.SplitShardInput{StreamName: aws.String("a"),
		ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	v := e.svc.View(3, 4)
	if len(v) != 2 || v[0].Name != "a" || v[1].Name != "b" {
		t.Fatalf("%+v", v)
	}
	a, b := v[0], v[1]
	if a.OpenShards != 2 || a.ClosedShards != 1 || len(a.Shards) != 3 || !a.Shards[0].Closed ||
		a.Shards[1].ParentID != "shardId-000000000000" || a.Shards[1].StartHashKey != "0" || a.Shards[1].EndHashKey != "999" ||
		a.Shards[0].EndingSequenceNumber == "" || a.Shards[1].EndingSequenceNumber != "" {
		t.Errorf("a: %+v", a)
	}
	if b.Status != "ACTIVE" || b.Mode != "PROVISIONED" || b.RetentionHours != 24 || b.Encryption != "NONE" ||
		b.ARN != "arn:aws:kinesis:us-east-1:000000000000:stream/b" || len(b.Latest) != 3 {
		t.Fatalf("b: %+v", b)
	}
	// Newest first, across shards, data cut to 4 bytes.
	for i, r := range b.Latest {
		key := "key" + string(rune('4'-i))
		if r.PartitionKey != key || string(r.Data) != strings.Repeat(string(rune('z'-i)), 4) || r.Size != 10 || r.SequenceNumber == "" {
			t.Errorf("latest %d: %+v", i, r)
		}
	}
	if n := b.Shards[0].Records + b.Shards[1].Records; n != 5 {
		t.Errorf("%d records kept", n)
	}
}
