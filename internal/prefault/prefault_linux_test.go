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
	_, untouched := faultsWriting(t, size, func([]byte) {})
	_, touched := faultsWriting(t, size, touch[byte])
	t.Logf("%d pages: %d faults untouched, %d touched", pages, untouched, touched)
	if untouched < int64(pages)/2 {
		t.Fatalf("writing %d fresh pages took %d faults: the count does not measure what the test needs", pages, untouched)
	}
	if touched > int64(pages)/16 {
		t.Fatalf("writing %d touched pages took %d faults, want (almost) none", pages, touched)
	}
}

// TestMapPagesMapsEveryPage checks both ways mapPages maps a buffer:
// populate, one system call, and touch once the kernel has refused it.
// (The kernel counts the faults populate takes for the pages, so the
// counts cannot tell the two apart.) The buffer starts and ends 100 bytes inside a
// page, so the partial pages at either end must be mapped too.
func TestMapPagesMapsEveryPage(t *testing.T) {
	const size = 4 << 20
	pages := int64(size / pageSize)
	defer populateRefused.Store(false)
	for _, refused := range []bool{false, true} {
		populateRefused.Store(refused)
		mapping, writing := faultsWriting(t, size, func(b []byte) { mapPages(b[100 : len(b)-100]) })
		t.Logf("populate refused %v: %d pages, %d faults mapping them, %d writing them", refused, pages, mapping, writing)
		if writing > pages/16 {
			t.Fatalf("populate refused %v: writing %d mapped pages took %d faults, want (almost) none", refused, pages, writing)
		}
		if !refused && populateRefused.Load() {
			t.Fatal("MADV_POPULATE_WRITE refused: this kernel predates Linux 5.14, so the test does not check the call it is for")
		}
		if refused && mapping < pages/2 {
			t.Fatalf("touch took %d faults for %d pages: the count does not measure what the test needs", mapping, pages)
		}
	}
}

// faultsWriting maps size bytes of fresh anonymous memory (small pages
// only), then counts on this thread the minor page faults of prepare on it
// and of writing a byte of each page after.
func faultsWriting(t *testing.T, size int, prepare func([]byte)) (preparing, writing int64) {
	t.Helper()
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(b) }()
	if err := unix.Madvise(b, unix.MADV_NOHUGEPAGE); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var r0, r1, r2 syscall.Rusage
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &r0); err != nil {
		t.Fatal(err)
	}
	prepare(b)
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &r1); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < size; i += pageSize {
		b[i] = 1
	}
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &r2); err != nil {
		t.Fatal(err)
	}
	return r1.Minflt - r0.Minflt, r2.Minflt - r1.Minflt
}
