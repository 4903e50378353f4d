package lambdarunner

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

const (
	// recentTimeouts is how many timed-out request IDs are remembered, so
	// that a late /response gets a precise answer.
	recentTimeouts = 128
	// defaultSettleTimeout is Options.SettleTimeout's default.
	defaultSettleTimeout = 5 * time.Second
)

// pool holds the execution environments of one function: at most max
// processes, each serving one invocation at a time. Runtimes waiting in
// GET /next are parked in idle; an invocation takes the most recently parked
// one, or cold-starts a process if the pool is not full, or waits.
type pool struct {
	r    *Runner
	name string
	api  *runtimeAPI
	log  *slog.Logger
	max  int
	// limit bounds the function's output copied to the Logger.
	limit *logLimiter

	mu        sync.Mutex
	fn        Function // configuration for new processes
	fp        string   // fingerprint of fn
	gen       uint64   // bumped when processes must be replaced
	seq       int
	sandboxes map[*sandbox]struct{} // live processes, counted against max
	idle      []*idleEntry
	changed   chan struct{} // closed and replaced whenever idle or sandboxes change
	settling  int           // sandboxes that answered and are not back in /next yet
	waiting   int           // invocations waiting for one of those
	closed    bool
	timedOut  []string // ring of recently timed-out request IDs
	warned    map[string]bool
}

// warnOnce logs msg at warning level the first time key is seen.
func (p *pool) warnOnce(key, msg string) {
	p.mu.Lock()
	if p.warned[key] {
		p.mu.Unlock()
		return
	}
	if p.warned == nil {
		p.warned = map[string]bool{}
	}
	p.warned[key] = true
	p.mu.Unlock()
	p.log.Warn(msg)
}

func newPool(r *Runner, fn Function) *pool {
	log := r.log.With("function", fn.Name)
	return &pool{
		r:         r,
		name:      fn.Name,
		api:       newRuntimeAPI(log),
		log:       log,
		max:       r.concurrency,
		limit:     newLogLimiter(r.now, r.outputRate),
		fn:        fn,
		fp:        fn.fingerprint(),
		sandboxes: map[*sandbox]struct{}{},
		changed:   make(chan struct{}),
	}
}

// broadcastLocked wakes every waiter; p.mu must be held.
func (p *pool) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// configure makes fn the configuration for new processes. If it differs from
// the current one, idle processes are retired and busy ones are retired when
// they finish.
func (p *pool) configure(fn Function) {
	fp := fn.fingerprint()
	p.mu.Lock()
	if fp == p.fp {
		p.mu.Unlock()
		return
	}
	p.fn, p.fp = fn, fp
	idle := p.newGenerationLocked()
	p.mu.Unlock()
	p.log.Info("function configuration changed; replacing its processes")
	retireAll(idle)
}

// reset retires every process; the next invocation cold-starts.
func (p *pool) reset() {
	p.mu.Lock()
	idle := p.newGenerationLocked()
	p.mu.Unlock()
	retireAll(idle)
}

// newGenerationLocked marks all current processes stale and returns the
// parked ones, for the caller to retire outside the lock.
func (p *pool) newGenerationLocked() []*idleEntry {
	p.gen++
	idle := p.idle
	p.idle = nil
	return idle
}

func retireAll(idle []*idleEntry) {
	for _, e := range idle {
		e.abandon()
		e.sb.kill()
	}
}

// setSettling notes that sb answered its invocation and should come back
// to /next shortly.
func (p *pool) setSettling(sb *sandbox) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.sandboxes[sb]; live && !sb.settling {
		sb.settling = true
		p.settling++
	}
}

// settledLocked notes that sb came back to /next or went away.
func (p *pool) settledLocked(sb *sandbox) {
	if sb.settling {
		sb.settling = false
		p.settling--
	}
}

// park offers a runtime waiting in /next to invocations.
func (p *pool) park(e *idleEntry) {
	p.mu.Lock()
	p.settledLocked(e.sb)
	if p.closed {
		p.mu.Unlock()
		e.abandon()
		return
	}
	if e.sb.gen != p.gen {
		p.mu.Unlock()
		retireAll([]*idleEntry{e})
		return
	}
	p.idle = slices.DeleteFunc(p.idle, func(x *idleEntry) bool { return x.sb == e.sb })
	p.idle = append(p.idle, e)
	p.broadcastLocked()
	p.mu.Unlock()
}

// popIdleLocked takes the most recently parked usable runtime. Stale entries
// are returned for retirement.
func (p *pool) popIdleLocked() (e *idleEntry, stale []*idleEntry) {
	for len(p.idle) > 0 {
		e := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		switch {
		case e.isGone():
		case e.sb.gen != p.gen:
			stale = append(stale, e)
		default:
			return e, stale
		}
	}
	return nil, stale
}

// remove forgets a sandbox whose process is gone, freeing its slot.
func (p *pool) remove(sb *sandbox) {
	p.mu.Lock()
	p.settledLocked(sb)
	delete(p.sandboxes, sb)
	p.idle = slices.DeleteFunc(p.idle, func(x *idleEntry) bool { return x.sb == sb })
	p.broadcastLocked()
	p.mu.Unlock()
}

// recordTimeout remembers a timed-out request ID.
func (p *pool) recordTimeout(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.timedOut) >= recentTimeouts {
		p.timedOut = p.timedOut[1:]
	}
	p.timedOut = append(p.timedOut, id)
}

