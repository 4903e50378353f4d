// Package demo sends demo data to a delivery stream, like the AWS console's
// "Test with demo data": stock-ticker records, one JSON object per record
// followed by a newline,
//
//	{"ticker_symbol":"QXZ","sector":"HEALTHCARE","change":-0.05,"price":84.51}
//
// at a steady rate, through the public Firehose API (PutRecordBatch requests
// over HTTP, SigV4-signed as an SDK signs them). The firehose-local demo
// command and the web console's demo button both use it.
package demo

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Limits of a run.
const (
	MaxRate   = 100_000 // records per second
	batchSize = 500     // PutRecordBatch's limit; demo records are far below its 4 MiB
	tick      = 100 * time.Millisecond
)

// stocks are the symbols the demo trades in, with their sectors and opening
// prices. (The AWS console's demo uses made-up three-letter symbols too.)
var stocks = []struct {
	symbol, sector string
	price          float64
}{
	{"QXZ", "HEALTHCARE", 84.51}, {"AMZN", "RETAIL", 182.36}, {"WMT", "RETAIL", 67.12},
	{"TGT", "RETAIL", 154.20}, {"ASD", "FINANCIAL", 68.74}, {"BNM", "FINANCIAL", 23.45},
	{"JKL", "FINANCIAL", 112.08}, {"PLM", "HEALTHCARE", 45.90}, {"CVB", "HEALTHCARE", 210.33},
	{"NGC", "ENERGY", 31.27}, {"SLW", "ENERGY", 58.66}, {"ORB", "ENERGY", 9.85},
	{"TBV", "TECHNOLOGY", 143.72}, {"WSB", "TECHNOLOGY", 301.15}, {"QWE", "TECHNOLOGY", 76.40},
	{"DFG", "MANUFACTURING", 39.18}, {"HJK", "MANUFACTURING", 122.94}, {"UYT", "MANUFACTURING", 17.63},
	{"KIN", "TELECOM", 28.09}, {"XTC", "TELECOM", 64.52},
}

// Generator makes stock-ticker records whose prices take a random walk. It
// is not safe for concurrent use.
type Generator struct {
	rnd    *rand.Rand
	prices []float64
}

// NewGenerator returns a Generator; the same seed gives the same records.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), prices: make([]float64, len(stocks))}
	for i, s := range stocks {
		g.prices[i] = s.price
	}
	return g
}

// Next returns the next record: one JSON object and a newline. Prices move
// by up to 2% a step, never below 1.00; both numbers have two decimals.
func (g *Generator) Next() []byte {
	i := g.rnd.IntN(len(stocks))
	price := g.prices[i]
	change := round2(price * (g.rnd.Float64()*0.04 - 0.02))
	if price+change < 1 {
		change = -change
	}
	price = round2(price + change)
	g.prices[i] = price
	b := make([]byte, 0, 96)
	b = append(b, `{"ticker_symbol":"`...)
	b = append(b, stocks[i].symbol...)
	b = append(b, `","sector":"`...)
	b = append(b, stocks[i].sector...)
	b = append(b, `","change":`...)
	b = strconv.AppendFloat(b, change, 'f', 2, 64)
	b = append(b, `,"price":`...)
	b = strconv.AppendFloat(b, price, 'f', 2, 64)
	b = append(b, "}\n"...)
	return b
}

func round2(x float64) float64 {
	r := math.Round(x*100) / 100
	if r == 0 {
		return 0 // not -0, which would print as -0.00
	}
	return r
}

// API sends one PutRecordBatch request. *Client is the real one.
type API interface {
	PutRecordBatch(ctx context.Context, stream string, records [][]byte) (BatchResult, error)
}

// BatchResult is what the stream made of a batch: how many records it
// refused (FailedPutCount), and the first refusal's error code and message.
type BatchResult struct {
	Failed     int
	FirstError string
}

