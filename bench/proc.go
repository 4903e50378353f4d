package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a server the bench started.
type process struct {
	name  string
	cmd   *exec.Cmd
	url   string
	stdin io.WriteCloser // closed to tell the no-op server to exit
	done  chan struct{}  // closed when the process has exited
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop ends the process: SIGTERM, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	if p.stdin != nil {
		_ = p.stdin.Close()
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// start runs cmd with its children tied to the bench's life.
func start(name string, cmd *exec.Cmd) (*process, error) {
	setPdeathsig(cmd)
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startFirehoseLocal starts the binary on a free loopback port and waits
// for its health endpoint.
func startFirehoseLocal(bin string, args ...string) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"--listen", addr}, args...)...)
	cmd.Stderr = os.Stderr
	p, err := start("firehose-local", cmd)
	if err != nil {
		return nil, err
	}
	p.url = "http://" + addr
	if _, err := waitHealthy(addr, 10*time.Second, p.done); err != nil {
		p.stop(time.Second)
		return nil, fmt.Errorf("firehose-local: %w", err)
	}
	return p, nil
}

// startNoop starts this binary as the no-op server.
func startNoop(records int) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-noop", "127.0.0.1:0", "-records", strconv.Itoa(records))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p, err := start("no-op", cmd)
	if err != nil {
		return nil, err
	}
	p.stdin = stdin
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		p.stop(time.Second)
		return nil, fmt.Errorf("no-op server did not start: %q %v", line, err)
	}
	p.url = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return p, nil
}

// startMoto starts `python3 -m moto.server` (its command from -moto-cmd)
// and waits up to timeout for it to answer.
func startMoto(command string, timeout time.Duration) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	f := strings.Fields(command)
	if len(f) == 0 {
		return nil, errors.New("empty -moto-cmd")
	}
	cmd := exec.Command(f[0], append(f[1:], "-H", host, "-p", port)...)
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096} // moto logs every request
	p, err := start("moto", cmd)
	if err != nil {
		return nil, err
	}
	p.url = "http://" + addr
	deadline := time.Now().Add(timeout)
	for {
		if status, err := httpStatus(addr, "GET", "/moto-api/"); err == nil && status == 200 {
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("moto exited: %s", strings.TrimSpace(stderr.String()))
		default:
		}
		if time.Now().After(deadline) {
			p.stop(time.Second)
			return nil, fmt.Errorf("moto did not answer within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	if l.n > 0 {
		k := min(len(b), l.n)
		_, _ = l.w.Write(b[:k])
		l.n -= k
	}
	return len(b), nil
}

// httpStatus sends one HTTP/1.1 request on a fresh connection and returns
// the response's status code. It is deliberately minimal, so that polling
// costs the server under test as little as possible.
func httpStatus(addr, method, path string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, method+" "+path+" HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	return strconv.Atoi(f[1])
}

// waitHealthy polls GET /_local/health until it answers 200 and returns
// how long that took from the call.
func waitHealthy(addr string, timeout time.Duration, exited <-chan struct{}) (time.Duration, error) {
	t0 := time.Now()
	for {
		if status, err := httpStatus(addr, "GET", "/_local/health"); err == nil && status == 200 {
			return time.Since(t0), nil
		}
		select {
		case <-exited:
			return 0, errors.New("process exited before it was healthy")
		default:
		}
		if time.Since(t0) > timeout {
			return 0, fmt.Errorf("not healthy after %s", timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/PID/status in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// resetPeakRSS asks the kernel to reset VmHWM to the current RSS
// (clear_refs 5). It reports whether that worked.
func resetPeakRSS(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// cpuTime is the user+system CPU time a process (and its reaped children)
// used so far, from /proc/PID/stat.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100
