package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/firehose-local/firehose-local/emulator/setup"
)

// ResetOptions says what Reset keeps.
type ResetOptions struct {
	// KeepFunctions keeps the Lambda functions and their warm processes.
	KeepFunctions bool
}

// Reset clears the server, as moto's reset does: every delivery stream (its
// buffered records discarded; a delivery under way finishes first), bucket
// and object of the built-in S3, Lambda function (its processes stopped),
// CloudWatch Logs group, Kinesis data stream, Glue database and table,
// demo run and recent invocation. With a data directory the durable state
// goes too. It returns once all of it is gone; then the --function
// functions are registered and the init file (Config.Init) applied again.
// An external S3 (Config.Store) is left alone.
func (s *Server) Reset(ctx context.Context, opts ResetOptions) error {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	s.console.Reset()
	c := s.setupClient()
	regions := setup.Regions{Kinesis: s.kinesis.Regions(), Glue: s.glue.Regions(), Lambda: s.lambda.Regions()}
	// Log groups first: their subscription filters put into the delivery
	// streams; what they matched already goes in before those are reset.
	if err := setup.Clear(ctx, c, setup.Regions{}, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	s.logs.WaitSubscriptions(ctx)
	if err := s.fh.Reset(ctx); err != nil {
		return fmt.Errorf("reset: delivery streams: %w", err)
	}
	if err := setup.Clear(ctx, c, regions, opts.KeepFunctions); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !opts.KeepFunctions {
		s.runner.Drop(nil)
		s.invocations.reset()
	}
	// What the stopped processes and the streams' error logging wrote
	// meanwhile goes too.
	if err := setup.Clear(ctx, c, setup.Regions{}, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := s.s3.Reset(); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !opts.KeepFunctions {
		if err := s.registerLocalFunctions(); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	if err := s.applyInit(ctx, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	s.log.Info("reset: every resource deleted", "keepFunctions", opts.KeepFunctions)
	return nil
}

// resetHandler serves POST /_local/reset[?keep=functions]: it answers 200
// once everything is gone (and the init file applied again).
func (s *Server) resetHandler(w http.ResponseWriter, r *http.Request) {
	var opts ResetOptions
	for _, k := range r.URL.Query()["keep"] {
		for _, item := range strings.Split(k, ",") {
			switch item {
			case "functions":
				opts.KeepFunctions = true
			default:
				writeLocalJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid keep " + item + ": want functions"})
				return
			}
		}
	}
	if err := s.Reset(r.Context(), opts); err != nil {
		writeLocalJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeLocalJSON(w, http.StatusOK, map[string]any{"reset": true, "keptFunctions": opts.KeepFunctions})
}

func (iv *invocations) reset() {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	iv.byFn = map[string][]*Invocation{}
	iv.byReq = map[string]*Invocation{}
}
