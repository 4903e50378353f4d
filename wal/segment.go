package wal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/internal/fsutil"
)

// liveFrame is a data frame not yet done: its size on disk (header
// included) and the position its caller knows it by (where Append or
// Replay put it; it differs once compaction has moved it).
type liveFrame struct {
	size int64
	key  Pos
}

type segment struct {
	num    uint64
	path   string
	v1     bool                // the first format: read, never written
	sync   [syncSize]byte      // the value each frame starts with (format 2)
	hdr    int64               // the segment header's size
	frames map[int64]liveFrame // data frames not yet done, by offset
	live   int64               // their bytes
	deps   map[uint64]struct{} // other segments holding frames this one's markers mark done
	end    int64               // from Open: bytes up to the last valid frame; set when no longer written

	marks map[uint64]struct{} // from Open until Replay: segments this one's markers refer to
	skip  map[int64]int64     // from Open: damaged stretches, their start -> where reading resumes
}

func newSegment(num uint64, path string) *segment {
	return &segment{num: num, path: path, frames: map[int64]liveFrame{}, deps: map[uint64]struct{}{}}
}

func (s *segment) add(off int64, f liveFrame) {
	s.frames[off] = f
	s.live += f.size
}

func (s *segment) remove(off int64) (liveFrame, bool) {
	f, ok := s.frames[off]
	if ok {
		delete(s.frames, off)
		s.live -= f.size
	}
	return f, ok
}

func (s *segment) headSize() int64 {
	if s.v1 {
		return headV1
	}
	return headV2
}

func (l *Log) path(n uint64) string {
	return filepath.Join(l.opts.Dir, fmt.Sprintf("%020d%s", n, segSuffix))
}

// list returns the segment numbers in the directory, ascending.
func (l *Log) list() ([]uint64, error) {
	entries, err := os.ReadDir(l.opts.Dir)
	if err != nil {
		return nil, err
	}
	var nums []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segSuffix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(name, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums, nil
}

// write writes b to f, unless the test hook fails it first.
func (l *Log) write(f *os.File, b []byte) error {
	if l.opts.failWrite != nil {
		if err := l.opts.failWrite(); err != nil {
			return &os.PathError{Op: "write", Path: f.Name(), Err: err}
		}
	}
	_, err := f.Write(b)
	return err
}

// createLocked creates the next segment, its header on disk.
func (l *Log) createLocked() (*segment, *os.File, error) {
	n := l.next
	s := newSegment(n, l.path(n))
	s.hdr = segHeadV2
	if _, err := rand.Read(s.sync[:]); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	err = l.write(f, append([]byte(magicV2), s.sync[:]...))
	if err == nil {
		err = fdatasync(f)
	}
	if err == nil {
		err = fsutil.SyncDir(l.opts.Dir)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(s.path)
		return nil, nil, err
	}
	l.next = n + 1
	l.segs[n] = s
	return s, f, nil
}

// writeLocked appends b to the active segment. A failed write is cut back
// off the file, so that later frames stay readable.
func (l *Log) writeLocked(b []byte) error {
	if err := l.write(l.f, b); err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.err = fmt.Errorf("wal: write failed (%v) and could not be undone: %w", err, terr)
			l.cond.Broadcast()
		}
		return fmt.Errorf("wal: %w", err)
	}
	l.size += int64(len(b))
	l.dirty = true
	l.armLocked()
	return nil
}

