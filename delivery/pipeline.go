package delivery

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol"
)

// pipeline carries one stream's records from PutRecord to its destination:
//
//	put ──▶ buffer ──(size | interval | flush)──▶ queue ──▶ deliver ──▶ ObjectStore (S3 destination)
//	                                                          │      └─▶ HTTP requests (HTTP endpoint, httpdest.go)
//	                                                          │ failure
//	                                                          └─▶ retry with backoff: up to 24 h for S3; for an
//	                                                              endpoint, RetryOptions, then the S3 backup
//
// Records are concatenated verbatim in arrival order (for S3). Batches are
// delivered one at a time, in order, by the stream's own goroutine. An HTTP
// endpoint destination with S3BackupMode AllData also copies every source
// record into a backup buffer, cut by the S3Configuration's hints into the
// same queue.
type Pipeline struct {
	d      *Deps
	log    *slog.Logger
	stream string
	arn    string
	region string
	source string // the data stream of a KinesisStreamAsSource stream; "" for others

	// written counts the batches delivered (destination deliveries and
	// backups) and the error-output objects written, for flush answers.
	written, errorsWritten atomic.Int64

	mu     sync.Mutex
	cfg    destConfig
	parts  map[string]*partition // open destination buffers (partition.go)
	plain  *partition            // the partition without dynamic partitioning
	active map[string]int        // undelivered batches per partition
	errs   map[string]*Batch     // error documents of the put or batch at hand, by type
	found  []builtin.Key         // the keys of the record at hand (partition.go)
	partID []byte                // its partition's ID
	queue  []*Batch
	// lastCut is the size of the last buffer cut without dynamic
	// partitioning, and whether it was full (cut by size): the next one
	// starts with that much room, or all the size hint's, so a steady
	// stream does not copy its buffer as it grows (partition.go).
	lastCut struct {
		data, records int
		full          bool
	}
	inflight *Batch        // the batch being delivered
	wake     chan struct{} // signals the delivery goroutine
	closed   bool
	finished chan struct{} // closed when the delivery goroutine exits
	procDone chan struct{} // closed when the processing goroutine exits

	discarded   context.Context    // ends when the stream is deleted
	discardDone context.CancelFunc // ends discarded

	m *Metrics

	proc procStage // the Lambda processor's own buffer, in front of buf

	bk     backupStage   // AllData: source records on their way to the S3 backup
	client *http.Client  // HTTP endpoint requests; used by the delivery goroutine only
	pg     *redshiftConn // the Redshift cluster; used by the delivery goroutine only

	lin       uint64 // the lineage sequence number of the record at hand (lineage.go); 0: none
	linStream uint32
	linPut    *[]lineage.Placement // during a put call: where its records' placements collect
	linPutBuf []lineage.Placement
}

// backupStage buffers an HTTP endpoint destination's source records for its
// S3 backup (S3BackupMode AllData); the pipeline's mutex guards it.
type backupStage struct {
	buf   *Batch
	timer clock.Timer
}

// destConfig is the destination configuration a batch is delivered with.
type destConfig struct {
	version   int
	bucket    string
	prefix    string
	errPrefix string
	keys      *protocol.KeyPrefixes // prefix and errPrefix, parsed once
	keysErr   error                 // why they did not parse (checked when accepted)
	sizeLimit int
	interval  time.Duration
	format    compression.Format
	ext       string
	loc       *time.Location
	kmsKeyARN string
	proc      *procConfig                // the Lambda processor; nil: none
	pre       *preStages                 // the record stages in front of it; nil: none
	delimiter *builtin.DelimiterAppender // AppendDelimiterToRecord; nil: none
	dp        *dpConfig                  // nil: no dynamic partitioning
	conv      *convConfig                // record format conversion; nil: none

	// Firehose's error events: the destination's, and for an HTTP
	// endpoint destination its S3 backup's. nil: logging off.
	logDest, logBackup *logTarget

	// For an HTTP endpoint destination the fields above describe its
	// S3Configuration (bucket, prefixes, compression) except sizeLimit and
	// interval, which are the endpoint's buffering hints; the backup buffer
	// (AllData) uses the S3Configuration's.
	// An S3 destination with S3BackupMode Enabled: where the source
	// records are copied, with the backup's own prefixes, hints and
	// compression (backupSize and backupInterval are its hints).
	s3backup *destConfig

	dest           Destination     // where batches go (s3.go, httpendpoint.go, splunk.go, opensearch.go, redshift.go)
	http           *httpConfig     // nil: the destination is S3 itself (for Splunk: its log name, retry, AllEvents)
	splunk         *splunkConfig   // a Splunk destination (splunk.go)
	os             *osConfig       // an OpenSearch-family destination (opensearch.go); nil: none
	redshift       *redshiftConfig // nil: not a Redshift destination (redshift.go)
	backupSize     int
	backupInterval time.Duration
}

