package delivery

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol"
)

// Destination buffers, one per partition. Without dynamic partitioning a
// stream has one partition, "", and one buffer. With it, every processed
// record gets its partition keys (from the MetadataExtraction query and
// from the Lambda's metadata.partitionKeys), and records with the same keys
// share a buffer, cut by its own size and interval into one object under
// the Prefix evaluated with those keys. A partition is active from its
// first record until its last batch is delivered; past the limit of active
// partitions records go to the error output (activePartitionExceeded), as
// do records whose keys cannot be found.

// partition is one destination buffer.
type partition struct {
	id      string // "" without dynamic partitioning
	keys    *protocol.PartitionKeys
	buf     *Batch
	timer   clock.Timer
	timerAt time.Time // when timer fires
}

// Dynamic partitioning defaults and limits (AWS documentation).
const (
	// DefaultActivePartitions is the default limit of active partitions of
	// a stream (AWS raises it to 5,000 on request).
	DefaultActivePartitions = 500
	// DefaultPartitionRetrySeconds is RetryOptions.DurationInSeconds'
	// default.
	DefaultPartitionRetrySeconds = 300
)

// Error-output types and codes of dynamic partitioning.
const (
	errTypeMetadataExtraction = "metadata-extraction-failed"
	errTypePartitionExceeded  = "activePartitionExceeded"
	// errTypePartitionDelivery is where a partition's records go once the
	// RetryOptions duration of its S3 writes has passed (unverified name).
	errTypePartitionDelivery = "partition-delivery-failed"

	codeMetadataExtraction = "DynamicPartitioning.MetadataExtractionFailed"
	codePartitionExceeded  = "DynamicPartitioning.ActivePartitionsLimitExceeded"
)

// dpConfig is a destination's dynamic partitioning.
type dpConfig struct {
	extract    *builtin.MetadataExtractor // nil: keys come from the Lambda only
	queryKeys  []string                   // the keys Prefix uses, by namespace, sorted
	lambdaKeys []string
	limit      int
	retry      time.Duration // RetryOptions: how long S3 writes of a partition are retried
}

// recordError is why a record goes to the error output.
type recordError struct{ errorType, code, message string }

// keysLocked finds a record's partition keys, every key the Prefix uses,
// and leaves the partition's ID in p.partID (the query's keys in p.found).
func (p *Pipeline) keysLocked(dp *dpConfig, r []byte, lambdaKeys map[string]string) *recordError {
	if dp.extract != nil {
		start := p.d.Clock.Now()
		var f *builtin.Failure
		p.found, f = dp.extract.Extract(p.found[:0], r)
		p.m.JQDuration.Observe(p.d.Clock.Now().Sub(start).Seconds())
		if f != nil {
			return &recordError{f.OutputType, f.Code, f.Message}
		}
	}
	id := p.partID[:0]
	i := 0
	for _, k := range dp.queryKeys { // both sorted by name
		for i < len(p.found) && p.found[i].Name < k {
			i++
		}
		if i == len(p.found) || p.found[i].Name != k {
			return &recordError{errTypeMetadataExtraction, codeMetadataExtraction, "The partition key " + k + " was not found in the record by the MetadataExtraction query."}
		}
		id = append(append(append(append(id, k...), '='), p.found[i].Value...), 0)
	}
	id = append(id, 1)
	for _, k := range dp.lambdaKeys {
		v, ok := lambdaKeys[k]
		if !ok {
			return &recordError{errTypeMetadataExtraction, codeMetadataExtraction, "The partition key " + k + " was not returned in metadata.partitionKeys by the Lambda function."}
		}
		id = append(append(append(append(id, k...), '='), v...), 0)
	}
	p.partID = id
	return nil
}