// armLocked schedules a background sync within SyncInterval, for whatever
// no append waits for (interval policy, markers).
func (l *Log) armLocked() {
	if !l.armed {
		l.armed = true
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

// waitDurableLocked returns once every write of generation gen is on disk.
// The first waiter syncs for everyone (group commit): writes made while it
// syncs belong to the next generation, which the next waiter syncs.
func (l *Log) waitDurableLocked(gen uint64) error {
	for l.synced < gen && l.err == nil {
		if l.syncing {
			l.cond.Wait()
			continue
		}
		g := l.gen
		l.gen++
		l.dirty = false
		if l.f == nil { // nothing written yet
			l.synced = g
			break
		}
		l.syncing = true
		f := l.f
		l.mu.Unlock()
		err := fdatasync(f)
		l.mu.Lock()
		l.syncing = false
		if err != nil {
			l.err = fmt.Errorf("wal: sync failed: %w", err)
		} else {
			l.synced = g
		}
		l.cond.Broadcast()
	}
	if l.synced >= gen {
		return nil
	}
	return l.err
}

// rotateLocked starts the active segment if there is none, or a new one
// when a frame of n bytes would take the active one past SegmentSize.
func (l *Log) rotateLocked(n int64) error {
	if l.active == nil {
		s, f, err := l.createLocked()
		if err != nil {
			return fmt.Errorf("wal: starting a segment: %w", err)
		}
		l.active, l.f, l.size = s, f, s.hdr
		return nil
	}
	full := func() bool { return l.size > l.active.hdr && l.size+n > l.opts.SegmentSize }
	if !full() {
		return nil
	}
	for l.syncing {
		l.cond.Wait()
	}
	if !full() || l.closed {
		return nil // another append rotated while we waited
	}
	if l.err != nil {
		return l.err
	}
	if l.dirty {
		if err := fdatasync(l.f); err != nil {
			l.err = fmt.Errorf("wal: sync failed: %w", err)
			l.cond.Broadcast()
			return l.err
		}
	}
	l.synced = l.gen
	l.gen++
	l.dirty = false
	l.cond.Broadcast()
	old, oldF, oldSize := l.active, l.f, l.size
	s, f, err := l.createLocked()
	if err != nil {
		return fmt.Errorf("wal: starting a segment: %w", err)
	}
	l.active, l.f, l.size = s, f, s.hdr
	_ = oldF.Close()
	old.end = oldSize
	l.signal() // the old segment may go, or another be compacted
	return nil
}

func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run syncs what was written within SyncInterval, and deletes what Done
// made deletable. An idle log schedules nothing.
func (l *Log) run() {
	defer close(l.stopped)
	var tick <-chan time.Time
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
			if tick == nil {
				tick = time.After(l.opts.SyncInterval)
			}
		case <-tick:
			tick = nil
			l.mu.Lock()
			l.armed = false
			if l.dirty && l.err == nil {
				_ = l.waitDurableLocked(l.gen)
			}
			var cold *os.File
			if l.coldDirty && l.err == nil {
				cold, l.coldDirty = l.coldF, false
			}
			l.mu.Unlock()
			if cold != nil {
				l.syncCold(cold)
			}
		case <-l.wake:
			l.maintain()
		}
	}
}

// maintain deletes the segments that are no longer needed, compacts, and
// truncates the active segment if everything in it is done. A segment's
// file goes only once no segment still kept depends on it, and before the
// truncation: a segment's markers must never disappear while the frames
// they mark are still on disk.
func (l *Log) maintain() {
	l.mu.Lock()
	remove := l.sweepLocked()
	l.mu.Unlock()
	l.remove(remove)

	emptied, more := l.compactSegments()
	if emptied {
		l.mu.Lock()
		remove = l.sweepLocked()
		l.mu.Unlock()
		l.remove(remove)
	}
	if more {
		l.signal() // the rest next time round, after whatever else waits
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.cold; c != nil && len(c.frames) == 0 && len(c.deps) == 0 && l.err == nil {
		// Every copy in it is done: close it, for the sweep to delete.
		l.sealColdLocked(false)
		remove := l.sweepLocked()
		l.mu.Unlock()
		l.remove(remove)
		l.mu.Lock()
	}
	drained := func() bool {
		a := l.active
		return a != nil && !l.replaying && !l.closed && len(a.frames) == 0 && len(a.deps) == 0 && l.size > a.hdr && l.err == nil
	}
	if !drained() {
		return
	}
	for l.syncing {
		l.cond.Wait()
	}
	if !drained() {
		return
	}
	if err := l.f.Truncate(l.active.hdr); err != nil {
		l.log.Warn("write-ahead log: truncating the active segment", "error", err)
		return
	}
	l.size = l.active.hdr
	l.dirty = true
	_ = l.waitDurableLocked(l.gen)
}

// sweepLocked forgets every segment but the active and compaction ones
// whose frames are all done and on which no segment still kept depends
// (its markers concern no segment still kept). It returns their files in
// an order safe to remove them in: a segment after those its markers
// concern. After a failed sync it keeps everything.
func (l *Log) sweepLocked() []string {
	if l.replaying || l.err != nil {
		return nil
	}
	var out []string
	for {
		var nums []uint64
		for n, s := range l.segs {
			if s != l.active && s != l.cold && len(s.frames) == 0 && len(s.deps) == 0 {
				nums = append(nums, n)
			}
		}
		if len(nums) == 0 {
			return out
		}
		slices.Sort(nums)
		for _, n := range nums {
			out = append(out, l.segs[n].path)
			delete(l.segs, n)
			for _, t := range l.segs {
				delete(t.deps, n)
			}
		}
	}
}

func (l *Log) remove(paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Warn("write-ahead log: removing a delivered segment", "file", p, "error", err)
		}
	}
	if len(paths) > 0 {
		_ = fsutil.SyncDir(l.opts.Dir)
	}
}
