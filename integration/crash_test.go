package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// ackedSet is every record a PutRecordBatch answered with a RecordId.
type ackedSet struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

func (a *ackedSet) add(id string) {
	a.mu.Lock()
	a.ids[id] = struct{}{}
	a.mu.Unlock()
}

// loadClient is a Firehose client without retries: a call either answers
// or fails, so nothing is sent twice by the SDK (aws-sdk-go-v2#2737) and a
// dead server fails calls at once.
func loadClient(url string) *firehose.Client {
	cfg := emulatortest.Config(url, "us-east-1")
	cfg.RetryMaxAttempts = 1
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return firehose.NewFromConfig(cfg)
}

// runLoad sends PutRecordBatch calls of unique records from workers
// goroutines until ctx ends, and records what was acknowledged. Each
// record is one line: its ID, padding, a newline.
func runLoad(ctx context.Context, fh *firehose.Client, stream, tag string, workers int, seed uint64, acked *ackedSet) (calls, failed int) {
	return loadUnique(ctx, tag, workers, seed, 50, 451, acked, func(ctx context.Context, ids []string, data [][]byte) ([]bool, error) {
		recs := make([]types.Record, len(data))
		for i, d := range data {
			recs[i] = types.Record{Data: d}
		}
		out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs})
		if err != nil {
			return nil, err
		}
		ok := make([]bool, len(ids))
		for i, e := range out.RequestResponses {
			ok[i] = aws.ToString(e.RecordId) != "" && aws.ToString(e.ErrorCode) == ""
		}
		return ok, nil
	})
}