// batch is one future S3 object.
type Batch struct {
	cfg      destConfig
	data     []byte
	ends     []int   // end offset of each record in data
	arrivals []int64 // arrival of each record, Unix ms
	// kinesis is each record's Kinesis metadata, in a Lambda processor's
	// batch of a KinesisStreamAsSource stream; nil for other batches.
	kinesis   []KinesisMeta
	metaBytes int // a bound on the JSON of kinesis in the Lambda event
	first     time.Time
	done      chan struct{} // closed once delivered or dropped (processed, for a processor batch)
	err       error         // last delivery error, under pipeline.mu
	retryNow  chan struct{} // a flush cuts a backoff wait short

	errorType string // non-empty for an error-output object, e.g. "processing-failed"
	converted []byte // the object's body when its records were converted to Parquet
	backup    bool   // an S3 backup object: source records (AllData, or S3BackupMode Enabled)

	partition string                  // the partition's ID ("" without dynamic partitioning)
	keys      *protocol.PartitionKeys // its keys, for the Prefix

	holds []*Hold // with --data-dir: the logged put calls this batch has records of

	// seqs is each record's sequence numbers, in a destination batch of a
	// KinesisStreamAsSource stream whose error documents show them
	// (partition.go); nil for other batches.
	seqs      []sourceSeq
	stagedKey string // a Redshift destination's batch: its object in the staging bucket, once written

	// Record lineage (lineage.go): each record's sequence number (nil:
	// none tracked), the batch's fact in the index, the end of each
	// record's error document when the batch holds them as one record,
	// and the key it was written under.
	lin       []uint64
	linFact   uint32
	linEnds   []int
	objectKey string
}

// toS3 reports whether the batch is written to S3 (rather than sent to an
// HTTP endpoint).
func (b *Batch) toS3() bool {
	return (b.cfg.http == nil && b.cfg.os == nil && b.cfg.redshift == nil) || b.errorType != "" || b.backup
}

func newDestConfig(d Spec, version int, maxInterval time.Duration, rewrites []EndpointRewrite) destConfig {
	if d.Splunk != nil {
		return newSplunkDestConfig(*d.Splunk, version, maxInterval, rewrites)
	}
	if d.OpenSearch != nil {
		return newOpenSearchDestConfig(*d.OpenSearch, version, maxInterval, rewrites)
	}
	if d.Redshift != nil {
		return newRedshiftDestConfig(*d.Redshift, version, maxInterval, rewrites)
	}
	if d.HTTP == nil {
		return newS3DestConfig(*d.S3, version, maxInterval)
	}
	h := *d.HTTP
	c := newS3DestConfig(S3Backup(h), version, maxInterval)
	size, interval := BufferingHints(h.BufferingHints)
	c.useDestinationBuffer(size, interval, maxInterval)
	// The configuration was checked when it was accepted.
	pc, _ := parseProcessing(h.ProcessingConfiguration, maxInterval, false)
	c.setProcessing(pc)
	c.http = newHTTPConfig(h, rewrites)
	c.dest = httpEndpoint{}
	c.setDestinationLogs(h.CloudWatchLoggingOptions, h.S3Configuration)
	return c
}

