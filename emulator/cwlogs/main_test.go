package cwlogs_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them all: every
// server, process and connection a test starts must be stopped by its end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
