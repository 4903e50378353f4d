package emulator

// The glue between the Server and the web console (package console): what
// the console may see of streams, buffers, functions and invocations, and
// the two things it may do, flush and create a stream, through the same code
// paths as the admin endpoint and the API.

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/internal/demo"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/s3fake"
)

// consoleFlushTimeout bounds how long the console's flush button waits.
const consoleFlushTimeout = 30 * time.Second

// consoleBackend implements console.Backend over a Server.
type consoleBackend struct{ s *Server }

var _ console.Backend = consoleBackend{}

func (s *Server) newConsole() *console.Console {
	return console.New(consoleBackend{s}, s.log.With("service", "console"))
}

// setListenAddr remembers where the server listens, so demo runs started
// from the console go through its HTTP API like any client's requests.
func (s *Server) setListenAddr(a net.Addr) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return
	}
	ip := tcp.IP
	switch {
	case ip == nil || ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	u := "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
	s.listenURL.Store(&u)
}

func (b consoleBackend) DefaultRegion() string                  { return b.s.cfg.Region }
func (b consoleBackend) Lineage() (*lineage.Index, lineage.IDs) { return b.s.deps.Lineage, b.s.fh }
func (b consoleBackend) Now() time.Time                         { return b.s.clock.Now() }
func (b consoleBackend) S3() *s3fake.S3                         { return b.s.s3 }
func (b consoleBackend) Functions() []lambdaapi.FunctionSummary { return b.s.lambda.Functions() }
func (b consoleBackend) DataStreams() []console.DataStream {
	return b.s.kinesis.View(console.LatestRecords, console.RecordDataLimit)
}

func (b consoleBackend) ExternalS3() string {
	if _, builtin := b.s.store.(builtinStore); builtin {
		return ""
	}
	if e, ok := b.s.store.(*ExternalS3); ok {
		return "the S3-compatible store at " + e.c.Endpoint()
	}
	return "the object store in the server's configuration (Config.Store)"
}

// FirehoseClient calls the server's Firehose API on its listen address or,
// when it serves only through Handler, through the handler in process. With
// Config.Auth it signs with the credentials the server makes for functions.
func (b consoleBackend) FirehoseClient(region string) demo.API {
	creds := aws.Credentials{AccessKeyID: b.s.fnCreds.AccessKeyID, SecretAccessKey: b.s.fnCreds.SecretAccessKey,
		SessionToken: b.s.fnCreds.SessionToken}
	if u := b.s.listenURL.Load(); u != nil {
		return demo.NewClient(*u, region, creds, nil)
	}
	return demo.NewClient("http://firehose-local.internal", region, creds, handlerClient{b.s.handler})
}

// handlerClient sends requests straight to an http.Handler.
type handlerClient struct{ h http.Handler }

func (c handlerClient) Do(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.RequestURI = req.URL.RequestURI()
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.RemoteAddr = "127.0.0.1:0"
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func (b consoleBackend) Flush(region, name string) ([]console.FlushResult, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), consoleFlushTimeout)
	defer cancel()
	results, found := b.s.Flush(ctx, name, region)
	out := make([]console.FlushResult, len(results))
	for i, r := range results {
		out[i] = console.FlushResult{Stream: r.Stream, Region: r.Region, Objects: r.Objects, ErrorObjects: r.ErrorObjects, Error: r.Error}
	}
	return out, found
}

// CreateStream is CreateDeliveryStream as the API runs it.
func (b consoleBackend) CreateStream(region string, body []byte) error {
	if _, err := b.s.fh.Call(region, "CreateDeliveryStream", body); err != nil {
		return err
	}
	return nil
}

func (b consoleBackend) Invocations() map[string][]console.Invocation {
	all := b.s.RecentInvocations()
	out := make(map[string][]console.Invocation, len(all))
	for fn, list := range all {
		views := make([]console.Invocation, len(list))
		for i, inv := range list {
			views[i] = console.Invocation{
				RequestID: inv.RequestID, Start: inv.Start, Duration: inv.Duration,
				FunctionError: inv.FunctionError, Error: inv.Error, Log: inv.Log, Stream: inv.Stream, Batch: inv.Batch, Attempt: inv.Attempt,
				Ok: inv.Ok, Dropped: inv.Dropped, Failed: inv.ProcessingFailed, ResponseError: inv.ResponseError,
			}
		}
		out[fn] = views
	}
	return out
}

// Streams describes every stream and its buffers now.
func (b consoleBackend) Streams() []console.Stream { return b.s.fh.ConsoleStreams() }
