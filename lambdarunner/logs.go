package lambdarunner

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
)

const (
	// maxLogLine is the longest log event; longer output lines are split,
	// as CloudWatch Logs caps an event at 256 KB.
	maxLogLine = 256 * 1024
	// maxInvocationLog caps the log kept per invocation for Result.Log; the
	// tail is kept (X-Amz-Log-Result shows the last 4 KB anyway).
	maxInvocationLog = 1 << 20
	// logSyncTimeout bounds how long completing an invocation waits for the
	// output written before it to be read.
	logSyncTimeout = 2 * time.Second
)

// logBuffer accumulates the log lines of one invocation (or of an init
// phase), keeping at most maxInvocationLog bytes of the tail.
type logBuffer struct {
	b []byte
}

// add appends one line plus "\n".
func (l *logBuffer) add(line string) {
	l.b = append(l.b, line...)
	l.b = append(l.b, '\n')
	if len(l.b) > 2*maxInvocationLog {
		cut := len(l.b) - maxInvocationLog
		if i := bytes.IndexByte(l.b[cut:], '\n'); i >= 0 {
			cut += i + 1
		}
		l.b = append([]byte(nil), l.b[cut:]...)
	}
}

// bytes returns the kept lines, trimmed to maxInvocationLog.
func (l *logBuffer) bytes() []byte {
	b := l.b
	if len(b) > maxInvocationLog {
		b = b[len(b)-maxInvocationLog:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return bytes.Clone(b)
}

// logCapture reads the combined stdout and stderr pipe of one process and
// hands every line to emit. sync lets the runner wait until everything the
// process wrote before a point in time has been emitted, so that lines are
// attributed to the right invocation.
//
// The barrier works without sleeping or polling: sync sets a read deadline
// in the past, which wakes the reader between two reads; the reader then
// asks the kernel how many bytes are queued in the pipe (FIONREAD) and
// releases the waiter once it has read and emitted that many more bytes.
// Everything written before sync was called is then out, even if the
// process keeps writing.
type logCapture struct {
	f    *os.File
	emit func(line string)

	mu      sync.Mutex // guards waiters and done
	waiters []*logWaiter
	done    bool
	eof     chan struct{} // closed when the pipe reached EOF
}

// logWaiter is one sync call.
type logWaiter struct {
	ch     chan struct{}
	target int64 // byte count to reach; -1 until the reader set it
}

func newLogCapture(f *os.File, emit func(string)) *logCapture {
	return &logCapture{f: f, emit: emit, eof: make(chan struct{})}
}

// run reads until EOF; it is the only reader of the pipe.
func (c *logCapture) run() {
	buf := make([]byte, 64*1024)
	var partial []byte
	var consumed int64 // bytes read and emitted (or held in partial)
	flush := func() {
		if len(partial) > 0 {
			c.emit(string(partial))
			partial = partial[:0]
		}
	}
	for {
		n, err := c.f.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				partial = append(partial, data...)
				for len(partial) >= maxLogLine {
					c.emit(string(partial[:maxLogLine]))
					partial = append(partial[:0], partial[maxLogLine:]...)
				}
				break
			}
			line := data[:i]
			if len(partial) > 0 {
				partial = append(partial, line...)
				line = partial
			}
			for len(line) > maxLogLine {
				c.emit(string(line[:maxLogLine]))
				line = line[maxLogLine:]
			}
			c.emit(string(bytes.TrimSuffix(line, []byte("\r"))))
			partial = partial[:0]
			data = data[i+1:]
		}
		consumed += int64(n)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			flush()
			c.mu.Lock()
			c.done = true
			for _, w := range c.waiters {
				close(w.ch)
			}
			c.waiters = nil
			close(c.eof)
			c.mu.Unlock()
			_ = c.f.Close()
			return
		}
		c.mu.Lock()
		if len(c.waiters) > 0 {
			q := -1
			kept := c.waiters[:0]
			for _, w := range c.waiters {
				if w.target < 0 {
					if q < 0 {
						q = max(queued(c.f), 0)
						// Reads must block (or return queued data) again.
						_ = c.f.SetReadDeadline(time.Time{})
					}
					w.target = consumed + int64(q)
				}
				if w.target > consumed {
					kept = append(kept, w)
					continue
				}
				if len(partial) > 0 && queued(c.f) == 0 {
					flush() // an unterminated last line
				}
				close(w.ch)
			}
			c.waiters = kept
		}
		c.mu.Unlock()
	}
}

// sync waits until all output written before the call has been emitted, the
// pipe reached EOF, or timeout passed.
func (c *logCapture) sync(timeout time.Duration) {
	if c == nil {
		return
	}
	w := &logWaiter{ch: make(chan struct{}), target: -1}
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	c.waiters = append(c.waiters, w)
	_ = c.f.SetReadDeadline(time.Unix(1, 0)) // wake the reader now
	c.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.ch:
	case <-t.C:
	}
}

// waitEOF waits until the pipe is closed by every writer, or timeout.
func (c *logCapture) waitEOF(timeout time.Duration) {
	if c == nil {
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.eof:
	case <-t.C:
	}
}

// queued returns the number of unread bytes in the pipe, or -1 if unknown
// (then a barrier only covers what was already read).
func queued(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	n := -1
	_ = rc.Control(func(fd uintptr) { n = fionread(fd) })
	return n
}

// Platform log lines, in Lambda's format.

func startLine(id, version string) string {
	return fmt.Sprintf("START RequestId: %s Version: %s", id, version)
}

func endLine(id string) string { return "END RequestId: " + id }

// reportLine formats the REPORT line. initDur is 0 on warm invocations;
// status is appended on failures ("Status: timeout", "Status: error\tError
// Type: Runtime.ExitError") as the current platform does.
func reportLine(id string, dur time.Duration, memoryMB, maxUsedMB int, initDur time.Duration, status string) string {
	ms := float64(dur) / float64(time.Millisecond)
	s := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		id, ms, int64(math.Ceil(ms)), memoryMB, maxUsedMB)
	if initDur > 0 {
		s += fmt.Sprintf("Init Duration: %.2f ms\t", float64(initDur)/float64(time.Millisecond))
	}
	return s + status
}

// initReportLine is logged when the init phase fails.
func initReportLine(initDur time.Duration, status string) string {
	return fmt.Sprintf("INIT_REPORT Init Duration: %.2f ms\tPhase: init\t%s",
		float64(initDur)/float64(time.Millisecond), status)
}

// lambdaTimestamp formats t like Lambda's platform messages,
// 2024-05-01T12:00:03.123Z.
func lambdaTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