// partitionLocked returns the partition of the record whose keys
// keysLocked found, which arrived at ms, opening it if needed; or why the
// record cannot have one: the active-partition limit is reached, or the
// Prefix cannot be evaluated with its keys (too long).
func (p *Pipeline) partitionLocked(dp *dpConfig, lambdaKeys map[string]string, ms int64) (*partition, *recordError) {
	if pt := p.parts[string(p.partID)]; pt != nil {
		return pt, nil
	}
	id := string(p.partID)
	if p.active[id] == 0 && len(p.active) >= dp.limit {
		p.m.PartitionExceeded.Store(1)
		return nil, &recordError{errTypePartitionExceeded, codePartitionExceeded,
			"The number of active partitions exceeds the limit of the delivery stream."}
	}
	keys := &protocol.PartitionKeys{}
	if len(dp.queryKeys) > 0 {
		keys.Query = make(map[string]string, len(dp.queryKeys))
		for _, k := range p.found {
			if slices.Contains(dp.queryKeys, k.Name) {
				keys.Query[k.Name] = k.Value
			}
		}
	}
	if len(dp.lambdaKeys) > 0 {
		keys.Lambda = make(map[string]string, len(dp.lambdaKeys))
		for _, k := range dp.lambdaKeys {
			keys.Lambda[k] = lambdaKeys[k]
		}
	}
	if p.cfg.keys != nil {
		if _, err := p.cfg.keys.Partition(time.UnixMilli(ms), p.cfg.loc, zeroes{}, keys); err != nil {
			return nil, &recordError{errTypeMetadataExtraction, codeMetadataExtraction,
				"The S3 prefix of the record's partition cannot be evaluated: " + err.Error() + "."}
		}
	}
	pt := &partition{id: id, keys: keys}
	p.parts[id] = pt
	return pt, nil
}

// routeLocked sends one processed record on to its destination buffer,
// the buffer of its partition with dynamic partitioning, and returns that
// buffer's batch; or, when its keys cannot be found or the partition limit
// is reached, to the error output (showing raw), and returns that batch.
// lambdaKeys are the record's metadata.partitionKeys from the Lambda; m is
// its Kinesis metadata (nil: none).
func (p *Pipeline) routeLocked(r, raw []byte, m *KinesisMeta, ms int64, lambdaKeys map[string]string) *Batch {
	var pt *partition
	if dp := p.cfg.dp; dp != nil {
		rerr := p.keysLocked(dp, r, lambdaKeys)
		if rerr == nil {
			pt, rerr = p.partitionLocked(dp, lambdaKeys, ms)
		}
		if rerr != nil {
			p.d.Pending.Release(len(r))
			return p.errorRecordLocked(rerr.errorType, rerr.code, rerr.message, raw, ms)
		}
	} else {
		// The one partition, kept (a map lookup a record cost 4 % of a
		// PutRecordBatch); it is listed in parts while it has a buffer.
		if p.plain == nil {
			p.plain = &partition{}
		}
		if pt = p.plain; pt.buf == nil {
			p.parts[""] = pt
		}
	}
	var suffix []byte
	if d := p.cfg.delimiter; d != nil {
		suffix = d.Delimiter
		p.d.Pending.Add(int64(len(suffix)))
	}
	return p.appendLocked(pt, r, suffix, m, ms, time.UnixMilli(ms))
}

// sourceSeq is where in its data stream a record of a KinesisStreamAsSource
// stream was: its sequence number and subsequence (a KPL sub-record's index
// in its aggregate, else 0), which its format-conversion-failed and
// http-endpoint-failed documents show (firehose-pipeline.md §5.1).
type sourceSeq struct {
	seq string
	sub int64
}

// seqAt is record i's sequence numbers, if it has them.
func (b *Batch) seqAt(i int) (sourceSeq, bool) {
	if b.seqs == nil || b.seqs[i].seq == "" {
		return sourceSeq{}, false
	}
	return b.seqs[i], true
}

