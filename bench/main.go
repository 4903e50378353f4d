// Command bench measures firehose-local's PutRecordBatch throughput against
// a no-op server and moto with the same AWS SDK for Go v2 client, and its
// memory use and start-up time:
//
//	go run ./bench -duration 10s -workers 1,4
//
// Every server is a separate process on 127.0.0.1 and the bench process is
// the one client:
//
//   - no-op: this binary again (-serve-noop), reading each request and
//     answering a canned PutRecordBatch response of 500 entries with
//     224-character RecordIds. It is a process of its own, not a goroutine
//     of the bench, so that it shares neither the client's Go scheduler nor
//     its heap and GC: like every other target it only competes with the
//     client for the machine's cores.
//   - firehose-local: built from -repo as the Dockerfile builds it (or
//     -bin), run with --max-buffer-interval 1s so that deliveries to the
//     built-in S3 happen during the run, with a stream whose buffering
//     hints are the default 5 MiB.
//   - moto: `python3 -m moto.server`, skipped with a note if it does not
//     start.
//
// Targets are interleaved round by round (-rounds), and each throughput is
// also printed as a ratio against the no-op server of the same round. The
// SDK's retries are off, so throttles and failures show in the counts.
// -compare-bin adds another firehose-local binary (say, a build from before
// a change) as a column of the same run. -durable adds the same binary with
// --data-dir and --fsync always, and with --fsync interval, reported as
// ratios against firehose-local in memory. -wal-compaction measures the
// write-ahead log's compaction instead (walcompact.go). Results are printed
// as Markdown.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	targetNoop = "no-op"
	targetFL   = "firehose-local"
	targetMoto = "moto"
)

type options struct {
	duration, warmup time.Duration
	workers          []int
	records, size    int
	bin, repo        string
	targets          []string
	motoCmd          string
	startupRuns      int
	store            string
	rounds           int
	compareBin       string
	compareLabel     string
	check            bool
	durable          bool
	walCompaction    bool
	walMB            float64
	walSegment       string
	walHeld          float64
	partitioning     bool
	partitionQuery   string
	parquet          bool
	parquetRecords   int
	kinesis          bool
	kinesisSoak      int
	redshift         bool
	redshiftRecords  int
	redshiftBufferMB int
	lineage          bool
}

// ingestTarget is issue 17's: firehose-local's ingest at least 0.9 of the
// no-op's in the same command (it was 0.8 before).
const ingestTarget = 0.9

