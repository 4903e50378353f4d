package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	e2eStream = "bench"
	e2eBucket = "bench-deliveries"
	fnName    = "identity"
	fnARN     = "arn:aws:lambda:" + benchRegion + ":000000000000:function:" + fnName
	modePlain = "no processing (baseline)"
	modeXform = "identity Go transform"
)

// e2eResult is one end-to-end run.
type e2eResult struct {
	mode          string
	accepted      int64 // records accepted by PutRecordBatch
	calls         int64
	throttled     int64 // calls refused with ServiceUnavailableException
	failedRecords int64 // records refused with an ErrorCode in a 200 response (full buffers)
	errors        int64 // other failed calls
	firstErr      string
	refusal       string        // the first refused record's error
	load          time.Duration // first put to the last put's answer
	flush         time.Duration // POST /_local/flush
	total         time.Duration // first put to the flush's answer
	objects       int
	objectBytes   int64
	errorObjects  int
	serverCPU     time.Duration // the emulator process
	functionCPU   time.Duration // its function processes
	clientCPU     time.Duration // this process: the SDK clients
	otherCPU      time.Duration // the rest of the machine: noise
	busyCPU       time.Duration // the whole machine
	cpuOK         bool
	invocations   int     // REPORT lines in the server log
	invokeMillis  float64 // sum of their Duration
	verified      bool
	firstWarning  string // the server log's first WARN or ERROR line
	verifyMsg     string
}

func (r e2eResult) rate() float64 { return float64(r.accepted) / r.total.Seconds() }

// runE2E is part 2: the same PutRecordBatch load into a stream without
// processing and into a stream whose Lambda processor runs the identity
// transform, each on a fresh firehose-local, in alternating order.
func runE2E(ctx context.Context, o *options, flBin, identityDir string) error {
	var results []e2eResult
	discarded := 0
	for round := range o.e2eRounds {
		modes := []string{modePlain, modeXform}
		if round%2 == 1 {
			modes = []string{modeXform, modePlain}
		}
		for _, mode := range modes {
			fmt.Fprintf(o.log, "e2e: round %d, %s: %d workers for %s\n", round+1, mode, o.workers, o.duration)
			var r e2eResult
			for attempt := 1; ; attempt++ {
				var err error
				r, err = e2eRun(ctx, o, flBin, identityDir, mode, round)
				if err != nil {
					return fmt.Errorf("%s: %w", mode, err)
				}
				share := r.otherCPU.Seconds() / (r.total.Seconds() * float64(runtime.NumCPU()))
				if !r.cpuOK || o.maxNoise <= 0 || share <= o.maxNoise || attempt == 4 {
					break
				}
				discarded++
				fmt.Fprintf(o.log, "e2e:   run discarded (%s records/s): %.0f%% of the CPUs used by other processes\n", thousands(r.rate()), 100*share)
			}
			fmt.Fprintf(o.log, "e2e:   %s records/s end to end (%d records, %s), %s\n", thousands(r.rate()), r.accepted, r.total.Round(time.Millisecond), r.verifyMsg)
			results = append(results, r)
		}
	}
	printE2E(o, results, discarded)
	for _, r := range results {
		if !r.verified {
			return fmt.Errorf("%s: delivered objects do not match the accepted records: %s", r.mode, r.verifyMsg)
		}
	}
	return nil
}

