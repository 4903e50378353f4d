package integration_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/receiver"
)

// startReceiver serves a receiver on 127.0.0.1:0 for the test's duration.
func startReceiver(t *testing.T, opts receiver.Options) (*receiver.Receiver, string) {
	t.Helper()
	rc := receiver.New(opts)
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// httpDest is an HTTP endpoint destination with zero buffering, backed up
// to the "deliveries" bucket.
func httpDest(url string) *types.HttpEndpointDestinationConfiguration {
	return &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url), Name: aws.String("local"), AccessKey: aws.String("secret")},
		BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Configuration:       &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}
}

func createHTTPStream(t *testing.T, fh *firehose.Client, name string, dest *types.HttpEndpointDestinationConfiguration) string {
	t.Helper()
	out, err := fh.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), HttpEndpointDestinationConfiguration: dest,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

func waitRequests(t *testing.T, rc *receiver.Receiver, n int) []receiver.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reqs, err := rc.WaitRequests(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d requests: got %d: %v", n, len(reqs), err)
	}
	return reqs
}

// nextRetry waits until a delivery is waiting out its backoff, then moves
// the clock to the backoff's end: exactly, so that the backoff after the
// next attempt cannot fall due in the same Advance.
func nextRetry(t *testing.T, clock *emulator.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("no retry is waiting: %v", err)
	}
	d, _ := clock.NextTimer()
	clock.Advance(d)
}

// The request is exactly the one the specification describes: headers,
// the URL's path and query, and the body byte for byte.
func TestHTTPEndpointRequest(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url + "/ingest?token=x")
	dest.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	dest.RequestConfiguration = &types.HttpEndpointRequestConfiguration{CommonAttributes: []types.HttpEndpointCommonAttribute{
		{AttributeName: aws.String("team"), AttributeValue: aws.String("data")}, {AttributeName: aws.String("env"), AttributeValue: aws.String("")}}}
	arn := createHTTPStream(t, env.Firehose, "web", dest)
	putBatch(t, env.Firehose, "web", []byte("hello\n"), []byte{0, 1, 2, 255}, []byte{})
	clock.Advance(30 * time.Second)
	putBatch(t, env.Firehose, "web", []byte(`{"n":4}`))
	clock.Advance(30 * time.Second) // 60 s after the first record
	reqs := waitRequests(t, rc, 1)
	waitDelivered(t, env)
	r := reqs[0]
	if r.Status != 200 || r.Error != "" || r.Method != "POST" || r.URI != "/ingest?token=x" {
		t.Fatalf("request %s %s answered %d: %s", r.Method, r.URI, r.Status, r.Error)
	}
	want := map[string]string{
		"Content-Type":                     "application/json",
		"X-Amz-Firehose-Protocol-Version":  "1.0",
		"X-Amz-Firehose-Source-Arn":        arn,
		"X-Amz-Firehose-Access-Key":        "secret",
		"X-Amz-Firehose-Common-Attributes": `{"commonAttributes":{"team":"data","env":""}}`,
		"Content-Length":                   fmt.Sprint(len(r.Body)),
	}
	for k, v := range want {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if _, ok := r.Header["Content-Encoding"]; ok {
		t.Errorf("Content-Encoding sent without GZIP: %q", r.Header.Get("Content-Encoding"))
	}
	if !regexp.MustCompile(`^` + uuidRE + `$`).MatchString(r.RequestID) {
		t.Errorf("request id %q is not a UUID", r.RequestID)
	}
	wantBody := fmt.Sprintf(`{"requestId":"%s","timestamp":%d,"records":[{"data":"aGVsbG8K"},{"data":"AAEC/w=="},{"data":""},{"data":"eyJuIjo0fQ=="}]}`,
		r.RequestID, t0.Add(60*time.Second).UnixMilli())
	if string(r.Body) != wantBody {
		t.Fatalf("body\n%s\nwant\n%s", r.Body, wantBody)
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("FailedDataOnly wrote %d objects for a delivered batch", len(objs))
	}
}

