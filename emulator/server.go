// Package emulator is firehose-local's engine: the Firehose API, the
// delivery pipelines, and the HTTP router that serves every API on one port.
// It is a library first; the firehose-local binary is a thin wrapper.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/emulator/setup"
	"github.com/firehose-local/firehose-local/firehose"
	"github.com/firehose-local/firehose-local/glue"
	"github.com/firehose-local/firehose-local/internal/browserguard"
	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/kinesis"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/s3fake"
	"github.com/firehose-local/firehose-local/statestore"
)

// Account is the account ID every resource belongs to.
const Account = "000000000000"

// Config configures a Server. The zero value is a usable in-memory server.
type Config struct {
	// DataDir holds persistent state: the built-in S3's objects (s3.db),
	// delivery stream definitions, Lambda functions and CloudWatch Logs (the
	// state store, state.db, and the functions' code), and the write-ahead
	// log of records acknowledged and not yet delivered (wal/). Empty means
	// everything lives in memory.
	DataDir string
	// Fsync is when an acknowledged record is on disk, with DataDir:
	// FsyncAlways (the default) before PutRecord or PutRecordBatch answers,
	// concurrent requests sharing each sync; FsyncInterval within
	// wal.DefaultSyncInterval (100 ms) after it answers (the record is
	// written to the operating system before, so it survives the process
	// being killed, not the machine crashing). The CloudWatch Logs API
	// follows it too: FsyncAlways answers a change once the state store
	// has committed it (concurrent requests sharing each commit),
	// FsyncInterval before, the commit following within 100 ms (a crash
	// in between loses the change).
	Fsync FsyncPolicy
	// WALSegmentSize is the size at which the write-ahead log starts a new
	// segment file (default 64 MiB); tests make it small to exercise
	// rotation and compaction.
	WALSegmentSize int64
	// Region is used when a request carries no SigV4 scope. Default us-east-1.
	Region string
	// TransitionDelay is how long a stream stays CREATING, DELETING, or its
	// encryption ENABLING or DISABLING. Zero makes transitions immediate.
	TransitionDelay time.Duration
	// MaxBufferInterval caps every stream's buffering interval (0: no cap).
	// A deliberate difference from AWS, for local development.
	MaxBufferInterval time.Duration
	// LineageRecords is how many records the lineage index keeps (0:
	// lineage.DefaultSize; negative: lineage off).
	LineageRecords int
	// MaxPendingBytes bounds the record bytes buffered or waiting for
	// delivery across all streams. Beyond it puts are refused with
	// ServiceUnavailableException ("Slow down."). Default 256 MiB.
	MaxPendingBytes int64
	// MaxBodyBytesInFlight bounds the request body bytes held in memory
	// across all requests, from their first byte read until the request
	// is answered: every body the server reads whole (Firehose, CloudWatch
	// Logs, Lambda, /_local, S3 requests other than object uploads, which
	// stream into the store). Past it a request is refused with its API's
	// throttling error: ServiceUnavailableException (Firehose),
	// ThrottlingException (CloudWatch Logs), TooManyRequestsException
	// (Lambda), SlowDown (S3). Default 256 MiB.
	MaxBodyBytesInFlight int64
	// BodyReadTimeout bounds the time a request body takes to arrive: the
	// read deadline is BodyReadTimeout plus one second per 256 KiB of the
	// announced length (of the API's limit when none is announced). A
	// client that stalls past it gets an error and its connection closed.
	// Default 30 s.
	BodyReadTimeout time.Duration
	// Store, if set, receives delivered objects instead of the built-in S3.
	Store ObjectStore
	// Clock defaults to the system clock.
	Clock Clock
	// Logger defaults to discarding everything: the library never writes to
	// stdout by itself.
	Logger *slog.Logger
	// Functions are registered from local directories at start.
	Functions []LocalFunction
	// LambdaConcurrency is the number of warm processes per function
	// (default: the number of CPUs).
	LambdaConcurrency int
	// FunctionLogSink, if set, receives every line a function prints and its
	// START/END/REPORT lines.
	FunctionLogSink func(function, stream, line string)
	// HTTPEndpointTimeout is how long an HTTP endpoint destination has to
	// answer each request (AWS: 3 minutes, the default). Tests shorten it.
	HTTPEndpointTimeout time.Duration
	// EndpointRewrites redirect HTTP endpoint and Splunk HEC deliveries: a
	// configured URL that starts with From is sent to To plus the rest, so a
	// stream configured for a real service can deliver to a local receiver.
	EndpointRewrites []EndpointRewrite
	// DestinationCredentials sign the requests of OpenSearch destinations
	// (Firehose signs with the role it assumes). Nil: AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else a fixed local key
	// (delivery.DefaultSigningCredentials).
	DestinationCredentials aws.CredentialsProvider
	// Auth, if set, makes every request (but GET /_local/health) carry a
	// valid SigV4 signature made with one of its credentials; failures get
	// each API's own 4xx error. Nil accepts any request, signed or not.
	Auth *AuthConfig
	// CORSOrigins are the origins ("http://localhost:3000") whose web pages
	// may call the APIs cross-origin, as a browser app using the AWS SDK for
	// JavaScript does; S3 then answers them from each bucket's CORS
	// configuration. "*" allows every origin. By default a browser may use
	// the APIs only from the console's own pages.
	CORSOrigins []string
	// AllowedHosts are further Host names by which a browser may reach the
	// emulator, beyond IP addresses, localhost, *.localhost and single-label
	// names; others are refused as possible DNS rebinding. "*" allows any.
	// Programs that are not browsers may use any Host.
	AllowedHosts []string
	// KinesisLimits applies Kinesis Data Streams' per-shard throughput limits (off: nothing throttled).
	KinesisLimits bool
	// Init declares resources New creates through their APIs (--init; see
	// package setup), and Reset again; with DataDir existing ones stay.
	Init *setup.Spec
}

