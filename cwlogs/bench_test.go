package cwlogs_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/statestore"
)

// openBench is a Store persisted in a fresh data directory, as
// --data-dir has it.
func openBench(b *testing.B) *cwlogs.Store {
	db, err := statestore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppendPersisted is function output going into a persisted
// Store, a line per Append as LambdaSink does, until Close has committed
// it all. cpu-ns/op counts every goroutine's CPU, the writer's included.
func BenchmarkAppendPersisted(b *testing.B) {
	s := openBench(b)
	line := strings.Repeat("x", 100)
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		s.Append("/aws/lambda/f", "2026/12/06/[$LATEST]0123456789abcdef", cwlogs.Event{Message: line})
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPutLogEventsPersisted is one client calling PutLogEvents (10
// events a call) in a loop against a persisted Store, over HTTP: each call
// answered once committed (the default, --fsync always), or before
// (--fsync interval).
func BenchmarkPutLogEventsPersisted(b *testing.B) {
	for _, before := range []bool{false, true} {
		b.Run(fmt.Sprint("answer-before-commit=", before), func(b *testing.B) {
			s := openBench(b)
			c := &clock{now: time.Now()}
			e := serveWith(b, s, c, cwlogs.APIOptions{AnswerBeforeCommit: before})
			e.createGroup(b, "g")
			e.createStream(b, "g", "s")
			events := make([]types.InputLogEvent, 10)
			for i := range events {
				events[i] = types.InputLogEvent{Message: aws.String(strings.Repeat("x", 100)), Timestamp: aws.Int64(c.now.UnixMilli())}
			}
			b.ResetTimer()
			for range b.N {
				if _, err := e.client.PutLogEvents(b.Context(), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutLogEventsPersistedParallel is 8 clients (per CPU) calling
// PutLogEvents at once, each on a stream of its own: their calls share
// commits.
func BenchmarkPutLogEventsPersistedParallel(b *testing.B) {
	s := openBench(b)
	c := &clock{now: time.Now()}
	e := serve(b, s, c)
	e.createGroup(b, "g")
	events := make([]types.InputLogEvent, 10)
	for i := range events {
		events[i] = types.InputLogEvent{Message: aws.String(strings.Repeat("x", 100)), Timestamp: aws.Int64(c.now.UnixMilli())}
	}
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprint("s", next.Add(1))
		e.createStream(b, "g", stream)
		for pb.Next() {
			if _, err := e.client.PutLogEvents(b.Context(), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