// GZIP compresses the body and says so; the records are the same.
func TestHTTPEndpointGzip(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url)
	dest.RequestConfiguration = &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip}
	createHTTPStream(t, env.Firehose, "gz", dest)
	big := bytes.Repeat([]byte("compressible "), 1000)
	putBatch(t, env.Firehose, "gz", big, []byte("small"))
	r := waitRequests(t, rc, 1)[0]
	if r.Status != 200 || r.ContentEncoding != "gzip" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Encoding %q: %s", r.Status, r.ContentEncoding, r.Error)
	}
	sent, _ := strconv.Atoi(r.Header.Get("Content-Length"))
	if sent == 0 || sent >= len(r.Body)/4 {
		t.Fatalf("Content-Length %d for a %d-byte JSON body: not compressed", sent, len(r.Body))
	}
	if len(r.Records) != 2 || !bytes.Equal(r.Records[0], big) || string(r.Records[1]) != "small" {
		t.Fatalf("records after gunzip: %d", len(r.Records))
	}
}

// Every kind of failed attempt is retried with the same request ID and the
// same body until the endpoint accepts it; the records count once.
func TestHTTPEndpointRetryKeepsRequestID(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{Respond: func(_ context.Context, r *receiver.Request) *receiver.Response {
		switch r.Attempt {
		case 1:
			return &receiver.Response{Status: 500, ErrorMessage: "try later"}
		case 2:
			return &receiver.Response{Status: 200, Body: []byte("OK")}
		case 3:
			return &receiver.Response{Status: 200, Body: []byte(`{"requestId":"someone-else","timestamp":1}`)}
		}
		return nil
	}})
	createHTTPStream(t, env.Firehose, "s", httpDest(url))
	putBatch(t, env.Firehose, "s", []byte("once"), []byte("twice"))
	waitRequests(t, rc, 1)
	for n := 2; n <= 4; n++ {
		nextRetry(t, clock)
		waitRequests(t, rc, n)
	}
	waitDelivered(t, env)
	reqs := rc.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, r := range reqs {
		if r.RequestID != reqs[0].RequestID || !bytes.Equal(r.Body, reqs[0].Body) || r.Attempt != i+1 {
			t.Fatalf("attempt %d: request id %s (first %s), same body %v", i+1, r.RequestID, reqs[0].RequestID, bytes.Equal(r.Body, reqs[0].Body))
		}
	}
	if got := rc.Records(); len(got) != 2 || string(got[0]) != "once" || string(got[1]) != "twice" {
		t.Fatalf("records = %q", got)
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("a delivered batch was backed up: %s", objs[0].key)
	}
}

type httpErrorDoc struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                string `json:"rawData"`
	SubsequenceNumber      *int   `json:"subsequenceNumber"`
	DataID                 string `json:"dataId"`
}

// failedDocs reads the http-endpoint-failed documents of stream.
func failedDocs(t *testing.T, env *emulatortest.Env, stream string) ([]httpErrorDoc, []string) {
	t.Helper()
	return errorDocs[httpErrorDoc](t, env, "http-endpoint-failed/", stream, nil)
}

// errorDocs reads the error documents of stream under the output type
// prefix (such as "http-endpoint-failed/") in the deliveries bucket, each
// line decoded strictly into a D (a member D does not have fails the test)
// and passed to check, when given, as written; and the objects' keys.
func errorDocs[D any](t *testing.T, env *emulatortest.Env, prefix, stream string, check func(line string)) ([]D, []string) {
	t.Helper()
	var docs []D
	var keys []string
	for _, o := range objects(t, env, "deliveries") {
		if !strings.Contains(o.key, prefix) || !strings.Contains(o.key, "/"+stream+"-") {
			continue
		}
		keys = append(keys, o.key)
		for _, line := range strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n") {
			var d D
			dec := json.NewDecoder(strings.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d); err != nil {
				t.Fatalf("error document %q: %v", line, err)
			}
			if check != nil {
				check(line)
			}
			docs = append(docs, d)
		}
	}
	return docs, keys
}

