package delivery

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/wal"
)

// Deps are what the pipelines need from the server around them, shared by
// every stream's pipeline. A pipeline holds no pointer back to the server.
type Deps struct {
	Clock  clock.Clock
	Logger *slog.Logger
	// Store receives delivered objects: the built-in S3 or an external one.
	Store ObjectStore
	// Invoke calls a transform function by name or ARN in region.
	// A function that does not exist is an error wrapping
	// ErrFunctionNotFound.
	Invoke func(ctx context.Context, region, ref string, payload []byte) (lambdarunner.Result, error)
	// Annotate, if set, adds a transform's outcome to the invocation
	// with that request ID, for the console: batch identifies the
	// processor batch (attempts of one batch share it), attempt counts
	// from 1.
	Annotate func(requestID, stream, batch string, attempt, ok, dropped, failed int, responseError string)
	// Pending bounds the record bytes buffered or waiting for delivery,
	// across all streams.
	Pending *Budget
	// Log, with a data directory, is the write-ahead log whose calls
	// delivered batches mark done; nil keeps nothing.
	Log *wal.Log
	// Logs receives Firehose's error events (CloudWatchLoggingOptions).
	Logs *cwlogs.Store
	// Abort ends when shutdown stops waiting for deliveries: what is not
	// delivered then is abandoned (and kept in the log for the next start).
	Abort context.Context
	// WG counts the pipelines' goroutines, for shutdown to wait on.
	WG *sync.WaitGroup
	// Schemas reads Glue tables for record format conversion.
	Schemas SchemaSource

	HTTPEndpointTimeout time.Duration     // each HTTP endpoint request's
	MaxBufferInterval   time.Duration     // caps every buffering interval (0: none)
	EndpointRewrites    []EndpointRewrite // HTTP endpoint URLs sent elsewhere
	// Credentials sign OpenSearch destinations' requests; nil:
	// DefaultSigningCredentials.
	Credentials aws.CredentialsProvider

	// Lineage is the record lineage index (lineage.go); nil: off.
	Lineage *lineage.Index
}

func (d *Deps) annotate(requestID, stream, batch string, attempt, ok, dropped, failed int, responseError string) {
	if d.Annotate != nil {
		d.Annotate(requestID, stream, batch, attempt, ok, dropped, failed, responseError)
	}
}

// Stream names the delivery stream a pipeline carries records for, and
// for a KinesisStreamAsSource stream the data stream it reads (its ARN).
type Stream struct{ Name, ARN, Region, KinesisSource string }

// Budget bounds the bytes buffered or waiting for delivery.
type Budget struct {
	max int64
	n   atomic.Int64
}

// NewBudget returns a Budget of max bytes.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// Reserve accounts n more bytes, unless that passes the bound.
func (b *Budget) Reserve(n int) bool {
	if b.n.Add(int64(n)) > b.max {
		b.n.Add(-int64(n))
		return false
	}
	return true
}

// Release gives n bytes back.
func (b *Budget) Release(n int) { b.n.Add(-int64(n)) }

// Add accounts n bytes whatever the bound (records already accepted).
func (b *Budget) Add(n int64) { b.n.Add(n) }

// Load returns the bytes accounted.
func (b *Budget) Load() int64 { return b.n.Load() }

// Hold is one put call written to the write-ahead log, on its way to
// delivery: done in the log once no batch holds records of it. It counts
// the batches holding it, plus one for whoever is placing its records.
type Hold struct {
	pos wal.Pos
	n   atomic.Int32
}

// NewHold returns the hold of the call logged at pos, held once by its
// placer.
func NewHold(pos wal.Pos) *Hold {
	h := &Hold{pos: pos}
	h.n.Store(1)
	return h
}

// Release lets go of the placer's hold on h (see NewHold).
func (d *Deps) Release(h *Hold) {
	if h.n.Add(-1) == 0 && d.Log != nil {
		d.Log.Done(h.pos)
	}
}

// hold records that b holds records of h's call.
func (b *Batch) hold(h *Hold) {
	if h == nil {
		return
	}
	if n := len(b.holds); n > 0 && b.holds[n-1] == h {
		return
	}
	h.n.Add(1)
	b.holds = append(b.holds, h)
}

// inherit makes b hold every call in holds too.
func (b *Batch) inherit(holds []*Hold) {
	for _, h := range holds {
		b.hold(h)
	}
}

// releaseHolds lets go of b's holds: calls no batch holds any more are
// done in the log.
func (p *Pipeline) releaseHolds(b *Batch) {
	if len(b.holds) == 0 {
		return
	}
	var buf [16]wal.Pos
	done := buf[:0]
	for _, h := range b.holds {
		if h.n.Add(-1) == 0 {
			done = append(done, h.pos)
		}
	}
	b.holds = nil
	if p.d.Log != nil {
		p.d.Log.Done(done...)
	}
}

// aborted reports whether shutdown stopped waiting for deliveries.
func (p *Pipeline) aborted() bool { return p.d.Abort.Err() != nil }

// Done is closed once b is delivered or dropped (for a processor batch:
// once processed).
func (b *Batch) Done() <-chan struct{} { return b.done }

// Err is b's last delivery error, while it is being retried.
func (p *Pipeline) Err(b *Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return b.err
}

// Queued returns the batches cut and not yet delivered, and those waiting
// for the processor, for a caller to wait on.
func (p *Pipeline) Queued() (delivery, processing []*Batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Batch(nil), p.queue...), append([]*Batch(nil), p.proc.queue...)
}