func newS3DestConfig(d protocol.ExtendedS3DestinationConfiguration, version int, maxInterval time.Duration) destConfig {
	size, interval := BufferingHints(d.BufferingHints)
	c := destConfig{
		dest:      s3Destination{},
		version:   version,
		bucket:    BucketFromARN(d.BucketARN),
		prefix:    deref(d.Prefix),
		errPrefix: deref(d.ErrorOutputPrefix),
		sizeLimit: size << 20,
		interval:  time.Duration(interval) * time.Second,
		format:    compression.Format(CompressionFormat(d)),
		loc:       time.UTC,
	}
	if maxInterval > 0 && c.interval > maxInterval {
		c.interval = maxInterval
	}
	c.keys, c.keysErr = protocol.ParseKeyPrefixes(c.prefix, c.errPrefix)
	c.ext = c.format.Extension()
	if ConversionEnabled(d) {
		c.conv = newConvConfig(d.DataFormatConversionConfiguration)
		c.ext = ".parquet"
		if d.BufferingHints == nil {
			c.sizeLimit = DefaultConversionBufferMB << 20
		}
	}
	c.logDest = newLogTarget(d.CloudWatchLoggingOptions, streamDestinationDelivery)
	if d.FileExtension != nil && *d.FileExtension != "" {
		c.ext = *d.FileExtension
	}
	if tz := deref(d.CustomTimeZone); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			c.loc = loc
		}
	}
	if e := d.EncryptionConfiguration; e != nil && e.KMSEncryptionConfig != nil {
		c.kmsKeyARN = e.KMSEncryptionConfig.AWSKMSKeyARN
	}
	// The configuration was checked when it was accepted.
	pc, _ := parseProcessing(d.ProcessingConfiguration, maxInterval, DynamicPartitioning(d))
	c.setProcessing(pc)
	if DynamicPartitioning(d) {
		c.dp = &dpConfig{limit: DefaultActivePartitions, retry: DefaultPartitionRetrySeconds * time.Second}
		if pc != nil {
			c.dp.extract = pc.extract
		}
		if r := d.DynamicPartitioningConfiguration.RetryOptions; r != nil && r.DurationInSeconds != nil {
			c.dp.retry = time.Duration(*r.DurationInSeconds) * time.Second
		}
		if c.keys != nil {
			c.dp.queryKeys, c.dp.lambdaKeys = c.keys.PartitionKeyNames()
			slices.Sort(c.dp.queryKeys)
			slices.Sort(c.dp.lambdaKeys)
		}
	}
	if d.S3BackupMode == "Enabled" && d.S3BackupConfiguration != nil {
		b := newS3DestConfig(ExtendedS3(d.S3BackupConfiguration), version, maxInterval)
		b.logDest = newLogTarget(d.S3BackupConfiguration.CloudWatchLoggingOptions, streamBackupDelivery)
		c.s3backup = &b
		c.backupSize, c.backupInterval = b.sizeLimit, b.interval
	}
	return c
}

// setProcessing takes a parsed ProcessingConfiguration (nil: none).
func (c *destConfig) setProcessing(pc *processing) {
	if pc != nil {
		c.proc, c.pre, c.delimiter = pc.proc, pc.pre, pc.delimiter
	}
}

// DynamicPartitioning reports whether d has dynamic partitioning on.
func DynamicPartitioning(d protocol.ExtendedS3DestinationConfiguration) bool {
	c := d.DynamicPartitioningConfiguration
	return c != nil && c.Enabled != nil && *c.Enabled
}

// New starts the pipeline of the stream id, delivering to dest as of the
// stream's configuration version. Close or Discard stops it.
func New(d *Deps, id Stream, dest Spec, version int) *Pipeline {
	p := &Pipeline{
		d:        d,
		log:      d.Logger.With("stream", id.Name, "region", id.Region),
		stream:   id.Name,
		arn:      id.ARN,
		region:   id.Region,
		source:   id.KinesisSource,
		cfg:      newDestConfig(dest, version, d.MaxBufferInterval, d.EndpointRewrites),
		wake:     make(chan struct{}, 1),
		finished: make(chan struct{}),
		procDone: make(chan struct{}),
		parts:    map[string]*partition{},
		active:   map[string]int{},
		proc:     procStage{wake: make(chan struct{}, 1)},
		m:        NewMetrics(id.Region, id.Name),
	}
	p.linStream = d.Lineage.Stream(id.Region, id.Name)
	p.m.DynamicPartitioning.Store(p.cfg.dp != nil)
	p.m.Conversion.Store(p.cfg.conv != nil)
	p.discarded, p.discardDone = context.WithCancel(context.Background())
	d.WG.Add(2)
	go p.run()
	go p.runProcessing()
	return p
}

// KinesisMeta is where a record read from a Kinesis data stream came from,
// for a Lambda processor's event (its kinesisRecordMetadata) and error
// documents (sequenceNumber, dataId).
type KinesisMeta struct {
	ShardID, PartitionKey, SequenceNumber string
	// SubsequenceNumber is a KPL sub-record's index in its aggregate; 0
	// for other records.
	SubsequenceNumber int64
	Arrival           int64 // in the data stream, Unix ms
}

