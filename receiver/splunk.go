package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Splunk is the other side of a Firehose Splunk destination: a strict
// Splunk HTTP Event Collector (HEC) with indexer acknowledgement, as
// Firehose requires it. It checks every request against HEC's protocol
// (the Authorization header, the request channel, the body of the raw and
// event endpoints, the acknowledgement endpoint), answers with HEC's JSON
// and codes, and records what it got.
//
//	hec := receiver.NewSplunk(receiver.SplunkOptions{Token: "token"})
//	srv := httptest.NewServer(hec)
//	// create a stream with HECEndpoint srv.URL and HECToken "token"…
//
// From a shell: firehose-local receiver --splunk --token TOKEN.
type Splunk struct {
	opts SplunkOptions

	mu       sync.Mutex // guards channels
	channels map[string]*hecChannel
	journal  journal[SplunkRequest]
}

// SplunkOptions configures a Splunk receiver. The zero value accepts any
// token and acknowledges every request at its first poll.
type SplunkOptions struct {
	// Token is the only valid HEC token; "" accepts any.
	Token string
	// TokenDisabled answers every request as HEC does for a disabled
	// token (403, code 1).
	TokenDisabled bool
	// AckDisabled plays a token with indexer acknowledgement off: no ackId,
	// and the acknowledgement endpoint answers 400, code 14.
	AckDisabled bool
	// Ack, if set, decides whether the request answered ackID is
	// acknowledged when polled for the poll-th time (1 for the first);
	// nil acknowledges it at its first poll.
	Ack func(ackID int64, poll int) bool
	// Respond, if set, may replace the answer to a well-formed raw or
	// event request (nil: accept it), to play a failing HEC.
	Respond func(ctx context.Context, r *SplunkRequest) *SplunkResponse
	// Log, if set, receives one JSON line per request; LogEvents adds the
	// data.
	Log       io.Writer
	LogEvents bool
	// Forget keeps no requests in memory, for a long-running receiver.
	Forget bool
	// Now stamps requests; default time.Now.
	Now func() time.Time
}

// SplunkResponse is the answer SplunkOptions.Respond chooses: HEC's JSON
// {"text":Text,"code":Code} with Status, or Body verbatim if non-nil.
type SplunkResponse struct {
	Status int
	Code   int
	Text   string
	Body   []byte
}

// Kinds of HEC requests.
const (
	HECRaw   = "raw"
	HECEvent = "event"
	HECAck   = "ack"
)

// SplunkRequest is one request the Splunk receiver got.
type SplunkRequest struct {
	Kind       string // HECRaw, HECEvent, HECAck, or "" for another path
	Method     string
	URI        string // path and query, as sent
	Header     http.Header
	Token      string   // from Authorization: Splunk <token>
	Channel    string   // from X-Splunk-Request-Channel or the channel query parameter
	Body       []byte   // decompressed
	Events     [][]byte // an event request's JSON objects, each as sent
	AckID      *int64   // the ackId a raw or event request was answered
	Acks       []int64  // an ack request's ackIds
	Acked      map[int64]bool
	ReceivedAt time.Time
	Status     int    // the status answered
	Code       int    // HEC's code answered
	Text       string // HEC's text answered
	Error      string // why the request broke HEC's protocol; "" if it did not
}

// hecChannel is one request channel's acknowledgement state.
type hecChannel struct {
	next    int64
	pending map[int64]*hecPending
}

type hecPending struct {
	polls int // how often it was asked about
}

// NewSplunk returns a Splunk receiver.
func NewSplunk(opts SplunkOptions) *Splunk {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Splunk{opts: opts, channels: map[string]*hecChannel{}}
}

var guid = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// MaxHECBody bounds a request body, as HEC's max_content_length (default 800 MB) does; smaller here.
const MaxHECBody = 64 << 20

