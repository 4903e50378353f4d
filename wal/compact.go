package wal

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"
)

// CompactStats count what compaction did since Open.
type CompactStats struct {
	Segments int   // segments emptied by copying their live frames
	Frames   int   // frames copied
	Bytes    int64 // bytes copied
	// Appended is the bytes of data frames Append wrote: compaction copies
	// at most CompactRatio times this, plus a segment.
	Appended int64
}

// writeColdMarkerLocked writes a marker about frames of the compaction
// segment to that segment (not waited for; the run goroutine syncs it).
func (l *Log) writeColdMarkerLocked(pos []Pos) {
	fp := markerFrame(pos)
	defer release(fp)
	if _, err := l.writeColdLocked(*fp); err == nil {
		l.coldDirty = true
		l.armLocked()
	}
}

// writeColdLocked appends b to the compaction segment, setting its sync
// value; a failed write is cut back off the file.
func (l *Log) writeColdLocked(b []byte) (int64, error) {
	setSync(b, l.cold)
	off := l.coldSize
	if err := l.write(l.coldF, b); err != nil {
		if terr := l.coldF.Truncate(off); terr != nil {
			l.err = fmt.Errorf("wal: write failed (%v) and could not be undone: %w", err, terr)
			l.cond.Broadcast()
		}
		return 0, fmt.Errorf("wal: %w", err)
	}
	l.coldSize += int64(len(b))
	return off, nil
}

// coldRoomLocked makes sure the compaction segment exists and has room for
// n more bytes, starting a new one (the full one synced and closed) if
// needed. Only the run goroutine calls it.
func (l *Log) coldRoomLocked(n int64) error {
	if l.cold != nil && (l.coldSize == l.cold.hdr || l.coldSize+n <= l.opts.SegmentSize) {
		return nil
	}
	if l.cold != nil {
		l.sealColdLocked(true)
		if l.err != nil {
			return l.err
		}
	}
	s, f, err := l.createLocked()
	if err != nil {
		return fmt.Errorf("wal: starting a compaction segment: %w", err)
	}
	l.cold, l.coldF, l.coldSize = s, f, s.hdr
	return nil
}

// sealColdLocked closes the compaction segment, synced first if sync: it
// is a segment like the others from now on.
func (l *Log) sealColdLocked(sync bool) {
	if sync {
		if err := fdatasync(l.coldF); err != nil && l.err == nil {
			l.err = fmt.Errorf("wal: sync failed: %w", err)
			l.cond.Broadcast()
		}
	}
	_ = l.coldF.Close()
	l.cold.end = l.coldSize
	l.cold, l.coldF, l.coldDirty = nil, nil, false
}

// syncCold syncs the compaction segment's file; only the run goroutine
// closes it, so it does so without the lock.
func (l *Log) syncCold(f *os.File) error {
	err := fdatasync(f)
	if err != nil {
		l.mu.Lock()
		if l.err == nil {
			l.err = fmt.Errorf("wal: sync failed: %w", err)
			l.cond.Broadcast()
		}
		err = l.err
		l.mu.Unlock()
	}
	return err
}

// compactSegments copies the live frames of segments at most half live,
// and of the oldest live segment other segments depend on, to the
// compaction segment, when more than CompactAfter segments besides the
// active one are kept: oldest first, at most about a segment's worth of
// frames per call, and at most CompactRatio bytes per byte appended since
// Open, plus a segment. It reports whether any segment was emptied, and
// whether more was to copy than one call copies.
func (l *Log) compactSegments() (emptied, more bool) {
	type todo struct {
		s      *segment
		offs   []int64
		frames map[int64]liveFrame
	}
	l.mu.Lock()
	if l.replaying || l.closed || l.err != nil || l.opts.CompactAfter < 0 {
		l.mu.Unlock()
		return false, false
	}
	var kept []*segment
	for _, s := range l.segs {
		if s != l.active && s != l.cold {
			kept = append(kept, s)
		}
	}
	if len(kept) <= l.opts.CompactAfter {
		l.mu.Unlock()
		return false, false
	}
	budget := int64(l.opts.CompactRatio*float64(l.appended)) + l.opts.SegmentSize - l.compact.Bytes
	pinned := map[uint64]bool{}
	for _, t := range l.segs {
		for n := range t.deps {
			pinned[n] = true
		}
	}
	slices.SortFunc(kept, func(a, b *segment) int { return cmp.Compare(a.num, b.num) })
	var work []todo
	var spent int64
	root := true
	for _, s := range kept {
		if s.live == 0 {
			continue
		}
		// The oldest segment others depend on is copied whatever its live
		// share: the segments holding markers about its frames cannot go
		// before it, nor those holding markers about theirs, and so on.
		// Another is copied only if at most half of it is live — half of
		// a whole segment, so that segments cut short (by a frame that did
		// not fit) are gathered too, and the files stay few.
		isRoot := root && pinned[s.num]
		if pinned[s.num] {
			root = false
		}
		if !isRoot && 2*s.live > max(s.end-s.hdr, l.opts.SegmentSize) {
			continue
		}
		if spent+s.live > budget {
			break // until more is appended
		}
		if spent > 0 && spent+s.live > l.opts.SegmentSize {
			more = true
			break
		}
		spent += s.live
		t := todo{s: s, frames: maps.Clone(s.frames)}
		t.offs = slices.Sorted(maps.Keys(t.frames))
		work = append(work, t)
	}
	l.mu.Unlock()

	for _, t := range work {
		// A kept segment other than the active one is never written again,
		// so its frames are read without the lock.
		raw, err := readFrames(t.s, t.offs, t.frames)
		if err != nil {
			l.log.Warn("write-ahead log: compaction could not read a segment; it is kept as it is", "file", t.s.path, "error", err)
			continue
		}
		if l.moveFrames(t.s, t.offs, raw) {
			emptied = true
		}
	}
	return emptied, more
}

