package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The examples of AWS's documentation use these credentials.
const (
	docKeyID  = "AKIAIOSFODNN7EXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// The SigV4 test suite's credentials.
	suiteKeyID  = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

func verifierAt(now time.Time) *Verifier {
	return &Verifier{
		Secret: func(id string) (string, bool) {
			switch id {
			case docKeyID:
				return docSecret, true
			case suiteKeyID:
				return suiteSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return now },
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		panic(err)
	}
	return t
}

// serverRequest turns a client request into what a handler sees.
func serverRequest(method, target, host string, header http.Header) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Host = host
	for k, v := range header {
		r.Header[k] = v
	}
	return r
}

// Known answers from S3's "Signature Calculations for the Authorization
// Header" (GET Object example) and "Authenticating Requests: Using Query
// Parameters".
func TestS3DocumentationExamples(t *testing.T) {
	v := verifierAt(mustTime("20130524T000000Z"))
	get := serverRequest("GET", "/test.txt", "examplebucket.s3.amazonaws.com", http.Header{
		"Range":                {"bytes=0-9"},
		"X-Amz-Content-Sha256": {EmptySHA256},
		"X-Amz-Date":           {"20130524T000000Z"},
		"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
			"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
			"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
	})
	res, err := v.Verify(get, Target{Service: "s3", S3: true})
	if err != nil {
		t.Fatalf("GET object example: %v\n%s\n%s", err, err.CanonicalRequest, err.StringToSign)
	}
	if res.AccessKeyID != docKeyID || res.Region != "us-east-1" || res.Presigned {
		t.Fatalf("result %+v", res)
	}

	presigned := serverRequest("GET", "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"+
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"+
		"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "examplebucket.s3.amazonaws.com", nil)
	if _, err := v.Verify(presigned, Target{Service: "s3", S3: true}); err != nil {
		t.Fatalf("presigned example: %v\n%s", err, err.CanonicalRequest)
	}
	// A day later the URL has expired.
	late := verifierAt(mustTime("20130525T000001Z"))
	if _, err := late.Verify(presigned, Target{Service: "s3", S3: true}); err == nil || err.Kind != KindPresignExpired {
		t.Fatalf("expired presigned URL: %v", err)
	}
}

// The streaming example of S3's "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks": the seed
// signature and each chunk's.
func TestS3StreamingExample(t *testing.T) {
	v := verifierAt(mustTime("20130524T000000Z"))
	r := serverRequest("PUT", "/examplebucket/chunkObject.txt", "s3.amazonaws.com", http.Header{
		"X-Amz-Date":                   {"20130524T000000Z"},
		"X-Amz-Storage-Class":          {"REDUCED_REDUNDANCY"},
		"X-Amz-Content-Sha256":         {StreamingPayload},
		"Content-Encoding":             {"aws-chunked"},
		"X-Amz-Decoded-Content-Length": {"66560"},
		"Content-Length":               {"66824"},
		"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class," +
			"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
	})
	res, err := v.Verify(r, Target{Service: "s3", S3: true})
	if err != nil {
		t.Fatalf("seed signature: %v\n%s", err, err.CanonicalRequest)
	}
	c := res.Chunks()
	if c == nil || c.ExpectsTrailer() {
		t.Fatal("no chunk verifier for a streaming payload")
	}
	sum := func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
	chunks := []struct {
		data []byte
		sig  string
	}{
		{bytes.Repeat([]byte("a"), 65536), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{bytes.Repeat([]byte("a"), 1024), "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{nil, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	}
	// A wrong signature does not advance the chain.
	if c.Chunk(chunks[1].sig, sum(chunks[0].data)) {
		t.Fatal("a wrong chunk signature passed")
	}
	for i, ch := range chunks {
		if !c.Chunk(ch.sig, sum(ch.data)) {
			t.Fatalf("chunk %d signature rejected", i)
		}
	}
	// Replaying the chain from the start fails: it has moved on.
	if c.Chunk(chunks[0].sig, sum(chunks[0].data)) {
		t.Fatal("a replayed chunk signature passed")
	}
}

// Two cases of the SigV4 test suite (get-vanilla, post-vanilla): a
// service other than S3.
func TestSuiteVanilla(t *testing.T) {
	v := verifierAt(mustTime("20150830T123600Z"))
	for _, c := range []struct{ method, sig string }{
		{"GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	} {
		r := serverRequest(c.method, "/", "example.amazonaws.com", http.Header{
			"X-Amz-Date": {"20150830T123600Z"},
			"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;x-amz-date, Signature=" + c.sig},
		})
		if _, err := v.Verify(r, Target{Service: "service"}); err != nil {
			t.Fatalf("%s-vanilla: %v\n%s", strings.ToLower(c.method), err, err.CanonicalRequest)
		}
	}
}

// sdkSigned signs a request with the AWS SDK for Go v2's signer, as a
// client would, and returns what the server sees.
func sdkSigned(t *testing.T, method, url string, body []byte, service string, header http.Header, at time.Time, s3 bool) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if s3 {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 })
	creds := aws.Credentials{AccessKeyID: suiteKeyID, SecretAccessKey: suiteSecret}
	if err := signer.SignHTTP(context.Background(), creds, req, hash, service, "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewRequest(method, req.URL.RequestURI(), bytes.NewReader(body))
	srv.Host = req.URL.Host
	srv.Header = req.Header.Clone()
	return srv
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestAgainstSDKSigner(t *testing.T) {
	now := mustTime("20260101T120000Z")
	v := verifierAt(now)
	body := []byte(`{"DeliveryStreamName":"s"}`)
	cases := []struct {
		name, method, url, service string
		s3                         bool
		header                     http.Header
	}{
		{"json 1.1", "POST", "http://127.0.0.1:4566/", "firehose", false, http.Header{
			"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"Firehose_20150804.DescribeDeliveryStream"}}},
		{"rest path with an ARN", "POST", "http://127.0.0.1:4566/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations?Qualifier=%24LATEST", "lambda", false, nil},
		{"s3 key with odd characters", "PUT", "http://127.0.0.1:4566/bucket/a%20b%2Bc/%C3%A9%21%28x%29~", "s3", true, http.Header{"X-Amz-Meta-Note": {"  two   spaces  "}}},
		{"s3 query", "GET", "http://127.0.0.1:4566/bucket?list-type=2&prefix=a%2Fb%20c&delimiter=%2F", "s3", true, nil},
		{"s3 subresource without value", "POST", "http://127.0.0.1:4566/bucket/key?uploads", "s3", true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sdkSigned(t, c.method, c.url, body, c.service, c.header, now, c.s3)
			target := Target{Service: c.service, S3: c.s3}
			if !c.s3 {
				target.PayloadHash = hashOf(body)
			}
			res, err := v.Verify(r, target)
			if err != nil {
				t.Fatalf("%v\n%s", err, err.CanonicalRequest)
			}
			if res.Region != "eu-west-1" || res.Service != c.service {
				t.Fatalf("result %+v", res)
			}

			// A tampered body (different payload hash) fails.
			if !c.s3 {
				target.PayloadHash = hashOf([]byte("tampered"))
				if _, err := v.Verify(r, target); err == nil || err.Kind != KindMismatch {
					t.Fatalf("tampered body: %v", err)
				}
			}
			// So does a changed path, a changed header, a wrong service.
			r2 := r.Clone(context.Background())
			r2.URL.Path += "x"
			r2.URL.RawPath = ""
			if _, err := v.Verify(r2, Target{Service: c.service, S3: c.s3, PayloadHash: hashOf(body)}); err == nil || err.Kind != KindMismatch {
				t.Fatalf("changed path: %v", err)
			}
			r3 := r.Clone(context.Background())
			r3.Host = "127.0.0.1:4567"
			if _, err := v.Verify(r3, Target{Service: c.service, S3: c.s3, PayloadHash: hashOf(body)}); err == nil || err.Kind != KindMismatch {
				t.Fatalf("changed host: %v", err)
			}
			if _, err := v.Verify(r, Target{Service: "other", S3: c.s3}); err == nil || err.Kind != KindMalformed {
				t.Fatalf("wrong service: %v", err)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	now := mustTime("20260101T120000Z")
	v := verifierAt(now)
	body := []byte("{}")
	target := Target{Service: "firehose", PayloadHash: hashOf(body)}
	sign := func(at time.Time, key, secret string) *http.Request {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:4566/", bytes.NewReader(body))
		creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashOf(body), "firehose", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		srv.Host = req.URL.Host
		srv.Header = req.Header
		return srv
	}
	cases := []struct {
		name string
		r    *http.Request
		kind Kind
		msg  string
	}{
		{"wrong secret", sign(now, suiteKeyID, "not-the-secret"), KindMismatch, "does not match"},
		{"unknown key", sign(now, "AKIDUNKNOWN", suiteSecret), KindUnknownKey, "AKIDUNKNOWN"},
		{"16 minutes old", sign(now.Add(-16*time.Minute), suiteKeyID, suiteSecret), KindExpired,
			"Signature expired: 20260101T114400Z is now earlier than 20260101T114500Z (20260101T120000Z - 15 min.)"},
		{"16 minutes ahead", sign(now.Add(16*time.Minute), suiteKeyID, suiteSecret), KindNotYetValid,
			"Signature not yet current: 20260101T121600Z is still later than 20260101T121500Z (20260101T120000Z + 15 min.)"},
		{"unsigned", httptest.NewRequest("POST", "/", nil), KindMissing, "Missing Authentication Token"},
		{"sigv2 query", httptest.NewRequest("GET", "/b/k?AWSAccessKeyId=x&Signature=y&Expires=1", nil), KindUnsupported, "Version 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(c.r, target)
			if err == nil || err.Kind != c.kind || !strings.Contains(err.Message, c.msg) {
				t.Fatalf("got %v (kind %v), want kind %v with %q", err, kindOf(err), c.kind, c.msg)
			}
		})
	}
	// Within the skew it passes.
	if _, err := v.Verify(sign(now.Add(-14*time.Minute), suiteKeyID, suiteSecret), target); err != nil {
		t.Fatalf("14 minutes old: %v", err)
	}

	malformedCases := map[string]string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/firehose/aws4_request":                                         "SignedHeaders",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/firehose, SignedHeaders=host, Signature=00":                    "5 slash-separated",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251231/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=00":       "Date in Credential scope",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/firehose/aws4_request, SignedHeaders=x-amz-date, Signature=00": "'Host' must be",
		"AWS4-HMAC-SHA256 garbage": "requires",
	}
	for auth, msg := range malformedCases {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", "20260101T120000Z")
		if _, err := v.Verify(r, target); err == nil || err.Kind != KindMalformed || !strings.Contains(err.Message, msg) {
			t.Errorf("%s: got %v, want malformed %q", auth, err, msg)
		}
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x")
	if _, err := v.Verify(r, target); err == nil || err.Kind != KindUnsupported {
		t.Errorf("SigV4a: %v", err)
	}
}

func kindOf(err *Error) Kind {
	if err == nil {
		return 0
	}
	return err.Kind
}

func TestPresignedWithSDK(t *testing.T) {
	signedAt := mustTime("20260101T120000Z")
	req, _ := http.NewRequest("GET", "http://127.0.0.1:4566/bucket/some%20key?X-Amz-Expires=60", nil)
	creds := aws.Credentials{AccessKeyID: suiteKeyID, SecretAccessKey: suiteSecret}
	u, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		PresignHTTP(context.Background(), creds, req, UnsignedPayload, "s3", "us-east-1", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewRequest("GET", u, nil)
	target := Target{Service: "s3", S3: true}
	if _, err := verifierAt(signedAt.Add(59*time.Second)).Verify(srv, target); err != nil {
		t.Fatalf("within X-Amz-Expires: %v\n%s", err, err.CanonicalRequest)
	}
	_, verr := verifierAt(signedAt.Add(61*time.Second)).Verify(srv, target)
	if verr == nil || verr.Kind != KindPresignExpired || verr.ExpiresSeconds != 60 || !verr.Expires.Equal(signedAt.Add(time.Minute)) {
		t.Fatalf("after X-Amz-Expires: %+v", verr)
	}
	// Presigned URLs are not subject to the 15-minute skew of header
	// signatures, only to their own expiry.
	tampered := httptest.NewRequest("GET", strings.Replace(u, "some%20key", "other", 1), nil)
	if _, err := verifierAt(signedAt).Verify(tampered, target); err == nil || err.Kind != KindMismatch {
		t.Fatalf("tampered presigned URL: %v", err)
	}
}

func TestTrailerSignature(t *testing.T) {
	at := mustTime("20260101T120000Z")
	key := SigningKey(suiteSecret, "20260101", "us-east-1", "s3")
	scope := "20260101/us-east-1/s3/aws4_request"
	c := &ChunkVerifier{key: key, amzDate: "20260101T120000Z", scope: scope, prev: "seed", trailer: true}
	_ = at
	trailers := map[string]string{"x-amz-checksum-crc32": "sOO8/Q==", "x-amz-trailer-signature": "ignored"}
	canonical := "x-amz-checksum-crc32:sOO8/Q==\n"
	sts := "AWS4-HMAC-SHA256-TRAILER\n20260101T120000Z\n" + scope + "\nseed\n" + hashOf([]byte(canonical))
	want := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
	if !c.Trailer(want, trailers) {
		t.Fatal("trailer signature rejected")
	}
	trailers["x-amz-checksum-crc32"] = "AAAAAA=="
	if c.Trailer(want, trailers) {
		t.Fatal("a changed trailer passed")
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"abc-_.~XYZ09": "abc-_.~XYZ09",
		"a b+c/d":      "a%20b%2Bc%2Fd",
		"é":            "%C3%A9",
		"!*'()":        "%21%2A%27%28%29",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzVerify throws arbitrary signature material at the verifier: it must
// never panic, and never accept a request it was not given the key for.
func FuzzVerify(f *testing.F) {
	f.Add("/", "", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20260101T120000Z", "")
	f.Add("/b/k", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "", "", "UNSIGNED-PAYLOAD")
	f.Add("/%zz", "a=%", "AWS4-HMAC-SHA256 ,,,==", "x", "STREAMING-X")
	f.Fuzz(func(t *testing.T, path, query, auth, date, sha string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawPath = path
		r.URL.Path = path
		r.URL.RawQuery = query
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		r.Header.Set("X-Amz-Content-Sha256", sha)
		v := verifierAt(mustTime("20260101T120000Z"))
		for _, target := range []Target{{Service: "s3", S3: true}, {PayloadHash: EmptySHA256}} {
			res, err := v.Verify(r, target)
			if err == nil && res == nil {
				t.Fatal("no result and no error")
			}
			if err == nil && !strings.Contains(auth+query, res.Signature) {
				t.Fatalf("accepted a signature it did not compute: %+v", res)
			}
		}
	})
}

// S3 refuses x-amz-* headers the signature does not cover; other services
// ignore unsigned headers.
func TestUnsignedAmzHeaders(t *testing.T) {
	now := mustTime("20260101T120000Z")
	v := verifierAt(now)
	r := sdkSigned(t, "PUT", "http://127.0.0.1:4566/bucket/key", []byte("x"), "s3", nil, now, true)
	r.Header.Set("X-Amz-Copy-Source", "other/key")
	r.Header.Set("X-Amz-Acl", "public-read")
	_, err := v.Verify(r, Target{Service: "s3", S3: true})
	if err == nil || err.Kind != KindUnsignedHeaders || strings.Join(err.HeadersNotSigned, ",") != "x-amz-acl,x-amz-copy-source" {
		t.Fatalf("unsigned headers: %+v", err)
	}
	j := sdkSigned(t, "POST", "http://127.0.0.1:4566/", []byte("{}"), "firehose", nil, now, false)
	j.Header.Set("X-Amz-Extra", "1")
	if _, err := v.Verify(j, Target{Service: "firehose", PayloadHash: hashOf([]byte("{}"))}); err != nil {
		t.Fatalf("JSON request with an unsigned header: %v", err)
	}
}

// Precheck refuses, without a payload hash, every request that cannot be
// valid whatever its body: no or malformed signature, unknown key, wrong
// scope, bad or skewed date. A known key with a wrong secret passes it and
// fails Verify.
func TestPrecheck(t *testing.T) {
	now := mustTime("20260101T120000Z")
	v := verifierAt(now)
	body := []byte(`{"DeliveryStreamName":"s"}`)
	target := Target{Service: "firehose"}
	sign := func(at time.Time, key, secret, service string) *http.Request {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:4566/", bytes.NewReader(body))
		creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashOf(body), service, "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		srv.Host = req.URL.Host
		srv.Header = req.Header
		return srv
	}
	withHeader := func(r *http.Request, k, val string) *http.Request {
		r.Header.Set(k, val)
		return r
	}
	refused := []struct {
		name string
		r    *http.Request
		kind Kind
	}{
		{"unsigned", httptest.NewRequest("POST", "/", nil), KindMissing},
		{"unknown key", sign(now, "AKIDUNKNOWN", suiteSecret, "firehose"), KindUnknownKey},
		{"other service", sign(now, suiteKeyID, suiteSecret, "lambda"), KindMalformed},
		{"16 minutes old", sign(now.Add(-16*time.Minute), suiteKeyID, suiteSecret, "firehose"), KindExpired},
		{"16 minutes ahead", sign(now.Add(16*time.Minute), suiteKeyID, suiteSecret, "firehose"), KindNotYetValid},
		{"bad X-Amz-Date", withHeader(sign(now, suiteKeyID, suiteSecret, "firehose"), "X-Amz-Date", "2026-01-01T12:00:00Z"), KindMalformed},
		{"scope date not X-Amz-Date", withHeader(sign(now, suiteKeyID, suiteSecret, "firehose"), "X-Amz-Date", "20260102T120000Z"), KindMalformed},
		{"no credential", withHeader(httptest.NewRequest("POST", "/", nil), "Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"), KindMalformed},
		{"sigv4a", withHeader(httptest.NewRequest("POST", "/", nil), "Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x"), KindUnsupported},
		{"presigned, expired", httptest.NewRequest("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+suiteKeyID+
			"%2F20251231%2Fus-east-1%2Ffirehose%2Faws4_request&X-Amz-Date=20251231T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", nil), KindPresignExpired},
	}
	for _, c := range refused {
		if _, err := v.Precheck(c.r, target); err == nil || err.Kind != c.kind {
			t.Errorf("%s: Precheck gave %v (kind %v), want kind %v", c.name, err, kindOf(err), c.kind)
		}
	}

	pc, err := v.Precheck(sign(now, suiteKeyID, "not-the-secret", "firehose"), target)
	if err != nil {
		t.Fatalf("a known key passes Precheck whatever its secret: %v", err)
	}
	if _, err := pc.Verify(hashOf(body)); err == nil || err.Kind != KindMismatch {
		t.Fatalf("wrong secret after Precheck: %v", err)
	}
	pc, err = v.Precheck(sign(now, suiteKeyID, suiteSecret, "firehose"), target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Verify(hashOf([]byte("tampered"))); err == nil || err.Kind != KindMismatch {
		t.Fatalf("tampered body after Precheck: %v", err)
	}
	if res, err := pc.Verify(hashOf(body)); err != nil || res.AccessKeyID != suiteKeyID {
		t.Fatalf("right body after Precheck: %v, %+v", err, res)
	}
}
