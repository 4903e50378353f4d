package emulator

import (
	"context"
	"net/http"
	"time"

	"github.com/firehose-local/firehose-local/firehose"
)

// health answers GET /_local/health once the server is ready.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeLocalJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "stopping"})
		return
	}
	if status, draining := s.fh.Draining(); draining {
		writeLocalJSON(w, http.StatusServiceUnavailable, status)
		return
	}
	writeLocalJSON(w, http.StatusOK, map[string]any{
		"status": "ok",
		"services": map[string]string{
			"firehose": "running", "s3": "running", "lambda": "running",
			"logs": "running", "kinesis": "running", "glue": "running",
		},
	})
}

// FlushResult is what Flush did for one stream: the objects written, or
// why it did not finish.
type FlushResult = firehose.FlushResult

// flushHandler serves POST /_local/flush[?stream=NAME][&region=R][&timeout=30s]:
// it delivers everything buffered and answers once the objects are written.
func (s *Server) flushHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	timeout := 30 * time.Second
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			writeLocalJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid timeout " + t + ": want a Go duration such as 30s"})
			return
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	results, found := s.Flush(ctx, q.Get("stream"), q.Get("region"))
	if q.Get("stream") != "" && !found {
		writeLocalJSON(w, http.StatusNotFound, map[string]string{"error": "no delivery stream named " + q.Get("stream")})
		return
	}
	status := http.StatusOK
	for _, res := range results {
		if res.Error != "" {
			status = http.StatusGatewayTimeout
		}
	}
	writeLocalJSON(w, status, map[string]any{"flushed": results})
}

// Flush delivers everything buffered in the named stream (every stream when
// name is empty; every region when region is empty), with the log events
// CloudWatch Logs subscription filters matched so far, and waits until the
// objects are written or ctx ends. found reports whether any stream matched.
func (s *Server) Flush(ctx context.Context, name, region string) (results []FlushResult, found bool) {
	// Log events that subscription filters matched are in the streams'
	// buffers first.
	s.logs.WaitSubscriptions(ctx)
	return s.fh.Flush(ctx, name, region)
}

// WaitDelivered waits until every batch already cut from a buffer (by size,
// interval or flush) has been delivered or dropped. Unlike Flush it leaves
// open buffers alone, so tests can check exactly when a trigger fires.
func (s *Server) WaitDelivered(ctx context.Context) error { return s.fh.WaitDelivered(ctx) }