// ServeHTTP checks, answers and records one HEC request.
func (s *Splunk) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	req := SplunkRequest{Method: hr.Method, URI: hr.URL.RequestURI(), Header: hr.Header.Clone(), ReceivedAt: s.opts.Now()}
	status, code, text, extra := s.handle(hr, &req)
	req.Status, req.Code, req.Text = status, code, text
	var body []byte
	switch {
	case extra != nil:
		body = extra
	default:
		v := map[string]any{"text": text, "code": code}
		if req.AckID != nil && status == http.StatusOK {
			v["ackId"] = *req.AckID
		}
		body, _ = json.Marshal(v)
	}
	s.record(&req)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handle checks hr, fills req, and returns the answer: status, HEC code
// and text, or a body to send instead of {"text","code"}.
func (s *Splunk) handle(hr *http.Request, req *SplunkRequest) (int, int, string, []byte) {
	fail := func(status, code int, text, why string) (int, int, string, []byte) {
		req.Error = why
		return status, code, text, nil
	}
	switch strings.TrimSuffix(hr.URL.Path, "/") {
	case "/services/collector/raw", "/services/collector/raw/1.0":
		req.Kind = HECRaw
	case "/services/collector/event", "/services/collector/event/1.0", "/services/collector":
		req.Kind = HECEvent
	case "/services/collector/ack":
		req.Kind = HECAck
	default:
		return fail(http.StatusNotFound, 404, "The requested URL was not found on this server.", "HEC has no endpoint "+hr.URL.Path+".")
	}
	if hr.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, 405, "Method Not Allowed", "HEC takes POST, not "+hr.Method+".")
	}
	auth, sent := hr.Header["Authorization"]
	if !sent || len(auth) == 0 || auth[0] == "" {
		return fail(http.StatusUnauthorized, 2, "Token is required", "The Authorization header is missing.")
	}
	scheme, token, ok := strings.Cut(auth[0], " ")
	if !ok || scheme != "Splunk" || token == "" || len(auth) > 1 {
		return fail(http.StatusUnauthorized, 3, "Invalid authorization", fmt.Sprintf("Authorization is %q; HEC wants \"Splunk <token>\".", auth[0]))
	}
	req.Token = token
	if s.opts.Token != "" && token != s.opts.Token {
		return fail(http.StatusForbidden, 4, "Invalid token", "The token is not the receiver's.")
	}
	if s.opts.TokenDisabled {
		return fail(http.StatusForbidden, 1, "Token disabled", "The token is disabled (TokenDisabled).")
	}
	req.Channel = hr.Header.Get("X-Splunk-Request-Channel")
	if q := hr.URL.Query().Get("channel"); q != "" {
		if req.Channel != "" && req.Channel != q {
			return fail(http.StatusBadRequest, 11, "Invalid data channel", "The channel header and query parameter differ.")
		}
		req.Channel = q
	}
	if req.Channel == "" && (!s.opts.AckDisabled || req.Kind == HECRaw) {
		return fail(http.StatusBadRequest, 10, "Data channel is missing", "No X-Splunk-Request-Channel header or channel query parameter: HEC requires one with indexer acknowledgement, and for raw data.")
	}
	if req.Channel != "" && !guid().MatchString(req.Channel) {
		return fail(http.StatusBadRequest, 11, "Invalid data channel", fmt.Sprintf("The channel %q is not a GUID.", req.Channel))
	}
	var body io.Reader = io.LimitReader(hr.Body, MaxHECBody+1)
	if ce := hr.Header.Get("Content-Encoding"); ce == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return fail(http.StatusBadRequest, 6, "Invalid data format", "Content-Encoding is gzip but the body is not.")
		}
		body = io.LimitReader(zr, MaxHECBody+1)
	} else if ce != "" {
		return fail(http.StatusBadRequest, 6, "Invalid data format", "Content-Encoding "+ce+" is not supported.")
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return fail(http.StatusBadRequest, 6, "Invalid data format", "Could not read the body: "+err.Error())
	}
	if len(raw) > MaxHECBody {
		return fail(http.StatusRequestEntityTooLarge, 413, "Content too large", "The body is larger than 64 MiB.")
	}
	req.Body = raw
	if req.Kind == HECAck {
		return s.ack(req)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fail(http.StatusBadRequest, 5, "No data", "The body is empty.")
	}
	if req.Kind == HECEvent {
		events, code, why := splitEvents(raw)
		if code != 0 {
			text := map[int]string{6: "Invalid data format", 12: "Event field is required", 13: "Event field cannot be blank"}[code]
			return fail(http.StatusBadRequest, code, text, why)
		}
		req.Events = events
	}
	if s.opts.Respond != nil {
		if r := s.opts.Respond(hr.Context(), req); r != nil {
			if r.Status == 0 {
				r.Status = http.StatusOK
			}
			return r.Status, r.Code, r.Text, r.Body
		}
	}
	if !s.opts.AckDisabled {
		s.mu.Lock()
		ch := s.channels[req.Channel]
		if ch == nil {
			ch = &hecChannel{pending: map[int64]*hecPending{}}
			s.channels[req.Channel] = ch
		}
		id := ch.next
		ch.next++
		ch.pending[id] = &hecPending{}
		req.AckID = &id
		s.mu.Unlock()
	}
	return http.StatusOK, 0, "Success", nil
}

