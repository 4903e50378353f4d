package wal

import (
	"fmt"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
)

// On a full disk the log opens and replays without writing a byte; Probe
// and Append say it cannot write (IsNoSpace); Done still lets delivered
// segments go, which frees space; once writes succeed again, so do Probe
// and Append.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 512, CompactAfter: -1}
	l := open(t, opts)
	replayAll(t, l)
	for i := range 40 {
		mustAppend(t, l, fmt.Sprintf("acknowledged %02d", i))
	}
	l.Close()
	before := segFiles(t, dir)
	if len(before) < 3 {
		t.Fatalf("%d segments", len(before))
	}

	var full atomic.Bool
	full.Store(true)
	var writes atomic.Int64
	opts.failWrite = func() error {
		writes.Add(1)
		if full.Load() {
			return syscall.ENOSPC
		}
		return nil
	}
	l2 := open(t, opts)
	defer l2.Close()
	pos, got, _ := replayAll(t, l2)
	if len(got) != 40 || writes.Load() != 0 || !slices.Equal(segFiles(t, dir), before) {
		t.Fatalf("replayed %d frames, %d writes, segments %v (before %v)", len(got), writes.Load(), segFiles(t, dir), before)
	}
	if err := l2.Probe(); !IsNoSpace(err) {
		t.Fatalf("Probe = %v", err)
	}
	if _, err := l2.Append([]byte("new"), 1); !IsNoSpace(err) {
		t.Fatalf("Append = %v", err)
	}
	if files := segFiles(t, dir); !slices.Equal(files, before) {
		t.Fatalf("a failed write left a file: %v", files)
	}
	// Deliveries go on: their markers cannot be written, but the delivered
	// segments are deleted all the same.
	l2.Done(pos[:len(pos)/2]...)
	waitFor(t, func() bool { return len(segFiles(t, dir)) < len(before) })
	if err := l2.Probe(); !IsNoSpace(err) {
		t.Fatalf("Probe = %v", err)
	}

	full.Store(false)
	if err := l2.Probe(); err != nil {
		t.Fatal("Probe after space came back:", err)
	}
	p := mustAppend(t, l2, "after")
	l2.Done(append(pos[len(pos)/2:], p)...)
	waitFor(t, func() bool { return len(segFiles(t, dir)) <= 1 })
}

// A write that fails mid-way (space ran out within the frame) is cut back
// off the segment: the frames after it are readable.
func TestFailedWriteIsCutBack(t *testing.T) {
	dir := t.TempDir()
	var fail atomic.Bool
	l := open(t, Options{Dir: dir, failWrite: func() error {
		if fail.Load() {
			return syscall.ENOSPC
		}
		return nil
	}})
	replayAll(t, l)
	mustAppend(t, l, "one")
	l.mu.Lock()
	f := l.f
	l.mu.Unlock()
	fail.Store(true)
	// As if the file system had taken part of the frame.
	if _, err := f.Write([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append([]byte("refused"), 1); !IsNoSpace(err) {
		t.Fatal(err)
	}
	fail.Store(false)
	mustAppend(t, l, "two")
	crashed := crashCopy(t, dir)
	l.Close()
	l2 := open(t, Options{Dir: crashed})
	defer l2.Close()
	if _, got, st := replayAll(t, l2); !slices.Equal(got, []string{"one", "two"}) || st.Corrupt != 0 {
		t.Fatalf("replayed %q, %+v", got, st)
	}
}
