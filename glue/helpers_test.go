package glue_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/glue"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// t0 is the fake clock's start: every test's "now".
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// env is a catalog served over HTTP on 127.0.0.1:0, as the emulator's
// router would serve it, with SDK clients.
type env struct {
	catalog *glue.Catalog
	clock   *clock.Fake
	url     string
	client  *awsglue.Client // us-east-1
}

// newEnv serves a fresh catalog with opts (its clock a fake one at t0).
func newEnv(t *testing.T, opts glue.Options) *env {
	t.Helper()
	c := clock.NewFake(t0)
	if opts.Now == nil {
		opts.Now = c.Now
	}
	cat, err := glue.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api := glue.NewAPI(cat, glue.APIOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), glue.TargetPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		http.Error(w, "not a Glue request", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	e := &env{catalog: cat, clock: c, url: srv.URL}
	e.client = e.clientIn("us-east-1")
	return e
}

// clientIn is an SDK client whose requests are signed for region.
func (e *env) clientIn(region string) *awsglue.Client {
	return awsglue.NewFromConfig(aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.url),
		HTTPClient:       testtool.SDKHTTPClient(),
		RetryMaxAttempts: 1,
	})
}

// post sends a raw request and returns the status and body.
func (e *env) post(t *testing.T, target, contentType, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) createDB(t *testing.T, name string) {
	t.Helper()
	_, err := e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{
		DatabaseInput: &types.DatabaseInput{Name: aws.String(name)},
	})
	if err != nil {
		t.Fatalf("CreateDatabase %s: %v", name, err)
	}
}

func (e *env) createTable(t *testing.T, db string, in *types.TableInput) {
	t.Helper()
	_, err := e.client.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String(db), TableInput: in})
	if err != nil {
		t.Fatalf("CreateTable %s.%s: %v", db, aws.ToString(in.Name), err)
	}
}

// simpleTable is a table input with the given string columns.
func simpleTable(name string, cols ...string) *types.TableInput {
	in := &types.TableInput{Name: aws.String(name), StorageDescriptor: &types.StorageDescriptor{}}
	for _, c := range cols {
		in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, types.Column{Name: aws.String(c), Type: aws.String("string")})
	}
	return in
}

// wantErr checks that err is the AWS error code whose message contains
// msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error = %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// firehoseDB is a database input as Terraform's aws_glue_catalog_database
// sends it.
func firehoseDB(name string) *types.DatabaseInput {
	return &types.DatabaseInput{Name: aws.String(name), Description: aws.String("for Firehose")}
}
