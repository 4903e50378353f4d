package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	benchStream = "bench"
	benchBucket = "bench-deliveries"
	benchRegion = "us-east-1"
)

// awsConfig is the one SDK configuration every target gets: static dummy
// credentials, no retries (so throttles and errors show in the counts), and
// a keep-alive HTTP transport with a connection per worker, no proxy.
func awsConfig(endpoint string, maxConns int) aws.Config {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxConns * 2,
		MaxIdleConnsPerHost: maxConns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return aws.Config{
		Region:           benchRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient:       bufferedBodyClient{&http.Client{Transport: tr, Timeout: time.Minute}},
		RetryMaxAttempts: 1,
		Retryer:          func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// bufferedBodyClient hands the transport a private copy of each request
// body. Without it about 1 call in 20 against a fast server fails with
// "deserialization failed ... use of closed network connection": the SDK
// closes its request body stream once the response is in, while the
// transport's write loop may still read it to check for EOF; the failed read
// makes the transport close the connection under the response being read
// (aws/aws-sdk-go-v2#2737; the SDK's default retryer retries net.ErrClosed
// since #2949, but retries are off here). The copy costs the same for every
// target.
type bufferedBodyClient struct{ c *http.Client }

func (b bufferedBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	return b.c.Do(r)
}

// setupStream creates the bucket and a Direct PUT stream delivering to it
// with the default buffering hints (5 MiB, 300 s; firehose-local's
// --max-buffer-interval shortens the interval).
func setupStream(ctx context.Context, cfg aws.Config) error {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(benchBucket)}); err != nil {
		return fmt.Errorf("CreateBucket: %w", err)
	}
	fh := firehose.NewFromConfig(cfg)
	_, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(benchStream),
		DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:   aws.String("arn:aws:iam::000000000000:role/firehose-bench"),
			BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
		},
	})
	if err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(benchStream)})
		if err != nil {
			return fmt.Errorf("DescribeDeliveryStream: %w", err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("stream not ACTIVE after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// makeRecords returns n records of size bytes of printable data.
func makeRecords(seed uint64, n, size int) []types.Record {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}:,\""
	recs := make([]types.Record, n)
	for i := range recs {
		b := make([]byte, size)
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		if size > 0 {
			b[size-1] = '\n'
		}
		recs[i] = types.Record{Data: b}
	}
	return recs
}

// loadResult is what one load run measured inside its window.
type loadResult struct {
	workers   int
	elapsed   time.Duration
	requests  int64
	records   int64 // accepted records
	failed    int64 // records with an ErrorCode in a 200 response
	errors    int64 // failed calls (transport errors, throttles, 5xx)
	firstErr  string
	serverCPU time.Duration
	clientCPU time.Duration
	rss       int64 // the server's VmRSS after the window (set by kinesisLoad only)
}

func (r loadResult) recordsPerSec() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.records) / r.elapsed.Seconds()
}

type counters struct {
	requests, records, failed, errors atomic.Int64
	mu                                sync.Mutex
	firstErr                          string
}

// runLoad drives PutRecordBatch from workers goroutines for warmup plus
// window, and reports what completed inside the window.
func runLoad(ctx context.Context, cfg aws.Config, workers, batch, size int, warmup, window time.Duration, serverPID int) loadResult {
	return runLoadOn(ctx, cfg, benchStream, func(w int) []types.Record { return makeRecords(uint64(w+1), batch, size) }, workers, warmup, window, serverPID)
}

// runLoadOn is runLoad on the stream named stream, worker w sending the
// batch records(w) again and again.
func runLoadOn(ctx context.Context, cfg aws.Config, stream string, records func(w int) []types.Record, workers int, warmup, window time.Duration, serverPID int) loadResult {
	client := firehose.NewFromConfig(cfg)
	var c counters
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		recs := records(w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs}
			for ctx.Err() == nil {
				out, err := client.PutRecordBatch(ctx, in)
				if ctx.Err() != nil {
					return
				}
				c.requests.Add(1)
				if err != nil {
					c.errors.Add(1)
					c.mu.Lock()
					if c.firstErr == "" {
						c.firstErr = err.Error()
					}
					c.mu.Unlock()
					time.Sleep(time.Millisecond) // a dead server must not spin the client
					continue
				}
				f := int64(aws.ToInt32(out.FailedPutCount))
				c.failed.Add(f)
				c.records.Add(int64(len(recs)) - f)
			}
		}()
	}
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
	}
	snap := func() (time.Time, int64, int64, int64, int64, time.Duration, time.Duration) {
		return time.Now(), c.requests.Load(), c.records.Load(), c.failed.Load(), c.errors.Load(), cpuTime(serverPID), selfCPU()
	}
	t0, q0, r0, f0, e0, s0, k0 := snap()
	select {
	case <-time.After(window):
	case <-ctx.Done():
	}
	t1, q1, r1, f1, e1, s1, k1 := snap()
	cancel()
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return loadResult{
		workers: workers, elapsed: t1.Sub(t0),
		requests: q1 - q0, records: r1 - r0, failed: f1 - f0, errors: e1 - e0, firstErr: c.firstErr,
		serverCPU: s1 - s0, clientCPU: k1 - k0,
	}
}
