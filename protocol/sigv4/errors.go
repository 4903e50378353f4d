package sigv4

import "time"

// Kind classifies why a request failed verification. Each API renders a
// kind in its own error shape (JSON 1.1 __type, Lambda's X-Amzn-ErrorType,
// S3's XML Code).
type Kind int

const (
	// KindMissing: no signature at all (no Authorization header, no
	// presigned query).
	KindMissing Kind = iota + 1
	// KindUnsupported: a signature of another kind (SigV2, SigV4a).
	KindUnsupported
	// KindMalformed: the Authorization header or the presigned query
	// parameters cannot be used (missing parts, bad date, wrong service).
	KindMalformed
	// KindUnknownKey: the access key ID is not one of the credentials.
	KindUnknownKey
	// KindMismatch: the signature is not the one the secret key gives.
	KindMismatch
	// KindExpired: a header-signed request's time is older than the
	// allowed skew.
	KindExpired
	// KindNotYetValid: a header-signed request's time is further ahead
	// than the allowed skew.
	KindNotYetValid
	// KindPresignExpired: a presigned URL's X-Amz-Date + X-Amz-Expires
	// has passed.
	KindPresignExpired
	// KindPresignNotYetValid: a presigned URL's X-Amz-Date is in the
	// future.
	KindPresignNotYetValid
	// KindMissingContentSHA256: an S3 request signed in the header without
	// X-Amz-Content-Sha256.
	KindMissingContentSHA256
	// KindBadContentSHA256: an S3 X-Amz-Content-Sha256 that is neither a
	// digest nor a known marker.
	KindBadContentSHA256
	// KindContentSHA256Mismatch: the body does not hash to the signed
	// X-Amz-Content-Sha256 (reported by the caller, which reads bodies).
	KindContentSHA256Mismatch
	// KindChunkMismatch: a chunk or trailer signature of a streaming upload
	// is wrong or missing.
	KindChunkMismatch
	// KindUnsignedHeaders: an S3 request carries x-amz-* headers its
	// signature does not cover (HeadersNotSigned).
	KindUnsignedHeaders
)

// Error is a verification failure.
type Error struct {
	Kind Kind
	// Message describes the failure in AWS's words where they are known.
	Message string
	// AccessKeyID is the request's access key ID, when it was readable.
	AccessKeyID string

	// For KindMismatch: what the server computed, and what was sent.
	StringToSign      string
	CanonicalRequest  string
	SignatureProvided string

	// For the time kinds.
	RequestTime    time.Time
	ServerTime     time.Time
	MaxSkew        time.Duration
	Expires        time.Time // presigned: X-Amz-Date + X-Amz-Expires
	ExpiresSeconds int64     // presigned: X-Amz-Expires

	// For KindUnsignedHeaders: the lower-case names.
	HeadersNotSigned []string
}

func (e *Error) Error() string { return "sigv4: " + e.Message }
