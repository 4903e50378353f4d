// Package sigv4 verifies AWS Signature Version 4 requests: header
// authentication (Authorization: AWS4-HMAC-SHA256 ...), presigned URLs
// (X-Amz-Signature in the query) and the chained chunk signatures of S3
// streaming uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]).
//
// It follows AWS's "Create a signed AWS API request" and S3's
// "Authenticating Requests (AWS Signature Version 4)":
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n
//	                   CanonicalHeaders \n SignedHeaders \n PayloadHash
//	StringToSign     = AWS4-HMAC-SHA256 \n X-Amz-Date \n Scope \n hex(SHA256(CanonicalRequest))
//	SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")
//
// The canonical URI is the request path with every byte but the unreserved
// ones percent-encoded; for every service but S3 that string is encoded once
// more (so %3A becomes %253A), as the AWS SDKs sign it. S3 takes the payload
// hash from X-Amz-Content-Sha256 (a hex digest, UNSIGNED-PAYLOAD or a
// STREAMING-* marker); other services sign the SHA-256 of the body, which
// the caller computes.
//
// The package performs no I/O: it reads only the request line and headers it
// is given, never the body. Failures are *Error values whose Kind each API
// renders in its own error shape.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm verified.
const Algorithm = "AWS4-HMAC-SHA256"

