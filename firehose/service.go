// Package firehose is the Firehose service: the control plane (delivery
// streams, their destinations, tags and encryption), the put path
// (PutRecord, PutRecordBatch) and its durable state (stream definitions and
// the write-ahead log of acknowledged records, with a data directory). Each
// stream's records flow through its delivery.Pipeline.
package firehose

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
	"github.com/firehose-local/firehose-local/wal"
)

// Config configures the service (see emulator.Config for each field).
type Config struct {
	Region            string
	Account           string
	DataDir           string
	State             *statestore.Handle // with DataDir: where stream definitions are kept (nil: in memory)
	Fsync             FsyncPolicy
	WALSegmentSize    int64
	TransitionDelay   time.Duration
	MaxBufferInterval time.Duration
	Clock             clock.Clock
	Logger            *slog.Logger
	// Kinesis reads the data streams of KinesisStreamAsSource delivery
	// streams; nil refuses that type.
	Kinesis KinesisReader
	// DeaggregateKPL, if set, splits each record read from a data stream
	// that is a KPL aggregate into the records it holds, reporting whether
	// it was one (builtin.DeaggregateKPL's signature): each sub-record goes
	// on with its own partition key and its index as its
	// subsequenceNumber. Records that are no aggregate pass whole.
	DeaggregateKPL func([]byte) ([]builtin.KPLRecord, bool)
}

// Service is the Firehose service of one server.
type Service struct {
	cfg     Config
	account string
	clock   clock.Clock
	log     *slog.Logger
	deps    *delivery.Deps   // what every stream's pipeline shares
	pending *delivery.Budget // record bytes buffered or queued for delivery
	ids     *recordIDs

	mu      sync.Mutex
	streams map[string]map[string]*stream // region → name → stream

	wal     *wal.Log // with DataDir: records acknowledged and not yet delivered
	walLoss wal.Loss // what damage to the log cost, found at start
	drain   drainState
}

// Open starts the service: with a data directory it loads the stream
// definitions and replays the write-ahead log into their pipelines, which
// share deps (deps.Log is set to the log).
func Open(cfg Config, deps *delivery.Deps) (*Service, error) {
	s := &Service{
		cfg: cfg, account: cfg.Account, clock: cfg.Clock, log: cfg.Logger,
		deps: deps, pending: deps.Pending, ids: newRecordIDs(),
		streams: map[string]map[string]*stream{},
	}
	if err := s.startDurable(); err != nil {
		return nil, err
	}
	// Reading data streams starts once the write-ahead log is open.
	s.mu.Lock()
	for _, byName := range s.streams {
		for _, st := range byName {
			if st.kinesis != nil {
				st.kinesis.start()
			}
		}
	}
	s.mu.Unlock()
	return s, nil
}

// newPipeline starts st's delivery pipeline; source is the data stream a
// KinesisStreamAsSource stream reads ("" for others).
func (s *Service) newPipeline(st *stream, source string) *delivery.Pipeline {
	return delivery.New(s.deps, delivery.Stream{Name: st.name, ARN: st.arn, Region: st.region, KinesisSource: source}, st.dest, st.version)
}

// model is the Firehose model requests are validated against, with http://
// endpoint URLs allowed for local receivers.
func (s *Service) model() *awsjson.Model { return protocol.LocalFirehoseModel() }

// Call runs the Firehose operation op with a JSON 1.1 request body for
// region. The answer is a value to encode as JSON (some encode themselves:
// see AppendJSON), or an AWS error.
func (s *Service) Call(region, op string, body []byte) (any, *awsjson.Error) {
	switch op {
	case "PutRecord":
		return s.putRecord(region, body)
	case "PutRecordBatch":
		return s.putRecordBatch(region, body)
	}
	fn, ok := firehoseOps[op]
	if !ok {
		return nil, awsjson.NewError(awsjson.ErrUnknownOperation, "Unknown operation %s.", op)
	}
	doc, verr := s.model().DecodeAndValidate(op, body)
	if verr != nil {
		return nil, verr
	}
	return fn(s, region, body, doc)
}

// StreamPipe is one stream's pipeline, for metrics.
type StreamPipe struct {
	Region, Name string
	Pipe         *delivery.Pipeline
}

