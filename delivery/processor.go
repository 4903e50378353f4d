package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol"
)

// A Processor transforms a destination's records before delivery, as one
// of Firehose's data processors does: the Lambda processor (lambda.go) now,
// the built-in ones next. The processing stage buffers records by the
// processor's own hints, hands it one batch at a time, and does the rest:
// Ok records go on to the destination buffer with their original arrival
// times, ProcessingFailed ones (or the whole batch, when the processor
// failed) to the error output as error documents.
type Processor interface {
	// Process transforms b's records, retrying as its configuration says.
	// It reports false if ctx ended first (the stream was deleted, or
	// shutdown stopped waiting).
	Process(ctx context.Context, p *Pipeline, b *Batch) (Outcome, bool)
	// Name is the processor in error documents and error events (the
	// Lambda function's ARN).
	Name() string
}

// Outcome is what a processor made of a batch: a Result per record, in
// order, or a Failure shared by every record.
type Outcome struct {
	Results  []Result
	Failure  *Failure
	Attempts int
	// Calls are the attempts' request IDs and errors, and Duration their
	// time, for record lineage.
	Calls    []lineage.Attempt
	Duration time.Duration
}

// Result is one record's outcome.
type Result struct {
	Status string // "Ok", "Dropped" or "ProcessingFailed"
	Data   []byte // Ok: the record as transformed
	// Ok: the record's metadata.partitionKeys, for dynamic partitioning.
	PartitionKeys map[string]string
	// ProcessingFailed: the error document's code and message.
	Code, Message string
}

// Failure is why a processor produced no results for a batch.
type Failure struct{ Code, Message string }

// procConfig is a destination's processor, with the buffering hints of its
// stage.
type procConfig struct {
	processor Processor
	sizeLimit int
	interval  time.Duration
	// fits reports whether a batch of n record bytes (plus a bound on the
	// JSON of their Kinesis metadata) in count records is one the
	// processor takes (a Lambda event has a size limit); nil: any.
	fits func(n, count int) bool
}

// procStage is the processor's buffer and queue; the pipeline's mutex
// guards it. Records wait here, are sent through the function in batches,
// and what the function returns Ok goes on to the destination buffer.
type procStage struct {
	buf      *Batch
	timer    clock.Timer
	queue    []*Batch
	inflight *Batch
	wake     chan struct{}
	closed   bool
}

func (p *Pipeline) procAppendLocked(r []byte, m *KinesisMeta, ms int64, arrival time.Time, h *Hold) {
	c := p.cfg.proc
	extra := 0
	if m != nil {
		extra = m.eventSize()
	}
	if b := p.proc.buf; b != nil && (len(b.data)+len(r) > c.sizeLimit || (c.fits != nil && !c.fits(len(b.data)+len(r)+b.metaBytes+extra, len(b.ends)+1))) {
		p.procCutLocked()
	}
	if p.proc.buf == nil {
		b := &Batch{cfg: p.cfg, first: arrival, done: make(chan struct{})}
		p.proc.buf = b
		if c.interval > 0 {
			p.proc.timer = p.d.Clock.AfterFunc(c.interval, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.proc.buf == b {
					p.procCutLocked()
				}
			})
		}
	}
	b := p.proc.buf
	b.hold(h)
	b.data = append(b.data, r...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	p.linAddLocked(b, ms, lineage.BufProcessor)
	if m != nil || b.kinesis != nil {
		if b.kinesis == nil {
			b.kinesis = make([]KinesisMeta, len(b.ends)-1, cap(b.ends))
		}
		var v KinesisMeta
		if m != nil {
			v = *m
		}
		b.kinesis = append(b.kinesis, v)
		b.metaBytes += extra
	}
	if len(b.data) >= c.sizeLimit {
		p.procCutLocked()
	}
}

// eventSize bounds the JSON of m in a Lambda event: the member names and
// numbers, and the strings even if every byte were escaped.
func (m *KinesisMeta) eventSize() int {
	return 192 + 6*(len(m.ShardID)+len(m.PartitionKey)+len(m.SequenceNumber))
}

func (p *Pipeline) procCutLocked() {
	if p.proc.buf == nil {
		return
	}
	if p.proc.timer != nil {
		p.proc.timer.Stop()
		p.proc.timer = nil
	}
	p.proc.queue = append(p.proc.queue, p.proc.buf)
	p.proc.buf = nil
	if !p.proc.closed {
		select {
		case p.proc.wake <- struct{}{}:
		default:
		}
	}
}

// FlushProcessing cuts the processor's buffer and returns the batches still
// to be processed.
func (p *Pipeline) FlushProcessing() []*Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procCutLocked()
	return append([]*Batch(nil), p.proc.queue...)
}

// procDiscardLocked drops the processor's records (stream deleted) and
// returns how many there were.
func (p *Pipeline) procDiscardLocked() int {
	p.procCutLocked()
	n := 0
	for _, b := range p.proc.queue {
		n += len(b.ends)
		if b != p.proc.inflight {
			p.d.Pending.Release(len(b.data))
			p.releaseHolds(b)
			close(b.done)
		}
	}
	p.proc.queue = nil
	if !p.proc.closed {
		p.proc.closed = true
		close(p.proc.wake)
	}
	return n
}

