package kinesis

import (
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Enhanced monitoring: EnableEnhancedMonitoring and
// DisableEnhancedMonitoring choose a stream's shard-level metrics, which
// DescribeStream and DescribeStreamSummary list and which then appear
// among the service's metrics (CollectMetrics) labelled shard_id as well,
// counted from the moment they are enabled, as CloudWatch has them only
// while they are. The stream-level metrics are always there.

// shardMetricNames are the shard-level metrics, in the model's order, which
// is also the order a stream's ShardMetrics are kept and listed in.
var shardMetricNames = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

// shardCounters are one shard's shard-level metrics.
type shardCounters struct {
	incomingBytes, incomingRecords atomic.Int64
	outgoingBytes, outgoingRecords atomic.Int64
	writeExceeded, readExceeded    atomic.Int64
	// iteratorAge is the age of the last record the last GetRecords
	// call returned, 0 when it returned none (caught up).
	iteratorAge atomic.Int64
}

// shardCounters returns a shard's counters if the stream has shard-level
// metrics enabled, nil if not (nothing is counted then).
func (s *Service) shardCounters(st *stream, sh *shard) *shardCounters {
	if len(st.ShardMetrics) == 0 {
		return nil
	}
	return entry(&s.traffic.shards, streamKey(st.Region, st.Name)+sep+sh.id())
}

// requestedMetrics reads a ShardLevelMetrics list, "ALL" standing for every
// metric.
func requestedMetrics(in map[string]any) map[string]bool {
	want := map[string]bool{}
	list, _ := in["ShardLevelMetrics"].([]any)
	for _, v := range list {
		name, _ := v.(string)
		if name == "ALL" {
			for _, n := range shardMetricNames {
				want[n] = true
			}
			continue
		}
		want[name] = true
	}
	return want
}

func (s *Service) enableMonitoring(region string, in map[string]any) (any, *awsjson.Error) {
	return s.setMonitoring(region, in, true)
}

func (s *Service) disableMonitoring(region string, in map[string]any) (any, *awsjson.Error) {
	return s.setMonitoring(region, in, false)
}

func (s *Service) setMonitoring(region string, in map[string]any, enable bool) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	want := requestedMetrics(in)
	desired := []string{}
	for _, n := range shardMetricNames {
		on := slices.Contains(st.ShardMetrics, n)
		if want[n] {
			on = enable
		}
		if on {
			desired = append(desired, n)
		}
	}
	current := st.ShardMetrics
	if current == nil {
		current = []string{}
	}
	c := st.clone()
	c.ShardMetrics = desired
	if len(desired) == 0 {
		c.ShardMetrics = nil
	}
	if err := s.save(c); err != nil {
		return nil, err
	}
	return struct {
		StreamName               string
		StreamARN                string
		CurrentShardLevelMetrics []string
		DesiredShardLevelMetrics []string
	}{st.Name, s.arn(st.Region, st.Name), current, desired}, nil
}

// enhancedMonitoring is DescribeStream's and DescribeStreamSummary's
// EnhancedMonitoring.
func enhancedMonitoring(st *stream) []metrics {
	names := st.ShardMetrics
	if names == nil {
		names = []string{}
	}
	return []metrics{{ShardLevelMetrics: names}}
}

func shardMetric(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"region", "stream_name", "shard_id"}, nil)
}

// The shard-level metrics' descriptions, by CloudWatch name.
var shardDescs = map[string]*prometheus.Desc{
	"IncomingBytes":   shardMetric("kinesis_shard_incoming_bytes_total", "Data bytes put into the shard (CloudWatch shard-level IncomingBytes; with enhanced monitoring)."),
	"IncomingRecords": shardMetric("kinesis_shard_incoming_records_total", "Records put into the shard (CloudWatch shard-level IncomingRecords; with enhanced monitoring)."),
	"OutgoingBytes":   shardMetric("kinesis_shard_outgoing_bytes_total", "Data bytes GetRecords returned from the shard (CloudWatch shard-level OutgoingBytes; with enhanced monitoring)."),
	"OutgoingRecords": shardMetric("kinesis_shard_outgoing_records_total", "Records GetRecords returned from the shard (CloudWatch shard-level OutgoingRecords; with enhanced monitoring)."),
	"WriteProvisionedThroughputExceeded": shardMetric("kinesis_shard_write_provisioned_throughput_exceeded_total",
		"Records refused by the shard's write limit (CloudWatch shard-level WriteProvisionedThroughputExceeded; with enhanced monitoring and --kinesis-limits)."),
	"ReadProvisionedThroughputExceeded": shardMetric("kinesis_shard_read_provisioned_throughput_exceeded_total",
		"GetRecords calls refused by the shard's read limit (CloudWatch shard-level ReadProvisionedThroughputExceeded; with enhanced monitoring and --kinesis-limits)."),
	"IteratorAgeMilliseconds": shardMetric("kinesis_shard_iterator_age_milliseconds",
		"Age of the last record the shard's last GetRecords call returned, 0 if it returned none (CloudWatch shard-level IteratorAgeMilliseconds; with enhanced monitoring)."),
}

// shardSeries is one shard's enabled metrics, for CollectMetrics.
type shardSeries struct {
	region, stream, shard string
	names                 []string
	c                     *shardCounters
}

// shardSeriesOf lists the shard-level series of a stream (under the lock).
func (s *Service) shardSeriesOf(st *stream) []shardSeries {
	var out []shardSeries
	for _, sh := range st.Shards {
		out = append(out, shardSeries{st.Region, st.Name, sh.id(), st.ShardMetrics, s.shardCounters(st, sh)})
	}
	return out
}

func (ss shardSeries) collect(ch chan<- prometheus.Metric) {
	c := ss.c
	values := map[string]*atomic.Int64{
		"IncomingBytes": &c.incomingBytes, "IncomingRecords": &c.incomingRecords,
		"OutgoingBytes": &c.outgoingBytes, "OutgoingRecords": &c.outgoingRecords,
		"WriteProvisionedThroughputExceeded": &c.writeExceeded, "ReadProvisionedThroughputExceeded": &c.readExceeded,
		"IteratorAgeMilliseconds": &c.iteratorAge,
	}
	for _, n := range ss.names {
		kind := prometheus.CounterValue
		if n == "IteratorAgeMilliseconds" {
			kind = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(shardDescs[n], kind, float64(values[n].Load()), ss.region, ss.stream, ss.shard)
	}
}
