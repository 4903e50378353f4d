package lambdarunner

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// fionread returns the number of bytes queued in a pipe, or -1.
func fionread(fd uintptr) int {
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return -1
	}
	return int(n)
}

// peakMemoryMB returns the peak resident set size (VmHWM) of pid in MB,
// rounded up, or 0 if unknown.
func peakMemoryMB(pid int) int {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return 0
			}
			return (kb + 1023) / 1024
		}
	}
	return 0
}

// maxRSSMB returns the peak resident set size of an exited process in MB
// (Linux reports ru_maxrss in kB).
func maxRSSMB(st *os.ProcessState) int {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return int((ru.Maxrss + 1023) / 1024)
	}
	return 0
}
