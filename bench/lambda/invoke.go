package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/firehose-local/firehose-local/lambdarunner"
)

// invokeTarget is one way of invoking the echo function.
type invokeTarget struct {
	name   string
	server string // "firehose-local", "aws-lambda-rie", "in-process"
	client string // "sdk", "http", "-"
	pid    int    // the front-end process whose CPU is measured; 0: none
	call   func(ctx context.Context) error

	lat     []time.Duration
	elapsed time.Duration
	cpu     time.Duration
	cpuOK   bool
}

// echoPayload is a compact JSON object of about size bytes, which the echo
// function must return unchanged.
func echoPayload(size int) []byte {
	const head, tail = `{"id":"bench-0001","message":"`, `"}`
	n := max(size-len(head)-len(tail), 1)
	return []byte(head + strings.Repeat("x", n) + tail)
}

func checkEcho(got, want []byte) error {
	if !bytes.Equal(bytes.TrimSpace(got), want) {
		return fmt.Errorf("echo returned %q, want %q", truncate(got, 200), want)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// sdkInvoke invokes function through the AWS SDK for Go v2 Lambda client.
func sdkInvoke(endpoint, function string, payload []byte) func(context.Context) error {
	client := lambda.NewFromConfig(awsConfig(endpoint, 1))
	in := &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload}
	return func(ctx context.Context) error {
		out, err := client.Invoke(ctx, in)
		if err != nil {
			return err
		}
		if out.FunctionError != nil {
			return fmt.Errorf("function error %s: %s", *out.FunctionError, truncate(out.Payload, 500))
		}
		return checkEcho(out.Payload, payload)
	}
}

// httpInvoke POSTs to the Invoke URL of function with a plain net/http
// client: no signing, no SDK middleware.
func httpInvoke(endpoint, function string, payload []byte) func(context.Context) error {
	client := &http.Client{Transport: newTransport(1), Timeout: time.Minute}
	url := endpoint + "/2015-03-31/functions/" + function + "/invocations"
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
			return fmt.Errorf("HTTP %d %s: %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), truncate(body, 500))
		}
		return checkEcho(body, payload)
	}
}

