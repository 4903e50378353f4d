package main

// The Kinesis Data Streams bench (-kinesis): PutRecords of -records
// records of -size bytes through the Go SDK's kinesis client, against the
// no-op server (which answers a valid PutRecords response of the right
// size), firehose-local's built-in Kinesis and moto's, loaded in turn in the
// same command, every round and worker count.
//
// Each window puts into a stream of its own, created before the window
// and deleted after it. A data stream keeps what it is given for its
// retention period, and at this rate firehose-local keeps about 60 MB a
// second, so one stream for the whole command would hold gigabytes by the
// last rounds. On this machine's VM, memory past a few gigabytes costs
// about ten times as much to touch the first time (a page fault takes
// about 14 µs instead of 1.4 µs: the host backs the guest's memory lazily),
// so later rounds measured the VM more than the emulator, and the result
// depended on how many rounds and worker counts came before. With a stream
// per window every round starts alike. -kinesis-soak measures the other
// case: one stream filling for many windows.

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// createKinesisStream creates a data stream of 4 shards and waits until it
// is ACTIVE.
func createKinesisStream(ctx context.Context, cfg aws.Config, name string) error {
	k := kinesis.NewFromConfig(cfg)
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(4)}); err != nil {
		return fmt.Errorf("CreateStream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stream not ACTIVE after 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// deleteKinesisStream deletes a stream created by createKinesisStream.
func deleteKinesisStream(ctx context.Context, cfg aws.Config, name string) error {
	_, err := kinesis.NewFromConfig(cfg).DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("DeleteStream %s: %w", name, err)
	}
	return nil
}

// kinesisLoad drives PutRecords into stream from workers goroutines for
// warmup plus window and counts what completed inside the window.
func kinesisLoad(ctx context.Context, cfg aws.Config, o options, stream string, workers, serverPID int) loadResult {
	client := kinesis.NewFromConfig(cfg)
	var c counters
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		recs := makeRecords(uint64(w+1), o.records, o.size)
		entries := make([]ktypes.PutRecordsRequestEntry, len(recs))
		for i, r := range recs {
			entries[i] = ktypes.PutRecordsRequestEntry{Data: r.Data, PartitionKey: aws.String(fmt.Sprintf("key-%d-%d", w, i))}
		}
		in := &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries}
		wg.Add(1)
		go func() {
			defer wg.Done()
			counting := false
			for ctx.Err() == nil {
				if !counting {
					select {
					case <-start:
						counting = true
					default:
					}
				}
				out, err := client.PutRecords(ctx, in)
				if ctx.Err() != nil {
					return
				}
				if !counting {
					continue
				}
				c.requests.Add(1)
				if err != nil {
					c.errors.Add(1)
					c.mu.Lock()
					if c.firstErr == "" {
						c.firstErr = err.Error()
					}
					c.mu.Unlock()
					time.Sleep(time.Millisecond)
					continue
				}
				f := int64(aws.ToInt32(out.FailedRecordCount))
				c.failed.Add(f)
				c.records.Add(int64(len(entries)) - f)
			}
		}()
	}
	time.Sleep(o.warmup)
	s0, k0 := cpuTime(serverPID), selfCPU()
	close(start)
	t0 := time.Now()
	time.Sleep(o.duration)
	res := loadResult{workers: workers, elapsed: time.Since(t0), requests: c.requests.Load(), records: c.records.Load(),
		failed: c.failed.Load(), errors: c.errors.Load(), firstErr: c.firstErr,
		serverCPU: cpuTime(serverPID) - s0, clientCPU: selfCPU() - k0}
	res.rss, _ = procStatus(serverPID, "VmRSS")
	cancel()
	wg.Wait()
	return res
}

// runKinesis loads the no-op server, firehose-local (fls[0], then each
// -compare-bin build) and moto in turn.
func runKinesis(o options, fls []*target) error {
	ctx := context.Background()
	maxW := slices.Max(o.workers)
	type kt struct {
		name string
		p    *process
	}
	var flsRun []kt
	for _, t := range fls {
		p, err := startFirehoseLocal(t.bin, "--log-level", "error")
		if err != nil {
			return err
		}
		defer p.stop(30 * time.Second)
		flsRun = append(flsRun, kt{t.name, p})
	}
	fl := flsRun[0].p
	noop, err := startNoop(o.records)
	if err != nil {
		return err
	}
	defer noop.stop(5 * time.Second)
	moto, err := startMoto(o.motoCmd, 60*time.Second)
	if err != nil {
		return err
	}
	defer moto.stop(5 * time.Second)
	targets := append(append([]kt{{targetNoop, noop}}, flsRun...), kt{targetMoto, moto})
	results := map[string]map[int][]loadResult{}
	for round := 1; round <= o.rounds; round++ {
		order := slices.Clone(targets)
		if round%2 == 0 {
			slices.Reverse(order)
		}
		for _, w := range o.workers {
			stream := fmt.Sprintf("bench-%d-%d", round, w)
			for _, t := range order {
				cfg := awsConfig(t.p.url, maxW)
				if t.name != targetNoop { // the no-op answers any stream
					if err := createKinesisStream(ctx, cfg, stream); err != nil {
						return fmt.Errorf("%s: %w", t.name, err)
					}
				}
				res := kinesisLoad(ctx, cfg, o, stream, w, t.p.pid())
				if res.errors > 0 || res.failed > 0 {
					return fmt.Errorf("%s, %d workers: %d failed calls, %d failed records (%s)", t.name, w, res.errors, res.failed, res.firstErr)
				}
				if t.name != targetNoop {
					if err := deleteKinesisStream(ctx, cfg, stream); err != nil {
						return fmt.Errorf("%s: %w", t.name, err)
					}
				}
				if results[t.name] == nil {
					results[t.name] = map[int][]loadResult{}
				}
				results[t.name][w] = append(results[t.name][w], res)
				logf("round %d  %-15s %d workers: %.0f records/s, RSS %.0f MiB after the window", round, t.name, w, res.recordsPerSec(), float64(res.rss)/(1<<20))
			}
		}
	}
	printKinesis(os.Stdout, o, results)
	if len(flsRun) > 1 {
		var names []string
		for _, t := range flsRun {
			names = append(names, t.name)
		}
		printKinesisCompared(os.Stdout, o, results, names)
	}
	return kinesisEndToEnd(ctx, o, fl)
}

