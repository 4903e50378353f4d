// Package lambdaapi serves the AWS Lambda API (REST-JSON, /2015-03-31/...)
// for functions that lambdarunner runs as local subprocesses: CreateFunction,
// GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction,
// UpdateFunctionCode, UpdateFunctionConfiguration and Invoke, with the
// model's HTTP bindings, shapes, constraints and error encoding.
//
// Only $LATEST exists (no versions or aliases). Configuration firehose-local
// cannot honour is refused by name with InvalidParameterValueException
// ("firehose-local does not support <Member> yet."), never accepted and
// ignored. The package is silent: it only logs to Config.Logger.
package lambdaapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/statestore"
)

// Config configures a Service.
type Config struct {
	// Runner runs the functions. Required. The Service does not close it.
	Runner *lambdarunner.Runner
	// CodeDir is where function code is unpacked, one directory per function
	// and code revision. It is created if missing. Nothing under it is
	// removed by Close. Required.
	CodeDir string
	// State, if set, keeps the configuration of the functions created
	// through the API: New restores them (with their code in CodeDir).
	// Without it functions live in memory.
	State *statestore.Handle
	// Account owns every function. Default "000000000000".
	Account string
	// DefaultRegion is used when a request carries no SigV4 scope. Default
	// us-east-1.
	DefaultRegion string
	// Logger defaults to discarding everything.
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// GetObject reads Code.S3Bucket/S3Key from the built-in S3. Nil refuses
	// S3 code locations.
	GetObject func(ctx context.Context, bucket, key string) ([]byte, error)
	// EventConcurrency bounds the asynchronous (Event) invocations running at
	// once; default 16. EventQueue bounds those accepted and waiting;
	// default 1000. Beyond that Invoke answers TooManyRequestsException.
	EventConcurrency int
	EventQueue       int
	// Bodies, if set, bounds the request body bytes read and not yet
	// answered, shared with the server's other APIs; past it a request is
	// refused with TooManyRequestsException.
	Bodies *reqbody.Budget
}

// ErrFunctionNotFound is wrapped by Invoke's error when the reference does not
// resolve to a function.
var ErrFunctionNotFound = errors.New("function not found")

// Service is the Lambda API over a lambdarunner.Runner.
type Service struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	handler http.Handler

	mu    sync.Mutex
	funcs map[string]map[string]*function // region → name → function

	// Asynchronous invocations.
	bg        context.Context
	stopBg    context.CancelFunc
	queued    chan struct{} // one token per accepted, unfinished Event invocation
	running   chan struct{} // one token per running Event invocation
	bgWG      sync.WaitGroup
	closeOnce sync.Once
}

// New creates a Service and restores the functions saved in Config.State,
// with their code in Config.CodeDir.
func New(cfg Config) (*Service, error) {
	if cfg.Runner == nil {
		return nil, errors.New("lambdaapi: Config.Runner is required")
	}
	if cfg.CodeDir == "" {
		return nil, errors.New("lambdaapi: Config.CodeDir is required")
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EventConcurrency <= 0 {
		cfg.EventConcurrency = 16
	}
	if cfg.EventQueue <= 0 {
		cfg.EventQueue = 1000
	}
	// The model is parsed on first use, so a server that never sees a
	// Lambda request neither waits for nor holds it.
	if err := os.MkdirAll(cfg.CodeDir, 0o755); err != nil {
		return nil, fmt.Errorf("lambdaapi: creating the code directory: %w", err)
	}
	s := &Service{
		cfg:     cfg,
		log:     cfg.Logger,
		now:     cfg.Now,
		funcs:   map[string]map[string]*function{},
		queued:  make(chan struct{}, cfg.EventQueue),
		running: make(chan struct{}, cfg.EventConcurrency),
	}
	s.bg, s.stopBg = context.WithCancel(context.Background())
	s.mu.Lock()
	err := s.loadState()
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: restoring functions from %s: %w", cfg.CodeDir, err)
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Handler serves every path under /2015-03-31/; the caller mounts it there.
// The region of a request comes from its SigV4 credential scope, else
// Config.DefaultRegion.
func (s *Service) Handler() http.Handler { return s.handler }

// Close cancels the asynchronous invocations still queued or running and
// waits for them. It neither closes the Runner nor removes anything saved
// under CodeDir.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock() // enqueue checks s.bg and adds to bgWG under s.mu
		s.stopBg()
		s.mu.Unlock()
		s.bgWG.Wait()
	})
	return nil
}

