package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/glue"
	"github.com/firehose-local/firehose-local/internal/browserguard"
	"github.com/firehose-local/firehose-local/kinesis"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/s3fake"
)

const (
	firehoseTargetPrefix = "Firehose_20150804."
	// maxJSONBody caps a JSON 1.1 request. The largest valid Firehose request,
	// a 4 MiB PutRecordBatch, is about 5.6 MiB once base64-encoded.
	maxJSONBody = 8 << 20
)

// routes builds the one router every API shares:
//
//	/_local/ui...                     the web console
//	/_local/...                       admin endpoints
//	X-Amz-Target: Firehose_20150804.* Firehose (JSON 1.1)
//	X-Amz-Target: Logs_20140328.*     CloudWatch Logs (JSON 1.1)
//	X-Amz-Target: AWSGlue.*           the Glue Data Catalog (JSON 1.1)
//	X-Amz-Target: Kinesis_20131202.*  Kinesis Data Streams (JSON 1.1, CBOR)
//	X-Amz-Target: <other>             UnknownOperationException
//	/2015-03-31/...                   the Lambda REST API
//	everything else                   S3, path-style or virtual-hosted
func (s *Server) routes() http.Handler {
	g, a := &s.browsers, s.auth
	// Each route: the browser guard first, then the signature check of its
	// API (with Config.Auth), then its handler.
	local := func(h http.Handler) http.Handler { return g.Handler(browserguard.ModeLocal, denyLocal, a.local()(h)) }
	jsonAPI := func(m middleware, h http.Handler) http.Handler {
		return g.Handler(browserguard.ModeAPI, denyJSON, m(h))
	}
	r := mux.NewRouter()
	r.SkipClean(true)
	r.UseEncodedPath()
	// Health checks carry no credentials.
	r.Path("/_local/health").Methods(http.MethodGet, http.MethodHead).Handler(g.Handler(browserguard.ModeLocal, denyLocal, http.HandlerFunc(s.health)))
	r.Path("/_local/flush").Methods(http.MethodPost).Handler(local(http.HandlerFunc(s.flushHandler)))
	r.Path("/_local/reset").Methods(http.MethodPost).Handler(local(http.HandlerFunc(s.setup.ServeReset)))
	r.PathPrefix(lineage.Prefix).Handler(local(lineage.Handler(s.deps.Lineage, s.fh)))
	r.Path("/metrics").Methods(http.MethodGet, http.MethodHead).Handler(local(http.HandlerFunc(s.serveMetrics)))
	// The web console; before the /_local/ catch-all. Its forms are read
	// within the body budget.
	r.PathPrefix(console.Prefix).Handler(g.Handler(browserguard.ModeLocal, denyLocal, a.localFor(true)(s.buffered(maxJSONBody, func(w http.ResponseWriter, e *awsjson.Error) {
		writeLocalJSON(w, e.Status, map[string]string{"error": e.Type + ": " + e.Message})
	}, s.console))))
	r.PathPrefix("/_local/").Handler(local(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeLocalJSON(w, http.StatusNotFound, map[string]string{"error": "no such admin endpoint: " + r.Method + " " + r.URL.Path})
	})))
	// A browser app's preflight for a JSON API names X-Amz-Target.
	r.MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return browserguard.PreflightFor("X-Amz-Target")(r) }).
		Handler(g.Handler(browserguard.ModeAPI, denyJSON, http.NotFoundHandler()))
	r.MatcherFunc(hasTargetPrefix(firehoseTargetPrefix)).Handler(jsonAPI(a.jsonAPI("firehose", firehoseThrottle, true), http.HandlerFunc(s.firehoseAPI)))
	r.MatcherFunc(hasTargetPrefix(cwlogs.TargetPrefix)).Handler(jsonAPI(a.jsonAPI("logs", logsThrottle, false),
		cwlogs.NewAPI(s.logs, cwlogs.APIOptions{Region: s.cfg.Region, Account: s.account, Logger: s.log.With("service", "logs"), Bodies: s.bodies,
			AnswerBeforeCommit: s.cfg.Fsync == FsyncInterval})))
	r.MatcherFunc(hasTargetPrefix(kinesis.TargetPrefix)).Handler(jsonAPI(a.jsonAPI("kinesis", otherThrottle, false), kinesis.NewAPI(s.kinesis, kinesis.APIOptions{Bodies: s.bodies})))
	r.MatcherFunc(hasTargetPrefix(glue.TargetPrefix)).Handler(jsonAPI(a.jsonAPI("glue", otherThrottle, false), glue.NewAPI(s.glue, glue.APIOptions{Bodies: s.bodies})))
	r.MatcherFunc(hasTargetPrefix("")).Handler(jsonAPI(a.jsonAPI("", otherThrottle, false), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAWSError(w, awsjson.NewError(awsjson.ErrUnknownOperation, "Operation %s is not supported by firehose-local.", r.Header.Get("X-Amz-Target")))
	})))
	r.PathPrefix("/2015-03-31/").Handler(g.Handler(browserguard.ModeAPI, denyLambda, a.lambdaAPI()(s.lambda.Handler())))
	r.PathPrefix("/").Handler(g.Handler(browserguard.ModeS3, s3fake.WriteBrowserRefusal, a.s3API()(s.s3.Handler())))
	return r
}

