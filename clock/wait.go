package clock

import (
	"context"
	"time"
)

// BlockUntil waits until at least n timers are pending on the clock, for
// example until a delivery waits out a retry backoff, so that a test's next
// Advance is sure to fire it. It polls (the clock's time does not move) and
// returns ctx's error if ctx ends first.
func (c *Fake) BlockUntil(ctx context.Context, n int) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		c.mu.Lock()
		pending := len(c.timers)
		c.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Pending returns the number of timers waiting to fire.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextTimer returns how long until the earliest pending timer fires, and
// false if none is pending.
func (c *Fake) NextTimer() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return 0, false
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	return next.Sub(c.now), true
}
