package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firehose-local/firehose-local/internal/demo"
)

var recordRE = regexp.MustCompile(`^\{"ticker_symbol":"[A-Z]{3,4}","sector":"[A-Z]+","change":-?\d+\.\d\d,"price":\d+\.\d\d\}\n$`)

func TestGenerator(t *testing.T) {
	g1, g2 := demo.NewGenerator(42), demo.NewGenerator(42)
	symbols := map[string]bool{}
	last := map[string]float64{}
	for range 5000 {
		r := g1.Next()
		if !bytes.Equal(r, g2.Next()) {
			t.Fatal("the same seed gave different records")
		}
		if !recordRE.Match(r) {
			t.Fatalf("record %q does not have the demo shape", r)
		}
		var rec struct {
			Symbol string  `json:"ticker_symbol"`
			Sector string  `json:"sector"`
			Change float64 `json:"change"`
			Price  float64 `json:"price"`
		}
		if err := json.Unmarshal(r, &rec); err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		if rec.Price < 1 {
			t.Errorf("price below 1: %q", r)
		}
		if p, ok := last[rec.Symbol]; ok {
			// A random walk: each price is the previous one plus the change.
			if d := p + rec.Change - rec.Price; d > 0.005 || d < -0.005 {
				t.Errorf("%s: %.2f %+.2f != %.2f", rec.Symbol, p, rec.Change, rec.Price)
			}
		}
		last[rec.Symbol] = rec.Price
		symbols[rec.Symbol+"/"+rec.Sector] = true
	}
	if len(symbols) != 20 {
		t.Errorf("%d symbol/sector pairs, want 20: %v", len(symbols), symbols)
	}
	if bytes.Equal(demo.NewGenerator(1).Next(), demo.NewGenerator(2).Next()) && bytes.Equal(demo.NewGenerator(1).Next(), demo.NewGenerator(3).Next()) {
		t.Error("different seeds give the same records")
	}
}

// fakeClock moves forward by exactly what the run waits for.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// fakeAPI records every batch; fail decides a request's outcome.
type fakeAPI struct {
	mu      sync.Mutex
	batches [][][]byte
	fail    func(call int, n int) (demo.BatchResult, error)
}

func (f *fakeAPI) PutRecordBatch(ctx context.Context, stream string, records [][]byte) (demo.BatchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if stream != "ticks" {
		return demo.BatchResult{}, &demo.APIError{Code: "ResourceNotFoundException", Message: "Firehose " + stream + " under account 000000000000 not found.", Status: 400}
	}
	f.batches = append(f.batches, records)
	if f.fail != nil {
		return f.fail(len(f.batches), len(records))
	}
	return demo.BatchResult{}, nil
}

func (f *fakeAPI) records() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, b := range f.batches {
		n += len(b)
	}
	return n
}

