package setup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Server is what Init and Reset need of a server: its handler and its
// services. The emulator fills it in; each service's own package does the
// work (firehose.Service.Reset, s3fake.S3.Reset, ...).
type Server struct {
	Handler http.Handler
	// Credentials, if set, sign every call (the server verifies
	// signatures); Region is the server's default region.
	Credentials *aws.Credentials
	Region      string
	Logger      *slog.Logger
	// Init is the init file (nil: none); SkipExisting leaves alone what
	// exists at start (with a data directory).
	Init         *Spec
	SkipExisting bool
	// RegisterDir registers a directory-form function; Functions registers
	// the server's --function functions again after a reset.
	RegisterDir func(DirFunction) error
	Functions   func() error

	Streams interface{ Reset(context.Context) error } // every delivery stream
	S3      interface{ Reset() error }                // the built-in S3 (an external one is left alone)
	Runner  interface {
		Drop(keep func(arn string) bool)
	} // the functions' processes
	Logs                  interface{ WaitSubscriptions(context.Context) bool } // subscription deliveries
	Console               interface{ Reset() }                                 // demo runs
	Kinesis, Glue, Lambda interface{ Regions() []string }
	Forget                func() // recent invocations

	mu sync.Mutex // one Reset at a time
}

// Client is a client of the server's own handler.
func (s *Server) Client() *Client {
	c := &Client{Handler: s.Handler}
	if s.Credentials != nil {
		creds, signer := *s.Credentials, v4.NewSigner()
		c.Sign = func(req *http.Request, service, region string, body []byte) error {
			if region == "" {
				region = s.Region
			}
			sum := sha256.Sum256(body)
			hash := hex.EncodeToString(sum[:])
			req.Header.Set("X-Amz-Content-Sha256", hash)
			return signer.SignHTTP(req.Context(), creds, req, hash, service, region, time.Now())
		}
	}
	return c
}

// ApplyInit creates what the init file declares, leaving alone what exists
// already if skipExisting, and logs what it did.
func (s *Server) ApplyInit(ctx context.Context, skipExisting bool) error {
	if s.Init.Empty() {
		return nil
	}
	res, err := Apply(ctx, s.Init, Options{Client: s.Client(), SkipExisting: skipExisting, Logger: s.Logger, RegisterDir: s.RegisterDir})
	if err != nil {
		return err
	}
	s.Logger.Info("init: resources created", "created", res.Created, "existing", res.Existing, "files", strings.Join(s.Init.Files, ","))
	return nil
}

// Reset clears the server, as moto's reset does: every delivery stream (its
// buffered records dropped; a delivery under way cancelled or ended), bucket
// and object of the built-in S3, Lambda function (its processes stopped)
// unless keepFunctions, CloudWatch Logs group, Kinesis data stream, Glue
// database and table, in every region, demo run and recent invocation.
// With a data directory the durable state goes too, through the same
// calls. It returns once all of it is gone, after registering the
// --function functions and applying the init file again.
func (s *Server) Reset(ctx context.Context, keepFunctions bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Console.Reset()
	c := s.Client()
	regions := Regions{Kinesis: s.Kinesis.Regions(), Glue: s.Glue.Regions(), Lambda: s.Lambda.Regions()}
	// Log groups first: their subscription filters put into the delivery
	// streams; what they matched already goes in before those are reset.
	if err := Clear(ctx, c, Regions{}, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	s.Logs.WaitSubscriptions(ctx)
	if err := s.Streams.Reset(ctx); err != nil {
		return fmt.Errorf("reset: delivery streams: %w", err)
	}
	if err := Clear(ctx, c, regions, keepFunctions); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !keepFunctions {
		s.Runner.Drop(nil)
		s.Forget()
	}
	// What the stopped processes and the streams' error logging wrote
	// meanwhile goes too.
	if err := Clear(ctx, c, Regions{}, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if s.S3 != nil {
		if err := s.S3.Reset(); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	if !keepFunctions {
		if err := s.Functions(); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	if err := s.ApplyInit(ctx, true); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	s.Logger.Info("reset: every resource deleted", "keepFunctions", keepFunctions)
	return nil
}

// ServeReset serves POST /_local/reset[?keep=functions]: 200 once
// everything is gone (and the init file applied again).
func (s *Server) ServeReset(w http.ResponseWriter, r *http.Request) {
	keep := false
	for _, k := range r.URL.Query()["keep"] {
		for _, item := range strings.Split(k, ",") {
			if item != "functions" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid keep " + item + ": want functions"})
				return
			}
			keep = true
		}
	}
	// A client that goes away does not leave half a reset behind.
	if err := s.Reset(context.WithoutCancel(r.Context()), keep); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": true, "keptFunctions": keep})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
