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

// hugeSize is the size of a transparent huge page on the platforms the
// project builds for (x86-64 and arm64 with 4 KiB base pages).
const hugeSize = 2 << 20

// hugeRefused is set once the kernel refuses MADV_HUGEPAGE (EINVAL: built
// without transparent huge pages).
var hugeRefused atomic.Bool

// adviseHuge marks the memory around the n bytes at p, rounded out to
// whole huge pages, as wanting transparent huge pages, so that populate
// maps it 2 MiB at a time where the kernel has a free huge page and its
// transparent huge pages are in "madvise" or "always" mode. On the VM
// BENCHMARKS.md names, mapping and first writing memory costs about 0.4
// µs a 4 KiB page that way, against 5.5 µs in 4 KiB pages. It returns the
// range it marked, for endHuge.
//
// Rounding out marks parts of the neighbouring heap too. That is only
// advice: a page's contents do not depend on its size, the kernel maps a
// huge page only where no page of its 2 MiB is mapped yet, and
// consecutive buffers, which the heap usually places side by side, then
// share the huge pages at their boundaries. Errors are ignored: the
// memory is mapped in small pages as before (ENOMEM also covers a range
// that runs into addresses the Go runtime reserved but has not mapped).
func adviseHuge(p unsafe.Pointer, n uintptr) (start, end uintptr) {
	if hugeRefused.Load() || n == 0 {
		return 0, 0
	}
	start = uintptr(p) &^ (hugeSize - 1)
	end = (uintptr(p) + n + hugeSize - 1) &^ (hugeSize - 1)
	// The range is addresses, not a Go pointer: it may start before the
	// buffer's object, where the collector must not see a pointer.
	// On ENOMEM (a hole in the range) the advice still applies to the
	// rest, so the range is returned for endHuge all the same.
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_HUGEPAGE); errno == unix.EINVAL {
		hugeRefused.Store(true)
		return 0, 0
	}
	return start, end
}

// endHuge takes back adviseHuge's advice once the buffer is mapped: the
// huge pages mapped stay, but the kernel's khugepaged no longer gathers
// small pages of the range into new ones. Without it, once the buffer is
// freed and the Go runtime hands the unused pages of a 2 MiB back to the
// kernel, khugepaged could map the whole 2 MiB again for the few pages
// still in use (the memory growth behind Go's own retreat from
// MADV_HUGEPAGE, golang/go#64332). It also keeps the stalls of
// golang/go#61718 (a huge page fault that compacts memory first) to the
// pantry's goroutine, where adviseHuge asked for them. MADV_NOHUGEPAGE is
// the only way back:
// where transparent huge pages are "always" on, the range then gets small
// pages from then on.
func endHuge(start, end uintptr) {
	if start == end {
		return
	}
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_NOHUGEPAGE)
}