// The retry schedule: waits of 1 s, 2 s, 4 s… (±15%), the last one cut to
// what is left of RetryOptions, counted from the first failure; then every
// record goes to the S3 backup as an http-endpoint-failed document.
func TestHTTPEndpointRetryUntilDeadlineThenBackup(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{Respond: func(context.Context, *receiver.Request) *receiver.Response {
		return &receiver.Response{Status: 503, ErrorMessage: "down for maintenance"}
	}})
	dest := httpDest(url)
	dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(60)}
	createHTTPStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("lost?"), []byte("no"))
	waitRequests(t, rc, 1)
	// Move the clock to each backoff's end exactly, measuring it.
	var waits []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(waits) < 20 {
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		w, _ := clock.NextTimer()
		clock.Advance(w)
		waits = append(waits, w)
		reqs := waitRequests(t, rc, len(waits)+1)
		if docs, _ := failedDocs(t, env, "s"); len(docs) > 0 || sum(waits) >= 60*time.Second {
			waitDelivered(t, env)
			docs, keys := failedDocs(t, env, "s")
			if len(docs) != 2 || len(keys) != 1 {
				t.Fatalf("after %d attempts: %d documents in %d objects", len(reqs), len(docs), len(keys))
			}
			for i, d := range docs {
				wantMsg := regexp.MustCompile(`^The following response was received from the endpoint destination\. 503: \{"requestId":"` +
					reqs[0].RequestID + `","timestamp":\d+,"errorMessage":"down for maintenance"\}$`)
				if d.AttemptsMade != len(reqs) || d.ErrorCode != "HttpEndpoint.DestinationException" || !wantMsg.MatchString(d.ErrorMessage) ||
					d.ArrivalTimestamp != t0.UnixMilli() || d.AttemptEndingTimestamp != t0.Add(time.Minute).UnixMilli() ||
					d.SubsequenceNumber == nil || *d.SubsequenceNumber != 0 || !strings.HasSuffix(d.DataID, ".0") {
					t.Fatalf("document %d = %+v", i, d)
				}
			}
			if raw, _ := base64.StdEncoding.DecodeString(docs[0].RawData); string(raw) != "lost?" {
				t.Fatalf("rawData = %q", raw)
			}
			if !regexp.MustCompile(`^http-endpoint-failed/2026/11/25/10/s-1-2026-11-25-10-30-15-` + uuidRE + `$`).MatchString(keys[0]) {
				t.Fatalf("key %q", keys[0])
			}
			break
		}
	}
	t.Logf("backoffs: %v (total %v)", waits, sum(waits))
	total := sum(waits)
	if total != 60*time.Second {
		t.Fatalf("retried for %v, want the 60 s RetryOptions", total)
	}
	for i, w := range waits[:len(waits)-1] {
		base := time.Second << i
		if w < base*85/100 || w > base*115/100 {
			t.Fatalf("backoff %d was %v, want %v ±15%%", i+1, w, base)
		}
	}
}

func sum(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}

// RetryOptions 0: one attempt, then the backup.
func TestHTTPEndpointNoRetries(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "another"})
	dest := httpDest(url)
	dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
	createHTTPStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("x"))
	waitDelivered(t, env)
	docs, _ := failedDocs(t, env, "s")
	if n := len(rc.Requests()); n != 1 || len(docs) != 1 || docs[0].AttemptsMade != 1 || docs[0].ErrorCode != "HttpEndpoint.DestinationException" ||
		!strings.Contains(docs[0].ErrorMessage, "401: ") || !strings.Contains(docs[0].ErrorMessage, "does not match") {
		t.Fatalf("%d requests, documents %+v", n, docs)
	}
}

// 413 is permanent: no retry, and (as AWS documents) no backup.
func TestHTTPEndpoint413(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{Respond: func(context.Context, *receiver.Request) *receiver.Response {
		return &receiver.Response{Status: 413, ErrorMessage: "Payload too large"}
	}})
	createHTTPStream(t, env.Firehose, "s", httpDest(url))
	putBatch(t, env.Firehose, "s", []byte("too big"))
	waitDelivered(t, env)
	clock.Advance(10 * time.Minute)
	waitDelivered(t, env)
	if n := len(rc.Requests()); n != 1 || clock.Pending() != 0 {
		t.Fatalf("%d requests, %d timers pending: a 413 was retried", n, clock.Pending())
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("a 413 batch was backed up: %s", objs[0].key)
	}
}