// denyLocal refuses a browser's request to an admin endpoint or the console.
func denyLocal(w http.ResponseWriter, _ *http.Request, reason string) {
	writeLocalJSON(w, http.StatusForbidden, map[string]string{"error": "AccessDenied: " + reason})
}

// denyJSON refuses a browser's request to a JSON 1.1 API.
func denyJSON(w http.ResponseWriter, _ *http.Request, reason string) {
	writeAWSError(w, &awsjson.Error{Type: "AccessDeniedException", Message: reason, Status: http.StatusForbidden})
}

// denyLambda refuses a browser's request to the Lambda API.
func denyLambda(w http.ResponseWriter, _ *http.Request, reason string) {
	writeLambdaError(w, &awsjson.Error{Type: "AccessDeniedException", Message: reason, Status: http.StatusForbidden})
}

func hasTargetPrefix(prefix string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		t := r.Header.Get("X-Amz-Target")
		return t != "" && strings.HasPrefix(t, prefix)
	}
}

// firehoseAPI serves the Firehose JSON 1.1 protocol.
func (s *Server) firehoseAPI(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), firehoseTargetPrefix)
	if err := awsjson.CheckRequest(r, "Firehose"); err != nil {
		writeAWSError(w, err)
		return
	}
	rb, err := s.readBody(w, r)
	if err != nil {
		writeAWSError(w, awsjson.BodyError(err, maxJSONBody, firehoseThrottle()))
		return
	}
	defer rb.Release() // nothing decoded from the body refers to it
	body := rb.Bytes
	region := awsjson.RequestRegion(r, s.cfg.Region)
	out, apiErr := s.fh.Call(region, op, body)
	if apiErr != nil {
		writeAWSError(w, apiErr)
		return
	}
	writeAWSJSON(w, http.StatusOK, out)
}

// jsonAppender is a response that encodes itself without reflection (the
// PutRecordBatch response, on the hot path).
type jsonAppender interface{ AppendJSON([]byte) []byte }

var respBufs = sync.Pool{New: func() any { return new([]byte) }}

func writeAWSJSON(w http.ResponseWriter, status int, v any) {
	if a, ok := v.(jsonAppender); ok {
		bp := respBufs.Get().(*[]byte)
		b := a.AppendJSON((*bp)[:0])
		writeJSONBody(w, status, b)
		if cap(b) <= 1<<20 {
			*bp = b[:0]
			respBufs.Put(bp)
		}
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		writeAWSError(w, awsjson.NewError(awsjson.ErrInternalFailure, "encoding the response: %s", err))
		return
	}
	writeJSONBody(w, status, b)
}

// writeJSONBody sends a JSON 1.1 response with its Content-Length, so large
// responses are not chunked.
func writeJSONBody(w http.ResponseWriter, status int, b []byte) { awsjson.WriteResponse(w, status, b) }

func writeAWSError(w http.ResponseWriter, e *awsjson.Error) {
	awsjson.WriteError(w, e, awsjson.MarshalError(e))
}

func writeLocalJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