// loadUnique sends calls of least to least+span-1 unique records (one line
// each: ID, padding, newline) from workers goroutines until ctx ends,
// through send, which reports which records were acknowledged.
func loadUnique(ctx context.Context, tag string, workers int, seed uint64, least, span int, acked *ackedSet,
	send func(ctx context.Context, ids []string, data [][]byte) ([]bool, error)) (calls, failed int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for b := 0; ctx.Err() == nil; b++ {
				n := least + rng.IntN(span)
				data := make([][]byte, n)
				ids := make([]string, n)
				for i := range data {
					ids[i] = fmt.Sprintf("%s-w%d-b%d-r%d", tag, w, b, i)
					data[i] = []byte(ids[i] + " " + strings.Repeat("x", 40+rng.IntN(100)) + "\n")
				}
				ok, err := send(ctx, ids, data)
				mu.Lock()
				calls++
				if err != nil {
					failed++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				for i, a := range ok {
					if a {
						acked.add(ids[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	return calls, failed
}

// deliveredLines reads every object in bucket and counts each record line
// by its ID; a line that is not a whole record fails the test.
func deliveredLines(t *testing.T, s3c *s3.Client, bucket string) (map[string]int, int) {
	t.Helper()
	ctx := context.Background()
	counts := map[string]int{}
	objects := 0
	p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			get, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatalf("GetObject %s: %v", aws.ToString(o.Key), err)
			}
			body, err := io.ReadAll(get.Body)
			get.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			objects++
			if len(body) > 0 && body[len(body)-1] != '\n' {
				t.Fatalf("object %s does not end with a whole record", aws.ToString(o.Key))
			}
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				id, pad, ok := strings.Cut(sc.Text(), " ")
				if !ok || strings.Trim(pad, "x") != "" {
					t.Fatalf("object %s holds a damaged record %q", aws.ToString(o.Key), sc.Text())
				}
				counts[id]++
			}
		}
	}
	return counts, objects
}

// crashSeed is the seed of the kill points: CRASH_SEED to replay a run.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CRASH_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// SIGKILL under continuous PutRecordBatch load, at random moments, with
// each fsync policy: after a restart and a flush, every acknowledged
// record is in S3. Duplicates (a record delivered again because the crash
// came between its object's write and the log's note that it was done)
// are counted and reported.
func TestCrashLosesNoAcknowledgedRecord(t *testing.T) {
	seed := crashSeed(t)
	t.Logf("seed %d (CRASH_SEED=%d go test -run %s to replay the same kill points)", seed, seed, t.Name())
	rng := rand.New(rand.NewPCG(seed, 1))
	dataDir := t.TempDir()
	acked := &ackedSet{ids: map[string]struct{}{}}
	args := func(policy string) []string {
		return []string{"--data-dir", dataDir, "--fsync", policy, "--max-buffer-interval", "300ms"}
	}
	policies := []string{"always", "interval", "always", "interval", "always"}
	start := time.Now()
	var logs strings.Builder
	for i, policy := range policies {
		p := startBinary(t, nil, args(policy)...)
		if i == 0 {
			s3c := s3.NewFromConfig(emulatortest.Config(p.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
				t.Fatal(err)
			}
			dest := s3Dest()
			dest.BufferingHints = hints(1, 60)
			createStream(t, firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1")), "crash", dest)
		}
		acked.mu.Lock()
		before := len(acked.ids)
		acked.mu.Unlock()
		loadSeed := rng.Uint64()
		kill, res := killUnderLoad(t, p, 300*time.Millisecond+time.Duration(rng.Int64N(int64(1500*time.Millisecond))), func(ctx context.Context) (int, int) {
			return runLoad(ctx, loadClient(p.url), "crash", "k"+strconv.Itoa(i), 3, loadSeed, acked)
		})
		acked.mu.Lock()
		n := len(acked.ids) - before
		acked.mu.Unlock()
		t.Logf("run %d (--fsync %s): SIGKILL after %v: %d calls (%d failed), %d records acknowledged",
			i+1, policy, kill.Round(time.Millisecond), res[0], res[1], n)
		logs.WriteString(p.stderr.String()) // complete: the process has exited
	}

	crashFinalCheck(t, dataDir, args("always"), acked, len(policies), start, seed, logs.String())
}

// killUnderLoad runs load until the server p, killed with SIGKILL after
// kill, has exited, and returns kill and load's calls and failed calls.
func killUnderLoad(t *testing.T, p *proc, kill time.Duration, load func(ctx context.Context) (calls, failed int)) (time.Duration, [2]int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan [2]int)
	go func() {
		c, f := load(ctx)
		done <- [2]int{c, f}
	}()
	time.Sleep(kill)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	cancel()
	return kill, <-done
}

// crashFinalCheck starts the server on dataDir once more, flushes, and
// checks that every acknowledged record was delivered, counting duplicates;
// then that a clean stop leaves no write-ahead log. It returns the server
// logs of every run (logs: those of the killed ones).
func crashFinalCheck(t *testing.T, dataDir string, args []string, acked *ackedSet, kills int, start time.Time, seed uint64, logs string) string {
	t.Helper()
	p := startBinary(t, nil, args...)
	resp, err := http.Post(p.url+"/_local/flush?timeout=60s", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("flush: %v %v", resp, err)
	}
	resp.Body.Close()
	s3c := s3.NewFromConfig(emulatortest.Config(p.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	counts, objects := deliveredLines(t, s3c, "deliveries")
	lost, dups, extra := 0, 0, 0
	for id := range acked.ids {
		switch n := counts[id]; {
		case n == 0:
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged record %s was not delivered", id)
			}
		case n > 1:
			dups += n - 1
		}
	}
	for id := range counts {
		if _, ok := acked.ids[id]; !ok {
			extra++ // accepted by the server, but the answer was cut by the kill
		}
	}
	t.Logf("%d records acknowledged over %d kills in %v; delivered in %d objects: lost %d, duplicates %d (%.3f%%), delivered without an acknowledgement %d",
		len(acked.ids), kills, time.Since(start).Round(time.Millisecond), objects, lost, dups, 100*float64(dups)/float64(max(len(acked.ids), 1)), extra)
	// A clean stop after everything is delivered leaves no log behind.
	code := p.stop(t, syscall.SIGTERM)
	all := logs + p.stderr.String()
	t.Logf("restarts logged %d replays, %d torn log tails and %d damaged stretches", strings.Count(all, "write-ahead log replayed"),
		strings.Count(all, "torn frame at the end of a segment"), strings.Count(all, "damaged frames skipped"))
	if strings.Contains(all, "damaged frames skipped") {
		t.Errorf("a kill damaged the log (only torn tails are expected):\n%s", all)
	}
	if lost > 0 {
		t.Fatalf("%d acknowledged records lost (seed %d); server logs:\n%s", lost, seed, all)
	}
	if len(acked.ids) == 0 {
		t.Fatal("no record was acknowledged: the load did not run")
	}
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p.stderr)
	}
	if segs, _ := filepath.Glob(filepath.Join(dataDir, "wal", "*.wal")); len(segs) != 0 {
		t.Fatalf("write-ahead log segments left after a clean stop: %v", segs)
	}
	return all
}

// SIGTERM under load: the server stops accepting calls, finishes those in
// flight, delivers every buffer and exits 0; every acknowledged record is
// in the store. (In memory: the store is another firehose-local, as with
// --s3-endpoint to MinIO.)
func TestSIGTERMUnderLoadDeliversEverything(t *testing.T) {
	store := startBinary(t, nil)
	storeS3 := s3.NewFromConfig(emulatortest.Config(store.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := storeS3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret"}, "--s3-endpoint", store.url, "--log-level", "warn")
	createStream(t, firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1")), "s", s3Dest())
	acked := &ackedSet{ids: map[string]struct{}{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		runLoad(ctx, loadClient(p.url), "s", "t", 3, 1, acked)
		close(done)
	}()
	time.Sleep(700 * time.Millisecond)
	t0 := time.Now()
	code := p.stop(t, syscall.SIGTERM)
	took := time.Since(t0)
	cancel()
	<-done
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p.stderr)
	}
	counts, _ := deliveredLines(t, storeS3, "deliveries")
	lost := 0
	for id := range acked.ids {
		if counts[id] == 0 {
			lost++
		}
	}
	t.Logf("SIGTERM under load: exit 0 after %v; %d records acknowledged, %d lost", took.Round(time.Millisecond), len(acked.ids), lost)
	if lost > 0 || len(acked.ids) == 0 {
		t.Fatalf("%d of %d acknowledged records not delivered", lost, len(acked.ids))
	}
}

// A second signal while a delivery hangs forces the exit at once; with
// --data-dir the records it abandoned are delivered after the next start.
func TestSecondSignalForcesExit(t *testing.T) {
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hanging.Close() })
	creds := []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret"}
	dataDir := t.TempDir()

	p := startBinary(t, creds, "--data-dir", dataDir, "--s3-endpoint", hanging.URL)
	createStream(t, firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1")), "s", s3Dest())
	putBatch(t, firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1")), "s", []byte("abandoned xxxx\n"))
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		t.Fatalf("exited (%d) although its delivery hangs: %s", p.code, p.stderr)
	case <-time.After(500 * time.Millisecond):
	}
	t0 := time.Now()
	code := p.stop(t, syscall.SIGINT)
	took := time.Since(t0)
	if took > 5*time.Second {
		t.Fatalf("the second signal took %v to stop the process", took)
	}
	if code == 0 || !strings.Contains(p.stderr.String(), "second signal") {
		t.Fatalf("exit %d after the second signal: %s", code, p.stderr)
	}
	t.Logf("second signal: exit %d after %v", code, took.Round(time.Millisecond))

	store := startBinary(t, nil)
	storeS3 := s3.NewFromConfig(emulatortest.Config(store.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := storeS3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	p2 := startBinary(t, creds, "--data-dir", dataDir, "--s3-endpoint", store.url)
	resp, err := http.Post(p2.url+"/_local/flush", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("flush: %v %v", resp, err)
	}
	resp.Body.Close()
	counts, objects := deliveredLines(t, storeS3, "deliveries")
	if objects != 1 || counts["abandoned"] != 1 {
		t.Fatalf("after restart: %d objects, %v", objects, counts)
	}
	if code := p2.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d: %s", code, p2.stderr)
	}
}

// SIGKILL while the write-ahead log compacts: small segments, a stream that
// delivers as fast as it can beside one whose buffer holds its records for
// the whole test (as a failing stream would), so that compaction keeps
// copying the held records forward. Nothing acknowledged is lost.
func TestCrashWhileCompactingLosesNothing(t *testing.T) {
	seed := crashSeed(t)
	t.Logf("seed %d (CRASH_SEED=%d go test -run %s to replay the same kill points)", seed, seed, t.Name())
	rng := rand.New(rand.NewPCG(seed, 2))
	dataDir := t.TempDir()
	acked := &ackedSet{ids: map[string]struct{}{}}
	args := []string{"--data-dir", dataDir, "--wal-segment-size", "128KiB"}
	const kills = 3
	start := time.Now()
	var logs strings.Builder
	for i := range kills {
		p := startBinary(t, nil, args...)
		if i == 0 {
			s3c := s3.NewFromConfig(emulatortest.Config(p.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
				t.Fatal(err)
			}
			fh := firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1"))
			fast := s3Dest()
			fast.BufferingHints = hints(1, 60)
			createStream(t, fh, "fast", fast)
			held := s3Dest()
			held.BufferingHints = hints(128, 900)
			createStream(t, fh, "held", held)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(2)
		loadSeed := rng.Uint64()
		go func() {
			defer wg.Done()
			runLoad(ctx, loadClient(p.url), "fast", "f"+strconv.Itoa(i), 2, loadSeed, acked)
		}()
		go func() { // a few held records every 10 ms
			defer wg.Done()
			fh := loadClient(p.url)
			for b := 0; ctx.Err() == nil; b++ {
				id := fmt.Sprintf("h%d-b%d", i, b)
				out, err := fh.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("held"),
					Record: &types.Record{Data: []byte(id + " xxxxxxxx\n")}})
				if err == nil && aws.ToString(out.RecordId) != "" {
					acked.add(id)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		kill := 500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		time.Sleep(kill)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-p.done
		cancel()
		wg.Wait()
		logs.WriteString(p.stderr.String())
		t.Logf("run %d: SIGKILL after %v", i+1, kill.Round(time.Millisecond))
	}
	all := crashFinalCheck(t, dataDir, args, acked, kills, start, seed, logs.String())
	n := strings.Count(all, "write-ahead log: segment compacted")
	t.Logf("%d segments compacted over the runs", n)
	if n == 0 {
		t.Fatal("no segment was compacted: the test did not exercise compaction")
	}
}
