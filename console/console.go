// Package console is firehose-local's web console, served at /_local/ui: the
// delivery streams with their live buffers, the Kinesis data streams with
// their shards and latest records, the Lambda functions and their recent
// invocations, a browser of the built-in S3 with a preview of each
// object, a form to create a stream, and demo data.
//
// Pages are rendered on the server by hand-written Go (render.go), which
// escapes every name, key and record shown; a little script refreshes the live parts. Every
// asset is embedded and nothing is loaded from elsewhere. The console only
// reads, except for its explicit actions (flush, create, demo start and
// stop), which are POSTs that must come from the console's own origin.
//
// The console knows the server only through [Backend]; the emulator package
// implements it.
package console

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/delivery"

	"github.com/firehose-local/firehose-local/internal/demo"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/s3fake"
)

// Prefix is the path the console is served under.
const Prefix = "/_local/ui"

//go:embed static/*
var assets embed.FS

// Backend is what the console needs from the server.
type Backend interface {
	// DefaultRegion is the server's region for requests without a scope.
	DefaultRegion() string
	// Now is the server's clock.
	Now() time.Time
	// Streams lists every region's delivery streams, sorted by region and
	// name, with their buffers as they are now.
	Streams() []Stream
	// Flush delivers the buffered records of the named stream (every stream
	// when name is empty) and waits for the objects.
	Flush(region, name string) ([]FlushResult, bool)
	// CreateStream runs CreateDeliveryStream with a JSON request body, as
	// the API does; a refusal is returned as the API's error type and
	// message.
	CreateStream(region string, body []byte) error
	// Functions lists the Lambda functions of every region.
	Functions() []lambdaapi.FunctionSummary
	// Invocations are the recent invocations of every function, by function
	// ARN, newest first.
	Invocations() map[string][]Invocation
	// S3 is the built-in S3.
	S3() *s3fake.S3
	// ExternalS3 describes where deliveries go when it is not the built-in
	// S3, e.g. "the S3-compatible store at http://127.0.0.1:9000" ("" when
	// it is the built-in S3).
	ExternalS3() string
	// DataStreams describes every Kinesis data stream, sorted by region
	// and name, with its LatestRecords newest records (their data cut to
	// RecordDataLimit bytes).
	DataStreams() []DataStream
	// FirehoseClient is a Firehose client that calls the server's own HTTP
	// API, for demo runs.
	FirehoseClient(region string) demo.API
}

// Stream is one delivery stream as the console shows it.
type Stream struct {
	Name, Region, ARN string
	Status, Type      string
	Version           int
	Created           time.Time

	// Destination is "Amazon S3", "HTTP endpoint", "Splunk" or an OpenSearch
	// kind ("Amazon OpenSearch Service", ...). Bucket, Prefix,
	// ErrorPrefix and Compression are the S3 destination's, or the
	// endpoint's S3 backup's.
	Destination   string
	Bucket        string
	Prefix        string
	ErrorPrefix   string
	Compression   string
	EndpointName  string
	EndpointURL   string // scheme and host only: paths and queries can hold secrets
	BufferSizeMB  int
	BufferSeconds int
	// Interval is the buffering interval in force, after
	// --max-buffer-interval.
	Interval  time.Duration
	LambdaARN string // the transform function; "" without processing
	// Redshift is a Redshift destination's DeliveryToRedshift counters;
	// nil for other destinations.
	Redshift *delivery.RedshiftStats

	Buffer Buffer
}

// Buffer is what a stream holds at one moment: its pipeline's state.
type Buffer = delivery.BufferState

// FlushResult is what a flush did for one stream.
type FlushResult struct {
	Stream, Region string
	Objects        int
	ErrorObjects   int // under the error prefix
	Error          string
}

// Invocation is one recent run of a function.
type Invocation struct {
	RequestID     string
	Start         time.Time
	Duration      time.Duration
	FunctionError string
	Error         string
	Log           string
	Stream        string // the delivery stream ARN, for a transform
	Batch         string // a transform's processor batch: its attempts share it
	Attempt       int    // a transform's attempt at its batch, from 1
	Ok, Dropped   int
	Failed        int
	ResponseError string
}

// Console serves the pages.
type Console struct {
	b     Backend
	log   *slog.Logger
	mux   *http.ServeMux
	demos *demos
}

// New returns a console over b. Close stops its demo runs.
func New(b Backend, log *slog.Logger) *Console {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{b: b, log: log, demos: newDemos(b)}
	c.routes()
	return c
}

// Close stops every demo run and waits for them.
func (c *Console) Close() { c.demos.stopAll() }

func (c *Console) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler(static)))
	m.HandleFunc("GET "+Prefix, c.streamsPage)
	m.HandleFunc("GET "+Prefix+"/{$}", c.streamsPage)
	m.HandleFunc("GET "+Prefix+"/streams", c.streamsPage)
	m.HandleFunc("GET "+Prefix+"/streams/new", c.newStreamPage)
	m.HandleFunc("POST "+Prefix+"/streams", c.createStream)
	m.HandleFunc("POST "+Prefix+"/flush", c.flush)
	m.HandleFunc("GET "+Prefix+"/lambda", c.lambdaPage)
	m.HandleFunc("GET "+Prefix+"/kinesis", c.dataStreamsPage)
	m.HandleFunc("GET "+Prefix+"/s3", c.s3Page)
	m.HandleFunc("GET "+Prefix+"/s3/object", c.objectPage)
	m.HandleFunc("GET "+Prefix+"/s3/download", c.download)
	m.HandleFunc("GET "+Prefix+"/demo", c.demoPage)
	m.HandleFunc("GET "+Prefix+"/records", c.recordsPage)
	m.HandleFunc("POST "+Prefix+"/demo/start", c.demoStart)
	m.HandleFunc("POST "+Prefix+"/demo/stop", c.demoStop)
	m.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusNotFound, "No console page at "+r.URL.Path+".")
	})
	c.mux = m
}

// ServeHTTP serves every path under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			c.log.Error("console: handler panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			c.errorPage(w, r, http.StatusInternalServerError, "The console failed to render this page; the server log has the details.")
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !sameOrigin(r) {
			c.errorPage(w, r, http.StatusForbidden, "Refused: console actions must come from the console's own pages (same origin).")
			return
		}
	}
	c.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a request that changes something comes from
// a page of this server: its Origin header, else its Sec-Fetch-Site, else
// its Referer must name this host. A request with none of them is refused.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, r.Host)
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin"
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, r.Host)
	}
	return false
}

// staticHandler serves the embedded assets; they change only with the
// binary, so browsers may keep them briefly.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		files.ServeHTTP(w, r)
	})
}

// Capped reports that --max-buffer-interval shortened the stream's
// buffering interval.
func (s Stream) Capped() bool { return s.Interval != time.Duration(s.BufferSeconds)*time.Second }
