//go:build linux

package lambdarunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// The subreaper runs in a child process (the test binary again): it is
// process-wide and would adopt the orphans of every other test.
func TestSubreaper(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir := writeFiles(t, map[string]string{"app.py": daemonPy})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LAMBDARUNNER_SUBREAPER_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "subreaper child ok") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func init() {
	if dir := os.Getenv("LAMBDARUNNER_SUBREAPER_CHILD"); dir != "" {
		if err := subreaperChild(dir); err != nil {
			fmt.Println("subreaper child:", err)
			os.Exit(1)
		}
		fmt.Println("subreaper child ok")
		os.Exit(0)
	}
}

// subreaperChild is TestSubreaper's child process.
func subreaperChild(dir string) error {
	if err := checkChildExited(); err != nil {
		return err
	}
	reaper, err := BecomeSubreaper()
	if err != nil {
		return err
	}
	defer reaper.Close()
	r := New(Options{Concurrency: 1})
	defer r.Close()
	ctx := context.Background()
	fn := &Function{Name: "daemon", Runtime: "python3.12", Handler: "app.handler", CodeDir: dir}
	res, err := r.Invoke(ctx, fn, []byte(`{"keepEnv":false}`), InvokeOptions{})
	if err != nil {
		return err
	}
	var out struct{ PID int }
	if err := json.Unmarshal(res.Payload, &out); err != nil || out.PID <= 1 {
		return fmt.Errorf("payload %s: %v", res.Payload, err)
	}
	pid := out.PID
	// The orphan was adopted by this process, not by init.
	if p, ok := readProcStat(pid); !ok || p.ppid != os.Getpid() {
		return fmt.Errorf("daemon %d: %+v, want parent %d", pid, p, os.Getpid())
	}
	// The reaper leaves the exit status of the runtime processes to
	// os/exec.
	crash := &Function{Name: "crash", Runtime: "python3.12", Handler: "app.crash", CodeDir: dir}
	for range 3 {
		res, err := r.Invoke(ctx, crash, []byte(`{}`), InvokeOptions{})
		if err != nil {
			return err
		}
		if !strings.Contains(string(res.Payload), "Runtime.ExitError") || !strings.Contains(string(res.Payload), "exit status 3") {
			return fmt.Errorf("crash payload %s", res.Payload)
		}
	}
	if err := r.Close(); err != nil {
		return err
	}
	fmt.Printf("after Close, daemon %d (no marker, orphaned) running: %v\n", pid, !processGone(pid))
	if n := reaper.KillDescendants(10 * time.Second); n != 0 {
		return fmt.Errorf("%d descendants survived", n)
	}
	// Killed and reaped: not even a zombie is left.
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("daemon %d still in /proc: %v", pid, err)
	}
	return nil
}

// checkChildExited runs in the child process, before it has children:
// childExited is false with none, true once one has exited (without
// reaping it), and false again after it is reaped.
func checkChildExited() error {
	if childExited() {
		return errors.New("childExited with no child")
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		return err
	}
	pid, err := syscall.ForkExec(truePath, []string{"true"}, nil)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for !childExited() {
		if time.Now().After(deadline) {
			return fmt.Errorf("child %d exited, childExited still false", pid)
		}
		time.Sleep(time.Millisecond)
	}
	if !childExited() {
		return errors.New("childExited reaped the child")
	}
	var ws syscall.WaitStatus
	if wpid, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || wpid != pid {
		return fmt.Errorf("wait4 %d: %d, %v", pid, wpid, err)
	}
	if childExited() {
		return errors.New("childExited after the child was reaped")
	}
	return nil
}