func main() {
	var o options
	var workers, targets string
	serve := flag.String("serve-noop", "", "internal: serve the no-op baseline on this address")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window per target, worker count and round")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each window")
	flag.StringVar(&workers, "workers", "1,4", "comma-separated worker counts (concurrent PutRecordBatch callers)")
	flag.IntVar(&o.records, "records", 500, "records per PutRecordBatch")
	flag.IntVar(&o.size, "size", 100, "bytes per record")
	flag.StringVar(&o.bin, "bin", "", "firehose-local binary (default: build the module in -repo as the Dockerfile does)")
	flag.StringVar(&o.repo, "repo", ".", "the firehose-local module, built when -bin is empty")
	flag.StringVar(&targets, "targets", "no-op,firehose-local,moto", "targets to load")
	flag.StringVar(&o.motoCmd, "moto-cmd", "python3 -m moto.server", "moto server command (-H and -p are appended)")
	flag.IntVar(&o.startupRuns, "startup-runs", 20, "measured exec-to-healthy runs (0 skips)")
	flag.StringVar(&o.store, "store", "memory", "firehose-local's built-in S3: memory (its default) or disk (a temporary --data-dir)")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every target at every worker count")
	flag.StringVar(&o.compareBin, "compare-bin", "", "other firehose-local binaries, comma-separated, loaded as extra columns (e.g. a build from before a change)")
	flag.StringVar(&o.compareLabel, "compare-label", "", "comma-separated column labels for -compare-bin")
	flag.BoolVar(&o.check, "check", false, "exit 1 if a target (ingest ratio ≥ 0.9, idle RSS < 15 MiB, start-up < 10 ms; with -durable, fsync always ≥ 0.5 of in memory) is missed")
	flag.BoolVar(&o.durable, "durable", false, "also load firehose-local with --data-dir and --fsync always, and with --fsync interval, reported against it in memory")
	flag.BoolVar(&o.walCompaction, "wal-compaction", false, "instead of the throughput bench: write-ahead log compaction's write amplification with a failing stream beside a flowing one, for this build and each -compare-bin (see walcompact.go)")
	flag.Float64Var(&o.walMB, "wal-mb", 40, "with -wal-compaction: MB to ingest per run")
	flag.StringVar(&o.walSegment, "wal-segment", "64KiB", "with -wal-compaction: --wal-segment-size")
	flag.Float64Var(&o.walHeld, "wal-held", 0.05, "with -wal-compaction: the share of the bytes sent to the failing stream")
	flag.BoolVar(&o.partitioning, "partitioning", false, "instead of the throughput bench: records/s through dynamic partitioning's MetadataExtraction (two-key jq query, 4 and 100 partitions) against the same build's stream without processing (see partition.go)")
	flag.StringVar(&o.partitionQuery, "partition-query", DefaultPartitionQuery, "with -partitioning: the MetadataExtraction query, yielding the keys customer and device")
	flag.BoolVar(&o.parquet, "parquet", false, "instead of the throughput bench: records/s of JSON → Parquet (SNAPPY, 10 columns) through the whole pipeline against parquet-go alone writing the same rows in process (see parquet.go)")
	flag.IntVar(&o.parquetRecords, "parquet-records", 200000, "with -parquet: records per round")
	flag.IntVar(&o.kinesisSoak, "kinesis-soak", 0, "with -kinesis, instead of its rounds: this many windows of -duration putting into one stream with the most -workers, firehose-local's records/s, server CPU a call and RSS in each, against the no-op's before and after (see kinesis.go)")
	flag.BoolVar(&o.kinesis, "kinesis", false, "instead of the throughput bench: Kinesis PutRecords of -records × -size through the Go SDK against the no-op server, firehose-local and moto (see kinesis.go)")
	flag.BoolVar(&o.redshift, "redshift", false, "instead of the throughput bench: records/s delivered into PostgreSQL through the Redshift destination (JSON 'auto' and '|' text) against a plain COPY FROM STDIN of the same rows with pgx (see redshift.go)")
	flag.IntVar(&o.redshiftRecords, "redshift-records", 200000, "with -redshift: records per round")
	flag.IntVar(&o.redshiftBufferMB, "redshift-buffer-mb", 5, "with -redshift: the staging S3Configuration's SizeInMBs")
	flag.BoolVar(&o.lineage, "lineage", false, "also load firehose-local with --lineage-records 0 (record lineage off), reported against it with lineage on (see lineage.go)")
	flag.Parse()
	if *serve != "" {
		serveNoop(*serve, o.records)
		return
	}
	for _, w := range strings.Split(workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 || n > 256 {
			fatalf("bad -workers %q", workers)
		}
		o.workers = append(o.workers, n)
	}
	for _, t := range strings.Split(targets, ",") {
		t = strings.TrimSpace(t)
		if t != targetNoop && t != targetFL && t != targetMoto {
			fatalf("unknown target %q (want no-op, firehose-local, moto)", t)
		}
		o.targets = append(o.targets, t)
	}
	if o.rounds < 1 {
		fatalf("-rounds must be at least 1")
	}
	if o.store != "disk" && o.store != "memory" {
		fatalf("-store must be disk or memory")
	}
	if o.durable && (o.store == "disk" || !slices.Contains(o.targets, targetFL)) {
		fatalf("-durable compares with firehose-local in memory: it needs the firehose-local target and -store memory")
	}
	if !slices.Contains(o.targets, targetNoop) {
		fatalf("the no-op target is the baseline and cannot be left out")
	}
	if o.walCompaction && (o.walMB <= 0 || o.walHeld <= 0 || o.walHeld >= 1) {
		fatalf("-wal-mb must be positive and -wal-held between 0 and 1")
	}
	ok, err := run(o)
	if err != nil {
		fatalf("%v", err)
	}
	if o.check && !ok {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "# "+format+"\n", args...)
}

func selfCPU() time.Duration { return cpuTime(os.Getpid()) }

// target is one server under load.
type target struct {
	name string
	kind string // targetNoop, targetFL or targetMoto
	bin  string // firehose-local binary
	proc *process

	args []string // firehose-local: flags of its own (the durable targets)

	idleRSS int64         // firehose-local: VmRSS with the stream created, before load
	peakRSS map[int]int64 // firehose-local: workers → highest VmHWM of its runs
	startup []time.Duration
	fresh   []int64 // RSS when first healthy
}

