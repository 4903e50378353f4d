package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// authEnv is a server with Config.Auth whose signature clock runs offset
// ahead of the real one, and the four SDK clients of any credentials.
type authEnv struct {
	*emulatortest.Env
	offset atomic.Int64 // nanoseconds added to the server's signature clock
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	a := &authEnv{}
	a.Env = emulatortest.New(t, emulator.Config{Auth: &emulator.AuthConfig{
		Credentials: map[string]string{"AKIDEXAMPLE": "secret", "AKIDOTHER": "other-secret"},
		Now:         func() time.Time { return time.Now().Add(time.Duration(a.offset.Load())) },
	}})
	return a
}

// clients are the SDK clients of one set of credentials. One attempt
// each: an authentication failure is final.
type clients struct {
	firehose *firehose.Client
	s3       *s3.Client
	lambda   *lambda.Client
	logs     *cloudwatchlogs.Client
}

func (a *authEnv) clients(key, secret string, hc aws.HTTPClient) clients {
	cfg := a.AWS.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
	cfg.RetryMaxAttempts = 1
	if hc != nil {
		cfg.HTTPClient = hc
	}
	return clients{
		firehose: firehose.NewFromConfig(cfg),
		s3:       s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		lambda:   lambda.NewFromConfig(cfg),
		logs:     cloudwatchlogs.NewFromConfig(cfg),
	}
}

// call runs each API's simplest call with c and returns the errors.
func (c clients) call(ctx context.Context) map[string]error {
	_, fhErr := c.firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	_, s3Err := c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth-bucket")})
	_, lErr := c.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	_, logsErr := c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	return map[string]error{"firehose": fhErr, "s3": s3Err, "lambda": lErr, "logs": logsErr}
}

// wantCode checks that err is an API error with code and HTTP status.
func wantCode(t *testing.T, what string, err error, code string, status int, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
		return
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("%s: HTTP %d, want %d", what, re.HTTPStatusCode(), status)
	}
	if !strings.Contains(apiErr.ErrorMessage(), msg) {
		t.Errorf("%s: message %q, want it to contain %q", what, apiErr.ErrorMessage(), msg)
	}
}

