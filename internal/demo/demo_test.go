package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

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
	fail    func(call int, n int) (*firehose.PutRecordBatchOutput, error)
}

func (f *fakeAPI) PutRecordBatch(ctx context.Context, in *firehose.PutRecordBatchInput, _ ...func(*firehose.Options)) (*firehose.PutRecordBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.DeliveryStreamName) != "ticks" {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Firehose " + aws.ToString(in.DeliveryStreamName) + " under account 000000000000 not found."}
	}
	var recs [][]byte
	for _, r := range in.Records {
		recs = append(recs, r.Data)
	}
	f.batches = append(f.batches, recs)
	if f.fail != nil {
		return f.fail(len(f.batches), len(recs))
	}
	return &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(0)}, nil
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
	api := &fakeAPI{fail: func(call, n int) (*firehose.PutRecordBatchOutput, error) {
		switch call {
		case 2:
			return nil, &smithy.GenericAPIError{Code: "ServiceUnavailableException", Message: "Slow down."}
		case 3:
			resp := make([]types.PutRecordBatchResponseEntry, n)
			resp[0] = types.PutRecordBatchResponseEntry{ErrorCode: aws.String("ServiceUnavailableException"), ErrorMessage: aws.String("Slow down.")}
			return &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(1), RequestResponses: resp}, nil
		}
		return &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(0)}, nil
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
	first := &fakeAPI{fail: func(int, int) (*firehose.PutRecordBatchOutput, error) {
		return nil, errors.New("connection refused")
	}}
	r = newRun(t, first, demo.Options{Rate: 10})
	if err := r.Run(context.Background()); err == nil || r.Stats().Failed != 1 {
		t.Fatalf("first request failing: %v, %+v", err, r.Stats())
	}
}

func TestRunUntilCancelled(t *testing.T) {
	api := &fakeAPI{}
	ctx, cancel := context.WithCancel(context.Background())
	api.fail = func(call, n int) (*firehose.PutRecordBatchOutput, error) {
		if call == 7 {
			cancel()
		}
		return &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(0)}, nil
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
