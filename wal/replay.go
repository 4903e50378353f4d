package wal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Stats describe what Open and Replay found.
type Stats struct {
	Segments int // segment files read
	Frames   int // data frames handed to the caller and kept
	Skipped  int // data frames the caller did not keep
	Done     int // data frames already marked done
	Corrupt  int // damaged stretches and torn tails skipped, and files set aside as not segments
	Loss     Loss
}

// Loss is what damage to the log cost, as well as it can be known.
type Loss struct {
	// Calls are data frames not marked done whose body was damaged while
	// their header was intact: acknowledged calls lost, exactly counted;
	// Records the records in them.
	Calls, Records int
	// Unreadable are frames whose header was damaged too, not known to be
	// done: each is a lost call of unknown size, or a done marker. They
	// are the frames that could be told apart: where the sync values that
	// start them are damaged too, a stretch of several counts as one.
	Unreadable int
	// Markers are done markers whose body was damaged: the calls they
	// marked may be delivered again.
	Markers int
	// Bytes skipped as damage; TornBytes skipped as writes a crash cut short
	// at the end of a segment (with SyncAlways, never acknowledged).
	Bytes, TornBytes int64
}

// damage is a stretch of a segment Open skipped.
type damage struct {
	s      *segment
	off    int64
	end    int64      // where reading resumed, or the file's size
	head   *frameHead // the damaged frame's header, when it was intact
	starts []int64    // else: offsets where frames with damaged headers start
	torn   bool       // a write cut short at the end of the segment
	tail   bool       // nothing sound follows in the segment
	reason string
}

// resync finds the first offset from from on where a sound frame header
// starts: the segment's sync value, then a header matching its checksum.
// It returns -1 if there is none, and the offsets of the sync values it
// passed (frames whose header is damaged).
func (fr *frameReader) resync(from int64) (int64, []int64, error) {
	var passed []int64
	buf := make([]byte, min(1<<20, max(fr.size-from, syncSize)))
	for pos := from; pos+syncSize <= fr.size; {
		n, err := fr.f.ReadAt(buf, pos)
		if err != nil && err != io.EOF {
			return -1, passed, err
		}
		chunk := buf[:n]
		for i := 0; ; {
			j := bytes.Index(chunk[i:], fr.s.sync[:])
			if j < 0 {
				break
			}
			q := pos + int64(i+j)
			if fr.headAt(&fr.s.sync, q) {
				return q, passed, nil
			}
			passed = append(passed, q)
			i += j + 1
		}
		if pos+int64(n) >= fr.size {
			break
		}
		pos += int64(n - (syncSize - 1)) // a sync value may straddle the chunks
	}
	return -1, passed, nil
}

// openSegment opens s for reading and learns its format from its header;
// the reader is past the header. ok is false for an empty file (created,
// then a crash before its header). A segment header that does not read is
// recovered from the first frame when that frame's header is sound.
func (l *Log) openSegment(s *segment) (*frameReader, bool, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, false, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, false, err
	}
	fr := &frameReader{f: f, s: s, size: info.Size()}
	var h [segHeadV2 + syncSize]byte
	n, _ := f.ReadAt(h[:], 0)
	first := func(sync []byte) bool { // a sound frame at the start, with this sync value
		var v [syncSize]byte
		copy(v[:], sync)
		return fr.headAt(&v, segHeadV2)
	}
	switch {
	case n == 0:
		_ = f.Close()
		return nil, false, nil
	case n >= int(segHeadV1) && string(h[:len(magicV1)]) == magicV1:
		s.v1, s.hdr = true, segHeadV1
	case n >= int(segHeadV2) && string(h[:len(magicV2)]) == magicV2 &&
		(fr.size == segHeadV2 || first(h[len(magicV2):segHeadV2]) || n < len(h) || !first(h[segHeadV2:])):
		s.hdr = segHeadV2
		copy(s.sync[:], h[len(magicV2):segHeadV2])
	case n == len(h) && first(h[segHeadV2:]):
		s.hdr = segHeadV2
		copy(s.sync[:], h[segHeadV2:])
		fr.recovered = true
	default:
		_ = f.Close()
		return nil, false, &badFrame{off: 0, reason: "bad segment header"}
	}
	fr.r = bufio.NewReaderSize(f, int(min(1<<20, max(fr.size, 4096))))
	if err := fr.seek(s.hdr); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	return fr, true, nil
}

