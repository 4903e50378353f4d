// Package receiver is the other side of a Firehose HTTP endpoint
// destination: an http.Handler that accepts Amazon Data Firehose deliveries,
// checks each request against AWS's request specification (headers, access
// key, body schema, gzip), answers as the response specification requires,
// and records what it got.
//
// In a Go test, serve it with net/http/httptest and point a stream at it:
//
//	rcv := receiver.New(receiver.Options{AccessKey: "secret"})
//	srv := httptest.NewServer(rcv)
//	defer srv.Close()
//	// create a stream with EndpointConfiguration{Url: srv.URL, AccessKey: "secret"}, put records, flush…
//	got, _ := rcv.WaitRequests(ctx, 1)
//
// From a shell: firehose-local receiver --listen 127.0.0.1:4567.
package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits of the request specification.
const (
	MaxBodyBytes     = 64 << 20 // the JSON body, after decompression
	MaxRecords       = 10000
	MaxDataChars     = 1365336 // base64 of 1,024,000 bytes
	MaxAttributes    = 50
	MaxAttributeName = 256
	MaxAttributeVal  = 1024
)

// Options configures a Receiver. The zero value accepts every well-formed
// request.
type Options struct {
	// AccessKey, if non-empty, is the X-Amz-Firehose-Access-Key every
	// request must carry; requests without it are answered 401.
	AccessKey string
	// Respond, if set, decides the answer to each well-formed request; nil
	// (or a nil *Response) is the correct 200 answer. It may block, for
	// example until ctx ends, to play a slow endpoint.
	Respond func(ctx context.Context, r *Request) *Response
	// Log, if set, receives one JSON line per request.
	Log io.Writer
	// LogRecords adds each record's data to the log lines: as text when it
	// is valid UTF-8, else as "base64:…".
	LogRecords bool
	// Forget keeps no requests in memory (Requests and Records stay empty),
	// for a long-running receiver that only logs.
	Forget bool
	// Now stamps responses and requests; default time.Now.
	Now func() time.Time
}

// Request is one request the receiver got.
type Request struct {
	Attempt          int // 1 for the first request with this RequestID, 2 for its first retry…
	RequestID        string
	Timestamp        int64 // the body's timestamp, epoch milliseconds
	SourceARN        string
	AccessKey        string
	ProtocolVersion  string
	ContentEncoding  string
	CommonAttributes map[string]string // nil when the header is absent
	Method           string
	URI              string // path and query, as sent
	Header           http.Header
	Body             []byte // the JSON body, decompressed
	Records          [][]byte
	ReceivedAt       time.Time
	Status           int    // the status answered
	Error            string // why the request did not meet the specification; "" if it did
}

// Response is the answer Options.Respond chooses.
type Response struct {
	Status       int    // default 200
	ErrorMessage string // sent as the body's errorMessage
	// Body, if non-nil, is sent verbatim instead of the specification's
	// JSON (to play a misbehaving endpoint).
	Body        []byte
	ContentType string // default application/json
}

// Receiver is an http.Handler for Firehose HTTP endpoint deliveries. It is
// safe for concurrent use.
type Receiver struct {
	opts Options

	mu       sync.Mutex // guards attempts
	attempts map[string]int
	journal  journal[Request]
}

// New returns a Receiver.
func New(opts Options) *Receiver {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Receiver{opts: opts, attempts: map[string]int{}}
}

