package compression

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zip"
)

// maxSnappyBlock bounds the decoded size a snappy block may claim. Firehose
// writes 32 KiB blocks; anything far larger is corrupt input, not data.
const maxSnappyBlock = 64 << 20

// Detect tells which format an object was written in, from what Firehose
// sets on it (Content-Encoding), its key's extension, and the first bytes of
// its body. The body wins when its magic bytes are unmistakable (gzip, zip,
// snappy-java's header), so a renamed or re-tagged object is still read.
// HADOOP_SNAPPY has no magic: it is recognised by Content-Encoding
// "hadoop-snappy", or by a ".snappy" key without snappy-java's header.
func Detect(contentEncoding, key string, body []byte) Format {
	switch {
	case bytes.HasPrefix(body, []byte{0x1f, 0x8b}):
		return GZIP
	case bytes.HasPrefix(body, []byte("PK\x03\x04")):
		return ZIP
	case bytes.HasPrefix(body, xerialHeader[:8]):
		return Snappy
	}
	switch strings.ToLower(strings.TrimSpace(contentEncoding)) {
	case "hadoop-snappy":
		return HadoopSnappy
	}
	if strings.EqualFold(path.Ext(key), ".snappy") || strings.EqualFold(path.Ext(key), ".hsnappy") {
		return HadoopSnappy
	}
	return Uncompressed
}

// Decompress reverses Compress: it returns at most limit bytes of the data
// in body (limit <= 0: no limit), and whether there was more. ZIP archives
// give their entries' contents one after the other. Corrupt input is an
// error; what was decoded before the error is returned with it.
func Decompress(f Format, body []byte, limit int) (data []byte, truncated bool, err error) {
	var r io.Reader
	switch f {
	case Uncompressed, "":
		r = bytes.NewReader(body)
	case GZIP:
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, false, fmt.Errorf("compression: gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	case ZIP:
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return nil, false, fmt.Errorf("compression: zip: %w", err)
		}
		r = &zipEntries{files: zr.File}
	case Snappy:
		if !bytes.HasPrefix(body, xerialHeader[:8]) || len(body) < len(xerialHeader) {
			return nil, false, errors.New("compression: snappy: missing the snappy-java header")
		}
		r = &snappyBlocks{rest: body[len(xerialHeader):]}
	case HadoopSnappy:
		r = &snappyBlocks{rest: body, hadoop: true}
	default:
		return nil, false, fmt.Errorf("compression: unsupported CompressionFormat %q", string(f))
	}
	return readLimited(r, limit)
}

// readLimited reads r to its end, or to limit bytes and one more to know
// whether there was more.
func readLimited(r io.Reader, limit int) ([]byte, bool, error) {
	if limit <= 0 {
		b, err := io.ReadAll(r)
		return b, false, err
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(b) > limit {
		return b[:limit], true, nil
	}
	return b, false, err
}

// zipEntries reads the files of a zip archive one after the other.
type zipEntries struct {
	files []*zip.File
	cur   io.ReadCloser
}

func (z *zipEntries) Read(p []byte) (int, error) {
	for {
		if z.cur == nil {
			if len(z.files) == 0 {
				return 0, io.EOF
			}
			f := z.files[0]
			z.files = z.files[1:]
			if f.FileInfo().IsDir() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return 0, fmt.Errorf("compression: zip entry %q: %w", f.Name, err)
			}
			z.cur = rc
		}
		n, err := z.cur.Read(p)
		if err == io.EOF {
			_ = z.cur.Close()
			z.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

// snappyBlocks decodes snappy-java's stream (after its header) or Hadoop's
// block framing, one block at a time.
type snappyBlocks struct {
	rest    []byte
	hadoop  bool
	out     []byte // decoded, not yet read
	pending int    // hadoop: uncompressed bytes still due in the current block
}

func (s *snappyBlocks) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if err := s.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

func (s *snappyBlocks) next() error {
	if len(s.rest) == 0 {
		if s.pending > 0 {
			return fmt.Errorf("compression: snappy: stream ends %d bytes short of its block", s.pending)
		}
		return io.EOF
	}
	if !s.hadoop && bytes.HasPrefix(s.rest, xerialHeader[:8]) && len(s.rest) >= len(xerialHeader) {
		s.rest = s.rest[len(xerialHeader):] // concatenated snappy-java streams
		return nil
	}
	if s.hadoop && s.pending == 0 {
		if len(s.rest) < 4 {
			return errors.New("compression: hadoop-snappy: truncated block header")
		}
		s.pending = int(binary.BigEndian.Uint32(s.rest))
		s.rest = s.rest[4:]
		if s.pending == 0 {
			return nil
		}
	}
	if len(s.rest) < 4 {
		return errors.New("compression: snappy: truncated block length")
	}
	n := int(binary.BigEndian.Uint32(s.rest))
	s.rest = s.rest[4:]
	if n > len(s.rest) {
		return fmt.Errorf("compression: snappy: block of %d bytes, only %d left", n, len(s.rest))
	}
	block := s.rest[:n]
	s.rest = s.rest[n:]
	size, err := s2.DecodedLen(block)
	if err != nil || size > maxSnappyBlock {
		return fmt.Errorf("compression: snappy: corrupt block")
	}
	out, err := s2.Decode(nil, block)
	if err != nil {
		return fmt.Errorf("compression: snappy: %w", err)
	}
	if s.hadoop {
		if len(out) > s.pending {
			return errors.New("compression: hadoop-snappy: block decodes past its stated length")
		}
		s.pending -= len(out)
	}
	s.out = out
	return nil
}
