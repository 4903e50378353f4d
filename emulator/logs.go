package emulator

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/firehose"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// startLogs opens the CloudWatch Logs store (persisted in the state store
// with --data-dir, where the journal of earlier versions, DataDir/logs, is
// imported) that the Logs API serves and that function output is written
// to. Its subscription filters deliver to s.fh, once the Firehose service
// is started.
func (s *Server) startLogs() error {
	opts := cwlogs.Options{
		Now: s.clock.Now, Logger: s.log.With("service", "logs"),
		Subscriptions: &s.subscriptions, Account: s.account, AfterFunc: s.clock.AfterFunc,
	}
	if s.cfg.DataDir == "" {
		s.logs = cwlogs.New(opts)
		return nil
	}
	store, err := cwlogs.Open(s.state.Handle("logs"), filepath.Join(s.cfg.DataDir, "logs"), opts)
	if err != nil {
		return err
	}
	s.logs = store
	return nil
}

// Logs is the CloudWatch Logs store, for direct use from Go tests.
func (s *Server) Logs() *cwlogs.Store { return s.logs }

// functionLogSink sends every line a function prints (and its
// START/END/REPORT lines) to /aws/lambda/NAME, and to the configured sink.
func (s *Server) functionLogSink() func(function, stream, line string) {
	sink := s.logs.LambdaSink()
	if extra := s.cfg.FunctionLogSink; extra != nil {
		return func(function, stream, line string) {
			sink(function, stream, line)
			extra(function, stream, line)
		}
	}
	return sink
}

// logsToFirehose delivers CloudWatch Logs subscription records to the
// Firehose service, as CloudWatch Logs puts them.
type logsToFirehose struct {
	fh atomic.Pointer[firehose.Service] // nil until the service is started
}

// Put puts one record; throttling and service errors are retryable.
func (l *logsToFirehose) Put(streamARN string, record []byte) error {
	fh := l.fh.Load()
	if fh == nil {
		return fmt.Errorf("%w: the Firehose service is not started yet", cwlogs.ErrRetryable)
	}
	err := fh.PutFrom(firehose.SourceCloudWatchLogs, streamARN, record)
	if ae := (*awsjson.Error)(nil); errors.As(err, &ae) && ae.Status >= 500 {
		return fmt.Errorf("%w: %s", cwlogs.ErrRetryable, ae)
	}
	return err
}
