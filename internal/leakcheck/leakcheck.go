// Package leakcheck fails a test binary whose goroutines outlive its tests,
// with goleak. It waits a little longer than goleak's own retries (under a
// second) before it calls a goroutine leaked: on a loaded machine, under the
// race detector, a connection or process waiter may take a moment to wind
// down after the server that owned it closed.
package leakcheck

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Wait is how long goroutines get to end after the tests.
const Wait = 10 * time.Second

// Main runs m's tests, then fails the binary if a goroutine is still
// running after Wait. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := Find(Wait); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines outlived the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// Find asks goleak for goroutines other than those of opts until there are
// none or wait has passed, and returns its last answer.
func Find(wait time.Duration, opts ...goleak.Option) error {
	deadline := time.Now().Add(wait)
	for {
		err := goleak.Find(opts...)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
