package main

// In-process benchmarks of firehose-local's PutRecordBatch path, for
// profiling the server alone (no SDK client in the profile):
//
//	go test ./bench -run '^$' -bench PutRecordBatch -benchmem -cpuprofile cpu.out
//	go tool pprof -top bench.test cpu.out
//
// BenchmarkPutRecordBatch calls the handler directly; BenchmarkPutRecordBatchHTTP
// goes through a loopback listener and net/http with a plain client posting a
// pre-serialized body. The ...Noop variants run the no-op baseline the same
// way, so the lines of one run compare as ratios.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/protocol"
)

// sdkBody is a PutRecordBatch body as the AWS SDK for Go v2 serializes it.
func sdkBody(stream string, n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"DeliveryStreamName":%q,"Records":[`, stream)
	for i, r := range makeRecords(1, n, size) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Data":"`)
		b.WriteString(base64.StdEncoding.EncodeToString(r.Data))
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// discardWriter is a ResponseWriter that keeps only the status, so the
// harness itself allocates as little as possible.
type discardWriter struct {
	h      http.Header
	status int
	n      int
	body   []byte // first response, kept for checks
	keep   bool
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(s int)   { d.status = s }
func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	if d.keep {
		d.body = append(d.body, b...)
	}
	d.n += len(b)
	return len(b), nil
}

func call(h http.Handler, target string, body []byte, keep bool) *discardWriter {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0")
	w := &discardWriter{h: http.Header{}, keep: keep}
	h.ServeHTTP(w, req)
	return w
}

func newBenchServer(tb testing.TB) http.Handler {
	return newBenchServerWith(tb, emulator.Config{})
}

// newBenchServerWith is newBenchServer with cfg's DataDir and Fsync.
func newBenchServerWith(tb testing.TB, cfg emulator.Config) http.Handler {
	cfg.MaxBufferInterval = time.Second
	srv, err := emulator.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = srv.Close(ctx)
	})
	if err := srv.S3().CreateBucket(context.Background(), benchBucket); err != nil {
		tb.Fatal(err)
	}
	h := srv.Handler()
	create := fmt.Sprintf(`{"DeliveryStreamName":%q,"DeliveryStreamType":"DirectPut","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::%s"}}`, benchStream, benchBucket)
	if w := call(h, "Firehose_20150804.CreateDeliveryStream", []byte(create), true); w.status != 200 {
		tb.Fatalf("CreateDeliveryStream: %d %s", w.status, w.body)
	}
	return h
}

func benchHandler(b *testing.B, h http.Handler) {
	body := sdkBody(benchStream, 500, 100)
	w := call(h, "Firehose_20150804.PutRecordBatch", body, true)
	if w.status != 200 || !strings.Contains(string(w.body), `"FailedPutCount":0`) {
		b.Fatalf("PutRecordBatch: %d %.200s", w.status, w.body)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if w := call(h, "Firehose_20150804.PutRecordBatch", body, false); w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(b.N)*500/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPutRecordBatch is firehose-local's handler, pipeline included.
func BenchmarkPutRecordBatch(b *testing.B) { benchHandler(b, newBenchServer(b)) }

// BenchmarkPutRecordBatchNoop is the no-op baseline's handler.
func BenchmarkPutRecordBatchNoop(b *testing.B) { benchHandler(b, noopHandler(500)) }

// BenchmarkDecodePutRecordBatch is the request decoder alone.
func BenchmarkDecodePutRecordBatch(b *testing.B) {
	body := sdkBody(benchStream, 500, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := protocol.DecodePutRecordBatch(body); err != nil {
			b.Fatal(err)
		}
	}
}

// The canned no-op response must decode as a PutRecordBatch response of
// the right size, or the baseline would be cheating.
func TestCannedResponse(t *testing.T) {
	b := cannedPutRecordBatchResponse(500)
	var out protocol.PutRecordBatchOutput
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.RequestResponses) != 500 {
		t.Fatalf("%d entries", len(out.RequestResponses))
	}
	for _, e := range out.RequestResponses {
		if len(e.RecordId) != 224 {
			t.Fatalf("RecordId of %d characters", len(e.RecordId))
		}
		if _, err := base64.StdEncoding.DecodeString(e.RecordId); err != nil {
			t.Fatal(err)
		}
	}
}

// benchHTTP drives a handler over loopback HTTP with a plain net/http
// client posting a pre-serialized body, so that the profile holds the
// server's whole cost (net/http, routing, decoding, pipeline, delivery)
// and little client work.
func benchHTTP(b *testing.B, h http.Handler, workers int) {
	ts := httptest.NewServer(h)
	defer ts.Close()
	body := sdkBody(benchStream, 500, 100)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	post := func() error {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Firehose_20150804.PutRecordBatch")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	if err := post(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism((workers + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := post(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)*500/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPutRecordBatchHTTP is firehose-local over loopback HTTP.
func BenchmarkPutRecordBatchHTTP(b *testing.B) { benchHTTP(b, newBenchServer(b), 4) }

// BenchmarkPutRecordBatchHTTPDurable is firehose-local over loopback HTTP
// with a data directory, for each fsync policy.
func BenchmarkPutRecordBatchHTTPDurable(b *testing.B) {
	for _, policy := range []emulator.FsyncPolicy{emulator.FsyncAlways, emulator.FsyncInterval} {
		b.Run(string(policy), func(b *testing.B) {
			benchHTTP(b, newBenchServerWith(b, emulator.Config{DataDir: b.TempDir(), Fsync: policy}), 4)
		})
	}
}

// BenchmarkPutRecordBatchHTTPNoop is the no-op baseline over loopback HTTP.
func BenchmarkPutRecordBatchHTTPNoop(b *testing.B) { benchHTTP(b, noopHandler(500), 4) }