// ErrSlowDown is returned for records refused because too much data is
// already waiting for delivery.
var ErrSlowDown = errors.New("slow down")

// Put appends records that arrived at now, to the processor's buffer when
// the destination has data processing, else to the destination buffer. It
// returns, per record, nil or ErrSlowDown when the server's pending-data
// bound is reached.
func (p *Pipeline) Put(records [][]byte, now time.Time, results []error) {
	p.PutMeta(records, nil, now, results)
}

// PutMeta is Put for records with metadata: meta, if not nil, has one
// entry per record.
func (p *Pipeline) PutMeta(records [][]byte, meta []KinesisMeta, now time.Time, results []error) {
	p.PutSeq(records, meta, Seqs{}, now, results)
}

// PutSeq is PutMeta for records with lineage sequence numbers.
func (p *Pipeline) PutSeq(records [][]byte, meta []KinesisMeta, seqs Seqs, now time.Time, results []error) {
	if p.d.Lineage == nil {
		seqs = Seqs{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc.closed {
		for i := range results {
			results[i] = ErrSlowDown
		}
		return
	}
	ms := now.UnixMilli()
	p.linPutStartLocked(seqs)
	// One reservation for the whole call when the budget has room for
	// it (the delivery goroutines release bytes concurrently: one atomic
	// add instead of one a record); a record at a time when it has not,
	// accepting those that fit.
	total := 0
	for _, r := range records {
		total += len(r)
	}
	all := p.d.Pending.Reserve(total)
	for i, r := range records {
		if !all && !p.d.Pending.Reserve(len(r)) {
			results[i] = ErrSlowDown
			continue
		}
		p.lin = seqs.at(i)
		p.addLocked(r, metaAt(meta, i), ms, now, nil)
	}
	p.lin = 0
	p.linPutEndLocked(ms)
	p.endPutLocked()
	p.queueErrorsLocked()
}

// PutLogged appends records that are already counted as pending and
// written to the write-ahead log as h's frame. It reports false, taking
// nothing, when the pipeline no longer accepts records (stream deleted).
func (p *Pipeline) PutLogged(records [][]byte, now time.Time, h *Hold) bool {
	return p.PutLoggedMeta(records, nil, now, h)
}

// PutLoggedMeta is PutLogged for records with metadata: meta, if not nil,
// has one entry per record.
func (p *Pipeline) PutLoggedMeta(records [][]byte, meta []KinesisMeta, now time.Time, h *Hold) bool {
	return p.PutLoggedSeq(records, meta, Seqs{}, now, h)
}

// PutLoggedSeq is PutLoggedMeta for records with lineage sequence numbers.
func (p *Pipeline) PutLoggedSeq(records [][]byte, meta []KinesisMeta, seqs Seqs, now time.Time, h *Hold) bool {
	if p.d.Lineage == nil {
		seqs = Seqs{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc.closed {
		return false
	}
	ms := now.UnixMilli()
	p.linPutStartLocked(seqs)
	for i, r := range records {
		p.lin = seqs.at(i)
		p.addLocked(r, metaAt(meta, i), ms, now, h)
	}
	p.lin = 0
	p.linPutEndLocked(ms)
	p.endPutLocked()
	p.queueErrorsLocked()
	return true
}

func metaAt(meta []KinesisMeta, i int) *KinesisMeta {
	if meta == nil {
		return nil
	}
	return &meta[i]
}

// addLocked adds one accepted record to the processor's buffer or the
// destination buffer, and to the S3 backup buffer with AllData. m is its
// Kinesis metadata (nil: none), for a Lambda processor's event and the
// sequence numbers of error documents.
func (p *Pipeline) addLocked(r []byte, m *KinesisMeta, ms int64, now time.Time, h *Hold) {
	if (p.cfg.http != nil && p.cfg.http.allData) || p.cfg.s3backup != nil || (p.cfg.os != nil && p.cfg.os.allDocs) {
		p.backupAppendLocked(r, ms, now, h)
	}
	pre := p.cfg.pre
	if pre == nil {
		p.addProcessedLocked(r, r, m, ms, now, h)
		return
	}
	out, f := pre.run(r)
	p.d.Pending.Release(len(r))
	if f != nil {
		p.errorRecordLocked(f.OutputType, f.Code, f.Message, r, ms).hold(h)
		return
	}
	for _, sub := range out {
		p.d.Pending.Add(int64(len(sub)))
		p.addProcessedLocked(sub, pre.rawOf(r, sub), m, ms, now, h)
	}
}

// addProcessedLocked adds a record that came through the record stages
// (raw: what error documents show of it) to the Lambda processor's buffer,
// or on to its destination buffer.
func (p *Pipeline) addProcessedLocked(r, raw []byte, m *KinesisMeta, ms int64, now time.Time, h *Hold) {
	if p.cfg.proc != nil {
		p.procAppendLocked(r, m, ms, now, h)
	} else {
		p.routeLocked(r, raw, m, ms, nil).hold(h)
	}
}

// endPutLocked cuts the buffers of zero-buffering destinations after a put.
func (p *Pipeline) endPutLocked() {
	if p.cfg.proc != nil {
		if p.cfg.proc.interval == 0 && p.proc.buf != nil {
			p.procCutLocked()
		}
	} else if p.cfg.interval == 0 {
		p.cutPartsLocked()
	}
	if p.bk.buf != nil && p.cfg.backupInterval == 0 {
		p.backupCutLocked()
	}
}

// backupAppendLocked copies one source record into the S3 backup buffer
// (AllData), cut by the S3Configuration's buffering hints. The copy counts
// as pending data but is never refused: the record itself was accepted.
func (p *Pipeline) backupAppendLocked(r []byte, ms int64, arrival time.Time, h *Hold) {
	if b := p.bk.buf; b != nil && len(b.data)+len(r) > p.cfg.backupSize {
		p.backupCutLocked()
	}
	if p.bk.buf == nil {
		cfg := p.cfg
		if p.cfg.s3backup != nil {
			cfg = *p.cfg.s3backup
		}
		b := &Batch{cfg: cfg, first: arrival, done: make(chan struct{}), retryNow: make(chan struct{}, 1), backup: true}
		p.bk.buf = b
		if p.cfg.backupInterval > 0 {
			p.bk.timer = p.d.Clock.AfterFunc(p.cfg.backupInterval, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.bk.buf == b {
					p.backupCutLocked()
				}
			})
		}
	}
	b := p.bk.buf
	b.hold(h)
	p.d.Pending.Add(int64(len(r)))
	b.data = append(b.data, r...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	p.linBackupLocked(b)
	if len(b.data) >= p.cfg.backupSize {
		p.backupCutLocked()
	}
}

// backupCutLocked moves the open backup buffer to the delivery queue.
func (p *Pipeline) backupCutLocked() {
	if p.bk.buf == nil {
		return
	}
	if p.bk.timer != nil {
		p.bk.timer.Stop()
		p.bk.timer = nil
	}
	p.queue = append(p.queue, p.bk.buf)
	p.bk.buf = nil
	if !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// cutAllLocked cuts the destination buffer and the S3 backup buffer.
func (p *Pipeline) cutAllLocked() {
	p.cutPartsLocked()
	p.backupCutLocked()
}

// ErrorBatches returns the error-output batches queued and not yet
// delivered: a flush waits for those a delivery it waited on queued (the
// records a conversion could not convert, a partition's failed records).
func (p *Pipeline) ErrorBatches() []*Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*Batch
	for _, b := range p.queue {
		if b.errorType != "" {
			out = append(out, b)
		}
	}
	return out
}

// Flush cuts the open buffer and returns every batch not yet delivered, so
// the caller can wait for them. Batches waiting to retry are retried now.
func (p *Pipeline) Flush() []*Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutAllLocked()
	out := append([]*Batch(nil), p.queue...)
	for _, b := range out {
		select {
		case b.retryNow <- struct{}{}:
		default:
		}
	}
	return out
}

// Reconfigure delivers what is buffered with the old configuration and
// buffers new records with the new one.
func (p *Pipeline) Reconfigure(d Spec, version int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procCutLocked()
	p.cutAllLocked()
	p.cfg = newDestConfig(d, version, p.d.MaxBufferInterval, p.d.EndpointRewrites)
	p.m.DynamicPartitioning.Store(p.cfg.dp != nil)
	p.m.Conversion.Store(p.cfg.conv != nil)
}

// Discard drops everything buffered and stops the pipeline, as AWS does
// when a stream is deleted.
func (p *Pipeline) Discard() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.cutAllLocked()
	n := 0
	for _, b := range p.queue {
		n += len(b.ends)
		if b != p.inflight {
			p.d.Pending.Release(len(b.data))
			p.releaseHolds(b)
			close(b.done)
		}
	}
	n += p.procDiscardLocked()
	if n > 0 {
		p.log.Info("stream deleted: buffered records discarded", "records", n)
	}
	p.queue = nil
	p.closed = true
	p.discardDone()
	close(p.wake)
}

// Close stops the pipeline after processing and delivering everything
// buffered (shutdown). The processing goroutine closes the delivery stage
// once its own queue is empty.
func (p *Pipeline) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc.closed {
		return
	}
	p.procCutLocked()
	p.proc.closed = true
	close(p.proc.wake)
}

// closeDelivery cuts the destination buffer and lets the delivery goroutine
// finish once its queue is empty.
func (p *Pipeline) closeDelivery() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.cutAllLocked()
	p.closed = true
	close(p.wake)
}

