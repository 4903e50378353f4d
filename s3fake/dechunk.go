package s3fake

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// Request headers involved in aws-chunked uploads.
const (
	hdrContentSHA256   = "X-Amz-Content-Sha256"
	hdrDecodedLength   = "X-Amz-Decoded-Content-Length"
	hdrTrailer         = "X-Amz-Trailer"
	hdrSDKChecksumAlgo = "X-Amz-Sdk-Checksum-Algorithm"
	hdrCopySource      = "X-Amz-Copy-Source"
	unsignedPayload    = "UNSIGNED-PAYLOAD"
	awsChunked         = "aws-chunked"
	streamingPrefix    = "STREAMING-"
)

// Dechunk is middleware that turns aws-chunked PUT and POST bodies into plain
// ones before next sees them, for every flavour the AWS SDKs send
// (X-Amz-Content-Sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER,
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, ...). For such a request it
//
//   - replaces the body with the decoded payload;
//   - sets Content-Length and r.ContentLength to X-Amz-Decoded-Content-Length;
//   - removes aws-chunked from Content-Encoding, keeping other encodings;
//   - sets X-Amz-Content-Sha256 to UNSIGNED-PAYLOAD and drops
//     X-Amz-Decoded-Content-Length and X-Amz-Trailer.
//
// For any upload (PUT, or POST other than CompleteMultipartUpload, without
// X-Amz-Copy-Source) it also verifies x-amz-checksum-crc32, -crc32c,
// -crc64nvme, -sha1 and -sha256 headers and trailers against the payload.
//
// When the request's signature was verified (WithSignature), it also checks
// the body against it: a hex X-Amz-Content-Sha256 against the SHA-256 of
// the body as sent, and the chunk and trailer signatures of
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies.
//
// Problems found before next runs are answered with an S3 XML error. Those
// found while next reads the body (bad framing, wrong length, checksum
// mismatch) are returned by the body's Read as gofakes3 errors with codes
// InvalidArgument, IncompleteBody and BadDigest, which gofakes3 renders as
// 400 responses; a signature failure replaces next's response with S3's
// (403 SignatureDoesNotMatch, 400 XAmzContentSHA256Mismatch).
func Dechunk(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := &bodyFailure{}
		checked, err := decodeBody(r, fail)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if checked {
			w = &failureWriter{ResponseWriter: w, r: r, fail: fail}
		}
		next.ServeHTTP(w, r)
	})
}

// decodeBody rewrites r as described for Dechunk. checked reports whether
// the body is verified against the request's signature as it is read.
func decodeBody(r *http.Request, fail *bodyFailure) (checked bool, err error) {
	sig := signatureFrom(r.Context())
	if sig != nil && isHexDigest(sig.PayloadHash) {
		if r.Body == nil {
			r.Body = http.NoBody
		}
		r.Body = readCloser{newPayloadHashReader(r.Body, sig.PayloadHash, fail), r.Body}
		checked = true
	}
	var expected []checksum
	if carriesPayloadChecksum(r) {
		for name := range checksumAlgorithms {
			value := r.Header.Get(name)
			if value == "" {
				continue
			}
			if !validChecksumValue(name, value) {
				return checked, gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "Value for %s header is invalid.", name)
			}
			expected = append(expected, checksum{name, value})
		}
	}
	chunked := (r.Method == http.MethodPut || r.Method == http.MethodPost) && isAWSChunked(r.Header)
	if !chunked && len(expected) == 0 {
		return checked, nil
	}

	if r.Body == nil {
		r.Body = http.NoBody
	}
	var body io.Reader = r.Body
	var algorithms []string // checksums to compute; duplicates are harmless
	for _, c := range expected {
		algorithms = append(algorithms, c.name)
	}
	var decoder *chunkedReader
	if chunked {
		length, err := decodedLength(r.Header)
		if err != nil {
			return checked, err
		}
		decoder = newChunkedReader(body, length)
		if sig != nil {
			if chunks := sig.Chunks(); chunks != nil {
				decoder.verifySignatures(chunks, sig.AccessKeyID, fail)
				checked = true
			}
		}
		body = decoder
		algorithms = append(algorithms, declaredTrailerChecksums(r.Header)...)
		rewriteChunkedHeaders(r, length)
	}

	if len(algorithms) > 0 {
		body = newVerifyingReader(body, algorithms, func() []checksum {
			if decoder == nil {
				return expected
			}
			all := append([]checksum(nil), expected...)
			for name, value := range decoder.Trailers() {
				if _, ok := checksumAlgorithms[name]; ok {
					all = append(all, checksum{name, value})
				}
			}
			return all
		})
	}
	r.Body = readCloser{body, r.Body}
	return checked, nil
}

