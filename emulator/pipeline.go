package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/s3fake"
)

// ObjectStore is where delivered objects go: the built-in S3, or an
// external S3-compatible store.
type ObjectStore interface {
	PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error
}

// ObjectMeta is what Firehose sets on a delivered object.
type ObjectMeta struct {
	ContentType     string
	ContentEncoding string
	KMSKeyARN       string // server-side encryption with this key, where the store supports it
}

// builtinStore writes to the built-in S3 through Go, not over HTTP.
type builtinStore struct{ s3 *s3fake.S3 }

func (b builtinStore) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	return b.s3.PutObject(ctx, bucket, key, body, s3fake.ObjectMeta{ContentType: meta.ContentType, ContentEncoding: meta.ContentEncoding})
}

// retryWindow is how long AWS keeps retrying an S3 delivery for a Direct
// PUT stream before the data is dropped.
const retryWindow = 24 * time.Hour

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
type pipeline struct {
	s      *Server
	log    *slog.Logger
	stream string
	arn    string
	region string

	mu       sync.Mutex
	cfg      destConfig
	buf      *batch // records not yet cut, or nil
	timer    Timer
	timerAt  time.Time // when timer fires
	queue    []*batch
	inflight *batch        // the batch being delivered
	wake     chan struct{} // signals the delivery goroutine
	closed   bool
	finished chan struct{} // closed when the delivery goroutine exits

	discarded chan struct{} // closed when the stream is deleted

	m *streamMetrics

	proc procStage // the Lambda processor's own buffer, in front of buf

	bk     backupStage  // AllData: source records on their way to the S3 backup
	client *http.Client // HTTP endpoint requests; used by the delivery goroutine only
}

// backupStage buffers an HTTP endpoint destination's source records for its
// S3 backup (S3BackupMode AllData); the pipeline's mutex guards it.
type backupStage struct {
	buf   *batch
	timer Timer
}

// destConfig is the destination configuration a batch is delivered with.
type destConfig struct {
	version   int
	bucket    string
	prefix    string
	errPrefix string
	sizeLimit int
	interval  time.Duration
	format    compression.Format
	ext       string
	loc       *time.Location
	kmsKeyARN string
	proc      *procConfig // nil: no data processing

	// Firehose's error events: the destination's, and for an HTTP
	// endpoint destination its S3 backup's. nil: logging off.
	logDest, logBackup *logTarget

	// For an HTTP endpoint destination the fields above describe its
	// S3Configuration (bucket, prefixes, compression) except sizeLimit and
	// interval, which are the endpoint's buffering hints; the backup buffer
	// (AllData) uses the S3Configuration's.
	http           *httpConfig // nil: the destination is S3 itself
	backupSize     int
	backupInterval time.Duration
}

// batch is one future S3 object.
type batch struct {
	cfg      destConfig
	data     []byte
	ends     []int   // end offset of each record in data
	arrivals []int64 // arrival of each record, Unix ms
	first    time.Time
	done     chan struct{} // closed once delivered or dropped (processed, for a processor batch)
	err      error         // last delivery error, under pipeline.mu
	retryNow chan struct{} // a flush cuts a backoff wait short

	errorType string // non-empty for an error-output object, e.g. "processing-failed"
	backup    bool   // an S3 backup object of an HTTP endpoint destination (AllData)

	holds []*walHold // with --data-dir: the logged put calls this batch has records of
}

// toS3 reports whether the batch is written to S3 (rather than sent to an
// HTTP endpoint).
func (b *batch) toS3() bool { return b.cfg.http == nil || b.errorType != "" || b.backup }

func newDestConfig(d destination, version int, maxInterval time.Duration, rewrites []EndpointRewrite) destConfig {
	if d.HTTP == nil {
		return newS3DestConfig(*d.S3, version, maxInterval)
	}
	h := *d.HTTP
	c := newS3DestConfig(s3Backup(h), version, maxInterval)
	c.backupSize, c.backupInterval = c.sizeLimit, c.interval
	size, interval := bufferingHints(h.BufferingHints)
	c.sizeLimit, c.interval = size<<20, time.Duration(interval)*time.Second
	if maxInterval > 0 && c.interval > maxInterval {
		c.interval = maxInterval
	}
	// The configuration was checked when it was accepted.
	c.proc, _ = parseProcessing(h.ProcessingConfiguration, maxInterval)
	c.http = newHTTPConfig(h, rewrites)
	c.logDest = newLogTarget(h.CloudWatchLoggingOptions, streamDestinationDelivery)
	if h.S3Configuration != nil {
		c.logBackup = newLogTarget(h.S3Configuration.CloudWatchLoggingOptions, streamBackupDelivery)
	}
	return c
}