var sourceARN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:[a-z-]+:firehose:[a-z0-9-]+:\d{12}:deliverystream/[a-zA-Z0-9._-]+$`)
})

// problem is a request that does not meet the specification.
type problem struct {
	status int
	msg    string
}

// ServeHTTP checks, answers and records one delivery request.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	req := Request{
		RequestID:       hr.Header.Get("X-Amz-Firehose-Request-Id"),
		SourceARN:       hr.Header.Get("X-Amz-Firehose-Source-Arn"),
		AccessKey:       hr.Header.Get("X-Amz-Firehose-Access-Key"),
		ProtocolVersion: hr.Header.Get("X-Amz-Firehose-Protocol-Version"),
		ContentEncoding: hr.Header.Get("Content-Encoding"),
		Method:          hr.Method,
		URI:             hr.URL.RequestURI(),
		Header:          hr.Header.Clone(),
		ReceivedAt:      rc.opts.Now(),
	}
	if req.RequestID != "" {
		rc.mu.Lock()
		if len(rc.attempts) > 100000 && rc.opts.Forget {
			rc.attempts = map[string]int{}
		}
		rc.attempts[req.RequestID]++
		req.Attempt = rc.attempts[req.RequestID]
		rc.mu.Unlock()
	}
	resp := &Response{Status: http.StatusOK}
	if p := rc.check(hr, &req); p != nil {
		req.Error = p.msg
		resp = &Response{Status: p.status, ErrorMessage: p.msg}
	} else if rc.opts.Respond != nil {
		if r := rc.opts.Respond(hr.Context(), &req); r != nil {
			resp = r
			if resp.Status == 0 {
				resp.Status = http.StatusOK
			}
		}
	}
	req.Status = resp.Status
	rc.record(&req)
	body := resp.Body
	if body == nil {
		body = rc.answer(req.RequestID, resp.ErrorMessage)
	}
	ct := resp.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
}

// answer is the specification's response body.
func (rc *Receiver) answer(id, errorMessage string) []byte {
	v := struct {
		RequestID    string `json:"requestId"`
		Timestamp    int64  `json:"timestamp"`
		ErrorMessage string `json:"errorMessage,omitempty"`
	}{id, rc.opts.Now().UnixMilli(), errorMessage}
	b, _ := json.Marshal(v)
	return b
}

// check fills req from hr and returns the first way hr breaks the request
// specification, or nil.
func (rc *Receiver) check(hr *http.Request, req *Request) *problem {
	bad := func(format string, args ...any) *problem {
		return &problem{http.StatusBadRequest, fmt.Sprintf(format, args...)}
	}
	if hr.Method != http.MethodPost {
		return &problem{http.StatusMethodNotAllowed, "Firehose delivers with POST, not " + hr.Method + "."}
	}
	if req.ProtocolVersion != "1.0" {
		return bad("X-Amz-Firehose-Protocol-Version is %q; want 1.0.", req.ProtocolVersion)
	}
	if req.RequestID == "" {
		return bad("X-Amz-Firehose-Request-Id is missing.")
	}
	if !sourceARN().MatchString(req.SourceARN) {
		return bad("X-Amz-Firehose-Source-Arn %q is not a delivery stream ARN.", req.SourceARN)
	}
	if mt, _, err := mime.ParseMediaType(hr.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return bad("Content-Type is %q; want application/json.", hr.Header.Get("Content-Type"))
	}
	if req.ContentEncoding != "" && req.ContentEncoding != "gzip" {
		return bad("Content-Encoding is %q; Firehose sends gzip or none.", req.ContentEncoding)
	}
	if rc.opts.AccessKey != "" && req.AccessKey != rc.opts.AccessKey {
		if _, sent := hr.Header["X-Amz-Firehose-Access-Key"]; !sent {
			return &problem{http.StatusUnauthorized, "Unauthorized: X-Amz-Firehose-Access-Key is missing."}
		}
		return &problem{http.StatusUnauthorized, "Unauthorized: X-Amz-Firehose-Access-Key does not match."}
	}
	if vals, ok := hr.Header["X-Amz-Firehose-Common-Attributes"]; ok {
		attrs, err := parseCommonAttributes(vals)
		if err != "" {
			return bad("X-Amz-Firehose-Common-Attributes: %s", err)
		}
		req.CommonAttributes = attrs
	}
	var body io.Reader = io.LimitReader(hr.Body, MaxBodyBytes+1)
	if req.ContentEncoding == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return bad("Content-Encoding is gzip but the body is not: %v.", err)
		}
		body = io.LimitReader(zr, MaxBodyBytes+1)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return bad("Could not read the body: %v.", err)
	}
	if len(raw) > MaxBodyBytes {
		return &problem{http.StatusRequestEntityTooLarge, "The body is larger than 64 MiB."}
	}
	req.Body = raw
	var doc struct {
		RequestID *string           `json:"requestId"`
		Timestamp json.RawMessage   `json:"timestamp"`
		Records   *[]map[string]any `json:"records"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return bad("The body is not the Firehose JSON document: %v.", err)
	}
	if doc.RequestID == nil || *doc.RequestID != req.RequestID {
		return bad("The body's requestId does not match X-Amz-Firehose-Request-Id.")
	}
	if doc.Timestamp == nil {
		return bad("The body has no timestamp.")
	}
	ts, err := strconv.ParseInt(string(doc.Timestamp), 10, 64)
	if err != nil {
		return bad("The body's timestamp %s is not an integer.", doc.Timestamp)
	}
	req.Timestamp = ts
	if doc.Records == nil || len(*doc.Records) == 0 || len(*doc.Records) > MaxRecords {
		return bad("The body must have 1 to %d records.", MaxRecords)
	}
	for i, r := range *doc.Records {
		s, ok := r["data"].(string)
		if !ok {
			return bad("records[%d] has no data string.", i)
		}
		if len(s) > MaxDataChars {
			return bad("records[%d].data is longer than %d characters.", i, MaxDataChars)
		}
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad("records[%d].data is not base64: %v.", i, err)
		}
		req.Records = append(req.Records, data)
	}
	return nil
}