// runProcessing sends processor batches through the function in order. When
// the stage is closed and drained it closes the delivery stage.
func (p *Pipeline) runProcessing() {
	defer p.d.WG.Done()
	defer close(p.procDone)
	defer p.closeDelivery()
	for {
		p.mu.Lock()
		if len(p.proc.queue) == 0 {
			closed := p.proc.closed
			p.mu.Unlock()
			if closed {
				return
			}
			<-p.proc.wake
			continue
		}
		b := p.proc.queue[0]
		p.proc.inflight = b
		p.mu.Unlock()
		p.process(b)
		p.mu.Lock()
		p.proc.inflight = nil
		if len(p.proc.queue) > 0 && p.proc.queue[0] == b {
			p.proc.queue = p.proc.queue[1:]
		}
		p.mu.Unlock()
	}
}

func record(b *Batch, i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.data[start:b.ends[i]]
}

type failedRecord struct {
	index         int
	code, message string
}

// process sends one processor batch through the processor and hands the
// outcome on: Ok records to the destination buffer, ProcessingFailed
// records (or the whole batch, when the processor failed) to the error
// output. Nothing is dropped silently.
func (p *Pipeline) process(b *Batch) {
	proc := b.cfg.proc.processor
	ctx, stop := p.batchContext(context.Background(), true)
	defer stop()
	out, ok := proc.Process(ctx, p, b)
	if !ok {
		// Stream deleted: the records are discarded. Shutdown abandoned
		// them: with --data-dir they are processed after the next start.
		if p.isDiscarded() {
			p.d.Pending.Release(len(b.data))
			p.releaseHolds(b)
			close(b.done)
		}
		return
	}
	var failed []failedRecord
	if f := out.Failure; f != nil {
		failed = make([]failedRecord, len(b.ends))
		for i := range failed {
			failed[i] = failedRecord{index: i, code: f.Code, message: f.Message}
		}
		p.log.Error("processing failed after all retries: records written to the error output", "processor", proc.Name(), "attempts", out.Attempts, "records", len(b.ends), "errorCode", f.Code)
		out.Results = nil
	}
	for i, r := range out.Results {
		if r.Status == "ProcessingFailed" {
			failed = append(failed, failedRecord{index: i, code: r.Code, message: r.Message})
		}
	}
	p.linProcessed(b, out, proc.Name())
	p.finishProcessing(b, out.Results, failed, out.Attempts, proc.Name())
}

// finishProcessing moves Ok records into the destination buffer (with their
// original arrival times) and failed records into an error-output object,
// then marks the processor batch done.
func (p *Pipeline) finishProcessing(b *Batch, results []Result, failed []failedRecord, attempts int, processor string) {
	now := p.d.Clock.Now().UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer close(b.done)
	p.d.Pending.Release(len(b.data))
	// The source records are done in the write-ahead log once every batch
	// their results went to is: those batches take over b's holds.
	defer p.releaseHolds(b)
	if p.closed {
		return
	}
	var last *Batch
	var inherited map[*Batch]bool // with several partitions, the batches that took b's holds
	for i, r := range results {
		if r.Status == "Ok" {
			p.d.Pending.Add(int64(len(r.Data)))
			p.lin = b.linAt(i)
			ob := p.routeLocked(r.Data, r.Data, metaAt(b.kinesis, i), b.arrivals[i], r.PartitionKeys)
			if ob != last && !inherited[ob] {
				ob.inherit(b.holds)
				if last != nil {
					if inherited == nil {
						inherited = map[*Batch]bool{last: true}
					}
					inherited[ob] = true
				}
				last = ob
			}
			p.m.ProcOKRecords.Add(1)
			p.m.ProcOKBytes.Add(int64(len(r.Data)))
		}
	}
	p.lin = 0
	p.queueErrorsLocked()
	if len(failed) == 0 {
		return
	}
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	var linSeqs []uint64
	var linEnds []int
	for _, f := range failed {
		_ = enc.Encode(protocol.ProcessingErrorDocument{
			RawData:                base64.StdEncoding.EncodeToString(record(b, f.index)),
			ErrorCode:              f.code,
			ErrorMessage:           f.message,
			AttemptsMade:           attempts,
			ArrivalTimestamp:       b.arrivals[f.index],
			AttemptEndingTimestamp: now,
			LambdaARN:              processor,
		})
		if b.lin != nil {
			linSeqs, linEnds = append(linSeqs, b.lin[f.index]), append(linEnds, lines.Len())
		}
	}
	eb := &Batch{cfg: p.cfg, data: lines.Bytes(), first: time.UnixMilli(b.arrivals[failed[0].index]),
		done: make(chan struct{}), retryNow: make(chan struct{}, 1), errorType: "processing-failed"}
	eb.ends = []int{len(eb.data)}
	eb.arrivals = []int64{b.arrivals[failed[0].index]}
	eb.inherit(b.holds)
	p.linErrorDocs(eb, linSeqs, linEnds)
	p.d.Pending.Add(int64(len(eb.data)))
	// Error output goes ahead of the open destination buffer, in order with
	// the other cut batches.
	p.queue = append(p.queue, eb)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
