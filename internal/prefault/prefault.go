// Package prefault hands out large pointer-free buffers whose memory is
// already mapped.
//
// A store that keeps what it is given (a Kinesis shard's records, kept for
// the retention period) grows its heap without end, so each buffer it
// allocates is fresh memory from the kernel, and the first write to each
// of its pages is a page fault: about 1.5 µs a 4 KiB page on the virtual
// machine this was measured on, over a quarter of the in-process cost of a
// PutRecords call of 500 records. A Pantry moves that cost off the
// request: a short-lived
// goroutine allocates the next buffers and maps their pages, while the
// request path takes one that is ready, or allocates as before when none
// is.
//
// On Linux the goroutine first asks for transparent huge pages for the
// buffer (see adviseHuge); on Linux 5.14 and later it maps its pages with
// one madvise(MADV_POPULATE_WRITE) call, which costs about a third less
// CPU a page than a fault a page; then it writes a byte of each page (see
// mapPages for why, after populate). Either way the work runs on a core
// the request is not using, so a producer waiting for its answer does not
// wait for it.
package prefault

import (
	"sync/atomic"
	"unsafe"
)

// pageSize is the smallest page size of the platforms the project builds
// for: touching one element every pageSize bytes maps every page.
const pageSize = 4096

// A Pantry keeps up to keep buffers of cap size elements ready. T must not
// contain pointers (the buffers are written to before they are handed
// out). Its methods are safe for concurrent use; the zero Pantry is not
// usable: make one with New.
type Pantry[T any] struct {
	size    int
	ready   chan []T
	filling atomic.Bool
}

// New returns a Pantry of buffers of cap size that keeps up to keep of
// them ready. It makes none until the first Get.
func New[T any](size, keep int) *Pantry[T] {
	return &Pantry[T]{size: size, ready: make(chan []T, keep)}
}

// Get returns a buffer of len 0 and cap the pantry's size: a ready one if
// there is one, otherwise a new one. Either way it starts making the next
// ones.
func (p *Pantry[T]) Get() []T {
	var b []T
	select {
	case b = <-p.ready:
	default:
		b = make([]T, 0, p.size)
	}
	p.refill()
	return b
}

// refill starts one goroutine, unless one is running, that makes buffers
// until keep are ready.
func (p *Pantry[T]) refill() {
	if len(p.ready) == cap(p.ready) || !p.filling.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.filling.Store(false)
		for len(p.ready) < cap(p.ready) {
			b := make([]T, p.size)
			mapPages(b)
			select {
			case p.ready <- b[:0]:
			default:
				return
			}
		}
	}()
}

// mapPages maps every page of b: in huge pages where the kernel gives
// them (see adviseHuge), with one system call where the kernel has one for
// it (see populate), and then by touching each page.
//
// The touch after populate is not redundant under a hypervisor that
// shadows the guest's page tables: there the first write from user space
// to a page the kernel populated still exits to the hypervisor, about 5 µs
// a 4 KiB page on the VM BENCHMARKS.md names (the guest counts no fault
// for it), against about 0.2 µs for a page already written. Touching here
// moves that exit off the request, onto this goroutine.
func mapPages[T any](b []T) {
	if len(b) == 0 {
		return
	}
	var zero T
	p, n := unsafe.Pointer(&b[0]), uintptr(len(b))*unsafe.Sizeof(zero)
	start, end := adviseHuge(p, n)
	populate(p, n)
	touch(b)
	endHuge(start, end)
}

// touch writes an element of every page of b. The writes cannot be left
// out: b escapes to the channel.
func touch[T any](b []T) {
	var zero T
	step := max(1, pageSize/int(unsafe.Sizeof(zero)))
	for i := 0; i < len(b); i += step {
		b[i] = zero
	}
	if len(b) > 0 {
		b[len(b)-1] = zero
	}
}
