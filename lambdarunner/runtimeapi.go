package lambdarunner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Runtime API paths and headers (Lambda Runtime API 2018-06-01).
const (
	apiPrefix      = "/2018-06-01/runtime/"
	pathNext       = apiPrefix + "invocation/next"
	pathInvocation = apiPrefix + "invocation/"
	pathInitError  = apiPrefix + "init/error"

	hdrRequestID     = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline      = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID       = "Lambda-Runtime-Trace-Id"
	hdrClientContext = "Lambda-Runtime-Client-Context"
	hdrCognito       = "Lambda-Runtime-Cognito-Identity"
	hdrErrorType     = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody     = "Lambda-Runtime-Function-Error-Body" // a trailer, base64 JSON
	hdrResponseMode  = "Lambda-Runtime-Function-Response-Mode"

	// maxPayloadSize is the synchronous response limit: 6 MB plus the
	// 100 bytes of slack the Runtime Interface Emulator allows.
	maxPayloadSize = 6*1024*1024 + 100
	// maxDiscard bounds how much of an oversized body is read to report
	// its size.
	maxDiscard = 64 << 20
)

// Runtime API error types, as the Runtime Interface Emulator names them.
const (
	errInvalidStateTransition = "InvalidStateTransition"
	errInvalidRequestID       = "InvalidRequestID"
	errTooLarge               = "RequestEntityTooLarge"
	errTruncated              = "TruncatedHTTPRequest"
	errInvalidResponseMode    = "InvalidFunctionResponseMode"
	errInternal               = "InternalServerError"
	errNotFound               = "NotFound"
	errMethodNotAllowed       = "MethodNotAllowed"
)

// runtimeAPI is the Runtime API server of one function. It serves one
// listener per process; the listener a connection arrived on tells which
// process is calling.
type runtimeAPI struct {
	srv *http.Server

	mu     sync.Mutex
	byAddr map[string]*sandbox
}

type sandboxKey struct{}

func newRuntimeAPI(log *slog.Logger) *runtimeAPI {
	a := &runtimeAPI{byAddr: map[string]*sandbox{}}
	a.srv = &http.Server{
		Handler: a,
		// No read/write/idle timeouts: GET /next long-polls for as long as
		// the process is idle.
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			a.mu.Lock()
			sb := a.byAddr[c.LocalAddr().String()]
			a.mu.Unlock()
			return context.WithValue(ctx, sandboxKey{}, sb)
		},
	}
	return a
}

// register makes connections arriving on ln belong to sb.
func (a *runtimeAPI) register(ln net.Listener, sb *sandbox) {
	a.mu.Lock()
	a.byAddr[ln.Addr().String()] = sb
	a.mu.Unlock()
}

// serve starts serving ln.
func (a *runtimeAPI) serve(ln net.Listener) {
	go func() { _ = a.srv.Serve(ln) }()
}

// forget stops serving ln; connections already open are closed by the
// process's exit.
func (a *runtimeAPI) forget(ln net.Listener) {
	a.mu.Lock()
	delete(a.byAddr, ln.Addr().String())
	a.mu.Unlock()
	_ = ln.Close()
}

// close shuts the server and all its connections.
func (a *runtimeAPI) close() { _ = a.srv.Close() }

// ServeHTTP routes a Runtime API request of the process the connection
// belongs to.
func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sb, _ := r.Context().Value(sandboxKey{}).(*sandbox)
	serveRuntimeAPI(w, r, sb)
}

