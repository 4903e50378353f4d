package receiver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"sync"
	"unicode/utf8"
)

// journal is what a receiver keeps of the requests it answered: the
// requests themselves (unless its Forget option is set), a signal for
// those waiting for them, and the lock of its log. Its zero value is ready
// for use; it is safe for concurrent use.
type journal[T any] struct {
	mu       sync.Mutex
	requests []T
	changed  chan struct{} // closed and replaced whenever a request is recorded
	logMu    sync.Mutex
}

// add keeps req (unless forget) and wakes those waiting.
func (j *journal[T]) add(req T, forget bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !forget {
		j.requests = append(j.requests, req)
	}
	if j.changed != nil {
		close(j.changed)
	}
	j.changed = make(chan struct{})
}

// all returns every request kept so far, in arrival order.
func (j *journal[T]) all() []T {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]T(nil), j.requests...)
}

// wait waits until at least n requests have been kept and returns them
// all, or returns those kept so far and ctx's error.
func (j *journal[T]) wait(ctx context.Context, n int) ([]T, error) {
	for {
		j.mu.Lock()
		if len(j.requests) >= n {
			out := append([]T(nil), j.requests...)
			j.mu.Unlock()
			return out, nil
		}
		if j.changed == nil {
			j.changed = make(chan struct{})
		}
		changed := j.changed
		j.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return j.all(), ctx.Err()
		}
	}
}

// writeLog writes line to w as one line of JSON, whole however many
// requests log at once.
func (j *journal[T]) writeLog(w io.Writer, line any) {
	b, _ := json.Marshal(line)
	j.logMu.Lock()
	defer j.logMu.Unlock()
	_, _ = w.Write(append(b, '\n'))
}

// logText is a record or body as a log line shows it: its text when it is
// UTF-8, else "base64:" and its bytes in base64.
func logText(d []byte) string {
	if utf8.Valid(d) {
		return string(d)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(d)
}
