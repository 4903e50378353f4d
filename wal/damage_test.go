package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
)

// damagedLog writes frames 0..n-1 to one segment (frame i holds i+1
// records), lets damage change the file, and reopens it.
func damagedLog(t *testing.T, n int, done func(pos []Pos) []Pos, damage func(b []byte, pos []Pos)) (got []string, st Stats, logs string) {
	t.Helper()
	dir := t.TempDir()
	l := open(t, Options{Dir: dir})
	replayAll(t, l)
	var pos []Pos
	for i := range n {
		p, err := l.Append(fmt.Appendf(nil, "frame %02d %s", i, strings.Repeat("x", 20+i)), i+1)
		if err != nil {
			t.Fatal(err)
		}
		pos = append(pos, p)
	}
	if done != nil {
		l.Done(done(pos)...)
	}
	crashed := crashCopy(t, dir)
	l.Close()
	files := segFiles(t, crashed)
	if len(files) != 1 {
		t.Fatalf("segments %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	damage(b, pos)
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	var buf logBuffer
	l2 := open(t, Options{Dir: crashed, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	defer l2.Close()
	_, got, st = replayAll(t, l2)
	return got, st, buf.String()
}

func frameNames(n int, except ...int) []string {
	var out []string
	for i := range n {
		if !slices.Contains(except, i) {
			out = append(out, fmt.Sprintf("frame %02d %s", i, strings.Repeat("x", 20+i)))
		}
	}
	return out
}

func frameSize(i int) int64 {
	return headV2 + int64(len(fmt.Sprintf("frame %02d %s", i, strings.Repeat("x", 20+i))))
}

// One damaged frame in the middle of a segment costs that frame only:
// reading resumes at the next one, and the loss is reported exactly when
// the frame's header survived, as unreadable frames when it did not.
func TestDamageResumesAtTheNextFrame(t *testing.T) {
	const n = 10
	cases := []struct {
		name   string
		damage func(b []byte, pos []Pos)
		lost   []int
		loss   Loss
	}{
		{"a body byte", func(b []byte, pos []Pos) { b[pos[4].Off+headV2+3] ^= 0x01 }, []int{4},
			Loss{Calls: 1, Records: 5, Bytes: frameSize(4)}},
		{"the length", func(b []byte, pos []Pos) { b[pos[4].Off+13] ^= 0x40 }, []int{4},
			Loss{Unreadable: 1, Bytes: frameSize(4)}},
		{"the record count", func(b []byte, pos []Pos) { b[pos[4].Off+18] ^= 0xff }, []int{4},
			Loss{Unreadable: 1, Bytes: frameSize(4)}},
		{"the sync value", func(b []byte, pos []Pos) { b[pos[4].Off] ^= 0x01 }, []int{4},
			Loss{Unreadable: 1, Bytes: frameSize(4)}},
		{"two headers in a row", func(b []byte, pos []Pos) { b[pos[4].Off+9] ^= 0x01; b[pos[5].Off+9] ^= 0x01 }, []int{4, 5},
			Loss{Unreadable: 2, Bytes: frameSize(4) + frameSize(5)}},
		// Frame 3's header survives, so its loss is exact; 4, 5 and 6 are
		// one stretch whose frames cannot be told apart.
		{"a stretch of zeroes", func(b []byte, pos []Pos) { clear(b[pos[3].Off+30 : pos[6].Off+5]) }, []int{3, 4, 5, 6},
			Loss{Calls: 1, Records: 4, Unreadable: 1, Bytes: frameSize(3) + frameSize(4) + frameSize(5) + frameSize(6)}},
		{"the first frame", func(b []byte, pos []Pos) { b[pos[0].Off+10] ^= 0x01 }, []int{0},
			Loss{Unreadable: 1, Bytes: frameSize(0)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, st, logs := damagedLog(t, n, nil, c.damage)
			if want := frameNames(n, c.lost...); !slices.Equal(got, want) {
				t.Fatalf("replayed %q\nwant %q", got, want)
			}
			stretches := 1 + min(c.loss.Calls, c.loss.Unreadable)
			if st.Loss != c.loss || st.Corrupt != stretches {
				t.Fatalf("loss %+v (corrupt %d), want %+v", st.Loss, st.Corrupt, c.loss)
			}
			line := fmt.Sprintf("calls=%d records=%d unreadableFrames=%d", c.loss.Calls, c.loss.Records, c.loss.Unreadable)
			if stretches > 1 {
				line = "calls=1 records=4 unreadableFrames=0"
			}
			if strings.Count(logs, "level=WARN msg=\"write-ahead log: damaged frames skipped; acknowledged calls lost\"") != stretches ||
				!strings.Contains(logs, line) {
				t.Fatalf("log does not say %s:\n%s", line, logs)
			}
			if stretches == 1 && !strings.Contains(logs, fmt.Sprintf("bytes=%d", c.loss.Bytes)) {
				t.Fatalf("log does not say bytes=%d:\n%s", c.loss.Bytes, logs)
			}
		})
	}
}

// A damaged frame already delivered is no loss; a damaged marker is
// reported, and the frames it marked done come back (at least once).
func TestDamageToDeliveredFramesAndMarkers(t *testing.T) {
	const n = 10
	t.Run("delivered frame", func(t *testing.T) {
		got, st, _ := damagedLog(t, n, func(pos []Pos) []Pos { return pos[2:3] },
			func(b []byte, pos []Pos) { b[pos[2].Off+headV2+1] ^= 0x01 })
		if want := frameNames(n, 2); !slices.Equal(got, want) || st.Loss != (Loss{Bytes: frameSize(2)}) {
			t.Fatalf("replayed %q, loss %+v", got, st.Loss)
		}
	})
	t.Run("marker", func(t *testing.T) {
		got, st, logs := damagedLog(t, n, func(pos []Pos) []Pos { return pos[2:4] },
			func(b []byte, pos []Pos) {
				b[len(b)-2] ^= 0x01 // the marker is the last frame
			})
		if want := frameNames(n); !slices.Equal(got, want) || st.Loss.Markers != 1 || st.Loss.Calls != 0 {
			t.Fatalf("replayed %q, loss %+v", got, st.Loss)
		}
		if !strings.Contains(logs, "markers=1") {
			t.Fatal(logs)
		}
	})
}

// A producer cannot plant a frame in its records that resynchronisation
// would take for a real one: it does not know the segment's sync value.
// Here a record holds a done marker for every other frame, framed as well
// as it can be (a sync value of zeroes, or of its own choosing, and valid
// checksums), and the header of the frame holding it is damaged, so that
// reading resynchronises across it.
func TestResyncIgnoresFramesPlantedInRecords(t *testing.T) {
	for _, guess := range [][syncSize]byte{{}, {1, 2, 3, 4, 5, 6, 7, 8}} {
		dir := t.TempDir()
		l := open(t, Options{Dir: dir})
		replayAll(t, l)
		var pos []Pos
		for i := range 3 {
			pos = append(pos, mustAppend(t, l, fmt.Sprintf("honest %d", i)))
		}
		forged := frame(kindDone, 0, encodeMarker(nil, append(slices.Clone(pos), Pos{pos[0].Seg, pos[2].Off + 200})))
		copy(*forged, guess[:])
		planted := append([]byte("evil "), *forged...)
		p := mustAppend(t, l, string(planted))
		mustAppend(t, l, "honest 3")
		crashed := crashCopy(t, dir)
		l.Close()
		path := segFiles(t, crashed)[0]
		b, _ := os.ReadFile(path)
		if !bytes.Contains(b, *forged) {
			t.Fatal("the planted frame is not in the segment")
		}
		b[p.Off+12] ^= 0x01 // the length of the frame holding it
		os.WriteFile(path, b, 0o644)

		l2 := open(t, Options{Dir: crashed})
		_, got, st := replayAll(t, l2)
		l2.Close()
		if want := []string{"honest 0", "honest 1", "honest 2", "honest 3"}; !slices.Equal(got, want) || st.Loss.Unreadable != 1 {
			t.Fatalf("sync guess %v: replayed %q, loss %+v", guess, got, st.Loss)
		}
	}
}

// A damaged segment header is recovered from the first frame's; the
// frames are read as usual.
func TestDamagedSegmentHeader(t *testing.T) {
	for _, at := range []int{2, 11} { // in the magic, in the sync value
		got, st, logs := damagedLog(t, 4, nil, func(b []byte, pos []Pos) { b[at] ^= 0x01 })
		if want := frameNames(4); !slices.Equal(got, want) || st.Loss != (Loss{}) {
			t.Fatalf("byte %d: replayed %q, loss %+v", at, got, st.Loss)
		}
		if !strings.Contains(logs, "damaged segment header") {
			t.Fatalf("byte %d: %s", at, logs)
		}
	}
}

// Segments of the first format (written before the sync value and the
// header checksum) are still read, compacted and deleted.
func TestFormatOneSegmentsAreRead(t *testing.T) {
	dir := t.TempDir()
	v1frame := func(kind byte, body []byte) []byte {
		b := make([]byte, headV1, headV1+len(body))
		b[8] = kind
		b = append(b, body...)
		binary.LittleEndian.PutUint32(b[0:4], uint32(len(body)+1))
		binary.LittleEndian.PutUint32(b[4:8], crc32c(b[8:]))
		return b
	}
	seg := []byte(magicV1)
	var offs []int64
	for i := range 4 {
		offs = append(offs, int64(len(seg)))
		seg = append(seg, v1frame(kindData, fmt.Appendf(nil, "old %d", i))...)
	}
	// Half done: compaction copies the other half.
	seg = append(seg, v1frame(kindDone, encodeMarker(nil, []Pos{{1, offs[1]}, {1, offs[3]}}))...)
	if err := os.WriteFile(segPath(dir, 1), seg, 0o644); err != nil {
		t.Fatal(err)
	}
	l := open(t, Options{Dir: dir, SegmentSize: 512})
	pos, got, _ := replayAll(t, l)
	if !slices.Equal(got, []string{"old 0", "old 2"}) {
		t.Fatalf("replayed %q", got)
	}
	// Compacted like any other: its frames move to a format-2 segment.
	var fresh []Pos
	for i := range 200 {
		p := mustAppend(t, l, fmt.Sprintf("new %03d", i))
		if i%40 == 0 {
			fresh = append(fresh, p)
		} else {
			l.Done(p)
		}
	}
	waitFor(t, func() bool { _, err := os.Stat(segPath(dir, 1)); return os.IsNotExist(err) })
	l.mu.Lock()
	crashed := crashCopy(t, dir)
	l.mu.Unlock()
	l.Done(append(pos, fresh...)...)
	l.Close()
	if files := segFiles(t, dir); len(files) != 0 {
		t.Fatalf("segments left: %v", files)
	}
	l2 := open(t, Options{Dir: crashed})
	_, got, _ = replayAll(t, l2)
	l2.Close()
	slices.Sort(got)
	if want := []string{"new 000", "new 040", "new 080", "new 120", "new 160", "old 0", "old 2"}; !slices.Equal(got, want) {
		t.Fatalf("after compaction, replayed %q", got)
	}
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crcTable) }

func segPath(dir string, n uint64) string { return fmt.Sprintf("%s/%020d%s", dir, n, segSuffix) }