// report collects everything the run measured.
type report struct {
	targets   []*target
	results   map[string]map[int][]loadResult // target → workers → one per round
	motoNote  string
	peakReset bool
	flArgs    []string
}

func (r *report) add(t string, w int, res loadResult) {
	if r.results[t] == nil {
		r.results[t] = map[int][]loadResult{}
	}
	r.results[t][w] = append(r.results[t][w], res)
}

func run(o options) (bool, error) {
	tmp, err := os.MkdirTemp("", "firehose-bench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)

	rep := &report{results: map[string]map[int][]loadResult{}}
	stopAll := func(grace time.Duration) {
		for _, t := range rep.targets {
			t.proc.stop(grace)
		}
	}
	defer stopAll(30 * time.Second)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stopAll(time.Second)
		os.Exit(130)
	}()

	needFL := slices.Contains(o.targets, targetFL) || o.walCompaction || o.partitioning || o.parquet || o.kinesis || o.redshift
	if o.walCompaction || o.partitioning || o.parquet || o.kinesis || o.redshift {
		o.startupRuns = 0
	}
	bin := o.bin
	if bin == "" && (needFL || o.startupRuns > 0) {
		bin = filepath.Join(tmp, "firehose-local")
		logf("building firehose-local from %s", o.repo)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
		cmd.Dir = o.repo
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Dockerfile builds it
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return false, fmt.Errorf("go build: %w", err)
		}
	}
	var fls []*target
	if needFL || o.startupRuns > 0 {
		fls = append(fls, &target{name: targetFL, kind: targetFL, bin: bin, peakRSS: map[int]int64{}})
		if o.compareBin != "" {
			labels := strings.Split(o.compareLabel, ",")
			for i, bin := range strings.Split(o.compareBin, ",") {
				label := fmt.Sprintf("(compare %d)", i+1)
				if i < len(labels) && labels[i] != "" {
					label = labels[i]
				}
				fls = append(fls, &target{name: targetFL + " " + label, kind: targetFL, bin: bin, peakRSS: map[int]int64{}})
			}
		}
	}
	if o.walCompaction {
		return true, runWALCompaction(o, fls, tmp)
	}
	if o.partitioning {
		return true, runPartitioning(o, bin)
	}
	if o.parquet {
		return true, runParquet(o, bin)
	}
	if o.kinesisSoak > 0 && !o.kinesis {
		return false, errors.New("-kinesis-soak is a mode of -kinesis: give both")
	}
	if o.kinesis && o.kinesisSoak > 0 {
		if o.compareBin != "" {
			return false, errors.New("-kinesis-soak loads one build: -compare-bin is not taken with it")
		}
		return true, runKinesisSoak(o, fls[0])
	}
	if o.kinesis {
		return true, runKinesis(o, fls)
	}
	if o.redshift {
		return true, runRedshift(o, bin)
	}
	// The durable targets: the same binary with a write-ahead log.
	var durables []*target
	if o.durable {
		for _, policy := range []string{"always", "interval"} {
			durables = append(durables, &target{name: durableName(policy), kind: targetFL, bin: bin, peakRSS: map[int]int64{},
				args: []string{"--data-dir", filepath.Join(tmp, "durable-"+policy), "--fsync", policy}})
		}
	}
	if o.lineage {
		durables = append(durables, lineageOffTarget(bin))
	}

	// Start-up: exec to the first 200 on /_local/health, a fresh process
	// each time, binaries interleaved; the first round warms the page cache.
	if o.startupRuns > 0 {
		for i := 0; i <= o.startupRuns; i++ {
			for _, t := range fls {
				d, rss, err := measureStartup(t.bin)
				if err != nil {
					return false, fmt.Errorf("%s: start-up run %d: %w", t.name, i, err)
				}
				if i > 0 {
					t.startup = append(t.startup, d)
					t.fresh = append(t.fresh, rss)
				}
			}
		}
		for _, t := range fls {
			logf("%s start-up: median %s over %d runs", t.name, percentile(t.startup, 50), len(t.startup))
		}
	}

	ctx := context.Background()
	maxW := slices.Max(o.workers)

	noop, err := startNoop(o.records)
	if err != nil {
		return false, err
	}
	rep.targets = append(rep.targets, &target{name: targetNoop, kind: targetNoop, proc: noop})

	if needFL {
		rep.flArgs = []string{"--max-buffer-interval", "1s", "--log-level", "warn"}
		for i, t := range slices.Concat(fls, durables) {
			args := slices.Concat(rep.flArgs, t.args)
			if o.store == "disk" {
				args = append(args, "--data-dir", filepath.Join(tmp, fmt.Sprintf("data%d", i)))
			}
			if t.proc, err = startFirehoseLocal(t.bin, args...); err != nil {
				return false, fmt.Errorf("%s: %w", t.name, err)
			}
			rep.targets = append(rep.targets, t)
			if err := setupStream(ctx, awsConfig(t.proc.url, maxW)); err != nil {
				return false, fmt.Errorf("%s: %w", t.name, err)
			}
			time.Sleep(500 * time.Millisecond)
			t.idleRSS, _ = procStatus(t.proc.pid(), "VmRSS")
		}
		if o.store == "disk" {
			rep.flArgs = append(rep.flArgs, "--data-dir", "$TMP/dataN")
		}
	}
	if slices.Contains(o.targets, targetMoto) {
		moto, err := startMoto(o.motoCmd, 30*time.Second)
		if err == nil {
			rep.targets = append(rep.targets, &target{name: targetMoto, kind: targetMoto, proc: moto})
			err = setupStream(ctx, awsConfig(moto.url, maxW))
		}
		if err != nil {
			rep.motoNote = "moto column skipped: " + err.Error()
			logf("%s", rep.motoNote)
			if moto != nil {
				rep.targets = rep.targets[:len(rep.targets)-1]
				moto.stop(time.Second)
			}
		}
	}

	for round := 1; round <= o.rounds; round++ {
		for _, w := range o.workers {
			order := slices.Clone(rep.targets)
			if round%2 == 0 {
				slices.Reverse(order) // so no target always follows the same one
			}
			for _, t := range order {
				if t.kind == targetFL {
					rep.peakReset = resetPeakRSS(t.proc.pid())
				}
				res := runLoad(ctx, awsConfig(t.proc.url, maxW), w, o.records, o.size, o.warmup, o.duration, t.proc.pid())
				rep.add(t.name, w, res)
				logf("round %d  %-22s workers=%d  %8.0f records/s  requests=%d failed=%d errors=%d %s",
					round, t.name, w, res.recordsPerSec(), res.requests, res.failed, res.errors, res.firstErr)
				if t.kind == targetFL {
					if hwm, err := procStatus(t.proc.pid(), "VmHWM"); err == nil && hwm > t.peakRSS[w] {
						t.peakRSS[w] = hwm
					}
					// Deliver what is buffered, so that the next target
					// runs on a quiet machine.
					if err := flush(t.proc.url); err != nil {
						logf("flush: %v", err)
					}
				}
			}
		}
	}
	return rep.print(os.Stdout, o, slices.Concat(fls, durables)), nil
}