// target is a resolved function reference.
type target struct {
	region, name string
	qualified    bool   // the request named a qualifier ($LATEST)
	arn          string // as the reference spelled it, for "Function not found" messages
}

var errQualifierMismatch = invalidParam("The derived qualifier from the function name does not match the specified qualifier.")

// resolve interprets a function reference (any form of the model's
// FunctionName) and an optional ?Qualifier= in region. A full or partial ARN
// with a region is looked up in that region. Only $LATEST exists: other
// qualifiers are not found.
func (s *Service) resolve(region, ref, qualifier string) (target, error) {
	r, ok := parseRef(ref)
	if !ok {
		return target{}, notFound(s.arn(region, ref))
	}
	if r.qualifier != "" && qualifier != "" && r.qualifier != qualifier {
		return target{}, errQualifierMismatch
	}
	q := r.qualifier
	if q == "" {
		q = qualifier
	}
	if r.region != "" {
		region = r.region
	}
	account := s.cfg.Account
	if r.account != "" {
		account = r.account
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, r.name)
	if q != "" {
		arn += ":" + q
	}
	if account != s.cfg.Account || (q != "" && q != latest) || !validRegion(region) {
		return target{}, notFound(arn)
	}
	return target{region: region, name: r.name, qualified: q != "", arn: arn}, nil
}

// resolveRequest is resolve for an API request: a full or partial ARN of
// another region than the request's is refused as AWS refuses it
// (recorded: LocalStack's test_get_function_wrong_region). Invoke, for the
// rest of the emulator, still reaches the ARN's region.
func (s *Service) resolveRequest(req *request, qualifier string) (target, error) {
	return s.resolveFrom(req.region, req.name, qualifier)
}

// resolveFrom is resolveRequest for a request in region naming ref.
func (s *Service) resolveFrom(region, ref, qualifier string) (target, error) {
	if r, ok := parseRef(ref); ok && r.region != "" && r.region != region {
		return target{}, newError(errResourceNotFound, "Functions from '%s' are not reachable in this region ('%s')", r.region, region)
	}
	return s.resolve(region, ref, qualifier)
}

// find returns the function t names. Callers hold s.mu.
func (s *Service) find(t target) (*function, error) {
	fn := s.lookup(t.region, t.name)
	if fn == nil {
		return nil, notFound(t.arn)
	}
	return fn, nil
}

// Invoke runs a function synchronously for other parts of the emulator
// (Firehose record transformation). ref is any form of the model's
// FunctionName: a name, name:qualifier, or a full or partial ARN. The error
// wraps ErrFunctionNotFound when ref does not resolve; a function error is a
// Result with FunctionError set, not an error.
func (s *Service) Invoke(ctx context.Context, region, ref string, payload []byte) (lambdarunner.Result, error) {
	if region == "" {
		region = s.cfg.DefaultRegion
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	t, err := s.resolve(region, ref, "")
	if err == nil {
		var opts lambdarunner.InvokeOptions
		if t.qualified {
			opts.Qualifier = latest
		}
		var res lambdarunner.Result
		res, err = s.run(ctx, t, payload, opts)
		if err == nil {
			return res, nil
		}
	}
	var e *apiError
	if errors.As(err, &e) {
		if e.Type == errResourceNotFound {
			return lambdarunner.Result{}, fmt.Errorf("%w: %s", ErrFunctionNotFound, e.Message)
		}
		return lambdarunner.Result{}, errors.New(e.Message)
	}
	return lambdarunner.Result{}, err
}
