package clock_test

import (
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/clock"
)

// Advance runs due timers in time order, each seeing its own time, and
// leaves stopped and later ones alone.
func TestFakeAdvance(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	c := clock.NewFake(t0)
	var fired []time.Duration
	at := func(d time.Duration) {
		c.AfterFunc(d, func() { fired = append(fired, c.Now().Sub(t0)) })
	}
	at(3 * time.Second)
	at(time.Second)
	stopped := c.AfterFunc(2*time.Second, func() { t.Error("a stopped timer ran") })
	at(10 * time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop reports the first stop only")
	}
	if d, ok := c.NextTimer(); !ok || d != time.Second {
		t.Fatalf("NextTimer = %v %v", d, ok)
	}
	c.Advance(5 * time.Second)
	if len(fired) != 2 || fired[0] != time.Second || fired[1] != 3*time.Second {
		t.Fatalf("fired at %v", fired)
	}
	if c.Now() != t0.Add(5*time.Second) || c.Pending() != 1 {
		t.Fatalf("now %v, %d pending", c.Now(), c.Pending())
	}
	if err := c.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
}
