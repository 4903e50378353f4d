package emulator

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// Metrics: the names Firehose and Lambda publish to CloudWatch, served at
// GET /metrics in Prometheus' text format. Each CloudWatch name maps to
// Prometheus conventions: snake_case, a _total suffix on counters, base
// units (seconds, bytes). A CloudWatch ratio (DeliveryToS3.Success,
// ExecuteProcessing.Success) becomes two counters, successes and attempts,
// whose rate ratio is the CloudWatch value.
//
//	IncomingRecords               firehose_incoming_records_total
//	IncomingBytes                 firehose_incoming_bytes_total
//	ThrottledRecords              firehose_throttled_records_total
//	DeliveryToS3.Records          firehose_delivery_to_s3_records_total
//	DeliveryToS3.Bytes            firehose_delivery_to_s3_bytes_total
//	DeliveryToS3.Success          firehose_delivery_to_s3_success_total / firehose_delivery_to_s3_attempts_total
//	DeliveryToS3.DataFreshness    firehose_delivery_to_s3_data_freshness_seconds
//	DeliveryToHttpEndpoint.*      firehose_delivery_to_http_endpoint_{records_total,bytes_total,success_total,attempts_total,data_freshness_seconds}
//	DeliveryToSplunk.*            firehose_delivery_to_splunk_{records_total,bytes_total,success_total,attempts_total,data_freshness_seconds}
//	DeliveryToSplunk.DataAckLatency  firehose_delivery_to_splunk_data_ack_latency_seconds (histogram)
//	DeliveryToRedshift.*          firehose_delivery_to_redshift_{records_total,bytes_total,success_total,attempts_total}
//	ExecuteProcessing.Duration    firehose_execute_processing_duration_seconds (histogram)
//	ExecuteProcessing.Success     firehose_execute_processing_success_total / firehose_execute_processing_attempts_total
//	SucceedProcessing.Records     firehose_succeed_processing_records_total
//	SucceedProcessing.Bytes       firehose_succeed_processing_bytes_total
//	SucceedConversion.*           firehose_succeed_conversion_{records,bytes}_total (FailedConversion.*: firehose_failed_conversion_…)
//	Lambda Invocations            lambda_invocations_total
//	Lambda Errors                 lambda_errors_total
//	Lambda Duration               lambda_duration_seconds (histogram)
//	Kinesis IncomingRecords, IncomingBytes, GetRecords.Records, GetRecords.Bytes   kinesis_{incoming,get_records}_{records,bytes}_total
//	Kinesis GetRecords.Success, PutRecord.Success, PutRecords.Success              kinesis_{get_records,put_record,put_records}_{success,attempts}_total
//	Kinesis Read/WriteProvisionedThroughputExceeded (--kinesis-limits)             kinesis_{read,write}_provisioned_throughput_exceeded_total
//
// With Config.DataDir, firehose-local's own write-ahead log too (no AWS
// equivalent): firehose_local_wal_pending_calls (PutRecord(Batch) calls not
// yet delivered), firehose_local_wal_segments (segment files),
// firehose_local_wal_appended_bytes_total and
// firehose_local_wal_compacted_{segments,calls,bytes}_total (their ratio
// is compaction's write amplification), firehose_local_wal_draining (1 in
// drain-only mode: the disk is full), and what damage to the log found at
// start cost: firehose_local_wal_lost_{calls,records}_total,
// firehose_local_wal_unreadable_frames_total and
// firehose_local_wal_{damaged,torn}_bytes_total. Always:
// firehose_local_request_body_bytes_in_flight (request body bytes held,
// bounded by Config.MaxBodyBytesInFlight) and
// firehose_local_request_body_throttled_total (requests refused past it).
//
// Stream metrics (delivery.Pipeline.CollectMetrics; with backup and
// partitioning metrics not listed here) are labelled region and delivery_stream; Lambda metrics
// region and function_name; Kinesis metrics (kinesis.Service.CollectMetrics) region and stream_name, and shard_id for the shard-level ones enhanced monitoring turns on. The Go runtime and process collectors are
// included too.

