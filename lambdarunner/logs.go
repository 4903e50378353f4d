package lambdarunner

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	// maxLogLine is the longest log event Lambda makes of an output line:
	// 256 KiB less the 26 bytes CloudWatch Logs counts per event. A longer
	// line becomes several consecutive events, as Lambda splits it (this
	// size is what users observe on Lambda; AWS does not document it).
	maxLogLine = 256*1024 - 26
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
	line []byte // the current line so far; run's, at most maxLogLine

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

// run reads until EOF; it is the only reader of the pipe. However long a
// line, it holds at most maxLogLine bytes of it (c.line) besides the read
// buffer.
func (c *logCapture) run() {
	buf := make([]byte, 64*1024)
	c.line = make([]byte, 0, maxLogLine)
	var consumed int64 // bytes read and emitted (or held in c.line)
	flush := func() {
		if len(c.line) > 0 {
			c.emit(string(c.line))
			c.line = c.line[:0]
		}
	}
	for {
		n, err := c.f.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			seg := data
			if i >= 0 {
				seg = data[:i]
			}
			// A line longer than an event is emitted in pieces as it comes.
			for len(c.line)+len(seg) > maxLogLine {
				take := maxLogLine - len(c.line)
				c.line = append(c.line, seg[:take]...)
				seg = seg[take:]
				cut := splitPoint(c.line)
				c.emit(string(c.line[:cut]))
				c.line = c.line[:copy(c.line, c.line[cut:])]
			}
			c.line = append(c.line, seg...)
			if i < 0 {
				break
			}
			c.emit(string(bytes.TrimSuffix(c.line, []byte("\r"))))
			c.line = c.line[:0]
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
				if len(c.line) > 0 && queued(c.f) == 0 {
					flush() // an unterminated last line
				}
				close(w.ch)
			}
			c.waiters = kept
		}
		c.mu.Unlock()
	}
}

// splitPoint returns where to cut a full piece b of a long line: at its
// end, or before a UTF-8 sequence the end would cut in two, so that valid
// UTF-8 stays valid in every piece.
func splitPoint(b []byte) int {
	for back := 1; back <= utf8.UTFMax && back <= len(b); back++ {
		c := b[len(b)-back]
		if c < utf8.RuneSelf {
			return len(b) // ASCII: nothing is cut
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-back:]) {
				return len(b) - back // move the incomplete rune to the next piece
			}
			return len(b)
		}
	}
	return len(b)
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
