package wal

import (
	"testing"

	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them all: every
// server, process and connection a test starts must be stopped by its end.
func TestMain(m *testing.M) {
	leakcheck.Main(m)
}
