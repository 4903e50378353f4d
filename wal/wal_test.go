package wal

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, opts Options) *Log {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// replayAll replays, keeping every frame, and returns positions and payloads.
func replayAll(t *testing.T, l *Log) ([]Pos, []string, Stats) {
	t.Helper()
	var pos []Pos
	var payloads []string
	st, err := l.Replay(func(p Pos, b []byte) bool {
		pos = append(pos, p)
		payloads = append(payloads, string(b))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return pos, payloads, st
}

func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	return m
}

// crashCopy copies the log's directory as it is on disk at one moment, as
// if the process had been killed then. The caller holds l.mu (or the log
// is closed or idle), so that no frame is written and no segment created
// while it copies. Segments are deleted without the lock, though: the run
// goroutine removes the files sweepLocked chose after unlocking (Log.remove),
// in the order sweepLocked gave, a segment before those whose markers
// concern it. A copy that reads the files one by one while such a batch is
// under way can hold a segment read just before its deletion and lack a
// later one of the batch deleted just before its turn: say a segment whose
// data frames are all done without the segment holding the markers that
// say so, which would replay delivered frames. No crash leaves that state,
// since a crash stops the deletions at a point of their order; so a copy
// that finds a listed file gone is taken again. With l.mu held at most one
// batch is under way (the run goroutine takes the lock before sweeping
// again), so the copy settles once that batch is done: then every file
// listed was still there when read, and unchanged since it was listed, so
// the copy is the directory at the moment it was listed.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	deadline := time.Now().Add(10 * time.Second)
	for !copyDir(t, dir, out) {
		if time.Now().After(deadline) {
			t.Fatalf("crashCopy: files of %s kept disappearing while copied", dir)
		}
		time.Sleep(time.Millisecond)
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// copyDir copies the files of dir to out; it reports false if a file it
// listed was gone before it was read.
func copyDir(t *testing.T, dir, out string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if os.IsNotExist(err) {
			return false // deleted meanwhile: the copy is no moment's state
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return true
}

func mustAppend(t *testing.T, l *Log, s string) Pos {
	t.Helper()
	p, err := l.Append([]byte(s), 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAppendReplayDone(t *testing.T) {
	for _, policy := range []Policy{SyncAlways, SyncInterval} {
		t.Run(string(policy), func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, Options{Dir: dir, Sync: policy})
			if _, _, st := replayAll(t, l); st.Frames != 0 {
				t.Fatalf("fresh log replayed %+v", st)
			}
			a := mustAppend(t, l, "a")
			mustAppend(t, l, "b")
			mustAppend(t, l, "c")
			l.Done(a)
			crashed := crashCopy(t, dir)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}

			for _, d := range []string{crashed, dir} {
				l2 := open(t, Options{Dir: d, Sync: policy})
				pos, got, st := replayAll(t, l2)
				if !slices.Equal(got, []string{"b", "c"}) || st.Done != 1 {
					t.Fatalf("%s: replayed %q, stats %+v", d, got, st)
				}
				l2.Done(pos...)
				if err := l2.Close(); err != nil {
					t.Fatal(err)
				}
				if files := segFiles(t, d); len(files) != 0 {
					t.Fatalf("%s: segments left after everything was done: %v", d, files)
				}
			}
		})
	}
}

// Every frame done: the active segment is truncated to its header, so a
// crash right after replays nothing.
func TestDrainedActiveSegmentIsTruncated(t *testing.T) {
	dir := t.TempDir()
	l := open(t, Options{Dir: dir})
	replayAll(t, l)
	p := mustAppend(t, l, "delivered")
	l.Done(p)
	waitFor(t, func() bool {
		info, err := os.Stat(segFiles(t, dir)[0])
		return err == nil && info.Size() == segHeadV2
	})
	l2 := open(t, Options{Dir: crashCopy(t, dir)})
	defer l2.Close()
	if _, got, _ := replayAll(t, l2); len(got) != 0 {
		t.Fatalf("replayed %q", got)
	}
	l.Close()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *logBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *logBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A torn tail (a crash mid-write) or a damaged last frame is skipped with a
// warning; the frames before it replay and the log opens. A torn write is
// not counted as a loss; a damaged frame is, exactly.
func TestTornAndCorruptTails(t *testing.T) {
	cases := map[string]struct {
		damage func(t *testing.T, path string)
		torn   bool
	}{
		"torn frame": {func(t *testing.T, path string) {
			info, _ := os.Stat(path)
			if err := os.Truncate(path, info.Size()-3); err != nil {
				t.Fatal(err)
			}
		}, true},
		"torn header": {func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte{5, 0, 0})
			f.Close()
		}, true},
		"checksum": {func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(b)-1] ^= 0xff
			os.WriteFile(path, b, 0o644)
		}, false},
		"zeroes": {func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(make([]byte, 4096))
			f.Close()
		}, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, Options{Dir: dir})
			replayAll(t, l)
			mustAppend(t, l, "one")
			mustAppend(t, l, "two")
			if name != "torn header" && name != "zeroes" {
				mustAppend(t, l, "three")
			}
			crashed := crashCopy(t, dir)
			l.Close()
			files := segFiles(t, crashed)
			if len(files) != 1 {
				t.Fatalf("segments: %v", files)
			}
			c.damage(t, files[0])

			var logs logBuffer
			l2 := open(t, Options{Dir: crashed, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			pos, got, st := replayAll(t, l2)
			if !slices.Equal(got, []string{"one", "two"}) || st.Corrupt != 1 {
				t.Fatalf("replayed %q, stats %+v", got, st)
			}
			want := "damaged frames skipped; acknowledged calls lost"
			if c.torn {
				want = "torn frame at the end of a segment"
				if st.Loss.Calls != 0 || st.Loss.Bytes != 0 || st.Loss.TornBytes == 0 {
					t.Fatalf("a torn write counted as a loss: %+v", st.Loss)
				}
			} else if st.Loss != (Loss{Calls: 1, Records: 1, Bytes: headV2 + int64(len("three"))}) {
				t.Fatalf("loss %+v", st.Loss)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), want) {
				t.Fatalf("no warning: %s", logs.String())
			}
			// New frames go to a new segment, after the damaged one.
			p := mustAppend(t, l2, "four")
			if p.Seg <= pos[0].Seg {
				t.Fatalf("appended to segment %d, replayed from %d", p.Seg, pos[0].Seg)
			}
			l2.Done(append(pos, p)...)
			l2.Close()
			if files := segFiles(t, crashed); len(files) != 0 {
				t.Fatalf("segments left: %v", files)
			}
		})
	}
}

