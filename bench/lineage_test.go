package main

import (
	"testing"

	"github.com/firehose-local/firehose-local/emulator"
)

// BenchmarkPutRecordBatchHTTPLineage is firehose-local over loopback HTTP
// with record lineage on (the default size) and off, for profiling its put
// path; the bench's -lineage flag measures the built binary.
func BenchmarkPutRecordBatchHTTPLineage(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"on", 0}, {"off", -1}} {
		b.Run(c.name, func(b *testing.B) {
			benchHTTP(b, newBenchServerWith(b, emulator.Config{LineageRecords: c.n}), 4)
		})
	}
}
