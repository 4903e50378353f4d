package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// The write-ahead log compaction bench (-wal-compaction): how many bytes
// compaction writes for the bytes ingested, when a stream whose deliveries
// fail (its bucket does not exist) holds its records beside a stream that
// delivers. Each firehose-local build (the one built from -repo, and each
// -compare-bin, say a build from before a change) runs with --data-dir,
// --fsync always and small segments (-wal-segment); one client sends, in
// turn, a PutRecordBatch to the flowing stream and one to the held stream,
// sized so that -wal-held of the bytes go to the held one, until -wal-mb
// MB are ingested. Then /metrics gives firehose_local_wal_compacted_bytes_total
// and firehose_incoming_bytes_total: their ratio is compaction's write
// amplification. The log's directory is sampled every 50 ms for its
// segment files and bytes. Builds alternate over -rounds rounds, each on a
// fresh data directory.

const (
	walFlowing = "flowing"
	walHeld    = "held"
)

type walResult struct {
	ingested, compacted int64 // bytes
	compactedSegments   int64
	elapsed             time.Duration
	maxSegments         int
	maxBytes            int64
	endSegments         int
	endBytes            int64
	failedCalls         int
}

func (r walResult) ratio() float64 { return float64(r.compacted) / float64(max(r.ingested, 1)) }

// runWALCompaction runs the bench for each build and prints the report.
func runWALCompaction(o options, bins []*target, tmp string) error {
	results := map[string][]walResult{}
	for round := 1; round <= o.rounds; round++ {
		order := slices.Clone(bins)
		if round%2 == 0 {
			slices.Reverse(order)
		}
		for i, t := range order {
			dir := filepath.Join(tmp, fmt.Sprintf("wal-r%d-%d", round, i))
			res, err := walRun(t.bin, dir, o)
			_ = os.RemoveAll(dir)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", t.name, round, err)
			}
			results[t.name] = append(results[t.name], res)
			logf("round %d  %-28s ingested %.1f MB in %v, compaction wrote %.1f MB (%.2f×); at most %d segment files, %.1f MB",
				round, t.name, mb(res.ingested), res.elapsed.Round(time.Millisecond), mb(res.compacted), res.ratio(), res.maxSegments, mb(res.maxBytes))
		}
	}
	printWALCompaction(os.Stdout, o, bins, results)
	return nil
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// walRun ingests o.walMB MB into a fresh firehose-local and measures it.
func walRun(bin, dir string, o options) (walResult, error) {
	var res walResult
	p, err := startFirehoseLocal(bin, "--data-dir", dir, "--fsync", "always", "--wal-segment-size", o.walSegment,
		"--max-buffer-interval", "1s", "--log-level", "error")
	if err != nil {
		return res, err
	}
	// Its held stream's deliveries keep failing, so a graceful stop would
	// wait for them in vain: the run's data directory is thrown away.
	defer p.stop(0)
	ctx := context.Background()
	cfg := awsConfig(p.url, 2)
	if err := setupStream(ctx, cfg); err != nil { // the bucket, and a stream we leave alone
		return res, err
	}
	fh := firehose.NewFromConfig(cfg)
	for name, bucket := range map[string]string{walFlowing: benchBucket, walHeld: "no-such-bucket"} {
		if _, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String(name),
			DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
				RoleARN:        aws.String("arn:aws:iam::000000000000:role/firehose-bench"),
				BucketARN:      aws.String("arn:aws:s3:::" + bucket),
				BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)},
			},
		}); err != nil {
			return res, fmt.Errorf("CreateDeliveryStream %s: %w", name, err)
		}
	}

	// Sample the log's directory while the load runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			n, b := walDirSize(filepath.Join(dir, "wal"))
			res.maxSegments, res.maxBytes = max(res.maxSegments, n), max(res.maxBytes, b)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	const size = 200
	flowing := makeRecords(1, o.records, size)
	held := makeRecords(2, max(1, int(float64(o.records)*o.walHeld/(1-o.walHeld)+0.5)), size)
	target := int64(o.walMB * 1e6)
	start := time.Now()
	var sent int64
	for sent < target {
		for _, c := range []struct {
			stream string
			recs   []types.Record
		}{{walFlowing, flowing}, {walHeld, held}} {
			out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(c.stream), Records: c.recs})
			if err != nil || aws.ToInt32(out.FailedPutCount) > 0 {
				res.failedCalls++
				if res.failedCalls > 100 {
					close(stop)
					wg.Wait()
					return res, fmt.Errorf("100 calls failed, the last: %v", err)
				}
				continue
			}
			sent += int64(len(c.recs) * size)
		}
	}
	res.elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	res.endSegments, res.endBytes = walDirSize(filepath.Join(dir, "wal"))

	m, err := scrapeMetrics(p.url)
	if err != nil {
		return res, err
	}
	res.ingested = int64(m["firehose_incoming_bytes_total"])
	res.compacted = int64(m["firehose_local_wal_compacted_bytes_total"])
	res.compactedSegments = int64(m["firehose_local_wal_compacted_segments_total"])
	if res.ingested < target {
		return res, fmt.Errorf("the server counted %d bytes ingested, %d sent", res.ingested, sent)
	}
	return res, nil
}

