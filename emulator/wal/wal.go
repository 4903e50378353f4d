// Package wal is firehose-local's write-ahead log. A record acknowledged to
// a producer is in the log, on disk, before the acknowledgement goes out;
// it stays there until the caller says its delivery is done, and a restart
// hands every frame not yet done back to the caller.
//
// The log is a directory of segment files, NNNNNNNNNNNNNNNNNNNN.wal, each an
// 8-byte header followed by frames:
//
//	[length n: 4 bytes, little endian][CRC-32C of the n bytes: 4 bytes][kind: 1 byte][body: n-1 bytes]
//
// A data frame's body is the caller's payload. A done frame (a marker) lists
// the positions of data frames whose delivery is done; markers are written
// without waiting for the disk, since losing one only means a frame is
// delivered again.
//
// Appends go to the newest (active) segment, which is rotated at
// SegmentSize. With the SyncAlways policy Append returns once its frame is
// on disk: concurrent appends share one fdatasync (group commit), the first
// waiter syncing for everyone who wrote before it started. With
// SyncInterval Append returns once its frame is written to the operating
// system (so it survives the process being killed), and a background
// goroutine syncs every SyncInterval.
//
// A segment is deleted once every data frame in it is done and no newer
// segment holds markers about its frames (which would otherwise be replayed);
// the active segment is truncated back to its header instead.
//
// Compaction keeps one slow caller (a stream whose deliveries keep failing)
// from pinning every segment written since its records came: when more than
// Options.CompactAfter segments besides the active one are kept, the oldest
// one with live frames, and any other at most half of which is still live,
// have their live frames copied to the active segment, followed by a marker
// saying the originals are done; once that is on disk they go, and with them
// the newer segments kept only for their markers about them. The caller keeps the position
// Append gave it: Done follows the frame to where it was copied. A torn or
// corrupt frame (a crash mid-write) ends the reading of its segment with a
// warning; the log still opens.
package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/internal/fsutil"
)

// Policy says when Append returns.
type Policy string

const (
	// SyncAlways: after the frame is on disk (fdatasync), shared by
	// concurrent appends.
	SyncAlways Policy = "always"
	// SyncInterval: after the frame is written to the operating system;
	// the disk is synced every Options.SyncInterval.
	SyncInterval Policy = "interval"
)

// Defaults.
const (
	DefaultSyncInterval = 100 * time.Millisecond
	DefaultSegmentSize  = 64 << 20
	DefaultCompactAfter = 4
	// MaxPayload bounds a data frame's payload.
	MaxPayload = 16 << 20
)

const (
	header      = "FHLWAL1\n"
	headerSize  = int64(len(header))
	frameHeader = 9 // length, CRC, kind
	kindData    = 1
	kindDone    = 2
	segSuffix   = ".wal"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: closed")

// Options configure a Log.
type Options struct {
	Dir          string
	Sync         Policy        // default SyncAlways
	SyncInterval time.Duration // default 100 ms; under SyncAlways, markers are synced within it too
	SegmentSize  int64         // default 64 MiB
	// CompactAfter is how many segments besides the active one may be kept
	// before mostly delivered ones are compacted (default 4; negative: never).
	CompactAfter int
	Logger       *slog.Logger // default: discard
}

// Pos is a data frame's position: its segment and byte offset.
type Pos struct {
	Seg uint64
	Off int64
}

// Stats describe what Replay found.
type Stats struct {
	Segments  int // segment files read
	Frames    int // data frames handed to the caller and kept
	Skipped   int // data frames the caller did not keep
	Done      int // data frames already marked done
	Corrupt   int // segments whose reading stopped at a torn or corrupt frame
	Truncated int64
}

// CompactStats count what compaction did since Open.
type CompactStats struct {
	Segments int   // segments emptied by copying their live frames
	Frames   int   // frames copied
	Bytes    int64 // bytes copied
}

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
	frames map[int64]liveFrame // data frames not yet done, by offset
	deps   map[uint64]struct{} // older segments holding frames this one's markers mark done
	end    int64               // from Open: bytes up to the last valid frame; set at rotation

	marks map[uint64]struct{} // from Open until Replay: segments this one's markers refer to
}