// A slow endpoint times out (HTTPEndpointTimeout stands in for AWS's 3
// minutes); the request is retried with the same ID.
func TestHTTPEndpointSlowEndpoint(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock, HTTPEndpointTimeout: 300 * time.Millisecond})
	var slowFor sync.Map // request id → how long the endpoint was kept waiting
	rc, url := startReceiver(t, receiver.Options{Respond: func(ctx context.Context, r *receiver.Request) *receiver.Response {
		if r.Attempt == 1 || strings.HasSuffix(r.URI, "/always-slow") {
			start := time.Now()
			<-ctx.Done() // until the emulator gives up on the request
			slowFor.Store(r.RequestID+fmt.Sprint(r.Attempt), time.Since(start))
		}
		return nil
	}})
	createHTTPStream(t, env.Firehose, "s", httpDest(url))
	putBatch(t, env.Firehose, "s", []byte("patience"))
	waitRequests(t, rc, 1)
	nextRetry(t, clock)
	reqs := waitRequests(t, rc, 2)
	waitDelivered(t, env)
	if reqs[0].RequestID != reqs[1].RequestID || reqs[1].Status != 200 {
		t.Fatalf("requests %s then %s (status %d)", reqs[0].RequestID, reqs[1].RequestID, reqs[1].Status)
	}
	if d, _ := slowFor.Load(reqs[0].RequestID + "1"); d.(time.Duration) < 250*time.Millisecond || d.(time.Duration) > 5*time.Second {
		t.Fatalf("the emulator waited %v for the slow endpoint, want 300 ms", d)
	}
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("a delivered batch was backed up: %s", objs[0].key)
	}

	dest := httpDest(url + "/always-slow")
	dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
	createHTTPStream(t, env.Firehose, "slow", dest)
	putBatch(t, env.Firehose, "slow", []byte("never answered"))
	waitDelivered(t, env)
	docs, _ := failedDocs(t, env, "slow")
	if len(docs) != 1 || docs[0].ErrorCode != "HttpEndpoint.RequestTimeout" || docs[0].ErrorMessage != "The endpoint did not respond within 300ms." {
		t.Fatalf("documents %+v", docs)
	}
}

// Every answer that breaks the response specification, and every transport
// failure, is a failed attempt with AWS's error code; with RetryOptions 0
// the records go straight to the backup, where the code can be read.
func TestHTTPEndpointInvalidResponses(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), HTTPEndpointTimeout: 5 * time.Second})
	ok := func(r *receiver.Request) []byte {
		return []byte(fmt.Sprintf(`{"requestId":"%s","timestamp":1}`, r.RequestID))
	}
	responses := map[string]func(r *receiver.Request) *receiver.Response{
		"notjson": func(r *receiver.Request) *receiver.Response { return &receiver.Response{Body: []byte("OK")} },
		"wrongid": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: []byte(`{"requestId":"x","timestamp":1}`)}
		},
		"noid": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: []byte(`{"requestId":null,"timestamp":1}`)}
		},
		"stringtime": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: []byte(`{"requestId":"` + r.RequestID + `","timestamp":"1"}`)}
		},
		"extrafield": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: []byte(`{"requestId":"` + r.RequestID + `","timestamp":1,"status":"ok"}`)}
		},
		"texttype": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: ok(r), ContentType: "text/plain"}
		},
		"created": func(r *receiver.Request) *receiver.Response { return &receiver.Response{Status: 201, Body: ok(r)} },
		"redirect": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Status: 302, Body: []byte("{}")}
		},
		"toolarge": func(r *receiver.Request) *receiver.Response {
			return &receiver.Response{Body: append(ok(r)[:len(ok(r))-1], []byte(`,"errorMessage":"`+strings.Repeat("x", 1<<20)+`"}`)...)}
		},
	}
	_, url := startReceiver(t, receiver.Options{Respond: func(_ context.Context, r *receiver.Request) *receiver.Response {
		return responses[strings.TrimPrefix(r.URI, "/")](r)
	}})
	// Answers the receiver cannot give: a chunked body, a gzipped body, a
	// closed connection.
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Amz-Firehose-Request-Id")
		body := fmt.Sprintf(`{"requestId":"%s","timestamp":1}`, id)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/chunked":
			_, _ = io.WriteString(w, body)
			w.(http.Flusher).Flush()
		case "/gzipped":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, body)
			_ = zw.Close()
		case "/hangup":
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		}
	}))
	t.Cleanup(raw.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String() + "/"
	closed.Close()

	cases := []struct{ name, url, code, msg string }{
		{"notjson", url + "/notjson", "HttpEndpoint.InvalidResponseFromDestination", "is not recognized as valid JSON or has unexpected fields. Raw response received: 200 OK"},
		{"wrongid", url + "/wrongid", "HttpEndpoint.InvalidResponseFromDestination", `has requestId "x", which does not match the request`},
		{"noid", url + "/noid", "HttpEndpoint.InvalidResponseFromDestination", "does not contain a requestId"},
		{"stringtime", url + "/stringtime", "HttpEndpoint.InvalidResponseFromDestination", "does not contain a timestamp that is a number"},
		{"extrafield", url + "/extrafield", "HttpEndpoint.InvalidResponseFromDestination", "has unexpected fields"},
		{"texttype", url + "/texttype", "HttpEndpoint.InvalidResponseFromDestination", "does not have the content-type application/json"},
		{"created", url + "/created", "HttpEndpoint.DestinationException", "The following response was received from the endpoint destination. 201: {"},
		{"redirect", url + "/redirect", "HttpEndpoint.InvalidResponseFromDestination", "has status 302"},
		{"toolarge", url + "/toolarge", "HttpEndpoint.ResponseTooLarge", "larger than 1 MiB"},
		{"chunked", raw.URL + "/chunked", "HttpEndpoint.InvalidResponseFromDestination", "no Content-Length"},
		{"gzipped", raw.URL + "/gzipped", "HttpEndpoint.InvalidResponseFromDestination", "is content-encoded"},
		{"hangup", raw.URL + "/hangup", "HttpEndpoint.ConnectionReset", "closed the connection"},
		{"refused", refused, "HttpEndpoint.ConnectionFailed", "could not connect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := httpDest(c.url)
			dest.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
			createHTTPStream(t, env.Firehose, c.name, dest)
			putBatch(t, env.Firehose, c.name, []byte(c.name))
			waitDelivered(t, env)
			docs, _ := failedDocs(t, env, c.name)
			if len(docs) != 1 || docs[0].ErrorCode != c.code || !strings.Contains(docs[0].ErrorMessage, c.msg) || docs[0].AttemptsMade != 1 {
				t.Fatalf("documents %+v, want %s containing %q", docs, c.code, c.msg)
			}
		})
	}
}

