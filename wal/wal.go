// Package wal is firehose-local's write-ahead log. A record acknowledged to
// a producer is in the log, on disk, before the acknowledgement goes out;
// it stays there until the caller says its delivery is done, and a restart
// hands every frame not yet done back to the caller.
//
// The log is a directory of segment files, NNNNNNNNNNNNNNNNNNNN.wal, each a
// 16-byte header — "FHLWAL2\n" and the segment's sync value, 8 random bytes
// — followed by frames:
//
//	[sync: 8][header CRC: 4][length n: 4][kind: 1][count: 4][body CRC: 4][body: n]
//
// (integers little endian, CRC-32C). The header CRC covers length, kind,
// count and body CRC; the body CRC covers the body. A data frame's body is
// the caller's payload and its count the number of records in it (a copy
// made by compaction is a data frame whose body starts with the position of
// the original); a done frame (a marker) lists the positions of data frames
// whose delivery is done. Markers are written without waiting for the
// disk, since losing one only means a frame is delivered again.
//
// Damage. A frame whose body does not match its checksum, but whose header
// does, is skipped exactly: its length, kind and record count are known, so
// the loss is known. Where a header does not match, reading resumes at the
// next offset that starts with the segment's sync value and a header that
// matches its checksum: a false match takes 96 bits to agree by chance, and
// a producer cannot plant one in its records, since it never learns the
// sync value (it is on disk only). What was skipped is reported when the
// log opens (Stats.Loss, and a warning naming the file, offset, bytes,
// calls and records): a damaged data frame that no marker anywhere in the
// log says is done is an acknowledged call lost; one whose header was
// damaged too is counted as unreadable (a call of unknown size, or a
// marker). A stretch at the end of a segment that a crash cut short (a
// frame running past the end of the file, a partial header, or zeroes) is
// a torn write, not damage: under SyncAlways its call was never
// acknowledged. Segments of the first format ("FHLWAL1\n", 9-byte frame
// headers with one CRC over kind and body) are still read; damage in one
// ends its reading.
//
// Appends go to the newest (active) segment, which is rotated at
// SegmentSize; it is created by the first write, so opening and replaying
// the log write nothing (a log on a full disk opens, and Probe says it
// cannot write). With the SyncAlways policy Append returns once its frame
// is on disk: concurrent appends share one fdatasync (group commit), the
// first waiter syncing for everyone who wrote before it started. With
// SyncInterval Append returns once its frame is written to the operating
// system (so it survives the process being killed), and a background
// goroutine syncs every SyncInterval.
//
// A segment is deleted once every data frame in it is done and its markers
// concern no segment still kept (deleting it would replay the frames they
// mark done); the active segment is truncated back to its header instead.
//
// Compaction keeps one slow caller (a stream whose deliveries keep failing)
// from pinning every segment written since its records came. When more than
// Options.CompactAfter segments besides the active one are kept, the live
// frames of segments at most half live (half of SegmentSize, for a segment
// cut short), and of the oldest segment that other segments' markers keep,
// are copied to a compaction segment of their own. Each copy (a frame of kind 3) names the frame it stands for, so that
// a restart replays the copy and not the original, while a copy a crash cut
// short leaves the original replayed: each frame comes back once either
// way. Once the copies are on disk the originals' segments go, and with
// them the segments kept only for their markers about them. The caller
// keeps the position Append gave it: Done follows the frame to where it was
// copied. Copies go to their own segment, not the active one, so frames
// that stay live (a failing stream's) settle in segments that are wholly
// live and are not copied again; and compaction writes at most
// Options.CompactRatio bytes per byte appended, plus one segment, so its
// write amplification is bounded whatever the traffic. The segments a
// segment's markers concern never form a cycle: a marker about a frame of
// the open compaction segment is written to that segment itself.
package wal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
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
	DefaultCompactAfter = 4
	DefaultCompactRatio = 1.0
	// MaxPayload bounds a data frame's payload.
	MaxPayload = 16 << 20
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: closed")

// IsNoSpace reports whether err is the file system being full (or the
// user's quota spent): the log cannot write until space is freed.
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// Options configure a Log.
type Options struct {
	Dir          string
	Sync         Policy        // default SyncAlways
	SyncInterval time.Duration // default 100 ms; under SyncAlways, markers are synced within it too
	SegmentSize  int64         // default 64 MiB
	// CompactAfter is how many segments besides the active one may be kept
	// before mostly delivered ones are compacted (default 4; negative: never).
	CompactAfter int
	// CompactRatio bounds compaction's writes: at most this many bytes
	// copied per byte Append wrote since Open, plus one segment (default 1).
	CompactRatio float64
	Logger       *slog.Logger // default: discard

	// failWrite, if set, is called before every write to a segment; an
	// error fails that write as if the file system had returned it. Tests
	// use it for a full disk.
	failWrite func() error
}

// Pos is a data frame's position: its segment and byte offset.
type Pos struct {
	Seg uint64
	Off int64
}

