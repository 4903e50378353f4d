//go:build unix

package lambdarunner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// goBootstrapDir holds the aws-lambda-go test function, built once by
// TestMain from testdata/gohandler.
var (
	goBootstrapDir string
	goBuildErr     error
)

func TestMain(m *testing.M) {
	if mode := os.Getenv("LAMBDARUNNER_FAKE_RUNTIME"); mode != "" {
		// The test binary doubles as a scripted runtime (fakeruntime_test.go).
		os.Exit(runFakeRuntime(mode))
	}
	dir, err := os.MkdirTemp("", "lambdarunner-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goBootstrapDir = dir
	goBuildErr = buildGoHandler(dir)
	code := m.Run()
	// No goroutine may outlive the tests: every runner, process and
	// connection they start must be stopped by their end.
	if code == 0 {
		if err := leakcheck.Find(leakcheck.Wait); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildGoHandler compiles testdata/gohandler into dir/bootstrap, offline,
// from the module cache.
func buildGoHandler(dir string) error {
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), ".")
	cmd.Dir = filepath.Join("testdata", "gohandler")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("building the aws-lambda-go test handler: %v\n%s", err, out)
	}
	return nil
}

// goFunction returns a provided.al2023 function running the aws-lambda-go
// test handler.
func goFunction(t testing.TB, name string) *Function {
	t.Helper()
	if goBuildErr != nil {
		t.Fatal(goBuildErr) // go is here: a build failure is a failure
	}
	return &Function{Name: name, Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: goBootstrapDir}
}

// newRunner returns a Runner closed at the end of the test, logging to the
// test log.
func newRunner(t testing.TB, opts Options) *Runner {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.SettleTimeout == 0 {
		// Tests that check a warm process is reused must not see a cold
		// start because a loaded CI machine was slow to get the runtime
		// back to GET /next.
		opts.SettleTimeout = time.Minute
	}
	r := New(opts)
	t.Cleanup(func() { r.Close() })
	return r
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// invoke calls r.Invoke with a JSON-encoded event and fails on an emulator
// error.
func invoke(t testing.TB, r *Runner, fn *Function, event any, opts ...InvokeOptions) Result {
	t.Helper()
	var o InvokeOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := r.Invoke(ctx, fn, payload, o)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return res
}

// decode unmarshals a result payload.
func decode[T any](t testing.TB, res Result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.Payload, &v); err != nil {
		t.Fatalf("payload %q: %v (log:\n%s)", res.Payload, err, res.Log)
	}
	return v
}

// mustSucceed fails unless res is a success.
func mustSucceed(t testing.TB, res Result) {
	t.Helper()
	if res.FunctionError != "" || res.InitError || res.Failure != FailureNone {
		t.Fatalf("function error %q (init %v, %v): %s\nlog:\n%s", res.FunctionError, res.InitError, res.Failure, res.Payload, res.Log)
	}
}

// errBody is the union of the error bodies of all runtimes.
type errBody struct {
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType"`
	RequestID    *string  `json:"requestId"`
	StackTrace   any      `json:"stackTrace"`
	Trace        []string `json:"trace"`
}

// mustFail fails unless res is a function error and returns its body.
func mustFail(t testing.TB, res Result) errBody {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled; payload %s\nlog:\n%s", res.FunctionError, res.Payload, res.Log)
	}
	return decode[errBody](t, res)
}

// logLines splits a Result.Log.
func logLines(res Result) []string {
	return strings.Split(strings.TrimSuffix(string(res.Log), "\n"), "\n")
}

// checkPlatformLines verifies START first... END, REPORT last in Lambda's
// format, and returns the REPORT line.
func checkPlatformLines(t testing.TB, res Result, wantInit bool) string {
	t.Helper()
	lines := logLines(res)
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "START ") {
			start = i
			break
		}
	}
	if start < 0 || lines[start] != "START RequestId: "+res.RequestID+" Version: $LATEST" {
		t.Fatalf("no START line for %s in log:\n%s", res.RequestID, res.Log)
	}
	n := len(lines)
	if n < 2 || lines[n-2] != "END RequestId: "+res.RequestID {
		t.Fatalf("END line missing or misplaced in log:\n%s", res.Log)
	}
	report := lines[n-1]
	if !reportPattern.MatchString(report) || !strings.HasPrefix(report, "REPORT RequestId: "+res.RequestID+"\t") {
		t.Fatalf("bad REPORT line %q", report)
	}
	if got := strings.Contains(report, "\tInit Duration: "); got != wantInit {
		t.Fatalf("REPORT %q: Init Duration present = %v, want %v", report, got, wantInit)
	}
	return report
}

// processGone reports whether pid no longer runs (gone or a zombie awaiting
// a reaper that is not us).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && len(b) > i+2 {
		return b[i+2] == 'Z'
	}
	return false
}

// waitGone polls until pid is gone; process death is asynchronous to us
// when pid is not our child.
func waitGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sinkRecorder is a LogSink that keeps every line.
type sinkRecorder struct {
	mu    sync.Mutex
	lines []string // "function|stream|line"
}

func (s *sinkRecorder) sink(function, stream, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, function+"|"+stream+"|"+line)
}

func (s *sinkRecorder) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// writeFiles creates files (path -> content) under a new temp dir.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if filepath.Base(name) == "bootstrap" || strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reportPattern is Lambda's REPORT line: tab-separated fields, a trailing
// tab, optional Init Duration and failure status.
var reportPattern = regexp.MustCompile(`^REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?(Status: (timeout|error(\tError Type: \S+)?))?$`)
