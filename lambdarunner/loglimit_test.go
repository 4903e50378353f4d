package lambdarunner

import (
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeNow is a clock for the rate limit, advanced by hand.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeNow) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeNow) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLogLimiterLines(t *testing.T) {
	t.Parallel()
	clock := &fakeNow{t: time.Unix(1000, 0)}
	l := newLogLimiter(clock.now, Rate{Lines: 2, Bytes: -1})
	// A burst of ten seconds' worth passes, then lines are held back.
	for i := range 20 {
		if ok, _, _ := l.allow(5, 5); !ok {
			t.Fatalf("line %d of the burst held back", i)
		}
	}
	for range 3 {
		if ok, _, _ := l.allow(7, 70); ok { // counted at its size before the cut
			t.Fatal("line beyond the burst passed")
		}
	}
	// Half a second refills one line: it passes, with the count of what
	// was held back before it.
	clock.add(500 * time.Millisecond)
	ok, n, b := l.allow(1, 1)
	if !ok || n != 3 || b != 210 {
		t.Fatalf("after refill: ok %v, held %d lines / %d bytes", ok, n, b)
	}
	if ok, _, _ := l.allow(1, 1); ok {
		t.Fatal("second line passed on one token")
	}
	if n, b := l.takeHeld(); n != 1 || b != 1 {
		t.Fatalf("takeHeld = %d, %d", n, b)
	}
	if n, _ := l.takeHeld(); n != 0 {
		t.Fatal("takeHeld did not reset")
	}
	// A clock going backwards refills nothing; an hour refills only the
	// burst.
	clock.add(-time.Hour)
	if ok, _, _ := l.allow(1, 1); ok {
		t.Fatal("backwards clock refilled")
	}
	clock.add(2 * time.Hour)
	for i := range 20 {
		if ok, _, _ := l.allow(1, 1); !ok {
			t.Fatalf("line %d after an idle hour held back", i)
		}
	}
	if ok, _, _ := l.allow(1, 1); ok {
		t.Fatal("the burst is larger than ten seconds' worth")
	}
}

func TestLogLimiterBytes(t *testing.T) {
	t.Parallel()
	clock := &fakeNow{t: time.Unix(1000, 0)}
	l := newLogLimiter(clock.now, Rate{Lines: -1, Bytes: 100})
	if ok, _, _ := l.allow(1000, 1000); !ok { // the whole burst
		t.Fatal("burst held back")
	}
	if ok, _, _ := l.allow(1, 1); ok {
		t.Fatal("byte beyond the burst passed")
	}
	clock.add(time.Second)
	if ok, _, _ := l.allow(101, 101); ok {
		t.Fatal("101 bytes passed on 100 tokens")
	}
	if ok, n, b := l.allow(100, 100); !ok || n != 2 || b != 102 {
		t.Fatalf("ok %v, held %d / %d", ok, n, b)
	}
	// Unlimited.
	u := newLogLimiter(clock.now, Rate{Lines: -1, Bytes: -1})
	for range 10000 {
		if ok, _, _ := u.allow(1<<20, 1<<20); !ok {
			t.Fatal("unlimited limiter held a line back")
		}
	}
	// Defaults.
	d := newLogLimiter(clock.now, Rate{})
	if d.lineBurst != outputLogBurst*DefaultOutputLogLines || d.byteBurst != outputLogBurst*DefaultOutputLogBytes {
		t.Fatalf("defaults %v %v", d.lineBurst, d.byteBurst)
	}
}

func TestCutLogLine(t *testing.T) {
	t.Parallel()
	if got := cutLogLine("short", 10); got != "short" {
		t.Fatal(got)
	}
	got := cutLogLine(strings.Repeat("é", 10), 5) // 2-byte runes
	if got != "éé… [16 more bytes]" || !utf8.ValidString(got) {
		t.Fatalf("%q", got)
	}
}