// readCloser reads from a decoder and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// isAWSChunked reports whether the body uses aws-chunked framing: either the
// Content-Encoding says so or the payload hash is a STREAMING-* marker.
func isAWSChunked(h http.Header) bool {
	for _, enc := range contentEncodings(h) {
		if strings.EqualFold(enc, awsChunked) {
			return true
		}
	}
	sha := h.Get(hdrContentSHA256)
	return len(sha) >= len(streamingPrefix) && strings.EqualFold(sha[:len(streamingPrefix)], streamingPrefix)
}

// carriesPayloadChecksum reports whether x-amz-checksum-* headers on r, if
// any, describe its body. They do not for CompleteMultipartUpload (they
// describe the whole object) nor for copies (there is no body).
func carriesPayloadChecksum(r *http.Request) bool {
	if r.Header.Get(hdrCopySource) != "" {
		return false
	}
	switch r.Method {
	case http.MethodPut:
		return true
	case http.MethodPost:
		return !r.URL.Query().Has("uploadId")
	}
	return false
}

// decodedLength parses X-Amz-Decoded-Content-Length.
func decodedLength(h http.Header) (int64, error) {
	text := h.Get(hdrDecodedLength)
	if text == "" {
		return 0, gofakes3.ErrorMessage(gofakes3.ErrMissingContentLength,
			"aws-chunked uploads need the X-Amz-Decoded-Content-Length header.")
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
			"Invalid X-Amz-Decoded-Content-Length %q.", text)
	}
	return n, nil
}

// declaredTrailerChecksums lists the checksum trailers announced by
// X-Amz-Trailer, plus the algorithm named by X-Amz-Sdk-Checksum-Algorithm.
func declaredTrailerChecksums(h http.Header) []string {
	var names []string
	for _, v := range h.Values(hdrTrailer) {
		for _, name := range strings.Split(v, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if _, ok := checksumAlgorithms[name]; ok {
				names = append(names, name)
			}
		}
	}
	if name := checksumHeaderName(h.Get(hdrSDKChecksumAlgo)); name != "" {
		names = append(names, name)
	}
	return names
}

// rewriteChunkedHeaders makes r's headers describe the decoded payload.
func rewriteChunkedHeaders(r *http.Request, length int64) {
	var kept []string
	for _, enc := range contentEncodings(r.Header) {
		if !strings.EqualFold(enc, awsChunked) {
			kept = append(kept, enc)
		}
	}
	if len(kept) > 0 {
		r.Header.Set("Content-Encoding", strings.Join(kept, ","))
	} else {
		r.Header.Del("Content-Encoding")
	}
	r.ContentLength = length
	r.Header.Set("Content-Length", strconv.FormatInt(length, 10))
	r.TransferEncoding = nil
	r.Header.Set(hdrContentSHA256, unsignedPayload)
	r.Header.Del(hdrDecodedLength)
	r.Header.Del(hdrTrailer)
}

// contentEncodings splits the Content-Encoding header(s) into tokens.
func contentEncodings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, enc := range strings.Split(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" {
				out = append(out, enc)
			}
		}
	}
	return out
}
