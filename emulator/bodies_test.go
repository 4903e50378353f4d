package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// rawConn is one request written by hand on its own connection, so that its
// body can stop short of the length it announces.
type rawConn struct {
	net.Conn
	br  *bufio.Reader
	req *http.Request
}

// stallRequest sends req's request line and headers, announcing announced
// body bytes, then the first bytes of the body, and nothing more.
func stallRequest(t *testing.T, env *emulatortest.Env, req *http.Request, announced int64, first []byte) *rawConn {
	t.Helper()
	u, _ := url.Parse(env.URL)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), u.Host, announced)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(first)
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	return &rawConn{Conn: c, br: bufio.NewReader(c), req: req}
}

// answer waits at most within for the response, and then for the
// connection to be closed.
func (c *rawConn) answer(t *testing.T, within time.Duration) (*http.Response, string) {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(within))
	resp, err := http.ReadResponse(c.br, c.req)
	if err != nil {
		t.Fatalf("%s %s: no response within %v: %v", c.req.Method, c.req.URL, within, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := c.br.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s %s: answered %d %s, and the connection stays open (%v)", c.req.Method, c.req.URL, resp.StatusCode, body, err)
	}
	return resp, resp.Header.Get("X-Amzn-ErrorType") + " " + string(body)
}

// newRequest is an unsent request to env for stallRequest.
func newRequest(t *testing.T, env *emulatortest.Env, method, path string, header http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return req
}

