package emulator

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/firehose-local/firehose-local/delivery"
)

// health answers GET /_local/health once the server is ready.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeLocalJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "stopping"})
		return
	}
	if s.wal != nil && s.draining() {
		writeLocalJSON(w, http.StatusServiceUnavailable, s.drainStatus())
		return
	}
	writeLocalJSON(w, http.StatusOK, map[string]any{
		"status":   "ok",
		"services": map[string]string{"firehose": "running", "s3": "running"},
	})
}

// FlushResult is what Flush did for one stream: the objects written, or
// why it did not finish.
type FlushResult struct {
	Stream  string `json:"stream"`
	Region  string `json:"region"`
	Objects int    `json:"objects"`
	Error   string `json:"error,omitempty"`
}

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
// name is empty; every region when region is empty) and waits until the
// objects are written or ctx ends. found reports whether any stream matched.
func (s *Server) Flush(ctx context.Context, name, region string) (results []FlushResult, found bool) {
	within := ""
	if dl, ok := ctx.Deadline(); ok {
		within = " after " + time.Until(dl).Round(time.Millisecond).String()
	}
	type pending struct {
		st      *stream
		batches []*delivery.Batch
	}
	var matched []*stream
	s.mu.Lock()
	for reg, byName := range s.streams {
		if region != "" && reg != region {
			continue
		}
		for n, st := range byName {
			if name != "" && n != name || st.deleting {
				continue
			}
			matched = append(matched, st)
		}
	}
	s.mu.Unlock()
	// First through the transform function, then to the destination.
	var procErr string
	for _, st := range matched {
		for _, b := range st.pipe.FlushProcessing() {
			select {
			case <-b.Done():
			case <-ctx.Done():
				procErr = "processing not finished" + within
			}
		}
	}
	var all []pending
	for _, st := range matched {
		all = append(all, pending{st, st.pipe.Flush()})
	}
	for _, p := range all {
		res := FlushResult{Stream: p.st.name, Region: p.st.region, Error: procErr}
	wait:
		for _, b := range p.batches {
			select {
			case <-b.Done():
				res.Objects++
			case <-ctx.Done():
				if err := p.st.pipe.Err(b); err != nil {
					res.Error = "delivery not finished" + within + "; still retrying: " + err.Error()
				} else {
					res.Error = "delivery not finished" + within
				}
				break wait
			}
		}
		results = append(results, res)
	}
	sort.Slice(results, func(i, j int) bool {
		return results[i].Region+"/"+results[i].Stream < results[j].Region+"/"+results[j].Stream
	})
	return results, len(all) > 0
}

// WaitDelivered waits until every batch already cut from a buffer (by size,
// interval or flush) has been delivered or dropped. Unlike Flush it leaves
// open buffers alone, so tests can check exactly when a trigger fires.
func (s *Server) WaitDelivered(ctx context.Context) error {
	var pipes []*delivery.Pipeline
	s.mu.Lock()
	for _, byName := range s.streams {
		for _, st := range byName {
			pipes = append(pipes, st.pipe)
		}
	}
	s.mu.Unlock()
	wait := func(queue func(p *delivery.Pipeline) []*delivery.Batch) error {
		for _, p := range pipes {
			for _, b := range queue(p) {
				select {
				case <-b.Done():
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		return nil
	}
	// The processor's queue first: what it hands on joins the delivery queue.
	if err := wait(func(p *delivery.Pipeline) []*delivery.Batch { _, proc := p.Queued(); return proc }); err != nil {
		return err
	}
	return wait(func(p *delivery.Pipeline) []*delivery.Batch { q, _ := p.Queued(); return q })
}
