package s3fake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"slices"

	"github.com/johannesboyne/gofakes3"
)

// ErrCorruptObject means that an object read from the data file, or the
// part of the file holding it, is damaged: its content or metadata does not
// match the checksum it was stored with, its record cannot be decoded, or
// the file's structure around it is broken. The object is not served; over
// HTTP the request answers S3's InternalError.
var ErrCorruptObject = errors.New("s3fake: object is corrupt")

// integrityKey is the metadata key under which the disk backend keeps an
// object's checksum (see integritySum). It is never served: boltGuard
// removes it from every object it returns. It cannot come from a request
// either, because '(', ' ' and ')' are not allowed in a header name; since it
// has three such characters, a flipped byte in it still leaves a key that no
// request can produce (see validMetadataKeys).
const integrityKey = "(s3fake integrity)"

// integrityPrefix starts the value stored under integrityKey; eight hex
// digits follow.
const integrityPrefix = "crc32c:"

// internalErrorMessage is S3's text for InternalError.
const internalErrorMessage = "We encountered an internal error. Please try again."

// corruptObjectError is returned for a corrupt object. It is a gofakes3
// error response, so gofakes3 answers it as S3's InternalError (500), and it
// unwraps to ErrCorruptObject for Go callers.
type corruptObjectError struct {
	gofakes3.ErrorResponse
	bucket, key, detail string
}

func newCorruptObjectError(bucket, key, detail string) *corruptObjectError {
	return &corruptObjectError{
		ErrorResponse: gofakes3.ErrorResponse{Code: gofakes3.ErrInternal, Message: internalErrorMessage},
		bucket:        bucket, key: key, detail: detail,
	}
}

func (e *corruptObjectError) Error() string {
	return fmt.Sprintf("object %q in bucket %q is corrupt: %s", e.key, e.bucket, e.detail)
}

func (e *corruptObjectError) Unwrap() error { return ErrCorruptObject }

// integritySum is the checksum that the disk backend stores with an object:
// CRC-32C (Castagnoli, hardware-accelerated) of the content followed by the
// object's bucket, key, size and metadata (every key but integrityKey, in
// key order). The bucket and key are covered so that a record whose key is
// damaged into another object's is not served as that object; the metadata
// because they are served as headers (Content-Type, Content-Encoding,
// x-amz-checksum-*...). r is read to its end; size is the size recorded
// for the object and must be the number of bytes r yields.
func integritySum(r io.Reader, bucket, key string, size int64, meta map[string]string) (string, error) {
	h := crc32.New(castagnoliTable)
	n, err := io.Copy(h, r)
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("content is %d bytes, its record says %d", n, size)
	}
	hashAttributes(h, bucket, key, size, meta)
	return fmt.Sprintf("%s%08x", integrityPrefix, h.Sum32()), nil
}

// integritySumBytes is integritySum of data held in memory.
func integritySumBytes(data []byte, bucket, key string, meta map[string]string) string {
	h := crc32.New(castagnoliTable)
	h.Write(data)
	hashAttributes(h, bucket, key, int64(len(data)), meta)
	return fmt.Sprintf("%s%08x", integrityPrefix, h.Sum32())
}

// hashAttributes writes bucket, key, size and meta (without integrityKey)
// to h in an unambiguous form: lengths before strings, metadata keys
// sorted.
func hashAttributes(h hash.Hash32, bucket, key string, size int64, meta map[string]string) {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != integrityKey {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	buf := binary.AppendUvarint(nil, uint64(len(bucket)))
	buf = append(buf, bucket...)
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(size))
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		buf = append(buf, k...)
		buf = binary.AppendUvarint(buf, uint64(len(meta[k])))
		buf = append(buf, meta[k]...)
	}
	h.Write(buf)
}

// validMetadataKeys checks that every key of meta with a value, but
// integrityKey, is a valid header name, as every key stored from a request
// or by the Go API is. A key that is not (integrityKey with a flipped byte,
// say) means the record is damaged. Empty values are tombstones (see
// boltGuard.PutObject), which may copy any key of a damaged old record.
func validMetadataKeys(meta map[string]string) error {
	for k, v := range meta {
		if k != integrityKey && v != "" && !validHeaderName(k) {
			return fmt.Errorf("metadata key %q is not a header name", k)
		}
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 field name).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c < 0x80 && isTokenPunct[c]:
		default:
			return false
		}
	}
	return true
}

// isTokenPunct marks the punctuation allowed in an HTTP token.
var isTokenPunct = func() (t [128]bool) {
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