func TestAuthSDKClients(t *testing.T) {
	a := newAuthEnv(t)
	ctx := context.Background()
	if _, err := a.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("auth-bucket")}); err != nil {
		t.Fatal(err)
	}

	t.Run("right key", func(t *testing.T) {
		for _, c := range []clients{a.clients("AKIDEXAMPLE", "secret", nil), a.clients("AKIDOTHER", "other-secret", nil)} {
			for api, err := range c.call(ctx) {
				if err != nil {
					t.Errorf("%s: %v", api, err)
				}
			}
		}
		// A whole pipeline: stream, records, a signed flush, the object.
		dest := &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String("arn:aws:iam::000000000000:role/firehose"), BucketARN: aws.String("arn:aws:s3:::auth-bucket")}
		if _, err := a.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String("s"), ExtendedS3DestinationConfiguration: dest}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"),
			Record: &fhtypes.Record{Data: []byte("signed\n")}}); err != nil {
			t.Fatal(err)
		}
		a.Flush(t, "s")
		list, err := a.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth-bucket")})
		if err != nil || len(list.Contents) != 1 {
			t.Fatalf("objects: %v %v", list, err)
		}
		// PutObject with the SDK's default checksum settings, and a
		// presigned GET of what it wrote.
		body := bytes.Repeat([]byte("0123456789"), 20000)
		if _, err := a.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("dir/a b+c"),
			Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		pre, err := s3.NewPresignClient(a.S3).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("dir/a b+c")},
			s3.WithPresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		status, got := httpGet(t, pre.URL)
		if status != 200 || !bytes.Equal([]byte(got), body) {
			t.Fatalf("presigned GET: %d, %d bytes", status, len(got))
		}
		// A minute and a bit later the URL has expired.
		a.offset.Store(int64(61 * time.Second))
		defer a.offset.Store(0)
		status, got = httpGet(t, pre.URL)
		if status != 403 || !strings.Contains(got, "<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>60</X-Amz-Expires>") {
			t.Fatalf("expired presigned GET: %d %s", status, got)
		}
	})

	t.Run("aws-chunked over TLS", func(t *testing.T) {
		// Over HTTPS the SDK streams uploads as aws-chunked with a trailing
		// checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
		srv := httptest.NewTLSServer(a.Server.Handler())
		defer srv.Close()
		seen := map[string]int{}
		cfg := a.AWS.Copy()
		cfg.BaseEndpoint = aws.String(srv.URL)
		cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		cfg.HTTPClient = &http.Client{Transport: recordSHA{srv.Client().Transport, seen}}
		c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		body := bytes.Repeat([]byte("x"), 1<<20+3)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("tls"),
			Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("tls")})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, body) || seen["STREAMING-UNSIGNED-PAYLOAD-TRAILER"] != 1 {
			t.Fatalf("got %d bytes; payload hashes sent: %v", len(got), seen)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		errs := a.clients("AKIDEXAMPLE", "not-the-secret", nil).call(ctx)
		wantCode(t, "firehose", errs["firehose"], "InvalidSignatureException", 400, "The request signature we calculated does not match")
		wantCode(t, "logs", errs["logs"], "InvalidSignatureException", 400, "Check your AWS Secret Access Key")
		wantCode(t, "lambda", errs["lambda"], "InvalidSignatureException", 403, "The request signature we calculated does not match")
		wantCode(t, "s3", errs["s3"], "SignatureDoesNotMatch", 403, "Check your key and signing method.")
	})

	t.Run("unknown key", func(t *testing.T) {
		errs := a.clients("AKIDNOBODY", "secret", nil).call(ctx)
		wantCode(t, "firehose", errs["firehose"], "UnrecognizedClientException", 400, "The security token included in the request is invalid.")
		wantCode(t, "logs", errs["logs"], "UnrecognizedClientException", 400, "The security token included in the request is invalid.")
		wantCode(t, "lambda", errs["lambda"], "UnrecognizedClientException", 403, "The security token included in the request is invalid.")
		wantCode(t, "s3", errs["s3"], "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.")
	})

	t.Run("expired", func(t *testing.T) {
		// The server's clock is 16 minutes ahead of the client's.
		a.offset.Store(int64(16 * time.Minute))
		defer a.offset.Store(0)
		errs := a.clients("AKIDEXAMPLE", "secret", nil).call(ctx)
		wantCode(t, "firehose", errs["firehose"], "InvalidSignatureException", 400, "Signature expired: ")
		wantCode(t, "logs", errs["logs"], "InvalidSignatureException", 400, "is now earlier than")
		wantCode(t, "lambda", errs["lambda"], "InvalidSignatureException", 403, "- 15 min.)")
		wantCode(t, "s3", errs["s3"], "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.")
		// Fourteen minutes is within the allowed skew.
		a.offset.Store(int64(14 * time.Minute))
		for api, err := range a.clients("AKIDEXAMPLE", "secret", nil).call(ctx) {
			if err != nil {
				t.Errorf("%s, 14 minutes: %v", api, err)
			}
		}
	})

	t.Run("tampered body", func(t *testing.T) {
		// The body is changed on the wire after signing.
		hc := &http.Client{Transport: tamper{http.DefaultTransport}}
		c := a.clients("AKIDEXAMPLE", "secret", hc)
		_, err := c.firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"),
			Record: &fhtypes.Record{Data: []byte("original")}})
		wantCode(t, "firehose", err, "InvalidSignatureException", 400, "does not match")
		_, err = c.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("original")})
		wantCode(t, "logs", err, "InvalidSignatureException", 400, "does not match")
		_, err = c.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), Payload: []byte(`"original"`)})
		wantCode(t, "lambda", err, "InvalidSignatureException", 403, "does not match")
		_, err = c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("tampered"),
			Body: strings.NewReader("original")})
		wantCode(t, "s3", err, "XAmzContentSHA256Mismatch", 400, "does not match what was computed")
		if _, err := a.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("tampered")}); err == nil {
			t.Fatal("the tampered object was stored")
		}
		// An x-amz-* header added after signing.
		c = a.clients("AKIDEXAMPLE", "secret", &http.Client{Transport: addHeader{http.DefaultTransport, "X-Amz-Acl", "public-read"}})
		_, err = c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth-bucket"), Key: aws.String("tampered"),
			Body: strings.NewReader("original")})
		wantCode(t, "s3 unsigned header", err, "AccessDenied", 403, "There were headers present in the request which were not signed")
	})
}

