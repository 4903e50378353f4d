//go:build unix

package lambdarunner

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// nodeFunction returns a function running a handler under testdata/node/dir.
func nodeFunction(t testing.TB, name, dir, handler string) *Function {
	t.Helper()
	testtool.LookPath(t, "node", "apt-get install nodejs")
	abs, err := filepath.Abs(filepath.Join("testdata", "node", dir))
	if err != nil {
		t.Fatal(err)
	}
	return &Function{Name: name, Runtime: "nodejs20.x", Handler: handler, CodeDir: abs}
}

func TestNodeCommonJSAsync(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := nodeFunction(t, "node-cjs", "cjs", "index.handler")
	res := invoke(t, r, fn, map[string]any{"x": 1}, InvokeOptions{
		ClientContext: `{"custom":{"a":"b"}}`,
		Identity:      `{"cognitoIdentityId":"cid"}`,
	})
	mustSucceed(t, res)
	got := decode[map[string]any](t, res)
	want := map[string]any{
		"event":                          map[string]any{"x": 1},
		"functionName":                   "node-cjs",
		"functionVersion":                "$LATEST",
		"invokedFunctionArn":             "arn:aws:lambda:us-east-1:000000000000:function:node-cjs",
		"memoryLimitInMB":                "128",
		"awsRequestId":                   res.RequestID,
		"logGroupName":                   "/aws/lambda/node-cjs",
		"identity":                       map[string]any{"cognitoIdentityId": "cid"},
		"clientContext":                  map[string]any{"custom": map[string]any{"a": "b"}},
		"callbackWaitsForEmptyEventLoop": true,
	}
	for k, v := range want {
		if !equalJSON(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if ms, _ := got["remaining"].(float64); ms <= 0 || ms > 3000 {
		t.Errorf("remaining = %v", got["remaining"])
	}
	if s, _ := got["logStreamName"].(string); !logStreamPattern.MatchString(s) {
		t.Errorf("logStreamName = %v", got["logStreamName"])
	}
	checkPlatformLines(t, res, true)
	line := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + res.RequestID + `\tINFO\thello from node \{ n: 1 \}$`)
	if !line.Match(res.Log) {
		t.Errorf("log:\n%s", res.Log)
	}

	res2 := invoke(t, r, fn, nil)
	mustSucceed(t, res2)
	checkPlatformLines(t, res2, false)
	if decode[map[string]any](t, res2)["pid"] != got["pid"] {
		t.Error("warm invocation used a new process")
	}

	res = invoke(t, r, nodeFunction(t, "node-nested", "cjs", "index.nested.deeper.handler"), nil)
	if mustSucceed(t, res); string(res.Payload) != `"nested export"` {
		t.Errorf("nested export: %s", res.Payload)
	}
}

func TestNodeCallbackHandlers(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	res := invoke(t, r, nodeFunction(t, "node-cb", "cjs", "callback.handler"), "ev")
	mustSucceed(t, res)
	if got := decode[map[string]any](t, res); got["via"] != "callback" || got["event"] != "ev" {
		t.Fatalf("callback: %s", res.Payload)
	}

	// callbackWaitsForEmptyEventLoop: the response waits for the timer...
	pending := nodeFunction(t, "node-pending", "cjs", "callback.pending")
	res = invoke(t, r, pending, map[string]any{"wait": true, "ms": 400})
	mustSucceed(t, res)
	if res.Duration < 400*time.Millisecond || !strings.Contains(string(res.Log), "\tINFO\ttimer fired\n") {
		t.Fatalf("waiting callback answered after %v; log:\n%s", res.Duration, res.Log)
	}
	// ... unless it is false.
	res = invoke(t, r, pending, map[string]any{"wait": false, "ms": 3000})
	mustSucceed(t, res)
	if res.Duration >= 3*time.Second || string(res.Payload) != `"done"` {
		t.Fatalf("non-waiting callback answered after %v: %s", res.Duration, res.Payload)
	}

	res = invoke(t, r, nodeFunction(t, "node-cb-fail", "cjs", "callback.fails"), nil)
	if body := mustFail(t, res); body.ErrorType != "Error" || body.ErrorMessage != "callback error" ||
		len(body.Trace) == 0 || body.Trace[0] != "Error: callback error" {
		t.Fatalf("callback error: %s", res.Payload)
	}
	if !strings.Contains(string(res.Log), "\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"callback error\"") {
		t.Errorf("log:\n%s", res.Log)
	}

	// A sync handler that never calls back answers null.
	res = invoke(t, r, nodeFunction(t, "node-sync", "cjs", "callback.sync"), nil)
	if mustSucceed(t, res); string(res.Payload) != "null" {
		t.Fatalf("sync handler: %s", res.Payload)
	}
}

func TestNodeESModules(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	res := invoke(t, r, nodeFunction(t, "node-mjs", "esm", "index.handler"), 5)
	mustSucceed(t, res)
	if got := decode[map[string]any](t, res); got["esm"] != true || got["requestId"] != res.RequestID || got["event"] != 5.0 {
		t.Fatalf("mjs: %s", res.Payload)
	}
	res = invoke(t, r, nodeFunction(t, "node-type-module", "esmtype", "index.handler"), "x")
	mustSucceed(t, res)
	if got := decode[map[string]any](t, res); got["typeModule"] != true || got["sep"] != "/" {
		t.Fatalf("type module: %s", res.Payload)
	}
}

func TestNodeErrors(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	res := invoke(t, r, nodeFunction(t, "node-throw", "cjs", "index.thrower"), nil)
	body := mustFail(t, res)
	if body.ErrorType != "TypeError" || body.ErrorMessage != "bad thing" || len(body.Trace) < 2 ||
		body.Trace[0] != "TypeError: bad thing" || !strings.Contains(body.Trace[1], "index.js") {
		t.Fatalf("thrown error: %s", res.Payload)
	}
	checkPlatformLines(t, res, true)

	cases := []struct{ dir, handler, errType, msg string }{
		{"cjs", "index.nothing", "Runtime.HandlerNotFound", "index.nothing is undefined or not exported"},
		{"cjs", "index.notAFunction", "Runtime.HandlerNotFound", "index.notAFunction is not a function"},
		{"cjs", "nope.handler", "Runtime.ImportModuleError", "Error: Cannot find module 'nope'"},
		{"cjs", "nodots", "Runtime.MalformedHandlerName", "Bad handler"},
		// As Lambda's Node.js runtime: no module path out of the code directory.
		{"cjs", "../cjs/index.handler", "Runtime.MalformedHandlerName",
			"'../cjs/index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names."},
	}
	for _, c := range cases {
		name := "node-" + strings.NewReplacer(".", "-", "/", "-").Replace(c.handler)
		res := invoke(t, r, nodeFunction(t, name, c.dir, c.handler), nil)
		body := mustFail(t, res)
		if !res.InitError || body.ErrorType != c.errType || !strings.HasPrefix(body.ErrorMessage, c.msg) {
			t.Errorf("%s: %s", c.handler, res.Payload)
			continue
		}
		if !strings.Contains(string(res.Log), "\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\""+c.errType+"\"") {
			t.Errorf("%s log:\n%s", c.handler, res.Log)
		}
	}

	// An exception thrown outside the handler's promise ends the process.
	crash := nodeFunction(t, "node-crash", "cjs", "index.crashLater")
	res = invoke(t, r, crash, nil)
	if body := mustFail(t, res); body.ErrorType != "Error" || body.ErrorMessage != "uncaught in a timer" {
		t.Fatalf("uncaught: %s", res.Payload)
	}
	res = invoke(t, r, crash, nil)
	mustFail(t, res)
	checkPlatformLines(t, res, true) // the process exited (129) and was replaced
}