// printDurable writes the durable targets' throughput as ratios against
// firehose-local in memory, round by round, and reports whether fsync
// always reached half of it.
func (r *report) printDurable(w io.Writer, o options) bool {
	ok := true
	fmt.Fprintf(w, "\nDurable ingest (`--data-dir`, write-ahead log; the built-in S3 on disk too) against firehose-local in memory, same rounds:\n\n")
	fmt.Fprintf(w, "| workers | in memory records/s | fsync always records/s | fsync interval records/s | always / in memory | interval / in memory | server CPU µs/record: in memory | always | interval |\n")
	fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	serverCPU := func(rs []loadResult) string {
		var cpu time.Duration
		var n int64
		for _, res := range rs {
			cpu += res.serverCPU
			n += res.records + res.failed
		}
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(cpu.Microseconds())/float64(n))
	}
	for _, n := range o.workers {
		mem := r.results[targetFL][n]
		always, interval := r.results[durableName("always")][n], r.results[durableName("interval")][n]
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.0f |", n, percentile(rates(mem), 50), percentile(rates(always), 50), percentile(rates(interval), 50))
		for i, rs := range [][]loadResult{always, interval} {
			ratio := ratios(rs, mem)
			if len(ratio) == 0 {
				fmt.Fprint(w, " - |")
				ok = false
				continue
			}
			med := percentile(ratio, 50)
			mark := ""
			if i == 0 {
				mark = " ✓"
				if med < 0.5 {
					mark = " ✗"
					ok = false
				}
			}
			fmt.Fprintf(w, " **%.2f**%s [%.2f–%.2f] |", med, mark, slices.Min(ratio), slices.Max(ratio))
		}
		fmt.Fprintf(w, " %s | %s | %s |\n", serverCPU(mem), serverCPU(always), serverCPU(interval))
	}
	fmt.Fprintln(w, "\nTarget: fsync always at least 0.5 of in memory (group commit).")
	return ok
}

