package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/internal/browserguard"
	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
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
	// ConsoleOpen serves the console (/_local/ui) unsigned to requests
	// arriving over loopback.
	ConsoleOpen bool
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

// authenticator checks requests' signatures, as each route of the route
// table asks (routes): with its API's service in the scope and its API's
// errors.
//
//	GET /_local/health                open: health checks carry no credentials
//	CORS preflight (OPTIONS)          open: never signed; the browser guard,
//	                                  in front of the authenticator, answers
//	                                  or refuses them
//	/_local/..., /metrics             any service in the scope; 403 {"error"}
//	X-Amz-Target: Firehose_20150804.* service firehose; JSON 1.1 errors
//	X-Amz-Target: Logs_20140328.*     service logs; JSON 1.1 errors
//	X-Amz-Target: <other>             any service; JSON 1.1 errors
//	/2015-03-31/...                   service lambda; REST-JSON errors (403)
//	everything else                   service s3; S3 XML errors, and the body
//	                                  checked against the signature (s3fake)
//
// JSON and Lambda signatures cover the SHA-256 of the body, so those bodies
// are read here (at most the API's limit, within the body budget) to hash
// them; but not before what can be checked without them has been (the
// signature's format and scope, its date, its access key): a request that
// cannot be valid is refused without reading its body (and guardBodies
// then closes its connection rather than wait for the body). S3 signatures
// cover the request line and headers only and are checked whole before any
// of the body is read.
type authenticator struct {
	v           *sigv4.Verifier
	bodies      *reqbody.Budget
	consoleOpen bool
}

// newAuthenticator accepts cfg's credentials and fn, the functions'.
func newAuthenticator(cfg *AuthConfig, fn lambdarunner.Credentials, bodies *reqbody.Budget) *authenticator {
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
		bodies:      bodies,
		consoleOpen: cfg.ConsoleOpen,
	}
}

// middleware is a route's signature check; a nil authenticator (no
// Config.Auth) checks nothing.
type middleware func(http.Handler) http.Handler

func (a *authenticator) wrap(check func(w http.ResponseWriter, r *http.Request, next http.Handler)) middleware {
	if a == nil {
		return func(h http.Handler) http.Handler { return h }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if browserguard.IsPreflight(r) {
				// CORS preflights carry no signature, on AWS either; the
				// browser guard in front has allowed this one.
				next.ServeHTTP(w, r)
				return
			}
			check(w, r, next)
		})
	}
}

// local checks the admin endpoints', /metrics' and the console's requests:
// any service in the scope, errors as {"error"} with 403.
func (a *authenticator) local() middleware { return a.localFor(false) }

// localFor(true) is local's check for the console: none with ConsoleOpen
// for a request over loopback; a browser refused gets console.WriteAuthPage.
func (a *authenticator) localFor(ui bool) middleware {
	return a.wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if ui && a.consoleOpen && console.OverLoopback(r) {
			next.ServeHTTP(w, r)
			return
		}
		a.json(w, r, next, "", maxJSONBody, localThrottle(), true, func(e *awsjson.Error) {
			status := http.StatusForbidden
			if e.Type == awsjson.ErrServiceUnavailable || e.Type == awsjson.ErrRequestEntityTooLarge {
				status = e.Status
			} else if ui && console.WantsHTML(r) {
				console.WriteAuthPage(w, e.Type+": "+e.Message)
				return
			}
			writeLocalJSON(w, status, map[string]string{"error": e.Type + ": " + e.Message})
		})
	})
}

// jsonAPI checks a JSON 1.1 API's requests (service "" for any), with its
// throttling error past the body budget.
func (a *authenticator) jsonAPI(service string, throttle func() *awsjson.Error, pooled bool) middleware {
	return a.wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		a.json(w, r, next, service, maxJSONBody, throttle(), pooled, func(e *awsjson.Error) { writeAWSError(w, e) })
	})
}

// lambdaAPI checks the Lambda REST API's requests.
func (a *authenticator) lambdaAPI() middleware {
	return a.wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		a.json(w, r, next, "lambda", lambdaapi.MaxRequestBytes, lambdaThrottle(), false, func(e *awsjson.Error) { writeLambdaError(w, e) })
	})
}

// s3API checks S3's requests: the signature whole, from the request line
// and headers; s3fake checks the body against it as it is read.
func (a *authenticator) s3API() middleware {
	return a.wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		res, err := a.v.Verify(r, sigv4.Target{Service: "s3", S3: true})
		if err != nil {
			s3fake.WriteAuthError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(s3fake.WithSignature(r.Context(), res)))
	})
}

// json verifies a request whose signature covers the SHA-256 of its body.
// It prechecks the signature, then reads the body (at most limit bytes,
// within the budget: throttle past it), verifies the signature and serves
// the request with the body in r.Body and in the context, for readBody and
// the other APIs' handlers. pooled reads into a reused buffer, for
// handlers known to keep nothing of the body once they return: Firehose's
// and the admin endpoints' (Lambda's and CloudWatch Logs' get buffers of
// their own, the GC's to free).
func (a *authenticator) json(w http.ResponseWriter, r *http.Request, next http.Handler, service string, limit int64, throttle *awsjson.Error, pooled bool, fail func(*awsjson.Error)) {
	pc, verr := a.v.Precheck(r, sigv4.Target{Service: service})
	if verr != nil {
		fail(jsonAuthError(verr))
		return
	}
	body, err := a.bodies.ReadLimited(w, r, limit, pooled)
	if err != nil {
		fail(awsjson.BodyError(err, limit, throttle))
		return
	}
	defer body.Release()
	sum := sha256.Sum256(body.Bytes)
	if _, verr := pc.Verify(hex.EncodeToString(sum[:])); verr != nil {
		fail(jsonAuthError(verr))
		return
	}
	next.ServeHTTP(w, reqbody.WithBody(r, body.Bytes))
}

// jsonAuthError is the JSON-protocol error for a failed verification:
// UnrecognizedClientException, InvalidSignatureException,
// IncompleteSignatureException or MissingAuthenticationTokenException.
// JSON 1.1 services answer them with 400 (CloudWatch Logs and Firehose
// have been observed to); writeLambdaError makes it 403 for Lambda.
func jsonAuthError(e *sigv4.Error) *awsjson.Error {
	mk := func(typ, msg string) *awsjson.Error {
		return &awsjson.Error{Type: typ, Message: msg, Status: http.StatusBadRequest}
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
// Lambda's 413 RequestEntityTooLargeException, one that could not be read
// its 400 InvalidRequestContentException, a body past the budget its 429
// TooManyRequestsException.
func writeLambdaError(w http.ResponseWriter, e *awsjson.Error) {
	status := http.StatusForbidden
	switch e.Type {
	case awsjson.ErrRequestEntityTooLarge:
		status = http.StatusRequestEntityTooLarge
	case awsjson.ErrSerialization:
		status = http.StatusBadRequest
		e = &awsjson.Error{Type: "InvalidRequestContentException", Message: e.Message}
	case errTooManyRequests:
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "1")
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
