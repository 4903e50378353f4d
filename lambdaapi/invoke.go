package lambdaapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/firehose-local/firehose-local/lambdarunner"
)

// maxLogResult is how much of the end of an invocation's log X-Amz-Log-Result
// carries.
const maxLogResult = 4096

// invokeHeaders maps the Invoke members bound to headers to their headers.
var invokeHeaders = map[string]string{
	"InvocationType":       "X-Amz-Invocation-Type",
	"LogType":              "X-Amz-Log-Type",
	"ClientContext":        "X-Amz-Client-Context",
	"TenantId":             "X-Amz-Tenant-Id",
	"DurableExecutionName": "X-Amz-Durable-Execution-Name",
}

func (s *Service) invoke(req *request) (*response, error) {
	qualifier, err := s.invokeParams(req)
	if err != nil {
		return nil, err
	}
	h := req.r.Header
	switch {
	case h.Get("X-Amz-Tenant-Id") != "":
		return nil, unsupported("TenantId (X-Amz-Tenant-Id)")
	case h.Get("X-Amz-Durable-Execution-Name") != "":
		return nil, unsupported("DurableExecutionName (X-Amz-Durable-Execution-Name)")
	}
	t, err := s.resolveRequest(req, qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	_, err = s.find(t)
	s.mu.Unlock()
	if err != nil {
		if !t.qualified {
			// Invoke names the version it did not find: AWS answers
			// "Function not found: <arn>:$LATEST" (recorded 2025-11-24:
			// LocalStack's test_invoke_exceptions).
			return nil, notFound(t.arn + ":" + latest)
		}
		return nil, err
	}
	if !invokeContentType(h.Get("Content-Type")) {
		return nil, newError(errUnsupportedMediaType, "The content type of the Invoke request body is not JSON.")
	}
	payload, err := readBody(req, maxInvokeRequestBytes, func() *apiError {
		return newError(errRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", maxInvokeRequestBytes)
	})
	if err != nil {
		return nil, err
	}
	invType := h.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	if invType == "Event" && len(payload) > maxEventPayloadBytes {
		return nil, newError(errRequestTooLarge, "%d byte payload is too large for the Event invocation type (limit %d bytes)", len(payload), maxEventPayloadBytes)
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = []byte("{}")
	}
	if err := checkJSON(payload); err != nil {
		return nil, err
	}
	opts := lambdarunner.InvokeOptions{RequestID: req.id}
	if t.qualified {
		opts.Qualifier = latest
	}
	if cc := h.Get("X-Amz-Client-Context"); cc != "" {
		opts.ClientContext, err = decodeClientContext(cc)
		if err != nil {
			return nil, err
		}
	}

	switch invType {
	case "DryRun":
		return &response{status: http.StatusNoContent}, nil
	case "Event":
		// The request's body is not ours once the response is written.
		if err := s.enqueue(t, bytes.Clone(payload), opts); err != nil {
			return nil, err
		}
		return &response{status: http.StatusAccepted}, nil
	}
	res, err := s.run(req.r.Context(), t, payload, opts)
	if err != nil {
		if req.r.Context().Err() != nil {
			return nil, newError(errService, "The client cancelled the request.")
		}
		if errors.Is(err, lambdarunner.ErrClosed) {
			return nil, newError(errService, "firehose-local is shutting down.")
		}
		return nil, err
	}
	out := http.Header{
		"Content-Type":           {"application/json"},
		"X-Amz-Executed-Version": {latest},
	}
	if res.RequestID != "" {
		out.Set("x-amzn-RequestId", res.RequestID)
	}
	if res.FunctionError != "" {
		out.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if strings.EqualFold(h.Get("X-Amz-Log-Type"), "Tail") {
		log := res.Log
		if len(log) > maxLogResult {
			log = log[len(log)-maxLogResult:]
		}
		out.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(log))
	}
	body := res.Payload
	if body == nil {
		body = []byte{}
	}
	return &response{status: http.StatusOK, header: out, body: body}, nil
}

// invokeParams validates Invoke's URI, query and header members against the
// model and returns the ?Qualifier=.
func (s *Service) invokeParams(req *request) (string, error) {
	params := map[string]any{"FunctionName": req.name}
	qualifier := ""
	if q := req.r.URL.Query(); q.Has("Qualifier") {
		qualifier = q.Get("Qualifier")
		params["Qualifier"] = qualifier
	}
	for member, header := range invokeHeaders {
		if v := req.r.Header.Get(header); v != "" {
			params[member] = v
		}
	}
	return qualifier, s.apiModel().validateParams("Invoke", params)
}

// invokeContentType accepts the content types an Invoke body that is JSON
// can arrive with: none, JSON, the SDKs' application/octet-stream for blob
// payloads, text, and curl's default form type.
func invokeContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "text/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1",
		"application/octet-stream", "binary/octet-stream", "text/plain", "application/x-www-form-urlencoded":
		return true
	}
	return strings.HasSuffix(mt, "+json")
}