// Log is an open write-ahead log. Its methods are safe for concurrent use.
type Log struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	segs    map[uint64]*segment
	active  *segment
	f       *os.File
	size    int64  // bytes in the active segment
	gen     uint64 // generation of writes not yet covered by a started sync
	synced  uint64 // every generation up to this one is on disk
	dirty   bool   // writes since the last started sync
	syncing bool
	err     error // sticky: a failed sync
	closed  bool

	replaying bool
	old       []*segment       // from Open until Replay, in order
	done      map[Pos]struct{} // from Open until Replay: frames marked done
	stats     Stats

	moved   map[Pos]Pos // caller's position -> where compaction copied the frame
	compact CompactStats

	armed   bool          // a background sync is scheduled
	kick    chan struct{} // schedules one
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// Open opens (creating it if needed) the log in opts.Dir and reads what is
// there. Call Replay next, once, before relying on deletions.
func Open(opts Options) (*Log, error) {
	if opts.Sync == "" {
		opts.Sync = SyncAlways
	}
	if opts.Sync != SyncAlways && opts.Sync != SyncInterval {
		return nil, fmt.Errorf("wal: unknown sync policy %q", opts.Sync)
	}
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.CompactAfter == 0 {
		opts.CompactAfter = DefaultCompactAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	l := &Log{
		opts: opts, log: opts.Logger,
		segs: map[uint64]*segment{}, done: map[Pos]struct{}{}, moved: map[Pos]Pos{},
		gen: 1, replaying: true,
		kick: make(chan struct{}, 1), wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	l.cond = sync.NewCond(&l.mu)
	nums, err := l.list()
	if err != nil {
		return nil, err
	}
	var next uint64 = 1
	for _, n := range nums {
		s := &segment{num: n, path: l.path(n), frames: map[int64]liveFrame{}, deps: map[uint64]struct{}{}, marks: map[uint64]struct{}{}}
		ok, err := l.scan(s)
		if err != nil {
			return nil, err
		}
		next = n + 1
		if ok {
			l.segs[n] = s
			l.old = append(l.old, s)
		}
	}
	if err := l.create(next); err != nil {
		return nil, err
	}
	go l.run()
	return l, nil
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

// create starts segment n as the active one, its header on disk.
func (l *Log) create(n uint64) error {
	path := l.path(n)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(header)
	if err == nil {
		err = fdatasync(f)
	}
	if err == nil {
		err = fsutil.SyncDir(l.opts.Dir)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	s := &segment{num: n, path: path, frames: map[int64]liveFrame{}, deps: map[uint64]struct{}{}}
	l.segs[n] = s
	l.active, l.f, l.size = s, f, headerSize
	return nil
}

// errBadFrame ends the reading of a segment.
type errBadFrame struct {
	off    int64
	reason string
}

func (e *errBadFrame) Error() string { return fmt.Sprintf("%s at offset %d", e.reason, e.off) }

// frameReader reads the frames of one segment.
type frameReader struct {
	r   *bufio.Reader
	off int64
	buf []byte
}

// next returns the next frame's kind, body (valid until the next call) and
// offset; io.EOF at a clean end, *errBadFrame at a torn or corrupt one.
func (fr *frameReader) next() (byte, []byte, int64, error) {
	var h [frameHeader]byte
	off := fr.off
	n, err := io.ReadFull(fr.r, h[:])
	if err == io.EOF {
		return 0, nil, off, io.EOF
	}
	if err != nil {
		return 0, nil, off, &errBadFrame{off, fmt.Sprintf("torn frame header (%d of %d bytes)", n, frameHeader)}
	}
	size := binary.LittleEndian.Uint32(h[0:4])
	if size == 0 || size > MaxPayload+1 {
		return 0, nil, off, &errBadFrame{off, fmt.Sprintf("bad frame length %d", size)}
	}
	if cap(fr.buf) < int(size) {
		fr.buf = make([]byte, size)
	}
	b := fr.buf[:size]
	b[0] = h[8]
	if n, err := io.ReadFull(fr.r, b[1:]); err != nil {
		return 0, nil, off, &errBadFrame{off, fmt.Sprintf("torn frame (%d of %d bytes)", frameHeader+n, frameHeader+int(size)-1)}
	}
	if crc32.Checksum(b, crcTable) != binary.LittleEndian.Uint32(h[4:8]) {
		return 0, nil, off, &errBadFrame{off, "checksum mismatch"}
	}
	if b[0] != kindData && b[0] != kindDone {
		return 0, nil, off, &errBadFrame{off, fmt.Sprintf("unknown frame kind %d", b[0])}
	}
	fr.off += int64(frameHeader) + int64(size) - 1
	return b[0], b[1:], off, nil
}

// open opens a segment for reading, past its header. ok is false for an
// empty file or one that is not a segment.
func (l *Log) open(s *segment) (*os.File, *frameReader, bool, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, nil, false, err
	}
	fr := &frameReader{r: bufio.NewReaderSize(f, 1<<20), off: headerSize}
	var h [headerSize]byte
	n, err := io.ReadFull(fr.r, h[:])
	if n == 0 && err == io.EOF {
		_ = f.Close()
		return nil, nil, false, nil // created, then a crash before its header
	}
	if err != nil || string(h[:]) != header {
		_ = f.Close()
		return nil, nil, false, &errBadFrame{0, "bad segment header"}
	}
	return f, fr, true, nil
}

// scan is Open's pass over one segment: it collects the markers and finds
// where the valid frames end. It reports false for a segment to leave out
// (empty, or not a segment: renamed to .corrupt).
func (l *Log) scan(s *segment) (bool, error) {
	f, fr, ok, err := l.open(s)
	var bad *errBadFrame
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
	defer f.Close()
	l.stats.Segments++
	for {
		kind, body, _, err := fr.next()
		if err == io.EOF {
			break
		}
		if errors.As(err, &bad) {
			size := bad.off
			if info, serr := f.Stat(); serr == nil {
				size = info.Size()
			}
			l.stats.Corrupt++
			l.stats.Truncated += size - bad.off
			l.log.Warn("write-ahead log: torn or corrupt frame (a crash mid-write?); the rest of the segment is skipped",
				"file", s.path, "offset", bad.off, "reason", bad.reason, "bytesSkipped", size-bad.off)
			break
		}
		if err != nil {
			return false, err
		}
		if kind == kindDone {
			for _, p := range decodeMarker(body) {
				l.done[p] = struct{}{}
				s.marks[p.Seg] = struct{}{}
			}
		}
	}
	s.end = fr.off
	return true, nil
}

// Replay calls fn for every data frame not yet done, oldest first, with
// its position and payload (valid only during the call). fn returns true to
// keep the frame: the caller will call Done with its position once it is
// delivered. A frame it does not keep holds nothing (its segment is deleted
// when the rest is done) but is offered again while its segment exists.
// Done may be called while Replay runs.
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
	f, fr, ok, err := l.open(s)
	if err != nil || !ok {
		return err
	}
	defer f.Close()
	for fr.off < s.end {
		kind, body, off, err := fr.next()
		if err != nil {
			return err // the file changed since Open
		}
		if kind != kindData {
			continue
		}
		pos := Pos{s.num, off}
		if _, done := l.done[pos]; done {
			l.stats.Done++
			continue
		}
		l.mu.Lock()
		// Live before fn: a Done may come before fn returns.
		s.frames[off] = liveFrame{size: frameHeader + int64(len(body)), key: pos}
		l.mu.Unlock()
		keep := fn(pos, body)
		l.mu.Lock()
		if keep {
			l.stats.Frames++
		} else {
			delete(s.frames, off)
			l.stats.Skipped++
		}
		l.mu.Unlock()
	}
	return nil
}

// frames is a pool of frame buffers.
var frames = sync.Pool{New: func() any { return new([]byte) }}

// frame builds [length][crc][kind][body] in a pooled buffer.
func frame(kind byte, body []byte) *[]byte {
	bp := frames.Get().(*[]byte)
	b := append((*bp)[:0], 0, 0, 0, 0, 0, 0, 0, 0, kind)
	b = append(b, body...)
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)-8))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(b[8:], crcTable))
	*bp = b
	return bp
}

