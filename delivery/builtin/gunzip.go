package builtin

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// MaxDecompressedSize bounds what one record may decompress to, so that a
// gzip bomb (a megabyte record inflates to a gigabyte) fails the record
// instead of the process. A CloudWatch Logs subscription record holds at
// most one PutLogEvents batch (1 MiB of events) in its JSON envelope,
// which stays far below it. AWS documents no such limit (ours).
const MaxDecompressedSize = 16 << 20

// Decompressor is the Decompression processor (CompressionFormat GZIP). It
// is safe for concurrent use.
type Decompressor struct {
	// MaxSize bounds one record's decompressed size (MaxDecompressedSize
	// by default).
	MaxSize int
}

type gzipState struct {
	br bytes.Reader
	zr gzip.Reader
}

var gzipStates = sync.Pool{New: func() any { return new(gzipState) }}

// Decompress appends the decompressed record to dst. Concatenated gzip
// members are decompressed one after the other, as gzip -d does; bytes
// after the last member that do not start another are ignored, as Java's
// GZIPInputStream ignores them (AWS's behaviour is unverified). A record
// that is not gzip, is cut short, fails its checksum or inflates past
// MaxSize is a Failure under decompression-failed, dst returned as it was.
func (d *Decompressor) Decompress(dst, record []byte) ([]byte, *Failure) {
	st := gzipStates.Get().(*gzipState)
	defer gzipStates.Put(st)
	start := len(dst)
	record, copied := withoutReservedFlags(record, 0, false)
	st.br.Reset(record)
	limit := d.MaxSize
	err := st.zr.Reset(&st.br)
	if err != nil {
		return dst[:start], decompressionFailure(err, limit)
	}
	for {
		st.zr.Multistream(false)
		dst, err = readAllLimited(&st.zr, dst, start+limit)
		if err != nil {
			return dst[:start], decompressionFailure(err, limit)
		}
		rest := st.br.Len()
		if rest < 2 || record[len(record)-rest] != 0x1f || record[len(record)-rest+1] != 0x8b {
			return dst, nil
		}
		if at := len(record) - rest; rest >= 4 && record[at+3]&reservedFlags != 0 {
			record, copied = withoutReservedFlags(record, at, copied)
			st.br.Reset(record)
			_, _ = st.br.Seek(int64(at), io.SeekStart)
		}
		if err := st.zr.Reset(&st.br); err != nil {
			return dst, nil // not a member after all: trailing bytes
		}
	}
}

// reservedFlags are the bits of a gzip header's FLG byte that RFC 1952
// reserves.
const reservedFlags = 0xe0

// withoutReservedFlags returns record with the reserved FLG bits of the
// member header at offset at cleared, copying record the first time
// (copied says whether it is a copy already). Java's GZIPInputStream, which
// Firehose runs on, ignores those bits, as Go's compress/gzip does; the
// klauspost reader refuses them, following RFC 1952's "must".
func withoutReservedFlags(record []byte, at int, copied bool) ([]byte, bool) {
	if len(record) < at+4 || record[at+3]&reservedFlags == 0 {
		return record, copied
	}
	if !copied {
		record, copied = bytes.Clone(record), true
	}
	record[at+3] &^= reservedFlags
	return record, copied
}

var errTooLarge = errors.New("too large")

// readAllLimited appends what r gives until EOF to dst, failing when dst
// would pass max bytes.
func readAllLimited(r io.Reader, dst []byte, max int) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			if len(dst) > max {
				return dst, errTooLarge
			}
			dst = append(dst, 0)[:len(dst)]
		}
		room := dst[len(dst):cap(dst)]
		if over := len(dst) + len(room) - (max + 1); over > 0 {
			room = room[:len(room)-over]
		}
		n, err := r.Read(room)
		dst = dst[:len(dst)+n]
		if len(dst) > max {
			return dst, errTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

func decompressionFailure(err error, limit int) *Failure {
	msg := "The record could not be decompressed as GZIP: "
	switch {
	case errors.Is(err, errTooLarge):
		msg = "The record decompresses to more than " + strconv.Itoa(limit) + " bytes."
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg += "the data ends before the end of the GZIP stream."
	default:
		msg += err.Error() + "."
	}
	return &Failure{Code: CodeDecompressionFailed, Message: msg, OutputType: OutputDecompressionFailed}
}