// Pipelines returns every stream's pipeline, ordered by region and name.
func (s *Service) Pipelines() []StreamPipe {
	s.mu.Lock()
	out := make([]StreamPipe, 0, len(s.streams))
	for region, byName := range s.streams {
		for name, st := range byName {
			if st.pipe != nil {
				out = append(out, StreamPipe{region, name, st.pipe})
			}
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WAL returns the write-ahead log (nil without a data directory), what
// damage to it cost at start, and whether the service is draining (its
// disk is full).
func (s *Service) WAL() (*wal.Log, wal.Loss, bool) {
	return s.wal, s.walLoss, s.drain.on.Load()
}

// Draining reports whether the service is in drain-only mode (trying, at
// most once a second, whether the log can write again), with what
// GET /_local/health says then.
func (s *Service) Draining() (map[string]any, bool) {
	if s.wal == nil || !s.draining() {
		return nil, false
	}
	return s.drainStatus(), true
}

// CloseStreams stops every pipeline after processing and delivering what
// it holds (shutdown); the caller waits on deps.WG.
func (s *Service) CloseStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, byName := range s.streams {
		for _, st := range byName {
			if st.kinesis != nil {
				st.kinesis.stop()
			}
			st.pipe.Close()
		}
	}
}

// Close closes the write-ahead log; what shutdown abandoned stays in it for
// the next start.
func (s *Service) Close() error {
	if s.wal == nil {
		return nil
	}
	return s.wal.Close()
}

// FlushResult is what Flush did for one stream: the objects written, or
// why it did not finish.
type FlushResult struct {
	Stream string `json:"stream"`
	Region string `json:"region"`
	// Objects counts the batches the stream delivered while the flush ran
	// (objects in S3, a batch's requests to an HTTP endpoint) and its S3
	// backup objects.
	Objects int `json:"objects"`
	// ErrorObjects counts the error-output objects it wrote meanwhile under
	// the error prefix (processing-failed, format-conversion-failed, ...).
	ErrorObjects int    `json:"errorObjects"`
	Error        string `json:"error,omitempty"`
}

// Flush delivers everything buffered in the named stream (every stream when
// name is empty; every region when region is empty) and waits until the
// objects are written or ctx ends. found reports whether any stream matched.
func (s *Service) Flush(ctx context.Context, name, region string) (results []FlushResult, found bool) {
	results = []FlushResult{} // never null in /_local/flush's answer
	within := ""
	if dl, ok := ctx.Deadline(); ok {
		within = " after " + time.Until(dl).Round(time.Millisecond).String()
	}
	type pending struct {
		st                *stream
		batches           []*delivery.Batch
		written, errWrote int64 // the pipeline's counts when the flush began
	}
	var matched []*stream
	s.mu.Lock()
	for reg, byName := range s.streams {
		if region != "" && reg != region {
			continue
		}
		for n, st := range byName {
			if name != "" && n != name || st.deleting {
				continue
			}
			matched = append(matched, st)
		}
	}
	s.mu.Unlock()
	// What the answer counts: what the pipelines write from now on (an
	// error object may be written before the wait below sees it).
	before := make([][2]int64, len(matched))
	for i, st := range matched {
		before[i][0], before[i][1] = st.pipe.Written()
	}
	// A KinesisStreamAsSource stream reads its shards now.
	for _, st := range matched {
		st.pollNow()
	}
	// First through the processor, then to the destination.
	var procErr string
	for _, st := range matched {
		for _, b := range st.pipe.FlushProcessing() {
			select {
			case <-b.Done():
			case <-ctx.Done():
				procErr = "processing not finished" + within
			}
		}
	}
	var all []pending
	for i, st := range matched {
		all = append(all, pending{st, st.pipe.Flush(), before[i][0], before[i][1]})
	}
	for _, p := range all {
		res := FlushResult{Stream: p.st.name, Region: p.st.region, Error: procErr}
		seen := map[*delivery.Batch]bool{}
	wait:
		for len(p.batches) > 0 {
			for _, b := range p.batches {
				seen[b] = true
				select {
				case <-b.Done():
				case <-ctx.Done():
					if err := p.st.pipe.Err(b); err != nil {
						res.Error = "delivery not finished" + within + "; still retrying: " + err.Error()
					} else {
						res.Error = "delivery not finished" + within
					}
					break wait
				}
			}
			// Error output the deliveries queued (records that did not
			// convert, a partition's failed records) is part of the flush.
			p.batches = slices.DeleteFunc(p.st.pipe.ErrorBatches(), func(b *delivery.Batch) bool { return seen[b] })
		}
		written, errWrote := p.st.pipe.Written()
		res.Objects, res.ErrorObjects = int(written-p.written), int(errWrote-p.errWrote)
		results = append(results, res)
	}
	sort.Slice(results, func(i, j int) bool {
		return results[i].Region+"/"+results[i].Stream < results[j].Region+"/"+results[j].Stream
	})
	return results, len(all) > 0
}

// WaitDelivered waits until every batch already cut from a buffer (by size,
// interval or flush) has been delivered or dropped. Unlike Flush it leaves
// open buffers alone, so tests can check exactly when a trigger fires.
func (s *Service) WaitDelivered(ctx context.Context) error {
	var pipes []*delivery.Pipeline
	s.mu.Lock()
	for _, byName := range s.streams {
		for _, st := range byName {
			pipes = append(pipes, st.pipe)
		}
	}
	s.mu.Unlock()
	wait := func(queue func(p *delivery.Pipeline) []*delivery.Batch) error {
		for _, p := range pipes {
			for _, b := range queue(p) {
				select {
				case <-b.Done():
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		return nil
	}
	// The processor's queue first: what it hands on joins the delivery queue.
	if err := wait(func(p *delivery.Pipeline) []*delivery.Batch { _, proc := p.Queued(); return proc }); err != nil {
		return err
	}
	if err := wait(func(p *delivery.Pipeline) []*delivery.Batch { q, _ := p.Queued(); return q }); err != nil {
		return err
	}
	// Then the error output those deliveries queued.
	return wait((*delivery.Pipeline).ErrorBatches)
}
