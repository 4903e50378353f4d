package lambdarunner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Errors returned by Invoke for emulator-side failures. Function failures
// are never errors: they are Results with FunctionError set.
var (
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("lambdarunner: runner closed")
	// ErrUnsupportedRuntime is returned for a runtime SupportedRuntime
	// rejects.
	ErrUnsupportedRuntime = errors.New("lambdarunner: unsupported runtime")
)

// Options configures a Runner. The zero value is usable.
type Options struct {
	// Logger receives the runner's own events and, at Info level, the
	// lines the functions print, within OutputLogRate. Default: discard.
	Logger *slog.Logger
	// OutputLogRate bounds, per function, how much of its output Logger
	// receives: Lines lines and Bytes bytes per second (0: the defaults,
	// DefaultOutputLogLines and DefaultOutputLogBytes; negative: no
	// limit), with bursts of ten seconds' worth, each line cut to 8 KiB.
	// What is held back is summarised in one line ("suppressed N lines /
	// M bytes ...") when output is logged again, at the next platform line
	// (START, END, REPORT) or at Close. LogSink gets every line regardless.
	OutputLogRate Rate
	// Now is the clock OutputLogRate is measured with. Default time.Now.
	Now func() time.Time
	// Concurrency is the maximum number of processes per function.
	// Default runtime.NumCPU().
	Concurrency int
	// LogSink, if set, receives every line a function prints plus the
	// platform lines (START, END, REPORT, ...), with the function name and
	// the log stream name (YYYY/MM/DD/[$LATEST]<hex>, one per process). A
	// line longer than a CloudWatch Logs event (256 KiB less 26 bytes)
	// arrives in consecutive pieces of at most that size, as Lambda splits
	// it.
	// It is called synchronously from several goroutines and must be safe
	// for concurrent use and quick.
	LogSink func(function, stream, line string)
	// InitTimeout bounds the init phase (process start to the first
	// GET /next) when it is longer than the function's timeout. Default 10s,
	// Lambda's init limit.
	InitTimeout time.Duration
	// ShutdownGrace is how long Close waits after SIGTERM before SIGKILL.
	// Default 2s.
	ShutdownGrace time.Duration
	// SettleTimeout is how long an invocation waits for a process that
	// has just answered to come back to GET /next, rather than
	// cold-starting another one (Lambda reuses a warm environment). On a
	// loaded machine a runtime can take longer than a second to get there.
	// Default 5s.
	SettleTimeout time.Duration
	// OnInvoke, if set, is called after every invocation with the
	// function, its result and the emulator-side error (nil when the
	// function ran, whatever it returned). It must be quick and safe for
	// concurrent use: metrics and the console's history are kept with it.
	OnInvoke func(fn *Function, res Result, err error)
	// Python and Node name the interpreters for the python3.x and nodejs*
	// runtimes. Default "python3" and "node", looked up in PATH.
	Python, Node string
	// Credentials are what every function gets as AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the way Lambda hands a
	// function its execution role's. Default: dummies that no server
	// checks. They never come from the host's environment.
	Credentials Credentials
}

// Credentials are AWS credentials given to functions.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// InvokeOptions are per-invocation parameters.
type InvokeOptions struct {
	// RequestID is the invocation's request ID; "" generates a UUID.
	RequestID string
	// ClientContext is the client context JSON (already base64-decoded from
	// X-Amz-Client-Context); Identity the Cognito identity JSON. Both are
	// optional.
	ClientContext, Identity string
	// Qualifier, if set, is appended to the invoked function ARN.
	Qualifier string
	// TraceID is the X-Ray trace header; "" generates an unsampled one.
	TraceID string
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the function's response, or on function error the error
	// JSON ({"errorMessage","errorType",...}) as the runtime or Lambda wrote it.
	Payload []byte
	// FunctionError is "" on success and "Unhandled" on any function error
	// (Lambda's X-Amz-Function-Error).
	FunctionError string
	// Log holds this invocation's log lines, START to REPORT, each ending in
	// "\n" (for X-Amz-Log-Result the caller keeps the last 4 KB). The first
	// invocation of a process also carries the output of its init phase.
	Log []byte
	// Duration is the invocation's run time.
	Duration time.Duration
	// InitError is true when the function could not be initialised (its
	// init failed, timed out or exited: Failure says which); the Payload
	// then holds the init error.
	InitError bool
	// Failure says what went wrong, FailureNone on success. Callers tell
	// a timeout from a function error by it, never by the payload's text.
	Failure Failure
}

// Failure is why an invocation did not succeed.
type Failure int

const (
	// FailureNone: the function answered.
	FailureNone Failure = iota
	// FailureFunction: the handler returned or raised an error.
	FailureFunction
	// FailureTimeout: the invocation (or the init before it) ran past its
	// timeout.
	FailureTimeout
	// FailureExit: the runtime process exited or crashed.
	FailureExit
	// FailureInit: the function could not be initialised (an init error, a
	// handler that does not load, a process that could not start).
	FailureInit
	// FailureResponseTooLarge: the response exceeded Lambda's 6 MB.
	FailureResponseTooLarge
	// FailureNoResponse: the runtime asked for the next event without
	// answering this one.
	FailureNoResponse
)

