package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/s3fake"
)

// Request bodies. Every API reads the bodies it needs whole (JSON, Lambda,
// S3 requests other than object uploads) with reqbody: into buffers that
// grow as bytes arrive, never to the announced Content-Length, counted
// against one budget of Config.MaxBodyBytesInFlight across all requests.
// Past the budget each API answers with its throttling error:
//
//	Firehose           ServiceUnavailableException "Slow down." (503)
//	CloudWatch Logs    ThrottlingException "Rate exceeded" (400)
//	Lambda             TooManyRequestsException "Rate Exceeded." (429)
//	S3                 SlowDown "Please reduce your request rate." (503)
//	/_local, /metrics  503 {"error": ...}
//
// And every body must arrive in time (guardBodies).

const (
	// defaultMaxBodyBytesInFlight is Config.MaxBodyBytesInFlight's default.
	defaultMaxBodyBytesInFlight = 256 << 20
	// defaultBodyReadTimeout is Config.BodyReadTimeout's default.
	defaultBodyReadTimeout = 30 * time.Second
	// minBodyRate is the slowest a body may arrive on average: its read
	// deadline is BodyReadTimeout plus its length at this rate.
	minBodyRate = 256 << 10 // bytes per second
)

// Throttling messages.
const (
	msgSlowDown     = "Slow down."
	msgRateExceeded = "Rate exceeded"
)

// Throttling error types: CloudWatch Logs' (and the generic JSON 1.1 one),
// and Lambda's.
const (
	errThrottling      = "ThrottlingException"
	errTooManyRequests = "TooManyRequestsException"
)

// readBody reads a Firehose request body, at most maxJSONBody bytes; with
// --auth sigv4 the authenticator has read it already (and releases it).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (reqbody.Body, error) {
	if b, ok := reqbody.FromContext(r.Context()); ok {
		return reqbody.Held(b), nil
	}
	return s.bodies.ReadLimited(w, r, maxJSONBody, true) // nothing decoded refers to the body
}

// Each API's throttling error, for a body past the budget.
func firehoseThrottle() *awsjson.Error {
	return awsjson.NewError(awsjson.ErrServiceUnavailable, msgSlowDown)
}

func logsThrottle() *awsjson.Error { return awsjson.NewError(errThrottling, msgRateExceeded) }

// otherThrottle is the throttling error of a JSON 1.1 target no API serves.
func otherThrottle() *awsjson.Error { return awsjson.NewError(errThrottling, msgRateExceeded) }

func lambdaThrottle() *awsjson.Error {
	return &awsjson.Error{Type: errTooManyRequests, Message: "Rate Exceeded.", Status: http.StatusTooManyRequests}
}

func localThrottle() *awsjson.Error {
	return &awsjson.Error{Type: awsjson.ErrServiceUnavailable, Message: msgSlowDown, Status: http.StatusServiceUnavailable}
}

// buffered reads the body of a request to h (at most limit bytes, counted
// against the budget) before h runs, unless the authenticator has, and
// answers with fail when it cannot. It serves the web console's forms,
// which would otherwise be read by ParseForm outside the budget.
func (s *Server) buffered(limit int64, fail func(http.ResponseWriter, *awsjson.Error), h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := reqbody.FromContext(r.Context()); ok || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		body, err := s.bodies.ReadLimited(w, r, limit, true) // forms are parsed into strings
		if err != nil {
			fail(w, awsjson.BodyError(err, limit, localThrottle()))
			return
		}
		defer body.Release()
		h.ServeHTTP(w, reqbody.WithBody(r, body.Bytes))
	})
}

// guardBodies gives every request body a read deadline (reqbody.Deadlines):
// Config.BodyReadTimeout plus the body's announced length (or its API's
// limit when it announces none) at minBodyRate.
func (s *Server) guardBodies(next http.Handler) http.Handler {
	return reqbody.Deadlines(next, s.bodyReadTime)
}

// bodyReadTime is how long r's body may take to arrive.
func (s *Server) bodyReadTime(r *http.Request) time.Duration {
	n := r.ContentLength
	if n < 0 {
		n = bodyLimit(r)
	}
	n = min(n, s3fake.DefaultMaxObjectSize+1) // larger bodies are refused on their length
	return s.cfg.BodyReadTimeout + time.Duration(n)*time.Second/minBodyRate
}

// bodyLimit is the largest body r's API takes.
func bodyLimit(r *http.Request) int64 {
	path := r.URL.EscapedPath()
	switch {
	case r.Header.Get("X-Amz-Target") != "", strings.HasPrefix(path, "/_local/"), path == "/metrics":
		return maxJSONBody
	case strings.HasPrefix(path, "/2015-03-31/"):
		return lambdaapi.MaxRequestBytes
	}
	if n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err == nil && n >= 0 {
		return n // an aws-chunked upload without Content-Length
	}
	return s3fake.MaxRequestBody
}