func parseCommonAttributes(vals []string) (map[string]string, string) {
	if len(vals) != 1 {
		return nil, "the header is sent more than once"
	}
	var v struct {
		CommonAttributes map[string]string `json:"commonAttributes"`
	}
	if err := json.Unmarshal([]byte(vals[0]), &v); err != nil || v.CommonAttributes == nil {
		return nil, `want {"commonAttributes":{"name":"value",...}}`
	}
	if len(v.CommonAttributes) > MaxAttributes {
		return nil, fmt.Sprintf("%d attributes; at most %d", len(v.CommonAttributes), MaxAttributes)
	}
	for k, val := range v.CommonAttributes {
		if n := utf8.RuneCountInString(k); n < 1 || n > MaxAttributeName {
			return nil, fmt.Sprintf("attribute name %q must have 1 to %d characters", k, MaxAttributeName)
		}
		if utf8.RuneCountInString(val) > MaxAttributeVal {
			return nil, fmt.Sprintf("attribute %q has a value longer than %d characters", k, MaxAttributeVal)
		}
	}
	return v.CommonAttributes, ""
}

// record keeps req (unless Forget) and logs it.
func (rc *Receiver) record(req *Request) {
	rc.journal.add(*req, rc.opts.Forget)
	if rc.opts.Log != nil {
		rc.log(req)
	}
}

type logLine struct {
	Time             string            `json:"time"`
	Method           string            `json:"method"`
	URI              string            `json:"uri"`
	RequestID        string            `json:"requestId"`
	Attempt          int               `json:"attempt"`
	Status           int               `json:"status"`
	Records          int               `json:"records"`
	Bytes            int               `json:"bytes"`
	SourceARN        string            `json:"sourceArn,omitempty"`
	ContentEncoding  string            `json:"contentEncoding,omitempty"`
	CommonAttributes map[string]string `json:"commonAttributes,omitempty"`
	Error            string            `json:"error,omitempty"`
	Data             []string          `json:"data,omitempty"`
}

func (rc *Receiver) log(req *Request) {
	l := logLine{Time: req.ReceivedAt.UTC().Format(time.RFC3339Nano), Method: req.Method, URI: req.URI, RequestID: req.RequestID,
		Attempt: req.Attempt, Status: req.Status, Records: len(req.Records), SourceARN: req.SourceARN,
		ContentEncoding: req.ContentEncoding, CommonAttributes: req.CommonAttributes, Error: req.Error}
	for _, r := range req.Records {
		l.Bytes += len(r)
		if rc.opts.LogRecords {
			l.Data = append(l.Data, logText(r))
		}
	}
	rc.journal.writeLog(rc.opts.Log, l)
}

// Requests returns every request received so far, in arrival order.
func (rc *Receiver) Requests() []Request {
	return rc.journal.all()
}

// Records returns the records of every request answered 200, in arrival
// order, counting each request ID once however often it was retried.
func (rc *Receiver) Records() [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, r := range rc.journal.all() {
		if r.Status != http.StatusOK || seen[r.RequestID] {
			continue
		}
		seen[r.RequestID] = true
		out = append(out, r.Records...)
	}
	return out
}

// WaitRequests waits until at least n requests have been received and
// returns them all, or returns ctx's error.
func (rc *Receiver) WaitRequests(ctx context.Context, n int) ([]Request, error) {
	return rc.journal.wait(ctx, n)
}