// Payload hash markers of X-Amz-Content-Sha256.
const (
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// EmptySHA256 is the hex SHA-256 of an empty payload.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// DefaultMaxSkew is how far a header-signed request's X-Amz-Date may be from
// the server's clock, either way.
const DefaultMaxSkew = 15 * time.Minute

// MaxPresignExpires is the longest X-Amz-Expires accepted: seven days.
const MaxPresignExpires = 7 * 24 * time.Hour

// TimeFormat is the layout of X-Amz-Date.
const TimeFormat = "20060102T150405Z"

const dateFormat = "20060102"

// Verifier checks signatures against a set of credentials.
type Verifier struct {
	// Secret returns the secret access key of an access key ID, and
	// whether the key is known.
	Secret func(accessKeyID string) (secret string, ok bool)
	// Now is the server's clock (default time.Now).
	Now func() time.Time
	// MaxSkew bounds the distance between a header-signed request's time
	// and Now (default DefaultMaxSkew).
	MaxSkew time.Duration
}

// Target describes the API a request is addressed to.
type Target struct {
	// Service is the service name the credential scope must carry
	// ("firehose", "logs", "lambda", "s3"); empty accepts any.
	Service string
	// S3 applies S3's rules: the path is not encoded twice and the payload
	// hash is X-Amz-Content-Sha256 (UNSIGNED-PAYLOAD for presigned URLs
	// without it).
	S3 bool
	// PayloadHash is the hex SHA-256 of the body, for every service but S3.
	PayloadHash string
}

// Result describes a request whose signature is valid.
type Result struct {
	AccessKeyID string
	Region      string
	Service     string
	// Time is the request's X-Amz-Date.
	Time time.Time
	// Presigned is true for a signature in the query string.
	Presigned bool
	// Signature is the request's (seed) signature, lower-case hex.
	Signature string
	// PayloadHash is the payload hash the signature covers: a hex SHA-256,
	// UNSIGNED-PAYLOAD or a STREAMING-* marker.
	PayloadHash string

	amzDate string
	scope   string
	key     []byte
}

// Chunks returns the verifier of the chunk signatures that follow this
// request's seed signature, for STREAMING-AWS4-HMAC-SHA256-PAYLOAD and
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER bodies, else nil.
func (r *Result) Chunks() *ChunkVerifier {
	switch r.PayloadHash {
	case StreamingPayload, StreamingPayloadTrailer:
		return &ChunkVerifier{key: r.key, amzDate: r.amzDate, scope: r.scope, prev: r.Signature,
			trailer: r.PayloadHash == StreamingPayloadTrailer}
	}
	return nil
}

// Signed reports whether r carries any SigV4 (or other AWS) signature
// material: an Authorization header or an X-Amz-Signature / X-Amz-Credential
// query parameter.
func Signed(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	q := r.URL.RawQuery
	return strings.Contains(q, "X-Amz-Signature") || strings.Contains(q, "X-Amz-Credential") ||
		strings.Contains(q, "AWSAccessKeyId")
}

// parsed is the signature material of a request, from either place.
type parsed struct {
	accessKey     string
	date          string // scope date, YYYYMMDD
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string // X-Amz-Date as sent (or derived from Date)
	time          time.Time
	presigned     bool
	expires       time.Duration
}

// Verify checks r's signature for target. It reads r's URL and headers only.
func (v *Verifier) Verify(r *http.Request, target Target) (*Result, *Error) {
	pc, err := v.Precheck(r, target)
	if err != nil {
		return nil, err
	}
	return pc.Verify(target.PayloadHash)
}

// Prechecked is a request whose signature material passed Precheck; its
// Verify checks the signature itself.
type Prechecked struct {
	r      *http.Request
	target Target
	p      *parsed
	secret string
}

// Precheck checks everything about r's signature that does not depend on
// its payload or on the secret key: that it is there and well formed, that
// its scope names target.Service and a valid date matching X-Amz-Date, that
// its access key ID is one of the credentials, and that its time is within
// the allowed skew (or its presigned URL is current). A server that must
// read a body to hash it calls Precheck first, so that a request that
// cannot be valid is refused before its body is read; Verify does both.
func (v *Verifier) Precheck(r *http.Request, target Target) (*Prechecked, *Error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	maxSkew := v.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}

	p, err := parseRequest(r)
	if err != nil {
		return nil, err
	}
	if target.Service != "" && p.service != target.Service {
		return nil, &Error{Kind: KindMalformed, AccessKeyID: p.accessKey,
			Message: "Credential should be scoped to correct service: '" + target.Service + "'. "}
	}
	secret, ok := v.Secret(p.accessKey)
	if !ok {
		return nil, &Error{Kind: KindUnknownKey, AccessKeyID: p.accessKey,
			Message: "The access key ID " + p.accessKey + " is not one of the configured credentials."}
	}

	t := now().UTC()
	if p.presigned {
		if t.After(p.time.Add(p.expires)) {
			return nil, &Error{Kind: KindPresignExpired, AccessKeyID: p.accessKey, RequestTime: p.time,
				ServerTime: t, Expires: p.time.Add(p.expires), ExpiresSeconds: int64(p.expires / time.Second),
				Message: "Request has expired"}
		}
		if p.time.After(t.Add(maxSkew)) {
			return nil, &Error{Kind: KindPresignNotYetValid, AccessKeyID: p.accessKey, RequestTime: p.time,
				ServerTime: t, Expires: p.time.Add(p.expires), ExpiresSeconds: int64(p.expires / time.Second),
				Message: "Request is not yet valid"}
		}
	} else {
		if p.time.Before(t.Add(-maxSkew)) {
			return nil, &Error{Kind: KindExpired, AccessKeyID: p.accessKey, RequestTime: p.time, ServerTime: t, MaxSkew: maxSkew,
				Message: "Signature expired: " + p.amzDate + " is now earlier than " + t.Add(-maxSkew).Format(TimeFormat) +
					" (" + t.Format(TimeFormat) + " - " + skewText(maxSkew) + ".)"}
		}
		if p.time.After(t.Add(maxSkew)) {
			return nil, &Error{Kind: KindNotYetValid, AccessKeyID: p.accessKey, RequestTime: p.time, ServerTime: t, MaxSkew: maxSkew,
				Message: "Signature not yet current: " + p.amzDate + " is still later than " + t.Add(maxSkew).Format(TimeFormat) +
					" (" + t.Format(TimeFormat) + " + " + skewText(maxSkew) + ".)"}
		}
	}
	return &Prechecked{r: r, target: target, p: p, secret: secret}, nil
}

