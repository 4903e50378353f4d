package receiver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/protocol/sigv4"
)

// The other side of the OpenSearch Service, Elasticsearch and OpenSearch
// Serverless destinations: an http.Handler that plays a cluster's _bulk
// API strictly. Every request must be a POST to /_bulk with an NDJSON body
// of index actions (each with _index, and optionally _type and _id) and
// their documents, signed with SigV4 for the configured service (es or
// aoss) when Credentials are set. Documents are kept per index, as a cluster
// would index them; OpenSearchOptions.Respond can fail chosen documents, or
// the whole request, to play partial failures.
//
//	os := receiver.NewOpenSearch(receiver.OpenSearchOptions{Service: "es", Credentials: map[string]string{"AKID": "secret"}})
//	srv := httptest.NewServer(os)
//	// a stream with ClusterEndpoint srv.URL, put records, flush…
//	reqs, _ := os.WaitBulk(ctx, 1)

// MaxBulkBytes is the largest _bulk body accepted, OpenSearch's default
// http.max_content_length.
const MaxBulkBytes = 100 << 20

// OpenSearchOptions configures an OpenSearch receiver.
type OpenSearchOptions struct {
	// Service is the SigV4 service name requests must be signed for: "es"
	// (OpenSearch Service and Elasticsearch, the default) or "aoss"
	// (OpenSearch Serverless).
	Service string
	// Credentials, if non-nil, are the access key IDs and secrets a
	// request may be signed with; every request must then carry a valid
	// signature, or is answered 403 as a domain answers. Nil checks no
	// signature.
	Credentials map[string]string
	// Now is the clock signatures are checked against (default time.Now).
	Now func() time.Time
	// Respond, if set, decides the answer to each well-formed request; nil
	// (or a nil *BulkAnswer) indexes every document.
	Respond func(ctx context.Context, r *BulkRequest) *BulkAnswer
	// Log, if set, receives one JSON line per request.
	Log io.Writer
	// LogDocuments adds each action's index, id and document to the log
	// lines.
	LogDocuments bool
	// Forget keeps no requests or documents in memory (Requests and
	// Documents stay empty), for a long-running receiver that only logs.
	Forget bool
}

// BulkAction is one action of a _bulk request and its document.
type BulkAction struct {
	Action string // "index"
	Index  string
	Type   string // "" when the action has no _type
	ID     string // "" when the action has no _id (the cluster assigns one)
	Source []byte // the document line
}

// BulkRequest is one _bulk request the receiver got.
type BulkRequest struct {
	Method, URI string
	Header      http.Header
	Body        []byte
	Actions     []BulkAction
	// AccessKeyID, Region and Service are those of its valid signature.
	AccessKeyID, Region, Service string
	ReceivedAt                   time.Time
	Status                       int    // the status answered
	Error                        string // why the request broke the protocol; "" if it did not
	Failed                       []int  // the actions answered with an item error
}

// BulkAnswer is the answer OpenSearchOptions.Respond chooses.
type BulkAnswer struct {
	// Status, if not 0 or 200, fails the whole request with Body (default
	// an OpenSearch error object).
	Status int
	Body   []byte
	// Fail answers the actions at these positions with an item error.
	Fail map[int]ItemError
}

// ItemError is an item's error in a _bulk response.
type ItemError struct {
	Status       int    // e.g. 400, 429
	Type, Reason string // e.g. mapper_parsing_exception, failed to parse
}

// Document is one document the receiver indexed.
type Document struct {
	Index, Type, ID string
	Source          []byte
}

// OpenSearch is an http.Handler for OpenSearch-family deliveries. It is
// safe for concurrent use.
type OpenSearch struct {
	opts OpenSearchOptions

	mu      sync.Mutex // guards docs, nextID and seq
	docs    []Document
	nextID  int // of ids the receiver assigns
	seq     int // the next _seq_no
	journal journal[BulkRequest]
}

