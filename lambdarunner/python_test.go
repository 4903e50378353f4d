//go:build unix

package lambdarunner

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// pythonFunction returns a function running a handler of testdata/python.
func pythonFunction(t testing.TB, name, handler string) *Function {
	t.Helper()
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir, err := filepath.Abs(filepath.Join("testdata", "python"))
	if err != nil {
		t.Fatal(err)
	}
	return &Function{Name: name, Runtime: "python3.12", Handler: handler, CodeDir: dir}
}

func TestPythonHandler(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := pythonFunction(t, "py-ok", "app.handler")
	fn.Env = map[string]string{"GREETING": "hi"}
	res := invoke(t, r, fn, map[string]any{"k": []any{1, "ü"}}, InvokeOptions{
		ClientContext: `{"custom":{"a":"b"}}`,
		Identity:      `{"cognitoIdentityId":"cid","cognitoIdentityPoolId":"pool"}`,
	})
	mustSucceed(t, res)
	got := decode[map[string]any](t, res)
	want := map[string]any{
		"function_name":         "py-ok",
		"function_version":      "$LATEST",
		"invoked_function_arn":  "arn:aws:lambda:us-east-1:000000000000:function:py-ok",
		"memory_limit_in_mb":    "128", // a string, as in awslambdaric
		"aws_request_id":        res.RequestID,
		"log_group_name":        "/aws/lambda/py-ok",
		"cognito_identity_id":   "cid",
		"client_context_custom": map[string]any{"a": "b"},
	}
	for k, v := range want {
		if !equalJSON(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if !equalJSON(got["event"], map[string]any{"k": []any{1.0, "ü"}}) {
		t.Errorf("event = %#v", got["event"])
	}
	if ms, _ := got["remaining_ms"].(float64); ms <= 0 || ms > 3000 {
		t.Errorf("remaining_ms = %v", got["remaining_ms"])
	}
	if s, _ := got["trace_id"].(string); !strings.HasPrefix(s, "Root=1-") {
		t.Errorf("trace id = %v", got["trace_id"])
	}
	env, _ := got["env"].(map[string]any)
	if env["AWS_EXECUTION_ENV"] != "AWS_Lambda_python3.12" || env["GREETING"] != "hi" || env["HOME"] != nil {
		t.Errorf("env: %v", env)
	}
	// python3.12 keeps unicode unescaped, like awslambdaric.
	if !strings.Contains(string(res.Payload), `"ü"`) {
		t.Errorf("payload %s", res.Payload)
	}

	checkPlatformLines(t, res, true)
	log := string(res.Log)
	if !strings.HasPrefix(log, "app module loaded\nSTART ") {
		t.Errorf("init output should precede START:\n%s", log)
	}
	warn := regexp.MustCompile(`(?m)^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + res.RequestID + `\ta warning with args$`)
	if !strings.Contains(log, "\nhello from python\n") || !warn.MatchString(log) {
		t.Errorf("log:\n%s", log)
	}

	// Warm, with the module imported once.
	res = invoke(t, r, fn, map[string]any{})
	mustSucceed(t, res)
	checkPlatformLines(t, res, false)
	if strings.Contains(string(res.Log), "app module loaded") {
		t.Error("module imported twice")
	}
}

func TestPythonException(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := pythonFunction(t, "py-fail", "app.fail")
	res := invoke(t, r, fn, map[string]any{"value": 7})
	body := mustFail(t, res)
	if body.ErrorType != "ValueError" || body.ErrorMessage != "bad value: 7" || body.RequestID == nil || *body.RequestID != res.RequestID {
		t.Fatalf("error body %s", res.Payload)
	}
	trace, _ := body.StackTrace.([]any)
	if len(trace) != 2 || !strings.Contains(trace[0].(string), "app.py") || !strings.Contains(trace[1].(string), "in _inner") ||
		strings.Contains(string(res.Payload), "bootstrap.py") {
		t.Fatalf("stackTrace %v", body.StackTrace)
	}
	checkPlatformLines(t, res, true)
	if !strings.Contains(string(res.Log), "\n[ERROR] ValueError: bad value: 7\rTraceback (most recent call last):\r\u00a0\u00a0File ") {
		t.Errorf("log:\n%q", res.Log)
	}
	// The process survives a handled exception.
	res = invoke(t, r, fn, map[string]any{"value": 8})
	mustFail(t, res)
	checkPlatformLines(t, res, false)
}

func TestPythonRuntimeErrors(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	cases := []struct {
		handler, errType, msg string
	}{
		{"missing_module.handler", "Runtime.ImportModuleError", "Unable to import module 'missing_module': No module named 'missing_module'"},
		{"importerror.handler", "Runtime.ImportModuleError", "Unable to import module 'importerror': No module named 'doesnotexist'"},
		{"app.nothing", "Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'app'"},
		{"nodots", "Runtime.MalformedHandlerName", "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)"},
		{"syntaxerror.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'syntaxerror': "},
	}
	for _, c := range cases {
		t.Run(c.handler, func(t *testing.T) {
			t.Parallel()
			fn := pythonFunction(t, "py-"+strings.ReplaceAll(c.handler, ".", "-"), c.handler)
			start := time.Now()
			res := invoke(t, r, fn, map[string]any{})
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("init error took %v", elapsed)
			}
			body := mustFail(t, res)
			if !res.InitError || body.ErrorType != c.errType || !strings.HasPrefix(body.ErrorMessage, c.msg) {
				t.Fatalf("got %s (init %v)", res.Payload, res.InitError)
			}
			log := string(res.Log)
			if !strings.Contains(log, "[ERROR] "+c.errType+": ") ||
				!strings.Contains(log, "INIT_REPORT Init Duration: ") || !strings.Contains(log, "\tError Type: "+c.errType+"\n") ||
				!strings.Contains(log, "LAMBDA_WARNING: Unhandled exception.") {
				t.Errorf("log:\n%s", log)
			}
			checkPlatformLines(t, res, false)
		})
	}
}

func TestPythonNestedModuleAndMarshalling(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	res := invoke(t, r, pythonFunction(t, "py-nested", "pkg.sub.mod.handler"), "plain string event")
	mustSucceed(t, res)
	if got := decode[map[string]any](t, res); got["module"] != "pkg.sub.mod" || got["event"] != "plain string event" {
		t.Fatalf("nested: %s", res.Payload)
	}
	// The slash form is accepted too.
	res = invoke(t, r, pythonFunction(t, "py-nested-slash", "pkg/sub/mod.handler"), 1)
	mustSucceed(t, res)

	res = invoke(t, r, pythonFunction(t, "py-bytes", "app.returns_bytes"), nil)
	mustSucceed(t, res)
	if string(res.Payload) != "\x00raw bytes\xff" {
		t.Fatalf("bytes: %q", res.Payload)
	}

	res = invoke(t, r, pythonFunction(t, "py-marshal", "app.not_serializable"), nil)
	if body := mustFail(t, res); body.ErrorType != "Runtime.MarshalError" ||
		!strings.HasPrefix(body.ErrorMessage, "Unable to marshal response: ") {
		t.Fatalf("marshal: %s", res.Payload)
	}

	fn := pythonFunction(t, "py-unmarshal", "app.handler")
	out, err := r.Invoke(t.Context(), fn, []byte("{not json"), InvokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if body := mustFail(t, out); body.ErrorType != "Runtime.UnmarshalError" ||
		!strings.HasPrefix(body.ErrorMessage, "Unable to unmarshal input: ") {
		t.Fatalf("unmarshal: %s", out.Payload)
	}
}

func TestPythonTimeoutAndExit(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := pythonFunction(t, "py-sleepy", "app.sleepy")
	fn.Timeout = 700 * time.Millisecond
	res := invoke(t, r, fn, nil)
	if mustFail(t, res); !regexp.MustCompile(`Task timed out after (0\.[7-9]|[1-3]\.)\d\d? seconds"}$`).Match(res.Payload) ||
		!strings.Contains(string(res.Log), "\nsleeping\n") {
		t.Fatalf("timeout: %s\n%s", res.Payload, res.Log)
	}
	res = invoke(t, r, pythonFunction(t, "py-exits", "app.exits"), nil)
	if body := mustFail(t, res); body.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(body.ErrorMessage, "exit status 7") {
		t.Fatalf("exit: %s", res.Payload)
	}
}

// equalJSON compares values after a JSON-like normalisation of numbers.
func equalJSON(a, b any) bool {
	switch b := b.(type) {
	case map[string]any:
		am, ok := a.(map[string]any)
		if !ok || len(am) != len(b) {
			return false
		}
		for k, v := range b {
			if !equalJSON(am[k], v) {
				return false
			}
		}
		return true
	case []any:
		as, ok := a.([]any)
		if !ok || len(as) != len(b) {
			return false
		}
		for i := range b {
			if !equalJSON(as[i], b[i]) {
				return false
			}
		}
		return true
	case int:
		f, ok := a.(float64)
		return ok && f == float64(b)
	}
	return a == b
}

// A handler naming a module outside the code directory never loads it:
// slashes become dots, as in awslambdaric, so "../evil" is a relative import
// Python refuses (a TypeError at init, reported as Runtime.Unknown) and
// "a/../../evil" a module "a" that does not exist.
func TestPythonHandlerOutsideCodeDir(t *testing.T) {
	t.Parallel()
	testtool.LookPath(t, "python3", "apt-get install python3")
	root := t.TempDir()
	code := filepath.Join(root, "code")
	if err := os.Mkdir(code, 0o755); err != nil {
		t.Fatal(err)
	}
	evil := "print('ESCAPED')\ndef handler(event, context):\n    return 'ESCAPED'\n"
	if err := os.WriteFile(filepath.Join(root, "evil.py"), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, Options{})
	cases := []struct{ handler, errType, msg string }{
		{"../evil.handler", "TypeError", "the 'package' argument is required to perform a relative import for '...evil'"},
		{root + "/evil.handler", "TypeError", "the 'package' argument is required to perform a relative import for '" + strings.ReplaceAll(root, "/", ".") + ".evil'"},
		{"a/../../evil.handler", "Runtime.ImportModuleError", "Unable to import module 'a/../../evil': No module named 'a'"},
	}
	for i, c := range cases {
		fn := &Function{Name: "py-outside-" + strconv.Itoa(i), Runtime: "python3.12", Handler: c.handler, CodeDir: code}
		res := invoke(t, r, fn, map[string]any{})
		body := mustFail(t, res)
		if !res.InitError || body.ErrorType != c.errType || body.ErrorMessage != c.msg {
			t.Errorf("%s: got %s (init %v)", c.handler, res.Payload, res.InitError)
		}
		if strings.Contains(string(res.Log), "ESCAPED") {
			t.Errorf("%s: the module outside the code directory ran:\n%s", c.handler, res.Log)
		}
	}
}

// A python3.12 function on an older host Python gets one warning per
// function, not one per process; a host as new as the runtime gets none.
func TestPythonOlderHostWarnsOnce(t *testing.T) {
	t.Parallel()
	real := testtool.LookPath(t, "python3", "apt-get install python3")
	for _, c := range []struct {
		host string
		warn bool
	}{{"3.8", true}, {"3.12", false}, {"3.13", false}} {
		// A python3 that reports the version c.host and runs the real one.
		wrapper := filepath.Join(t.TempDir(), "python3")
		script := "#!/bin/sh\nif [ \"$1\" = -c ]; then echo \"$0\"; echo " + c.host + "; exit 0; fi\nexec " + real + " \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		var logs testtool.Buffer
		r := newRunner(t, Options{Python: wrapper, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		fn := pythonFunction(t, "py-version", "app.handler")
		mustSucceed(t, invoke(t, r, fn, map[string]any{}, InvokeOptions{}))
		r.Reset("py-version") // a second process
		mustSucceed(t, invoke(t, r, fn, map[string]any{}, InvokeOptions{}))
		n := strings.Count(logs.String(), "the function declares python3.12 but runs on the host's Python "+c.host+", which is older")
		if want := map[bool]int{true: 1, false: 0}[c.warn]; n != want {
			t.Errorf("host %s: %d warnings, want %d:\n%s", c.host, n, want, logs.String())
		}
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"3.9", "3.11", true}, {"3.11", "3.9", false}, {"3.12", "3.12", false}, {"18", "20", true}, {"22", "20", false}, {"", "3.12", false}, {"x", "3", false}} {
		if got := versionLess(c.a, c.b); got != c.want {
			t.Errorf("versionLess(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
