//go:build linux

package lambdarunner

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// On Linux a sandbox's processes are found in /proc, so that a descendant
// that left the process group (setsid, setpgid) or was orphaned (a double
// fork) is still killed with its sandbox. A process belongs to a sandbox
// when:
//
//   - it descends from the runtime process (PPid links, while they last),
//   - or its environment holds the sandbox's marker, the entry
//     AWS_LAMBDA_LOG_STREAM_NAME=<stream> (the stream name holds 128 random
//     bits and every descendant inherits the variable unless it replaces
//     its environment),
//   - or it descends from such a process.
//
// Only processes started no earlier than the runtime process are looked at
// for the marker. What escapes all three (an orphan that also replaced its
// environment) is left to the binary's subreaper (subreaper_linux.go).

// procEntry is what /proc/PID/stat says about one process.
type procEntry struct {
	pid, ppid, pgrp int
	state           byte   // R, S, D, Z, T, ...
	start           uint64 // start time, clock ticks after boot
}

// readProcStat parses /proc/PID/stat.
func readProcStat(pid int) (procEntry, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procEntry{}, false
	}
	// "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
	// majflt cmajflt utime stime cutime cstime priority nice threads
	// itrealvalue starttime ..."; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return procEntry{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	start, err3 := strconv.ParseUint(string(f[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procEntry{}, false
	}
	return procEntry{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0], start: start}, true
}

// listProcs returns every process /proc shows (threads are not listed).
func listProcs() []procEntry {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	out := make([]procEntry, 0, len(names))
	for _, n := range names {
		if n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if p, ok := readProcStat(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// maxEnviron bounds how much of a process's environment is read.
const maxEnviron = 1 << 20

// environHas reports whether pid's environment (as exec'd) holds the entry
// kv. Unreadable environments (other users, gone) do not.
func environHas(pid int, kv string) bool {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEnviron))
	if err != nil {
		return false
	}
	for len(b) > 0 {
		entry := b
		if i := bytes.IndexByte(b, 0); i >= 0 {
			entry, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if string(entry) == kv {
			return true
		}
	}
	return false
}

// procStartTicks returns the start time of pid, 0 if unknown.
func procStartTicks(pid int) uint64 {
	p, ok := readProcStat(pid)
	if !ok {
		return 0
	}
	return p.start
}

// treeMembers returns the live (not zombie) processes of a sandbox: root
// (if > 0; the caller guarantees it is still its unreaped child) and its
// descendants, the processes started at or after since whose environment
// holds marker, and their descendants. It never includes the calling
// process (root may be the calling process: then its descendants) or pid 1.
func treeMembers(root int, marker string, since uint64) []procEntry {
	procs := listProcs()
	self := os.Getpid()
	children := make(map[int][]int, len(procs))
	byPID := make(map[int]procEntry, len(procs))
	var queue []int
	if root > 0 {
		queue = append(queue, root)
	}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
		byPID[p.pid] = p
		if marker != "" && p.pid != self && p.pid != root && p.state != 'Z' && p.start >= since && environHas(p.pid, marker) {
			queue = append(queue, p.pid)
		}
	}
	seen := map[int]bool{}
	var out []procEntry
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] || pid <= 1 {
			continue
		}
		seen[pid] = true
		if p, ok := byPID[pid]; ok && p.state != 'Z' && pid != self {
			out = append(out, p)
		}
		queue = append(queue, children[pid]...)
	}
	return out
}

// signalTree sends sig to the processes of a sandbox (see treeMembers),
// except those in process group exceptGroup (> 0) that the caller signals
// as a group, and returns how many it signalled.
func signalTree(root int, marker string, since uint64, exceptGroup int, sig syscall.Signal) int {
	n := 0
	for _, p := range treeMembers(root, marker, since) {
		if exceptGroup > 0 && p.pgrp == exceptGroup {
			continue
		}
		_ = syscall.Kill(p.pid, sig)
		n++
	}
	return n
}

// killTreeTimeout bounds killTree: a process in uninterruptible sleep may
// take a while to die.
const killTreeTimeout = 5 * time.Second

// killTree SIGKILLs the processes of a sandbox whose runtime process has
// exited and been reaped, scanning again until none is left (a process may
// fork between a scan and its signal) or killTreeTimeout passed. It
// returns how many processes it found still alive in the last scan.
func killTree(marker string, since uint64) int {
	deadline := time.Now().Add(killTreeTimeout)
	pause := 100 * time.Microsecond
	for {
		n := signalTree(0, marker, since, 0, syscall.SIGKILL)
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		// SIGKILL takes effect asynchronously: give the killed processes a
		// moment to die before looking again.
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}
