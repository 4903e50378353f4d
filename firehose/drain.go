package firehose

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/wal"
)

// Drain-only mode, with a data directory. When the write-ahead log cannot
// write because its disk is full — at start, or when an append fails — the
// server keeps delivering what it holds (every delivery that completes lets
// the log delete what it no longer needs, which frees space) and refuses
// new records: PutRecord and PutRecordBatch answer
// ServiceUnavailableException (HTTP 503, which the AWS SDKs retry), and
// GET /_local/health answers 503 with {"status":"draining"}. It says so in
// its log once on entering the mode and once on leaving it.
//
// The mode ends by itself once the log can write again: at most once per
// drainProbeInterval (server clock), a Put call or a health check tries a
// small write (wal.Probe); when it succeeds the server accepts records
// again.

// drainProbeInterval is how often, at most, drain-only mode tries whether
// the log can write again.
const drainProbeInterval = time.Second

// errDraining is the result of records refused in drain-only mode.
var errDraining = errors.New("draining")

type drainState struct {
	on     atomic.Bool // read on every put
	mu     sync.Mutex
	since  time.Time
	reason string
	probed time.Time
}

// enterDrain switches to drain-only mode because the log could not write.
func (s *Service) enterDrain(err error) {
	d := &s.drain
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.on.Load() {
		return
	}
	now := s.clock.Now()
	d.since, d.probed, d.reason = now, now, err.Error()
	d.on.Store(true)
	frames, _ := s.wal.Live()
	s.log.Error("write-ahead log: no space left on its disk: drain-only mode. Buffered records are still delivered; "+
		"PutRecord and PutRecordBatch are refused with ServiceUnavailableException until the log can write again (free some space)",
		"error", err, "pendingCalls", frames)
}

// draining reports whether the server is in drain-only mode, after trying
// the log again if the last try is drainProbeInterval old.
func (s *Service) draining() bool {
	d := &s.drain
	if !d.on.Load() {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := s.clock.Now()
	if !d.on.Load() || now.Sub(d.probed) < drainProbeInterval {
		return d.on.Load()
	}
	d.probed = now
	if err := s.wal.Probe(); err != nil {
		if !wal.IsNoSpace(err) {
			d.reason = err.Error()
		}
		return true
	}
	d.on.Store(false)
	s.log.Info("write-ahead log: it can write again: accepting records", "drainedFor", now.Sub(d.since).String())
	return false
}

// drainStatus is what GET /_local/health says in drain-only mode.
func (s *Service) drainStatus() map[string]any {
	d := &s.drain
	d.mu.Lock()
	defer d.mu.Unlock()
	frames, _ := s.wal.Live()
	return map[string]any{
		"status":       "draining",
		"reason":       "the write-ahead log cannot write: " + d.reason,
		"since":        d.since.UTC().Format(time.RFC3339),
		"pendingCalls": frames,
		"services":     map[string]string{"firehose": "draining", "s3": "running"},
	}
}

// drainError is the answer to a put in drain-only mode.
func drainError() *awsjson.Error {
	return awsjson.NewError(awsjson.ErrServiceUnavailable,
		"firehose-local cannot write its write-ahead log (no space left on its disk): it delivers the records it holds and accepts new ones once it can write again. See GET /_local/health.")
}