func newS3DestConfig(d protocol.ExtendedS3DestinationConfiguration, version int, maxInterval time.Duration) destConfig {
	size, interval := bufferingHints(d.BufferingHints)
	c := destConfig{
		version:   version,
		bucket:    bucketFromARN(d.BucketARN),
		prefix:    deref(d.Prefix),
		errPrefix: deref(d.ErrorOutputPrefix),
		sizeLimit: size << 20,
		interval:  time.Duration(interval) * time.Second,
		format:    compression.Format(compressionFormat(d)),
		loc:       time.UTC,
	}
	if maxInterval > 0 && c.interval > maxInterval {
		c.interval = maxInterval
	}
	c.ext = c.format.Extension()
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
	c.proc, _ = parseProcessing(d.ProcessingConfiguration, maxInterval)
	return c
}

func bucketFromARN(arn string) string {
	if i := strings.Index(arn, ":::"); i >= 0 {
		return arn[i+3:]
	}
	return arn
}

func (s *Server) newPipeline(st *stream) *pipeline {
	p := &pipeline{
		s:         s,
		log:       s.log.With("stream", st.name, "region", st.region),
		stream:    st.name,
		arn:       st.arn,
		region:    st.region,
		cfg:       newDestConfig(st.dest, st.version, s.cfg.MaxBufferInterval, s.cfg.EndpointRewrites),
		wake:      make(chan struct{}, 1),
		finished:  make(chan struct{}),
		discarded: make(chan struct{}),
		proc:      procStage{wake: make(chan struct{}, 1)},
		m:         newStreamMetrics(st.region, st.name),
	}
	s.wg.Add(2)
	go p.run()
	go p.runProcessing()
	return p
}

// errSlowDown is returned for records refused because too much data is
// already waiting for delivery.
var errSlowDown = errors.New("slow down")

// put appends records that arrived at now, to the processor's buffer when
// the destination has data processing, else to the destination buffer. It
// returns, per record, nil or errSlowDown when the server's pending-data
// bound is reached.
func (p *pipeline) put(records [][]byte, now time.Time, results []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc.closed {
		for i := range results {
			results[i] = errSlowDown
		}
		return
	}
	ms := now.UnixMilli()
	for i, r := range records {
		if !p.s.reserve(len(r)) {
			results[i] = errSlowDown
			continue
		}
		p.addLocked(r, ms, now, nil)
	}
	p.endPutLocked()
}

// putLogged appends records that are already counted as pending and
// written to the write-ahead log as h's frame. It reports false, taking
// nothing, when the pipeline no longer accepts records (stream deleted).
func (p *pipeline) putLogged(records [][]byte, now time.Time, h *walHold) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc.closed {
		return false
	}
	ms := now.UnixMilli()
	for _, r := range records {
		p.addLocked(r, ms, now, h)
	}
	p.endPutLocked()
	return true
}

// addLocked adds one accepted record to the processor's buffer or the
// destination buffer, and to the S3 backup buffer with AllData.
func (p *pipeline) addLocked(r []byte, ms int64, now time.Time, h *walHold) {
	if p.cfg.http != nil && p.cfg.http.allData {
		p.backupAppendLocked(r, ms, now, h)
	}
	if p.cfg.proc != nil {
		p.procAppendLocked(r, ms, now, h)
	} else {
		p.appendLocked(r, ms, now).hold(h)
	}
}

// endPutLocked cuts the buffers of zero-buffering destinations after a put.
func (p *pipeline) endPutLocked() {
	if p.cfg.proc != nil {
		if p.cfg.proc.interval == 0 && p.proc.buf != nil {
			p.procCutLocked()
		}
	} else if p.cfg.interval == 0 && p.buf != nil {
		p.cutLocked()
	}
	if p.bk.buf != nil && p.cfg.backupInterval == 0 {
		p.backupCutLocked()
	}
}