// splitEvents reads an event request's body: one or more JSON objects,
// each with a non-empty event member and HEC's metadata members. It
// returns HEC's code (6, 12 or 13) and why when the body breaks the format.
func splitEvents(raw []byte) ([][]byte, int, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out [][]byte
	for i := 0; ; i++ {
		var obj json.RawMessage
		start := dec.InputOffset()
		if err := dec.Decode(&obj); err == io.EOF {
			break
		} else if err != nil {
			return nil, 6, fmt.Sprintf("Event %d is not JSON: %v.", i, err)
		}
		var fields map[string]any
		d := json.NewDecoder(bytes.NewReader(obj))
		d.UseNumber()
		if err := d.Decode(&fields); err != nil || fields == nil {
			return nil, 6, fmt.Sprintf("Event %d is not a JSON object.", i)
		}
		ev, ok := fields["event"]
		if !ok || ev == nil {
			return nil, 12, fmt.Sprintf("Event %d has no event member.", i)
		}
		if s, isStr := ev.(string); isStr && s == "" {
			return nil, 13, fmt.Sprintf("Event %d has an empty event.", i)
		}
		for _, k := range []string{"host", "source", "sourcetype", "index"} {
			if v, ok := fields[k]; ok {
				if _, isStr := v.(string); !isStr {
					return nil, 6, fmt.Sprintf("Event %d: %s must be a string.", i, k)
				}
			}
		}
		if v, ok := fields["time"]; ok {
			switch t := v.(type) {
			case json.Number:
			case string:
				if _, err := strconv.ParseFloat(t, 64); err != nil {
					return nil, 6, fmt.Sprintf("Event %d: time %q is not epoch seconds.", i, t)
				}
			default:
				return nil, 6, fmt.Sprintf("Event %d: time must be epoch seconds.", i)
			}
		}
		if v, ok := fields["fields"]; ok {
			if _, isObj := v.(map[string]any); !isObj {
				return nil, 6, fmt.Sprintf("Event %d: fields must be an object.", i)
			}
		}
		out = append(out, bytes.TrimSpace(raw[start:dec.InputOffset()]))
	}
	if len(out) == 0 {
		return nil, 5, "No event."
	}
	return out, 0, ""
}