// AllData backs up every source record to S3Configuration, buffered by its
// own hints and compressed as it says, while the endpoint gets them too.
func TestHTTPEndpointAllDataBackup(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url)
	dest.S3BackupMode = types.HttpEndpointS3BackupModeAllData
	dest.S3Configuration.Prefix = aws.String("backup/")
	dest.S3Configuration.BufferingHints = hints(1, 60)
	dest.S3Configuration.CompressionFormat = types.CompressionFormatGzip
	createHTTPStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("one\n"), []byte("two\n"))
	clock.Advance(10 * time.Second)
	putBatch(t, env.Firehose, "s", []byte("three\n"))
	waitRequests(t, rc, 2)
	waitDelivered(t, env)
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("backup written before its 60 s interval: %s", objs[0].key)
	}
	clock.Advance(50 * time.Second)
	waitDelivered(t, env)
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 || !regexp.MustCompile(`^backup/2026/11/25/10/s-1-2026-11-25-10-30-15-`+uuidRE+`\.gz$`).MatchString(objs[0].key) || objs[0].enc != "gzip" {
		t.Fatalf("objects %+v", objs)
	}
	zr, err := gzip.NewReader(bytes.NewReader(objs[0].body))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != "one\ntwo\nthree\n" {
		t.Fatalf("backup holds %q", b)
	}
	if got := rc.Records(); len(got) != 3 {
		t.Fatalf("endpoint got %d records", len(got))
	}
}

// A Lambda transform in front of the endpoint: the endpoint gets what the
// function returns Ok, processing failures go to the S3 backup's error
// prefix, and AllData backs up the untransformed source records.
func TestHTTPEndpointLambdaTransform(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "upper", nil)
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url)
	dest.S3BackupMode = types.HttpEndpointS3BackupModeAllData
	dest.S3Configuration.BufferingHints = hints(1, 60)
	dest.S3Configuration.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	dest.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeLambda,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "upper")},
			{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
			{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("0")},
		}}}}
	createHTTPStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("a\n"), []byte("drop me\n"), []byte("fail me\n"), []byte("b\n"))
	r := waitRequests(t, rc, 1)[0]
	if len(r.Records) != 2 || string(r.Records[0]) != "A\n" || string(r.Records[1]) != "B\n" {
		t.Fatalf("endpoint got %q", r.Records)
	}
	clock.Advance(60 * time.Second) // the backup's interval
	waitDelivered(t, env)
	var backup string
	var errs []errorDoc
	for _, o := range objects(t, env, "deliveries") {
		switch {
		case strings.HasPrefix(o.key, "errors/processing-failed/s-1-"):
			_, e, _ := split(t, []object{o})
			errs = append(errs, e...)
		case strings.HasPrefix(o.key, "2026/11/25/10/s-1-"):
			backup += string(o.body)
		default:
			t.Fatalf("unexpected object %s", o.key)
		}
	}
	if backup != "a\ndrop me\nfail me\nb\n" {
		t.Fatalf("AllData backup %q, want the source records", backup)
	}
	if len(errs) != 1 || rawOf(t, errs[0]) != "fail me\n" || errs[0].ErrorCode != "Lambda.ProcessingFailedStatus" {
		t.Fatalf("processing-failed documents %+v", errs)
	}
}