// Log is an open write-ahead log. Its methods are safe for concurrent use.
type Log struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	segs    map[uint64]*segment
	next    uint64   // number of the next segment created
	active  *segment // nil until the first write
	f       *os.File
	size    int64  // bytes in the active segment
	gen     uint64 // generation of writes not yet covered by a started sync
	synced  uint64 // every generation up to this one is on disk
	dirty   bool   // writes since the last started sync
	syncing bool
	err     error // sticky: a failed sync
	closed  bool

	// The compaction segment being written: only the run goroutine writes
	// frames to it, rotates and syncs it; Done writes markers about its
	// frames to it.
	cold      *segment
	coldF     *os.File
	coldSize  int64
	coldDirty bool

	replaying bool
	old       []*segment       // from Open until Replay, in order
	done      map[Pos]struct{} // from Open until Replay: frames marked done
	damage    []damage         // from Open
	stats     Stats

	moved    map[Pos]Pos // caller's position -> where compaction copied the frame
	compact  CompactStats
	appended int64

	armed   bool          // a background sync is scheduled
	kick    chan struct{} // schedules one
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// Open opens (creating the directory if needed) the log in opts.Dir and
// reads what is there; it writes nothing. Call Replay next, once, before
// relying on deletions.
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
	if opts.CompactRatio <= 0 {
		opts.CompactRatio = DefaultCompactRatio
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
		next: 1, gen: 1, replaying: true,
		kick: make(chan struct{}, 1), wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	l.cond = sync.NewCond(&l.mu)
	nums, err := l.list()
	if err != nil {
		return nil, err
	}
	for _, n := range nums {
		s := newSegment(n, l.path(n))
		s.marks = map[uint64]struct{}{}
		ok, err := l.scan(s)
		if err != nil {
			return nil, err
		}
		l.next = n + 1
		if ok {
			l.segs[n] = s
			l.old = append(l.old, s)
		}
	}
	l.reportDamage()
	go l.run()
	return l, nil
}

// Append writes a data frame of records records and returns its position,
// once it is durable as the policy says. The caller must call Done with the
// position when the frame's delivery is done. On a full disk the error
// satisfies IsNoSpace, and nothing of the frame stays in the log.
func (l *Log) Append(payload []byte, records int) (Pos, error) {
	if len(payload) > MaxPayload {
		return Pos{}, fmt.Errorf("wal: payload of %d bytes exceeds %d", len(payload), MaxPayload)
	}
	bp := frame(kindData, uint32(records), payload)
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
	setSync(b, l.active)
	pos := Pos{l.active.num, l.size}
	if err := l.writeLocked(b); err != nil {
		return Pos{}, err
	}
	l.appended += int64(len(b))
	seg := l.active
	seg.add(pos.Off, liveFrame{size: int64(len(b)), key: pos})
	if l.opts.Sync == SyncAlways {
		if err := l.waitDurableLocked(l.gen); err != nil {
			seg.remove(pos.Off)
			return Pos{}, err
		}
	}
	return pos, nil
}

// Probe reports whether the log can write now: it starts the active
// segment if there is none (its header synced), else writes an empty
// marker, not waited for. On a full disk the error satisfies IsNoSpace.
func (l *Log) Probe() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.err != nil {
		return l.err
	}
	if l.active == nil {
		return l.rotateLocked(0)
	}
	return l.writeMarkerLocked(nil)
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
	// The frames leave the live sets first, under this one hold of the
	// lock: writing the marker may wait for a sync (a rotation), and
	// compaction must not move them meanwhile.
	var buf [16]Pos
	cur := buf[:0]
	var cold []Pos // frames of the compaction segment: its own markers say they are done
	var from []*segment
	drained := false
	for _, p := range pos {
		if to, ok := l.moved[p]; ok {
			delete(l.moved, p)
			p = to
		}
		s := l.segs[p.Seg]
		if s == nil {
			continue
		}
		if _, ok := s.remove(p.Off); !ok {
			continue
		}
		if len(s.frames) == 0 {
			drained = true
		}
		if s == l.cold {
			cold = append(cold, p)
			continue
		}
		cur = append(cur, p)
		from = append(from, s)
	}
	if l.err == nil {
		if len(cold) > 0 {
			l.writeColdMarkerLocked(cold)
		}
		if len(cur) > 0 && l.writeMarkerLocked(cur) == nil {
			// The marker is in the active segment now (it may have
			// rotated): it keeps every other segment it concerns.
			for _, s := range from {
				if s != l.active && l.segs[s.num] == s {
					l.active.deps[s.num] = struct{}{}
				}
			}
		}
	}
	if drained {
		l.signal()
	}
}

// writeMarkerLocked writes a marker saying the frames at pos are done to
// the active segment.
func (l *Log) writeMarkerLocked(pos []Pos) error {
	fp := markerFrame(pos)
	defer release(fp)
	b := *fp
	if err := l.rotateLocked(int64(len(b))); err != nil && l.active == nil {
		return err
	}
	setSync(b, l.active)
	return l.writeLocked(b)
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
	var err error
	if a := l.active; a != nil {
		if l.dirty && (len(a.frames) > 0 || len(a.deps) > 0) {
			err = fdatasync(l.f)
		}
		err = errors.Join(err, l.f.Close())
		a.end = l.size
		l.active, l.f = nil, nil
	}
	if c := l.cold; c != nil {
		if l.coldDirty && (len(c.frames) > 0 || len(c.deps) > 0) {
			err = errors.Join(err, fdatasync(l.coldF))
		}
		err = errors.Join(err, l.coldF.Close())
		c.end = l.coldSize
		l.cold, l.coldF = nil, nil
	}
	remove := l.sweepLocked()
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