// signRaw signs req as service for announced bytes with key and secret
// at time at, the way the SDK does; the payload hash is that of a body
// that is never sent whole.
func signRaw(t *testing.T, req *http.Request, announced int64, service, key, secret string, at time.Time) {
	t.Helper()
	req.ContentLength = announced
	hash := strings.Repeat("0", 64)
	if service == "s3" {
		hash = "UNSIGNED-PAYLOAD"
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := signer.SignHTTP(context.Background(), creds, req, hash, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

// bodyBytesInFlight scrapes firehose_local_request_body_bytes_in_flight.
func bodyBytesInFlight(t *testing.T, env *emulatortest.Env) (inFlight, throttled float64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
	if err := env.Sign(req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	found := 0
	for sc.Scan() {
		name, v, _ := strings.Cut(sc.Text(), " ")
		switch name {
		case "firehose_local_request_body_bytes_in_flight":
			inFlight, _ = strconv.ParseFloat(v, 64)
			found++
		case "firehose_local_request_body_throttled_total":
			throttled, _ = strconv.ParseFloat(v, 64)
			found++
		}
	}
	if found != 2 {
		t.Fatalf("GET /metrics (%d): no request body metrics", resp.StatusCode)
	}
	return inFlight, throttled
}

// waitInFlight polls the in-flight gauge until ok accepts it, for at most
// ten seconds.
func waitInFlight(t *testing.T, env *emulatortest.Env, what string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := bodyBytesInFlight(t, env)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request body bytes in flight: %v, want %s", v, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func healthy(t *testing.T, env *emulatortest.Env) {
	t.Helper()
	if code, body := httpGet(t, env.URL+"/_local/health"); code != 200 {
		t.Fatalf("health: %d %s", code, body)
	}
}

// With --auth sigv4, a request whose credential cannot be valid is refused
// before any of its body is read, and its connection closed, even when it
// announces a large body and stalls: on every API, for a missing, unknown,
// malformed, out-of-scope or badly dated credential. The body read deadline
// is a minute here: only the early refusal answers in time.
func TestAuthRefusesStalledBodiesUnread(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{
		Auth:            &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}},
		BodyReadTimeout: time.Minute,
	})
	jsonHeader := func(target string) http.Header {
		return http.Header{"X-Amz-Target": {target}, "Content-Type": {"application/x-amz-json-1.1"}}
	}
	routes := []struct {
		name, method, path, service string
		header                      http.Header
		announced                   int64
		json                        bool // JSON error codes (else S3's, or /_local's)
	}{
		{"firehose", "POST", "/", "firehose", jsonHeader("Firehose_20150804.PutRecordBatch"), 8 << 20, true},
		{"firehose, small", "POST", "/", "firehose", jsonHeader("Firehose_20150804.PutRecord"), 100 << 10, true},
		{"logs", "POST", "/", "logs", jsonHeader("Logs_20140328.PutLogEvents"), 8 << 20, true},
		{"lambda code", "POST", "/2015-03-31/functions", "lambda", http.Header{"Content-Type": {"application/json"}}, 70167211, true},
		{"lambda invoke, small", "POST", "/2015-03-31/functions/f/invocations", "lambda", http.Header{"Content-Type": {"application/json"}}, 100 << 10, true},
		{"s3 upload", "PUT", "/bucket/key", "s3", nil, 5 << 30, false},
		{"s3 upload, small", "PUT", "/bucket/small", "s3", nil, 100 << 10, false},
		{"s3 delete objects", "POST", "/bucket?delete", "s3", http.Header{"Content-Type": {"application/xml"}}, 16 << 20, false},
		{"admin", "POST", "/_local/flush", "firehose", nil, 100 << 10, false},
	}
	now := time.Now()
	problems := []struct {
		name             string
		prepare          func(req *http.Request, announced int64, service string)
		jsonCode, s3Code string
	}{
		{"unsigned", func(*http.Request, int64, string) {}, "MissingAuthenticationTokenException", "AccessDenied"},
		{"unknown key", func(req *http.Request, n int64, service string) {
			signRaw(t, req, n, service, "AKIDNOBODY", "secret", now)
		}, "UnrecognizedClientException", "InvalidAccessKeyId"},
		{"malformed", func(req *http.Request, n int64, service string) {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE")
			req.Header.Set("X-Amz-Date", now.UTC().Format("20060102T150405Z"))
		}, "IncompleteSignatureException", "AuthorizationHeaderMalformed"},
		{"bad date", func(req *http.Request, n int64, service string) {
			signRaw(t, req, n, service, "AKIDEXAMPLE", "secret", now)
			req.Header.Set("X-Amz-Date", now.UTC().Format(time.RFC3339))
		}, "IncompleteSignatureException", "AuthorizationHeaderMalformed"},
		{"out of scope", func(req *http.Request, n int64, service string) {
			signRaw(t, req, n, map[string]string{"s3": "lambda", "lambda": "s3", "firehose": "logs", "logs": "firehose"}[service], "AKIDEXAMPLE", "secret", now)
		}, "IncompleteSignatureException", "AuthorizationHeaderMalformed"},
		{"expired", func(req *http.Request, n int64, service string) {
			signRaw(t, req, n, service, "AKIDEXAMPLE", "secret", now.Add(-time.Hour))
		}, "InvalidSignatureException", "RequestTimeTooSkewed"},
	}
	for _, rt := range routes {
		for _, p := range problems {
			if rt.path == "/_local/flush" && p.name == "out of scope" {
				continue // the admin endpoints accept any service
			}
			t.Run(rt.name+", "+p.name, func(t *testing.T) {
				req := newRequest(t, env, rt.method, rt.path, rt.header)
				p.prepare(req, rt.announced, rt.service)
				c := stallRequest(t, env, req, rt.announced, bytes.Repeat([]byte("{"), 1000))
				resp, got := c.answer(t, 5*time.Second)
				want := p.s3Code
				if rt.json || rt.path == "/_local/flush" {
					want = p.jsonCode
				}
				if resp.StatusCode != 400 && resp.StatusCode != 403 || !strings.Contains(got, want) {
					t.Fatalf("%d %s, want 400 or 403 with %s", resp.StatusCode, got, want)
				}
			})
		}
	}
	if v, _ := bodyBytesInFlight(t, env); v != 0 {
		t.Errorf("request body bytes in flight at the end: %v", v)
	}
	healthy(t, env)
}

// A body that stalls is given up at its deadline (BodyReadTimeout plus its
// announced length at 256 KiB/s): the request is answered with an error,
// its connection closed and its bytes released; with and without
// authentication (valid credentials), on every API. Health answers
// meanwhile.
func TestStalledBodiesDeadline(t *testing.T) {
	const timeout = 300 * time.Millisecond
	const announced, sent = 128 << 10, 16 << 10 // deadline: 0.3 s + 0.5 s
	for _, auth := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth %v", auth), func(t *testing.T) {
			cfg := emulator.Config{BodyReadTimeout: timeout}
			if auth {
				cfg.Auth = &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}
			}
			env := emulatortest.New(t, cfg)
			if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("bucket")}); err != nil {
				t.Fatal(err)
			}
			jsonHeader := func(target string) http.Header {
				return http.Header{"X-Amz-Target": {target}, "Content-Type": {"application/x-amz-json-1.1"}}
			}
			routes := []struct {
				name, method, path, service string
				header                      http.Header
				counted                     bool   // read whole, within the budget
				want                        string // the error
			}{
				{"firehose", "POST", "/", "firehose", jsonHeader("Firehose_20150804.PutRecordBatch"), true, "SerializationException"},
				{"logs", "POST", "/", "logs", jsonHeader("Logs_20140328.PutLogEvents"), true, "SerializationException"},
				{"lambda", "POST", "/2015-03-31/functions", "lambda", http.Header{"Content-Type": {"application/json"}}, true, "InvalidRequestContentException"},
				{"s3 delete objects", "POST", "/bucket?delete", "s3", http.Header{"Content-Type": {"application/xml"}}, true, "<Code>RequestTimeout</Code>"},
				{"s3 upload", "PUT", "/bucket/key", "s3", nil, false, "<Code>RequestTimeout</Code>"},
			}
			start := time.Now()
			conns := make([]*rawConn, len(routes))
			counted := 0
			for i, rt := range routes {
				req := newRequest(t, env, rt.method, rt.path, rt.header)
				if auth {
					signRaw(t, req, announced, rt.service, "AKIDEXAMPLE", "secret", time.Now())
				}
				conns[i] = stallRequest(t, env, req, announced, bytes.Repeat([]byte("x"), sent))
				if rt.counted {
					counted += sent
				}
			}
			// While they stall, what arrived is held, and counted.
			waitInFlight(t, env, fmt.Sprintf("at least %d", counted), func(v float64) bool { return v >= float64(counted) })
			healthy(t, env)
			for i, c := range conns {
				resp, got := c.answer(t, 10*time.Second)
				if took := time.Since(start); resp.StatusCode != 400 || !strings.Contains(got, routes[i].want) || took < timeout {
					t.Errorf("%s: %d %s after %v, want 400 %s after the %v deadline", routes[i].name, resp.StatusCode, got, took, routes[i].want, timeout)
				}
			}
			waitInFlight(t, env, "0", func(v float64) bool { return v == 0 })
			healthy(t, env)
		})
	}
}

