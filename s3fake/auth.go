package s3fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/sigv4"
)

// Request authentication is the caller's: a front end verifies the SigV4
// signature of the request line and headers (sigv4.Verifier) and passes the
// result down with WithSignature. What only the body can tell is checked
// here, while the body is read:
//
//   - a hex X-Amz-Content-Sha256 must be the SHA-256 of the body
//     (XAmzContentSHA256Mismatch);
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies must carry the
//     right chain of chunk (and trailer) signatures (SignatureDoesNotMatch).
//
// Without WithSignature nothing of this is checked.

type signatureKey struct{}

// WithSignature returns a context that tells the handler r's signature was
// verified as res, so that it checks the body against it too.
func WithSignature(ctx context.Context, res *sigv4.Result) context.Context {
	return context.WithValue(ctx, signatureKey{}, res)
}

func signatureFrom(ctx context.Context) *sigv4.Result {
	res, _ := ctx.Value(signatureKey{}).(*sigv4.Result)
	return res
}

// WriteAuthError answers r with an authentication failure in S3's XML error
// shape: InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed,
// AccessDenied ("Request has expired", "Access Denied"), ...
func WriteAuthError(w http.ResponseWriter, r *http.Request, err *sigv4.Error) {
	writeError(w, r, authError(err))
}

// authError maps a verification failure to the S3 error AWS sends for it.
func authError(e *sigv4.Error) *s3Error {
	const rfc3339 = "2006-01-02T15:04:05Z"
	switch e.Kind {
	case sigv4.KindMissing:
		return &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: "Access Denied"}
	case sigv4.KindUnsupported:
		return &s3Error{code: "InvalidRequest", status: http.StatusBadRequest,
			message: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."}
	case sigv4.KindMalformed:
		return &s3Error{code: "AuthorizationHeaderMalformed", status: http.StatusBadRequest, message: e.Message}
	case sigv4.KindUnknownKey:
		return &s3Error{code: "InvalidAccessKeyId", status: http.StatusForbidden,
			message: "The AWS Access Key Id you provided does not exist in our records.",
			extra:   []xmlElem{{"AWSAccessKeyId", e.AccessKeyID}}}
	case sigv4.KindMismatch:
		return &s3Error{code: "SignatureDoesNotMatch", status: http.StatusForbidden,
			message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			extra: []xmlElem{
				{"AWSAccessKeyId", e.AccessKeyID},
				{"StringToSign", e.StringToSign},
				{"SignatureProvided", e.SignatureProvided},
				{"StringToSignBytes", spacedHex([]byte(e.StringToSign))},
				{"CanonicalRequest", e.CanonicalRequest},
				{"CanonicalRequestBytes", spacedHex([]byte(e.CanonicalRequest))},
			}}
	case sigv4.KindChunkMismatch:
		return &s3Error{code: "SignatureDoesNotMatch", status: http.StatusForbidden,
			message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			extra:   []xmlElem{{"AWSAccessKeyId", e.AccessKeyID}}}
	case sigv4.KindExpired, sigv4.KindNotYetValid:
		return &s3Error{code: "RequestTimeTooSkewed", status: http.StatusForbidden,
			message: "The difference between the request time and the current time is too large.",
			extra: []xmlElem{
				{"RequestTime", e.RequestTime.UTC().Format(sigv4.TimeFormat)},
				{"ServerTime", e.ServerTime.UTC().Format(rfc3339)},
				{"MaxAllowedSkewMilliseconds", strconv.FormatInt(e.MaxSkew.Milliseconds(), 10)},
			}}
	case sigv4.KindPresignExpired:
		return &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: "Request has expired",
			extra: []xmlElem{
				{"X-Amz-Expires", strconv.FormatInt(e.ExpiresSeconds, 10)},
				{"Expires", e.Expires.UTC().Format(rfc3339)},
				{"ServerTime", e.ServerTime.UTC().Format(rfc3339)},
			}}
	case sigv4.KindPresignNotYetValid:
		return &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: "Request is not yet valid",
			extra: []xmlElem{
				{"X-Amz-Date", e.RequestTime.UTC().Format(sigv4.TimeFormat)},
				{"Expires", e.Expires.UTC().Format(rfc3339)},
				{"ServerTime", e.ServerTime.UTC().Format(rfc3339)},
			}}
	case sigv4.KindUnsignedHeaders:
		return &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: e.Message,
			extra: []xmlElem{{"HeadersNotSigned", strings.Join(e.HeadersNotSigned, ", ")}}}
	case sigv4.KindMissingContentSHA256:
		return &s3Error{code: "InvalidRequest", status: http.StatusBadRequest, message: e.Message}
	case sigv4.KindBadContentSHA256:
		return &s3Error{code: "InvalidArgument", status: http.StatusBadRequest, message: e.Message}
	}
	return &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: e.Message}
}

// spacedHex renders b as S3 does in StringToSignBytes: two hex digits per
// byte, separated by spaces.
func spacedHex(b []byte) string {
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}

// bodyFailure remembers the first error a body reader reported that
// gofakes3 cannot render itself (a signature or size failure), so that
// failureWriter answers with it instead of gofakes3's response.
type bodyFailure struct{ err error }

func (f *bodyFailure) set(err error) error {
	if f != nil && f.err == nil {
		f.err = err
	}
	return err
}

// failureWriter replaces the response with the recorded body failure, if
// any, when the handler starts writing it.
type failureWriter struct {
	http.ResponseWriter
	r        *http.Request
	fail     *bodyFailure
	started  bool
	replaced bool
}

func (w *failureWriter) WriteHeader(status int) {
	if w.started {
		if !w.replaced {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	w.started = true
	if w.fail.err != nil {
		w.replaced = true
		writeError(w.ResponseWriter, w.r, w.fail.err)
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *failureWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *failureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// payloadHashReader checks, at EOF, that everything read hashes to the
// signed X-Amz-Content-Sha256.
type payloadHashReader struct {
	r    io.Reader
	want string
	h    hash.Hash
	fail *bodyFailure
	err  error
}

func newPayloadHashReader(r io.Reader, want string, fail *bodyFailure) *payloadHashReader {
	return &payloadHashReader{r: r, want: want, h: sha256.New(), fail: fail}
}

func (p *payloadHashReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	p.h.Write(b[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(p.h.Sum(nil)); got != p.want {
			err = p.fail.set(&s3Error{code: "XAmzContentSHA256Mismatch", status: http.StatusBadRequest,
				message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
				extra:   []xmlElem{{"ClientComputedContentSHA256", p.want}, {"S3ComputedContentSHA256", got}}})
		}
	}
	if err != nil {
		p.err = err
	}
	return n, err
}

// chunkSignatureError is the failure of a chunk or trailer signature.
func chunkSignatureError(accessKeyID string) error {
	return &sigv4.Error{Kind: sigv4.KindChunkMismatch, AccessKeyID: accessKeyID,
		Message: "The chunk signature we calculated does not match the signature you provided."}
}

// isHexDigest reports whether s is a hex SHA-256 digest.
func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