// serveRuntimeAPI handles one request from sb's runtime. It never panics,
// whatever the request.
func serveRuntimeAPI(w http.ResponseWriter, r *http.Request, sb *sandbox) {
	if sb == nil {
		writeAPIError(w, http.StatusInternalServerError, errInternal, "Unknown execution environment")
		return
	}
	path := r.URL.Path
	switch {
	case path == pathNext:
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		sb.handleNext(w, r)
	case path == pathInitError:
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		sb.handleInitError(w, r)
	case strings.HasPrefix(path, pathInvocation):
		id, action, ok := strings.Cut(strings.TrimPrefix(path, pathInvocation), "/")
		if !ok || (action != "response" && action != "error") {
			writeAPIError(w, http.StatusNotFound, errNotFound, "Not found")
			return
		}
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		sb.handleResult(w, r, id, action == "error")
	default:
		writeAPIError(w, http.StatusNotFound, errNotFound, "Not found")
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m {
		return true
	}
	w.Header().Set("Allow", m)
	writeAPIError(w, http.StatusMethodNotAllowed, errMethodNotAllowed, "Method not allowed")
	return false
}

// handleNext parks the runtime until an invocation is handed to it.
func (sb *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	sb.mu.Lock()
	if sb.killing || sb.initFailure != nil {
		sb.mu.Unlock()
		writeAPIError(w, http.StatusInternalServerError, errInternal, "Execution environment is shutting down")
		return
	}
	abandoned := sb.current
	if abandoned != nil && abandoned.state == stateAnswering {
		sb.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "Invocation response is still being received")
		return
	}
	if sb.parked != nil {
		sb.parked.abandon() // a runtime re-polling after a client-side timeout
	}
	first := !sb.initialized
	if first {
		sb.initialized = true
		sb.initDur = time.Since(sb.started)
		if sb.initTimer != nil {
			sb.initTimer.Stop()
		}
	}
	e := newIdleEntry(sb)
	sb.parked = e
	sb.mu.Unlock()

	if abandoned != nil && sb.claim(abandoned, outcome{kind: outcomeNoResponse, at: time.Now()}) {
		sb.seal(abandoned)
	}
	if first {
		// Output of the init phase stays with the init phase.
		sb.logs.sync(logSyncTimeout)
		sb.logMu.Lock()
		if sb.logTarget == &sb.initLog {
			sb.logTarget = nil
		}
		sb.logMu.Unlock()
	}
	sb.pool.park(e)
	select {
	case inv := <-e.deliver:
		sb.dispatch(w, e, inv)
	case <-e.gone:
		writeAPIError(w, http.StatusInternalServerError, errInternal, "Execution environment is shutting down")
	case <-r.Context().Done():
		e.abandon()
	case <-sb.exited:
		e.abandon()
	}
}

// dispatch makes inv the current invocation and sends it to the runtime.
func (sb *sandbox) dispatch(w http.ResponseWriter, e *idleEntry, inv *invocation) {
	if e.isGone() {
		// The hand-off raced with this request being replaced or the
		// process going away: the runtime will never see the invocation.
		if sb.claim(inv, outcome{kind: outcomeNoResponse, at: time.Now()}) {
			sb.seal(inv)
		}
		writeAPIError(w, http.StatusInternalServerError, errInternal, "Execution environment is shutting down")
		return
	}
	sb.mu.Lock()
	if sb.parked == e {
		sb.parked = nil
	}
	sb.current = inv
	sb.mu.Unlock()

	start := startLine(inv.id, sb.fn.Version)
	sb.logMu.Lock()
	inv.log.add(start)
	sb.logTarget, sb.logReqID = &inv.log, inv.id
	sb.logMu.Unlock()
	sb.pool.platformLog(sb.logStream, inv.id, start)

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(hdrRequestID, inv.id)
	h.Set(hdrDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(hdrFunctionARN, inv.arn)
	if inv.traceID != "" {
		h.Set(hdrTraceID, inv.traceID)
	}
	if inv.clientContext != "" {
		h.Set(hdrClientContext, inv.clientContext)
	}
	if inv.identity != "" {
		h.Set(hdrCognito, inv.identity)
	}
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// handleResult handles POST .../{id}/response and .../{id}/error.
func (sb *sandbox) handleResult(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	if mode := r.Header.Get(hdrResponseMode); !isError && mode != "" && !strings.EqualFold(mode, "streaming") {
		writeAPIError(w, http.StatusBadRequest, errInvalidResponseMode, "Invalid function response mode: "+mode)
		return
	}
	sb.mu.Lock()
	inv := sb.current
	switch {
	case inv == nil || inv.state == stateDone:
		sb.mu.Unlock()
		if sb.pool.recentlyTimedOut(id) {
			writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "Invocation "+id+" has already timed out")
		} else {
			writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "No invocation is waiting for a result")
		}
		return
	case id != inv.id:
		sb.mu.Unlock()
		writeAPIError(w, http.StatusBadRequest, errInvalidRequestID, "Invalid request ID")
		return
	case inv.state == stateAnswering:
		sb.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "A result for this invocation is already being received")
		return
	}
	inv.state = stateAnswering
	sb.mu.Unlock()

	body, size, err := readBody(r)
	if err != nil {
		sb.mu.Lock()
		if inv.state == stateAnswering {
			inv.state = statePending
		}
		sb.mu.Unlock()
		writeAPIError(w, http.StatusBadRequest, errTruncated, "Truncated request body: "+err.Error())
		return
	}
	o := outcome{kind: outcomeResponse, body: body}
	switch {
	case size > maxPayloadSize:
		o = outcome{kind: outcomeTooLarge, size: size}
	case isError:
		o = outcome{kind: outcomeFunctionError, body: errorBody(body, r.Header.Get(hdrErrorType)),
			errorType: sanitizeErrorType(r.Header.Get(hdrErrorType))}
	case r.Trailer.Get(hdrErrorType) != "":
		// aws-lambda-go reports a failed response stream in trailers.
		typ := r.Trailer.Get(hdrErrorType)
		eb, derr := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
		if derr != nil || !json.Valid(eb) {
			eb = nil
		}
		o = outcome{kind: outcomeFunctionError, body: errorBody(eb, typ), errorType: sanitizeErrorType(typ)}
	}
	// Everything the function printed before answering belongs to it.
	sb.logs.sync(logSyncTimeout)
	o.at = time.Now()
	if !sb.claim(inv, o) {
		writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "Invocation "+id+" has already timed out")
		return
	}
	sb.seal(inv)
	if o.kind == outcomeTooLarge {
		writeAPIError(w, http.StatusRequestEntityTooLarge, errTooLarge,
			"Exceeded maximum allowed payload size ("+strconv.Itoa(maxPayloadSize)+" bytes).")
		return
	}
	writeAccepted(w)
}