// --endpoint-rewrite: a stream configured for a real service delivers to a
// local receiver, and still describes the configured URL.
func TestHTTPEndpointRewrite(t *testing.T) {
	rc, url := startReceiver(t, receiver.Options{AccessKey: "dd-key"})
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0),
		EndpointRewrites: []emulator.EndpointRewrite{{From: "https://aws-kinesis-http-intake.logs.datadoghq.com/", To: url + "/datadog"}}})
	const ddURL = "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input"
	dest := httpDest(ddURL)
	dest.EndpointConfiguration.Name = aws.String("Datadog")
	dest.EndpointConfiguration.AccessKey = aws.String("dd-key")
	createHTTPStream(t, env.Firehose, "dd", dest)
	putBatch(t, env.Firehose, "dd", []byte(`{"message":"hi"}`))
	r := waitRequests(t, rc, 1)[0]
	if r.URI != "/datadog/v1/input" || r.Status != 200 {
		t.Fatalf("request %s answered %d: %s", r.URI, r.Status, r.Error)
	}
	out, err := env.Firehose.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("dd")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.DeliveryStreamDescription.Destinations[0].HttpEndpointDestinationDescription.EndpointConfiguration.Url); got != ddURL {
		t.Fatalf("described URL %s", got)
	}
}

// A batch is split into requests of at most 10,000 records, in order.
func TestHTTPEndpointSplitsRequests(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := httpDest(url)
	dest.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	createHTTPStream(t, env.Firehose, "s", dest)
	const total = 10500
	for call := 0; call < total/500; call++ {
		recs := make([][]byte, 500)
		for i := range recs {
			recs[i] = []byte(strconv.Itoa(call*500 + i))
		}
		putBatch(t, env.Firehose, "s", recs...)
	}
	clock.Advance(60 * time.Second)
	waitDelivered(t, env)
	reqs := rc.Requests()
	got := rc.Records()
	// The SDK occasionally re-sends a PutRecordBatch whose 200 response it
	// failed to read (see the report), so a call's records can arrive twice.
	if len(reqs) != 2 || len(reqs[0].Records) != 10000 || len(reqs[1].Records) != len(got)-10000 || len(got) < total || reqs[0].RequestID == reqs[1].RequestID {
		t.Fatalf("%d requests for %d records", len(reqs), len(got))
	}
	first := map[string]int{}
	for i, r := range got {
		if _, ok := first[string(r)]; !ok {
			first[string(r)] = i
		}
	}
	for n := 0; n < total; n++ {
		i, ok := first[strconv.Itoa(n)]
		if !ok || (n > 0 && i < first[strconv.Itoa(n-1)]) {
			t.Fatalf("record %d missing or out of order", n)
		}
	}
	if len(got) > total {
		t.Logf("the SDK re-sent %d records", len(got)-total)
	}
}

