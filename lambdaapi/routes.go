package lambdaapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// request is what every operation handler gets.
type request struct {
	r         *http.Request
	id        string // x-amzn-RequestId
	region    string
	name      string // FunctionName path segment, unescaped ("" for the collection)
	operation string
	budget    *reqbody.Budget // Config.Bodies
	body      reqbody.Body    // read by readBody; released once the response is written
}

// response is what an operation handler returns; serveHTTP writes it.
type response struct {
	status int
	header http.Header
	json   any    // rendered as the JSON body when non-nil
	body   []byte // raw body (Invoke, code download) when json is nil
}

type handlerFunc func(*Service, *request) (*response, error)

// route binds a method and a path shape (after /2015-03-31/functions) to an
// operation.
type route struct {
	method    string
	shape     string // "", "{name}", "{name}/configuration", ...
	operation string
	handle    handlerFunc
}

var routes = []route{
	{http.MethodGet, "", "ListFunctions", (*Service).listFunctions},
	{http.MethodPost, "", "CreateFunction", (*Service).createFunction},
	{http.MethodGet, "{name}", "GetFunction", (*Service).getFunction},
	{http.MethodDelete, "{name}", "DeleteFunction", (*Service).deleteFunction},
	{http.MethodGet, "{name}/configuration", "GetFunctionConfiguration", (*Service).getFunctionConfiguration},
	{http.MethodPut, "{name}/configuration", "UpdateFunctionConfiguration", (*Service).updateFunctionConfiguration},
	{http.MethodPut, "{name}/code", "UpdateFunctionCode", (*Service).updateFunctionCode},
	{http.MethodPost, "{name}/invocations", "Invoke", (*Service).invoke},
	// Not an AWS operation: GetFunction's Code.Location points here.
	{http.MethodGet, "{name}/code", "DownloadCode", (*Service).downloadCode},
}

// serveHTTP dispatches a request under /2015-03-31/ and renders its result
// or error.
func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	req := &request{r: r, id: uuid.NewString(), region: awsjson.RequestRegion(r, s.cfg.DefaultRegion), budget: s.cfg.Bodies}
	defer req.body.Release()
	resp, err := s.dispatch(req)
	if err != nil {
		s.writeError(w, req, err)
		return
	}
	s.writeResponse(w, req, resp)
}

func (s *Service) dispatch(req *request) (*response, error) {
	if !validRegion(req.region) {
		return nil, invalidParam("firehose-local cannot use the region %q of the request's signature.", req.region)
	}
	segs, err := pathSegments(req.r)
	if err != nil {
		return nil, err
	}
	shape, name, ok := functionsShape(segs)
	if ok {
		req.name = name
		var allowed []string
		for _, rt := range routes {
			if rt.shape != shape {
				continue
			}
			allowed = append(allowed, rt.method)
			if rt.method == req.r.Method {
				req.operation = rt.operation
				return rt.handle(s, req)
			}
		}
		if len(allowed) > 0 && s.apiModel().operationFor(req.r.Method, segs) == "" {
			return nil, newError(errMethodNotAllowed, "Method %s is not allowed on %s; use %s.",
				req.r.Method, req.r.URL.Path, strings.Join(allowed, " or "))
		}
	}
	if op := s.apiModel().operationFor(req.r.Method, segs); op != "" {
		return nil, newError(errUnknownOperation, "firehose-local does not support the Lambda operation %s yet.", op)
	}
	return nil, newError(errUnknownOperation, "firehose-local serves no Lambda operation at %s %s.", req.r.Method, req.r.URL.Path)
}

// pathSegments splits the escaped path after the API version into unescaped
// segments, so that a function ARN sent with %3A (or not) parses alike. A
// trailing slash is dropped (older SDKs list functions at /functions/).
func pathSegments(r *http.Request) ([]string, error) {
	p := r.URL.EscapedPath()
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimPrefix(p, "2015-03-31/")
	p = strings.TrimSuffix(p, "/")
	raw := strings.Split(p, "/")
	segs := make([]string, len(raw))
	for i, seg := range raw {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil, invalidParam("The request path is not correctly escaped: %s", err)
		}
		segs[i] = u
	}
	return segs, nil
}

// functionsShape maps ["functions", NAME, "configuration"] to
// ("{name}/configuration", NAME).
func functionsShape(segs []string) (shape, name string, ok bool) {
	if len(segs) == 0 || segs[0] != "functions" {
		return "", "", false
	}
	switch len(segs) {
	case 1:
		return "", "", true
	case 2:
		return "{name}", segs[1], segs[1] != ""
	case 3:
		return "{name}/" + segs[2], segs[1], segs[1] != ""
	}
	return "", "", false
}

func (s *Service) writeResponse(w http.ResponseWriter, req *request, resp *response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if h.Get("x-amzn-RequestId") == "" {
		h.Set("x-amzn-RequestId", req.id)
	}
	body := resp.body
	if resp.json != nil {
		b, err := json.Marshal(resp.json)
		if err != nil {
			s.writeError(w, req, fmt.Errorf("encoding the %s response: %w", req.operation, err))
			return
		}
		body = b
		h.Set("Content-Type", "application/json")
	}
	if resp.status == http.StatusNoContent || (resp.status == http.StatusAccepted && len(body) == 0) {
		w.WriteHeader(resp.status)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}

// writeError renders any error: an *apiError as itself, anything else as a
// ServiceException (logged, since it is a bug or an I/O failure).
func (s *Service) writeError(w http.ResponseWriter, req *request, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		s.log.Error("lambda request failed", "operation", req.operation, "function", req.name,
			"request_id", req.id, "err", err)
		e = newError(errService, "firehose-local failed to serve the request: %s", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", req.id)
	h.Set("X-Amzn-ErrorType", e.Type)
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	body := errorBody(e)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// readBody reads at most limit bytes of the request body, counted against
// Config.Bodies until the response is written (the body is only valid until
// then); larger bodies are refused with tooLarge, and a body past the budget
// with TooManyRequestsException. A body an authenticator has read already
// (reqbody.NewContext) is used as it is.
func readBody(req *request, limit int64, tooLarge func() *apiError) ([]byte, error) {
	if req.r.ContentLength > limit {
		return nil, tooLarge()
	}
	if b, ok := reqbody.FromContext(req.r.Context()); ok {
		if int64(len(b)) > limit {
			return nil, tooLarge()
		}
		return b, nil
	}
	body, err := req.budget.Read(io.LimitReader(req.r.Body, limit+1), req.r.ContentLength)
	if errors.Is(err, reqbody.ErrBusy) {
		e := newError(errTooManyRequests, "Rate Exceeded.")
		e.RetryAfter = "1"
		return nil, e
	}
	if err != nil {
		return nil, newError(errInvalidRequestContent, "Could not read the request body: %s", err)
	}
	req.body.Release()
	req.body = body
	if int64(len(body.Bytes)) > limit {
		return nil, tooLarge()
	}
	return body.Bytes, nil
}
