package kinesis_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

// shardMetrics scrapes the service's shard-level metrics: name and shard
// id to value.
func (e *env) shardMetrics(t *testing.T) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, f := range e.gather(t) {
		for _, m := range f.GetMetric() {
			shard := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "shard_id" {
					shard = l.GetValue()
				}
			}
			if shard == "" {
				continue
			}
			v := m.GetCounter().GetValue()
			if m.GetGauge() != nil {
				v = m.GetGauge().GetValue()
			}
			got[f.GetName()+" "+shard] = v
		}
	}
	return got
}

func (e *env) monitoring(t *testing.T, name string) []types.MetricsName {
	t.Helper()
	out, err := e.client.DescribeStream(t.Context(), &awskinesis.DescribeStreamInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	sum := e.summary(t, name)
	a, b := out.StreamDescription.EnhancedMonitoring, sum.EnhancedMonitoring
	if len(a) != 1 || len(b) != 1 || !slices.Equal(a[0].ShardLevelMetrics, b[0].ShardLevelMetrics) {
		t.Fatalf("EnhancedMonitoring: DescribeStream %+v, DescribeStreamSummary %+v", a, b)
	}
	return a[0].ShardLevelMetrics
}

// Enhanced monitoring chooses shard-level metrics, which DescribeStream
// and DescribeStreamSummary list, and which are counted, labelled
// shard_id, from the moment they are enabled until they are disabled.
func TestEnhancedMonitoring(t *testing.T) {
	e := newEnv(t, kinesis.Options{Limits: true})
	ctx := t.Context()
	e.create(t, "s", 2)
	if got := e.monitoring(t, "s"); len(got) != 0 {
		t.Fatalf("ShardLevelMetrics %v, want none", got)
	}
	// Keys for each shard.
	keyOf := map[string]string{}
	for i := 0; len(keyOf) < 2; i++ {
		k := fmt.Sprint("k", i)
		if sh := shardOfKey(k, 2); keyOf[sh] == "" {
			keyOf[sh] = k
		}
	}
	const sh0, sh1 = "shardId-000000000000", "shardId-000000000001"
	e.put(t, "s", keyOf[sh0], "not counted")

	en, err := e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingRecords, types.MetricsNameIncomingBytes}})
	if err != nil {
		t.Fatal(err)
	}
	if len(en.CurrentShardLevelMetrics) != 0 || !slices.Equal(en.DesiredShardLevelMetrics, []types.MetricsName{"IncomingBytes", "IncomingRecords"}) ||
		aws.ToString(en.StreamName) != "s" || aws.ToString(en.StreamARN) != streamARN {
		t.Fatalf("EnableEnhancedMonitoring answered %+v", en)
	}
	en, err = e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamARN: aws.String(streamARN),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	all := []types.MetricsName{"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
		"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"}
	if !slices.Equal(en.CurrentShardLevelMetrics, []types.MetricsName{"IncomingBytes", "IncomingRecords"}) || !slices.Equal(en.DesiredShardLevelMetrics, all) {
		t.Fatalf("EnableEnhancedMonitoring ALL answered %+v", en)
	}
	if got := e.monitoring(t, "s"); !slices.Equal(got, all) {
		t.Fatalf("ShardLevelMetrics %v, want all seven", got)
	}

	e.put(t, "s", keyOf[sh0], "abc")
	e.put(t, "s", keyOf[sh0], "defg")
	e.put(t, "s", keyOf[sh1], "h")
	// One PutRecords call into both shards.
	if _, err := e.client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String(keyOf[sh0]), Data: []byte("ij")}, {PartitionKey: aws.String(keyOf[sh1]), Data: []byte("klm")},
	}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Second)
	// Shard 0 holds four records: the one from before, and the three
	// counted. Its iterator's last record was put 5 s ago.
	it := e.iterator(t, "s", sh0, types.ShardIteratorTypeTrimHorizon, "")
	e.get(t, it, 0)
	for range 5 { // five calls a second: the sixth is refused
		_, _ = e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	}
	got := e.shardMetrics(t)
	want := map[string]float64{
		"kinesis_shard_incoming_records_total " + sh0: 3, "kinesis_shard_incoming_bytes_total " + sh0: 9,
		"kinesis_shard_incoming_records_total " + sh1: 2, "kinesis_shard_incoming_bytes_total " + sh1: 4,
		"kinesis_shard_outgoing_records_total " + sh0: 20, "kinesis_shard_outgoing_bytes_total " + sh0: 5 * (11 + 3 + 4 + 2),
		"kinesis_shard_outgoing_records_total " + sh1: 0, "kinesis_shard_outgoing_bytes_total " + sh1: 0,
		"kinesis_shard_iterator_age_milliseconds " + sh0: 5000, "kinesis_shard_iterator_age_milliseconds " + sh1: 0,
		"kinesis_shard_read_provisioned_throughput_exceeded_total " + sh0: 1, "kinesis_shard_read_provisioned_throughput_exceeded_total " + sh1: 0,
		"kinesis_shard_write_provisioned_throughput_exceeded_total " + sh0: 0, "kinesis_shard_write_provisioned_throughput_exceeded_total " + sh1: 0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d shard-level series, want %d: %v", len(got), len(want), got)
	}

	dis, err := e.client.DisableEnhancedMonitoring(ctx, &awskinesis.DisableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameOutgoingBytes, types.MetricsNameIteratorAgeMilliseconds}})
	if err != nil {
		t.Fatal(err)
	}
	left := []types.MetricsName{"IncomingBytes", "IncomingRecords", "OutgoingRecords", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"}
	if !slices.Equal(dis.CurrentShardLevelMetrics, all) || !slices.Equal(dis.DesiredShardLevelMetrics, left) {
		t.Fatalf("DisableEnhancedMonitoring answered %+v", dis)
	}
	got = e.shardMetrics(t)
	if len(got) != 2*len(left) || got["kinesis_shard_incoming_records_total "+sh0] != 3 {
		t.Fatalf("after disabling two: %v", got)
	}
	if _, err := e.client.DisableEnhancedMonitoring(ctx, &awskinesis.DisableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); err != nil {
		t.Fatal(err)
	}
	if got := e.monitoring(t, "s"); len(got) != 0 {
		t.Fatalf("ShardLevelMetrics %v after disabling ALL", got)
	}
	if got := e.shardMetrics(t); len(got) != 0 {
		t.Fatalf("shard-level series after disabling ALL: %v", got)
	}
	_, err = e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("nope"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	wantErr(t, err, "ResourceNotFoundException", "Stream nope under account "+account+" not found.")
}