// Server is a running emulator: Firehose, the built-in S3, and the admin
// endpoints, behind one http.Handler.
type Server struct {
	cfg     Config
	account string
	clock   Clock
	log     *slog.Logger
	s3      *s3fake.S3
	store   ObjectStore
	handler http.Handler
	// functionStats are the Lambda metrics; metricsHandler serves them and
	// the streams' at GET /metrics.
	functionStats functionStats
	metricsOnce   sync.Once
	metricsHTTP   http.Handler

	invocations *invocations // recent Lambda invocations, per function

	console   *console.Console       // the web console at /_local/ui
	listenURL atomic.Pointer[string] // http://address Serve listens on, once known

	runner   *lambdarunner.Runner
	fnCreds  lambdarunner.Credentials // what functions sign with, when Auth is set
	lambda   *lambdaapi.Service
	logs     *cwlogs.Store
	glue     *glue.Catalog
	kinesis  *kinesis.Service
	state    *statestore.DB // with DataDir: the control plane's store (nil on a full disk)
	tempDirs []string       // removed by Close

	subscriptions logsToFirehose // where the logs' subscription filters deliver

	browsers browserguard.Policy // what web pages may do
	auth     *authenticator      // with Config.Auth: checks signatures per route

	mu    sync.Mutex    // guards closing, listeners and httpSrv
	setup *setup.Server // --init and POST /_local/reset

	fh      *firehose.Service // the Firehose API, its streams and their durable state
	pending *delivery.Budget  // record bytes buffered or queued for delivery
	deps    *delivery.Deps    // what every stream's pipeline shares

	bodies *reqbody.Budget // request body bytes held (Config.MaxBodyBytesInFlight)

	wg         sync.WaitGroup     // delivery goroutines
	background sync.WaitGroup     // New's own goroutines, waited for by Close
	abortCtx   context.Context    // cancelled when shutdown stops waiting for deliveries
	abort      context.CancelFunc // cancels abortCtx
	aborted    <-chan struct{}    // abortCtx.Done()
	closeOnce  sync.Once
	httpSrv    *http.Server
	closing    bool           // Close has begun (guarded by mu): a Serve not started yet serves nothing
	listeners  []net.Listener // Start's (guarded by mu)
	ready      atomic.Bool
}