func e2eRun(ctx context.Context, o *options, flBin, identityDir, mode string, round int) (e2eResult, error) {
	res := e2eResult{mode: mode}
	tag := "plain"
	if mode == modeXform {
		tag = "transform"
	}
	logPath := filepath.Join(o.tmp, fmt.Sprintf("e2e-%d-%s.log", round+1, tag))
	// Both runs register the function, so the servers differ only in the
	// stream's processing configuration.
	srv, url, err := startFirehoseLocal("firehose-local", flBin, logPath,
		"--function", fnName+"="+identityDir+":provided.al2023:bootstrap")
	if err != nil {
		return res, err
	}
	defer srv.stop()
	cfg := awsConfig(url, o.workers)
	if err := createStream(ctx, cfg, mode == modeXform, o.procMB); err != nil {
		return res, err
	}
	waitQuiet(o.log, o.quiet)
	var perf *exec.Cmd
	if o.perf != "" && mode == modeXform {
		if perf, err = startPerf(filepath.Join(o.perf, fmt.Sprintf("perf-transform-%d.data", round+1))); err != nil {
			return res, err
		}
	}
	meter := startCPUMeter()
	c0, cpuErr := cpuTime(srv.pid())
	f0, _ := treeCPU(srv.pid())
	f0 -= c0
	k0, _ := cpuTime(os.Getpid())

	// The load: every worker sends the same 500 records in a loop.
	client := firehose.NewFromConfig(cfg)
	var accepted, calls, throttled, failed, errs atomic.Int64
	var errMu sync.Mutex
	var refusal atomic.Pointer[string]
	loadCtx, stopLoad := context.WithTimeout(ctx, o.duration)
	defer stopLoad()
	var wg sync.WaitGroup
	start := time.Now()
	for w := range o.workers {
		recs := makeRecords(uint64(w+1), o.records, o.size)
		in := &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(e2eStream), Records: recs}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				// The context of the call is not the load's: a call
				// under way when the window ends completes and counts.
				out, err := client.PutRecordBatch(ctx, in)
				calls.Add(1)
				if err != nil {
					var ae smithy.APIError
					if errors.As(err, &ae) && ae.ErrorCode() == "ServiceUnavailableException" {
						throttled.Add(1)
						time.Sleep(10 * time.Millisecond) // the server is full: back off as the SDK would
						continue
					}
					errs.Add(1)
					errMu.Lock()
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
					errMu.Unlock()
					time.Sleep(10 * time.Millisecond)
					continue
				}
				f := int64(aws.ToInt32(out.FailedPutCount))
				failed.Add(f)
				accepted.Add(int64(len(recs)) - f)
				if f > 0 && refusal.Load() == nil {
					for _, e := range out.RequestResponses {
						if e.ErrorCode != nil {
							msg := aws.ToString(e.ErrorCode) + ": " + aws.ToString(e.ErrorMessage)
							refusal.CompareAndSwap(nil, &msg)
							break
						}
					}
				}
				if f > 0 {
					// Records refused ("Slow down."): the buffers are
					// full. Back off as a well-behaved producer would.
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	res.load = time.Since(start)
	flushStart := time.Now()
	if err := flush(ctx, url); err != nil {
		return res, err
	}
	res.flush = time.Since(flushStart)
	res.total = time.Since(start)
	if cpuErr == nil {
		c1, err1 := cpuTime(srv.pid())
		f1, err2 := treeCPU(srv.pid())
		k1, err3 := cpuTime(os.Getpid())
		other, busy, ok := meter.other()
		if err1 == nil && err2 == nil && err3 == nil && ok {
			res.cpuOK = true
			res.serverCPU, res.functionCPU, res.clientCPU = c1-c0, f1-c1-f0, k1-k0
			res.otherCPU, res.busyCPU = other, busy
		}
	}
	if perf != nil {
		stopPerf(perf)
	}
	res.accepted, res.calls, res.throttled, res.failedRecords, res.errors = accepted.Load(), calls.Load(), throttled.Load(), failed.Load(), errs.Load()
	if p := refusal.Load(); p != nil {
		res.refusal = *p
	}

	// Everything accepted must be in S3, byte for byte in size.
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	pages := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(e2eBucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("ListObjectsV2: %w", err)
		}
		for _, obj := range page.Contents {
			if strings.HasPrefix(aws.ToString(obj.Key), "errors/") {
				res.errorObjects++
				continue
			}
			res.objects++
			res.objectBytes += aws.ToInt64(obj.Size)
		}
	}
	want := res.accepted * int64(o.size)
	res.verified = res.objectBytes == want && res.errorObjects == 0
	res.verifyMsg = fmt.Sprintf("%d objects, %d bytes = %d records × %d", res.objects, res.objectBytes, res.accepted, o.size)
	if !res.verified {
		res.verifyMsg = fmt.Sprintf("%d objects hold %d bytes, want %d (%d records × %d); %d error objects", res.objects, res.objectBytes, want, res.accepted, o.size, res.errorObjects)
	}
	srv.stop()
	res.invocations, res.invokeMillis, res.firstWarning = scanLog(logPath)
	return res, nil
}

// startPerf samples every CPU (the server, the function process and this
// client) with call graphs until stopPerf.
func startPerf(out string) (*exec.Cmd, error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command("perf", "record", "-a", "-g", "-F", "499", "-o", out)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("perf: %w", err)
	}
	time.Sleep(500 * time.Millisecond) // let it attach before the load starts
	return cmd, nil
}

func stopPerf(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// createStream creates the bucket and a Direct PUT stream: destination
// buffering 128 MiB / 60 s (so only the final flush, or a full buffer, cuts
// an object), and with processing a Lambda processor of procMB MB / 1 s.
func createStream(ctx context.Context, cfg aws.Config, processing bool, procMB string) error {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(e2eBucket)}); err != nil {
		return fmt.Errorf("CreateBucket: %w", err)
	}
	dest := &types.ExtendedS3DestinationConfiguration{
		RoleARN:           aws.String("arn:aws:iam::000000000000:role/firehose-bench"),
		BucketARN:         aws.String("arn:aws:s3:::" + e2eBucket),
		ErrorOutputPrefix: aws.String("errors/!{firehose:error-output-type}/"),
		BufferingHints:    &types.BufferingHints{SizeInMBs: aws.Int32(128), IntervalInSeconds: aws.Int32(60)},
	}
	if processing {
		dest.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
			Type: types.ProcessorTypeLambda,
			Parameters: []types.ProcessorParameter{
				{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARN)},
				{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String(procMB)},
				{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("1")},
			}}}}
	}
	fh := firehose.NewFromConfig(cfg)
	if _, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String(e2eStream),
		DeliveryStreamType:                 types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: dest,
	}); err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(e2eStream)})
		if err != nil {
			return fmt.Errorf("DescribeDeliveryStream: %w", err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("stream not ACTIVE after 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// flush delivers every buffer (through the transform first) and waits for
// the objects.
func flush(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/_local/flush?timeout=300s", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 6 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("flush: HTTP %d: %s", resp.StatusCode, body)
	}
	return nil
}

// scanLog counts the function's REPORT lines in a server log, sums their
// Duration (ms), and returns the first warning or error the server logged.
func scanLog(path string) (n int, ms float64, warning string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if warning == "" && (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) {
			warning = line
		}
		i := strings.Index(line, "REPORT RequestId:")
		if i < 0 {
			continue
		}
		n++
		rest := line[i:]
		if j := strings.Index(rest, "Duration: "); j >= 0 {
			f := strings.Fields(rest[j+len("Duration: "):])
			if len(f) > 0 {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					ms += v
				}
			}
		}
	}
	return n, ms, warning
}