// appendLocked adds one record followed by suffix (the delimiter of
// AppendDelimiterToRecord, or nil), m its Kinesis metadata (or nil), to a
// destination buffer, cutting it first if the record would take it past
// the size hint, and after if it reaches it. It returns the batch the
// record went to. The record's sequence numbers are kept only where an
// error document may show them: with format conversion or an HTTP endpoint.
func (p *Pipeline) appendLocked(pt *partition, r, suffix []byte, m *KinesisMeta, ms int64, arrival time.Time) *Batch {
	size := len(r) + len(suffix)
	if pt.buf != nil && len(pt.buf.data)+size > p.cfg.sizeLimit {
		p.cutFullLocked(pt)
	}
	if pt.buf == nil {
		p.startLocked(pt, arrival)
	}
	b := pt.buf
	if need := len(b.data) + size; need > cap(b.data) {
		// Grown as append would, but never past the size hint, which the
		// buffer never exceeds (it is cut first): the store it is handed
		// to copies a buffer with much spare room.
		grown := make([]byte, len(b.data), min(max(2*cap(b.data), need), p.cfg.sizeLimit))
		copy(grown, b.data)
		b.data = grown
	}
	b.data = append(append(b.data, r...), suffix...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	p.linAddLocked(b, ms, lineage.BufDestination)
	if b.seqs != nil || (m != nil && m.SequenceNumber != "" && (b.cfg.conv != nil || b.cfg.http != nil)) {
		if b.seqs == nil {
			b.seqs = make([]sourceSeq, len(b.ends)-1, cap(b.ends))
		}
		var s sourceSeq
		if m != nil {
			s = sourceSeq{m.SequenceNumber, m.SubsequenceNumber}
		}
		b.seqs = append(b.seqs, s)
	}
	if len(b.data) >= p.cfg.sizeLimit {
		p.cutFullLocked(pt)
	}
	return b
}

// startLocked opens a new buffer whose interval starts with its first record.
// With zero buffering, put cuts the buffer itself after each call; records
// that arrive from the Lambda processor are cut by the delivery goroutine,
// woken here, once the processed batch is all in.
func (p *Pipeline) startLocked(pt *partition, now time.Time) {
	b := &Batch{cfg: p.cfg, first: now, done: make(chan struct{}), retryNow: make(chan struct{}, 1), partition: pt.id, keys: pt.keys}
	if pt.id == "" && p.lastCut.records > 0 {
		size := p.lastCut.data
		if p.lastCut.full {
			size = p.cfg.sizeLimit
		}
		b.data = make([]byte, 0, min(size, p.cfg.sizeLimit))
		b.ends = make([]int, 0, p.lastCut.records)
		b.arrivals = make([]int64, 0, p.lastCut.records)
	}
	pt.buf = b
	p.parts[pt.id] = pt // again, after a cut
	p.active[pt.id]++
	if pt.id != "" {
		p.m.Partitions.Store(int64(len(p.active)))
	}
	if p.cfg.interval == 0 && !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	if p.cfg.interval > 0 {
		pt.timerAt = p.d.Clock.Now().Add(p.cfg.interval)
		pt.timer = p.d.Clock.AfterFunc(p.cfg.interval, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if pt.buf == b {
				p.cutLocked(pt)
			}
		})
	}
}