// New creates a Server. Call Serve (or Start) to accept connections and
// Close to stop it.
func New(cfg Config) (*Server, error) {
	if cfg.Auth != nil && len(cfg.Auth.Credentials) == 0 {
		return nil, errors.New("emulator: Config.Auth needs at least one credential")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.MaxPendingBytes == 0 {
		cfg.MaxPendingBytes = 256 << 20
	}
	if cfg.MaxBodyBytesInFlight <= 0 {
		cfg.MaxBodyBytesInFlight = defaultMaxBodyBytesInFlight
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = defaultBodyReadTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.HTTPEndpointTimeout == 0 {
		cfg.HTTPEndpointTimeout = delivery.DefaultHTTPEndpointTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch cfg.Fsync {
	case "":
		cfg.Fsync = FsyncAlways
	case FsyncAlways, FsyncInterval:
	default:
		return nil, fmt.Errorf("unknown fsync policy %q: want %q or %q", cfg.Fsync, FsyncAlways, FsyncInterval)
	}
	bodies := reqbody.NewBudget(cfg.MaxBodyBytesInFlight)
	s3, err := s3fake.New(s3fake.Options{DataDir: cfg.DataDir, Logger: cfg.Logger.With("service", "s3"), Bodies: bodies})
	if err != nil {
		return nil, fmt.Errorf("starting the built-in S3: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		account: Account,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		s3:      s3,
		store:   cfg.Store,
		bodies:  bodies,

		invocations: newInvocations(),
		browsers:    browserguard.Policy{AllowedOrigins: cfg.CORSOrigins, AllowedHosts: cfg.AllowedHosts},
	}
	s.abortCtx, s.abort = context.WithCancel(context.Background())
	s.aborted = s.abortCtx.Done()
	s.pending = delivery.NewBudget(cfg.MaxPendingBytes)
	if s.store == nil {
		s.store = builtinStore{s3}
	}
	if cfg.Auth != nil {
		s.fnCreds = functionCredentials()
	}
	if err := s.openState(); err != nil {
		_ = s3.Close()
		return nil, err
	}
	if s.glue, err = glue.New(glue.Options{Account: s.account, Region: cfg.Region, State: s.state.Handle("glue"), Logger: s.log.With("service", "glue"), Now: s.clock.Now}); err != nil {
		_ = s3.Close()
		_ = s.state.Close()
		return nil, fmt.Errorf("starting the Glue Data Catalog: %w", err)
	}
	if s.kinesis, err = kinesis.New(kinesis.Options{Account: s.account, Region: cfg.Region, State: s.state.Handle("kinesis"), Logger: s.log.With("service", "kinesis"), Now: s.clock.Now, Clock: s.clock, Limits: cfg.KinesisLimits}); err != nil {
		_ = s3.Close()
		_ = s.state.Close()
		return nil, fmt.Errorf("starting Kinesis Data Streams: %w", err)
	}
	if err := s.startLogs(); err != nil {
		_ = s3.Close()
		_ = s.state.Close()
		return nil, fmt.Errorf("starting CloudWatch Logs: %w", err)
	}
	if err := s.startLambda(); err != nil {
		_ = s3.Close()
		_ = s.logs.Close()
		_ = s.state.Close()
		s.removeTempDirs()
		return nil, fmt.Errorf("starting the Lambda service: %w", err)
	}
	s.deps = &delivery.Deps{
		Clock: s.clock, Logger: s.log, Store: s.store, Invoke: s.invokeFunction,
		Annotate: s.invocations.annotate, Pending: s.pending, Logs: s.logs,
		Abort: s.abortCtx, WG: &s.wg, Schemas: s.glueSchemas,
		HTTPEndpointTimeout: cfg.HTTPEndpointTimeout, MaxBufferInterval: cfg.MaxBufferInterval, EndpointRewrites: cfg.EndpointRewrites,
		Credentials: cfg.DestinationCredentials,
		Lineage:     lineage.FromConfig(cfg.LineageRecords),
	}
	fh, err := firehose.Open(firehose.Config{
		Region: cfg.Region, Account: s.account, DataDir: cfg.DataDir, State: s.state.Handle("firehose"), Fsync: cfg.Fsync, WALSegmentSize: cfg.WALSegmentSize,
		TransitionDelay: cfg.TransitionDelay, MaxBufferInterval: cfg.MaxBufferInterval, Clock: s.clock, Logger: s.log,
		Kinesis: kinesisSource{s.kinesis}, DeaggregateKPL: builtin.DeaggregateKPL,
	}, s.deps)
	if err != nil {
		_ = s.lambda.Close()
		_ = s.runner.Close()
		_ = s3.Close()
		_ = s.logs.Close()
		_ = s.state.Close()
		s.removeTempDirs()
		return nil, err
	}
	s.fh = fh
	s.subscriptions.fh.Store(fh)
	// The model is parsed on first use. Parse it in the background soon
	// after the start, once the first health checks are answered: the
	// parse and the collection after it would otherwise compete with them
	// for the start-up's milliseconds.
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		select {
		case <-time.After(modelParseDelay):
		case <-s.aborted: // closed first
			return
		}
		s.model()
		// Parsing leaves megabytes of garbage; hand them back at once
		// rather than at the next GC, to keep an idle emulator small.
		debug.FreeOSMemory()
	}()
	s.console = s.newConsole()
	if cfg.Auth != nil {
		s.auth = newAuthenticator(cfg.Auth, s.fnCreds, s.bodies)
	}
	s.setup = s.newSetup()
	s.handler = s.routes()
	s.handler = s.guardBodies(s.handler)
	s.setup.Handler = s.handler
	if err := s.setup.ApplyInit(context.Background(), cfg.DataDir != ""); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	s.ready.Store(true)
	return s, nil
}

// Handler serves every API: Firehose, S3, and /_local admin endpoints.
func (s *Server) Handler() http.Handler { return s.handler }

// S3 is the built-in S3, for direct access from Go tests.
func (s *Server) S3() *s3fake.S3 { return s.s3 }

// Serve accepts connections on l until Close is called. It returns nil after
// a clean Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		// Close came first (say, just after Start): serve nothing.
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	// HTTP/1.1, and HTTP/2 without TLS for clients that ask for it (the Go
	// SDK's SubscribeToShard event streams work best over it).
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		Protocols:         &protocols,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	srv := s.httpSrv
	s.mu.Unlock()
	s.setListenAddr(l.Addr())
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the bound address.
func (s *Server) Start(addr string) (net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	closing := s.closing
	if !closing {
		s.listeners = append(s.listeners, l) // for Close, which may come before Serve
	}
	s.mu.Unlock()
	if closing {
		_ = l.Close()
		return nil, errors.New("the server is closed")
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		if err := s.Serve(l); err != nil {
			s.log.Error("serve", "error", err)
		}
	}()
	return l.Addr(), nil
}

// Close stops accepting requests, finishes those in flight, delivers every
// buffer, and releases resources. Deliveries that have not completed when
// ctx ends are abandoned (and logged).
func (s *Server) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		s.ready.Store(false)
		s.console.Close() // demo runs stop sending
		s.mu.Lock()
		s.closing = true // a Serve that has not started yet will not
		srv := s.httpSrv
		listeners := s.listeners
		s.mu.Unlock()
		if srv != nil {
			err = srv.Shutdown(ctx)
		}
		for _, l := range listeners {
			_ = l.Close() // Start's, even if its Serve has not begun
		}
		// What subscription filters matched goes into the streams before
		// they close.
		s.logs.WaitSubscriptions(ctx)
		s.fh.CloseStreams()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			s.abort()
			<-done
			if err == nil {
				err = fmt.Errorf("shutdown: deliveries abandoned: %w", ctx.Err())
			}
		}
		// Processing needed the functions until every pipeline drained.
		if cerr := s.lambda.Close(); err == nil {
			err = cerr
		}
		if cerr := s.runner.Close(); err == nil {
			err = cerr
		}
		// What shutdown abandoned stays in the log for the next start.
		if cerr := s.fh.Close(); err == nil {
			err = cerr
		}
		if cerr := s.s3.Close(); err == nil {
			err = cerr
		}
		if cerr := s.logs.Close(); err == nil {
			err = cerr
		}
		if cerr := s.state.Close(); err == nil {
			err = cerr
		}
		s.removeTempDirs()
		s.abort()
		s.background.Wait()
	})
	return err
}

func (s *Server) removeTempDirs() {
	for _, d := range s.tempDirs {
		_ = os.RemoveAll(d)
	}
}

// model is the Firehose model requests are validated against, with http://
// endpoint URLs allowed for local receivers. It is parsed once, on first use.
// modelParseDelay is how long after New the Firehose model is parsed, if
// no request has needed it yet.
const modelParseDelay = 100 * time.Millisecond

func (s *Server) model() *awsjson.Model { return protocol.LocalFirehoseModel() }
