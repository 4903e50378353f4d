package lineage

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The ring keeps the last Size records: an older sequence number in a slot
// never overwrites a newer one, and lookups of evicted records fail.
func TestRingKeepsTheNewest(t *testing.T) {
	x := New(10) // one page
	if x.Size() != pageSize {
		t.Fatalf("size %d, want one page (%d)", x.Size(), pageSize)
	}
	s := x.Stream("r", "s")
	b := x.NewBatch(s, BufDestination, "", "", nil)
	x.Place(1, s, 100, b, 0)
	x.Place(1+pageSize, s, 200, b, 1)
	if _, ok := x.Lookup(1, "old"); ok {
		t.Fatal("record 1 still found after its slot was reused")
	}
	x.Place(1, s, 300, b, 0) // a late update of the evicted record
	r, ok := x.Lookup(1+pageSize, "new")
	if !ok || r.Arrival.UnixMilli() != 200 || r.Where.Index != 1 || r.State != StateBuffered {
		t.Fatalf("newest record = %+v, %v", r, ok)
	}
	if _, ok := x.Lookup(0, ""); ok {
		t.Fatal("sequence number 0 found")
	}
	var off *Index
	off.Place(1, 0, 0, 0, 0)
	if _, ok := off.Lookup(1, ""); ok || off.Memory() != 0 || New(0) != nil {
		t.Fatal("a nil index keeps records")
	}
}

// Facts are a ring too: an evicted batch leaves its records' state unknown
// and its object unlisted.
func TestFactsEvicted(t *testing.T) {
	x := New(pageSize)
	s := x.Stream("r", "s")
	b := x.NewBatch(s, BufDestination, "", "", nil)
	x.Place(7, s, 1, b, 0)
	x.Written(b, "s3://k", "k", "obj", 2, []int{3}, []uint64{7}, false)
	if g, ok := x.Object("k", "obj", 10, func(s uint64) string { return fmt.Sprint(s) }); !ok || len(g.Records) != 1 || g.Records[0] != "7" || g.Total != 1 {
		t.Fatalf("object = %+v, %v", g, ok)
	}
	for range len(x.facts) {
		x.NewBatch(s, BufDestination, "", "", nil)
	}
	if r, _ := x.Lookup(7, ""); r.State != StateUnknown {
		t.Fatalf("state %q after its batch's fact left, want unknown", r.State)
	}
	if _, ok := x.Object("k", "obj", 10, func(uint64) string { return "" }); ok {
		t.Fatal("evicted object still listed")
	}
}

// Writers and readers at once (run with -race).
func TestConcurrent(t *testing.T) {
	x := New(2 * pageSize)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			s := x.Stream("r", fmt.Sprint(w))
			b := x.NewBatch(s, BufProcessor, "", "", nil)
			for i := range 5000 {
				seq := uint64(w*5000 + i + 1)
				x.Place(seq, s, 1, b, uint32(i))
				x.Processed(seq, 0, ResultOk, "")
			}
		}()
		go func() {
			defer wg.Done()
			for i := range 2000 {
				x.Lookup(uint64(i+1), "")
			}
			x.List(20000, "r", "", "", 50, func(uint64) string { return "" })
			x.Memory()
		}()
	}
	wg.Wait()
}

// The memory of a full index of a million records, as a put path fills it
// (a batch fact per 500 records, each batch written once), measured on the
// heap and as Memory reports it.
func TestMemoryOfAMillionRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a million entries")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := New(1_000_000)
	s := x.Stream("us-east-1", "s")
	ends := make([]int, 500)
	seqs := make([]uint64, 500)
	for i := range ends {
		ends[i] = 100 * (i + 1)
	}
	for base := uint64(1); base <= 1_000_000; base += 500 {
		b := x.NewBatch(s, BufDestination, "", "", nil)
		for i := range uint64(500) {
			x.Place(base+i, s, 1, b, uint32(i))
			seqs[i] = base + i
		}
		x.Written(b, "s3://b", "b", "2026/12/06/08/s-1-2026-12-06-08-00-00-00000000-0000-0000-0000-000000000000", 1, ends, seqs, false)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("a million records: %.1f MiB on the heap, Memory() says %.1f MiB (%.1f bytes a record)",
		float64(heap)/(1<<20), float64(x.Memory())/(1<<20), float64(heap)/1e6)
	if m := x.Memory(); heap > 2*m || m > 2*heap {
		t.Errorf("Memory() = %d, heap grew by %d", m, heap)
	}
	start := time.Now()
	if failed := x.Failed(1_000_000, "", "s", 100, func(uint64) string { return "" }); len(failed) != 0 {
		t.Errorf("%d failed records", len(failed))
	}
	t.Logf("listing the failed records scanned a million entries in %v", time.Since(start))
	runtime.KeepAlive(x)
}

// Runs keep sequence numbers, untracked ones (0) included, in order.
func TestRuns(t *testing.T) {
	in := []uint64{5, 6, 7, 0, 0, 9, 10, 3}
	r := toRuns(in)
	if len(r) != 4 {
		t.Errorf("%d runs: %v", len(r), r)
	}
	var out []uint64
	r.each(func(s uint64, i int) bool {
		if i != len(out) {
			t.Fatalf("index %d, want %d", i, len(out))
		}
		out = append(out, s)
		return true
	})
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("runs give %v, want %v", out, in)
	}
}
