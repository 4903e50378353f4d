package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// benchRegion is the region of every client and resource.
const benchRegion = "us-east-1"

// newTransport is the one HTTP transport configuration every target gets:
// keep-alive, no proxy, no compression, loopback only.
func newTransport(maxConns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxConns * 2,
		MaxIdleConnsPerHost: maxConns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// awsConfig is the SDK configuration of every client: static dummy
// credentials, no retries (failures and throttles show in the counts), a
// transport of its own.
func awsConfig(endpoint string, maxConns int) aws.Config {
	return aws.Config{
		Region:           benchRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient:       bufferedBodyClient{&http.Client{Transport: newTransport(maxConns), Timeout: 5 * time.Minute}},
		RetryMaxAttempts: 1,
		Retryer:          func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// bufferedBodyClient hands the transport a private copy of each request
// body, as bench/load.go does and for the same reason: the SDK closes its
// request body stream once the response is in, while the transport's write
// loop may still read it (aws/aws-sdk-go-v2#2737), which without retries
// shows as sporadic "use of closed network connection" failures. The copy
// costs the same for every target.
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

// freePort returns a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until addr accepts connections.
func waitTCP(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting connections after %s: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proc is a server process the benchmark started; its output goes to a log
// file.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

// startFirehoseLocal starts bin with args (plus --listen 127.0.0.1:0) and
// returns it with the URL from its first line of output.
func startFirehoseLocal(name, bin, logPath string, args ...string) (*proc, string, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", err
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = logf.WriteString(line)
		_, _ = io.Copy(logf, r)
	}()
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	select {
	case line := <-lines:
		const prefix = "firehose-local listening on "
		if !strings.HasPrefix(line, prefix) {
			p.stop()
			return nil, "", fmt.Errorf("%s: unexpected first line %q (log: %s)", name, line, logPath)
		}
		return p, strings.TrimSpace(strings.TrimPrefix(line, prefix)), nil
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, "", fmt.Errorf("%s did not start in 30s (log: %s)", name, logPath)
	}
}

// startRIE starts aws-lambda-rie for bootstrap with both of its listeners
// on loopback: the invoke endpoint (default 0.0.0.0:8080) and the Runtime
// API (default 127.0.0.1:9001). The function inherits RIE's environment,
// so it gets a minimal one.
func startRIE(bin, bootstrap, logPath string) (*proc, string, error) {
	invokePort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	apiPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", invokePort)
	cmd := exec.Command(bin,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		bootstrap)
	cmd.Dir = dirOf(bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_NAME=function", "AWS_LAMBDA_FUNCTION_TIMEOUT=3"}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", err
	}
	p := &proc{name: "aws-lambda-rie", cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	if err := waitTCP(addr, 10*time.Second); err != nil {
		p.stop()
		return nil, "", fmt.Errorf("aws-lambda-rie: %w (log: %s)", err, logPath)
	}
	return p, "http://" + addr, nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}

// stop sends SIGTERM and, if the process is still there after 20 s,
// SIGKILL. Only this process is signalled: both servers stop their
// function processes themselves on SIGTERM.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// cpuTime is the user+system CPU time a process has used so far (Linux
// /proc; an error elsewhere).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("bad /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc stat")
	}
	const ticks = 100 // USER_HZ on every Linux the benchmark runs on
	return time.Duration(u+st) * time.Second / ticks, nil
}

// treeCPU is the CPU time of root and of every live descendant of it
// (servers and their function processes).
func treeCPU(root int) (time.Duration, error) {
	total, err := cpuTime(root)
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return total, nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			parent[pid] = ppid(pid)
		}
	}
	for pid := range parent {
		for p, hops := parent[pid], 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if p == root {
				if c, err := cpuTime(pid); err == nil {
					total += c
				}
				break
			}
		}
	}
	return total, nil
}

func ppid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return -1
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// machineBusy is the CPU time every CPU of the machine spent outside idle
// and iowait so far (Linux /proc/stat).
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, errors.New("bad /proc/stat")
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // guest time is already in user
			break
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / 100, nil
}

// cpuMeter measures, over an interval, the CPU time of this process and
// its descendants (the servers and their function processes) and of
// everything else on the machine, which is noise.
type cpuMeter struct {
	busy, ours time.Duration
	ok         bool
}

func startCPUMeter() *cpuMeter {
	busy, err1 := machineBusy()
	ours, err2 := treeCPU(os.Getpid())
	return &cpuMeter{busy: busy, ours: ours, ok: err1 == nil && err2 == nil}
}

// other returns the CPU time the rest of the machine used since the start
// and the machine's total busy time, or ok false where it cannot tell.
// Processes that ended in the interval are not counted as ours, so the
// value is a guide to noise, not an exact figure.
func (m *cpuMeter) other() (other, busy time.Duration, ok bool) {
	if !m.ok {
		return 0, 0, false
	}
	b, err1 := machineBusy()
	ours, err2 := treeCPU(os.Getpid())
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	busy = b - m.busy
	return max(busy-(ours-m.ours), 0), busy, true
}

// waitQuiet waits, up to limit, until processes outside this benchmark
// use less than 10% of the machine's CPUs over a 2 s window, so that a
// measurement does not start while other work is running. It reports the
// share seen last.
func waitQuiet(log io.Writer, limit time.Duration) {
	if limit <= 0 {
		return
	}
	deadline := time.Now().Add(limit)
	for {
		m := startCPUMeter()
		time.Sleep(2 * time.Second)
		other, _, ok := m.other()
		if !ok {
			return
		}
		share := other.Seconds() / (2 * float64(runtime.NumCPU()))
		if share < 0.10 {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(log, "machine still busy (%.0f%% used by other processes) after waiting %s: measuring anyway\n", 100*share, limit)
			return
		}
		fmt.Fprintf(log, "waiting for a quiet machine: %.0f%% of the CPUs used by other processes\n", 100*share)
	}
}

// percentile returns the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i]
}

func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// thousands formats n with thin separators: 123456 → "123,456".
func thousands(n float64) string {
	s := strconv.FormatInt(int64(n+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
