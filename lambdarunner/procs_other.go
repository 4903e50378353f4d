//go:build !linux

package lambdarunner

import "syscall"

// Without /proc the processes of a sandbox are its process group only (best
// effort): a descendant that left the group survives its sandbox.

func procStartTicks(int) uint64 { return 0 }

func signalTree(int, string, uint64, int, syscall.Signal) int { return 0 }

func killTree(string, uint64) int { return 0 }
