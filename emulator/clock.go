package emulator

import (
	"time"

	"github.com/firehose-local/firehose-local/clock"
)

// Clock is the emulator's source of time. Buffering intervals, stream state
// transitions and object keys all read it, so tests can drive time with a
// FakeClock instead of sleeping.
type Clock = clock.Clock

// Timer is a pending Clock.AfterFunc call.
type Timer = clock.Timer

// SystemClock is the real clock.
type SystemClock = clock.System

// FakeClock is a manually advanced clock for tests.
type FakeClock = clock.Fake

// NewFakeClock returns a FakeClock set to t.
func NewFakeClock(t time.Time) *FakeClock { return clock.NewFake(t) }
