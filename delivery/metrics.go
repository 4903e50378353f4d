package delivery

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DurationBuckets suit both quick transforms and slow ones, in seconds.
var DurationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// Metrics are one delivery stream's counters. The hot path only adds
// to atomics; the collector reads them at scrape time.
type Metrics struct {
	IncomingRecords, IncomingBytes, Throttled atomic.Int64
	// A KinesisStreamAsSource stream's records and bytes read from its
	// data stream and placed (DataReadFromKinesisStream.*).
	KinesisSource                        atomic.Bool
	KinesisReadRecords, KinesisReadBytes atomic.Int64
	// Delivery to the destination: S3, or the HTTP endpoint.
	DelivRecords, DelivBytes, DelivSuccess, DelivAttempts atomic.Int64
	// Writes of S3 backup and error-output objects of an HTTP endpoint
	// destination, counted as DeliveryToS3 like AWS does for the backup.
	BackupRecords, BackupBytes, BackupSuccess, BackupAttempts atomic.Int64

	ProcSuccess, ProcAttempts  atomic.Int64
	ProcOKRecords, ProcOKBytes atomic.Int64
	ProcDuration               prometheus.Histogram // labelled with the stream

	// Splunk: the time from a send to its indexer acknowledgement.
	SplunkAckLatency prometheus.Histogram

	// S3 backup of an S3 destination (S3BackupMode Enabled).
	S3BackupRecords, S3BackupBytes, S3BackupSuccess, S3BackupAttempts atomic.Int64

	// Dynamic partitioning: active partitions (PartitionCount), 1 while
	// the limit is exceeded (PartitionCountExceeded), the MetadataExtraction
	// query's time (JQProcessing.Duration) and the bytes per second of the
	// last partition delivered (PerPartitionThroughput).
	DynamicPartitioning                                   atomic.Bool
	Partitions, PartitionExceeded, PerPartitionThroughput atomic.Int64
	JQDuration                                            prometheus.Histogram

	// Record format conversion: records and bytes converted
	// (SucceedConversion.*) and not (FailedConversion.*).
	Conversion                                                                             atomic.Bool
	ConversionOKRecords, ConversionOKBytes, ConversionFailedRecords, ConversionFailedBytes atomic.Int64

	// COPYs into a Redshift destination (DeliveryToRedshift.*); its
	// staging writes count as DeliveryToS3.
	RedshiftRecords, RedshiftBytes, RedshiftSuccess, RedshiftAttempts atomic.Int64
}

// NewMetrics returns the counters of the stream name in region.
func NewMetrics(region, name string) *Metrics {
	labels := prometheus.Labels{"region": region, "delivery_stream": name}
	return &Metrics{ProcDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:        "firehose_execute_processing_duration_seconds",
		Help:        "Transform invocation time (CloudWatch ExecuteProcessing.Duration).",
		Buckets:     DurationBuckets,
		ConstLabels: labels,
	}), SplunkAckLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:        "firehose_delivery_to_splunk_data_ack_latency_seconds",
		Help:        "Time from sending data to Splunk to its indexer acknowledgement (CloudWatch DeliveryToSplunk.DataAckLatency).",
		Buckets:     []float64{1, 5, 10, 30, 60, 120, 180, 300, 600},
		ConstLabels: labels,
	}), JQDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:        "firehose_jq_processing_duration_seconds",
		Help:        "Time the MetadataExtraction query takes per record (CloudWatch JQProcessing.Duration).",
		Buckets:     []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .1, 1},
		ConstLabels: labels,
	})}
}

// Metrics returns the stream's counters.
func (p *Pipeline) Metrics() *Metrics { return p.m }

// OldestUndelivered returns the arrival time of the oldest record still in
// the pipeline (zero when none), whether the destination is an HTTP
// endpoint, and whether it has a processor.
func (p *Pipeline) OldestUndelivered() (oldest time.Time, isHTTP, hasProc bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	consider := func(b *Batch) {
		if b == nil || len(b.arrivals) == 0 || b.errorType != "" || b.backup {
			return
		}
		select {
		case <-b.done: // delivered, not yet off the queue
			return
		default:
		}
		t := time.UnixMilli(b.arrivals[0])
		for _, a := range b.arrivals[1:] {
			if a < b.arrivals[0] {
				t = time.UnixMilli(a)
			}
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	consider(p.proc.buf)
	for _, b := range p.proc.queue {
		consider(b)
	}
	for _, pt := range p.parts {
		consider(pt.buf)
	}
	for _, b := range p.queue {
		consider(b)
	}
	return oldest, p.cfg.http != nil, p.cfg.proc != nil
}

// BufferState is what a pipeline holds at one moment, for the console.
type BufferState struct {
	Bytes, Records int
	SizeLimit      int
	// FiresIn is how long until the buffering interval cuts the buffer;
	// Timer is false when no interval is running.
	FiresIn time.Duration
	Timer   bool

	// The transform function's own buffer, in front of the destination's.
	ProcBytes, ProcRecords int
	ProcFiresIn            time.Duration
	ProcTimer              bool
	ProcQueued             int

	// Queued batches wait for (or are in) delivery; QueuedBytes is their
	// size before compression. DeliveryError is the last failure of the
	// oldest one, while it is being retried.
	Queued, QueuedBytes int
	DeliveryError       string

	// With dynamic partitioning: the open buffer of each partition (the
	// fields above add them up), by key; Active counts the partitions
	// with records not yet delivered.
	Partitions []PartitionState
	Active     int
}

// PartitionState is one partition's open buffer.
type PartitionState struct {
	Keys           string // e.g. customer=7 device=mobile
	Bytes, Records int
	FiresIn        time.Duration
}

// BufferState reads the pipeline's buffers and queues, for the console. It
// also returns the buffering interval in force.
func (p *Pipeline) BufferState(now time.Time) (BufferState, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := BufferState{SizeLimit: p.cfg.sizeLimit}
	for _, pt := range p.parts {
		if pt.buf == nil {
			continue
		}
		b.Bytes += len(pt.buf.data)
		b.Records += len(pt.buf.ends)
		fires := time.Duration(0)
		if pt.timer != nil {
			fires = max(0, pt.timerAt.Sub(now))
			if !b.Timer || fires < b.FiresIn {
				b.Timer, b.FiresIn = true, fires
			}
		}
		if pt.keys != nil {
			b.Partitions = append(b.Partitions, PartitionState{Keys: pt.keys.String(), Bytes: len(pt.buf.data), Records: len(pt.buf.ends), FiresIn: fires})
		}
	}
	slices.SortFunc(b.Partitions, func(x, y PartitionState) int { return strings.Compare(x.Keys, y.Keys) })
	if p.cfg.dp != nil {
		b.Active = len(p.active)
	}
	if c := p.cfg.proc; c != nil {
		if pb := p.proc.buf; pb != nil {
			b.ProcBytes, b.ProcRecords = len(pb.data), len(pb.ends)
			if p.proc.timer != nil {
				// The processor's interval starts with its first record.
				b.ProcTimer, b.ProcFiresIn = true, max(0, pb.first.Add(c.interval).Sub(now))
			}
		}
		b.ProcQueued = len(p.proc.queue)
	}
	b.Queued = len(p.queue)
	for _, q := range p.queue {
		b.QueuedBytes += len(q.data)
	}
	if len(p.queue) > 0 && p.queue[0].err != nil {
		b.DeliveryError = p.queue[0].err.Error()
	}
	return b, p.cfg.interval
}
