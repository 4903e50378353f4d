package lambdarunner

import "sync"

// ownedChildren are the runtime processes this package started and whose
// exit status os/exec is waiting for: a Subreaper must never reap them.
// ownedMu is held from before a process starts until it is registered, so
// that the reaper cannot see it unregistered.
var (
	ownedMu       sync.Mutex
	ownedChildren = map[int]struct{}{}
)

// startOwned runs start (which starts a child and returns its pid, 0 on
// failure) and registers the child.
func startOwned(start func() int) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	if pid := start(); pid > 0 {
		ownedChildren[pid] = struct{}{}
	}
}

// disown forgets a child os/exec has reaped.
func disown(pid int) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	delete(ownedChildren, pid)
}