// Describe renders the destination with AWS's defaults, the S3 backup
// nested, and no AccessKey; UpdateDestination merges, and switches between
// S3 and HTTP endpoint when the update carries the required members.
func TestHTTPEndpointDescribeAndUpdate(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	ctx := context.Background()
	rc, url := startReceiver(t, receiver.Options{AccessKey: "secret"})
	dest := &types.HttpEndpointDestinationConfiguration{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url), Name: aws.String("local"), AccessKey: aws.String("secret")},
		S3Configuration:       &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
		RoleARN:               aws.String(roleARN),
	}
	createHTTPStream(t, env.Firehose, "h", dest)
	_, raw := rawCall(t, env.URL, "Firehose_20150804.DescribeDeliveryStream", "application/x-amz-json-1.1", []byte(`{"DeliveryStreamName":"h"}`))
	b, _ := json.Marshal(raw["DeliveryStreamDescription"].(map[string]any)["Destinations"])
	want := `[{"DestinationId":"destinationId-000000000001","HttpEndpointDestinationDescription":{` +
		`"BufferingHints":{"IntervalInSeconds":300,"SizeInMBs":5},"CloudWatchLoggingOptions":{"Enabled":false},` +
		`"EndpointConfiguration":{"Name":"local","Url":"` + url + `"},"RequestConfiguration":{"ContentEncoding":"NONE"},` +
		`"RetryOptions":{"DurationInSeconds":300},"RoleARN":"` + roleARN + `","S3BackupMode":"FailedDataOnly",` +
		`"S3DestinationDescription":{"BucketARN":"` + bucketARN + `","BufferingHints":{"IntervalInSeconds":300,"SizeInMBs":5},` +
		`"CloudWatchLoggingOptions":{"Enabled":false},"CompressionFormat":"UNCOMPRESSED","EncryptionConfiguration":{"NoEncryptionConfig":"NoEncryption"},` +
		`"Prefix":"","RoleARN":"` + roleARN + `"}}}]`
	if string(b) != want {
		t.Fatalf("Destinations\n%s\nwant\n%s", b, want)
	}

	update := func(version string, u *types.HttpEndpointDestinationUpdate) error {
		_, err := env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("h"),
			CurrentDeliveryStreamVersionId: aws.String(version), DestinationId: aws.String("destinationId-000000000001"), HttpEndpointDestinationUpdate: u})
		return err
	}
	// A new URL and attributes: the access key is kept, the buffer cut
	// under version 1 still goes out with version 1's configuration.
	if err := update("1", &types.HttpEndpointDestinationUpdate{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url + "/v2")},
		BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		RequestConfiguration:  &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip},
		S3BackupMode:          types.HttpEndpointS3BackupModeAllData,
		S3Update:              &types.S3DestinationUpdate{Prefix: aws.String("backup/")},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("h")})
	if err != nil {
		t.Fatal(err)
	}
	h := out.DeliveryStreamDescription.Destinations[0].HttpEndpointDestinationDescription
	if aws.ToString(out.DeliveryStreamDescription.VersionId) != "2" || aws.ToString(h.EndpointConfiguration.Url) != url+"/v2" ||
		aws.ToString(h.EndpointConfiguration.Name) != "local" || h.RequestConfiguration.ContentEncoding != types.ContentEncodingGzip ||
		h.S3BackupMode != types.HttpEndpointS3BackupModeAllData || aws.ToString(h.S3DestinationDescription.Prefix) != "backup/" ||
		aws.ToString(h.S3DestinationDescription.BucketARN) != bucketARN || aws.ToInt32(h.BufferingHints.IntervalInSeconds) != 0 {
		t.Fatalf("after the update: %+v", h)
	}
	putBatch(t, env.Firehose, "h", []byte("v2"))
	if r := waitRequests(t, rc, 1)[0]; r.URI != "/v2" || r.AccessKey != "secret" || r.ContentEncoding != "gzip" || r.Status != 200 {
		t.Fatalf("request after the update: %s, key %q, %d %s", r.URI, r.AccessKey, r.Status, r.Error)
	}
	err = update("2", &types.HttpEndpointDestinationUpdate{S3BackupMode: types.HttpEndpointS3BackupModeFailedDataOnly})
	wantAPIError(t, err, "InvalidArgumentException", "S3BackupMode cannot be changed from AllData to FailedDataOnly")

	// HTTP → S3 needs the bucket and role; then S3 → HTTP needs the endpoint and the backup.
	s3update := func(version string, u *types.ExtendedS3DestinationUpdate) error {
		_, err := env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("h"),
			CurrentDeliveryStreamVersionId: aws.String(version), DestinationId: aws.String("destinationId-000000000001"), ExtendedS3DestinationUpdate: u})
		return err
	}
	wantAPIError(t, s3update("2", &types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")}), "InvalidArgumentException", "ExtendedS3DestinationUpdate.RoleARN and ExtendedS3DestinationUpdate.BucketARN")
	if err := s3update("2", &types.ExtendedS3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String("s3/")}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("h")})
	if d := out.DeliveryStreamDescription.Destinations[0]; d.HttpEndpointDestinationDescription != nil || aws.ToString(d.ExtendedS3DestinationDescription.Prefix) != "s3/" {
		t.Fatalf("after switching to S3: %+v", d)
	}
	wantAPIError(t, update("3", &types.HttpEndpointDestinationUpdate{EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url)}}),
		"InvalidArgumentException", "requires HttpEndpointDestinationUpdate.EndpointConfiguration and S3Update with RoleARN and BucketARN")
	if err := update("3", &types.HttpEndpointDestinationUpdate{EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(url)},
		S3Update: &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("h")})
	if d := out.DeliveryStreamDescription.Destinations[0]; d.ExtendedS3DestinationDescription != nil || d.HttpEndpointDestinationDescription == nil ||
		aws.ToString(out.DeliveryStreamDescription.VersionId) != "4" {
		t.Fatalf("after switching back: %+v", d)
	}
}

