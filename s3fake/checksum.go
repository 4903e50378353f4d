package s3fake

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// crc64NVMEPoly is the bit-reversed CRC-64/NVME polynomial, as hash/crc64
// expects it.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	castagnoliTable = crc32.MakeTable(crc32.Castagnoli)
	crc64NVMETable  = crc64.MakeTable(crc64NVMEPoly)
)

// checksumAlgorithms maps the lower-case S3 checksum header (or trailer)
// names to their hash constructors. Values are base64 of the big-endian sum.
var checksumAlgorithms = map[string]func() hash.Hash{
	"x-amz-checksum-crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"x-amz-checksum-crc32c":    func() hash.Hash { return crc32.New(castagnoliTable) },
	"x-amz-checksum-crc64nvme": func() hash.Hash { return crc64.New(crc64NVMETable) },
	"x-amz-checksum-sha1":      sha1.New,
	"x-amz-checksum-sha256":    sha256.New,
}

// checksumHeaderName returns the header name of a checksum algorithm as it
// appears in X-Amz-Sdk-Checksum-Algorithm ("CRC32", "SHA256", ...), or "".
func checksumHeaderName(algorithm string) string {
	name := "x-amz-checksum-" + strings.ToLower(strings.TrimSpace(algorithm))
	if _, ok := checksumAlgorithms[name]; !ok {
		return ""
	}
	return name
}

// validChecksumValue reports whether value is well-formed for header name.
func validChecksumValue(name, value string) bool {
	sum, err := base64.StdEncoding.DecodeString(value)
	return err == nil && len(sum) == checksumAlgorithms[name]().Size()
}

// checksum is an expected checksum: a lower-case header name and a base64
// value.
type checksum struct{ name, value string }

// verifyingReader hashes everything read through it and, once the inner
// reader reports io.EOF, compares the sums with the expected checksums. A
// mismatch is reported as a BadDigest error instead of io.EOF. Errors are
// sticky.
type verifyingReader struct {
	r        io.Reader
	hashes   map[string]hash.Hash
	expected func() []checksum
	err      error
}

// newVerifyingReader verifies the checksums returned by expected (called at
// EOF) for every algorithm in names; checksums of other algorithms are
// ignored.
func newVerifyingReader(r io.Reader, names []string, expected func() []checksum) *verifyingReader {
	hashes := make(map[string]hash.Hash, len(names))
	for _, name := range names {
		if newHash, ok := checksumAlgorithms[name]; ok {
			hashes[name] = newHash()
		}
	}
	return &verifyingReader{r: r, hashes: hashes, expected: expected}
}

// Read implements io.Reader.
func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	for _, h := range v.hashes {
		h.Write(p[:n])
	}
	if err == io.EOF {
		if verr := v.verify(); verr != nil {
			err = verr
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

// verify compares the computed sums with the expected ones.
func (v *verifyingReader) verify() error {
	for _, want := range v.expected() {
		h, ok := v.hashes[want.name]
		if !ok {
			continue
		}
		got := base64.StdEncoding.EncodeToString(h.Sum(nil))
		if !validChecksumValue(want.name, want.value) {
			return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
				"Value for %s is invalid.", want.name)
		}
		if got != want.value {
			return gofakes3.ErrorMessagef(gofakes3.ErrBadDigest,
				"The %s you specified did not match the calculated checksum.", want.name)
		}
	}
	return nil
}