// functionMetrics are one Lambda function's counters.
type functionMetrics struct {
	region, name        string
	invocations, errors atomic.Int64
	duration            prometheus.Histogram
}

// functionStats holds the metrics of every function invoked so far.
type functionStats struct {
	mu   sync.Mutex
	byFn map[string]*functionMetrics // by ARN
}

func (f *functionStats) observe(fn *lambdarunner.Function, res lambdarunner.Result, err error) {
	arn := fn.ARN()
	f.mu.Lock()
	m := f.byFn[arn]
	if m == nil {
		if f.byFn == nil {
			f.byFn = map[string]*functionMetrics{}
		}
		m = &functionMetrics{region: fn.Region, name: fn.Name, duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:        "lambda_duration_seconds",
			Help:        "Function run time (Lambda Duration).",
			Buckets:     delivery.DurationBuckets,
			ConstLabels: prometheus.Labels{"region": fn.Region, "function_name": fn.Name},
		})}
		f.byFn[arn] = m
	}
	f.mu.Unlock()
	m.invocations.Add(1)
	if err != nil || res.FunctionError != "" {
		m.errors.Add(1)
	}
	if err == nil {
		m.duration.Observe(res.Duration.Seconds())
	}
}

// collector turns the server's counters into Prometheus metrics at scrape
// time. It is unchecked (Describe sends nothing): the set of streams and
// functions changes as they are created and deleted.
type collector struct{ s *Server }

func (collector) Describe(chan<- *prometheus.Desc) {}

var functionLabels = []string{"region", "function_name"}