// scan is Open's pass over one segment: it collects the markers, notes the
// damaged stretches and finds where the valid frames end. It reports false
// for a segment to leave out (empty, or not a segment: renamed to .corrupt).
func (l *Log) scan(s *segment) (bool, error) {
	fr, ok, err := l.openSegment(s)
	var bad *badFrame
	if errors.As(err, &bad) {
		l.stats.Corrupt++
		if rerr := os.Rename(s.path, s.path+".corrupt"); rerr != nil {
			l.log.Warn("write-ahead log: not a segment (bad header); skipped", "file", s.path, "error", rerr)
		} else {
			l.log.Warn("write-ahead log: not a segment (bad header); set aside", "file", s.path, "renamedTo", s.path+".corrupt")
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !ok {
		_ = os.Remove(s.path) // empty: created just before a crash
		return false, nil
	}
	defer fr.f.Close()
	l.stats.Segments++
	if fr.recovered {
		l.log.Warn("write-ahead log: damaged segment header; its frames are read with the sync value of its first frame", "file", s.path)
	}
	for {
		fh, body, _, err := fr.next()
		if err == io.EOF {
			break
		}
		if errors.As(err, &bad) {
			more, err := l.skipDamage(fr, bad)
			if err != nil {
				return false, err
			}
			if !more {
				break
			}
			continue
		}
		if err != nil {
			return false, err
		}
		switch fh.kind {
		case kindDone:
			for _, p := range decodeMarker(body) {
				l.done[p] = struct{}{}
				s.marks[p.Seg] = struct{}{}
			}
		case kindCopy:
			// A copy stands for its origin: the original is done.
			if p, _, ok := splitCopy(body); ok {
				l.done[p] = struct{}{}
				s.marks[p.Seg] = struct{}{}
			}
		}
	}
	s.end = fr.off
	return true, nil
}

// skipDamage notes the damaged stretch starting at bad and moves the reader
// past it, to the next sound frame; more is false when none is left.
func (l *Log) skipDamage(fr *frameReader, bad *badFrame) (more bool, err error) {
	s := fr.s
	d := damage{s: s, off: bad.off, head: bad.head, torn: bad.torn, reason: bad.reason}
	resume := int64(-1)
	switch {
	case bad.head != nil && !bad.torn:
		// The header is sound: the frame's length is known.
		resume = bad.off + headV2 + bad.head.n
	case bad.head == nil && !s.v1:
		d.starts = []int64{bad.off}
		var passed []int64
		if resume, passed, err = fr.resync(bad.off + 1); err != nil {
			return false, err
		}
		d.starts = append(d.starts, passed...)
	}
	l.stats.Corrupt++
	if resume >= 0 {
		d.end = resume
		d.torn = false
		if s.skip == nil {
			s.skip = map[int64]int64{}
		}
		s.skip[bad.off] = resume
		l.damage = append(l.damage, d)
		return true, fr.seek(resume)
	}
	d.end, d.tail = fr.size, true
	if !d.torn {
		d.torn, err = zeroes(fr.f, bad.off, fr.size)
		if err != nil {
			return false, err
		}
	}
	l.damage = append(l.damage, d)
	fr.off = bad.off
	return false, nil
}

// zeroes reports whether f holds only zero bytes from off to end: space
// the file system allocated but a crash kept from being written.
func zeroes(f *os.File, off, end int64) (bool, error) {
	buf := make([]byte, min(1<<20, end-off))
	for off < end {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		if n == 0 && err != nil {
			return false, err
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		off += int64(n)
	}
	return true, nil
}

// reportDamage logs each damaged stretch Open skipped with what it cost,
// now that the markers of every segment are known.
func (l *Log) reportDamage() {
	for _, d := range l.damage {
		notDone := func(off int64) bool {
			_, done := l.done[Pos{d.s.num, off}]
			return !done
		}
		var lost Loss
		switch {
		case d.head != nil && d.head.kind == kindDone:
			lost.Markers = 1
		case d.head != nil && d.head.kind == kindCopy:
			// If its original is still there, that is replayed instead.
			if notDone(d.off) && !l.originKept(d) {
				lost.Calls, lost.Records = 1, int(d.head.count)
			}
		case d.head != nil && notDone(d.off):
			lost.Calls, lost.Records = 1, int(d.head.count)
		case d.head == nil:
			for _, off := range d.starts {
				if notDone(off) {
					lost.Unreadable++
				}
			}
		}
		bytes := d.end - d.off
		if d.torn {
			l.stats.Loss.TornBytes += bytes
			args := []any{"file", d.s.path, "offset", d.off, "bytes", bytes, "reason", d.reason}
			if d.head != nil && d.head.kind != kindDone {
				args = append(args, "calls", 1, "records", d.head.count)
			}
			l.log.Warn("write-ahead log: torn frame at the end of a segment (a write cut short by a crash) skipped; when every append is synced its call was never acknowledged", args...)
			continue
		}
		l.stats.Loss.Bytes += bytes
		l.stats.Loss.Calls += lost.Calls
		l.stats.Loss.Records += lost.Records
		l.stats.Loss.Unreadable += lost.Unreadable
		l.stats.Loss.Markers += lost.Markers
		resumed := any(d.end)
		if d.tail {
			resumed = "end of segment"
		}
		l.log.Warn("write-ahead log: damaged frames skipped; acknowledged calls lost",
			"file", d.s.path, "offset", d.off, "bytes", bytes, "resumedAt", resumed, "reason", d.reason,
			"calls", lost.Calls, "records", lost.Records, "unreadableFrames", lost.Unreadable, "markers", lost.Markers)
	}
	l.damage = nil
}

// originKept reports whether the damaged copy d names, as far as its
// damaged body can be read, an original still in the log and not done.
func (l *Log) originKept(d damage) bool {
	var b [2 * binary.MaxVarintLen64]byte
	f, err := os.Open(d.s.path)
	if err != nil {
		return false
	}
	n, _ := f.ReadAt(b[:min(int64(len(b)), d.head.n)], d.off+headV2)
	_ = f.Close()
	p, _, ok := splitCopy(b[:n])
	s := l.segs[p.Seg]
	if _, done := l.done[p]; !ok || s == nil || done {
		return false
	}
	if f, err = os.Open(s.path); err != nil {
		return false
	}
	defer f.Close()
	h := make([]byte, s.headSize())
	if _, err := f.ReadAt(h, p.Off); err != nil {
		return false
	}
	var fh frameHead
	if s.v1 {
		fh, ok = parseHeadV1(h)
	} else {
		fh, ok = parseHead(&s.sync, h)
	}
	return ok && (fh.kind == kindData || fh.kind == kindCopy)
}

// Replay calls fn for every data frame not yet done, oldest first, with
// its position and payload (valid only during the call). fn returns true to
// keep the frame: the caller will call Done with its position once it is
// delivered. A frame it does not keep holds nothing (its segment is deleted
// when the rest is done) but is offered again while its segment exists.
// Done may be called while Replay runs. The stats include what Open found.
func (l *Log) Replay(fn func(pos Pos, payload []byte) bool) (Stats, error) {
	l.mu.Lock()
	old := l.old
	l.old = nil
	l.mu.Unlock()
	var rerr error
	for _, s := range old {
		if err := l.replay(s, fn); err != nil {
			rerr = errors.Join(rerr, fmt.Errorf("replaying %s: %w", s.path, err))
		}
	}
	l.mu.Lock()
	// A segment's markers keep it as long as the segments they mark exist.
	for _, s := range old {
		for n := range s.marks {
			if _, ok := l.segs[n]; ok && n != s.num {
				s.deps[n] = struct{}{}
			}
		}
		s.marks = nil
		s.skip = nil
	}
	l.done = nil
	l.replaying = false
	stats := l.stats
	remove := l.sweepLocked()
	l.mu.Unlock()
	l.remove(remove)
	return stats, rerr
}

func (l *Log) replay(s *segment, fn func(Pos, []byte) bool) error {
	fr, ok, err := l.openSegment(s)
	if err != nil || !ok {
		return err
	}
	defer fr.f.Close()
	for fr.off < s.end {
		if to, ok := s.skip[fr.off]; ok {
			if err := fr.seek(to); err != nil {
				return err
			}
			continue
		}
		fh, body, off, err := fr.next()
		if err != nil {
			return err // the file changed since Open
		}
		size := s.headSize() + int64(len(body))
		switch fh.kind {
		case kindData:
		case kindCopy:
			var ok bool
			if _, body, ok = splitCopy(body); !ok {
				continue
			}
		default:
			continue
		}
		pos := Pos{s.num, off}
		if _, done := l.done[pos]; done {
			l.stats.Done++
			continue
		}
		l.mu.Lock()
		// Live before fn: a Done may come before fn returns.
		s.add(off, liveFrame{size: size, key: pos})
		l.mu.Unlock()
		keep := fn(pos, body)
		l.mu.Lock()
		if keep {
			l.stats.Frames++
		} else {
			s.remove(off)
			l.stats.Skipped++
		}
		l.mu.Unlock()
	}
	return nil
}
