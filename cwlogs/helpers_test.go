package cwlogs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// t0 is the fake clock's start: every test's "now".
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a CloudWatch Logs API served over real HTTP on 127.0.0.1:0, the
// way the emulator's router serves it, with an SDK client.
type env struct {
	store  *cwlogs.Store
	clock  *clock
	url    string
	client *cloudwatchlogs.Client
}

// newEnv serves a fresh in-memory store whose clock is a fake one at t0.
func newEnv(t *testing.T, opts cwlogs.Options) *env {
	t.Helper()
	c := &clock{now: t0}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	return serve(t, cwlogs.New(opts), c)
}

// serve serves store (already bounded and clocked) and closes it at the
// end of the test.
func serve(t testing.TB, store *cwlogs.Store, c *clock) *env {
	t.Helper()
	return serveWith(t, store, c, cwlogs.APIOptions{Region: "eu-west-1"})
}

// serveWith is serve with the API's options.
func serveWith(t testing.TB, store *cwlogs.Store, c *clock, opts cwlogs.APIOptions) *env {
	t.Helper()
	api := cwlogs.NewAPI(store, opts)
	// The emulator's router sends X-Amz-Target: Logs_20140328.* here.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), cwlogs.TargetPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		http.Error(w, "not a CloudWatch Logs request", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       testtool.SDKHTTPClient(), // not an http.Client with a Timeout: aws-sdk-go-v2#2737
		RetryMaxAttempts: 1,
	}
	return &env{store: store, clock: c, url: srv.URL, client: cloudwatchlogs.NewFromConfig(cfg)}
}

// ms is t in epoch milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func (e *env) createGroup(t testing.TB, name string) {
	t.Helper()
	if _, err := e.client.CreateLogGroup(t.Context(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatalf("CreateLogGroup %s: %v", name, err)
	}
}

func (e *env) createStream(t testing.TB, group, stream string) {
	t.Helper()
	if _, err := e.client.CreateLogStream(t.Context(), &cloudwatchlogs.CreateLogStreamInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
	}); err != nil {
		t.Fatalf("CreateLogStream %s/%s: %v", group, stream, err)
	}
}

// put sends events (timestamp, message pairs) with PutLogEvents.
func (e *env) put(t *testing.T, group, stream string, events ...types.InputLogEvent) *cloudwatchlogs.PutLogEventsOutput {
	t.Helper()
	out, err := e.client.PutLogEvents(t.Context(), &cloudwatchlogs.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events,
	})
	if err != nil {
		t.Fatalf("PutLogEvents %s/%s: %v", group, stream, err)
	}
	return out
}

func ev(ts int64, msg string) types.InputLogEvent {
	return types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)}
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

func messages[T any](events []T, msg func(T) string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = msg(e)
	}
	return out
}

func outMessages(events []types.OutputLogEvent) []string {
	return messages(events, func(e types.OutputLogEvent) string { return aws.ToString(e.Message) })
}

func filteredMessages(events []types.FilteredLogEvent) []string {
	return messages(events, func(e types.FilteredLogEvent) string { return aws.ToString(e.Message) })
}

func ctx(t *testing.T) context.Context { return t.Context() }

// asError is errors.As for a typed AWS error.
func asError[T any](err error, target *T) bool { return errors.As(err, target) }