// runInvoke is part 1: warm invoke round trips through firehose-local's
// Lambda API, through aws-lambda-rie, and through lambdarunner.Runner.Invoke
// in this process, sequential, in alternating rounds.
func runInvoke(ctx context.Context, o *options, flBin, rieBin, echoDir string) error {
	payload := echoPayload(o.payload)
	bootstrap := filepath.Join(echoDir, "bootstrap")

	fl, flURL, err := startFirehoseLocal("firehose-local", flBin, filepath.Join(o.tmp, "invoke-firehose-local.log"),
		"--function", "echo="+echoDir+":provided.al2023:bootstrap")
	if err != nil {
		return err
	}
	defer fl.stop()
	var targets []*invokeTarget
	add := func(t *invokeTarget) { targets = append(targets, t) }
	clients := strings.Split(o.clients, ",")
	var rie *proc
	var rieURL string
	if rieBin != "" {
		rie, rieURL, err = startRIE(rieBin, bootstrap, filepath.Join(o.tmp, "invoke-aws-lambda-rie.log"))
		if err != nil {
			return err
		}
		defer rie.stop()
	}
	for _, c := range clients {
		switch c {
		case "sdk":
			add(&invokeTarget{name: "firehose-local, SDK client", server: "firehose-local", client: c, pid: fl.pid(), call: sdkInvoke(flURL, "echo", payload)})
			if rie != nil {
				add(&invokeTarget{name: "aws-lambda-rie, SDK client", server: "aws-lambda-rie", client: c, pid: rie.pid(), call: sdkInvoke(rieURL, "function", payload)})
			}
		case "http":
			add(&invokeTarget{name: "firehose-local, raw HTTP", server: "firehose-local", client: c, pid: fl.pid(), call: httpInvoke(flURL, "echo", payload)})
			if rie != nil {
				add(&invokeTarget{name: "aws-lambda-rie, raw HTTP", server: "aws-lambda-rie", client: c, pid: rie.pid(), call: httpInvoke(rieURL, "function", payload)})
			}
		default:
			return fmt.Errorf("-clients: unknown client %q (want sdk, http)", c)
		}
	}
	runner := lambdarunner.New(lambdarunner.Options{})
	defer runner.Close()
	fn := &lambdarunner.Function{Name: "echo", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: echoDir}
	add(&invokeTarget{name: "lambdarunner.Runner.Invoke (in-process, no HTTP front end)", server: "in-process", client: "-",
		call: func(ctx context.Context) error {
			res, err := runner.Invoke(ctx, fn, payload, lambdarunner.InvokeOptions{})
			if err != nil {
				return err
			}
			if res.FunctionError != "" {
				return fmt.Errorf("function error: %s", truncate(res.Payload, 500))
			}
			return checkEcho(res.Payload, payload)
		}})

	// Warm-up: the cold start (process start, init) and the first
	// connections are not measured.
	for _, t := range targets {
		for i := range o.warmup {
			if err := t.call(ctx); err != nil {
				return fmt.Errorf("%s: warm-up call %d: %w", t.name, i+1, err)
			}
		}
	}
	fmt.Fprintf(o.log, "invoke: %d targets warm (%d calls each); measuring %d calls each in %d rounds\n", len(targets), o.warmup, o.n, o.rounds)

	for _, t := range targets {
		t.lat = make([]time.Duration, 0, o.n)
		t.cpuOK = t.pid != 0
	}
	waitQuiet(o.log, o.quiet)
	var perf *exec.Cmd
	if o.perf != "" {
		if perf, err = startPerf(filepath.Join(o.perf, "perf-invoke.data")); err != nil {
			return err
		}
	}
	type sample struct {
		lat          []time.Duration
		elapsed, cpu time.Duration
	}
	var otherTotal, busyTotal, measured time.Duration
	noiseOK, discarded := true, 0
	for round := 0; round < o.rounds; round++ {
		calls := o.n / o.rounds
		if round < o.n%o.rounds {
			calls++
		}
		meter := startCPUMeter()
		roundStart := time.Now()
		got := make([]sample, len(targets))
		// Rotate the order every round so no target always runs first
		// (right after another's burst) or last.
		for k := range targets {
			i := (k + round) % len(targets)
			t, g := targets[i], &got[i]
			var c0 time.Duration
			if t.cpuOK {
				var err error
				if c0, err = cpuTime(t.pid); err != nil {
					t.cpuOK = false
				}
			}
			start := time.Now()
			for range calls {
				t0 := time.Now()
				if err := t.call(ctx); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
				g.lat = append(g.lat, time.Since(t0))
			}
			g.elapsed = time.Since(start)
			if t.cpuOK {
				c1, err := cpuTime(t.pid)
				if err != nil {
					t.cpuOK = false
				}
				g.cpu = c1 - c0
			}
		}
		wall := time.Since(roundStart)
		other, busy, ok := meter.other()
		if !ok {
			noiseOK = false
		} else if share := other.Seconds() / (wall.Seconds() * float64(runtime.NumCPU())); o.maxNoise > 0 && share > o.maxNoise && discarded < 5*o.rounds {
			// Other work ran during this round: measure it again.
			discarded++
			fmt.Fprintf(o.log, "invoke: round %d discarded: %.0f%% of the CPUs used by other processes\n", round+1, 100*share)
			waitQuiet(o.log, o.quiet)
			round--
			continue
		}
		otherTotal += other
		busyTotal += busy
		measured += wall
		for i, t := range targets {
			t.lat = append(t.lat, got[i].lat...)
			t.elapsed += got[i].elapsed
			t.cpu += got[i].cpu
		}
	}
	if perf != nil {
		stopPerf(perf)
	}
	printInvoke(o, targets, rieBin != "")
	if noiseOK {
		fmt.Fprintf(o.out, "\nNoise: over the %s of measured rounds the machine's CPUs were busy %.2f s, of which %.2f s in processes outside this benchmark",
			measured.Round(time.Millisecond), busyTotal.Seconds(), otherTotal.Seconds())
		if discarded > 0 {
			fmt.Fprintf(o.out, " (%d rounds with more than %.0f%% of the CPUs used by other processes were discarded and measured again)", discarded, 100*o.maxNoise)
		}
		fmt.Fprintln(o.out, ".")
	}
	return nil
}

func printInvoke(o *options, targets []*invokeTarget, haveRIE bool) {
	w := o.out
	fmt.Fprintf(w, "\n## 1. Warm invoke round trip (echo handler, aws-lambda-go, %d-byte payload)\n\n", len(echoPayload(o.payload)))
	fmt.Fprintf(w, "Sequential calls, %d measured per target after %d warm-up calls, in %d alternating rounds.\n\n", o.n, o.warmup, o.rounds)
	fmt.Fprintln(w, "| target | calls | median µs | p90 µs | p99 µs | invocations/s | front-end CPU µs/inv |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	type stats struct{ p50, p90, p99, rate float64 }
	st := map[*invokeTarget]stats{}
	for _, t := range targets {
		s := sortedCopy(t.lat)
		x := stats{float64(percentile(s, 50)), float64(percentile(s, 90)), float64(percentile(s, 99)), float64(len(t.lat)) / t.elapsed.Seconds()}
		st[t] = x
		cpu := "-"
		if t.cpuOK && len(t.lat) > 0 {
			cpu = us(t.cpu / time.Duration(len(t.lat)))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", t.name, len(t.lat),
			us(time.Duration(x.p50)), us(time.Duration(x.p90)), us(time.Duration(x.p99)), thousands(x.rate), cpu)
	}
	if !haveRIE {
		fmt.Fprintln(w, "\naws-lambda-rie was not available: no ratio (see the note above).")
		return
	}
	fmt.Fprintln(w, "\nRatio firehose-local / aws-lambda-rie, same client (latency: < 1 is faster; invocations/s: > 1 is faster):")
	fmt.Fprintln(w, "\n| client | median | p90 | p99 | invocations/s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, a := range targets {
		if a.server != "firehose-local" {
			continue
		}
		for _, b := range targets {
			if b.server == "aws-lambda-rie" && b.client == a.client {
				x, y := st[a], st[b]
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", a.client, ratio(x.p50, y.p50), ratio(x.p90, y.p90), ratio(x.p99, y.p99), ratio(x.rate, y.rate))
			}
		}
	}
}
