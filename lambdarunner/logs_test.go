//go:build unix

package lambdarunner

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
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

// 100 MB without a newline: the capture emits it in pieces of at most
// maxLogLine as it reads, holding no more than one piece.
func TestLogCaptureHugeLineIsBounded(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var pieces, longest, total int
	c := newLogCapture(r, func(l string) {
		pieces++
		longest = max(longest, len(l))
		total += len(l)
	})
	go c.run()
	const size = 100 << 20
	chunk := []byte(strings.Repeat("x", 1<<20))
	for range size / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	c.waitEOF(time.Minute)
	want := (size + maxLogLine - 1) / maxLogLine
	if total != size || longest != maxLogLine || pieces != want {
		t.Fatalf("%d pieces (want %d), longest %d, %d bytes", pieces, want, longest, total)
	}
	if cap(c.line) != maxLogLine {
		t.Fatalf("line buffer grew to %d bytes", cap(c.line))
	}
}

// Pieces of a long line are cut between runes.
func TestLogCaptureSplitsBetweenRunes(t *testing.T) {
	t.Parallel()
	cp := newCapture(t)
	line := "a" + strings.Repeat("€", maxLogLine) // 3-byte runes: maxLogLine-1 is not a boundary
	cp.write(t, line+"\n")
	cp.w.Close()
	cp.c.waitEOF(time.Minute)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if strings.Join(cp.lines, "") != line {
		t.Fatal("pieces do not add up to the line")
	}
	for i, l := range cp.lines {
		if len(l) > maxLogLine || !utf8.ValidString(l) {
			t.Fatalf("piece %d: %d bytes, valid UTF-8 %v", i, len(l), utf8.ValidString(l))
		}
	}
	if len(cp.lines) != 4 {
		t.Fatalf("%d pieces", len(cp.lines))
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

func TestSplitPoint(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		b    string
		want int
	}{
		{"abc", 3},
		{"ab\xc3", 2},        // first byte of é
		{"ab\xc3\xa9", 4},    // é complete
		{"a\xe2\x82", 1},     // two bytes of €
		{"a\xf0\x9f\x98", 1}, // three bytes of 😀
		{"a\xf0\x9f\x98\x80", 5},
		{"\x80\x80\x80\x80\x80", 5}, // not UTF-8: cut anywhere
	} {
		if got := splitPoint([]byte(c.b)); got != c.want {
			t.Errorf("splitPoint(%q) = %d, want %d", c.b, got, c.want)
		}
	}
}
