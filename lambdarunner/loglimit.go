package lambdarunner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults of Options.OutputLogRate, and the longest output line the
// Logger receives.
const (
	DefaultOutputLogLines = 100       // lines per second and function
	DefaultOutputLogBytes = 64 * 1024 // bytes per second and function
	// outputLogBurst is how many seconds' worth of lines and bytes a
	// quiet function may print at once.
	outputLogBurst = 10
	// maxOutputLogLine is the longest line copied to the Logger; the rest
	// is only counted ("... [N more bytes]"), the log sink has it all.
	maxOutputLogLine = 8 * 1024
)

// Rate is an amount of log output per second.
type Rate struct {
	Lines int // lines per second
	Bytes int // bytes per second
}

// logLimiter is a token bucket over the output of one function that is
// copied to the runner's Logger: lines and bytes per second, with bursts
// of outputLogBurst seconds. What it holds back is counted, for one
// summary line.
type logLimiter struct {
	now                  func() time.Time
	lineRate, byteRate   float64 // per second; 0: unlimited
	lineBurst, byteBurst float64

	mu                   sync.Mutex
	lines, bytes         float64 // tokens left
	last                 time.Time
	heldLines, heldBytes int64 // held back since the last summary
}

func newLogLimiter(now func() time.Time, rate Rate) *logLimiter {
	l := &logLimiter{now: now, last: now()}
	if rate.Lines >= 0 {
		l.lineRate = float64(cmpOr(rate.Lines, DefaultOutputLogLines))
		l.lineBurst = outputLogBurst * l.lineRate
		l.lines = l.lineBurst
	}
	if rate.Bytes >= 0 {
		l.byteRate = float64(cmpOr(rate.Bytes, DefaultOutputLogBytes))
		l.byteBurst = outputLogBurst * l.byteRate
		l.bytes = l.byteBurst
	}
	return l
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// allow takes the tokens for one line costing n bytes (size bytes before it
// was cut). It returns false when the line must be held back (it is then
// counted, as size bytes); when it returns true, held reports the lines and
// bytes held back before it (now reset), to be summarised first.
func (l *logLimiter) allow(n, size int) (ok bool, heldLines, heldBytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if elapsed := now.Sub(l.last).Seconds(); elapsed > 0 {
		l.lines = min(l.lineBurst, l.lines+elapsed*l.lineRate)
		l.bytes = min(l.byteBurst, l.bytes+elapsed*l.byteRate)
	}
	l.last = now // a clock going backwards refills nothing
	if (l.lineRate > 0 && l.lines < 1) || (l.byteRate > 0 && l.bytes < float64(n)) {
		l.heldLines++
		l.heldBytes += int64(size)
		return false, 0, 0
	}
	if l.lineRate > 0 {
		l.lines--
	}
	if l.byteRate > 0 {
		l.bytes -= float64(n)
	}
	heldLines, heldBytes = l.heldLines, l.heldBytes
	l.heldLines, l.heldBytes = 0, 0
	return true, heldLines, heldBytes
}

// takeHeld returns and resets the count of held-back lines and bytes.
func (l *logLimiter) takeHeld() (lines, bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines, bytes = l.heldLines, l.heldBytes
	l.heldLines, l.heldBytes = 0, 0
	return lines, bytes
}

// outputLog passes one line a function printed to the sink (always) and
// to the Logger (within the rate limit, cut to maxOutputLogLine).
func (p *pool) outputLog(stream, requestID, line string) {
	r := p.r
	if r.sink != nil {
		r.sink(p.name, stream, line)
	}
	if !r.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	copied := cutLogLine(line, maxOutputLogLine)
	ok, held, heldBytes := p.limit.allow(len(copied), len(line))
	if held > 0 {
		p.logHeld(held, heldBytes)
	}
	if ok {
		r.log.Info(copied, "function", p.name, "request_id", requestID, "log_stream", stream)
	}
}

// platformLog passes one of Lambda's own lines (START, END, REPORT, ...) to
// the sink and the Logger, after the summary of any output held back.
func (p *pool) platformLog(stream, requestID, line string) {
	r := p.r
	if r.sink != nil {
		r.sink(p.name, stream, line)
	}
	p.flushHeld()
	r.log.Info(line, "function", p.name, "request_id", requestID, "log_stream", stream)
}

// flushHeld logs the summary of the output held back, if any.
func (p *pool) flushHeld() {
	if n, b := p.limit.takeHeld(); n > 0 {
		p.logHeld(n, b)
	}
}

func (p *pool) logHeld(lines, bytes int64) {
	p.r.log.Info(fmt.Sprintf("suppressed %d lines / %d bytes of function output in this log (rate limit); the function's log stream has them", lines, bytes),
		"function", p.name)
}

// cutLogLine returns line cut to at most max bytes plus a note of how many
// were left out, at a UTF-8 boundary.
func cutLogLine(line string, max int) string {
	if len(line) <= max {
		return line
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… [%d more bytes]", line[:cut], len(line)-cut)
}
