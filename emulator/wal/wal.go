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
// the active segment is truncated back to its header instead. A torn or
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
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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
	Logger       *slog.Logger  // default: discard
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

type segment struct {
	num  uint64
	path string
	live int                 // data frames not yet done
	deps map[uint64]struct{} // older segments holding frames this one's markers mark done
	end  int64               // from Open: bytes up to the last valid frame

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
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	l := &Log{
		opts: opts, log: opts.Logger,
		segs: map[uint64]*segment{}, done: map[Pos]struct{}{},
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
		s := &segment{num: n, path: l.path(n), deps: map[uint64]struct{}{}, marks: map[uint64]struct{}{}}
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
		err = syncDir(l.opts.Dir)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	s := &segment{num: n, path: path, deps: map[uint64]struct{}{}}
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
		s.live++ // before fn: a Done may come before fn returns
		l.mu.Unlock()
		keep := fn(pos, body)
		l.mu.Lock()
		if keep {
			l.stats.Frames++
		} else {
			s.live--
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
	seg.live++
	if l.opts.Sync == SyncAlways {
		if err := l.waitDurableLocked(l.gen); err != nil {
			seg.live--
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
	old, oldF := l.active, l.f
	if err := l.create(old.num + 1); err != nil {
		l.active, l.f = old, oldF
		return fmt.Errorf("wal: starting a segment: %w", err)
	}
	_ = oldF.Close()
	if old.live == 0 {
		l.signal()
	}
	return nil
}

// Done marks data frames delivered: a marker is written (not waited for),
// and segments whose frames are all done are deleted in the background.
func (l *Log) Done(pos ...Pos) {
	if len(pos) == 0 {
		return
	}
	bp := frames.Get().(*[]byte)
	body := encodeMarker((*bp)[:0], pos)
	*bp = body
	fp := frame(kindDone, body)
	release(bp)
	defer release(fp)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	wrote := false
	if l.err == nil {
		_ = l.rotateLocked(int64(len(*fp)))
		wrote = l.writeLocked(*fp) == nil
	}
	drained := false
	for _, p := range pos {
		s := l.segs[p.Seg]
		if s == nil {
			continue
		}
		s.live--
		if s != l.active && wrote {
			l.active.deps[s.num] = struct{}{}
		}
		if s.live == 0 {
			drained = true
		}
	}
	if drained {
		l.signal()
	}
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

	l.mu.Lock()
	defer l.mu.Unlock()
	drained := func() bool {
		a := l.active
		return !l.replaying && !l.closed && a.live == 0 && len(a.deps) == 0 && l.size > headerSize && l.err == nil
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

// sweepLocked forgets, oldest first, every segment but the active one whose
// frames are all done and whose markers concern no segment still kept. It
// returns their files, for the caller to remove.
func (l *Log) sweepLocked() []string {
	if l.replaying {
		return nil
	}
	var nums []uint64
	for n, s := range l.segs {
		if s != l.active && s.live == 0 {
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
		_ = syncDir(l.opts.Dir)
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
	if a := l.active; a.live == 0 && len(a.deps) == 0 {
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
		frames += s.live
	}
	return frames, len(l.segs)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