// run delivers queued batches in order until the pipeline is closed and
// its queue is empty.
func (p *Pipeline) run() {
	defer p.d.WG.Done()
	defer close(p.finished)
	defer func() {
		if p.client != nil {
			p.client.CloseIdleConnections()
		}
		p.closeRedshift()
	}()
	for {
		p.mu.Lock()
		if p.cfg.interval == 0 {
			p.cutPartsLocked() // zero buffering: records the processor handed on
		}
		if len(p.queue) == 0 {
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return
			}
			if _, ok := <-p.wake; !ok {
				p.mu.Lock()
				empty := len(p.queue) == 0
				p.mu.Unlock()
				if empty {
					return
				}
			}
			continue
		}
		b := p.queue[0]
		p.inflight = b
		p.mu.Unlock()
		p.deliver(b)
		p.mu.Lock()
		p.inflight = nil
		if len(p.queue) > 0 && p.queue[0] == b {
			p.queue = p.queue[1:]
		}
		p.mu.Unlock()
	}
}

// deliver hands one batch to its destination: an S3 object, or requests to
// an HTTP endpoint. Failures are logged and counted, never returned to the
// producer. Unless shutdown abandoned the batch, its records are then done
// in the write-ahead log.
func (p *Pipeline) deliver(b *Batch) {
	defer func() {
		p.d.Pending.Release(len(b.data))
		p.mu.Lock()
		p.partitionDoneLocked(b)
		p.mu.Unlock()
		close(b.done)
	}()
	// A flush's "retry now" is for a batch waiting out a backoff: one sent
	// before the first attempt must not make the first retry immediate.
	select {
	case <-b.retryNow:
	default:
	}
	if destinationOf(b).Deliver(p, b) {
		p.linWritten(b)
		p.releaseHolds(b)
		if b.errorType != "" {
			p.errorsWritten.Add(1)
		} else {
			p.written.Add(1)
		}
	}
}