func TestBadFilesDoNotStopTheStart(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "00000000000000000001.wal"), nil, 0o644)            // crash before the header
	os.WriteFile(filepath.Join(dir, "00000000000000000002.wal"), []byte("junk"), 0o644) // not a segment
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep me"), 0o644)
	l := open(t, Options{Dir: dir})
	_, got, st := replayAll(t, l)
	if len(got) != 0 || st.Corrupt != 1 {
		t.Fatalf("replayed %q, %+v", got, st)
	}
	if p := mustAppend(t, l, "x"); p.Seg != 3 {
		t.Fatalf("new segment %d, want 3", p.Seg)
	}
	l.Close()
	if _, err := os.Stat(filepath.Join(dir, "00000000000000000002.wal.corrupt")); err != nil {
		t.Fatal("the bad file was not set aside:", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
}

// Segments rotate at SegmentSize and are deleted once their frames are
// done, in any order.
func TestRotationAndDeletion(t *testing.T) {
	dir := t.TempDir()
	// 150 bytes: two frames a segment.
	l := open(t, Options{Dir: dir, SegmentSize: 150, CompactAfter: -1}) // compaction is tested below
	replayAll(t, l)
	var pos []Pos
	for i := range 20 {
		pos = append(pos, mustAppend(t, l, fmt.Sprintf("record %02d with some padding", i)))
	}
	if _, segs := l.Live(); segs < 5 {
		t.Fatalf("%d segments for 20 frames of 100-byte segments", segs)
	}
	// The newest half first, then the oldest.
	l.Done(pos[10:]...)
	waitFor(t, func() bool { return len(segFiles(t, dir)) == 6 }) // 1-5 and the one with the marker
	crashed := crashCopy(t, dir)
	l.Done(pos[:10]...)
	waitFor(t, func() bool { return len(segFiles(t, dir)) == 1 })
	if frames, _ := l.Live(); frames != 0 {
		t.Fatalf("%d live frames", frames)
	}
	l.Close()

	// The copy taken halfway replays exactly the oldest ten.
	l2 := open(t, Options{Dir: crashed, SegmentSize: 150})
	_, got, _ := replayAll(t, l2)
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("record %02d with some padding", i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("replayed %q", got)
	}
	l2.Close()
}

// A segment whose markers say that frames of an older, still live segment
// are done is kept as long as that segment: deleting it would replay those
// frames.
func TestMarkersOutliveTheirOwnFrames(t *testing.T) {
	dir := t.TempDir()
	l := open(t, Options{Dir: dir, SegmentSize: 64})
	replayAll(t, l)
	stuck := mustAppend(t, l, "stuck in segment one, padding")
	quick := mustAppend(t, l, "quick, also in segment one....")
	later := mustAppend(t, l, "in a later segment............")
	if stuck.Seg == later.Seg {
		t.Fatal("no rotation")
	}
	l.Done(quick) // the marker goes to the later segment
	l.Done(later) // every data frame of the later segments is done
	time.Sleep(50 * time.Millisecond)
	l2 := open(t, Options{Dir: crashCopy(t, dir), SegmentSize: 64})
	_, got, _ := replayAll(t, l2)
	if !slices.Equal(got, []string{"stuck in segment one, padding"}) {
		t.Fatalf("replayed %q", got)
	}
	l2.Close()
	l.Done(stuck)
	waitFor(t, func() bool { return len(segFiles(t, dir)) == 1 })
	l.Close()
	if files := segFiles(t, dir); len(files) != 0 {
		t.Fatalf("segments left: %v", files)
	}
}

// Frames the caller does not keep (say, of a deleted stream) count as done.
func TestReplaySkips(t *testing.T) {
	dir := t.TempDir()
	l := open(t, Options{Dir: dir})
	replayAll(t, l)
	mustAppend(t, l, "gone")
	mustAppend(t, l, "kept")
	l.Close()
	l2 := open(t, Options{Dir: dir})
	var kept []Pos
	st, err := l2.Replay(func(p Pos, b []byte) bool {
		if string(b) == "kept" {
			kept = append(kept, p)
			return true
		}
		return false
	})
	if err != nil || st.Frames != 1 || st.Skipped != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	l2.Close()
	l3 := open(t, Options{Dir: dir})
	// A frame the caller did not keep holds nothing, but is not marked
	// done either: while its segment exists it is offered again.
	if _, got, _ := replayAll(t, l3); !slices.Equal(got, []string{"gone", "kept"}) {
		t.Fatalf("replayed %q", got)
	}
	l3.Close()
}

// Concurrent appends share syncs and all come back, once each, in a
// consistent order.
func TestConcurrentAppends(t *testing.T) {
	for _, policy := range []Policy{SyncAlways, SyncInterval} {
		t.Run(string(policy), func(t *testing.T) {
			dir := t.TempDir()
			l := open(t, Options{Dir: dir, Sync: policy, SegmentSize: 4096})
			replayAll(t, l)
			var wg sync.WaitGroup
			var mu sync.Mutex
			seen := map[Pos]string{}
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 100 {
						s := fmt.Sprintf("w%d-%03d", w, i)
						p := mustAppend(t, l, s)
						mu.Lock()
						if _, dup := seen[p]; dup {
							t.Errorf("position %v twice", p)
						}
						seen[p] = s
						mu.Unlock()
						if i%3 == 0 {
							l.Done(p)
							mu.Lock()
							delete(seen, p)
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			l.mu.Lock() // no compaction or sweep half done in the copy
			crashed := crashCopy(t, dir)
			l.mu.Unlock()
			l.Close()
			l2 := open(t, Options{Dir: crashed})
			_, got, _ := replayAll(t, l2)
			// Compaction may have copied frames: compare the payloads.
			want := slices.Sorted(maps.Values(seen))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("replayed %d frames, want %d: %q", len(got), len(want), got)
			}
			l2.Close()
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 55000)
	for _, policy := range []Policy{SyncAlways, SyncInterval} {
		for _, workers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", policy, workers), func(b *testing.B) {
				l, err := Open(Options{Dir: b.TempDir(), Sync: policy})
				if err != nil {
					b.Fatal(err)
				}
				l.Replay(func(Pos, []byte) bool { return false })
				defer l.Close()
				b.SetBytes(int64(len(payload)))
				b.SetParallelism(workers)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p, err := l.Append(payload, 1)
						if err != nil {
							b.Error(err)
							return
						}
						l.Done(p)
					}
				})
			})
		}
	}
}