var failureNames = [...]string{"none", "function error", "timeout", "runtime exit", "init error", "response too large", "no response"}

// String names the failure.
func (f Failure) String() string {
	if f >= 0 && int(f) < len(failureNames) {
		return failureNames[f]
	}
	return "Failure(" + strconv.Itoa(int(f)) + ")"
}

// Runner runs Lambda functions as local processes. It is safe for
// concurrent use.
type Runner struct {
	log         *slog.Logger
	sink        func(function, stream, line string)
	concurrency int
	initLimit   time.Duration
	grace       time.Duration
	settle      time.Duration
	host        hostRuntimes
	onInvoke    func(fn *Function, res Result, err error)
	creds       Credentials
	now         func() time.Time
	outputRate  Rate

	mu     sync.Mutex
	pools  map[string]*pool
	closed bool
}

// New returns a Runner.
func New(opts Options) *Runner {
	r := &Runner{
		log:         opts.Logger,
		sink:        opts.LogSink,
		concurrency: opts.Concurrency,
		initLimit:   opts.InitTimeout,
		grace:       opts.ShutdownGrace,
		settle:      opts.SettleTimeout,
		host:        hostRuntimes{python: opts.Python, node: opts.Node},
		pools:       map[string]*pool{},
		onInvoke:    opts.OnInvoke,
		creds:       opts.Credentials,
		now:         opts.Now,
		outputRate:  opts.OutputLogRate,
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.creds.AccessKeyID == "" || r.creds.SecretAccessKey == "" {
		r.creds = Credentials{dummyAccessKeyID, dummySecretAccessKey, dummySessionToken}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.concurrency <= 0 {
		r.concurrency = runtime.NumCPU()
	}
	if r.initLimit <= 0 {
		r.initLimit = 10 * time.Second
	}
	if r.grace <= 0 {
		r.grace = 2 * time.Second
	}
	if r.settle <= 0 {
		r.settle = defaultSettleTimeout
	}
	return r
}

// Invoke runs fn synchronously with payload and returns its result. It
// reuses an idle process of fn, starts one if fewer than Concurrency are
// running, or waits for one to become idle. A changed configuration (any
// field of fn) replaces the function's processes.
//
// The error is non-nil only for emulator-side failures: ctx ended (the
// invocation itself then still runs to its end), the runner is closed, or fn
// is unusable. Function errors, timeouts, crashes and init failures are
// reported in the Result.
func (r *Runner) Invoke(ctx context.Context, fn *Function, payload []byte, opts InvokeOptions) (Result, error) {
	if fn == nil || fn.Name == "" {
		return Result{}, errors.New("lambdarunner: function has no name")
	}
	if !SupportedRuntime(fn.Runtime) {
		return Result{}, fmt.Errorf("%w: %q", ErrUnsupportedRuntime, fn.Runtime)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	f := fn.withDefaults()
	p, err := r.pool(f)
	if err != nil {
		return Result{}, err
	}
	id := opts.RequestID
	if id == "" {
		id = uuid.NewString()
	}
	res, err := p.invoke(ctx, newInvocation(&f, payload, opts, id))
	if r.onInvoke != nil {
		r.onInvoke(&f, res, err)
	}
	return res, err
}

// pool returns the pool of f, creating or reconfiguring it.
func (r *Runner) pool(f Function) (*pool, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	// Functions are regional: one pool per ARN, so same-named functions
	// in two regions do not share (or reset) each other's processes.
	key := f.ARN()
	p, ok := r.pools[key]
	if !ok {
		p = newPool(r, f)
		r.pools[key] = p
	}
	r.mu.Unlock()
	if ok {
		p.configure(f)
	}
	return p, nil
}

// Reset kills the warm processes of a function (its code or configuration
// changed); busy ones are replaced when their invocation ends. The next
// invocation cold-starts. ref is the function's ARN (Function.ARN), or a bare
// name, which resets that name in every region.
func (r *Runner) Reset(ref string) {
	r.mu.Lock()
	var reset []*pool
	for key, p := range r.pools {
		if key == ref || p.name == ref {
			reset = append(reset, p)
		}
	}
	r.mu.Unlock()
	for _, p := range reset {
		p.reset()
	}
}

// Close stops every process (SIGTERM to its process group, SIGKILL after
// Options.ShutdownGrace) and waits for them. Invocations in flight return
// ErrClosed. Close is idempotent.
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	pools := make([]*pool, 0, len(r.pools))
	for _, p := range r.pools {
		pools = append(pools, p)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pools {
		wg.Go(func() { p.close(r.grace) })
	}
	wg.Wait()
	r.host.cleanup()
	return nil
}

func (r *Runner) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// initTimeout is the init limit for fn: Lambda's init limit, or the
// function timeout if longer (Lambda retries a slow init within the first
// invocation's timeout).
func (r *Runner) initTimeout(fn *Function) time.Duration {
	return max(r.initLimit, fn.Timeout)
}