// NewOpenSearch returns an OpenSearch receiver.
func NewOpenSearch(opts OpenSearchOptions) *OpenSearch {
	if opts.Service == "" {
		opts.Service = "es"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &OpenSearch{opts: opts}
}

// ServeHTTP checks, answers and records one _bulk request.
func (o *OpenSearch) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	req := BulkRequest{Method: hr.Method, URI: hr.URL.RequestURI(), Header: hr.Header.Clone(), ReceivedAt: o.opts.Now()}
	status, body := o.serve(hr, &req)
	req.Status = status
	o.journal.add(req, o.opts.Forget)
	if o.opts.Log != nil {
		o.log(&req)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// osError renders OpenSearch's error object for a failed request.
func osError(status int, typ, reason string) []byte {
	b, _ := json.Marshal(map[string]any{
		"error":  map[string]any{"root_cause": []any{map[string]string{"type": typ, "reason": reason}}, "type": typ, "reason": reason},
		"status": status,
	})
	return b
}

func (o *OpenSearch) serve(hr *http.Request, req *BulkRequest) (int, []byte) {
	bad := func(format string, args ...any) (int, []byte) {
		req.Error = fmt.Sprintf(format, args...)
		return http.StatusBadRequest, osError(http.StatusBadRequest, "illegal_argument_exception", req.Error)
	}
	if hr.Method != http.MethodPost || hr.URL.Path != "/_bulk" {
		req.Error = "Firehose sends POST /_bulk, not " + hr.Method + " " + hr.URL.Path + "."
		return http.StatusBadRequest, osError(http.StatusBadRequest, "illegal_argument_exception", req.Error)
	}
	if hr.URL.RawQuery != "" {
		return bad("Firehose sends no query parameters; got %q.", hr.URL.RawQuery)
	}
	if mt, _, err := mime.ParseMediaType(hr.Header.Get("Content-Type")); err != nil || (mt != "application/json" && mt != "application/x-ndjson") {
		req.Error = fmt.Sprintf("Content-Type is %q; want application/json or application/x-ndjson.", hr.Header.Get("Content-Type"))
		return http.StatusNotAcceptable, osError(http.StatusNotAcceptable, "content_type_exception", req.Error)
	}
	if ce := hr.Header.Get("Content-Encoding"); ce != "" {
		return bad("Content-Encoding is %q; Firehose sends the bulk body as it is.", ce)
	}
	raw, err := io.ReadAll(io.LimitReader(hr.Body, MaxBulkBytes+1))
	if err != nil {
		return bad("Could not read the body: %v.", err)
	}
	if len(raw) > MaxBulkBytes {
		req.Error = "The body is larger than http.max_content_length (100mb)."
		return http.StatusRequestEntityTooLarge, osError(http.StatusRequestEntityTooLarge, "content_too_long_exception", req.Error)
	}
	req.Body = raw
	if o.opts.Credentials != nil {
		if status, msg := o.verify(hr, req, raw); status != 0 {
			req.Error = msg
			b, _ := json.Marshal(map[string]string{"message": msg})
			return status, b
		}
	}
	if err := parseBulk(raw, req); err != "" {
		return bad("%s", err)
	}
	var answer *BulkAnswer
	if o.opts.Respond != nil {
		answer = o.opts.Respond(hr.Context(), req)
	}
	if answer != nil && answer.Status != 0 && answer.Status != http.StatusOK {
		b := answer.Body
		if b == nil {
			b = osError(answer.Status, "status_exception", http.StatusText(answer.Status))
		}
		return answer.Status, b
	}
	return http.StatusOK, o.index(req, answer)
}

// verify checks the request's SigV4 signature for the configured service,
// and for aoss the X-Amz-Content-Sha256 header OpenSearch Serverless
// requires. It returns 0 when the request is validly signed.
func (o *OpenSearch) verify(hr *http.Request, req *BulkRequest, body []byte) (int, string) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if got := hr.Header.Get("X-Amz-Content-Sha256"); (got != "" || o.opts.Service == "aoss") && got != hash {
		return http.StatusForbidden, fmt.Sprintf("X-Amz-Content-Sha256 is %q; the body's SHA-256 is %s.", got, hash)
	}
	if !sigv4.Signed(hr) {
		return http.StatusForbidden, "Missing Authentication Token: the request is not signed with SigV4."
	}
	v := sigv4.Verifier{Now: o.opts.Now, Secret: func(id string) (string, bool) {
		s, ok := o.opts.Credentials[id]
		return s, ok
	}}
	res, err := v.Verify(hr, sigv4.Target{Service: o.opts.Service, PayloadHash: hash})
	if err != nil {
		return http.StatusForbidden, err.Message
	}
	req.AccessKeyID, req.Region, req.Service = res.AccessKeyID, res.Region, res.Service
	return 0, ""
}

// parseBulk reads the NDJSON body: pairs of an action line and a document
// line, each line ending with a newline.
func parseBulk(raw []byte, req *BulkRequest) string {
	if len(raw) == 0 {
		return "The request body is required."
	}
	if raw[len(raw)-1] != '\n' {
		return "The bulk request must be terminated by a newline [\\n]."
	}
	lines := bytes.Split(raw[:len(raw)-1], []byte("\n"))
	if len(lines)%2 != 0 {
		return fmt.Sprintf("Line %d: an index action must be followed by its document.", len(lines))
	}
	for i := 0; i < len(lines); i += 2 {
		a, err := parseAction(lines[i])
		if err != "" {
			return fmt.Sprintf("Line %d: %s", i+1, err)
		}
		if len(bytes.TrimSpace(lines[i+1])) == 0 {
			return fmt.Sprintf("Line %d: the document is empty.", i+2)
		}
		a.Source = lines[i+1]
		req.Actions = append(req.Actions, a)
	}
	return ""
}

// parseAction reads one action line: {"index":{"_index":…[,"_type":…][,"_id":…]}}.
func parseAction(line []byte) (BulkAction, string) {
	var a BulkAction
	var outer map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&outer); err != nil || dec.More() {
		return a, "the action line is not one JSON object."
	}
	if len(outer) != 1 {
		return a, "an action line has exactly one action."
	}
	var meta map[string]json.RawMessage
	for k, v := range outer {
		a.Action = k
		if err := json.Unmarshal(v, &meta); err != nil || meta == nil {
			return a, "the action's metadata is not a JSON object."
		}
	}
	if a.Action != "index" {
		return a, fmt.Sprintf("Firehose sends index actions, not %q.", a.Action)
	}
	for k, v := range meta {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return a, fmt.Sprintf("%s is not a string.", k)
		}
		switch k {
		case "_index":
			a.Index = s
		case "_type":
			a.Type = s
			if s == "" {
				return a, "_type is empty."
			}
		case "_id":
			a.ID = s
			if s == "" {
				return a, "_id is empty."
			}
		default:
			return a, fmt.Sprintf("unexpected action metadata %q.", k)
		}
	}
	if a.Index == "" {
		return a, "the action has no _index (the request path names none)."
	}
	return a, ""
}