// With SyncInterval, appends return at once and the background goroutine
// syncs them; an idle log schedules nothing.
func TestIntervalPolicySyncsInTheBackground(t *testing.T) {
	l := open(t, Options{Dir: t.TempDir(), Sync: SyncInterval, SyncInterval: 10 * time.Millisecond})
	defer l.Close()
	replayAll(t, l)
	synced := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return !l.dirty && !l.armed && l.synced > 0
	}
	mustAppend(t, l, "x")
	waitFor(t, synced)
	mustAppend(t, l, "y")
	waitFor(t, synced)
}

// One slow caller (a stream whose deliveries keep failing) keeps a frame in
// every segment while a busy one's frames are done at once: compaction
// copies the slow frames forward, so the segments do not pile up; Done with
// the positions Append gave still finds them; a restart replays each of
// them exactly once.
func TestCompactionFreesSegmentsPinnedByASlowCaller(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 512, CompactAfter: 2}
	l := open(t, opts)
	replayAll(t, l)
	var stuck []Pos
	var want []string
	for i := range 400 {
		if i%20 == 0 {
			want = append(want, fmt.Sprintf("slow %03d", i))
			stuck = append(stuck, mustAppend(t, l, want[len(want)-1]))
			continue
		}
		l.Done(mustAppend(t, l, fmt.Sprintf("busy %03d, delivered at once", i)))
	}
	// 400 frames of about 40 bytes fill about 30 segments; compaction
	// keeps a handful.
	waitFor(t, func() bool { return len(segFiles(t, dir)) <= opts.CompactAfter+3 })
	if c := l.Compacted(); c.Segments == 0 || c.Frames == 0 {
		t.Fatalf("compaction stats %+v", c)
	}
	if frames, _ := l.Live(); frames != len(stuck) {
		t.Fatalf("%d live frames, want %d", frames, len(stuck))
	}
	// Under the lock, a compaction's copies and marker are either both in
	// the files or neither (and crashCopy waits out a deletion under way).
	l.mu.Lock()
	crashed := crashCopy(t, dir)
	l.mu.Unlock()

	// Done with the original positions, half of them.
	l.Done(stuck[:10]...)
	if frames, _ := l.Live(); frames != 10 {
		t.Fatalf("%d live frames after 10 of 20 were done", frames)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := open(t, opts)
	pos, got, _ := replayAll(t, l2)
	slices.Sort(got)
	if !slices.Equal(got, want[10:]) {
		t.Fatalf("after Close, replayed %q, want %q", got, want[10:])
	}
	l2.Done(pos...)
	l2.Close()
	if files := segFiles(t, dir); len(files) != 0 {
		t.Fatalf("segments left: %v", files)
	}

	// The copy taken while compacted: every slow frame once.
	l3 := open(t, Options{Dir: crashed, SegmentSize: 512})
	_, got, _ = replayAll(t, l3)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("after a crash, replayed %q, want %q", got, want)
	}
	l3.Close()
}

