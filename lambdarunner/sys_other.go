//go:build !unix

package lambdarunner

import (
	"os"
	"syscall"
)

// platformSupported reports whether functions can run here: process groups
// and pipe deadlines are Unix features.
const platformSupported = false

func groupAttr() *syscall.SysProcAttr { return nil }

func signalGroup(pid int, _ bool) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func fionread(uintptr) int { return -1 }

func peakMemoryMB(int) int { return 0 }

func maxRSSMB(*os.ProcessState) int { return 0 }
