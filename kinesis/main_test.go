package kinesis_test

import (
	"testing"

	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them all.
func TestMain(m *testing.M) {
	leakcheck.Main(m)
}