// walDirSize counts the segment files in dir and their bytes.
func walDirSize(dir string) (int, int64) {
	entries, _ := os.ReadDir(dir)
	n, total := 0, int64(0)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".wal") {
			continue
		}
		if info, err := e.Info(); err == nil {
			n++
			total += info.Size()
		}
	}
	return n, total
}

// scrapeMetrics reads GET /metrics and sums each family's unlabelled and
// labelled samples by name.
func scrapeMetrics(url string) (map[string]float64, error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New("GET /metrics: " + resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
			_, rest, _ = strings.Cut(line, "} ")
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

func printWALCompaction(w io.Writer, o options, bins []*target, results map[string][]walResult) {
	fmt.Fprintf(w, "## firehose-local write-ahead log compaction bench, %s\n\n", time.Now().Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "`--data-dir --fsync always --wal-segment-size %s --max-buffer-interval 1s`; one client sends in turn a PutRecordBatch of %d × 200-byte records to a stream that delivers\n", o.walSegment, o.records)
	fmt.Fprintf(w, "and one to a stream whose bucket does not exist (%.0f%% of the bytes), until %.0f MB are ingested; %d round(s), builds alternating, a fresh data directory each run.\n", 100*o.walHeld, o.walMB, o.rounds)
	fmt.Fprintf(w, "Write amplification is firehose_local_wal_compacted_bytes_total over firehose_incoming_bytes_total (median over rounds, range in brackets).\n\n")
	fmt.Fprintf(w, "| build | ingested MB | compaction wrote MB | write amplification | segments compacted | segment files, at most | log MB on disk, at most | at the end: files, MB | ingest MB/s |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range bins {
		rs := results[t.name]
		if len(rs) == 0 {
			continue
		}
		med := func(f func(walResult) float64) float64 {
			xs := make([]float64, len(rs))
			for i, r := range rs {
				xs[i] = f(r)
			}
			return percentile(xs, 50)
		}
		ratios := make([]float64, len(rs))
		for i, r := range rs {
			ratios[i] = r.ratio()
		}
		fmt.Fprintf(w, "| %s | %.1f | %.1f | **%.2f×** [%.2f–%.2f] | %.0f | %.0f | %.1f | %.0f, %.1f | %.1f |\n", t.name,
			med(func(r walResult) float64 { return mb(r.ingested) }),
			med(func(r walResult) float64 { return mb(r.compacted) }),
			percentile(ratios, 50), slices.Min(ratios), slices.Max(ratios),
			med(func(r walResult) float64 { return float64(r.compactedSegments) }),
			med(func(r walResult) float64 { return float64(r.maxSegments) }),
			med(func(r walResult) float64 { return mb(r.maxBytes) }),
			med(func(r walResult) float64 { return float64(r.endSegments) }),
			med(func(r walResult) float64 { return mb(r.endBytes) }),
			med(func(r walResult) float64 { return mb(r.ingested) / r.elapsed.Seconds() }))
	}
	var held float64
	for _, rs := range results {
		for _, r := range rs {
			held = max(held, mb(r.ingested)*o.walHeld)
		}
	}
	fmt.Fprintf(w, "\nThe held stream's records (about %.1f MB by the end) stay in the log: that much is live whatever compaction does.\n", held)
}
