//go:build unix

package lambdarunner

import "syscall"

// platformSupported reports whether functions can run here.
const platformSupported = true

// groupAttr puts the runtime process in its own process group, so that
// signalGroup reaches the handler's children too.
func groupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends SIGKILL (hard) or SIGTERM to the process group pid.
func signalGroup(pid int, hard bool) {
	if pid <= 0 {
		return // -0 would be our own group
	}
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-pid, sig)
}