// ack answers an acknowledgement request: {"acks":{"<id>":true|false}}.
// An ackId reported true is forgotten, as HEC forgets it.
func (s *Splunk) ack(req *SplunkRequest) (int, int, string, []byte) {
	if s.opts.AckDisabled {
		req.Error = "Indexer acknowledgement is disabled (AckDisabled)."
		return http.StatusBadRequest, 14, "ACK is disabled", nil
	}
	var q struct {
		Acks *[]int64 `json:"acks"`
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	if err := dec.Decode(&q); err != nil || q.Acks == nil {
		req.Error = `The body is not {"acks":[<ackId>,…]}.`
		return http.StatusBadRequest, 6, "Invalid data format", nil
	}
	req.Acks = *q.Acks
	req.Acked = map[int64]bool{}
	answer := map[string]bool{}
	s.mu.Lock()
	ch := s.channels[req.Channel]
	for _, id := range req.Acks {
		done := false
		if ch != nil {
			if p := ch.pending[id]; p != nil {
				p.polls++
				done = s.opts.Ack == nil || s.opts.Ack(id, p.polls)
				if done {
					delete(ch.pending, id)
				}
			}
		}
		req.Acked[id] = done
		answer[strconv.FormatInt(id, 10)] = done
	}
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"acks": answer})
	return http.StatusOK, 0, "", b
}

// record keeps req (unless Forget) and logs it.
func (s *Splunk) record(req *SplunkRequest) {
	s.journal.add(*req, s.opts.Forget)
	if s.opts.Log != nil {
		s.log(req)
	}
}

type splunkLogLine struct {
	Time    string          `json:"time"`
	Method  string          `json:"method"`
	URI     string          `json:"uri"`
	Kind    string          `json:"kind,omitempty"`
	Channel string          `json:"channel,omitempty"`
	Status  int             `json:"status"`
	Code    int             `json:"code"`
	AckID   *int64          `json:"ackId,omitempty"`
	Acked   map[string]bool `json:"acked,omitempty"`
	Events  int             `json:"events,omitempty"`
	Bytes   int             `json:"bytes"`
	Error   string          `json:"error,omitempty"`
	Data    []string        `json:"data,omitempty"`
}

func (s *Splunk) log(req *SplunkRequest) {
	l := splunkLogLine{Time: req.ReceivedAt.UTC().Format(time.RFC3339Nano), Method: req.Method, URI: req.URI, Kind: req.Kind,
		Channel: req.Channel, Status: req.Status, Code: req.Code, AckID: req.AckID, Events: len(req.Events), Bytes: len(req.Body), Error: req.Error}
	if len(req.Acked) > 0 {
		l.Acked = map[string]bool{}
		for k, v := range req.Acked {
			l.Acked[strconv.FormatInt(k, 10)] = v
		}
	}
	if s.opts.LogEvents && req.Kind != HECAck && req.Status == http.StatusOK {
		data := [][]byte{req.Body}
		if req.Kind == HECEvent {
			data = req.Events
		}
		for _, d := range data {
			l.Data = append(l.Data, logText(d))
		}
	}
	s.journal.writeLog(s.opts.Log, l)
}

// Requests returns every request received so far, in arrival order.
func (s *Splunk) Requests() []SplunkRequest {
	return s.journal.all()
}

// Acknowledged returns the raw and event requests whose ackId was polled
// and reported true (every accepted one with AckDisabled), in arrival
// order: what the sender knows was indexed.
func (s *Splunk) Acknowledged() []SplunkRequest {
	requests := s.journal.all()
	acked := map[string]bool{}
	for _, r := range requests {
		for id, ok := range r.Acked {
			if ok {
				acked[r.Channel+"/"+strconv.FormatInt(id, 10)] = true
			}
		}
	}
	var out []SplunkRequest
	for _, r := range requests {
		if r.Kind == HECAck || r.Status != http.StatusOK {
			continue
		}
		if s.opts.AckDisabled || (r.AckID != nil && acked[r.Channel+"/"+strconv.FormatInt(*r.AckID, 10)]) {
			out = append(out, r)
		}
	}
	return out
}

// WaitRequests waits until at least n requests have been received and
// returns them all, or returns ctx's error.
func (s *Splunk) WaitRequests(ctx context.Context, n int) ([]SplunkRequest, error) {
	return s.journal.wait(ctx, n)
}