// runKinesisSoak puts into one stream of firehose-local's for
// o.kinesisSoak windows in a row, with the most workers, and reports each
// window: the records the stream holds, the server's RSS, records/s and
// server CPU a call, and records/s against the no-op's, loaded for one
// window before the first and one after the last.
func runKinesisSoak(o options, t *target) error {
	ctx := context.Background()
	w := slices.Max(o.workers)
	fl, err := startFirehoseLocal(t.bin, "--log-level", "error")
	if err != nil {
		return err
	}
	defer fl.stop(30 * time.Second)
	noop, err := startNoop(o.records)
	if err != nil {
		return err
	}
	defer noop.stop(5 * time.Second)
	const stream = "soak"
	cfg := awsConfig(fl.url, w)
	if err := createKinesisStream(ctx, cfg, stream); err != nil {
		return err
	}
	before := kinesisLoad(ctx, awsConfig(noop.url, w), o, stream, w, noop.pid())
	var windows []loadResult
	o2 := o
	for i := range o.kinesisSoak {
		if i > 0 {
			o2.warmup = 0 // the load goes on; only the first window warms up
		}
		res := kinesisLoad(ctx, cfg, o2, stream, w, fl.pid())
		if res.errors > 0 || res.failed > 0 {
			return fmt.Errorf("window %d: %d failed calls, %d failed records (%s)", i+1, res.errors, res.failed, res.firstErr)
		}
		windows = append(windows, res)
		logf("window %d: %.0f records/s, RSS %.0f MiB", i+1, res.recordsPerSec(), float64(res.rss)/(1<<20))
	}
	after := kinesisLoad(ctx, awsConfig(noop.url, w), o, stream, w, noop.pid())
	ref := (before.recordsPerSec() + after.recordsPerSec()) / 2
	fmt.Fprintf(os.Stdout, "\nOne stream filling: PutRecords of %d × %d B, %d workers, %d windows of %v in a row; no-op %.0f records/s before the first window and %.0f after the last.\n\n",
		o.records, o.size, w, len(windows), o.duration, before.recordsPerSec(), after.recordsPerSec())
	fmt.Fprintln(os.Stdout, "| window | records held (millions, at its end, about) | RSS MiB | records/s | / no-op (mean of the two) | server CPU µs a call |")
	fmt.Fprintln(os.Stdout, "|---:|---:|---:|---:|---:|---:|")
	var held float64
	for i, r := range windows {
		// Warm-up calls are put but not counted: add them at the window's rate.
		span := r.elapsed
		if i == 0 {
			span += o.warmup
		}
		held += r.recordsPerSec() * span.Seconds()
		fmt.Fprintf(os.Stdout, "| %d | %.1f | %.0f | %.0f | %.2f | %.0f |\n", i+1, held/1e6, float64(r.rss)/(1<<20),
			r.recordsPerSec(), r.recordsPerSec()/ref, serverCPUPerCall([]loadResult{r}))
	}
	return nil
}