func release(bp *[]byte) {
	if cap(*bp) <= 8<<20 {
		frames.Put(bp)
	}
}

// Append writes a data frame and returns its position, once it is durable
// as the policy says. The caller must call Done with the position when the
// frame's delivery is done.
func (l *Log) Append(payload []byte) (Pos, error) {
	if len(payload) > MaxPayload {
		return Pos{}, fmt.Errorf("wal: payload of %d bytes exceeds %d", len(payload), MaxPayload)
	}
	bp := frame(kindData, payload)
	defer release(bp)
	b := *bp
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Pos{}, ErrClosed
	}
	if l.err != nil {
		return Pos{}, l.err
	}
	if err := l.rotateLocked(int64(len(b))); err != nil {
		return Pos{}, err
	}
	pos := Pos{l.active.num, l.size}
	if err := l.writeLocked(b); err != nil {
		return Pos{}, err
	}
	seg := l.active
	seg.frames[pos.Off] = liveFrame{size: int64(len(b)), key: pos}
	if l.opts.Sync == SyncAlways {
		if err := l.waitDurableLocked(l.gen); err != nil {
			delete(seg.frames, pos.Off)
			return Pos{}, err
		}
	}
	return pos, nil
}

// writeLocked appends b to the active segment. A failed write is cut back
// off the file, so that later frames stay readable.
func (l *Log) writeLocked(b []byte) error {
	if _, err := l.f.Write(b); err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.err = fmt.Errorf("wal: write failed (%v) and could not be undone: %w", err, terr)
			l.cond.Broadcast()
		}
		return fmt.Errorf("wal: %w", err)
	}
	l.size += int64(len(b))
	l.dirty = true
	if !l.armed {
		// Whatever no append waits for (interval policy, markers) is
		// synced within SyncInterval.
		l.armed = true
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return nil
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

// rotateLocked starts a new segment when a frame of n bytes would take the
// active one past SegmentSize.
func (l *Log) rotateLocked(n int64) error {
	full := func() bool { return l.size > headerSize && l.size+n > l.opts.SegmentSize }
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
	if err := l.create(old.num + 1); err != nil {
		l.active, l.f, l.size = old, oldF, oldSize
		return fmt.Errorf("wal: starting a segment: %w", err)
	}
	_ = oldF.Close()
	old.end = oldSize
	l.signal() // the old segment may go, or another be compacted
	return nil
}

// Done marks data frames delivered: a marker is written (not waited for),
// and segments whose frames are all done are deleted in the background.
// pos are the positions Append or Replay gave, wherever compaction has
// moved the frames since.
func (l *Log) Done(pos ...Pos) {
	if len(pos) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	var buf [16]Pos
	cur := buf[:0]
	for _, p := range pos {
		if to, ok := l.moved[p]; ok {
			delete(l.moved, p)
			p = to
		}
		cur = append(cur, p)
	}
	wrote := false
	if l.err == nil {
		wrote = l.writeMarkerLocked(cur) == nil
	}
	drained := false
	for _, p := range cur {
		s := l.segs[p.Seg]
		if s == nil {
			continue
		}
		if _, ok := s.frames[p.Off]; !ok {
			continue
		}
		delete(s.frames, p.Off)
		if s != l.active && wrote {
			l.active.deps[s.num] = struct{}{}
		}
		if len(s.frames) == 0 {
			drained = true
		}
	}
	if drained {
		l.signal()
	}
}

// writeMarkerLocked writes a marker saying the frames at pos are done.
func (l *Log) writeMarkerLocked(pos []Pos) error {
	bp := frames.Get().(*[]byte)
	body := encodeMarker((*bp)[:0], pos)
	*bp = body
	fp := frame(kindDone, body)
	release(bp)
	defer release(fp)
	_ = l.rotateLocked(int64(len(*fp)))
	return l.writeLocked(*fp)
}

func encodeMarker(b []byte, pos []Pos) []byte {
	b = binary.AppendUvarint(b, uint64(len(pos)))
	for _, p := range pos {
		b = binary.AppendUvarint(b, p.Seg)
		b = binary.AppendUvarint(b, uint64(p.Off))
	}
	return b
}

func decodeMarker(b []byte) []Pos {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil
	}
	b = b[k:]
	out := make([]Pos, 0, n)
	for range n {
		seg, k := binary.Uvarint(b)
		if k <= 0 {
			return out
		}
		b = b[k:]
		off, k := binary.Uvarint(b)
		if k <= 0 {
			return out
		}
		b = b[k:]
		out = append(out, Pos{seg, int64(off)})
	}
	return out
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
			l.mu.Unlock()
		case <-l.wake:
			l.maintain()
		}
	}
}