// The body read deadline bounds the upload only: a response may take longer
// (here a function that sleeps past the deadline).
func TestBodyDeadlineSparesLongResponses(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir := t.TempDir()
	src := "import time\n\ndef handler(event, context):\n    time.sleep(1.5)\n    return event\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	env := emulatortest.New(t, emulator.Config{
		Auth:            &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}},
		BodyReadTimeout: 100 * time.Millisecond,
		Functions:       []emulator.LocalFunction{{Name: "slow", Dir: dir, Runtime: "python3.12", Handler: "app.handler", Timeout: 10 * time.Second}},
	})
	cfg := env.AWS.Copy()
	cfg.RetryMaxAttempts = 1
	out, err := lambda.NewFromConfig(cfg).Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String("slow"), Payload: []byte(`{"slept":true}`)})
	if err != nil || out.FunctionError != nil || string(out.Payload) != `{"slept": true}` {
		t.Fatalf("invoke: %v, %s", err, out.Payload)
	}
}

// Past Config.MaxBodyBytesInFlight, each API refuses a request with its own
// throttling error, as the SDKs see it; once the bodies held are released,
// requests pass again. With and without authentication (whose reads for
// hashing count too).
func TestBodyBudgetThrottles(t *testing.T) {
	const budget = 256 << 10
	for _, auth := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth %v", auth), func(t *testing.T) {
			cfg := emulator.Config{MaxBodyBytesInFlight: budget, BodyReadTimeout: time.Minute}
			if auth {
				cfg.Auth = &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}
			}
			env := emulatortest.New(t, cfg)
			ctx := context.Background()
			if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("budget")}); err != nil {
				t.Fatal(err)
			}

			// A client holds 200 KiB of a 1 MiB PutRecordBatch and stalls.
			hog := newRequest(t, env, "POST", "/", http.Header{"X-Amz-Target": {"Firehose_20150804.PutRecordBatch"},
				"Content-Type": {"application/x-amz-json-1.1"}})
			if auth {
				signRaw(t, hog, 1<<20, "firehose", "AKIDEXAMPLE", "secret", time.Now())
			}
			hc := stallRequest(t, env, hog, 1<<20, bytes.Repeat([]byte("x"), 200<<10))
			waitInFlight(t, env, "200 KiB", func(v float64) bool { return v == 200<<10 })

			awsCfg := env.AWS.Copy()
			awsCfg.RetryMaxAttempts = 1
			fh := firehose.NewFromConfig(awsCfg)
			logs := cloudwatchlogs.NewFromConfig(awsCfg)
			lam := lambda.NewFromConfig(awsCfg)
			s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
			big := bytes.Repeat([]byte("b"), 100<<10)
			keys := make([]s3types.ObjectIdentifier, 1000)
			for i := range keys {
				keys[i] = s3types.ObjectIdentifier{Key: aws.String(fmt.Sprintf("%0100d", i))}
			}
			calls := map[string]func() error{
				"firehose": func() error {
					_, err := fh.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("nowhere"), Record: &fhtypes.Record{Data: big}})
					return err
				},
				"logs": func() error {
					_, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
						LogEvents: []logtypes.InputLogEvent{{Message: aws.String(string(big)), Timestamp: aws.Int64(time.Now().UnixMilli())}}})
					return err
				},
				"lambda": func() error {
					_, err := lam.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("f"), Runtime: lambdatypes.RuntimePython312,
						Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &lambdatypes.FunctionCode{ZipFile: big}})
					return err
				},
				"s3": func() error {
					_, err := s3c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("budget"), Delete: &s3types.Delete{Objects: keys}})
					return err
				},
			}
			want := map[string]struct {
				code   string
				status int
			}{
				"firehose": {"ServiceUnavailableException", 503},
				"logs":     {"ThrottlingException", 400},
				"lambda":   {"TooManyRequestsException", 429},
				"s3":       {"SlowDown", 503},
			}
			for api, call := range calls {
				err := call()
				// Past the budget the server answers without reading the
				// body and closes the connection (it does not wait for a
				// body it refused); a client still writing may see the
				// connection reset before the answer, or its write fail
				// with a broken pipe. Only then, again.
				for i := 0; i < 3 && refusedWhileWriting(err); i++ {
					err = call()
				}
				var ae smithy.APIError
				var re *awshttp.ResponseError
				if !errors.As(err, &ae) || ae.ErrorCode() != want[api].code || !errors.As(err, &re) || re.HTTPStatusCode() != want[api].status {
					t.Errorf("%s past the budget: %v, want %d %s", api, err, want[api].status, want[api].code)
				}
			}
			// The console's forms too (without authentication: with it,
			// /_local bodies are read by the authenticator, as above).
			if !auth {
				// The same race as above: the refusal may reach the
				// client as a reset while it is still writing.
				resp, err := http.Post(env.URL+"/_local/ui/flush", "application/x-www-form-urlencoded", bytes.NewReader(big))
				for i := 0; i < 3 && refusedWhileWriting(err); i++ {
					resp, err = http.Post(env.URL+"/_local/ui/flush", "application/x-www-form-urlencoded", bytes.NewReader(big))
				}
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 503 || !strings.Contains(string(b), "Slow down.") {
					t.Errorf("console form past the budget: %d %s", resp.StatusCode, b)
				}
			}
			if _, throttled := bodyBytesInFlight(t, env); throttled < 4 {
				t.Errorf("throttled requests counted: %v", throttled)
			}

			// The stalled client goes; its bytes are released, and the same
			// calls are no longer throttled.
			hc.Close()
			waitInFlight(t, env, "0", func(v float64) bool { return v == 0 })
			for api, call := range calls {
				var ae smithy.APIError
				if err := call(); errors.As(err, &ae) && ae.ErrorCode() == want[api].code {
					t.Errorf("%s within the budget: %v", api, err)
				}
			}
			healthy(t, env)
		})
	}
}