// checkJSON refuses a payload that is not one JSON value.
func checkJSON(payload []byte) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	var v json.RawMessage
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	if err != nil {
		return newError(errInvalidRequestContent, "Could not parse request body into json: Could not parse payload into json: %s", err)
	}
	return nil
}

// decodeClientContext decodes X-Amz-Client-Context (base64 of a JSON object)
// for the runtime.
func decodeClientContext(cc string) (string, error) {
	bad := invalidParam("Client context must be a valid Base64-encoded JSON object.")
	if len(cc) > maxClientContextBytes {
		return "", invalidParam("Client context must be smaller than %d bytes when base64-encoded.", maxClientContextBytes)
	}
	raw, err := base64.StdEncoding.DecodeString(cc)
	if err != nil {
		return "", bad
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return "", bad
	}
	return string(raw), nil
}

// run invokes the function t names, holding its code revision for the
// duration. For a function registered from a local directory it first resets
// the warm processes if the directory changed.
func (s *Service) run(ctx context.Context, t target, payload []byte, opts lambdarunner.InvokeOptions) (lambdarunner.Result, error) {
	s.mu.Lock()
	fn, err := s.find(t)
	if err != nil {
		s.mu.Unlock()
		return lambdarunner.Result{}, err
	}
	rf := s.runnerFunction(fn)
	code, local := fn.code, fn.local
	if code != nil {
		code.inflight++
	}
	s.mu.Unlock()
	defer s.release(code)
	if local != nil {
		local.refresh(s.cfg.Runner, rf.ARN(), s.log)
	}
	return s.cfg.Runner.Invoke(ctx, rf, payload, opts)
}

// enqueue starts an asynchronous (Event) invocation in the background,
// bounded by Config.EventConcurrency running and Config.EventQueue accepted.
func (s *Service) enqueue(t target, payload []byte, opts lambdarunner.InvokeOptions) error {
	select {
	case s.queued <- struct{}{}:
	default:
		e := newError(errTooManyRequests, "Rate Exceeded.")
		e.RetryAfter = "1"
		return e
	}
	s.mu.Lock()
	if s.bg.Err() != nil {
		s.mu.Unlock()
		<-s.queued
		return newError(errService, "firehose-local is shutting down.")
	}
	s.bgWG.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bgWG.Done()
		defer func() { <-s.queued }()
		select {
		case s.running <- struct{}{}:
		case <-s.bg.Done():
			return
		}
		defer func() { <-s.running }()
		res, err := s.run(s.bg, t, payload, opts)
		switch {
		case err != nil:
			s.log.Warn("asynchronous invocation failed", "function", t.name, "region", t.region, "request_id", opts.RequestID, "err", err)
		case res.FunctionError != "":
			s.log.Warn("asynchronous invocation returned a function error", "function", t.name, "region", t.region,
				"request_id", opts.RequestID, "payload", string(res.Payload))
		default:
			s.log.Debug("asynchronous invocation finished", "function", t.name, "region", t.region, "request_id", opts.RequestID)
		}
	}()
	return nil
}