// makeRecords returns n records of size bytes of printable data ending in a
// newline, as bench/load.go makes them.
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

func printE2E(o *options, results []e2eResult, discarded int) {
	w := o.out
	fmt.Fprintf(w, "\n## 2. End to end: PutRecordBatch → (Lambda processor) → built-in S3\n\n")
	fmt.Fprintf(w, "%d workers × PutRecordBatch of %d × %d-byte records for %s per run, then POST /_local/flush; "+
		"records/s = accepted records / (first put → flush answered); records refused because the buffers are full (\"Slow down.\", MaxPendingBytes 256 MiB) are not counted, and their worker backs off 10 ms. Destination buffering 128 MiB / 60 s; "+
		"processor BufferSizeInMBs %s, BufferIntervalInSeconds 1. Every run checks that the S3 objects hold records × %d bytes.\n\n",
		o.workers, o.records, o.size, o.duration, o.procMB, o.size)
	fmt.Fprintln(w, "| run | stream | records | records/s end to end | put phase | flush | calls / throttled / refused records | invocations (mean ms) | objects | CPU s: emulator / function / client / other |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
	sum := map[string][2]float64{} // mode → records, seconds
	for i, r := range results {
		inv := "-"
		if r.invocations > 0 {
			inv = fmt.Sprintf("%d (%.0f)", r.invocations, r.invokeMillis/float64(r.invocations))
		}
		ok := ""
		if r.errorObjects > 0 {
			ok += fmt.Sprintf(" + %d error objects", r.errorObjects)
		}
		if !r.verified {
			ok += " MISMATCH"
		}
		extra := ""
		if r.errors > 0 {
			extra = fmt.Sprintf(" (%d failed calls: %s)", r.errors, r.firstErr)
		}
		cpu := "-"
		if r.cpuOK {
			cpu = fmt.Sprintf("%.2f / %.2f / %.2f / %.2f", r.serverCPU.Seconds(), r.functionCPU.Seconds(), r.clientCPU.Seconds(), r.otherCPU.Seconds())
		}
		fmt.Fprintf(w, "| %d | %s | %s%s | **%s** | %s | %s | %d / %d / %s | %s | %d%s | %s |\n", i/2+1, r.mode, thousands(float64(r.accepted)), extra,
			thousands(r.rate()), r.load.Round(time.Millisecond), r.flush.Round(time.Millisecond),
			r.calls, r.throttled, thousands(float64(r.failedRecords)), inv, r.objects, ok, cpu)
		s := sum[r.mode]
		sum[r.mode] = [2]float64{s[0] + float64(r.accepted), s[1] + r.total.Seconds()}
	}
	for i, r := range results {
		if !r.verified {
			fmt.Fprintf(w, "\nRun %d (%s) FAILED its check: %s. First warning of the server: `%s`\n", i/2+1, r.mode, r.verifyMsg, truncate([]byte(r.firstWarning), 600))
		}
	}
	for _, r := range results {
		if r.refusal != "" {
			fmt.Fprintf(w, "\nRefused records answer %q.\n", r.refusal)
			break
		}
	}
	plain, xform := sum[modePlain][0]/sum[modePlain][1], sum[modeXform][0]/sum[modeXform][1]
	fmt.Fprintf(w, "\nAll runs together: without processing %s records/s, with the identity transform %s records/s; "+
		"ratio transform / baseline **%s**. Target: ≥ 100,000 records/s with the transform: **%s**.\n",
		thousands(plain), thousands(xform), ratio(xform, plain), map[bool]string{true: "met", false: "NOT met"}[xform >= 100000])
	fmt.Fprintf(w, "\nCPU columns cover first put → flush answered: the emulator process, its function processes, this client process, "+
		"and every other process on the machine (noise: other work running at the same time).")
	if discarded > 0 {
		fmt.Fprintf(w, " %d runs with more than %.0f%% of the CPUs used by other processes were discarded and run again.", discarded, 100*o.maxNoise)
	}
	fmt.Fprintln(w)
}