// recentlyTimedOut reports whether id timed out recently.
func (p *pool) recentlyTimedOut(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.timedOut, id)
}

// invoke runs inv on an idle runtime, a cold-started one, or the first one
// that becomes idle, whichever comes first. A process that has just answered
// and is on its way back to GET /next counts as (almost) idle: for up to
// Options.SettleTimeout the invocation waits for it instead of cold-starting.
func (p *pool) invoke(ctx context.Context, inv *invocation) (Result, error) {
	var mine *sandbox // the process this invocation cold-started, if any
	settleBy := time.Now().Add(p.r.settle)
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return Result{}, ErrClosed
		}
		e, stale := p.popIdleLocked()
		if e != nil || len(stale) > 0 {
			p.mu.Unlock()
			retireAll(stale)
			if e != nil && e.handoff(inv) {
				return p.await(ctx, e.sb, inv)
			}
			continue
		}
		if mine != nil && mine.failedInit() != nil {
			p.mu.Unlock()
			return p.initFailureResult(mine, inv), nil
		}
		if p.settling > p.waiting && time.Now().Before(settleBy) {
			p.waiting++
			changed := p.changed
			p.mu.Unlock()
			t := time.NewTimer(time.Until(settleBy))
			select {
			case <-changed:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			p.mu.Lock()
			p.waiting--
			p.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
			continue
		}
		if (mine == nil || mine.isInitialized()) && len(p.sandboxes) < p.max {
			p.seq++
			sb := newSandbox(p, p.fn, p.gen, p.seq)
			p.sandboxes[sb] = struct{}{}
			p.mu.Unlock()
			mine = sb
			sb.start()
			continue
		}
		changed := p.changed
		p.mu.Unlock()
		var initFailed <-chan struct{}
		if mine != nil {
			initFailed = mine.initFailed
		}
		select {
		case <-changed:
		case <-initFailed:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
}

// await waits for a dispatched invocation. The invocation keeps running if
// ctx ends first; its result is then only logged.
func (p *pool) await(ctx context.Context, sb *sandbox, inv *invocation) (Result, error) {
	done := make(chan Result, 1)
	go func() { done <- sb.complete(inv) }()
	select {
	case res := <-done:
		if inv.out.kind == outcomeExit && p.r.isClosed() {
			return Result{}, ErrClosed
		}
		return res, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// initFailureResult reports the failed init of sb as the result of inv, the
// invocation that was waiting for it, as Lambda serves an init error in
// response to the first invoke.
func (p *pool) initFailureResult(sb *sandbox, inv *invocation) Result {
	o := *sb.failedInit()
	dur := max(o.at.Sub(sb.started), 0)
	var payload []byte
	var errType string
	var extra []string
	status := ""
	switch o.kind {
	case outcomeInitError:
		payload, errType = o.body, o.errorType
	case outcomeExit:
		errType = "Runtime.ExitError"
		payload = errorJSON(errType, "RequestId: "+inv.id+" Error: "+exitReason(o.exitErr))
		extra = []string{"RequestId: " + inv.id + " Error: " + exitReason(o.exitErr), errType}
	case outcomeTimeout:
		payload = timeoutJSON(inv.id, o.at, dur)
		status = "Status: timeout"
		extra = []string{fmt.Sprintf("%s %s Task timed out after %.2f seconds",
			lambdaTimestamp(o.at), inv.id, truncSeconds(dur))}
	default: // outcomeEntrypoint
		errType = "Runtime.InvalidEntrypoint"
		payload = errorJSON(errType, "RequestId: "+inv.id+" Error: "+o.msg)
		extra = []string{"RequestId: " + inv.id + " Error: " + o.msg, errType}
	}
	if status == "" {
		status = "Status: error\tError Type: " + errType
	}
	lines := []string{initReportLine(dur, status), startLine(inv.id, sb.fn.Version)}
	lines = append(lines, extra...)
	lines = append(lines, endLine(inv.id),
		reportLine(inv.id, dur, sb.fn.MemoryMB, sb.samplePeakMemory(), 0, status))

	sb.logMu.Lock()
	log := sb.initLog.bytes()
	sb.logMu.Unlock()
	for _, l := range lines {
		log = append(append(log, l...), '\n')
		p.platformLog(sb.logStream, inv.id, l)
	}
	p.log.Warn("function init failed", "request_id", inv.id, "error_type", errType)
	return Result{
		RequestID:     inv.id,
		Payload:       payload,
		FunctionError: "Unhandled",
		Log:           log,
		Duration:      dur,
		InitError:     true,
		Failure:       o.kind.failure(),
	}
}

// close stops every process (SIGTERM, then SIGKILL after grace) and the
// Runtime API server.
func (p *pool) close(grace time.Duration) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	sbs := make([]*sandbox, 0, len(p.sandboxes))
	for sb := range p.sandboxes {
		sbs = append(sbs, sb)
	}
	idle := p.idle
	p.idle = nil
	p.broadcastLocked()
	p.mu.Unlock()
	for _, e := range idle {
		e.abandon()
	}
	var wg sync.WaitGroup
	for _, sb := range sbs {
		wg.Go(func() { sb.stop(grace) })
	}
	wg.Wait()
	p.api.close()
	p.flushHeld()
}
