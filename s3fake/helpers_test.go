package s3fake_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"math/rand/v2"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// fakeSignature stands in for a SigV4 chunk signature (never verified).
var fakeSignature = strings.Repeat("ab", 32)

// chunkOpts describes an aws-chunked encoding for encodeChunked.
type chunkOpts struct {
	chunkSize int      // data bytes per chunk
	signed    bool     // add ;chunk-signature=... extensions
	trailers  []string // "name:value" trailer lines
}

// encodeChunked frames payload as aws-chunked.
func encodeChunked(payload []byte, o chunkOpts) []byte {
	var b bytes.Buffer
	ext := ""
	if o.signed {
		ext = ";chunk-signature=" + fakeSignature
	}
	for rest := payload; len(rest) > 0; {
		n := min(o.chunkSize, len(rest))
		fmt.Fprintf(&b, "%x%s\r\n", n, ext)
		b.Write(rest[:n])
		b.WriteString("\r\n")
		rest = rest[n:]
	}
	fmt.Fprintf(&b, "0%s\r\n", ext)
	for _, t := range o.trailers {
		b.WriteString(t + "\r\n")
	}
	if o.signed && len(o.trailers) > 0 {
		b.WriteString("x-amz-trailer-signature:" + fakeSignature + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// crc64NVME is the CRC-64/NVME table (bit-reversed polynomial).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// sumBase64 returns the S3 checksum value of data for algorithm ("crc32",
// "crc32c", "crc64nvme", "sha1", "sha256").
func sumBase64(algorithm string, data []byte) string {
	var h hash.Hash
	switch algorithm {
	case "crc32":
		h = crc32.NewIEEE()
	case "crc32c":
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "crc64nvme":
		h = crc64.New(crc64NVME)
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		panic("unknown algorithm " + algorithm)
	}
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// randomBytes returns n deterministic pseudo-random bytes.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// errorCode returns the S3 error code carried by err, or "".
func errorCode(err error) gofakes3.ErrorCode {
	var e gofakes3.Error
	if errors.As(err, &e) {
		return e.ErrorCode()
	}
	return ""
}