// durableName is the durable target's name for an fsync policy.
func durableName(policy string) string { return targetFL + " --data-dir --fsync " + policy }

// measureStartup execs the binary and polls /_local/health until it
// answers 200; it returns that time and the process's RSS at that moment.
func measureStartup(bin string) (time.Duration, int64, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, "--listen", addr)
	setPdeathsig(cmd)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p := &process{name: "firehose-local", cmd: cmd, done: done}
	defer p.stop(5 * time.Second)
	if _, err := waitHealthy(addr, 10*time.Second, done); err != nil {
		return 0, 0, err
	}
	d := time.Since(t0)
	rss, _ := procStatus(cmd.Process.Pid, "VmRSS")
	return d, rss, nil
}

func flush(url string) error {
	resp, err := http.Post(url+"/_local/flush?timeout=60s", "application/json", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func percentile[T cmp.Ordered](xs []T, p int) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100 // nearest rank
	return s[max(i-1, 0)]
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// rates returns records/s of each round.
func rates(rs []loadResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.recordsPerSec()
	}
	return out
}

// ratios returns, round by round, a's records/s over b's.
func ratios(a, b []loadResult) []float64 {
	var out []float64
	for i := range min(len(a), len(b)) {
		if d := b[i].recordsPerSec(); d > 0 {
			out = append(out, a[i].recordsPerSec()/d)
		}
	}
	return out
}

// cpuPerRecord is the client plus server CPU time per record of runs.
func cpuPerRecord(rs []loadResult) float64 {
	var cpu time.Duration
	var n int64
	for _, r := range rs {
		cpu += r.serverCPU + r.clientCPU
		n += r.records + r.failed
	}
	if n == 0 {
		return math.Inf(1)
	}
	return float64(cpu) / float64(n)
}

// print writes the Markdown report and reports whether every target was met.
func (r *report) print(w io.Writer, o options, fls []*target) bool {
	ok := true
	fmt.Fprintf(w, "## firehose-local bench, %s\n\n", time.Now().Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "Machine: %d cores (%s), %s/%s, %s. Client: AWS SDK for Go v2 in the bench process, retries off, one connection per worker.\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "Load: PutRecordBatch of %d records × %d bytes; per target and worker count a %s warm-up, then a %s window; %d round(s), targets interleaved.\n",
		o.records, o.size, o.warmup, o.duration, o.rounds)
	if r.flArgs != nil {
		store := "in memory"
		if o.store == "disk" {
			store = "on disk (bbolt)"
		}
		fmt.Fprintf(w, "firehose-local flags: `%s`; built-in S3 %s.\n", strings.Join(r.flArgs, " "), store)
		if o.durable {
			fmt.Fprintf(w, "Durable targets: the same flags plus `--data-dir $TMP/durable-POLICY --fsync POLICY`.\n")
		}
	}
	fmt.Fprintln(w, "\nRecords/s is the median over rounds; a ratio is the median of the per-round ratios (range in brackets).")
	fmt.Fprintln(w, "The CPU-cost ratio is the no-op's client+server CPU time per record over the target's: what the throughput ratio")
	fmt.Fprintln(w, "comes to when client and server saturate the cores, and much less sensitive to other load on the machine.")
	fmt.Fprintln(w)

	var others []*target
	for _, t := range r.targets {
		if t.kind != targetNoop {
			others = append(others, t)
		}
	}
	fmt.Fprint(w, "| workers |")
	for _, t := range r.targets {
		fmt.Fprintf(w, " %s records/s |", t.name)
	}
	for _, t := range others {
		fmt.Fprintf(w, " %s / no-op |", t.name)
	}
	for _, t := range others {
		fmt.Fprintf(w, " %s CPU-cost ratio |", t.name)
	}
	fmt.Fprint(w, "\n|---:|")
	for range len(r.targets) + 2*len(others) {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, n := range o.workers {
		base := r.results[targetNoop][n]
		fmt.Fprintf(w, "| %d |", n)
		for _, t := range r.targets {
			fmt.Fprintf(w, " %.0f |", percentile(rates(r.results[t.name][n]), 50))
		}
		for _, t := range others {
			rs := ratios(r.results[t.name][n], base)
			med := percentile(rs, 50)
			mark := ""
			if t.name == targetFL {
				if med >= ingestTarget {
					mark = " ✓"
				} else {
					mark = " ✗"
					ok = false
				}
			}
			fmt.Fprintf(w, " **%.2f**%s [%.2f–%.2f] |", med, mark, slices.Min(rs), slices.Max(rs))
		}
		for _, t := range others {
			fmt.Fprintf(w, " %.2f |", cpuPerRecord(base)/cpuPerRecord(r.results[t.name][n]))
		}
		fmt.Fprintln(w)
	}
	if r.motoNote != "" {
		fmt.Fprintf(w, "\n%s\n", r.motoNote)
	}
	if o.durable && !r.printDurable(w, o) {
		ok = false
	}
	if o.lineage && !r.printLineage(w, o) {
		ok = false
	}

	fmt.Fprintf(w, "\n| target | workers | requests | failed records | failed calls | server CPU µs/record | client CPU µs/record |\n|---|---:|---:|---:|---:|---:|---:|\n")
	var firstErrs []string
	for _, t := range r.targets {
		for _, n := range o.workers {
			var q, rec, failed, errs int64
			var scpu, ccpu time.Duration
			for _, res := range r.results[t.name][n] {
				q += res.requests
				rec += res.records
				failed += res.failed
				errs += res.errors
				scpu += res.serverCPU
				ccpu += res.clientCPU
				if res.firstErr != "" {
					firstErrs = append(firstErrs, fmt.Sprintf("%s, %d workers: %s", t.name, n, res.firstErr))
				}
			}
			per := func(d time.Duration) string {
				if rec+failed == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2f", float64(d.Microseconds())/float64(rec+failed))
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %s | %s |\n", t.name, n, q, failed, errs, per(scpu), per(ccpu))
			if t.name == targetFL && (failed > 0 || errs > 0) {
				ok = false
			}
		}
	}
	for _, e := range firstErrs {
		fmt.Fprintf(w, "\nFirst error (%s)\n", e)
	}

	if len(fls) > 0 && fls[0].proc != nil {
		how := "VmHWM, reset before each run"
		if !r.peakReset {
			how = "VmHWM, cumulative: the kernel refused the reset"
		}
		fmt.Fprintf(w, "\n| memory | idle (stream created, before load) |")
		for _, n := range o.workers {
			fmt.Fprintf(w, " peak, %d workers |", n)
		}
		fmt.Fprint(w, "\n|---|---:|")
		for range o.workers {
			fmt.Fprint(w, "---:|")
		}
		fmt.Fprintln(w)
		for _, t := range fls {
			mark := " ✓"
			if t.idleRSS >= 15<<20 {
				mark = " ✗"
				if t.name == targetFL {
					ok = false
				}
			}
			fmt.Fprintf(w, "| %s | %s%s |", t.name, mib(t.idleRSS), mark)
			for _, n := range o.workers {
				fmt.Fprintf(w, " %s |", mib(t.peakRSS[n]))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\nPeak RSS is %s, over all rounds; idle target < 15 MiB.\n", how)
	}
	if len(fls) > 0 && len(fls[0].startup) > 0 {
		fmt.Fprintf(w, "\n| start-up, exec to first 200 on /_local/health | median | p90 | max | RSS then (median) |\n|---|---:|---:|---:|---:|\n")
		for _, t := range fls {
			if len(t.startup) == 0 {
				continue // the durable targets: the same binary
			}
			med := percentile(t.startup, 50)
			mark := " ✓"
			if med >= 10*time.Millisecond {
				mark = " ✗"
				if t.name == targetFL {
					ok = false
				}
			}
			fmt.Fprintf(w, "| %s | %.2f ms%s | %.2f ms | %.2f ms | %s |\n", t.name, ms(med), mark, ms(percentile(t.startup, 90)), ms(slices.Max(t.startup)), mib(percentile(t.fresh, 50)))
		}
		fmt.Fprintf(w, "\n%d runs each, no flags but --listen, polled every 0.1 ms; target < 10 ms.\n", len(fls[0].startup))
	}
	return ok
}