// Verify checks the signature of the prechecked request. bodySHA256 is
// the hex SHA-256 of its body, for every service but S3 (whose payload
// hash is X-Amz-Content-Sha256); it replaces the target's PayloadHash.
func (c *Prechecked) Verify(bodySHA256 string) (*Result, *Error) {
	r, target, p, secret := c.r, c.target, c.p, c.secret
	target.PayloadHash = bodySHA256
	if target.S3 {
		// S3 refuses x-amz-* headers the signature does not cover: they
		// change what a request does (x-amz-copy-source, x-amz-acl, ...).
		var unsigned []string
		for name := range r.Header {
			lower := strings.ToLower(name)
			if strings.HasPrefix(lower, "x-amz-") && !slices.Contains(p.signedHeaders, lower) {
				unsigned = append(unsigned, lower)
			}
		}
		if len(unsigned) > 0 {
			slices.Sort(unsigned)
			return nil, &Error{Kind: KindUnsignedHeaders, AccessKeyID: p.accessKey, HeadersNotSigned: unsigned,
				Message: "There were headers present in the request which were not signed"}
		}
	}
	payload, perr := payloadHash(r, target, p.presigned)
	if perr != nil {
		perr.AccessKeyID = p.accessKey
		return nil, perr
	}
	canonical, cerr := canonicalRequest(r, target.S3, p, payload)
	if cerr != nil {
		cerr.AccessKeyID = p.accessKey
		return nil, cerr
	}
	scope := p.date + "/" + p.region + "/" + p.service + "/aws4_request"
	sts := Algorithm + "\n" + p.amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	key := SigningKey(secret, p.date, p.region, p.service)
	want := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(p.signature))) {
		return nil, &Error{Kind: KindMismatch, AccessKeyID: p.accessKey, StringToSign: sts,
			CanonicalRequest: canonical, SignatureProvided: p.signature,
			Message: "The request signature we calculated does not match the signature you provided."}
	}
	return &Result{
		AccessKeyID: p.accessKey, Region: p.region, Service: p.service, Time: p.time,
		Presigned: p.presigned, Signature: want, PayloadHash: payload,
		amzDate: p.amzDate, scope: scope, key: key,
	}, nil
}

// skewText renders a skew the way AWS's messages do ("15 min").
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}

// parseRequest finds the signature material in the Authorization header or
// the query string.
func parseRequest(r *http.Request) (*parsed, *Error) {
	auth := r.Header.Get("Authorization")
	q := r.URL.Query()
	switch {
	case auth != "":
		return parseAuthorization(r, auth)
	case q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Algorithm"):
		return parsePresigned(q)
	case q.Has("AWSAccessKeyId") || q.Has("Signature"):
		return nil, &Error{Kind: KindUnsupported, Message: "Signature Version 2 is not supported; sign requests with " + Algorithm + "."}
	}
	return nil, &Error{Kind: KindMissing, Message: "Missing Authentication Token"}
}

func parseAuthorization(r *http.Request, auth string) (*parsed, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != Algorithm {
		return nil, &Error{Kind: KindUnsupported, Message: "Unsupported authorization type " + strconv.Quote(alg) + "; sign requests with " + Algorithm + "."}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, malformed("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=" + auth)
		}
		fields[k] = val
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return nil, malformed("Authorization header requires '" + k + "' parameter. Authorization=" + auth)
		}
	}
	p := &parsed{signature: fields["Signature"]}
	if err := p.parseCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	if err := p.parseSignedHeaders(fields["SignedHeaders"]); err != nil {
		return nil, err
	}
	date := r.Header.Get("X-Amz-Date")
	if date == "" {
		d := r.Header.Get("Date")
		if d == "" {
			return nil, malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + auth)
		}
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, malformed("Date header " + strconv.Quote(d) + " is not a valid HTTP date.")
		}
		date = t.UTC().Format(TimeFormat)
	}
	if err := p.parseTime(date); err != nil {
		return nil, err
	}
	return p, nil
}

