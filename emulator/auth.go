package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/emulator/cwlogs"
	"github.com/firehose-local/firehose-local/emulator/lambdaapi"
	"github.com/firehose-local/firehose-local/internal/browserguard"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/sigv4"
	"github.com/firehose-local/firehose-local/s3fake"
)

// AuthConfig turns on AWS Signature Version 4 verification of every request.
type AuthConfig struct {
	// Credentials maps access key IDs to secret access keys. Every request
	// must be signed with one of them. At least one is required.
	Credentials map[string]string
	// Now is the clock signatures are checked against (default time.Now).
	// It is deliberately not Config.Clock: a FakeClock driven hours ahead
	// would make every SDK request look expired.
	Now func() time.Time
}

// functionCredentials makes the credentials functions get when requests
// are authenticated: random for each server, accepted like the configured
// ones, so a function can call the emulator's APIs as it would call AWS's
// with its execution role, and no host secret is handed to it.
func functionCredentials() lambdarunner.Credentials {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	id := []byte("ASIA")
	for _, b := range randomBytes(16) {
		id = append(id, upper[b%32])
	}
	return lambdarunner.Credentials{
		AccessKeyID:     string(id),
		SecretAccessKey: base64.RawStdEncoding.EncodeToString(randomBytes(30)),
		SessionToken:    base64.StdEncoding.EncodeToString(randomBytes(48)),
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Error texts AWS's JSON services send for authentication failures.
const (
	msgUnrecognizedClient = "The security token included in the request is invalid."
	msgSignatureMismatch  = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMissingToken = "Missing Authentication Token"
)

// authenticator checks every request's signature before the router sees it.
// It classifies requests the way routes does:
//
//	GET /_local/health                open: health checks carry no credentials
//	CORS preflight (OPTIONS)          open: never signed; the router's browser
//	                                  guard answers or refuses them
//	/_local/..., /metrics             any service in the scope; 403 {"error"}
//	X-Amz-Target: Firehose_20150804.* service firehose; JSON 1.1 errors
//	X-Amz-Target: Logs_20140328.*     service logs; JSON 1.1 errors
//	X-Amz-Target: <other>             any service; JSON 1.1 errors
//	/2015-03-31/...                   service lambda; REST-JSON errors (403)
//	everything else                   service s3; S3 XML errors, and the body
//	                                  checked against the signature (s3fake)
//
// JSON bodies are read here (at most the API's limit) to hash them.
type authenticator struct {
	v    *sigv4.Verifier
	next http.Handler
}

// newAuthenticator accepts cfg's credentials and fn, the functions'.
func newAuthenticator(cfg *AuthConfig, fn lambdarunner.Credentials, next http.Handler) *authenticator {
	creds := make(map[string]string, len(cfg.Credentials)+1)
	for k, v := range cfg.Credentials {
		creds[k] = v
	}
	creds[fn.AccessKeyID] = fn.SecretAccessKey
	return &authenticator{
		v: &sigv4.Verifier{
			Secret: func(id string) (string, bool) { s, ok := creds[id]; return s, ok },
			Now:    cfg.Now,
		},
		next: next,
	}
}

func (a *authenticator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	target := r.Header.Get("X-Amz-Target")
	switch {
	case path == "/_local/health", browserguard.IsPreflight(r):
		// CORS preflights carry no signature, on AWS either; the browser
		// guard answers or refuses them.
		a.next.ServeHTTP(w, r)
	case strings.HasPrefix(path, "/_local/"), path == "/metrics":
		a.json(w, r, "", maxJSONBody, func(e *protocol.Error) {
			writeLocalJSON(w, http.StatusForbidden, map[string]string{"error": e.Type + ": " + e.Message})
		})
	case target != "":
		service := ""
		switch {
		case strings.HasPrefix(target, firehoseTargetPrefix):
			service = "firehose"
		case strings.HasPrefix(target, cwlogs.TargetPrefix):
			service = "logs"
		}
		a.json(w, r, service, maxJSONBody, func(e *protocol.Error) { writeAWSError(w, e) })
	case strings.HasPrefix(path, "/2015-03-31/"):
		a.json(w, r, "lambda", lambdaapi.MaxRequestBytes, func(e *protocol.Error) { writeLambdaError(w, e) })
	default:
		res, err := a.v.Verify(r, sigv4.Target{Service: "s3", S3: true})
		if err != nil {
			s3fake.WriteAuthError(w, r, err)
			return
		}
		a.next.ServeHTTP(w, r.WithContext(s3fake.WithSignature(r.Context(), res)))
	}
}

// verifiedBodyKey is the request context key of a body the authenticator
// has read, for readBody.
type verifiedBodyKey struct{}

// json verifies a request whose signature covers the SHA-256 of its body,
// which it reads (at most limit bytes) and puts back, in r.Body and in the
// context for readBody.
func (a *authenticator) json(w http.ResponseWriter, r *http.Request, service string, limit int64, fail func(*protocol.Error)) {
	body, err := readLimited(w, r, limit)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(protocol.NewError(protocol.ErrRequestEntityTooLarge, "Request body exceeds the limit of %d bytes.", limit))
			return
		}
		fail(protocol.NewError(protocol.ErrSerialization, "Could not read the request body: %s", err))
		return
	}
	sum := sha256.Sum256(body)
	if _, verr := a.v.Verify(r, sigv4.Target{Service: service, PayloadHash: hex.EncodeToString(sum[:])}); verr != nil {
		fail(jsonAuthError(verr))
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), verifiedBodyKey{}, body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	a.next.ServeHTTP(w, r)
}

// jsonAuthError is the JSON-protocol error for a failed verification:
// UnrecognizedClientException, InvalidSignatureException,
// IncompleteSignatureException or MissingAuthenticationTokenException.
// JSON 1.1 services answer them with 400 (CloudWatch Logs and Firehose
// have been observed to); writeLambdaError makes it 403 for Lambda.
func jsonAuthError(e *sigv4.Error) *protocol.Error {
	mk := func(typ, msg string) *protocol.Error {
		return &protocol.Error{Type: typ, Message: msg, Status: http.StatusBadRequest}
	}
	switch e.Kind {
	case sigv4.KindMissing:
		return mk("MissingAuthenticationTokenException", msgMissingToken)
	case sigv4.KindUnknownKey:
		return mk("UnrecognizedClientException", msgUnrecognizedClient)
	case sigv4.KindMismatch:
		return mk("InvalidSignatureException", msgSignatureMismatch+
			"\n\nThe Canonical String for this request should have been\n'"+e.CanonicalRequest+
			"'\n\nThe String-to-Sign should have been\n'"+e.StringToSign+"'\n")
	case sigv4.KindExpired, sigv4.KindNotYetValid, sigv4.KindPresignExpired, sigv4.KindPresignNotYetValid:
		return mk("InvalidSignatureException", e.Message)
	}
	return mk("IncompleteSignatureException", e.Message)
}

// writeLambdaError renders an authentication failure as the Lambda REST API
// does: 403, X-Amzn-ErrorType, {"message": ...}. A body over the limit is
// Lambda's 413 RequestEntityTooLargeException.
func writeLambdaError(w http.ResponseWriter, e *protocol.Error) {
	status := http.StatusForbidden
	if e.Type == protocol.ErrRequestEntityTooLarge {
		status = http.StatusRequestEntityTooLarge
	} else if e.Type == protocol.ErrSerialization {
		status = http.StatusBadRequest
	}
	body, _ := json.Marshal(map[string]string{"message": e.Message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", uuid.NewString())
	h.Set("X-Amzn-ErrorType", e.Type)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
