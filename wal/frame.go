package wal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
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