func desc(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descLambdaInvocations = desc("lambda_invocations_total", "Function invocations, through the Lambda API or as a Firehose transform (Lambda Invocations).", functionLabels)
	descLambdaErrors      = desc("lambda_errors_total", "Invocations that ended in a function error or could not run (Lambda Errors).", functionLabels)

	descWALPending           = desc("firehose_local_wal_pending_calls", "PutRecord(Batch) calls in the write-ahead log not yet delivered (--data-dir).", nil)
	descWALSegments          = desc("firehose_local_wal_segments", "Segment files of the write-ahead log (--data-dir).", nil)
	descWALCompactedSegments = desc("firehose_local_wal_compacted_segments_total", "Write-ahead log segments emptied by copying their pending calls forward.", nil)
	descWALCompactedCalls    = desc("firehose_local_wal_compacted_calls_total", "Pending calls copied forward by write-ahead log compaction.", nil)
	descWALCompactedBytes    = desc("firehose_local_wal_compacted_bytes_total", "Bytes copied forward by write-ahead log compaction.", nil)
	descWALAppendedBytes     = desc("firehose_local_wal_appended_bytes_total", "Bytes of PutRecord(Batch) calls written to the write-ahead log (compacted bytes over this is compaction's write amplification).", nil)
	descWALDraining          = desc("firehose_local_wal_draining", "1 while the write-ahead log cannot write (disk full): records are refused, buffered ones still delivered (drain-only mode).", nil)
	descWALLostCalls         = desc("firehose_local_wal_lost_calls_total", "Acknowledged PutRecord(Batch) calls not yet delivered whose write-ahead log frame was found damaged at start (frames whose header survived).", nil)
	descWALLostRecords       = desc("firehose_local_wal_lost_records_total", "The records of firehose_local_wal_lost_calls_total.", nil)
	descWALUnreadable        = desc("firehose_local_wal_unreadable_frames_total", "Write-ahead log frames found damaged at start whose header was damaged too: each a lost call of unknown size, or a done marker.", nil)
	descWALDamagedBytes      = desc("firehose_local_wal_damaged_bytes_total", "Bytes of the write-ahead log skipped as damaged at start.", nil)
	descWALTornBytes         = desc("firehose_local_wal_torn_bytes_total", "Bytes of the write-ahead log skipped at start as writes a crash cut short (never acknowledged with --fsync always).", nil)

	descBodyBytesInFlight = desc("firehose_local_request_body_bytes_in_flight", "Request body bytes read and held until their request is answered (bounded by --max-body-bytes-in-flight).", nil)
	descBodyThrottled     = desc("firehose_local_request_body_throttled_total", "Requests refused with their API's throttling error because too many request body bytes were in flight.", nil)
)

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	now := s.clock.Now()
	counter := func(d *prometheus.Desc, v *atomic.Int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v.Load()), labels...)
	}
	for _, e := range s.fh.Pipelines() {
		e.Pipe.CollectMetrics(ch, now, e.Region, e.Name)
	}
	s.kinesis.CollectMetrics(ch)

	if log, loss, drainingNow := s.fh.WAL(); log != nil {
		frames, segments := log.Live()
		c := log.Compacted()
		ch <- prometheus.MustNewConstMetric(descWALPending, prometheus.GaugeValue, float64(frames))
		ch <- prometheus.MustNewConstMetric(descWALSegments, prometheus.GaugeValue, float64(segments))
		ch <- prometheus.MustNewConstMetric(descWALCompactedSegments, prometheus.CounterValue, float64(c.Segments))
		ch <- prometheus.MustNewConstMetric(descWALCompactedCalls, prometheus.CounterValue, float64(c.Frames))
		ch <- prometheus.MustNewConstMetric(descWALCompactedBytes, prometheus.CounterValue, float64(c.Bytes))
		ch <- prometheus.MustNewConstMetric(descWALAppendedBytes, prometheus.CounterValue, float64(c.Appended))
		draining := 0.0
		if drainingNow {
			draining = 1
		}
		ch <- prometheus.MustNewConstMetric(descWALDraining, prometheus.GaugeValue, draining)
		ch <- prometheus.MustNewConstMetric(descWALLostCalls, prometheus.CounterValue, float64(loss.Calls))
		ch <- prometheus.MustNewConstMetric(descWALLostRecords, prometheus.CounterValue, float64(loss.Records))
		ch <- prometheus.MustNewConstMetric(descWALUnreadable, prometheus.CounterValue, float64(loss.Unreadable))
		ch <- prometheus.MustNewConstMetric(descWALDamagedBytes, prometheus.CounterValue, float64(loss.Bytes))
		ch <- prometheus.MustNewConstMetric(descWALTornBytes, prometheus.CounterValue, float64(loss.TornBytes))
	}

	ch <- prometheus.MustNewConstMetric(descBodyBytesInFlight, prometheus.GaugeValue, float64(s.bodies.InUse()))
	ch <- prometheus.MustNewConstMetric(descBodyThrottled, prometheus.CounterValue, float64(s.bodies.Refused()))

	fs := &s.functionStats
	fs.mu.Lock()
	fns := make([]*functionMetrics, 0, len(fs.byFn))
	for _, m := range fs.byFn {
		fns = append(fns, m)
	}
	fs.mu.Unlock()
	sort.Slice(fns, func(i, j int) bool {
		if fns[i].region != fns[j].region {
			return fns[i].region < fns[j].region
		}
		return fns[i].name < fns[j].name
	})
	for _, m := range fns {
		l := []string{m.region, m.name}
		counter(descLambdaInvocations, &m.invocations, l...)
		counter(descLambdaErrors, &m.errors, l...)
		m.duration.Collect(ch)
	}
}

// metricsHandler builds, on first use, the registry GET /metrics serves:
// the Go collector's set-up is kept off the server's start-up.
func (s *Server) metricsHandler() http.Handler {
	s.metricsOnce.Do(func() {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collector{s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		s.metricsHTTP = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	})
	return s.metricsHTTP
}

// serveMetrics answers GET /metrics.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler().ServeHTTP(w, r)
}
