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
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
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
	"syscall"
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
	DefaultCompactRatio = 1.0
	// MaxPayload bounds a data frame's payload.
	MaxPayload = 16 << 20
)

// The on-disk format.
const (
	magicV1   = "FHLWAL1\n"
	magicV2   = "FHLWAL2\n"
	syncSize  = 8
	segHeadV1 = int64(len(magicV1))
	segHeadV2 = int64(len(magicV2)) + syncSize
	headV1    = 9  // length, CRC, kind
	headV2    = 25 // sync, header CRC, length, kind, count, body CRC
	kindData  = 1
	kindDone  = 2
	kindCopy  = 3 // a data frame copied by compaction: [origin segment][origin offset][payload], uvarints
	segSuffix = ".wal"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

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

// CompactStats count what compaction did since Open.
type CompactStats struct {
	Segments int   // segments emptied by copying their live frames
	Frames   int   // frames copied
	Bytes    int64 // bytes copied
	// Appended is the bytes of data frames Append wrote: compaction copies
	// at most CompactRatio times this, plus a segment.
	Appended int64
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

// frameHead is a frame's header.
type frameHead struct {
	n     int64 // body length
	kind  byte
	count uint32 // records in a data frame (format 2)
	crc   uint32 // format 2: of the body; format 1: of kind and body
}

// parseHead reads a format-2 frame header, checked against the segment's
// sync value and its checksum.
func parseHead(sync *[syncSize]byte, h []byte) (frameHead, bool) {
	if !bytes.Equal(h[:syncSize], sync[:]) || crc32.Checksum(h[12:headV2], crcTable) != binary.LittleEndian.Uint32(h[8:12]) {
		return frameHead{}, false
	}
	fh := frameHead{
		n:     int64(binary.LittleEndian.Uint32(h[12:16])),
		kind:  h[16],
		count: binary.LittleEndian.Uint32(h[17:21]),
		crc:   binary.LittleEndian.Uint32(h[21:25]),
	}
	return fh, fh.n <= MaxPayload+2*binary.MaxVarintLen64 && (fh.kind == kindData || fh.kind == kindDone || fh.kind == kindCopy)
}

// parseHeadV1 reads a format-1 frame header; only its body's checksum can
// tell whether it is sound.
func parseHeadV1(h []byte) (frameHead, bool) {
	size := binary.LittleEndian.Uint32(h[0:4])
	if size == 0 || size > MaxPayload+1 {
		return frameHead{}, false
	}
	return frameHead{n: int64(size) - 1, kind: h[8], crc: binary.LittleEndian.Uint32(h[4:8])}, true
}

// bodyOK checks a frame's body against its header.
func (fh frameHead) bodyOK(v1 bool, body []byte) bool {
	if v1 {
		crc := crc32.Update(crc32.Checksum([]byte{fh.kind}, crcTable), crcTable, body)
		return crc == fh.crc && (fh.kind == kindData || fh.kind == kindDone)
	}
	return crc32.Checksum(body, crcTable) == fh.crc
}

// badFrame is where no sound frame starts.
type badFrame struct {
	off    int64
	head   *frameHead // the header, when it is intact (format 2)
	torn   bool       // the file ends within the frame
	reason string
}

func (e *badFrame) Error() string { return fmt.Sprintf("%s at offset %d", e.reason, e.off) }

// frameReader reads the frames of one segment.
type frameReader struct {
	f    *os.File
	r    *bufio.Reader
	s    *segment
	off  int64 // offset of the next frame
	size int64 // the file's size
	buf  []byte

	recovered bool // the segment header was damaged; its sync value was taken from the first frame
}

// seek makes off the offset of the next frame read.
func (fr *frameReader) seek(off int64) error {
	if _, err := fr.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	fr.r.Reset(fr.f)
	fr.off = off
	return nil
}

// next returns the next frame's header and body (valid until the next
// call), and its offset; io.EOF at a clean end, *badFrame at a torn or
// damaged one.
func (fr *frameReader) next() (frameHead, []byte, int64, error) {
	off := fr.off
	hs := fr.s.headSize()
	var h [headV2]byte
	n, err := io.ReadFull(fr.r, h[:hs])
	if err == io.EOF {
		return frameHead{}, nil, off, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		return frameHead{}, nil, off, &badFrame{off: off, torn: true, reason: fmt.Sprintf("torn frame header (%d of %d bytes)", n, hs)}
	}
	if err != nil {
		return frameHead{}, nil, off, err
	}
	var fh frameHead
	var ok bool
	if fr.s.v1 {
		fh, ok = parseHeadV1(h[:])
	} else {
		fh, ok = parseHead(&fr.s.sync, h[:])
	}
	if !ok {
		return fh, nil, off, &badFrame{off: off, reason: "unreadable frame header"}
	}
	var head *frameHead
	if !fr.s.v1 {
		head = &fh
	}
	if off+hs+fh.n > fr.size {
		return fh, nil, off, &badFrame{off: off, head: head, torn: true, reason: fmt.Sprintf("torn frame (%d of %d bytes)", fr.size-off, hs+fh.n)}
	}
	if int64(cap(fr.buf)) < fh.n {
		fr.buf = make([]byte, fh.n)
	}
	body := fr.buf[:fh.n]
	if _, err := io.ReadFull(fr.r, body); err != nil {
		return fh, nil, off, &badFrame{off: off, head: head, torn: true, reason: "torn frame: " + err.Error()}
	}
	fr.off = off + hs + fh.n
	if !fh.bodyOK(fr.s.v1, body) {
		return fh, nil, off, &badFrame{off: off, head: head, reason: "checksum mismatch"}
	}
	return fh, body, off, nil
}

// headAt reports whether a sound format-2 frame header with sync starts at
// off, its frame within the file.
func (fr *frameReader) headAt(sync *[syncSize]byte, off int64) bool {
	var h [headV2]byte
	if _, err := fr.f.ReadAt(h[:], off); err != nil {
		return false
	}
	fh, ok := parseHead(sync, h[:])
	return ok && off+headV2+fh.n <= fr.size
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

// frames is a pool of frame buffers.
var frames = sync.Pool{New: func() any { return new([]byte) }}

// frame builds a frame of kind with count and body in a pooled buffer. Its
// first syncSize bytes are for the sync value of the segment it goes to,
// which no checksum covers (setSync).
func frame(kind byte, count uint32, body []byte) *[]byte {
	return copyFrame(kind, count, nil, body)
}

// copyFrame builds a frame whose body is prefix and body.
func copyFrame(kind byte, count uint32, prefix, body []byte) *[]byte {
	bp := frames.Get().(*[]byte)
	b := append((*bp)[:0], make([]byte, headV2)...)
	b = append(append(b, prefix...), body...)
	binary.LittleEndian.PutUint32(b[12:16], uint32(len(b)-headV2))
	b[16] = kind
	binary.LittleEndian.PutUint32(b[17:21], count)
	binary.LittleEndian.PutUint32(b[21:25], crc32.Checksum(b[headV2:], crcTable))
	binary.LittleEndian.PutUint32(b[8:12], crc32.Checksum(b[12:headV2], crcTable))
	*bp = b
	return bp
}

// splitCopy returns a copy frame's origin and payload.
func splitCopy(body []byte) (Pos, []byte, bool) {
	seg, k := binary.Uvarint(body)
	if k <= 0 {
		return Pos{}, nil, false
	}
	off, j := binary.Uvarint(body[k:])
	if j <= 0 {
		return Pos{}, nil, false
	}
	return Pos{seg, int64(off)}, body[k+j:], true
}

func setSync(b []byte, s *segment) { copy(b[:syncSize], s.sync[:]) }

// markerFrame builds a done frame listing pos.
func markerFrame(pos []Pos) *[]byte {
	bp := frames.Get().(*[]byte)
	body := encodeMarker((*bp)[:0], pos)
	*bp = body
	fp := frame(kindDone, 0, body)
	release(bp)
	return fp
}

func release(bp *[]byte) {
	if cap(*bp) <= 8<<20 {
		frames.Put(bp)
	}
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

// Compacted returns what compaction has done since Open.
func (l *Log) Compacted() CompactStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.compact
	c.Appended = l.appended
	return c
}
