//go:build unix

package lambdarunner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRuntimeFunction returns a provided function whose bootstrap is this
// test binary acting as a scripted runtime (runFakeRuntime).
func fakeRuntimeFunction(t *testing.T, name, mode string) *Function {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{"bootstrap": "#!/bin/sh\nexec '" + exe + "'\n"})
	return &Function{Name: name, Runtime: "provided.al2023", CodeDir: dir,
		Env: map[string]string{"LAMBDARUNNER_FAKE_RUNTIME": mode}}
}

func TestRuntimeAPIStatusCodes(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := fakeRuntimeFunction(t, "protocol", "protocol")

	// The /next headers, as the runtime saw them.
	before := time.Now()
	res := invoke(t, r, fn, map[string]any{"case": "headers"}, InvokeOptions{ClientContext: "{\n\"custom\": {}\n}"})
	after := time.Now()
	mustSucceed(t, res)
	h := decode[map[string]string](t, res)
	if h["Content-Type"] != "application/json" || h["Lambda-Runtime-Aws-Request-Id"] != res.RequestID ||
		h["Lambda-Runtime-Invoked-Function-Arn"] != fn.ARN() || !strings.HasPrefix(h["Lambda-Runtime-Trace-Id"], "Root=1-") ||
		h["Lambda-Runtime-Client-Context"] != `{"custom":{}}` {
		t.Errorf("headers %v", h)
	}
	if _, ok := h["Lambda-Runtime-Cognito-Identity"]; ok {
		t.Error("empty Cognito identity header sent")
	}
	// The deadline is the dispatch (between before and after) plus the
	// 3 s default timeout, however long the machine took.
	if ms, err := strconv.ParseInt(h["Lambda-Runtime-Deadline-Ms"], 10, 64); err != nil ||
		ms < before.Add(3*time.Second).UnixMilli() || ms > after.Add(3*time.Second).UnixMilli() {
		t.Errorf("deadline %q", h["Lambda-Runtime-Deadline-Ms"])
	}

	// Misuse of the API is answered with the right status; the first valid
	// answer counts.
	res = invoke(t, r, fn, map[string]any{"case": "misuse"})
	mustSucceed(t, res)
	if string(res.Payload) != `"first"` {
		t.Fatalf("payload %s", res.Payload)
	}
	observed := decode[[]string](t, invoke(t, r, fn, map[string]any{"case": "report"}))
	id := res.RequestID
	want := []string{
		`POST /invocation/not-` + id + `/response -> 400 {"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`,
		`POST /invocation/` + id + `/response -> 400 {"errorMessage":"Invalid function response mode: bogus","errorType":"InvalidFunctionResponseMode"}`,
		`GET /invocation/` + id + `/response -> 405 `,
		`POST /invocation/next -> 405 `,
		`GET /nowhere -> 404 `,
		`POST /invocation/` + id + `/somethingelse -> 404 `,
		`POST /init/error -> 403 {"errorMessage":"Init has already completed","errorType":"InvalidStateTransition"}`,
		`POST /invocation/` + id + `/response -> 202 {"status":"OK"}`,
		`POST /invocation/` + id + `/response -> 403 `,
		`POST /invocation/` + id + `/error -> 403 `,
	}
	if len(observed) != len(want) {
		t.Fatalf("observed:\n%s", strings.Join(observed, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(observed[i], want[i]) {
			t.Errorf("call %d: got %q, want prefix %q", i, observed[i], want[i])
		}
	}

	// Whatever the body, it is passed through.
	res = invoke(t, r, fn, map[string]any{"case": "garbage"})
	if mustSucceed(t, res); !bytes.Equal(res.Payload, []byte{0xff, 0x00, '{', 0x80}) {
		t.Errorf("garbage payload %q", res.Payload)
	}

	// Over the limit: a function error for the invoker, 413 for the runtime,
	// which may carry on.
	res = invoke(t, r, fn, map[string]any{"case": "toolarge"})
	if body := mustFail(t, res); body.ErrorType != "Function.ResponseSizeTooLarge" ||
		body.ErrorMessage != "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)." {
		t.Errorf("too large: %s", res.Payload)
	}
	res = invoke(t, r, fn, map[string]any{"case": "exactlimit"})
	if mustSucceed(t, res); len(res.Payload) != maxPayloadSize {
		t.Errorf("payload at the limit: %d bytes", len(res.Payload))
	}
	checkPlatformLines(t, res, false) // same process

	// Asking for the next event without answering fails the invocation.
	res = invoke(t, r, fn, map[string]any{"case": "noanswer"})
	if body := mustFail(t, res); body.ErrorType != "Runtime.NoResponse" {
		t.Errorf("no answer: %s", res.Payload)
	}

	res = invoke(t, r, fn, map[string]any{"case": "errorempty"})
	if mustFail(t, res); string(res.Payload) != `{"errorType":"Function.Custom","errorMessage":""}` {
		t.Errorf("empty error: %s", res.Payload)
	}

	// aws-lambda-go's error trailers turn a response into an error.
	res = invoke(t, r, fn, map[string]any{"case": "errortrailer"})
	if mustFail(t, res); string(res.Payload) != `{"errorMessage":"stream broke","errorType":"ReadError"}` {
		t.Errorf("trailer error: %s", res.Payload)
	}

	res = invoke(t, r, fn, map[string]any{"case": "echo", "v": 1})
	mustSucceed(t, res)
	checkPlatformLines(t, res, false)
}

func TestRuntimeAPIInitError(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := fakeRuntimeFunction(t, "initerror", "initerror")
	start := time.Now()
	res := invoke(t, r, fn, map[string]any{})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("init error took %v", elapsed)
	}
	if mustFail(t, res); !res.InitError ||
		string(res.Payload) != `{"errorMessage":"no handler","errorType":"Runtime.Custom","stackTrace":[]}` {
		t.Fatalf("init error: %s", res.Payload)
	}
	log := string(res.Log)
	if !strings.HasPrefix(log, "cannot load the handler\n") ||
		!strings.Contains(log, "\tStatus: error\tError Type: Runtime.Custom\nSTART RequestId: "+res.RequestID) {
		t.Errorf("log:\n%s", log)
	}
	// Every invocation retries the init.
	res2 := invoke(t, r, fn, map[string]any{})
	if !res2.InitError || res2.RequestID == res.RequestID {
		t.Fatalf("second invocation: %+v", res2)
	}
}

// apiHarness is a sandbox without a process, for driving the Runtime API
// handler directly.
type apiHarness struct {
	r  *Runner
	p  *pool
	sb *sandbox
}

func newAPIHarness(t testing.TB) *apiHarness {
	r := New(Options{})
	fn := Function{Name: "harness", Runtime: "provided.al2023"}.withDefaults()
	p := newPool(r, fn)
	sb := newSandbox(p, fn, p.gen, 1)
	sb.initialized = true
	sb.started = time.Now()
	p.sandboxes[sb] = struct{}{}
	t.Cleanup(func() { r.Close(); p.api.close() })
	return &apiHarness{r: r, p: p, sb: sb}
}

// dispatch makes an invocation current, as if the runtime had received it.
func (h *apiHarness) dispatch(id string) *invocation {
	inv := newInvocation(&h.sb.fn, []byte(`{}`), InvokeOptions{}, id)
	now := time.Now()
	inv.dispatched, inv.deadline = now, now.Add(time.Minute)
	h.sb.mu.Lock()
	h.sb.current = inv
	h.sb.mu.Unlock()
	return inv
}

func (h *apiHarness) serve(method, path string, body []byte, header http.Header, ctx context.Context) *httptest.ResponseRecorder {
	req := &http.Request{
		Method:     method,
		URL:        &url.URL{Path: path},
		Header:     header,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Proto:      "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1,
		ContentLength: int64(len(body)),
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req = req.WithContext(ctx)
	w := httptest.NewRecorder()
	serveRuntimeAPI(w, req, h.sb)
	return w
}

func TestRuntimeAPILateResponse(t *testing.T) {
	t.Parallel()
	h := newAPIHarness(t)
	inv := h.dispatch("late-1")
	// The invocation times out...
	if !h.sb.claim(inv, outcome{kind: outcomeTimeout, at: time.Now()}) {
		t.Fatal("claim failed")
	}
	h.p.recordTimeout(inv.id)
	// ... and the runtime answers afterwards.
	w := h.serve("POST", pathInvocation+"late-1/response", []byte(`"late"`), nil, context.Background())
	var body struct{ ErrorMessage, ErrorType string }
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != http.StatusForbidden || body.ErrorType != errInvalidStateTransition ||
		body.ErrorMessage != "Invocation late-1 has already timed out" {
		t.Fatalf("late response: %d %s", w.Code, w.Body)
	}
	// An ID never seen.
	w = h.serve("POST", pathInvocation+"other/error", []byte(`{}`), nil, context.Background())
	if w.Code != http.StatusForbidden {
		t.Fatalf("unknown id with no invocation: %d %s", w.Code, w.Body)
	}
}

func TestRuntimeAPINextAfterDisconnect(t *testing.T) {
	t.Parallel()
	h := newAPIHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the runtime hung up while waiting
	h.serve("GET", pathNext, nil, nil, ctx)
	h.p.mu.Lock()
	e, _ := h.p.popIdleLocked()
	h.p.mu.Unlock()
	if e != nil {
		t.Fatal("an abandoned /next is still offered to invocations")
	}
}

// FuzzRuntimeAPI throws arbitrary requests at the Runtime API handler, with
// an invocation in flight. It must never panic.
func FuzzRuntimeAPI(f *testing.F) {
	f.Add("GET", pathNext, []byte(nil), "")
	f.Add("POST", pathInvocation+"req-1/response", []byte(`{"ok":true}`), "")
	f.Add("POST", pathInvocation+"req-1/error", []byte(`{"errorMessage":"x","errorType":"Y"}`), "Function.Bad")
	f.Add("POST", pathInvocation+"req-2/response", []byte(`1`), "")
	f.Add("POST", pathInitError, []byte(`{"errorType":"Runtime.X"}`), "Runtime.X")
	f.Add("POST", pathInvocation+"/response", []byte{}, "")
	f.Add("PUT", "/2018-06-01/runtime/invocation/req-1/response/extra", []byte{0xff}, "\x00")
	f.Add("POST", "/2020-01-01/extension/register", []byte(`{"events":[]}`), "")
	f.Fuzz(func(t *testing.T, method, path string, body []byte, errType string) {
		h := newAPIHarness(t)
		h.dispatch("req-1")
		hdr := http.Header{}
		if errType != "" {
			hdr["Lambda-Runtime-Function-Error-Type"] = []string{errType}
			hdr["Lambda-Runtime-Function-Response-Mode"] = []string{errType}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a GET /next parks and leaves at once
		w := h.serve(method, path, body, hdr, ctx)
		switch w.Code {
		case 200, 202, 400, 403, 404, 405, 413, 500:
		default:
			t.Fatalf("unexpected status %d", w.Code)
		}
		if w.Code >= 400 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("error body is not JSON: %q", w.Body)
		}
	})
}
