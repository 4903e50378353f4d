// Command lambda benchmarks firehose-local's Lambda support (issue 4,
// Performance) and prints Markdown:
//
//	go run ./bench/lambda -n 2000 -duration 10s
//
// It has two parts.
//
//  1. Warm invoke round trip. A trivial aws-lambda-go echo handler
//     (bench/lambda/echo, built CGO_ENABLED=0 as bootstrap) is invoked
//     sequentially, after warm-up, through firehose-local's Lambda API
//     (--function echo=DIR:provided.al2023:bootstrap) and through
//     aws-lambda-rie (the AWS Lambda Runtime Interface Emulator, installed
//     with `go install` into the temporary directory unless -rie is given),
//     both on 127.0.0.1, with the same clients: the AWS SDK for Go v2 Lambda
//     client and a raw net/http POST to the Invoke URL. Rounds alternate the
//     targets. It prints median, p90, p99 and invocations/s, the ratio
//     firehose-local / aws-lambda-rie, and, for information,
//     lambdarunner.Runner.Invoke called in this process. Target: ours is no
//     slower.
//  2. End to end. PutRecordBatch (500 × 100-byte records) from -workers
//     goroutines for -duration into a stream whose ExtendedS3 destination
//     has a Lambda processor running an identity aws-lambda-go transform
//     (bench/lambda/identity), then POST /_local/flush; records/s from the
//     first put to the flush's answer, with every record checked to be in
//     S3 (object bytes = records × size). The baseline of the same run is
//     the same load into a stream without processing. Target: ≥ 100k
//     records/s with the transform.
//
// Every server is a separate process on 127.0.0.1 and the bench process is
// the one client. Build errors, a missing aws-lambda-rie (the module proxy
// refused it) and failed checks are reported, not hidden.
//
// The processor's BufferSizeInMBs defaults to 1.5, not the maximum 3: with
// 100-byte records a 3 MB batch is cut at the 6 MB request limit (about
// 24,000 records), and aws-lambda-go's events.KinesisFirehoseResponse for
// them is about 8 MB (it serializes an empty "metadata" object per record),
// over Lambda's 6 MB response limit, so every batch fails with
// Function.ResponseSizeTooLarge; -proc-buffer-mb 3 shows it.
//
// On a shared machine, -wait-quiet and -max-noise keep other processes'
// work out of the figures, and the CPU columns show how much there was.
// -perf DIR records `perf record -a -g` profiles (with -keep, perf report
// finds the binaries). Results: bench/lambda/RESULTS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest"

type options struct {
	parts   string
	n       int
	warmup  int
	rounds  int
	payload int
	clients string

	duration  time.Duration
	workers   int
	records   int
	size      int
	e2eRounds int
	procMB    string
	perf      string
	quiet     time.Duration
	maxNoise  float64

	repo, bin, rie string
	tmp            string
	keep           bool

	out io.Writer // results (stdout)
	log io.Writer // progress (stderr)
}

func main() {
	o := &options{out: os.Stdout, log: os.Stderr}
	flag.StringVar(&o.parts, "parts", "invoke,e2e", "what to run: invoke, e2e, or both")
	flag.IntVar(&o.n, "n", 2000, "invoke: measured invocations per target")
	flag.IntVar(&o.warmup, "warmup", 200, "invoke: unmeasured invocations per target first")
	flag.IntVar(&o.rounds, "rounds", 10, "invoke: alternating rounds the -n calls are split into")
	flag.IntVar(&o.payload, "payload", 100, "invoke: bytes of the JSON event")
	flag.StringVar(&o.clients, "clients", "sdk,http", "invoke: clients, each used for both servers: sdk (AWS SDK for Go v2 Lambda client), http (raw POST)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "e2e: put phase of each run")
	flag.IntVar(&o.workers, "workers", 4, "e2e: concurrent PutRecordBatch callers")
	flag.IntVar(&o.records, "records", 500, "e2e: records per PutRecordBatch")
	flag.IntVar(&o.size, "size", 100, "e2e: bytes per record")
	flag.IntVar(&o.e2eRounds, "e2e-rounds", 2, "e2e: (baseline, transform) pairs, order alternating")
	flag.StringVar(&o.procMB, "proc-buffer-mb", "1.5", "e2e: the Lambda processor's BufferSizeInMBs (0.2 to 3)")
	flag.StringVar(&o.perf, "perf", "", "record `perf record -a -g` of the measured invoke rounds and of each e2e transform run into this directory (use with -keep, so that perf report finds the binaries)")
	flag.DurationVar(&o.quiet, "wait-quiet", 0, "before each measurement wait up to this long for other processes to use < 10% of the CPUs (0: do not wait)")
	flag.Float64Var(&o.maxNoise, "max-noise", 0, "discard and repeat an invoke round or e2e run in which other processes used more than this share of the CPUs, e.g. 0.1 (0: keep everything)")
	flag.StringVar(&o.repo, "repo", ".", "the firehose-local module")
	flag.StringVar(&o.bin, "bin", "", "firehose-local binary (default: go build the module in -repo)")
	flag.StringVar(&o.rie, "rie", "", "aws-lambda-rie binary (default: go install "+rieModule+" into the temporary directory); \"none\" skips it")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, server logs)")
	flag.Parse()
	if o.n <= 0 || o.rounds <= 0 || o.warmup < 0 || o.workers <= 0 || o.records <= 0 || o.records > 500 || o.size <= 0 || o.e2eRounds <= 0 {
		fmt.Fprintln(os.Stderr, "lambda bench: bad flag value")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, o)
	os.Exit(code)
}