// kinesisEndToEnd measures records/s from PutRecords to objects in S3
// through a KinesisStreamAsSource delivery stream: a fixed number of
// records put by 4 workers, then a flush (which reads the shards and waits
// for the objects); every byte must arrive.
func kinesisEndToEnd(ctx context.Context, o options, fl *process) error {
	cfg := awsConfig(fl.url, 4)
	if err := setupStream(ctx, cfg); err != nil { // the bucket (and a Direct PUT stream, unused)
		return err
	}
	k := kinesis.NewFromConfig(cfg)
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("e2e"), ShardCount: aws.Int32(4)}); err != nil {
		return fmt.Errorf("CreateStream: %w", err)
	}
	arn := "arn:aws:kinesis:" + benchRegion + ":000000000000:stream/e2e"
	role := aws.String("arn:aws:iam::000000000000:role/firehose-bench")
	if _, err := firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("from-kinesis"), DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(arn), RoleARN: role},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{RoleARN: role, BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
			Prefix: aws.String("from-kinesis/"), BufferingHints: &fhtypes.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(60)}},
	}); err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	const total, workers = 200000, 4
	per := total / workers / o.records
	var rates []float64
	for round := 1; round <= o.rounds; round++ {
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			recs := makeRecords(uint64(w+100), o.records, o.size)
			entries := make([]ktypes.PutRecordsRequestEntry, len(recs))
			for i, r := range recs {
				entries[i] = ktypes.PutRecordsRequestEntry{Data: r.Data, PartitionKey: aws.String(fmt.Sprintf("key-%d-%d", w, i))}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range per {
					out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("e2e"), Records: entries})
					if err == nil && aws.ToInt32(out.FailedRecordCount) > 0 {
						err = fmt.Errorf("%d records failed", aws.ToInt32(out.FailedRecordCount))
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return fmt.Errorf("PutRecords: %w", err)
		}
		if err := flush(fl.url); err != nil {
			return err
		}
		n := per * workers * o.records
		rate := float64(n) / time.Since(t0).Seconds()
		rates = append(rates, rate)
		logf("round %d  PutRecords → S3 through KinesisStreamAsSource: %.0f records/s", round, rate)
		delivered, err := deliveredBytes(ctx, cfg, "from-kinesis/")
		if err != nil {
			return err
		}
		if want := int64(round * n * o.size); delivered != want {
			return fmt.Errorf("%d bytes delivered after round %d, want %d", delivered, round, want)
		}
	}
	fmt.Fprintf(os.Stdout, "\nEnd to end, PutRecords (4 workers, %d × %d B a call) to objects in S3 through a KinesisStreamAsSource delivery stream, %d records a round: median %.0f records/s (%.0f–%.0f).\n",
		o.records, o.size, per*workers*o.records, percentile(rates, 50), slices.Min(rates), slices.Max(rates))
	return nil
}

// deliveredBytes adds up the sizes of the bench bucket's objects under
// prefix.
func deliveredBytes(ctx context.Context, cfg aws.Config, prefix string) (int64, error) {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	var n int64
	p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(benchBucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, o := range page.Contents {
			n += aws.ToInt64(o.Size)
		}
	}
	return n, nil
}

func printKinesis(w io.Writer, o options, results map[string]map[int][]loadResult) {
	fmt.Fprintf(w, "\nPutRecords of %d × %d B through the Go SDK; %d rounds of %v per target and worker count; medians, range of the per-round ratios in brackets.\n\n",
		o.records, o.size, o.rounds, o.duration)
	fmt.Fprintln(w, "The CPU-cost ratio is the no-op's client+server CPU time per record over firehose-local's, less sensitive to other load on the machine; server CPU is per call of 500 records.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workers | no-op records/s | firehose-local records/s | moto records/s | firehose-local / no-op | CPU-cost ratio | server CPU µs a call: no-op | firehose-local | firehose-local / moto |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.workers {
		noop, fl, moto := results[targetNoop][n], results[targetFL][n], results[targetMoto][n]
		rn, rm := ratios(fl, noop), ratios(fl, moto)
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.0f | %.2f [%.2f–%.2f] | %.2f | %.0f | %.0f | %.1f [%.1f–%.1f] |\n", n,
			percentile(rates(noop), 50), percentile(rates(fl), 50), percentile(rates(moto), 50),
			percentile(rn, 50), slices.Min(rn), slices.Max(rn), cpuPerRecord(noop)/cpuPerRecord(fl),
			serverCPUPerCall(noop), serverCPUPerCall(fl), percentile(rm, 50), slices.Min(rm), slices.Max(rm))
	}
}

// printKinesisCompared puts the -compare-bin builds, loaded in the same
// rounds, beside this one.
func printKinesisCompared(w io.Writer, o options, results map[string]map[int][]loadResult, names []string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workers | build | records/s | / no-op | CPU-cost ratio | server CPU µs a call |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|")
	for _, n := range o.workers {
		noop := results[targetNoop][n]
		for _, name := range names {
			rs := results[name][n]
			r := ratios(rs, noop)
			fmt.Fprintf(w, "| %d | %s | %.0f | %.2f [%.2f–%.2f] | %.2f | %.0f |\n", n, name,
				percentile(rates(rs), 50), percentile(r, 50), slices.Min(r), slices.Max(r),
				cpuPerRecord(noop)/cpuPerRecord(rs), serverCPUPerCall(rs))
		}
	}
}

// serverCPUPerCall is the server's CPU time a call, in microseconds, over
// rs.
func serverCPUPerCall(rs []loadResult) float64 {
	var cpu time.Duration
	var n int64
	for _, r := range rs {
		cpu += r.serverCPU
		n += r.requests
	}
	if n == 0 {
		return math.Inf(1)
	}
	return float64(cpu.Microseconds()) / float64(n)
}
