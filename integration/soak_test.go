package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// TestSoak compresses an hour of a busy emulator into a minute or two: 50
// streams behind one Go transform, records put concurrently every 15
// simulated seconds, random flushes, and streams deleted and created
// again, with a fake clock driving every buffer interval. It checks that
//
//   - every record of a stream generation that was never deleted is
//     delivered (transformed);
//   - the heap does not grow through the second half of the hour, and
//     returns near where it started once the server is closed;
//   - no goroutine outlives Close (goleak, ignoring the goroutines that
//     existed before the server);
//   - no function process outlives Close.
//
// It runs when FIREHOSE_LOCAL_SOAK=1 (.ci/run sets it);
// FIREHOSE_LOCAL_SOAK_STEPS changes the number of 15-second steps (240: an
// hour).
func TestSoak(t *testing.T) {
	if os.Getenv("FIREHOSE_LOCAL_SOAK") == "" {
		t.Skip("set FIREHOSE_LOCAL_SOAK=1 to run the soak test (about two minutes)")
	}
	steps := 240
	if s := os.Getenv("FIREHOSE_LOCAL_SOAK_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 8 {
			t.Fatalf("FIREHOSE_LOCAL_SOAK_STEPS=%q: want a number of steps, at least 8", s)
		}
		steps = n
	}
	const (
		streams = 50
		step    = 15 * time.Second
	)
	bootstrap := goTransform(t) // built before the baselines are taken
	fnDir := filepath.Dir(bootstrap)

	baseGoroutines := goleak.IgnoreCurrent()
	baseHeap := heapAfterGC()
	began := time.Now()

	clock := emulator.NewFakeClock(t0)
	srv, err := emulator.New(emulator.Config{
		DataDir: t.TempDir(),
		Clock:   clock,
		Functions: []emulator.LocalFunction{{Name: "upper", Dir: fnDir, Runtime: "provided.al2023", Handler: "bootstrap",
			Timeout: 30 * time.Second}},
		LambdaConcurrency: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeServer := func() {
		if closed {
			return
		}
		closed = true
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	defer closeServer()

	transport := &http.Transport{MaxIdleConnsPerHost: streams}
	cfg := emulatortest.Config("http://"+addr.String(), "us-east-1")
	cfg.HTTPClient = &http.Client{Transport: transport}
	fh := firehose.NewFromConfig(cfg)
	ctx := context.Background()
	if err := srv.S3().CreateBucket(ctx, "deliveries"); err != nil {
		t.Fatal(err)
	}

	// generation[i] counts the times stream i was created; put[i] is the
	// number of records put into the current generation.
	generation := make([]int, streams)
	put := make([]int, streams)
	deleted := map[string]bool{} // "sNN:gM" generations whose buffer may have been discarded
	name := func(i int) string { return fmt.Sprintf("s%02d", i) }
	create := func(i int) {
		generation[i]++
		put[i] = 0
		dest := transformDest(fnARNPrefix+"upper", "3")
		dest.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
		createStream(t, fh, name(i), dest)
	}
	for i := range streams {
		create(i)
	}

	rng := rand.New(rand.NewPCG(7, 11))
	var midHeap uint64
	flushes, deletes, records := 0, 0, 0
	for s := range steps {
		// Puts: about half the streams get a batch, concurrently.
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range streams {
			if rng.IntN(2) == 0 {
				continue
			}
			n := 1 + rng.IntN(60)
			size := 20 + rng.IntN(600)
			recs := make([]types.Record, n)
			for r := range recs {
				line := fmt.Sprintf("%s:g%d:%06d:", name(i), generation[i], put[i]+r)
				recs[r] = types.Record{Data: []byte(line + strings.Repeat("x", max(0, size-len(line))) + "\n")}
			}
			put[i] += n
			records += n
			wg.Add(1)
			go func(stream string) {
				defer wg.Done()
				out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs})
				if err == nil && aws.ToInt32(out.FailedPutCount) != 0 {
					err = fmt.Errorf("%d records failed: %+v", aws.ToInt32(out.FailedPutCount), out.RequestResponses[0])
				}
				if err != nil {
					mu.Lock()
					t.Errorf("step %d: PutRecordBatch %s: %v", s, stream, err)
					mu.Unlock()
				}
			}(name(i))
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		// Now and then a stream is flushed, or deleted and created again.
		switch r := rng.IntN(100); {
		case r < 10:
			flushes++
			i := rng.IntN(streams)
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/_local/flush?stream="+name(i), nil)
			resp, err := cfg.HTTPClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("step %d: flush %s: %v %v", s, name(i), resp, err)
			}
			resp.Body.Close()
		case r < 14:
			deletes++
			i := rng.IntN(streams)
			deleted[fmt.Sprintf("%s:g%d", name(i), generation[i])] = true
			if _, err := fh.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String(name(i))}); err != nil {
				t.Fatalf("step %d: delete %s: %v", s, name(i), err)
			}
			create(i)
		}

		// Time passes; what it cut is delivered before the next step, as an
		// hour of real time would allow.
		clock.Advance(step)
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := srv.WaitDelivered(wctx)
		cancel()
		if err != nil {
			t.Fatalf("step %d: deliveries did not finish: %v", s, err)
		}
		if s == steps/2 {
			midHeap = heapAfterGC()
		}
	}
	endHeap := heapAfterGC()

	// Everything left is delivered; every record of a generation that was
	// never deleted arrives once or more (the SDK may re-send a batch).
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if results, _ := srv.Flush(ctxFor(t, time.Minute), "", ""); len(results) == 0 {
		t.Fatal("flush found no stream")
	}
	if err := srv.WaitDelivered(fctx); err != nil {
		t.Fatal(err)
	}
	got := deliveredRecords(t, srv, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }))
	for i := range streams {
		for g := 1; g <= generation[i]; g++ {
			key := fmt.Sprintf("%s:g%d", name(i), g)
			if deleted[key] {
				continue
			}
			want := put[i]
			if g < generation[i] {
				t.Fatalf("generation %s replaced without being deleted", key)
			}
			if n := got[strings.ToUpper(key)]; n != want {
				t.Errorf("%s: %d distinct records delivered, %d put", key, n, want)
			}
		}
	}
	t.Logf("%d simulated minutes in %v: %d records, %d flushes, %d deletes; heap %d MiB at the start, %d MiB half-way, %d MiB at the end",
		steps*int(step/time.Second)/60, time.Since(began).Round(time.Second), records, flushes, deletes, baseHeap>>20, midHeap>>20, endHeap>>20)

	// Through the second half the heap may wobble, not grow with the work.
	const slack = 24 << 20
	if endHeap > midHeap+slack {
		t.Errorf("heap grew from %d MiB half-way to %d MiB at the end", midHeap>>20, endHeap>>20)
	}

	if runtime.GOOS == "linux" && len(functionProcesses(bootstrap)) == 0 {
		t.Fatal("no function process found while the server runs: the check below would not see a leak either")
	}
	closeServer()
	transport.CloseIdleConnections()
	if err := leakcheck.Find(leakcheck.Wait, baseGoroutines); err != nil {
		t.Errorf("goroutines outlived Close: %v", err)
	}
	if procs := functionProcesses(bootstrap); len(procs) > 0 {
		t.Errorf("function processes outlived Close: %v", procs)
	}
	if h := heapAfterGC(); h > baseHeap+slack {
		t.Errorf("heap is %d MiB after Close, %d MiB before the server", h>>20, baseHeap>>20)
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// deliveredRecords counts, per "SNN:GM" stream generation, the distinct
// records found in the delivered objects.
func deliveredRecords(t *testing.T, srv *emulator.Server, s3c *s3.Client) map[string]int {
	t.Helper()
	keys := listKeys(t, s3c, "deliveries")
	seen := map[string]map[string]bool{}
	for _, k := range keys {
		if strings.HasPrefix(k, "errors/") {
			body, _, _ := srv.S3().GetObject(context.Background(), "deliveries", k)
			t.Fatalf("error output %s: %.300s", k, body)
		}
		body, _, err := srv.S3().GetObject(context.Background(), "deliveries", k)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
			parts := strings.SplitN(string(line), ":", 4)
			if len(parts) < 3 {
				t.Fatalf("object %s: unexpected line %.80q", k, line)
			}
			gen := parts[0] + ":" + parts[1]
			if seen[gen] == nil {
				seen[gen] = map[string]bool{}
			}
			seen[gen][parts[2]] = true
		}
	}
	out := map[string]int{}
	for gen, ids := range seen {
		out[gen] = len(ids)
	}
	return out
}

// listKeys lists a bucket of the built-in S3.
func listKeys(t *testing.T, s3c *s3.Client, bucket string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

// functionProcesses lists the running processes of the transform binary,
// wherever they were reparented.
func functionProcesses(bootstrap string) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		if exe == bootstrap {
			out = append(out, e.Name())
		}
	}
	return out
}
