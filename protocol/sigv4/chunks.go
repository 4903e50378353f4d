package sigv4

import (
	"crypto/hmac"
	"encoding/hex"
	"slices"
	"strings"
)

// ChunkVerifier checks the chained signatures of an aws-chunked body signed
// with STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. Each chunk's signature
// is
//
//	HMAC(SigningKey, "AWS4-HMAC-SHA256-PAYLOAD" \n X-Amz-Date \n Scope \n
//	     previous signature \n hex(SHA256("")) \n hex(SHA256(chunk data)))
//
// starting from the request's seed signature; the final zero-length chunk is
// signed the same way. With trailers, the trailer section is signed by
//
//	HMAC(SigningKey, "AWS4-HMAC-SHA256-TRAILER" \n X-Amz-Date \n Scope \n
//	     final chunk signature \n hex(SHA256(trailers)))
//
// where trailers are "name:value\n" lines, sorted by name, without
// x-amz-trailer-signature. A ChunkVerifier is used by one reader at a time.
type ChunkVerifier struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
	trailer bool // the body must end with a signed trailer section
}

// ExpectsTrailer reports whether the body must end with trailers signed by
// x-amz-trailer-signature.
func (c *ChunkVerifier) ExpectsTrailer() bool { return c.trailer }

// Chunk checks the signature of the next chunk, whose data hashes to
// dataSHA256 (a SHA-256 sum), and advances the chain. It returns false for
// a wrong or missing signature.
func (c *ChunkVerifier) Chunk(signature string, dataSHA256 []byte) bool {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" +
		EmptySHA256 + "\n" + hex.EncodeToString(dataSHA256)
	want := hex.EncodeToString(hmacSHA256(c.key, []byte(sts)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return false
	}
	c.prev = want
	return true
}

// Trailer checks the trailer signature over trailers (lower-case names;
// x-amz-trailer-signature is ignored).
func (c *ChunkVerifier) Trailer(signature string, trailers map[string]string) bool {
	names := make([]string, 0, len(trailers))
	for name := range trailers {
		if name != "x-amz-trailer-signature" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(trailers[name])
		b.WriteByte('\n')
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + hexSHA256([]byte(b.String()))
	want := hex.EncodeToString(hmacSHA256(c.key, []byte(sts)))
	return hmac.Equal([]byte(want), []byte(strings.ToLower(signature)))
}
