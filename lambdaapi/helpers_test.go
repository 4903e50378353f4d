package lambdaapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/statestore"
)

const (
	account = "000000000000"
	role    = "arn:aws:iam::000000000000:role/lambda-role"
)

// pyApp is the Python module of the test functions.
const pyApp = `import json, os

def handler(event, context):
    print("handling", json.dumps(event))
    return {"echo": event}

def fail(event, context):
    raise ValueError("boom")

def env(event, context):
    return {k: os.environ.get(k) for k in event["keys"]}

def touch(event, context):
    with open(event["path"], "w") as f:
        f.write("done")
    return None
`

// env is one Service behind an httptest server, with SDK clients.
type env struct {
	t       *testing.T
	state   *statestore.DB // the state store, kept across restarts
	runner  *lambdarunner.Runner
	svc     *lambdaapi.Service
	srv     *httptest.Server
	codeDir string
	client  *lambda.Client // us-east-1

	mu      sync.Mutex
	objects map[string][]byte // bucket/key → object, for Config.GetObject
}

// s3Error mimics an S3 API error as the built-in S3 reports it.
type s3Error struct{ code, msg string }

func (e s3Error) Error() string     { return e.msg }
func (e s3Error) ErrorCode() string { return e.code }

func newEnv(t *testing.T, codeDir string) *env {
	t.Helper()
	if codeDir == "" {
		codeDir = t.TempDir()
	}
	e := &env{t: t, codeDir: codeDir, objects: map[string][]byte{}}
	state, err := statestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.state = state
	t.Cleanup(func() { state.Close() }) // after the service's, which come later
	e.runner = lambdarunner.New(lambdarunner.Options{})
	t.Cleanup(func() { e.runner.Close() })
	e.start()
	return e
}

// start (re)creates the Service over the same runner and CodeDir.
func (e *env) start() {
	t := e.t
	svc, err := lambdaapi.New(lambdaapi.Config{
		Runner:        e.runner,
		CodeDir:       e.codeDir,
		State:         e.state.Handle("lambda"),
		DefaultRegion: "us-east-1",
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		GetObject: func(ctx context.Context, bucket, key string) ([]byte, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			b, ok := e.objects[bucket+"/"+key]
			if !ok {
				return nil, s3Error{"NoSuchKey", "The specified key does not exist."}
			}
			return b, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	mux := http.NewServeMux()
	mux.Handle("/2015-03-31/", svc.Handler())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.srv.Close()
		svc.Close()
	})
	e.client = e.clientFor("us-east-1")
}

func (e *env) putObject(key string, b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.objects[key] = b
}

func (e *env) clientFor(region string) *lambda.Client {
	return lambda.NewFromConfig(aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *lambda.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pyZip(t testing.TB) []byte { return zipOf(t, map[string]string{"app.py": pyApp}) }

// create creates a python3.12 function from pyApp with handler app.<fn>.
func (e *env) create(name, fn string) *lambda.CreateFunctionOutput {
	e.t.Helper()
	out, err := e.client.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(role),
		Runtime:      types.RuntimePython312,
		Handler:      aws.String("app." + fn),
		Code:         &types.FunctionCode{ZipFile: pyZip(e.t)},
	})
	if err != nil {
		e.t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

func (e *env) invoke(in *lambda.InvokeInput) *lambda.InvokeOutput {
	e.t.Helper()
	out, err := e.client.Invoke(context.Background(), in)
	if err != nil {
		e.t.Fatalf("Invoke %s: %v", aws.ToString(in.FunctionName), err)
	}
	return out
}

// raw sends an unsigned request (region: the default) and returns the
// response and its body.
func (e *env) raw(method, path string, header http.Header, body io.Reader) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// wantAPIError checks an SDK error's code, HTTP status and message.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status %d, want %d", code, re.HTTPStatusCode(), status)
	}
}

func arn(region, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