// bulkItemResult is one item of the response.
type bulkItemResult struct {
	Index   string          `json:"_index"`
	Type    string          `json:"_type,omitempty"`
	ID      string          `json:"_id"`
	Version int             `json:"_version,omitempty"`
	Result  string          `json:"result,omitempty"`
	Shards  *bulkShards     `json:"_shards,omitempty"`
	SeqNo   *int            `json:"_seq_no,omitempty"`
	Primary *int            `json:"_primary_term,omitempty"`
	Status  int             `json:"status"`
	Error   json.RawMessage `json:"error,omitempty"`
}

type bulkShards struct {
	Total      int `json:"total"`
	Successful int `json:"successful"`
	Failed     int `json:"failed"`
}

// index indexes the request's documents, but those answer fails or that
// are not JSON objects, and renders the _bulk response.
func (o *OpenSearch) index(req *BulkRequest, answer *BulkAnswer) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	items := make([]map[string]bulkItemResult, len(req.Actions))
	errs := false
	for k, a := range req.Actions {
		r := bulkItemResult{Index: a.Index, Type: a.Type, ID: a.ID}
		fail, failed := ItemError{}, false
		if answer != nil {
			fail, failed = answer.Fail[k]
		}
		var obj map[string]json.RawMessage
		if !failed && json.Unmarshal(a.Source, &obj) != nil {
			fail, failed = ItemError{Status: 400, Type: "mapper_parsing_exception", Reason: "failed to parse"}, true
		}
		if failed {
			errs = true
			req.Failed = append(req.Failed, k)
			r.Status = fail.Status
			r.Error, _ = json.Marshal(map[string]string{"type": fail.Type, "reason": fail.Reason})
			items[k] = map[string]bulkItemResult{a.Action: r}
			continue
		}
		if r.ID == "" {
			o.nextID++
			r.ID = fmt.Sprintf("auto-%020d", o.nextID)
		}
		seq, primary := o.seq, 1
		o.seq++
		r.Version, r.Result, r.Status = 1, "created", http.StatusCreated
		r.Shards, r.SeqNo, r.Primary = &bulkShards{Total: 1, Successful: 1}, &seq, &primary
		if !o.opts.Forget {
			o.docs = append(o.docs, Document{Index: a.Index, Type: a.Type, ID: r.ID, Source: a.Source})
		}
		items[k] = map[string]bulkItemResult{a.Action: r}
	}
	b, _ := json.Marshal(struct {
		Took   int                         `json:"took"`
		Errors bool                        `json:"errors"`
		Items  []map[string]bulkItemResult `json:"items"`
	}{1, errs, items})
	return b
}