// appendLocked adds one record to the destination buffer, cutting it first
// if the record would take it past the size hint, and after if it reaches it.
// It returns the batch the record went to.
func (p *pipeline) appendLocked(r []byte, ms int64, arrival time.Time) *batch {
	if p.buf != nil && len(p.buf.data)+len(r) > p.cfg.sizeLimit {
		p.cutLocked()
	}
	if p.buf == nil {
		p.startLocked(arrival)
	}
	b := p.buf
	b.data = append(b.data, r...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	if len(b.data) >= p.cfg.sizeLimit {
		p.cutLocked()
	}
	return b
}

// startLocked opens a new buffer whose interval starts with its first record.
// With zero buffering, put cuts the buffer itself after each call; records
// that arrive from the Lambda processor are cut by the delivery goroutine,
// woken here, once the processed batch is all in.
func (p *pipeline) startLocked(now time.Time) {
	b := &batch{cfg: p.cfg, first: now, done: make(chan struct{}), retryNow: make(chan struct{}, 1)}
	p.buf = b
	if p.cfg.interval == 0 && !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	if p.cfg.interval > 0 {
		p.timerAt = p.s.clock.Now().Add(p.cfg.interval)
		p.timer = p.s.clock.AfterFunc(p.cfg.interval, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.buf == b {
				p.cutLocked()
			}
		})
	}
}