// A crash after the copies are on disk and before the originals' segment
// is deleted replays each frame once: each copy names its original.
func TestCompactionMarkerPreventsDuplicates(t *testing.T) {
	dir := t.TempDir()
	l := open(t, Options{Dir: dir, SegmentSize: 256, CompactAfter: -1})
	replayAll(t, l)
	var stuck []Pos
	for i := range 40 {
		p := mustAppend(t, l, fmt.Sprintf("frame %02d of some length", i))
		if i%8 == 0 {
			stuck = append(stuck, p)
		} else {
			l.Done(p)
		}
	}
	// Move the live frames of the oldest segment by hand, as compaction
	// does, but keep its file: the state between the marker and the delete.
	l.mu.Lock()
	s := l.segs[stuck[0].Seg]
	offs := slices.Sorted(maps.Keys(s.frames))
	frames := maps.Clone(s.frames)
	l.mu.Unlock()
	raw, err := readFrames(s, offs, frames)
	if err != nil {
		t.Fatal(err)
	}
	if !l.moveFrames(s, offs, raw) {
		t.Fatal("the segment still has live frames")
	}
	crashed := crashCopy(t, dir)
	l.Done(stuck...)
	l.Close()

	l2 := open(t, Options{Dir: crashed, SegmentSize: 256})
	_, got, _ := replayAll(t, l2)
	var want []string
	for i := 0; i < 40; i += 8 {
		want = append(want, fmt.Sprintf("frame %02d of some length", i))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("replayed %q, want %q", got, want)
	}
	l2.Close()
}

