//go:build unix && !linux

package lambdarunner

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// fionread returns the number of bytes queued in a pipe, or -1.
func fionread(fd uintptr) int {
	const fionreadReq = 0x4004667f // FIONREAD, _IOR('f', 127, int)
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, fionreadReq, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return -1
	}
	return int(n)
}

// peakMemoryMB is unknown on this platform.
func peakMemoryMB(int) int { return 0 }

// maxRSSMB returns the peak resident set size of an exited process in MB
// (ru_maxrss is in bytes on macOS, in kB on the other BSDs).
func maxRSSMB(st *os.ProcessState) int {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	kb := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" {
		kb /= 1024
	}
	return int((kb + 1023) / 1024)
}
