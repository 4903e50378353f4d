package prefault

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// populateRefused is set once the kernel refuses MADV_POPULATE_WRITE
// (EINVAL before Linux 5.14, EPERM or ENOSYS under a seccomp filter that
// denies it); touch is used from then on. Other errors (ENOMEM under
// memory pressure, EINTR) fall back to touch for that buffer only.
var populateRefused atomic.Bool

// populate maps the whole pages of the n bytes at p with one
// madvise(MADV_POPULATE_WRITE) call: the kernel allocates and zeroes them
// as a write to each would, without a trap into it for every page (about a
// third less CPU a page on the machine BENCHMARKS.md names). The memory is
// fresh or the heap's, zeroed either way, and a populated page reads as
// zeroes, so nothing in it changes. It reports whether it did; the partial
// pages at either end are left to the caller.
func populate(p unsafe.Pointer, n uintptr) bool {
	if populateRefused.Load() {
		return false
	}
	head := -uintptr(p) & (pageSize - 1) // bytes before the first whole page
	if head >= n {
		return true
	}
	whole := (n - head) &^ (pageSize - 1)
	if whole == 0 {
		return true
	}
	b := unsafe.Slice((*byte)(p), n)[head : head+whole]
	if err := unix.Madvise(b, unix.MADV_POPULATE_WRITE); err != nil {
		if err == unix.EINVAL || err == unix.EPERM || err == unix.ENOSYS {
			populateRefused.Store(true)
		}
		return false
	}
	return true
}