func parsePresigned(q url.Values) (*parsed, *Error) {
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q.Get(k) == "" {
			return nil, malformed("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != Algorithm {
		return nil, &Error{Kind: KindUnsupported, Message: "X-Amz-Algorithm only supports \"" + Algorithm + "\""}
	}
	p := &parsed{signature: q.Get("X-Amz-Signature"), presigned: true}
	if err := p.parseCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := p.parseSignedHeaders(q.Get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	if err := p.parseTime(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	switch {
	case err != nil || secs < 0:
		return nil, malformed("X-Amz-Expires should be a number")
	case secs == 0:
		return nil, malformed("X-Amz-Expires must be non-negative")
	case time.Duration(secs)*time.Second > MaxPresignExpires:
		return nil, malformed("X-Amz-Expires must be less than a week (in seconds) that is 604800 seconds")
	}
	p.expires = time.Duration(secs) * time.Second
	return p, nil
}

// parseCredential reads AKID/YYYYMMDD/REGION/SERVICE/aws4_request.
func (p *parsed) parseCredential(cred string) *Error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return malformed("Credential should have 5 slash-separated parts: ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, not " + strconv.Quote(cred) + ".")
	}
	if parts[4] != "aws4_request" {
		return malformed("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'.")
	}
	if _, err := time.Parse(dateFormat, parts[1]); err != nil {
		return malformed("Credential should be scoped to a valid date, not '" + parts[1] + "'.")
	}
	p.accessKey, p.date, p.region, p.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (p *parsed) parseSignedHeaders(s string) *Error {
	names := strings.Split(s, ";")
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return malformed("SignedHeaders " + strconv.Quote(s) + " must be lower-case header names separated by ';'.")
		}
	}
	if !slices.Contains(names, "host") {
		return malformed("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	p.signedHeaders = names
	return nil
}

func (p *parsed) parseTime(amzDate string) *Error {
	t, err := time.Parse(TimeFormat, amzDate)
	if err != nil {
		return malformed("X-Amz-Date " + strconv.Quote(amzDate) + " must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z'.")
	}
	if amzDate[:8] != p.date {
		return malformed("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			p.date + "' != '" + amzDate[:8] + "', from '" + amzDate + "'.")
	}
	p.amzDate, p.time = amzDate, t
	return nil
}

func malformed(msg string) *Error { return &Error{Kind: KindMalformed, Message: msg} }

// payloadHash is the last line of the canonical request.
func payloadHash(r *http.Request, target Target, presigned bool) (string, *Error) {
	if !target.S3 {
		if target.PayloadHash == "" {
			return EmptySHA256, nil
		}
		return target.PayloadHash, nil
	}
	h := r.Header.Get("X-Amz-Content-Sha256")
	if h == "" && presigned {
		h = r.URL.Query().Get("X-Amz-Content-Sha256")
		if h == "" {
			return UnsignedPayload, nil
		}
	}
	switch {
	case h == "":
		return "", &Error{Kind: KindMissingContentSHA256, Message: "Missing required header for this request: x-amz-content-sha256"}
	case h == UnsignedPayload, h == StreamingPayload, h == StreamingPayloadTrailer, h == StreamingUnsignedTrailer:
		return h, nil
	case strings.HasPrefix(h, "STREAMING-"):
		return "", &Error{Kind: KindUnsupported, Message: "x-amz-content-sha256 " + h + " is not supported; use " + StreamingPayload + " or " + StreamingUnsignedTrailer + "."}
	case len(h) == 64 && isHex(h):
		return strings.ToLower(h), nil
	}
	return "", &Error{Kind: KindBadContentSHA256, Message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// canonicalRequest builds the canonical request of r.
func canonicalRequest(r *http.Request, s3 bool, p *parsed, payload string) (string, *Error) {
	uri, err := canonicalURI(r.URL.EscapedPath(), s3)
	if err != nil {
		return "", err
	}
	query, err := canonicalQuery(r.URL.RawQuery, p.presigned)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range p.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(p.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String(), nil
}

// canonicalURI re-encodes an escaped path strictly (every byte but
// A-Z a-z 0-9 - _ . ~ and the separating slashes), and once more for
// services other than S3.
func canonicalURI(escaped string, s3 bool) (string, *Error) {
	if escaped == "" {
		escaped = "/"
	}
	segs := strings.Split(escaped, "/")
	for i, seg := range segs {
		raw, err := url.PathUnescape(seg)
		if err != nil {
			return "", malformed("The request path is not correctly percent-encoded.")
		}
		segs[i] = Escape(raw)
	}
	uri := strings.Join(segs, "/")
	if !s3 {
		uri = EscapePath(uri)
	}
	return uri, nil
}

// canonicalQuery sorts the decoded query parameters by name, then value,
// and encodes them strictly; a presigned request's X-Amz-Signature is left
// out.
func canonicalQuery(raw string, presigned bool) (string, *Error) {
	if raw == "" {
		return "", nil
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", malformed("The query string is not correctly percent-encoded.")
		}
		if presigned && dk == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{Escape(dk), Escape(dv)})
	}
	slices.SortFunc(pairs, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// headerValue is the canonical value of a signed header: its values
// trimmed, runs of spaces collapsed, joined by commas.
func headerValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	default:
		values = r.Header.Values(name)
		if len(values) == 0 && name == "content-length" && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		if len(values) == 0 && name == "transfer-encoding" && len(r.TransferEncoding) > 0 {
			values = []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// Escape percent-encodes every byte of s except the unreserved characters
// A-Z a-z 0-9 - _ . ~, with upper-case hex digits.
func Escape(s string) string {
	return escape(s, false)
}

// EscapePath is Escape keeping '/' as it is: an S3 object's path, as the
// canonical request has it and as a client sends it.
func EscapePath(s string) string { return escape(s, true) }

func escape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// SigningKey derives the SigV4 signing key.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
