//go:build unix

package lambdarunner

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// capture runs a logCapture over a fresh pipe and records what it emits.
type capture struct {
	c *logCapture
	w *os.File

	mu    sync.Mutex
	lines []string
}

func newCapture(t *testing.T) *capture {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cp := &capture{w: w}
	cp.c = newLogCapture(r, func(l string) {
		cp.mu.Lock()
		cp.lines = append(cp.lines, l)
		cp.mu.Unlock()
	})
	go cp.c.run()
	t.Cleanup(func() { w.Close(); cp.c.waitEOF(5 * time.Second) })
	return cp
}

func (cp *capture) write(t *testing.T, s string) {
	t.Helper()
	if _, err := cp.w.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func (cp *capture) has(line string) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, l := range cp.lines {
		if l == line {
			return true
		}
	}
	return false
}

func TestLogCaptureSync(t *testing.T) {
	t.Parallel()
	cp := newCapture(t)
	for i := range 100 {
		cp.write(t, "line\n")
		cp.write(t, "marker "+strings.Repeat("x", i)+"\n")
		cp.c.sync(5 * time.Second)
		if !cp.has("marker " + strings.Repeat("x", i)) {
			t.Fatalf("round %d: marker not emitted when sync returned", i)
		}
	}
	// An unterminated last line is emitted by sync; \r\n endings are
	// trimmed.
	cp.write(t, "no newline")
	cp.c.sync(5 * time.Second)
	cp.write(t, "crlf\r\n")
	cp.c.sync(5 * time.Second)
	if !cp.has("no newline") || !cp.has("crlf") {
		t.Fatalf("lines %q", cp.lines[len(cp.lines)-2:])
	}
}

func TestLogCaptureChattyWriter(t *testing.T) {
	t.Parallel()
	cp := newCapture(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = cp.w.WriteString("noise noise noise noise\n")
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for i := range 20 {
		cp.write(t, "marker\n")
		start := time.Now()
		cp.c.sync(5 * time.Second)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Fatalf("round %d: sync took %v with a writer that never pauses", i, elapsed)
		}
		if !cp.has("marker") {
			t.Fatalf("round %d: marker not emitted", i)
		}
	}
}

func TestLogCaptureLongLines(t *testing.T) {
	t.Parallel()
	cp := newCapture(t)
	cp.write(t, strings.Repeat("a", maxLogLine+10)+"\n")
	cp.write(t, "after\n")
	cp.w.Close()
	cp.c.waitEOF(5 * time.Second)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if len(cp.lines) != 3 || len(cp.lines[0]) != maxLogLine || cp.lines[1] != strings.Repeat("a", 10) || cp.lines[2] != "after" {
		t.Fatalf("%d lines", len(cp.lines))
	}
}

func TestLogBufferKeepsTail(t *testing.T) {
	t.Parallel()
	var b logBuffer
	line := strings.Repeat("y", 1000)
	for range 5000 { // ~5 MB
		b.add(line)
	}
	b.add("last")
	got := b.bytes()
	if len(got) > maxInvocationLog || !strings.HasSuffix(string(got), "\nlast\n") || !strings.HasPrefix(string(got), "y") {
		t.Fatalf("kept %d bytes", len(got))
	}
}
