//go:build unix

package lambdarunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// info mirrors testdata/gohandler's Info.
type info struct {
	Value              any               `json:"value"`
	PID                int               `json:"pid"`
	RequestID          string            `json:"requestId"`
	InvokedFunctionArn string            `json:"invokedFunctionArn"`
	DeadlineMs         int64             `json:"deadlineMs"`
	FunctionName       string            `json:"functionName"`
	FunctionVersion    string            `json:"functionVersion"`
	MemoryLimitInMB    int               `json:"memoryLimitInMB"`
	LogGroupName       string            `json:"logGroupName"`
	LogStreamName      string            `json:"logStreamName"`
	ClientContext      map[string]string `json:"clientContextCustom"`
	CognitoIdentityID  string            `json:"cognitoIdentityId"`
	TraceID            string            `json:"traceId"`
	Env                map[string]string `json:"env"`
	Cwd                string            `json:"cwd"`
}

var logStreamPattern = regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`)

func TestGoEchoRoundTrip(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "echo")
	value := map[string]any{"n": 1.5, "s": "héllo <&>", "list": []any{"a", true, nil}}

	res := invoke(t, r, fn, map[string]any{"action": "echo", "value": value})
	mustSucceed(t, res)
	if got := decode[map[string]any](t, res); fmt.Sprint(got) != fmt.Sprint(value) {
		t.Fatalf("echo = %v, want %v", got, value)
	}
	checkPlatformLines(t, res, true) // cold start

	res2 := invoke(t, r, fn, map[string]any{"action": "echo", "value": "again"})
	mustSucceed(t, res2)
	if got := decode[string](t, res2); got != "again" {
		t.Fatalf("second echo = %q", got)
	}
	checkPlatformLines(t, res2, false) // warm
	if res.RequestID == res2.RequestID || res.RequestID == "" {
		t.Fatalf("request IDs %q and %q", res.RequestID, res2.RequestID)
	}
}

func TestGoInvokeHeaders(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "headers")
	fn.Timeout = 7 * time.Second
	fn.MemoryMB = 256
	fn.Region, fn.Account = "eu-west-1", "123456789012"

	before := time.Now()
	res := invoke(t, r, fn, map[string]any{"action": "info"}, InvokeOptions{
		RequestID:     "11111111-2222-3333-4444-555555555555",
		ClientContext: `{"custom": {"k": "v"}}`,
		Identity:      `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
		TraceID:       "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
	})
	mustSucceed(t, res)
	got := decode[info](t, res)
	if got.RequestID != "11111111-2222-3333-4444-555555555555" || res.RequestID != got.RequestID {
		t.Errorf("request id: handler saw %q, result %q", got.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:eu-west-1:123456789012:function:headers"; got.InvokedFunctionArn != want {
		t.Errorf("function ARN = %q, want %q", got.InvokedFunctionArn, want)
	}
	if lo, hi := before.Add(7*time.Second).UnixMilli(), time.Now().Add(7*time.Second).UnixMilli(); got.DeadlineMs < lo || got.DeadlineMs > hi {
		t.Errorf("deadline %d not in [%d, %d]", got.DeadlineMs, lo, hi)
	}
	if got.ClientContext["k"] != "v" || got.CognitoIdentityID != "id-1" {
		t.Errorf("client context %v, identity %q", got.ClientContext, got.CognitoIdentityID)
	}
	if !strings.HasPrefix(got.TraceID, "Root=1-5bef4de7-") {
		t.Errorf("trace id = %q", got.TraceID)
	}
	if got.FunctionName != "headers" || got.FunctionVersion != "$LATEST" || got.MemoryLimitInMB != 256 ||
		got.LogGroupName != "/aws/lambda/headers" || !logStreamPattern.MatchString(got.LogStreamName) {
		t.Errorf("lambdacontext: %+v", got)
	}
	report := checkPlatformLines(t, res, true)
	if !strings.Contains(report, "\tMemory Size: 256 MB\t") {
		t.Errorf("REPORT %q", report)
	}

	// With a qualifier the ARN carries it.
	res = invoke(t, r, fn, map[string]any{"action": "info"}, InvokeOptions{Qualifier: "live"})
	if got := decode[info](t, res); !strings.HasSuffix(got.InvokedFunctionArn, ":function:headers:live") {
		t.Errorf("qualified ARN = %q", got.InvokedFunctionArn)
	}
}