// cutLocked moves the open buffer to the delivery queue.
func (p *pipeline) cutLocked() {
	if p.buf == nil {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.queue = append(p.queue, p.buf)
	p.buf = nil
	if !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// backupAppendLocked copies one source record into the S3 backup buffer
// (AllData), cut by the S3Configuration's buffering hints. The copy counts
// as pending data but is never refused: the record itself was accepted.
func (p *pipeline) backupAppendLocked(r []byte, ms int64, arrival time.Time, h *walHold) {
	if b := p.bk.buf; b != nil && len(b.data)+len(r) > p.cfg.backupSize {
		p.backupCutLocked()
	}
	if p.bk.buf == nil {
		b := &batch{cfg: p.cfg, first: arrival, done: make(chan struct{}), retryNow: make(chan struct{}, 1), backup: true}
		p.bk.buf = b
		if p.cfg.backupInterval > 0 {
			p.bk.timer = p.s.clock.AfterFunc(p.cfg.backupInterval, func() {
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
	p.s.pending.Add(int64(len(r)))
	b.data = append(b.data, r...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	if len(b.data) >= p.cfg.backupSize {
		p.backupCutLocked()
	}
}

// backupCutLocked moves the open backup buffer to the delivery queue.
func (p *pipeline) backupCutLocked() {
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
func (p *pipeline) cutAllLocked() {
	p.cutLocked()
	p.backupCutLocked()
}

// flush cuts the open buffer and returns every batch not yet delivered, so
// the caller can wait for them. Batches waiting to retry are retried now.
func (p *pipeline) flush() []*batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutAllLocked()
	out := append([]*batch(nil), p.queue...)
	for _, b := range out {
		select {
		case b.retryNow <- struct{}{}:
		default:
		}
	}
	return out
}

// reconfigure delivers what is buffered with the old configuration and
// buffers new records with the new one.
func (p *pipeline) reconfigure(d destination, version int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procCutLocked()
	p.cutAllLocked()
	p.cfg = newDestConfig(d, version, p.s.cfg.MaxBufferInterval, p.s.cfg.EndpointRewrites)
}

// discard drops everything buffered and stops the pipeline, as AWS does
// when a stream is deleted.
func (p *pipeline) discard() {
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
			p.s.release(len(b.data))
			p.s.releaseHolds(b)
			close(b.done)
		}
	}
	n += p.procDiscardLocked()
	if n > 0 {
		p.log.Info("stream deleted: buffered records discarded", "records", n)
	}
	p.queue = nil
	p.closed = true
	close(p.discarded)
	close(p.wake)
}

// close stops the pipeline after processing and delivering everything
// buffered (shutdown). The processing goroutine closes the delivery stage
// once its own queue is empty.
func (p *pipeline) close() {
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
func (p *pipeline) closeDelivery() {
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
func (p *pipeline) run() {
	defer p.s.wg.Done()
	defer close(p.finished)
	defer func() {
		if p.client != nil {
			p.client.CloseIdleConnections()
		}
	}()
	for {
		p.mu.Lock()
		if p.cfg.interval == 0 && p.buf != nil {
			p.cutLocked() // zero buffering: records the processor handed on
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
func (p *pipeline) deliver(b *batch) {
	defer func() {
		p.s.release(len(b.data))
		close(b.done)
	}()
	var finished bool
	if b.toS3() {
		finished = p.deliverS3(b)
	} else {
		finished = p.deliverHTTP(b)
	}
	if finished {
		p.s.releaseHolds(b)
	}
}

// isDiscarded reports whether the stream was deleted.
func (p *pipeline) isDiscarded() bool {
	select {
	case <-p.discarded:
		return true
	default:
		return false
	}
}

// deliverS3 writes one object, retrying with exponential backoff for up to
// the retry window. After the window AWS drops the data; so do we, loudly.
// It reports false if shutdown abandoned the batch before it was written
// (with --data-dir its records are delivered after the next start).
func (p *pipeline) deliverS3(b *batch) bool {
	started := p.s.clock.Now()
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		if p.isDiscarded() {
			return true
		}
		err := p.writeObject(b)
		if err != nil && p.s.isAborted() {
			p.log.Error("shutdown deadline reached: records not delivered", "destination", b.destination(), "records", len(b.ends))
			return false
		}
		p.countS3(b, err == nil)
		if err == nil {
			return true
		}
		p.mu.Lock()
		b.err = err
		p.mu.Unlock()
		code, msg := s3ErrorCode(err)
		p.logError(b.cfg, b.cfg.http != nil, code, msg, "")
		p.log.Warn("S3 delivery failed; will retry", "bucket", b.cfg.bucket, "attempt", attempt, "records", len(b.ends), "error", err)
		if p.s.clock.Now().Sub(started) >= retryWindow {
			p.log.Error("S3 delivery retry window (24 h) exhausted: records dropped, as AWS drops them", "bucket", b.cfg.bucket, "records", len(b.ends), "error", err)
			return true
		}
		if !p.wait(b, backoff) {
			// Discarded (stream deleted), or abandoned at shutdown.
			return p.isDiscarded()
		}
		backoff = min(backoff*2, 2*time.Minute)
	}
}

// countS3 counts one S3 put: a delivery for an S3 destination, a backup or
// error-output write for an HTTP endpoint destination.
func (p *pipeline) countS3(b *batch, ok bool) {
	m := p.m
	records, bytes, success, attempts := &m.delivRecords, &m.delivBytes, &m.delivSuccess, &m.delivAttempts
	if b.cfg.http != nil {
		records, bytes, success, attempts = &m.backupRecords, &m.backupBytes, &m.backupSuccess, &m.backupAttempts
	}
	attempts.Add(1)
	if ok {
		success.Add(1)
		records.Add(int64(len(b.ends)))
		bytes.Add(int64(len(b.data)))
	}
}

// wait sleeps for d on the server clock, or until a flush or stop asks for
// an immediate retry. It reports false if the pipeline was discarded or the
// server gave up delivering at shutdown.
func (p *pipeline) wait(b *batch, d time.Duration) bool {
	fired := make(chan struct{})
	t := p.s.clock.AfterFunc(d, func() { close(fired) })
	defer t.Stop()
	select {
	case <-fired:
	case <-b.retryNow:
	case <-p.discarded:
		return false
	case <-p.s.aborted:
		p.log.Error("shutdown deadline reached: records not delivered", "destination", b.destination(), "records", len(b.ends))
		return false
	}
	return true
}

// destination names where the batch goes, for logs.
func (b *batch) destination() string {
	if b.toS3() {
		return "s3://" + b.cfg.bucket
	}
	return b.cfg.http.logName
}

// writeObject compresses the batch and writes it under its key.
func (p *pipeline) writeObject(b *batch) error {
	c := b.cfg
	var prefix string
	var err error
	if b.errorType != "" {
		prefix, err = protocol.ErrorKeyPrefix(c.prefix, c.errPrefix, b.errorType, b.first, c.loc, nil)
	} else {
		prefix, err = protocol.DataKeyPrefix(c.prefix, b.first, c.loc, nil)
	}
	if err != nil {
		return fmt.Errorf("evaluating prefix: %w", err)
	}
	key := prefix + objectName(p.stream, c, b.first)
	body, err := compression.Compress(c.format, b.data, key[strings.LastIndex(key, "/")+1:])
	if err != nil {
		return err
	}
	meta := ObjectMeta{ContentType: "application/octet-stream", ContentEncoding: c.format.ContentEncoding(), KMSKeyARN: c.kmsKeyARN}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A forced shutdown does not wait for a store that hangs.
	stop := context.AfterFunc(p.s.abortCtx, cancel)
	defer stop()
	return p.s.store.PutObject(ctx, c.bucket, key, body, meta)
}

// objectName is <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>.
func objectName(stream string, c destConfig, first time.Time) string {
	t := first.In(c.loc)
	var sb strings.Builder
	sb.Grow(len(stream) + 64)
	sb.WriteString(stream)
	sb.WriteByte('-')
	sb.WriteString(strconv.Itoa(c.version))
	sb.WriteByte('-')
	sb.WriteString(t.Format("2006-01-02-15-04-05"))
	sb.WriteByte('-')
	sb.WriteString(uuid.NewString())
	sb.WriteString(c.ext)
	return sb.String()
}