// maintain deletes the segments that are no longer needed and truncates
// the active one if everything in it is done. Files go oldest first, and
// before the truncation: a newer segment's markers must never disappear
// while the frames they mark are still on disk.
func (l *Log) maintain() {
	l.mu.Lock()
	remove := l.sweepLocked()
	l.mu.Unlock()
	l.remove(remove)

	if l.compactSegments() {
		l.mu.Lock()
		remove = l.sweepLocked()
		l.mu.Unlock()
		l.remove(remove)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	drained := func() bool {
		a := l.active
		return !l.replaying && !l.closed && len(a.frames) == 0 && len(a.deps) == 0 && l.size > headerSize && l.err == nil
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
	if err := l.f.Truncate(headerSize); err != nil {
		l.log.Warn("write-ahead log: truncating the active segment", "error", err)
		return
	}
	l.size = headerSize
	l.dirty = true
	_ = l.waitDurableLocked(l.gen)
}

// compactSegments copies the live frames of mostly delivered segments to
// the active one when more than CompactAfter segments besides it are kept,
// oldest first, at most about a segment's worth of frames per call. It
// reports whether any segment was emptied.
func (l *Log) compactSegments() bool {
	type todo struct {
		s      *segment
		offs   []int64
		frames map[int64]liveFrame
	}
	l.mu.Lock()
	if l.replaying || l.closed || l.err != nil || l.opts.CompactAfter < 0 || len(l.segs)-1 <= l.opts.CompactAfter {
		l.mu.Unlock()
		return false
	}
	var nums []uint64
	for n, s := range l.segs {
		if s != l.active && len(s.frames) > 0 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	var work []todo
	var budget int64
	for i, n := range nums {
		s := l.segs[n]
		var live int64
		for _, f := range s.frames {
			live += f.size
		}
		// The oldest segment with live frames is always copied: newer
		// segments holding markers about its frames cannot go before it,
		// nor those holding markers about theirs, and so on. Another is
		// copied only if at most half of it is live.
		if i > 0 && 2*live > s.end-headerSize {
			continue
		}
		if budget > 0 && budget+live > l.opts.SegmentSize {
			break
		}
		budget += live
		t := todo{s: s, frames: maps.Clone(s.frames)}
		t.offs = slices.Sorted(maps.Keys(t.frames))
		work = append(work, t)
	}
	l.mu.Unlock()

	emptied := false
	for _, t := range work {
		// A kept segment other than the active one is never written again,
		// so its frames are read without the lock.
		raw, err := readFrames(t.s.path, t.offs, t.frames)
		if err != nil {
			l.log.Warn("write-ahead log: compaction could not read a segment; it is kept as it is", "file", t.s.path, "error", err)
			continue
		}
		if l.moveFrames(t.s, t.offs, raw) {
			emptied = true
		}
	}
	return emptied
}

// readFrames reads the frames at offs of the segment at path, each checked
// against its CRC.
func readFrames(path string, offs []int64, frames map[int64]liveFrame) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make([][]byte, len(offs))
	for i, off := range offs {
		b := make([]byte, frames[off].size)
		if _, err := f.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("frame at offset %d: %w", off, err)
		}
		if int64(binary.LittleEndian.Uint32(b[0:4])) != int64(len(b))-8 || b[8] != kindData ||
			binary.LittleEndian.Uint32(b[4:8]) != crc32.Checksum(b[8:], crcTable) {
			return nil, fmt.Errorf("frame at offset %d: not the data frame written there", off)
		}
		out[i] = b
	}
	return out, nil
}

// moveFrames appends the frames raw, read from s at offs, to the active
// segment (those still live), then a marker saying the originals are done,
// waits for both to be on disk and points Done at the copies. It reports
// whether s is left without live frames.
func (l *Log) moveFrames(s *segment, offs []int64, raw [][]byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.err != nil || l.segs[s.num] != s {
		return false
	}
	var from []Pos
	var bytes int64
	for i, off := range offs {
		f, ok := s.frames[off]
		if !ok {
			continue // done since it was read
		}
		if err := l.rotateLocked(int64(len(raw[i]))); err != nil {
			break
		}
		to := Pos{l.active.num, l.size}
		if err := l.writeLocked(raw[i]); err != nil {
			break
		}
		l.active.frames[to.Off] = f
		delete(s.frames, off)
		l.moved[f.key] = to
		from = append(from, Pos{s.num, off})
		bytes += int64(len(raw[i]))
	}
	if len(from) == 0 {
		return false
	}
	// The marker keeps a restart after this point from replaying both the
	// originals and the copies; until it is on disk a crash replays both
	// (at least once).
	if err := l.writeMarkerLocked(from); err == nil {
		l.active.deps[s.num] = struct{}{}
	}
	if err := l.waitDurableLocked(l.gen); err != nil {
		return false // the sticky error stops the log; nothing is deleted
	}
	l.compact.Frames += len(from)
	l.compact.Bytes += bytes
	if len(s.frames) > 0 {
		return false
	}
	l.compact.Segments++
	l.log.Info("write-ahead log: segment compacted", "file", s.path, "framesCopied", len(from), "bytesCopied", bytes)
	return true
}

// sweepLocked forgets, oldest first, every segment but the active one whose
// frames are all done and whose markers concern no segment still kept. It
// returns their files, for the caller to remove.
func (l *Log) sweepLocked() []string {
	if l.replaying {
		return nil
	}
	var nums []uint64
	for n, s := range l.segs {
		if s != l.active && len(s.frames) == 0 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	var out []string
	for _, n := range nums {
		s := l.segs[n]
		if len(s.deps) > 0 {
			continue
		}
		delete(l.segs, n)
		out = append(out, s.path)
		for _, t := range l.segs {
			delete(t.deps, n)
		}
	}
	return out
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

// Close syncs and closes the log. If every frame is done, no segment is left.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.stopped
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.syncing {
		l.cond.Wait()
	}
	l.replaying = false
	remove := l.sweepLocked()
	var err error
	if a := l.active; len(a.frames) == 0 && len(a.deps) == 0 {
		err = l.f.Close()
		remove = append(remove, a.path)
		delete(l.segs, a.num)
	} else {
		if l.dirty {
			err = fdatasync(l.f)
		}
		err = errors.Join(err, l.f.Close())
	}
	l.cond.Broadcast()
	l.remove(remove)
	return err
}

// Live returns the number of data frames not yet done and the number of
// segment files, for tests and metrics.
func (l *Log) Live() (frames, segments int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.segs {
		frames += len(s.frames)
	}
	return frames, len(l.segs)
}

// Compacted returns what compaction has done since Open.
func (l *Log) Compacted() CompactStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.compact
}