func TestGoEnvironment(t *testing.T) {
	t.Setenv("FOO_SECRET", "do-not-leak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
	t.Setenv("_LAMBDA_SERVER_PORT", "12345")
	r := newRunner(t, Options{})
	fn := goFunction(t, "env")
	fn.Env = map[string]string{
		"MY_SETTING":                 "42",
		"AWS_REGION":                 "xx-evil-1", // reserved: ignored
		"_LAMBDA_SERVER_PORT":        "1",         // would switch aws-lambda-go to net/rpc
		"AWS_LAMBDA_MAX_CONCURRENCY": "4",
		"PATH":                       "/custom/bin:/usr/bin:/bin", // unreserved: allowed
	}
	res := invoke(t, r, fn, map[string]any{"action": "info"})
	mustSucceed(t, res)
	env := decode[info](t, res).Env

	for _, k := range []string{"FOO_SECRET", "HOME", "USER", "_LAMBDA_SERVER_PORT", "AWS_LAMBDA_MAX_CONCURRENCY",
		"_LAMBDA_TELEMETRY_LOG_FD", "AWS_EXECUTION_ENV", "GOFLAGS"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q must not be set", k, v)
		}
	}
	if env["AWS_SECRET_ACCESS_KEY"] == "host-secret" {
		t.Error("host credentials leaked")
	}
	want := map[string]string{
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                goBootstrapDir,
		"AWS_LAMBDA_FUNCTION_NAME":        "env",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/env",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_ACCESS_KEY_ID":               dummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           dummySecretAccessKey,
		"AWS_SESSION_TOKEN":               dummySessionToken,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"MY_SETTING":                      "42",
		"PATH":                            "/custom/bin:/usr/bin:/bin",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !logStreamPattern.MatchString(env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if env["LAMBDA_RUNTIME_DIR"] == "" {
		t.Error("LAMBDA_RUNTIME_DIR not set")
	}
	if cwd := decode[info](t, res).Cwd; cwd != goBootstrapDir {
		t.Errorf("cwd = %q, want %q", cwd, goBootstrapDir)
	}
}

func TestGoFunctionError(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "error")
	res := invoke(t, r, fn, map[string]any{"action": "error"})
	body := mustFail(t, res)
	if body.ErrorMessage != "boom" || body.ErrorType != "errorString" {
		t.Fatalf("error body %s", res.Payload)
	}
	if res.Failure != FailureFunction {
		t.Errorf("Failure = %v, want %v", res.Failure, FailureFunction)
	}
	checkPlatformLines(t, res, true)
	// A handled error keeps the process.
	res2 := invoke(t, r, fn, map[string]any{"action": "info"})
	mustSucceed(t, res2)
	checkPlatformLines(t, res2, false)
}

func TestGoPanic(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "panic")
	pid := decode[info](t, invoke(t, r, fn, map[string]any{"action": "info"})).PID

	res := invoke(t, r, fn, map[string]any{"action": "panic"})
	var body struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
		StackTrace   []struct {
			Path  string `json:"path"`
			Line  int    `json:"line"`
			Label string `json:"label"`
		} `json:"stackTrace"`
	}
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q", res.FunctionError)
	}
	if err := json.Unmarshal(res.Payload, &body); err != nil {
		t.Fatal(err)
	}
	if body.ErrorMessage != "handler panicked on purpose" || body.ErrorType != "string" || len(body.StackTrace) == 0 {
		t.Fatalf("panic body %s", res.Payload)
	}
	// aws-lambda-go exits after a panic: the next invocation cold-starts.
	res = invoke(t, r, fn, map[string]any{"action": "info"})
	mustSucceed(t, res)
	checkPlatformLines(t, res, true)
	if got := decode[info](t, res).PID; got == pid {
		t.Fatal("process was not replaced after the panic")
	}
	waitGone(t, pid)
}