// Written returns how many batches the pipeline has delivered to its
// destination or backup, and how many error-output objects it has written.
func (p *Pipeline) Written() (batches, errorObjects int64) {
	return p.written.Load(), p.errorsWritten.Load()
}

// isDiscarded reports whether the stream was deleted.
func (p *Pipeline) isDiscarded() bool { return p.discarded.Err() != nil }

// batchContext is the one way a pipeline stops waiting on work in flight:
// a context that ends with parent, when shutdown stops waiting for
// deliveries, and, if discard, when the stream is deleted. Call stop when
// done.
func (p *Pipeline) batchContext(parent context.Context, discard bool) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	stopAbort := context.AfterFunc(p.d.Abort, cancel)
	stopDiscard := func() bool { return false }
	if discard {
		stopDiscard = context.AfterFunc(p.discarded, cancel)
	}
	return ctx, func() {
		stopAbort()
		stopDiscard()
		cancel()
	}
}

// wait sleeps for d on the server clock, or until a flush or stop asks for
// an immediate retry. It reports false if the pipeline was discarded or the
// server gave up delivering at shutdown.
func (p *Pipeline) wait(b *Batch, d time.Duration) bool {
	fired := make(chan struct{})
	t := p.d.Clock.AfterFunc(d, func() { close(fired) })
	defer t.Stop()
	select {
	case <-fired:
	case <-b.retryNow:
	case <-p.discarded.Done():
		return false
	case <-p.d.Abort.Done():
		p.log.Error("shutdown deadline reached: records not delivered", "destination", b.destination(), "records", len(b.ends))
		return false
	}
	return true
}

// destination names where the batch goes, for logs.
func (b *Batch) destination() string { return destinationOf(b).Name(b) }