func run(ctx context.Context, o *options) int {
	tmp, err := os.MkdirTemp("", "firehose-bench-lambda-")
	if err != nil {
		fmt.Fprintln(o.log, err)
		return 1
	}
	o.tmp = tmp
	if o.keep {
		fmt.Fprintln(o.log, "temporary directory:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		fmt.Fprintln(o.log, err)
		return 1
	}
	o.repo = repo

	var notes []string
	flBin := o.bin
	if flBin == "" {
		flBin = filepath.Join(tmp, "firehose-local")
		if err := goBuild(o, flBin, ".", false); err != nil {
			fmt.Fprintln(o.log, err)
			return 1
		}
	}
	parts := map[string]bool{}
	for _, p := range strings.Split(o.parts, ",") {
		parts[strings.TrimSpace(p)] = true
	}

	fmt.Fprintf(o.out, "# firehose-local Lambda benchmark\n\n")
	fmt.Fprintf(o.out, "%s, %s/%s, %d CPUs (GOMAXPROCS %d), %s. Command: `go run ./bench/lambda %s`\n",
		time.Now().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), strings.Join(os.Args[1:], " "))

	if o.bin == "" {
		fmt.Fprintf(o.out, "\nfirehose-local: built from %s\n", gitState(o.repo))
	} else {
		fmt.Fprintf(o.out, "\nfirehose-local: %s\n", o.bin)
	}

	failed := false
	if parts["invoke"] {
		echoDir := filepath.Join(tmp, "echo")
		if err := goBuild(o, filepath.Join(echoDir, "bootstrap"), "./bench/lambda/echo", true); err != nil {
			fmt.Fprintln(o.log, err)
			return 1
		}
		rieBin := o.rie
		switch rieBin {
		case "none":
			rieBin = ""
			notes = append(notes, "aws-lambda-rie skipped (-rie none).")
		case "":
			rieBin, err = installRIE(o)
			if err != nil {
				rieBin = ""
				notes = append(notes, fmt.Sprintf("aws-lambda-rie could not be installed (`go install %s`): %v. Only firehose-local was measured.", rieModule, err))
			}
		}
		if rieBin != "" {
			if v := rieVersion(rieBin); v != "" {
				fmt.Fprintf(o.out, "\naws-lambda-rie: %s\n", v)
			}
		}
		for _, n := range notes {
			fmt.Fprintf(o.out, "\nNote: %s\n", n)
		}
		if err := runInvoke(ctx, o, flBin, rieBin, echoDir); err != nil {
			fmt.Fprintln(o.log, "invoke:", err)
			failed = true
		}
	}
	if parts["e2e"] && ctx.Err() == nil {
		identityDir := filepath.Join(tmp, "identity")
		if err := goBuild(o, filepath.Join(identityDir, "bootstrap"), "./bench/lambda/identity", true); err != nil {
			fmt.Fprintln(o.log, err)
			return 1
		}
		if err := runE2E(ctx, o, flBin, identityDir); err != nil {
			fmt.Fprintln(o.log, "e2e:", err)
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// goBuild builds pkg of the module as out; function code is built as Lambda
// builds provided.al2023 Go functions (static, CGO_ENABLED=0).
func goBuild(o *options, out, pkg string, static bool) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	fmt.Fprintf(o.log, "building %s\n", pkg)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = o.repo
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// installRIE installs aws-lambda-rie into the temporary directory with the
// ordinary Go client (the module proxy), outside this module.
func installRIE(o *options) (string, error) {
	gobin := filepath.Join(o.tmp, "gobin")
	fmt.Fprintf(o.log, "installing %s\n", rieModule)
	cmd := exec.Command("go", "install", rieModule)
	cmd.Dir = o.tmp // not inside the module: go.mod is not touched
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(b)))
	}
	return filepath.Join(gobin, "aws-lambda-rie"), nil
}

// rieVersion reports the module version aws-lambda-rie was built from.
func rieVersion(bin string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" {
			return f[1] + " " + f[2]
		}
	}
	return ""
}

// gitState describes the commit the module was built from and whether the
// working tree had changes.
func gitState(repo string) string {
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		out, err := cmd.Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	head := git("rev-parse", "--short=12", "HEAD")
	if head == "" {
		return repo + " (not a git checkout)"
	}
	state := "the commit " + head
	if changed := git("status", "--porcelain", "--untracked-files=no"); changed != "" {
		state += fmt.Sprintf(" plus uncommitted changes to %d files", len(strings.Split(changed, "\n")))
	}
	return state
}