// cutLocked moves a partition's open buffer to the delivery queue; the
// partition's buffer is then gone until its next record.
func (p *Pipeline) cutLocked(pt *partition) {
	if pt.buf == nil {
		return
	}
	if pt.timer != nil {
		pt.timer.Stop()
		pt.timer = nil
	}
	p.queue = append(p.queue, pt.buf)
	if pt.id == "" {
		p.lastCut.data, p.lastCut.records, p.lastCut.full = len(pt.buf.data), len(pt.buf.ends), false
	}
	pt.buf = nil
	delete(p.parts, pt.id)
	if !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// cutFullLocked is cutLocked for a buffer cut by size.
func (p *Pipeline) cutFullLocked(pt *partition) {
	p.cutLocked(pt)
	if pt.id == "" {
		p.lastCut.full = true
	}
}

// cutPartsLocked cuts every destination buffer, oldest first.
func (p *Pipeline) cutPartsLocked() {
	if len(p.parts) == 0 {
		return
	}
	parts := make([]*partition, 0, len(p.parts))
	for _, pt := range p.parts {
		parts = append(parts, pt)
	}
	slices.SortFunc(parts, func(a, b *partition) int {
		if c := a.buf.first.Compare(b.buf.first); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, pt := range parts {
		p.cutLocked(pt)
	}
}

// partitionDoneLocked ends b's hold on its partition: a partition is
// active until its last batch is delivered.
func (p *Pipeline) partitionDoneLocked(b *Batch) {
	if b.errorType != "" || b.backup {
		return
	}
	if p.active[b.partition]--; p.active[b.partition] <= 0 {
		delete(p.active, b.partition)
	}
	if p.cfg.dp != nil && len(p.active) < p.cfg.dp.limit {
		p.m.PartitionExceeded.Store(0)
	}
	if b.partition != "" || len(p.active) == 0 {
		p.m.Partitions.Store(int64(len(p.active)))
	}
}

// errorRecordLocked adds one record that cannot be delivered to the error
// output of its type, as an error document, and returns the error batch.
// The document counts as pending; the caller lets go of the record.
// Error batches of one put call (or one processed batch) are queued by
// queueErrorsLocked.
func (p *Pipeline) errorRecordLocked(errorType, code, message string, r []byte, ms int64) *Batch {
	doc, _ := json.Marshal(protocol.ProcessingErrorDocument{
		RawData:                base64.StdEncoding.EncodeToString(r),
		ErrorCode:              code,
		ErrorMessage:           message,
		AttemptsMade:           1,
		ArrivalTimestamp:       ms,
		AttemptEndingTimestamp: p.d.Clock.Now().UnixMilli(),
	})
	eb := p.errorDocLocked(errorType, doc, ms)
	p.d.Lineage.SetCode(p.lin, code)
	return eb
}

// errorDocLocked adds one error document, of a record that arrived at ms,
// to the error output of its type, and returns the error batch.
func (p *Pipeline) errorDocLocked(errorType string, doc []byte, ms int64) *Batch {
	eb := p.errs[errorType]
	if eb == nil {
		eb = &Batch{cfg: p.cfg, first: time.UnixMilli(ms), done: make(chan struct{}), retryNow: make(chan struct{}, 1), errorType: errorType}
		if p.errs == nil {
			p.errs = map[string]*Batch{}
		}
		p.errs[errorType] = eb
	}
	p.d.Pending.Add(int64(len(doc) + 1))
	eb.data = append(append(eb.data, doc...), '\n')
	eb.ends = append(eb.ends, len(eb.data))
	eb.arrivals = append(eb.arrivals, ms)
	p.linAddLocked(eb, ms, lineage.BufErrorOutput)
	return eb
}

// queueErrorsLocked queues the error batches errorRecordLocked collected,
// ahead of the open destination buffers.
func (p *Pipeline) queueErrorsLocked() {
	if len(p.errs) == 0 {
		return
	}
	for _, t := range slices.Sorted(maps.Keys(p.errs)) {
		p.queue = append(p.queue, p.errs[t])
	}
	clear(p.errs)
	if !p.closed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// zeroes reads as zero bytes: a Prefix evaluated only to check it needs no
// random strings.
type zeroes struct{}

func (zeroes) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// partitionFailed sends the records of a partition's batch that S3 did not
// take within the RetryOptions duration to the error output.
func (p *Pipeline) partitionFailed(b *Batch, code, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var eb *Batch
	for i := range b.ends {
		p.lin = b.linAt(i)
		eb = p.errorRecordLocked(errTypePartitionDelivery, code, message, record(b, i), b.arrivals[i])
	}
	p.lin = 0
	if eb != nil {
		eb.inherit(b.holds)
	}
	p.queueErrorsLocked()
}
