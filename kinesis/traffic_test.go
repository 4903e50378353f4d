package kinesis_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/firehose-local/firehose-local/kinesis"
)

const rateExceeded = "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000."

// putMany puts n records of data with PutRecords and returns the output.
func (e *env) putMany(t *testing.T, stream string, n int, data []byte) *awskinesis.PutRecordsOutput {
	t.Helper()
	entries := make([]types.PutRecordsRequestEntry, n)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: data}
	}
	out, err := e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		t.Fatalf("PutRecords: %v", err)
	}
	return out
}

func (e *env) putErr(t *testing.T, stream string, data []byte) error {
	_, err := e.client.PutRecord(t.Context(), &awskinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: data})
	return err
}

func TestNoLimitsByDefault(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	// Records over 1 MiB need the stream's maximum record size raised.
	if _, err := e.client.CreateStream(t.Context(), &awskinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if out := e.putMany(t, "s", 500, []byte("x")); aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("FailedRecordCount %d", aws.ToInt32(out.FailedRecordCount))
		}
	}
	if err := e.putErr(t, "s", bytes.Repeat([]byte("y"), 3<<19)); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		e.get(t, e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""), 0)
	}
}

func TestWriteLimits(t *testing.T) {
	e := newEnv(t, kinesis.Options{Limits: true})
	e.create(t, "s", 1)
	// 1,000 records in one second: all taken.
	for range 2 {
		if out := e.putMany(t, "s", 500, []byte("x")); aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("under the limit: FailedRecordCount %d", aws.ToInt32(out.FailedRecordCount))
		}
	}
	// The 1,001st fails, in PutRecords as an entry, in PutRecord as an error.
	out := e.putMany(t, "s", 2, []byte("x"))
	if aws.ToInt32(out.FailedRecordCount) != 2 {
		t.Fatalf("FailedRecordCount %d, want 2", aws.ToInt32(out.FailedRecordCount))
	}
	for _, r := range out.Records {
		if aws.ToString(r.ErrorCode) != "ProvisionedThroughputExceededException" || aws.ToString(r.ErrorMessage) != rateExceeded ||
			r.SequenceNumber != nil || r.ShardId != nil {
			t.Fatalf("entry %+v", r)
		}
	}
	wantErr(t, e.putErr(t, "s", []byte("x")), "ProvisionedThroughputExceededException", rateExceeded)

	// The next second, it works again; then 1 MiB of bytes is the limit.
	e.clock.Advance(time.Second)
	if err := e.putErr(t, "s", bytes.Repeat([]byte("a"), 600<<10)); err != nil {
		t.Fatal(err)
	}
	out = e.putMany(t, "s", 2, bytes.Repeat([]byte("b"), 300<<10))
	if aws.ToInt32(out.FailedRecordCount) != 1 || out.Records[0].ErrorCode != nil || aws.ToString(out.Records[1].ErrorMessage) != rateExceeded {
		t.Fatalf("bytes: FailedRecordCount %d, entries %+v", aws.ToInt32(out.FailedRecordCount), out.Records)
	}
	e.clock.Advance(time.Second)
	if err := e.putErr(t, "s", bytes.Repeat([]byte("c"), 900<<10)); err != nil {
		t.Fatalf("the next second: %v", err)
	}

	// Another shard's limit is its own.
	e.create(t, "two", 2)
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte("x")}
	}
	// The partition keys 0 to 499 split 250 and 250: 2,000 records a
	// second are taken, 1,000 by each shard, and no more.
	for n := range 5 {
		out, err := e.client.PutRecords(t.Context(), &awskinesis.PutRecordsInput{StreamName: aws.String("two"), Records: entries})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int32{true: 500, false: 0}[n == 4]; aws.ToInt32(out.FailedRecordCount) != want {
			t.Fatalf("call %d: FailedRecordCount %d, want %d", n+1, aws.ToInt32(out.FailedRecordCount), want)
		}
	}
}

func TestReadLimits(t *testing.T) {
	e := newEnv(t, kinesis.Options{Limits: true})
	e.create(t, "s", 1)
	it := e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	for range 5 {
		e.get(t, it, 0)
	}
	_, err := e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	wantErr(t, err, "ProvisionedThroughputExceededException", rateExceeded)
	e.clock.Advance(time.Second)
	e.get(t, it, 0)

	// 2 MiB out in a second: 2.7 MiB read at once refuses the next call
	// in that second, not in the next one (0.7 MiB carried over).
	for range 3 {
		e.clock.Advance(time.Second)
		e.put(t, "s", "k", strings.Repeat("d", 900<<10))
	}
	e.clock.Advance(time.Second)
	if got := e.get(t, it, 0); len(got.Records) != 3 {
		t.Fatalf("%d records", len(got.Records))
	}
	_, err = e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	wantErr(t, err, "ProvisionedThroughputExceededException", rateExceeded)
	e.clock.Advance(time.Second)
	e.get(t, it, 0)
}

// The counters behind /metrics.
func TestCollectMetrics(t *testing.T) {
	e := newEnv(t, kinesis.Options{Limits: true})
	e.create(t, "s", 1)
	e.put(t, "s", "k", "abc")
	e.putMany(t, "s", 2, []byte("de"))
	it := e.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	for range 6 {
		_, _ = e.client.GetRecords(t.Context(), &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	}
	got := map[string]float64{}
	for _, f := range e.gather(t) {
		for _, m := range f.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + ","
			}
			if labels != "region=us-east-1,stream_name=s," {
				t.Errorf("%s: labels %s", f.GetName(), labels)
			}
			got[f.GetName()] = m.GetCounter().GetValue()
		}
	}
	for name, want := range map[string]float64{
		"kinesis_incoming_records_total": 3, "kinesis_incoming_bytes_total": 7,
		"kinesis_put_record_success_total": 1, "kinesis_put_record_attempts_total": 1,
		"kinesis_put_records_success_total": 1, "kinesis_put_records_attempts_total": 1,
		"kinesis_get_records_records_total": 15, "kinesis_get_records_bytes_total": 35,
		"kinesis_get_records_success_total": 5, "kinesis_get_records_attempts_total": 6,
		"kinesis_read_provisioned_throughput_exceeded_total": 1, "kinesis_write_provisioned_throughput_exceeded_total": 0,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if len(got) != 12 {
		t.Errorf("%d metrics: %v", len(got), got)
	}
}

// gather scrapes the service's metrics.
func (e *env) gather(t *testing.T) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectorFunc(e.svc.CollectMetrics))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// collectorFunc is an unchecked collector of one Collect function.
type collectorFunc func(chan<- prometheus.Metric)

func (collectorFunc) Describe(chan<- *prometheus.Desc)      {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }
