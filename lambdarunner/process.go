package lambdarunner

import (
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// sandbox is one execution environment: a runtime process in its own
// process group, its Runtime API listener, and the capture of its output.
// It serves one invocation at a time. When the runtime process exits, every
// process of the sandbox goes with it: its process group and, on Linux,
// whatever descends from it or carries its marker (procs_linux.go).
type sandbox struct {
	pool      *pool
	fn        Function // the configuration it was started with
	gen       uint64   // pool generation; a different one makes it stale
	logStream string
	log       *slog.Logger
	started   time.Time

	ln   net.Listener
	cmd  *exec.Cmd
	logs *logCapture
	// marker is the environment entry every process of the sandbox
	// inherits, AWS_LAMBDA_LOG_STREAM_NAME=<stream>; startTicks the
	// runtime process's start time (/proc), before which none of them
	// started.
	marker     string
	startTicks uint64

	initFailed chan struct{} // closed once initFailure is set
	exited     chan struct{} // closed when the process has exited (or never started)
	drained    chan struct{} // closed after exit, once output is read and the pool forgot it

	mu           sync.Mutex
	pid          int
	exitErr      error
	killing      bool // a signal was sent; no new work
	initialized  bool // the runtime called /next once
	initDur      time.Duration
	initTimer    *time.Timer
	initReported bool     // the first invocation reported Init Duration
	initFailure  *outcome // why init failed
	current      *invocation
	parked       *idleEntry
	settling     bool // answered, not yet back in /next; guarded by pool.mu
	peakMB       int

	logMu     sync.Mutex
	logTarget *logBuffer // where the next output line goes (nil: nowhere but the sink)
	logReqID  string
	initLog   logBuffer // output of the init phase
}

func newSandbox(p *pool, fn Function, gen uint64, seq int) *sandbox {
	stream := newLogStreamName(fn.Version, time.Now())
	return &sandbox{
		pool:       p,
		fn:         fn,
		gen:        gen,
		logStream:  stream,
		log:        p.log.With("sandbox", seq, "log_stream", stream),
		initFailed: make(chan struct{}),
		exited:     make(chan struct{}),
		drained:    make(chan struct{}),
	}
}

// start listens on the sandbox's Runtime API, then starts the runtime
// process. Failures to start are recorded as the sandbox's init failure.
func (sb *sandbox) start() {
	sb.started = time.Now()
	r := sb.pool.r
	if !platformSupported {
		sb.failStart("running functions needs a Unix-like operating system")
		return
	}
	codeDir, err := filepath.Abs(sb.fn.CodeDir)
	if err != nil {
		sb.failStart(err.Error())
		return
	}
	path, args, err := r.host.command(&sb.fn, codeDir)
	if err != nil {
		sb.failStart(err.Error())
		return
	}
	if w := r.host.versionWarning(sb.fn.Runtime); w != "" {
		sb.pool.warnOnce("version "+sb.fn.Runtime, w)
	}
	runtimeDir, _ := r.host.runtimeDir()

	// Listen before the bootstrap starts, so its first /next finds us.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		sb.failStart("cannot listen for the Runtime API: " + err.Error())
		return
	}
	sb.ln = ln
	sb.pool.api.register(ln, sb)

	env := buildEnv(&sb.fn, envParams{
		apiAddr:    ln.Addr().String(),
		codeDir:    codeDir,
		runtimeDir: runtimeDir,
		logStream:  sb.logStream,
		pathDirs:   r.host.pathDirs(),
		creds:      r.creds,
	})
	pr, pw, err := os.Pipe()
	if err != nil {
		sb.failStart(err.Error())
		return
	}
	sb.cmd = &exec.Cmd{
		Path:   path,
		Args:   args,
		Env:    env,
		Dir:    codeDir,
		Stdout: pw, // one pipe for both keeps their interleaving
		Stderr: pw,
		// Own process group, so that kill(-pgid) reaches the handler's
		// children too.
		SysProcAttr: groupAttr(),
	}
	sb.logMu.Lock()
	sb.logTarget = &sb.initLog
	sb.logMu.Unlock()
	// Ready before the process can call the API.
	sb.logs = newLogCapture(pr, sb.emit)

	sb.mu.Lock()
	if sb.killing {
		sb.mu.Unlock()
		pr.Close()
		pw.Close()
		sb.failStart("the runner is shutting down")
		return
	}
	sb.started = time.Now() // init time excludes the lookups above
	sb.marker = "AWS_LAMBDA_LOG_STREAM_NAME=" + sb.logStream
	startOwned(func() int {
		if err = sb.cmd.Start(); err != nil {
			return 0
		}
		return sb.cmd.Process.Pid
	})
	if err == nil {
		sb.pid = sb.cmd.Process.Pid
		sb.startTicks = procStartTicks(sb.pid)
		sb.initTimer = time.AfterFunc(r.initTimeout(&sb.fn), sb.initTimedOut)
	}
	sb.mu.Unlock()
	pw.Close()
	if err != nil {
		pr.Close()
		sb.failStart(err.Error())
		return
	}
	sb.log.Debug("runtime process started", "pid", sb.cmd.Process.Pid, "runtime_api", ln.Addr().String())
	// Serving starts once every field is set; connections the process makes
	// meanwhile wait in the listener's backlog.
	sb.pool.api.serve(ln)
	go sb.logs.run()
	go sb.wait()
}

// failStart records that the process could not be started.
func (sb *sandbox) failStart(msg string) {
	sb.log.Warn("cannot start runtime process", "error", msg)
	sb.mu.Lock()
	sb.initFailure = &outcome{kind: outcomeEntrypoint, msg: msg, at: time.Now()}
	close(sb.initFailed)
	sb.killing = true
	sb.mu.Unlock()
	close(sb.exited)
	if sb.ln != nil {
		sb.pool.api.forget(sb.ln)
	}
	sb.pool.remove(sb)
	close(sb.drained)
}

// wait reaps the process and tears the sandbox down, killing whatever the
// process left behind.
func (sb *sandbox) wait() {
	err := sb.cmd.Wait()
	disown(sb.cmd.Process.Pid)
	sb.mu.Lock()
	sb.exitErr = err
	sb.killing = true
	pid := sb.pid
	sb.pid = 0 // reaped: never signal it again
	if st := sb.cmd.ProcessState; st != nil {
		sb.peakMB = max(sb.peakMB, maxRSSMB(st))
	}
	if sb.initTimer != nil {
		sb.initTimer.Stop()
	}
	sb.mu.Unlock()
	close(sb.exited)
	// Processes left behind would keep the pipe open, and must not outlive
	// their sandbox anyway: the group, then those that left it.
	signalGroup(pid, true)
	if n := killTree(sb.marker, sb.startTicks); n > 0 {
		sb.log.Warn("processes of the sandbox survived SIGKILL", "count", n)
	}
	sb.logs.waitEOF(logSyncTimeout)

	sb.mu.Lock()
	if !sb.initialized && sb.initFailure == nil {
		sb.initFailure = &outcome{kind: outcomeExit, exitErr: err, at: time.Now()}
		close(sb.initFailed)
	}
	parked := sb.parked
	sb.parked = nil
	sb.mu.Unlock()
	if parked != nil {
		parked.abandon()
	}
	sb.pool.api.forget(sb.ln)
	sb.pool.remove(sb)
	sb.log.Debug("runtime process exited", "pid", pid, "status", exitReason(err))
	close(sb.drained)
}

// initTimedOut fires when the runtime did not call /next within the init
// limit.
func (sb *sandbox) initTimedOut() {
	sb.mu.Lock()
	if sb.initialized || sb.initFailure != nil {
		sb.mu.Unlock()
		return
	}
	sb.initFailure = &outcome{kind: outcomeTimeout, at: time.Now()}
	close(sb.initFailed)
	sb.mu.Unlock()
	sb.log.Warn("runtime init timed out")
	sb.kill()
}

// kill sends SIGKILL to every process of the sandbox.
func (sb *sandbox) kill() { sb.signal(true) }

// signal sends SIGKILL (hard) or SIGTERM to every process of the sandbox
// (its process group; on Linux also the processes that left it, see
// treeMembers) and marks it as going away. It never signals pid 0 (our own
// group) or a reaped process.
func (sb *sandbox) signal(hard bool) {
	sb.mu.Lock()
	sb.killing = true
	pid := sb.pid
	sb.mu.Unlock()
	select {
	case <-sb.exited:
		return
	default:
	}
	if pid > 0 {
		sig := syscall.SIGTERM
		if hard {
			sig = syscall.SIGKILL
		}
		// The processes that left the group first, while their parent
		// links to the runtime process still hold; then the group.
		signalTree(pid, sb.marker, sb.startTicks, pid, sig)
		signalGroup(pid, hard)
	}
}

// stop ends the process gracefully: SIGTERM, then SIGKILL after grace.
func (sb *sandbox) stop(grace time.Duration) {
	sb.signal(false)
	if !waitFor(sb.exited, grace) {
		sb.kill()
	}
	waitFor(sb.drained, 2*logSyncTimeout)
}

// exitError returns what Wait returned; valid once exited is closed.
func (sb *sandbox) exitError() error {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.exitErr
}

// isInitialized reports whether the runtime has called /next.
func (sb *sandbox) isInitialized() bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.initialized
}

// failedInit returns the init failure, or nil.
func (sb *sandbox) failedInit() *outcome {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.initFailure
}

// samplePeakMemory refreshes and returns the process's peak memory in MB
// (after its exit, the figure wait took from the rusage).
func (sb *sandbox) samplePeakMemory() int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.pid > 0 {
		sb.peakMB = max(sb.peakMB, peakMemoryMB(sb.pid))
	}
	return sb.peakMB
}

// emit receives every output line of the process.
func (sb *sandbox) emit(line string) {
	sb.logMu.Lock()
	if sb.logTarget != nil {
		sb.logTarget.add(line)
	}
	id := sb.logReqID
	sb.logMu.Unlock()
	sb.pool.outputLog(sb.logStream, id, line)
}

// idleEntry is a runtime parked in GET /next, waiting for work.
type idleEntry struct {
	sb      *sandbox
	deliver chan *invocation // unbuffered: the hand-off is a rendezvous
	gone    chan struct{}    // closed when the /next request stops waiting
	once    sync.Once
}

func newIdleEntry(sb *sandbox) *idleEntry {
	return &idleEntry{sb: sb, deliver: make(chan *invocation), gone: make(chan struct{})}
}

// abandon marks the entry unusable; it is idempotent.
func (e *idleEntry) abandon() { e.once.Do(func() { close(e.gone) }) }

func (e *idleEntry) isGone() bool {
	select {
	case <-e.gone:
		return true
	default:
		return false
	}
}

// handoff gives inv to the parked runtime. It fails if the /next request
// went away first.
func (e *idleEntry) handoff(inv *invocation) bool {
	now := time.Now()
	inv.dispatched = now
	inv.deadline = now.Add(inv.timeout)
	select {
	case e.deliver <- inv:
		return true
	case <-e.gone:
		return false
	}
}