func TestGoTimeout(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "timeout")
	fn.Timeout = 500 * time.Millisecond
	pid := decode[info](t, invoke(t, r, fn, map[string]any{"action": "info"})).PID

	start := time.Now()
	res := invoke(t, r, fn, map[string]any{"action": "sleep", "ms": 60000, "lines": []string{"about to sleep"}})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("timeout took %v", elapsed)
	}
	if res.FunctionError != "Unhandled" || res.Failure != FailureTimeout {
		t.Fatalf("FunctionError = %q, Failure = %v", res.FunctionError, res.Failure)
	}
	want := regexp.MustCompile(`^\{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ` + res.RequestID + ` Error: Task timed out after (\d+\.\d\d) seconds"\}$`)
	m := want.FindSubmatch(res.Payload)
	if m == nil {
		t.Fatalf("timeout payload %s", res.Payload)
	}
	// The seconds are the time elapsed, at least the timeout (more on a
	// loaded machine).
	if secs, _ := strconv.ParseFloat(string(m[1]), 64); secs < 0.5 || secs > 3 {
		t.Fatalf("timeout after %s seconds", m[1])
	}
	report := checkPlatformLines(t, res, false)
	if !strings.HasSuffix(report, "\tStatus: timeout") {
		t.Errorf("REPORT %q", report)
	}
	log := string(res.Log)
	if !strings.Contains(log, "\nabout to sleep\n") || !regexp.MustCompile(`Z `+res.RequestID+` Task timed out after `+string(m[1])+` seconds\nEND`).MatchString(log) {
		t.Errorf("log:\n%s", log)
	}
	waitGone(t, pid)

	// The process was killed; the next invocation starts a new one.
	res = invoke(t, r, fn, map[string]any{"action": "info"})
	mustSucceed(t, res)
	checkPlatformLines(t, res, true)
	if decode[info](t, res).PID == pid {
		t.Fatal("timed-out process reused")
	}
}

func TestGoExit(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "exit")
	res := invoke(t, r, fn, map[string]any{"action": "exit", "code": 3, "lines": []string{"bye"}})
	body := mustFail(t, res)
	if body.ErrorType != "Runtime.ExitError" ||
		body.ErrorMessage != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3" {
		t.Fatalf("exit body %s", res.Payload)
	}
	if res.InitError || res.Failure != FailureExit {
		t.Errorf("a crash during an invocation: InitError %v, Failure %v", res.InitError, res.Failure)
	}
	report := checkPlatformLines(t, res, true)
	if !strings.HasSuffix(report, "\tStatus: error\tError Type: Runtime.ExitError") {
		t.Errorf("REPORT %q", report)
	}
	if !strings.Contains(string(res.Log), "\nbye\nRequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3\nRuntime.ExitError\nEND ") {
		t.Errorf("log:\n%s", res.Log)
	}
	// Recovery.
	res = invoke(t, r, fn, map[string]any{"action": "echo", "value": 1})
	mustSucceed(t, res)
}

func TestGoResponseTooLarge(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "large")

	// 6 MB passes (the JSON string adds two quotes).
	res := invoke(t, r, fn, map[string]any{"action": "big", "size": 6*1024*1024 - 2})
	mustSucceed(t, res)
	if len(res.Payload) < 6*1024*1024 {
		t.Fatalf("payload of %d bytes", len(res.Payload))
	}

	res = invoke(t, r, fn, map[string]any{"action": "big", "size": 7 * 1024 * 1024})
	body := mustFail(t, res)
	if body.ErrorType != "Function.ResponseSizeTooLarge" ||
		body.ErrorMessage != fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (6291556 bytes).", 7*1024*1024+2) {
		t.Fatalf("body %s", res.Payload)
	}
	if res.Failure != FailureResponseTooLarge {
		t.Errorf("Failure = %v", res.Failure)
	}
	// aws-lambda-go exits on the 413; the function still works afterwards.
	res = invoke(t, r, fn, map[string]any{"action": "echo", "value": "ok"})
	mustSucceed(t, res)
}

func TestGoConcurrency(t *testing.T) {
	const n = 4
	r := newRunner(t, Options{Concurrency: n})
	fn := goFunction(t, "parallel")
	fn.Timeout = 10 * time.Second
	const sleep = 1500 * time.Millisecond

	start := time.Now()
	pids := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := invoke(t, r, fn, map[string]any{"action": "sleep", "ms": sleep.Milliseconds()})
			mustSucceed(t, res)
			pids[i] = decode[map[string]int](t, res)["pid"]
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if elapsed > 2*sleep {
		t.Fatalf("%d parallel invocations of %v took %v: not parallel", n, sleep, elapsed)
	}
	distinct := map[int]bool{}
	for _, p := range pids {
		distinct[p] = true
	}
	if len(distinct) != n {
		t.Fatalf("pids %v: want %d distinct processes", pids, n)
	}
}

