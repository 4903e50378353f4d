//go:build unix

package lambdarunner

import (
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter counts what a slog handler writes and keeps the lines
// that match keep.
type countingWriter struct {
	keep *regexp.Regexp

	mu    sync.Mutex
	bytes int
	lines int
	kept  []string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bytes += len(p)
	w.lines++
	if w.keep.Match(p) {
		w.kept = append(w.kept, string(p))
	}
	return len(p), nil
}

// A function printing 100 MB without a newline: the invocation completes,
// the log sink gets all of it in events no larger than Lambda's, the
// Logger (the server's log) a bounded share with one summary of the rest.
func TestFunctionPrinting100MB(t *testing.T) {
	t.Parallel()
	logged := &countingWriter{keep: regexp.MustCompile(`suppressed|after the flood`)}
	clock := &fakeNow{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} // never advances
	var mu sync.Mutex
	var pieces, longest, floodBytes int
	var afterFlood bool
	sink := func(_, _, line string) {
		mu.Lock()
		defer mu.Unlock()
		longest = max(longest, len(line))
		switch {
		case line != "" && strings.Trim(line, "x") == "":
			pieces++
			floodBytes += len(line)
		case line == "after the flood":
			afterFlood = true
		}
	}
	r := newRunner(t, Options{Logger: slog.New(slog.NewTextHandler(logged, nil)), LogSink: sink, Now: clock.now})
	fn := goFunction(t, "flood")
	fn.Timeout = 2 * time.Minute
	const size = 100 << 20
	res := invoke(t, r, fn, map[string]any{"action": "flood", "size": size})
	mustSucceed(t, res)
	// Result.Log keeps the last MiB: no START, but END and REPORT.
	lines := logLines(res)
	if len(res.Log) > maxInvocationLog || len(lines) < 3 || lines[len(lines)-3] != "after the flood" ||
		lines[len(lines)-2] != "END RequestId: "+res.RequestID || !reportPattern.MatchString(lines[len(lines)-1]) {
		t.Fatalf("Result.Log: %d bytes, ending %q", len(res.Log), lines[max(len(lines)-3, 0):])
	}

	mu.Lock()
	if floodBytes != size || longest > maxLogLine || pieces != (size+maxLogLine-1)/maxLogLine || !afterFlood {
		t.Fatalf("sink: %d bytes in %d pieces, longest %d, after-flood line %v", floodBytes, pieces, longest, afterFlood)
	}
	mu.Unlock()

	logged.mu.Lock()
	defer logged.mu.Unlock()
	// The bytes burst (640 KiB) plus what slog adds to each line.
	if logged.bytes > 1<<20 {
		t.Fatalf("the Logger received %d bytes", logged.bytes)
	}
	var held int
	for _, l := range logged.kept {
		if m := regexp.MustCompile(`suppressed (\d+) lines / (\d+) bytes`).FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			held += n
		}
	}
	// All but the 80 pieces the burst let through (cut to 8 KiB each), and
	// the last line, held back too: its count reaches the log at END.
	if want := pieces - (outputLogBurst*DefaultOutputLogBytes)/(maxOutputLogLine+len("… [253926 more bytes]")) + 1; held < want-2 || held > want+2 {
		t.Fatalf("summaries count %d held lines, want about %d: %q", held, want, logged.kept)
	}
	t.Logf("Logger: %d bytes in %d writes; sink: %d pieces", logged.bytes, logged.lines, pieces)
}