// handleInitError records the error a runtime reports when it cannot load
// its handler, and ends the process.
func (sb *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	if sb.isInitialized() || sb.failedInit() != nil {
		writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "Init has already completed")
		return
	}
	body, size, err := readBody(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, errTruncated, "Truncated request body: "+err.Error())
		return
	}
	if size > maxPayloadSize {
		body = nil
	}
	typ := r.Header.Get(hdrErrorType)
	if typ == "" {
		var e struct {
			ErrorType string `json:"errorType"`
		}
		if json.Unmarshal(body, &e) == nil {
			typ = e.ErrorType
		}
	}
	typ = sanitizeErrorType(typ)
	sb.logs.sync(logSyncTimeout)

	sb.mu.Lock()
	if sb.initialized || sb.initFailure != nil {
		sb.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, errInvalidStateTransition, "Init has already completed")
		return
	}
	sb.initFailure = &outcome{kind: outcomeInitError, body: errorBody(body, typ), errorType: typ, at: time.Now()}
	close(sb.initFailed)
	sb.mu.Unlock()
	writeAccepted(w)
	// The runtime exits by itself after reporting; make sure of it.
	go sb.kill()
}

// readBody reads a request body up to maxPayloadSize. For larger bodies it
// returns nil and the size (counted up to maxDiscard past the limit).
func readBody(r *http.Request) ([]byte, int64, error) {
	if r.ContentLength > maxPayloadSize {
		return nil, r.ContentLength, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(body) <= maxPayloadSize {
		return body, int64(len(body)), nil
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, maxDiscard))
	return nil, int64(len(body)) + n, nil
}

var errorTypePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(Runtime|Function)\.[A-Z][a-zA-Z]+$`) })

// sanitizeErrorType keeps well-formed Runtime.X / Function.X error types,
// like the Runtime Interface Emulator; anything else becomes
// Function.Unknown or Runtime.Unknown.
func sanitizeErrorType(t string) string {
	switch {
	case errorTypePattern().MatchString(t):
		return t
	case strings.HasPrefix(t, "Function."):
		return "Function.Unknown"
	default:
		return "Runtime.Unknown"
	}
}

// errorBody returns the error body the invoker sees: the runtime's body
// verbatim, or a minimal one if the runtime sent nothing.
func errorBody(body []byte, typ string) []byte {
	if len(strings.TrimSpace(string(body))) > 0 {
		return body
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	return errorJSON(typ, "")
}

// writeAPIError writes a Runtime API error, {"errorMessage","errorType"}.
func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	body := marshalNoEscape(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, typ})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeAccepted writes the 202 every client expects for a valid post.
func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

var _ http.Handler = (*runtimeAPI)(nil)