// APIError is a Firehose error response.
type APIError struct {
	Code, Message string
	Status        int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Doer sends HTTP requests; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client calls PutRecordBatch on a Firehose API endpoint (firehose-local's)
// with SigV4-signed JSON 1.1 requests over plain net/http. The signature's
// scope carries the region, which selects the stream's region. It does not
// use the SDK's Firehose client, whose package initialisation would cost
// every start of the binary more than a millisecond.
type Client struct {
	endpoint, region string
	http             Doer
	creds            aws.Credentials
	signer           *v4.Signer
}

// NewClient returns a Client for a firehose-local at endpoint that signs
// with creds (dummies if they are empty, for a server without --auth). doer
// nil means a plain http.Client.
func NewClient(endpoint, region string, creds aws.Credentials, doer Doer) *Client {
	if doer == nil {
		doer = &http.Client{}
	}
	if creds.AccessKeyID == "" {
		creds = aws.Credentials{AccessKeyID: "firehose-local-demo", SecretAccessKey: "firehose-local-demo"}
	}
	return &Client{
		endpoint: strings.TrimSuffix(endpoint, "/") + "/",
		region:   region,
		http:     doer,
		creds:    creds,
		signer:   v4.NewSigner(),
	}
}

// requestTimeout bounds one PutRecordBatch call.
const requestTimeout = 30 * time.Second

// PutRecordBatch sends records to stream in one request.
func (c *Client) PutRecordBatch(ctx context.Context, stream string, records [][]byte) (BatchResult, error) {
	type record struct {
		Data []byte `json:"Data"`
	}
	in := struct {
		DeliveryStreamName string   `json:"DeliveryStreamName"`
		Records            []record `json:"Records"`
	}{stream, make([]record, len(records))}
	for i, r := range records {
		in.Records[i].Data = r
	}
	var out struct {
		FailedPutCount   int `json:"FailedPutCount"`
		RequestResponses []struct {
			ErrorCode    string `json:"ErrorCode"`
			ErrorMessage string `json:"ErrorMessage"`
		} `json:"RequestResponses"`
	}
	if err := c.call(ctx, "firehose", "Firehose_20150804.PutRecordBatch", in, &out); err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Failed: out.FailedPutCount}
	for _, r := range out.RequestResponses {
		if r.ErrorCode != "" {
			res.FirstError = r.ErrorCode + ": " + r.ErrorMessage
			break
		}
	}
	return res, nil
}

// DataStreamClient sends the demo records to a Kinesis data stream with
// PutRecords (each record's partition key its ticker symbol), so that a
// KinesisStreamAsSource delivery stream reading it gets them.
type DataStreamClient struct{ *Client }

// PutRecordBatch sends records to the data stream in one PutRecords call.
func (c DataStreamClient) PutRecordBatch(ctx context.Context, stream string, records [][]byte) (BatchResult, error) {
	type record struct {
		Data         []byte `json:"Data"`
		PartitionKey string `json:"PartitionKey"`
	}
	in := struct {
		StreamName string   `json:"StreamName"`
		Records    []record `json:"Records"`
	}{stream, make([]record, len(records))}
	for i, r := range records {
		var t struct {
			Ticker string `json:"ticker_symbol"`
		}
		_ = json.Unmarshal(r, &t)
		in.Records[i] = record{Data: r, PartitionKey: cmp.Or(t.Ticker, "demo")}
	}
	var out struct {
		FailedRecordCount int `json:"FailedRecordCount"`
		Records           []struct {
			ErrorCode    string `json:"ErrorCode"`
			ErrorMessage string `json:"ErrorMessage"`
		} `json:"Records"`
	}
	if err := c.call(ctx, "kinesis", "Kinesis_20131202.PutRecords", in, &out); err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Failed: out.FailedRecordCount}
	for _, r := range out.Records {
		if r.ErrorCode != "" {
			res.FirstError = r.ErrorCode + ": " + r.ErrorMessage
			break
		}
	}
	return res, nil
}

// call sends one signed JSON 1.1 request of the API service (its SigV4
// name) and decodes the answer into out; an error answer is an *APIError.
func (c *Client) call(ctx context.Context, service, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), service, c.region, time.Now()); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(rb, &e)
		code := e.Type
		if code == "" {
			code = resp.Header.Get("X-Amzn-ErrorType")
		}
		if i := strings.LastIndex(code, "#"); i >= 0 {
			code = code[i+1:]
		}
		if i := strings.Index(code, ":"); i >= 0 {
			code = code[:i]
		}
		if code == "" {
			code = "HTTP " + strconv.Itoa(resp.StatusCode)
		}
		if e.Message == "" {
			e.Message = strings.TrimSpace(string(rb))
		}
		return &APIError{Code: code, Message: e.Message, Status: resp.StatusCode}
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return fmt.Errorf("decoding the response: %w", err)
	}
	return nil
}

