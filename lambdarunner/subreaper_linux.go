//go:build linux

package lambdarunner

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Subreaper is the calling process acting as a child subreaper (see
// BecomeSubreaper). Its methods may be called on a nil *Subreaper, which
// does nothing.
type Subreaper struct {
	sigs chan os.Signal
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// BecomeSubreaper makes the calling process a child subreaper
// (prctl(PR_SET_CHILD_SUBREAPER)): a descendant of a function process that
// is orphaned (its parent exited, as after a double fork) is re-parented to
// this process instead of init, so that KillDescendants still finds it at
// shutdown even if it left the process group and replaced its environment.
// A goroutine reaps such adopted processes when they exit. It never reaps
// the runtime processes the Runner started, nor children in the caller's
// own process group (os/exec without Setpgid): their exit status belongs to
// their os/exec Wait.
//
// The setting is process-wide, so the Runner never sets it itself: the
// firehose-local binary does, at start. A program that embeds the Runner
// may call it too, provided it does not start children of its own in
// process groups other than its own (their exit status could be taken by
// the reaper). Close undoes it. It returns ErrSubreaperUnsupported on
// other operating systems.
func BecomeSubreaper() (*Subreaper, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("lambdarunner: prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	s := &Subreaper{sigs: make(chan os.Signal, 1), stop: make(chan struct{}), done: make(chan struct{})}
	signal.Notify(s.sigs, syscall.SIGCHLD)
	go s.loop()
	return s, nil
}

func (s *Subreaper) loop() {
	defer close(s.done)
	s.reap()
	for {
		select {
		case <-s.sigs:
			s.reap()
		case <-s.stop:
			return
		}
	}
}

// reap waits for the adopted children that have exited and returns how
// many it reaped.
func (s *Subreaper) reap() int {
	if s == nil {
		return 0
	}
	if !childExited() {
		return 0
	}
	self, pgrp := os.Getpid(), syscall.Getpgrp()
	ownedMu.Lock()
	defer ownedMu.Unlock()
	n := 0
	for _, p := range listProcs() {
		if p.ppid != self || p.state != 'Z' || p.pgrp == pgrp {
			continue
		}
		if _, owned := ownedChildren[p.pid]; owned {
			continue
		}
		var ws syscall.WaitStatus
		if wpid, err := syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil); err == nil && wpid == p.pid {
			n++
		}
	}
	return n
}

// childExited reports whether a child of the process has exited and not
// been waited for, without waiting for it: only then is /proc scanned for
// the adopted ones (a scan reads every process's stat file, about 10 µs a
// process; it ran at every start and every function's exit).
func childExited() bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		return err != unix.ECHILD // no children at all; anything else: scan
	}
	// With none waitable, Linux answers 0 and zeroes info (si_signo
	// included); with one, si_signo is SIGCHLD.
	return info.Signo != 0
}

// KillDescendants SIGKILLs every live descendant of the calling process
// (scanning again until none is left, or timeout) and reaps the adopted
// ones. It is meant for shutdown, once the Runner is closed: everything
// still running below the process then is a function's leftover. It
// returns how many descendants were still alive at the last scan.
func (s *Subreaper) KillDescendants(timeout time.Duration) int {
	if s == nil {
		return 0
	}
	deadline := time.Now().Add(timeout)
	pause := 100 * time.Microsecond
	for {
		n := signalTree(os.Getpid(), "", 0, 0, syscall.SIGKILL)
		s.reap()
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		// SIGKILL takes effect asynchronously.
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// Close stops the reaping goroutine (reaping once more) and makes the
// process an ordinary parent again.
func (s *Subreaper) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		signal.Stop(s.sigs)
		close(s.stop)
		<-s.done
		s.reap()
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	})
}