// The model's constraints, and the rules beyond them, are enforced; http://
// is accepted only for loopback and private hosts.
func TestHTTPEndpointValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	cases := []struct {
		name       string
		edit       func(d *types.HttpEndpointDestinationConfiguration)
		code, want string
	}{
		{"public http", func(d *types.HttpEndpointDestinationConfiguration) {
			d.EndpointConfiguration.Url = aws.String("http://example.com/")
		},
			"ValidationException", "Value 'http://example.com/' at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy constraint: Member must satisfy regular expression pattern: https://.*"},
		{"ftp", func(d *types.HttpEndpointDestinationConfiguration) {
			d.EndpointConfiguration.Url = aws.String("ftp://127.0.0.1/")
		},
			"ValidationException", "Member must satisfy regular expression pattern: https://.*"},
		{"size", func(d *types.HttpEndpointDestinationConfiguration) {
			d.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(65), IntervalInSeconds: aws.Int32(60)}
		}, "ValidationException", "Value '65' at 'httpEndpointDestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 64"},
		{"retry", func(d *types.HttpEndpointDestinationConfiguration) {
			d.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(7201)}
		}, "ValidationException", "Member must have value less than or equal to 7200"},
		{"hints together", func(d *types.HttpEndpointDestinationConfiguration) {
			d.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(5)}
		}, "InvalidArgumentException", "must be specified together"},
		{"attributes", func(d *types.HttpEndpointDestinationConfiguration) {
			d.RequestConfiguration = &types.HttpEndpointRequestConfiguration{CommonAttributes: []types.HttpEndpointCommonAttribute{
				{AttributeName: aws.String("a"), AttributeValue: aws.String("1")}, {AttributeName: aws.String("a"), AttributeValue: aws.String("2")}}}
		}, "InvalidArgumentException", "attribute name a more than once"},
		{"processor", func(d *types.HttpEndpointDestinationConfiguration) {
			d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
				Parameters: []types.ProcessorParameter{{ParameterName: types.ProcessorParameterNameSubRecordType, ParameterValue: aws.String("JSON")}}}}}
		}, "InvalidArgumentException", "class com.amazonaws.services.firehose.internal.model.RecordDeAggregationProcessor can only be present when Dynamic Partitioning is enabled."},
		{"backup prefix", func(d *types.HttpEndpointDestinationConfiguration) {
			d.S3Configuration.Prefix = aws.String("p/!{timestamp:yyyy}/")
		}, "InvalidArgumentException", "ErrorOutputPrefix cannot be null or empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := httpDest("https://example.com/")
			c.edit(d)
			_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("refused"), HttpEndpointDestinationConfiguration: d})
			wantAPIError(t, err, c.code, c.want)
		})
	}
	for i, ok := range []string{"http://127.0.0.1:1/", "http://localhost:8080/x", "http://10.1.2.3/", "http://192.168.0.9:9/", "http://[::1]:80/", "https://example.com/"} {
		d := httpDest(ok)
		d.SecretsManagerConfiguration = &types.SecretsManagerConfiguration{Enabled: aws.Bool(false)}
		if _, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(fmt.Sprint("ok", i)), HttpEndpointDestinationConfiguration: d}); err != nil {
			t.Fatalf("%s refused: %v", ok, err)
		}
	}
	_, err := env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("ok0"),
		CurrentDeliveryStreamVersionId: aws.String("1"), DestinationId: aws.String("destinationId-000000000001"),
		HttpEndpointDestinationUpdate: &types.HttpEndpointDestinationUpdate{EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("http://example.com/")}}})
	wantAPIError(t, err, "ValidationException", "at 'httpEndpointDestinationUpdate.endpointConfiguration.url'")
}
