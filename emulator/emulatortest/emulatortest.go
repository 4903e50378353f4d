// Package emulatortest starts firehose-local inside a Go test: on
// 127.0.0.1:0, stopped by t.Cleanup, with AWS SDK for Go v2 clients already
// pointed at it.
//
//	env := emulatortest.New(t, emulator.Config{})
//	env.Firehose.CreateDeliveryStream(ctx, ...)
//	env.Flush(t, "my-stream")
package emulatortest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// Env is a running emulator and clients for it.
type Env struct {
	Server   *emulator.Server
	URL      string // http://127.0.0.1:PORT
	Region   string
	AWS      aws.Config
	Firehose *firehose.Client
	S3       *s3.Client
	Lambda   *lambda.Client
	Glue     *glue.Client
	Kinesis  *kinesis.Client
}

// New starts a server with cfg and registers its shutdown with t.Cleanup.
func New(t testing.TB, cfg emulator.Config) *Env {
	t.Helper()
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	env := &Env{Server: srv, URL: "http://" + addr.String(), Region: "us-east-1"}
	env.AWS = Config(env.URL, env.Region)
	env.Firehose = firehose.NewFromConfig(env.AWS)
	env.S3 = s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	env.Lambda = lambda.NewFromConfig(env.AWS)
	env.Glue = glue.NewFromConfig(env.AWS)
	env.Kinesis = kinesis.NewFromConfig(env.AWS)
	return env
}

// Config is an aws.Config for a firehose-local at endpoint, with static
// dummy credentials and testtool.SDKHTTPClient, which keeps the SDK from
// failing now and then to read a 200 response ("use of closed network
// connection", aws/aws-sdk-go-v2#2737) and retrying the call, which for
// PutRecordBatch would mean duplicate records.
func Config(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   testtool.SDKHTTPClient(),
	}
}

// Sign signs req (whose body must be empty) with SigV4 and the
// environment's credentials, as the /_local admin endpoints of a server
// with Config.Auth require.
func (e *Env) Sign(req *http.Request) error {
	creds, err := e.AWS.Credentials.Retrieve(req.Context())
	if err != nil {
		return err
	}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	return v4.NewSigner().SignHTTP(req.Context(), creds, req, emptySHA256, "firehose", e.Region, time.Now())
}

// Flush asks the server to deliver the named stream's buffer (every stream
// if name is empty) and fails the test if the objects are not written.
func (e *Env) Flush(t testing.TB, name string) {
	t.Helper()
	q := url.Values{}
	if name != "" {
		q.Set("stream", name)
	}
	if status, _ := e.postLocal(t, "flush", "/_local/flush?"+q.Encode()); status != http.StatusOK {
		t.Fatalf("flush %q: HTTP %d", name, status)
	}
}

// Reset clears the server (POST /_local/reset): every delivery stream,
// bucket, object, function, log group, data stream and Glue database, as
// if it had just started (its --init file applied again). keep may be
// "functions", to keep the registered functions. It fails the test if the
// reset does not finish.
func (e *Env) Reset(t testing.TB, keep ...string) {
	t.Helper()
	q := url.Values{}
	for _, k := range keep {
		q.Add("keep", k)
	}
	if status, body := e.postLocal(t, "reset", "/_local/reset?"+q.Encode()); status != http.StatusOK {
		t.Fatalf("reset: HTTP %d: %s", status, body)
	}
}

// postLocal sends a POST with an empty body to path (a /_local endpoint
// with its query), signed like any request for a server with Config.Auth,
// and returns the answer's status and body. It fails the test, naming the
// request what, if the request cannot be made.
func (e *Env) postLocal(t testing.TB, what, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+path, nil)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := e.Sign(req); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
