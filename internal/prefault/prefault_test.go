package prefault

import (
	"sync"
	"testing"

	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// slot is a pointer-free element of 24 bytes.
type slot struct {
	a, b uint64
	c    uint32
}

// TestGetHandsOutEmptyBuffersOfItsSize takes buffers before any is ready
// and after the refill goroutine made some: each has len 0, the pantry's
// cap, and is not shared with another Get.
func TestGetHandsOutEmptyBuffersOfItsSize(t *testing.T) {
	p := New[slot](1000, 2)
	first := p.Get() // none ready: made here
	// The refill the first Get started fills the channel; wait for both.
	ready := [][]slot{<-p.ready, <-p.ready}
	for _, b := range append(ready, first) {
		if len(b) != 0 || cap(b) != 1000 {
			t.Fatalf("buffer of len %d, cap %d; want 0, 1000", len(b), cap(b))
		}
	}
	// Written ready buffers hand back what was written: distinct memory.
	for i, b := range ready {
		ready[i] = append(b, slot{a: uint64(i), b: 2, c: 3})
	}
	if &ready[0][0] == &ready[1][0] {
		t.Fatal("two ready buffers share memory")
	}
}

// TestGetConcurrently takes buffers from many goroutines at once (run with
// -race): every buffer is its own, and the refill goroutines end (the
// package's leak check).
func TestGetConcurrently(t *testing.T) {
	p := New[byte](64<<10, 2)
	var wg sync.WaitGroup
	seen := make(chan *byte, 8*50)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				b := p.Get()[:1]
				seen <- &b[0]
			}
		})
	}
	wg.Wait()
	close(seen)
	addrs := map[*byte]bool{}
	for a := range seen {
		if addrs[a] {
			t.Fatal("a buffer was handed out twice")
		}
		addrs[a] = true
	}
}