func newRun(t *testing.T, api demo.API, opts demo.Options) *demo.Run {
	t.Helper()
	opts.Client = api
	if opts.Stream == "" {
		opts.Stream = "ticks"
	}
	if opts.Clock == nil {
		opts.Clock = &fakeClock{now: time.Unix(1_700_000_000, 0)}
	}
	r, err := demo.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunSendsAtTheRate(t *testing.T) {
	api := &fakeAPI{}
	r := newRun(t, api, demo.Options{Rate: 10, Duration: 10 * time.Second, Seed: 1})
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Sent != 100 || st.Failed != 0 || api.records() != 100 || st.Running || st.Elapsed != 10*time.Second || st.ActualRate() != 10 {
		t.Fatalf("stats %+v, %d records received", st, api.records())
	}
	// 10 records/s in 100 ms ticks: one record per request.
	if st.Requests != 100 {
		t.Errorf("%d requests", st.Requests)
	}
	for _, b := range api.batches {
		for _, rec := range b {
			if !recordRE.Match(rec) {
				t.Fatalf("record %q", rec)
			}
		}
	}
}

func TestRunBatchesHighRates(t *testing.T) {
	api := &fakeAPI{}
	r := newRun(t, api, demo.Options{Rate: 12_000, Duration: 2 * time.Second})
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Sent != 24_000 {
		t.Fatalf("sent %d", st.Sent)
	}
	for _, b := range api.batches {
		if len(b) > 500 {
			t.Fatalf("a batch of %d records", len(b))
		}
	}
}

func TestRunCountsFailedRecords(t *testing.T) {
	api := &fakeAPI{fail: func(call, n int) (demo.BatchResult, error) {
		switch call {
		case 2:
			return demo.BatchResult{}, &demo.APIError{Code: "ServiceUnavailableException", Message: "Slow down.", Status: 503}
		case 3:
			return demo.BatchResult{Failed: 1, FirstError: "ServiceUnavailableException: Slow down."}, nil
		}
		return demo.BatchResult{}, nil
	}}
	r := newRun(t, api, demo.Options{Rate: 20, Duration: time.Second})
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	// Request 2 (2 records) failed whole; request 3 lost one record.
	if st.Sent != 17 || st.Failed != 3 || st.Errors() != 3 || st.RequestErrors != 1 || st.LastError != "ServiceUnavailableException: Slow down." {
		t.Fatalf("stats %+v", st)
	}
}

func TestRunStopsOnFatalErrors(t *testing.T) {
	r := newRun(t, &fakeAPI{}, demo.Options{Stream: "missing", Rate: 10})
	if err := r.Run(context.Background()); !errors.Is(err, demo.ErrStreamNotFound) {
		t.Fatalf("missing stream: %v", err)
	}
	first := &fakeAPI{fail: func(int, int) (demo.BatchResult, error) {
		return demo.BatchResult{}, errors.New("connection refused")
	}}
	r = newRun(t, first, demo.Options{Rate: 10})
	if err := r.Run(context.Background()); err == nil || r.Stats().Failed != 1 {
		t.Fatalf("first request failing: %v, %+v", err, r.Stats())
	}
}

func TestRunUntilCancelled(t *testing.T) {
	api := &fakeAPI{}
	ctx, cancel := context.WithCancel(context.Background())
	api.fail = func(call, n int) (demo.BatchResult, error) {
		if call == 7 {
			cancel()
		}
		return demo.BatchResult{}, nil
	}
	r := newRun(t, api, demo.Options{Rate: 10})
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Sent != 7 || st.Running {
		t.Fatalf("stats %+v", st)
	}
}

func TestNewChecksOptions(t *testing.T) {
	for _, o := range []demo.Options{
		{Stream: "s", Rate: 10},
		{Client: &fakeAPI{}, Rate: 10},
		{Client: &fakeAPI{}, Stream: "s"},
		{Client: &fakeAPI{}, Stream: "s", Rate: demo.MaxRate + 1},
		{Client: &fakeAPI{}, Stream: "s", Rate: 1, Duration: -time.Second},
	} {
		if _, err := demo.New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// The client speaks the Firehose JSON 1.1 protocol, SigV4-signed with the
// region in its scope, and reads both kinds of failure.
func TestClient(t *testing.T) {
	var got struct {
		target, contentType, auth string
		body                      map[string]any
	}
	answer := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"FailedPutCount":1,"Encrypted":false,"RequestResponses":[{"RecordId":"a"},{"ErrorCode":"ServiceUnavailableException","ErrorMessage":"Slow down."}]}`)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.target, got.contentType, got.auth = r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"), r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		if got.body["DeliveryStreamName"] == "missing" {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Firehose missing under account 000000000000 not found."}`)
			return
		}
		answer(w)
	}))
	defer srv.Close()
	c := demo.NewClient(srv.URL, "eu-west-1", aws.Credentials{}, nil)
	res, err := c.PutRecordBatch(context.Background(), "ticks", [][]byte{[]byte("one\n"), []byte("two\n")})
	if err != nil || res.Failed != 1 || res.FirstError != "ServiceUnavailableException: Slow down." {
		t.Fatalf("%+v %v", res, err)
	}
	if got.target != "Firehose_20150804.PutRecordBatch" || got.contentType != "application/x-amz-json-1.1" ||
		!strings.Contains(got.auth, "/eu-west-1/firehose/aws4_request") {
		t.Errorf("request: %+v", got)
	}
	recs, _ := got.body["Records"].([]any)
	if len(recs) != 2 || recs[0].(map[string]any)["Data"] != "b25lCg==" {
		t.Errorf("records %v", got.body)
	}
	_, err = c.PutRecordBatch(context.Background(), "missing", [][]byte{[]byte("x")})
	var apiErr *demo.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "ResourceNotFoundException" || apiErr.Status != 400 || !strings.Contains(apiErr.Message, "not found") {
		t.Errorf("error response: %v", err)
	}
}
