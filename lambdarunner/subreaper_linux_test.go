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
