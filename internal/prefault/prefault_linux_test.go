package prefault

import (
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTouchMapsEveryPage counts the page faults of writing every page of
// fresh anonymous memory, after touch and without it: touch must leave
// (almost) none for the writer.
func TestTouchMapsEveryPage(t *testing.T) {
	const size = 4 << 20
	pages := size / pageSize
	untouched := faultsWriting(t, size, func([]byte) {})
	touched := faultsWriting(t, size, touch[byte])
	t.Logf("%d pages: %d faults untouched, %d touched", pages, untouched, touched)
	if untouched < int64(pages)/2 {
		t.Fatalf("writing %d fresh pages took %d faults: the count does not measure what the test needs", pages, untouched)
	}
	if touched > int64(pages)/16 {
		t.Fatalf("writing %d touched pages took %d faults, want (almost) none", pages, touched)
	}
}

// faultsWriting maps size bytes of fresh anonymous memory (small pages
// only), runs prepare on it, then counts the minor page faults of writing
// a byte of each page on this thread.
func faultsWriting(t *testing.T, size int, prepare func([]byte)) int64 {
	t.Helper()
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(b) }()
	if err := unix.Madvise(b, unix.MADV_NOHUGEPAGE); err != nil {
		t.Fatal(err)
	}
	prepare(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &before); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < size; i += pageSize {
		b[i] = 1
	}
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &after); err != nil {
		t.Fatal(err)
	}
	return after.Minflt - before.Minflt
}
