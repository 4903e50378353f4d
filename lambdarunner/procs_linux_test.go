//go:build linux

package lambdarunner

import (
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// daemonPy is a Python function whose handler leaves a daemon behind: a
// double fork with setsid in between, so the daemon is in its own session
// and process group, orphaned, with its standard streams on /dev/null
// (nothing ties it to the runtime process any more). With keepEnv false it
// also replaces its environment. attached starts setsid sleep as a direct
// child with an empty environment and does not wait for it.
const daemonPy = `import os, shutil, subprocess

SLEEP = shutil.which("sleep")


def _daemon(keep_env):
    r, w = os.pipe()  # not inherited across exec
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            if os.fork():
                os._exit(0)
            fd = os.open(os.devnull, os.O_RDWR)
            for i in (0, 1, 2):
                os.dup2(fd, i)
            os.write(w, str(os.getpid()).encode())
            os.execve(SLEEP, ["sleep", "1000"], dict(os.environ) if keep_env else {})
        finally:
            os._exit(1)
    os.close(w)
    os.waitpid(pid, 0)
    data = b""
    while True:
        chunk = os.read(r, 64)
        if not chunk:
            break
        data += chunk
    os.close(r)
    return int(data)


def handler(event, context):
    return {"pid": _daemon(event.get("keepEnv", True))}


def attached(event, context):
    p = subprocess.Popen(["setsid", SLEEP, "1000"], env={}, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"pid": p.pid}


def crash(event, context):
    os._exit(3)
`

func daemonFunction(t testing.TB, name, handler string) *Function {
	t.Helper()
	testtool.LookPath(t, "python3", "apt-get install python3")
	return &Function{Name: name, Runtime: "python3.12", Handler: handler,
		CodeDir: writeFiles(t, map[string]string{"app.py": daemonPy})}
}

func invokePID(t testing.TB, r *Runner, fn *Function, event any) int {
	t.Helper()
	res := invoke(t, r, fn, event)
	mustSucceed(t, res)
	pid := decode[map[string]int](t, res)["pid"]
	if pid <= 1 || processGone(pid) {
		t.Fatalf("pid %d is not running", pid)
	}
	return pid
}

// A daemon that left the process group, the session and the runtime
// process's tree is still killed when the runner closes: it carries the
// sandbox's marker in its environment.
func TestSetsidGrandchildDiesWithRunner(t *testing.T) {
	t.Parallel()
	r := New(Options{})
	fn := daemonFunction(t, "daemon-close", "app.handler")
	pid := invokePID(t, r, fn, map[string]any{})
	if p, ok := readProcStat(pid); !ok || p.pgrp == procPGID(t, r, fn) {
		t.Fatalf("daemon %d still in the runtime's process group (%+v)", pid, p)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
}

// procPGID returns the process group of fn's (only) runtime process.
func procPGID(t testing.TB, r *Runner, fn *Function) int {
	t.Helper()
	f := fn.withDefaults()
	r.mu.Lock()
	p := r.pools[f.ARN()]
	r.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	for sb := range p.sandboxes {
		return sb.cmd.Process.Pid
	}
	t.Fatal("no sandbox")
	return 0
}

// Killing one sandbox (here retired by Reset) kills its daemons, not
// only when the whole runner closes.
func TestSetsidGrandchildDiesWithItsSandbox(t *testing.T) {
	t.Parallel()
	r := newRunner(t, Options{})
	fn := daemonFunction(t, "daemon-reset", "app.handler")
	pid := invokePID(t, r, fn, map[string]any{})
	r.Reset(fn.ARN())
	waitGone(t, pid)
	// The function still works, in a new sandbox.
	pid2 := invokePID(t, r, fn, map[string]any{})
	if pid2 == pid {
		t.Fatalf("same pid %d", pid)
	}
}

// A child that replaced its environment and left the group is found
// through its parent, the runtime process, while that one runs.
func TestEnvClearingChildDiesWithRunner(t *testing.T) {
	t.Parallel()
	testtool.LookPath(t, "setsid", "apt-get install util-linux")
	r := New(Options{})
	fn := daemonFunction(t, "daemon-attached", "app.attached")
	pid := invokePID(t, r, fn, map[string]any{})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
}