func TestGoConcurrencyLimit(t *testing.T) {
	r := newRunner(t, Options{Concurrency: 2})
	fn := goFunction(t, "limited")
	var mu sync.Mutex
	pids := map[int]bool{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			res := invoke(t, r, fn, map[string]any{"action": "sleep", "ms": 200})
			mustSucceed(t, res)
			mu.Lock()
			pids[decode[map[string]int](t, res)["pid"]] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(pids) > 2 {
		t.Fatalf("%d processes for a concurrency of 2", len(pids))
	}
}

func TestGoLogs(t *testing.T) {
	t.Parallel()
	var rec sinkRecorder
	r := newRunner(t, Options{LogSink: rec.sink})
	fn := goFunction(t, "logs")

	var results []Result
	for i := range 3 {
		lines := []string{fmt.Sprintf("line %d.a", i), fmt.Sprintf("line %d.b\twith tab", i)}
		res := invoke(t, r, fn, map[string]any{"action": "echo", "value": i, "lines": lines})
		mustSucceed(t, res)
		checkPlatformLines(t, res, i == 0)
		got := logLines(res)
		if len(got) < 5 || got[len(got)-4] != lines[0] || got[len(got)-3] != lines[1] {
			t.Fatalf("invocation %d log:\n%s", i, res.Log)
		}
		results = append(results, res)
	}

	// The sink saw the same lines, in order, on one log stream.
	var want []string
	for _, res := range results {
		for _, l := range logLines(res) {
			if strings.HasPrefix(l, "START ") || strings.HasPrefix(l, "line ") ||
				strings.HasPrefix(l, "END ") || strings.HasPrefix(l, "REPORT ") {
				want = append(want, l)
			}
		}
	}
	var got []string
	stream := ""
	for _, e := range rec.all() {
		parts := strings.SplitN(e, "|", 3)
		if parts[0] != "logs" || !logStreamPattern.MatchString(parts[1]) {
			t.Fatalf("sink entry %q", e)
		}
		if stream == "" {
			stream = parts[1]
		} else if parts[1] != stream {
			t.Fatalf("two log streams for one process: %q, %q", stream, parts[1])
		}
		got = append(got, parts[2])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sink lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := goFunction(t, "reset")
	pid := decode[info](t, invoke(t, r, fn, map[string]any{"action": "info"})).PID
	if got := decode[info](t, invoke(t, r, fn, map[string]any{"action": "info"})).PID; got != pid {
		t.Fatal("warm invocation used another process")
	}
	r.Reset("reset")
	res := invoke(t, r, fn, map[string]any{"action": "info"})
	checkPlatformLines(t, res, true)
	if decode[info](t, res).PID == pid {
		t.Fatal("Reset kept the process")
	}
	waitGone(t, pid)

	// A configuration change replaces the processes too.
	pid = decode[info](t, res).PID
	fn.Env = map[string]string{"NEW": "1"}
	res = invoke(t, r, fn, map[string]any{"action": "info"})
	if got := decode[info](t, res); got.PID == pid || got.Env["NEW"] != "1" {
		t.Fatalf("configuration change: pid %d (old %d), NEW=%q", got.PID, pid, got.Env["NEW"])
	}
}

func TestCloseKillsEverything(t *testing.T) {
	t.Parallel()
	pidLines := make(chan int, 10)
	sink := func(_, _, line string) {
		var pid int
		if _, err := fmt.Sscanf(line, "pid %d", &pid); err == nil {
			pidLines <- pid
		}
	}
	r := New(Options{Concurrency: 3, ShutdownGrace: 500 * time.Millisecond, LogSink: sink})
	fn := goFunction(t, "close")
	fn.Timeout = time.Minute

	// An idle process that left a child behind in its process group...
	spawn := decode[map[string]int](t, invoke(t, r, fn, map[string]any{"action": "spawn"}))
	pids := []int{spawn["pid"], spawn["child"]}
	// ... and a busy one in a long invocation.
	busyErr := make(chan error, 1)
	go func() {
		_, err := r.Invoke(context.Background(), fn, []byte(`{"action":"sleep","ms":60000,"printPid":true}`), InvokeOptions{})
		busyErr <- err
	}()
	pids = append(pids, <-pidLines)

	start := time.Now()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("Close took %v", elapsed)
	}
	if err := <-busyErr; !errors.Is(err, ErrClosed) {
		t.Fatalf("busy invocation returned %v, want ErrClosed", err)
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}
	if _, err := r.Invoke(context.Background(), fn, []byte(`{}`), InvokeOptions{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Invoke after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestInvokeContextCancelled(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{Concurrency: 1})
	fn := goFunction(t, "cancel")
	fn.Timeout = 30 * time.Second
	go func() {
		// Occupies the only process.
		_, _ = r.Invoke(context.Background(), fn, []byte(`{"action":"sleep","ms":1500}`), InvokeOptions{})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	// Either waits for the busy process or for the cold start; both must
	// give up with ctx.
	_, err := r.Invoke(ctx, fn, []byte(`{"action":"sleep","ms":5000}`), InvokeOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("cancellation took %v", elapsed)
	}
	// The runner still works.
	res := invoke(t, r, fn, map[string]any{"action": "echo", "value": 1})
	mustSucceed(t, res)
}

func TestProvidedBootstrapProblems(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})

	missing := &Function{Name: "missing", Runtime: "provided.al2", CodeDir: t.TempDir()}
	res := invoke(t, r, missing, map[string]any{})
	body := mustFail(t, res)
	if !res.InitError || body.ErrorType != "Runtime.InvalidEntrypoint" ||
		!strings.Contains(body.ErrorMessage, "Couldn't find valid bootstrap(s): [") {
		t.Fatalf("missing bootstrap: %s", res.Payload)
	}
	if res.Failure != FailureInit {
		t.Errorf("missing bootstrap: Failure = %v", res.Failure)
	}
	checkPlatformLines(t, res, false)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noexec := &Function{Name: "noexec", Runtime: "provided.al2023", CodeDir: dir}
	res = invoke(t, r, noexec, map[string]any{})
	body = mustFail(t, res)
	if !res.InitError || body.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(body.ErrorMessage, "permission denied") {
		t.Fatalf("non-executable bootstrap: %s", res.Payload)
	}

	// A bootstrap that exits before its first /next.
	crash := &Function{Name: "crash", Runtime: "provided.al2023", CodeDir: writeFiles(t, map[string]string{
		"bootstrap": "#!/bin/sh\necho starting up\necho failing >&2\nexit 2\n",
	})}
	res = invoke(t, r, crash, map[string]any{})
	body = mustFail(t, res)
	if !res.InitError || body.ErrorType != "Runtime.ExitError" ||
		body.ErrorMessage != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 2" {
		t.Fatalf("crashing bootstrap: %s", res.Payload)
	}
	if res.Failure != FailureExit {
		t.Errorf("crashing bootstrap: Failure = %v", res.Failure)
	}
	if log := string(res.Log); !strings.HasPrefix(log, "starting up\nfailing\nINIT_REPORT Init Duration: ") ||
		!strings.Contains(log, "\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\nSTART ") {
		t.Fatalf("log:\n%s", log)
	}
	checkPlatformLines(t, res, false)

	// A bootstrap that never calls /next hits the init limit.
	r2 := newRunner(t, Options{InitTimeout: 300 * time.Millisecond})
	hang := &Function{Name: "hang", Runtime: "provided.al2023", Timeout: 300 * time.Millisecond,
		CodeDir: writeFiles(t, map[string]string{"bootstrap": "#!/bin/sh\nexec sleep 60\n"})}
	start := time.Now()
	res = invoke(t, r2, hang, map[string]any{})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("init timeout took %v", elapsed)
	}
	if !res.InitError || res.FunctionError != "Unhandled" ||
		!regexp.MustCompile(`Task timed out after \d+\.\d\d seconds"}$`).Match(res.Payload) {
		t.Fatalf("hanging init: %s", res.Payload)
	}
	if res.Failure != FailureTimeout {
		t.Errorf("hanging init: Failure = %v", res.Failure)
	}
}