// A held caller (a failing stream: its frames are never done) beside a
// flowing one whose frames are done a little later (their markers land in
// later segments, so segments depend on older ones): held frames are
// copied about once, into compaction segments that are then wholly live and
// left alone, so compaction writes a small fraction of what was appended,
// and never more than CompactRatio times it plus a segment. Once it has
// caught up with the load (appends here come far faster than over HTTP),
// the log is the held bytes plus a few segments, and a restart replays each
// held frame once.
func TestCompactionIsPaced(t *testing.T) {
	for _, ratio := range []float64{1, 0.02} {
		t.Run(fmt.Sprint(ratio), func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{Dir: dir, SegmentSize: 4096, CompactRatio: ratio, Sync: SyncInterval}
			l := open(t, opts)
			replayAll(t, l)
			var held []string
			var heldBytes int64
			var lag []Pos
			maxSegs := 0
			for i := range 4000 {
				if i%50 == 0 {
					_, n := l.Live()
					maxSegs = max(maxSegs, n)
				}
				if i%10 == 0 {
					held = append(held, fmt.Sprintf("held %04d %s", i, strings.Repeat("h", 60)))
					mustAppend(t, l, held[len(held)-1])
					heldBytes += headV2 + int64(len(held[len(held)-1]))
					continue
				}
				lag = append(lag, mustAppend(t, l, fmt.Sprintf("flowing %04d %s", i, strings.Repeat("f", 180))))
				if len(lag) > 20 {
					l.Done(lag[0])
					lag = lag[1:]
				}
			}
			l.Done(lag...)
			limit := int(heldBytes/opts.SegmentSize) + 12
			if ratio == 1 {
				waitFor(t, func() bool { _, n := l.Live(); return n <= limit })
			}
			c := l.Compacted()
			_, segs := l.Live()
			t.Logf("ratio %v: appended %d bytes (held %d), compaction copied %d (%.3f of appended, %.2f of held) in %d frames; segments: at most %d during the load, %d after",
				ratio, c.Appended, heldBytes, c.Bytes, float64(c.Bytes)/float64(c.Appended), float64(c.Bytes)/float64(heldBytes), c.Frames, maxSegs, segs)
			if bound := int64(ratio*float64(c.Appended)) + opts.SegmentSize; c.Bytes > bound {
				t.Fatalf("compaction copied %d bytes, over its bound %d", c.Bytes, bound)
			}
			if ratio == 1 {
				if c.Bytes > 3*heldBytes {
					t.Errorf("compaction copied %d bytes for %d held", c.Bytes, heldBytes)
				}
			}
			l.mu.Lock()
			crashed := crashCopy(t, dir)
			l.mu.Unlock()
			l.Close()
			l2 := open(t, Options{Dir: crashed})
			pos, got, _ := replayAll(t, l2)
			slices.Sort(got)
			if !slices.Equal(got, held) {
				t.Fatalf("replayed %d frames, want the %d held ones once each", len(got), len(held))
			}
			l2.Done(pos...)
			l2.Close()
			if files := segFiles(t, crashed); len(files) != 0 {
				t.Fatalf("segments left: %v", files)
			}
		})
	}
}