// tamper replaces "original" in request bodies by "ORIGINAL" after the SDK
// has signed them.
type tamper struct{ next http.RoundTripper }

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		b = bytes.ReplaceAll(b, []byte("original"), []byte("ORIGINAL"))
		b = bytes.ReplaceAll(b, []byte("b3JpZ2luYWw="), []byte("T1JJR0lOQUw=")) // base64 in PutRecord
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return tp.next.RoundTrip(r)
}

// addHeader adds a header to requests after the SDK has signed them.
type addHeader struct {
	next        http.RoundTripper
	name, value string
}

func (h addHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set(h.name, h.value)
	return h.next.RoundTrip(r)
}

// recordSHA counts the X-Amz-Content-Sha256 values of PUT requests.
type recordSHA struct {
	next http.RoundTripper
	seen map[string]int
}

func (rs recordSHA) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		rs.seen[r.Header.Get("X-Amz-Content-Sha256")]++
	}
	return rs.next.RoundTrip(r)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Requests without any signature: health stays open, everything else is
// refused in its API's shape.
func TestAuthUnsigned(t *testing.T) {
	a := newAuthEnv(t)
	cases := []struct {
		name, method, path, target string
		status                     int
		want                       string
	}{
		{"health", "GET", "/_local/health", "", 200, `"status":"ok"`},
		{"flush", "POST", "/_local/flush", "", 403, `"error":"MissingAuthenticationTokenException: Missing Authentication Token"`},
		{"metrics", "GET", "/metrics", "", 403, `"error":"MissingAuthenticationTokenException: Missing Authentication Token"`},
		{"firehose", "POST", "/", "Firehose_20150804.ListDeliveryStreams", 400, `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`},
		{"logs", "POST", "/", "Logs_20140328.DescribeLogGroups", 400, `"__type":"MissingAuthenticationTokenException"`},
		{"lambda", "GET", "/2015-03-31/functions/", "", 403, `{"message":"Missing Authentication Token"}`},
		{"s3", "GET", "/auth-bucket/key", "", 403, "<Code>AccessDenied</Code><Message>Access Denied</Message>"},
		{"s3 sigv2", "GET", "/auth-bucket/key?AWSAccessKeyId=AKIDEXAMPLE&Signature=x&Expires=1", "", 400, "<Code>InvalidRequest</Code>"},
		{"encoded admin path", "POST", "/_local%2Fflush", "", 403, "<Code>AccessDenied</Code>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader("{}"))
			if c.target != "" {
				req.Header.Set("X-Amz-Target", c.target)
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			}
			w := httptest.NewRecorder()
			a.Server.Handler().ServeHTTP(w, req)
			if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
				t.Fatalf("%d %s, want %d with %s", w.Code, w.Body, c.status, c.want)
			}
		})
	}
	// A signed flush passes (emulatortest signs it), and so does a signed
	// scrape.
	a.Flush(t, "")
	req := httptest.NewRequest("GET", "/metrics", nil)
	if err := a.Sign(req); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	a.Server.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("signed GET /metrics: %d %s", w.Code, w.Body)
	}
}

func TestAuthNeedsCredentials(t *testing.T) {
	if _, err := emulator.New(emulator.Config{Auth: &emulator.AuthConfig{}}); err == nil {
		t.Fatal("New accepted Auth without credentials")
	}
}