// Clock paces a run; tests pass a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure a run.
type Options struct {
	Client API
	Stream string
	// Rate is records per second, 1 to MaxRate.
	Rate int
	// Duration ends the run after that long; 0 runs until the context ends.
	Duration time.Duration
	// Seed makes the records reproducible; 0 picks a random seed.
	Seed uint64
	// Clock defaults to the system clock.
	Clock Clock
}

// Stats count what a run has done so far.
type Stats struct {
	Stream string
	Rate   int // the rate asked for
	// Sent is the records the stream accepted; Failed those it refused
	// (FailedPutCount entries, and every record of a request that failed).
	Sent, Failed int64
	// Requests counts PutRecordBatch calls; RequestErrors those that failed
	// as a whole.
	Requests, RequestErrors int64
	LastError               string
	Started                 time.Time
	Elapsed                 time.Duration
	Running                 bool
}

// Errors is every failed record.
func (s Stats) Errors() int64 { return s.Failed }

// ActualRate is the records accepted per second so far.
func (s Stats) ActualRate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Elapsed.Seconds()
}

// Run is one demo run. Its counters can be read while it runs.
type Run struct {
	opts  Options
	gen   *Generator
	clock Clock

	mu    sync.Mutex
	stats Stats
}

// New checks opts and prepares a run.
func New(opts Options) (*Run, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("demo: no Firehose client")
	case opts.Stream == "":
		return nil, errors.New("demo: no delivery stream named")
	case opts.Rate < 1 || opts.Rate > MaxRate:
		return nil, fmt.Errorf("demo: rate %d is outside 1 to %d records per second", opts.Rate, MaxRate)
	case opts.Duration < 0:
		return nil, fmt.Errorf("demo: negative duration %s", opts.Duration)
	}
	if opts.Seed == 0 {
		opts.Seed = rand.Uint64()
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	return &Run{opts: opts, gen: NewGenerator(opts.Seed), clock: opts.Clock, stats: Stats{Stream: opts.Stream, Rate: opts.Rate}}, nil
}

// Stats returns the counters so far.
func (r *Run) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	if s.Running {
		s.Elapsed = r.clock.Now().Sub(s.Started)
	}
	return s
}

// ErrStreamNotFound is returned (wrapped) when the stream (delivery or
// data stream) does not exist.
var ErrStreamNotFound = errors.New("stream not found")

// Run sends records until the duration has passed or ctx ends, whichever
// comes first; both are a normal end and return nil. It returns an error
// when the stream does not exist, or when the first request fails (a wrong
// endpoint or stream), since nothing would ever get through; later failures
// are counted and the run goes on.
func (r *Run) Run(ctx context.Context) error {
	start := r.clock.Now()
	r.mu.Lock()
	r.stats.Started, r.stats.Running = start, true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.stats.Elapsed = r.clock.Now().Sub(start)
		if r.opts.Duration > 0 {
			r.stats.Elapsed = min(r.stats.Elapsed, r.opts.Duration)
		}
		r.stats.Running = false
		r.mu.Unlock()
	}()
	var attempted int64
	for {
		elapsed := r.clock.Now().Sub(start)
		last := r.opts.Duration > 0 && elapsed >= r.opts.Duration
		if last {
			elapsed = r.opts.Duration
		}
		due := int64(float64(r.opts.Rate)*elapsed.Seconds()) - attempted
		for due > 0 {
			if ctx.Err() != nil {
				return nil
			}
			n := min(due, batchSize)
			if err := r.send(ctx, int(n), attempted == 0); err != nil {
				return err
			}
			attempted += n
			due -= n
		}
		if last {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.clock.After(tick):
		}
	}
}

// send puts n records in one PutRecordBatch call.
func (r *Run) send(ctx context.Context, n int, first bool) error {
	records := make([][]byte, n)
	for i := range records {
		records[i] = r.gen.Next()
	}
	res, err := r.opts.Client.PutRecordBatch(ctx, r.opts.Stream, records)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Requests++
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped mid-request: not a failure of the stream
		}
		r.stats.RequestErrors++
		r.stats.Failed += int64(n)
		r.stats.LastError = err.Error()
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == "ResourceNotFoundException" {
			return fmt.Errorf("%w: %s", ErrStreamNotFound, apiErr.Message)
		}
		if first {
			return err
		}
		return nil
	}
	failed := int64(min(max(res.Failed, 0), n))
	r.stats.Failed += failed
	r.stats.Sent += int64(n) - failed
	if res.FirstError != "" {
		r.stats.LastError = res.FirstError
	}
	return nil
}
