package prefault

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

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
	// Small pages only, so that faults count pages (TestMapPagesMapsHugePages
	// covers huge ones).
	hugeRefused.Store(true)
	defer hugeRefused.Store(false)
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

// TestMapPagesMapsHugePages maps 8 MiB of fresh anonymous memory, as the
// refill goroutine maps a buffer, and counts the huge pages the kernel
// mapped for it, where its transparent huge pages are in "madvise" or
// "always" mode. The memory holds three or four whole huge pages, and
// usually all of them are; the test asks for one, so that a kernel short
// of free 2 MiB blocks at that moment does not fail it. (A buffer from the
// Go heap, as the pantry makes them, gets huge pages the same way where no
// page of a 2 MiB is mapped yet; a test cannot count on that, since the
// heap reuses what earlier tests touched.)
func TestMapPagesMapsHugePages(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skipf("transparent huge pages are off here (%q, %v): buffers are mapped in small pages, as TestMapPagesMapsEveryPage checks", mode, err)
	}
	const size = 8 << 20
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(b) }()
	mapPages(b)
	start := uintptr(unsafe.Pointer(&b[0]))
	huge, advised := anonHugeBytes(t, start, start+size)
	t.Logf("memory at %#x: %d MiB of it in huge pages", start, huge>>20)
	if huge < 2<<20 {
		t.Fatalf("%d KiB of 8 MiB mapped in huge pages, want at least 2 MiB (transparent huge pages: %s)", huge>>10, strings.TrimSpace(string(mode)))
	}
	// endHuge took the advice back: khugepaged leaves the range alone.
	if advised {
		t.Fatal("the memory is still advised for huge pages (VmFlags hg) after mapPages")
	}
}

// anonHugeBytes adds up the AnonHugePages of this process's mappings that
// overlap [start, end), from /proc/self/smaps, and reports whether any of
// them is advised for huge pages (the hg of VmFlags).
func anonHugeBytes(t *testing.T, start, end uintptr) (total int64, advised bool) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	overlaps := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line[:strings.IndexByte(line+" ", ' ')], "-") {
			overlaps = lo < end && start < hi
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok && overlaps {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			total += kb << 10
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok && overlaps && slices.Contains(strings.Fields(v), "hg") {
			advised = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total, advised
}