// With Auth, functions get credentials of their own that the server
// accepts (as Lambda hands a function its role's), never the host's.
func TestAuthFunctionCredentials(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDHOST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
	dir := t.TempDir()
	src := "import os\n\ndef handler(event, context):\n" +
		"    return {k: os.environ.get(k) for k in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN')}\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	env := emulatortest.New(t, emulator.Config{
		Auth:      &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}},
		Functions: []emulator.LocalFunction{{Name: "creds", Dir: dir, Runtime: "python3.12", Handler: "app.handler"}},
	})
	ctx := context.Background()
	out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("creds")})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, out.Payload)
	}
	var got map[string]string
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatal(err)
	}
	id, secret, token := got["AWS_ACCESS_KEY_ID"], got["AWS_SECRET_ACCESS_KEY"], got["AWS_SESSION_TOKEN"]
	if !strings.HasPrefix(id, "ASIA") || secret == "" || token == "" || id == "AKIDHOST" || secret == "host-secret" || secret == "secret" {
		t.Fatalf("function credentials %q", got)
	}
	cfg := env.AWS.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, token)
	if _, err := firehose.NewFromConfig(cfg).ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{}); err != nil {
		t.Fatalf("a call with the function's credentials: %v", err)
	}
}

// With Config.Auth the console's demo button still works: the server signs
// its demo requests with the credentials it makes for functions.
func TestAuthConsoleDemo(t *testing.T) {
	a := newAuthEnv(t)
	ctx := context.Background()
	if _, err := a.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ticks")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("ticker"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String("arn:aws:iam::000000000000:role/r"), BucketARN: aws.String("arn:aws:s3:::ticks")}}); err != nil {
		t.Fatal(err)
	}
	creds, err := a.AWS.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		body := form.Encode()
		req, err := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.URL)
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "firehose", a.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post("/_local/ui/demo/start", url.Values{"stream": {"us-east-1/ticker"}, "rate": {"100"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "msg=Sending") {
		t.Fatalf("start: %d %s", resp.StatusCode, loc)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		a.Flush(t, "ticker")
		list, err := a.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("ticks")})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Contents) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no demo record was delivered: were its requests refused?")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp := post("/_local/ui/demo/stop", url.Values{"stream": {"us-east-1/ticker"}}); !strings.Contains(resp.Header.Get("Location"), "msg=Stopped") {
		t.Fatalf("stop: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A browser refused at the console gets an HTML page naming
// --console-open; other clients keep the JSON error. With ConsoleOpen the
// console is served unsigned over loopback only, and nothing else is.
func TestAuthConsolePage(t *testing.T) {
	get := func(t *testing.T, url, accept string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	a := newAuthEnv(t)
	code, ct, body := get(t, a.URL+"/_local/ui", "text/html,application/xhtml+xml,*/*;q=0.8")
	if code != 403 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "--console-open") ||
		!strings.Contains(body, "MissingAuthenticationTokenException") {
		t.Fatalf("browser at the console: %d %s %s", code, ct, body)
	}
	if code, ct, body = get(t, a.URL+"/_local/ui", ""); code != 403 || !strings.HasPrefix(ct, "application/json") || !strings.Contains(body, `"error":"MissingAuthenticationTokenException`) {
		t.Fatalf("non-browser at the console: %d %s %s", code, ct, body)
	}
	if code, ct, _ = get(t, a.URL+"/metrics", "text/html"); code != 403 || strings.HasPrefix(ct, "text/html") {
		t.Fatalf("browser at /metrics: %d %s, want the JSON error", code, ct)
	}

	open := emulatortest.New(t, emulator.Config{Auth: &emulator.AuthConfig{
		Credentials: map[string]string{"AKIDEXAMPLE": "secret"}, ConsoleOpen: true}})
	if !strings.HasPrefix(open.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want a loopback listener", open.URL)
	}
	if code, ct, body = get(t, open.URL+"/_local/ui/streams", "text/html"); code != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "<table") && !strings.Contains(body, "stream") {
		t.Fatalf("console open over loopback: %d %s %.300s", code, ct, body)
	}
	if code, _, _ = get(t, open.URL+"/metrics", ""); code != 403 {
		t.Fatalf("/metrics with ConsoleOpen: %d, want 403", code)
	}
	// Not over loopback (httptest.NewRequest's 192.0.2.1, no local address): checked.
	w := httptest.NewRecorder()
	open.Server.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/_local/ui/streams", nil))
	if w.Code != 403 {
		t.Fatalf("console from 192.0.2.1 with ConsoleOpen: %d, want 403", w.Code)
	}
}