func TestUnsupportedRuntime(t *testing.T) {
	t.Parallel()
	for _, rt := range []string{"provided.al2023", "provided.al2", "python3.9", "python3.13", "nodejs18.x", "nodejs22.x"} {
		if !SupportedRuntime(rt) {
			t.Errorf("SupportedRuntime(%q) = false", rt)
		}
	}
	for _, rt := range []string{"", "go1.x", "java21", "python2.7", "nodejs16.x", "ruby3.3"} {
		if SupportedRuntime(rt) {
			t.Errorf("SupportedRuntime(%q) = true", rt)
		}
	}
	r := newRunner(t, Options{})
	_, err := r.Invoke(context.Background(), &Function{Name: "x", Runtime: "java21"}, nil, InvokeOptions{})
	if !errors.Is(err, ErrUnsupportedRuntime) {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkGoInvokeWarm measures a warm round trip through the Runtime API
// to an aws-lambda-go function and back.
func BenchmarkGoInvokeWarm(b *testing.B) {
	r := newRunner(b, Options{Concurrency: 1})
	fn := goFunction(b, "bench")
	payload := []byte(`{"action":"echo","value":{"hello":"world"}}`)
	ctx := context.Background()
	if _, err := r.Invoke(ctx, fn, payload, InvokeOptions{}); err != nil { // cold start
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Invoke(ctx, fn, payload, InvokeOptions{})
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%v %s", err, res.Payload)
		}
	}
}