// Requests returns every request received so far, in arrival order.
func (o *OpenSearch) Requests() []BulkRequest {
	return o.journal.all()
}

// Documents returns every document indexed, in order.
func (o *OpenSearch) Documents() []Document {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Document(nil), o.docs...)
}

// WaitBulk waits until at least n requests have been received and returns
// them all, or returns ctx's error.
func (o *OpenSearch) WaitBulk(ctx context.Context, n int) ([]BulkRequest, error) {
	return o.journal.wait(ctx, n)
}

type bulkLogLine struct {
	Time        string         `json:"time"`
	Method      string         `json:"method"`
	URI         string         `json:"uri"`
	Status      int            `json:"status"`
	Actions     int            `json:"actions"`
	Failed      []int          `json:"failed,omitempty"`
	Service     string         `json:"service,omitempty"`
	Region      string         `json:"region,omitempty"`
	AccessKeyID string         `json:"accessKeyId,omitempty"`
	Error       string         `json:"error,omitempty"`
	Documents   []bulkLogEntry `json:"documents,omitempty"`
}

type bulkLogEntry struct {
	Index  string `json:"index"`
	Type   string `json:"type,omitempty"`
	ID     string `json:"id,omitempty"`
	Source string `json:"source"`
}

func (o *OpenSearch) log(req *BulkRequest) {
	l := bulkLogLine{Time: req.ReceivedAt.UTC().Format(time.RFC3339Nano), Method: req.Method, URI: req.URI, Status: req.Status,
		Actions: len(req.Actions), Failed: req.Failed, Service: req.Service, Region: req.Region, AccessKeyID: req.AccessKeyID, Error: req.Error}
	if o.opts.LogDocuments {
		for _, a := range req.Actions {
			l.Documents = append(l.Documents, bulkLogEntry{Index: a.Index, Type: a.Type, ID: a.ID, Source: string(a.Source)})
		}
	}
	o.journal.writeLog(o.opts.Log, l)
}