// closeWatch records the responses that close their connection
// (Connection: close).
type closeWatch struct {
	next   http.RoundTripper
	mu     sync.Mutex
	calls  int
	closed []string
}

func (cw *closeWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := cw.next.RoundTrip(r)
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.calls++
	if err == nil && resp.Close {
		cw.closed = append(cw.closed, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Amz-Target"))
	}
	return resp, err
}

// Requests whose bodies are read keep their connections open: the deadline
// and the closing of connections whose body is left unread concern stalled
// and refused requests only. Every API, with and without authentication.
func TestBodiesKeepConnectionsAlive(t *testing.T) {
	for _, auth := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth %v", auth), func(t *testing.T) {
			cfg := emulator.Config{}
			if auth {
				cfg.Auth = &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}
			}
			env := emulatortest.New(t, cfg)
			ctx := context.Background()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			cw := &closeWatch{next: tr}
			awsCfg := env.AWS.Copy()
			awsCfg.HTTPClient = &http.Client{Transport: cw}
			awsCfg.RetryMaxAttempts = 1
			fh := firehose.NewFromConfig(awsCfg)
			logs := cloudwatchlogs.NewFromConfig(awsCfg)
			lam := lambda.NewFromConfig(awsCfg)
			s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alive")}); err != nil {
				t.Fatal(err)
			}
			if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("alive")}); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("k"), 300<<10)
			for i := range 3 {
				if _, err := fh.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{}); err != nil {
					t.Fatal(err)
				}
				// An error answered after the body was read keeps the
				// connection too.
				var ae smithy.APIError
				if _, err := fh.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("none"),
					Record: &fhtypes.Record{Data: big}}); !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFoundException" {
					t.Fatalf("PutRecord to no stream: %v", err)
				}
				if _, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err != nil {
					t.Fatal(err)
				}
				if _, err := lam.ListFunctions(ctx, &lambda.ListFunctionsInput{}); err != nil {
					t.Fatal(err)
				}
				if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alive"), Key: aws.String(fmt.Sprint(i)),
					Body: bytes.NewReader(big)}); err != nil {
					t.Fatal(err)
				}
				if _, err := s3c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("alive"),
					Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String(fmt.Sprint(i))}}}}); err != nil {
					t.Fatal(err)
				}
			}
			cw.mu.Lock()
			defer cw.mu.Unlock()
			if cw.calls < 20 || len(cw.closed) > 0 {
				t.Fatalf("of %d responses, these close their connection: %q", cw.calls, cw.closed)
			}
		})
	}
}

// refusedWhileWriting reports whether err is a client's write cut off by
// a server that answered and closed the connection without reading the
// body: a reset, or a broken pipe, depending on when the close reached it.
func refusedWhileWriting(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