// rawFrame is a data frame read back: its record count and payload.
type rawFrame struct {
	count   uint32
	payload []byte
}

// readFrames reads the data frames (or copies) at offs of s, each checked
// against its checksums.
func readFrames(s *segment, offs []int64, frames map[int64]liveFrame) ([]rawFrame, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hs := s.headSize()
	out := make([]rawFrame, len(offs))
	for i, off := range offs {
		b := make([]byte, frames[off].size)
		if _, err := f.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("frame at offset %d: %w", off, err)
		}
		var fh frameHead
		var ok bool
		if s.v1 {
			fh, ok = parseHeadV1(b)
		} else {
			fh, ok = parseHead(&s.sync, b)
		}
		if !ok || fh.kind == kindDone || hs+fh.n != int64(len(b)) || !fh.bodyOK(s.v1, b[hs:]) {
			return nil, fmt.Errorf("frame at offset %d: not the data frame written there", off)
		}
		payload := b[hs:]
		if fh.kind == kindCopy {
			if _, payload, ok = splitCopy(payload); !ok {
				return nil, fmt.Errorf("frame at offset %d: a malformed copy", off)
			}
		}
		out[i] = rawFrame{count: fh.count, payload: payload}
	}
	return out, nil
}

// moveFrames appends copies of the frames raw, read from s at offs, to the
// compaction segment (those still live), and points Done at the copies.
// Each copy names the frame it stands for: once it is in the log, a
// restart replays the copy and not the original, and a copy torn by a
// crash leaves the original replayed, so each frame comes back once either
// way. It returns once the copies are on disk, and reports whether s is
// left without live frames. Only the run goroutine calls it, and only it
// deletes segments: s stays until this returns.
func (l *Log) moveFrames(s *segment, offs []int64, raw []rawFrame) bool {
	l.mu.Lock()
	if l.closed || l.err != nil || l.segs[s.num] != s {
		l.mu.Unlock()
		return false
	}
	var moved int
	var bytes int64
	var prefix [2 * binary.MaxVarintLen64]byte
	for i, off := range offs {
		f, ok := s.frames[off]
		if !ok {
			continue // done since it was read
		}
		origin := binary.AppendUvarint(binary.AppendUvarint(prefix[:0], s.num), uint64(off))
		fp := copyFrame(kindCopy, raw[i].count, origin, raw[i].payload)
		n := int64(len(*fp))
		if err := l.coldRoomLocked(n); err != nil {
			release(fp)
			break
		}
		to, err := l.writeColdLocked(*fp)
		release(fp)
		if err != nil {
			break
		}
		// The copy marks the original done: the compaction segment must
		// outlive s.
		l.cold.deps[s.num] = struct{}{}
		l.cold.add(to, liveFrame{size: n, key: f.key})
		s.remove(off)
		l.moved[f.key] = Pos{l.cold.num, to}
		moved++
		bytes += n
	}
	if moved == 0 {
		l.mu.Unlock()
		return false
	}
	l.compact.Frames += moved
	l.compact.Bytes += bytes
	cf := l.coldF // a compaction segment sealed meanwhile was synced then
	l.mu.Unlock()
	if l.syncCold(cf) != nil {
		return false // the sticky error stops the log; nothing is deleted
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(s.frames) > 0 {
		return false
	}
	l.compact.Segments++
	l.log.Info("write-ahead log: segment compacted", "file", s.path, "framesCopied", moved, "bytesCopied", bytes)
	return true
}

// Compacted returns what compaction has done since Open.
func (l *Log) Compacted() CompactStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.compact
	c.Appended = l.appended
	return c
}
