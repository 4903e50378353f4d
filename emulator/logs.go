package emulator

import (
	"path/filepath"

	"github.com/firehose-local/firehose-local/cwlogs"
)

// startLogs opens the CloudWatch Logs store (persisted in the state store
// with --data-dir, where the journal of earlier versions, DataDir/logs, is
// imported) that the Logs API serves and that function output is written
// to.
func (s *Server) startLogs() error {
	opts := cwlogs.Options{Now: s.clock.Now, Logger: s.log.With("service", "logs")}
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
