package s3fake_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/firehose-local/firehose-local/protocol/sigv4"
	"github.com/firehose-local/firehose-local/s3fake"
)

const (
	docKeyID  = "AKIAIOSFODNN7EXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// authFront verifies every request's signature the way the emulator does
// and hands the result to the store.
func authFront(now time.Time) func(http.Handler) http.Handler {
	v := &sigv4.Verifier{
		Secret: func(id string) (string, bool) { return docSecret, id == docKeyID },
		Now:    func() time.Time { return now },
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, err := v.Verify(r, sigv4.Target{Service: "s3", S3: true})
			if err != nil {
				s3fake.WriteAuthError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(s3fake.WithSignature(r.Context(), res)))
		})
	}
}

// docChunkedBody is the body of S3's streaming example: 65,536 and 1,024
// bytes of "a" and the final chunk, with their documented signatures.
func docChunkedBody(tamper func(b []byte) []byte) []byte {
	var b bytes.Buffer
	b.WriteString("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
	b.Write(bytes.Repeat([]byte("a"), 65536))
	b.WriteString("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n")
	b.Write(bytes.Repeat([]byte("a"), 1024))
	b.WriteString("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
	if tamper != nil {
		return tamper(b.Bytes())
	}
	return b.Bytes()
}

func docStreamingRequest(t *testing.T, url string, body []byte) *http.Request {
	req := mustRequest(t, http.MethodPut, url+"/examplebucket/chunkObject.txt", string(body))
	req.Host = "s3.amazonaws.com"
	req.Header.Set("X-Amz-Date", "20130524T000000Z")
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	req.Header.Set("X-Amz-Content-Sha256", sigv4.StreamingPayload)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
		"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
	return req
}

// The documented streaming upload passes; the same bytes with one chunk
// changed, a signature missing, or the chunks replayed in another order are
// refused with 403 SignatureDoesNotMatch and store nothing.
func TestSignedChunksVerified(t *testing.T) {
	forEachAuthBackend(t, time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC), func(t *testing.T, e *env) {
		if err := e.s.CreateBucket(context.Background(), "examplebucket"); err != nil {
			t.Fatal(err)
		}
		get := func() int {
			body, _, err := e.s.GetObject(context.Background(), "examplebucket", "chunkObject.txt")
			if err != nil {
				return -1
			}
			return len(body)
		}
		bad := map[string]func([]byte) []byte{
			"data changed": func(b []byte) []byte {
				i := bytes.Index(b, []byte("400;chunk"))
				b[i+200] = 'b'
				return b
			},
			"signature missing": func(b []byte) []byte {
				return bytes.Replace(b, []byte("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
					[]byte("0;chunk-signature="+strings.Repeat("0", 64)), 1)
			},
			"signature of another chunk": func(b []byte) []byte {
				return bytes.Replace(b, []byte("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
					[]byte("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"), 1)
			},
		}
		for name, tamper := range bad {
			resp := do(t, docStreamingRequest(t, e.srv.URL, docChunkedBody(tamper)))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "<Code>SignatureDoesNotMatch</Code>") ||
				!strings.Contains(resp.body, "<AWSAccessKeyId>"+docKeyID+"</AWSAccessKeyId>") {
				t.Fatalf("%s: %d %s", name, resp.StatusCode, resp.body)
			}
			if n := get(); n != -1 {
				t.Fatalf("%s: an object of %d bytes was stored", name, n)
			}
		}
		resp := do(t, docStreamingRequest(t, e.srv.URL, docChunkedBody(nil)))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("documented upload: %d %s", resp.StatusCode, resp.body)
		}
		if n := get(); n != 66560 {
			t.Fatalf("stored %d bytes", n)
		}
	})
}

func forEachAuthBackend(t *testing.T, now time.Time, test func(t *testing.T, e *env)) {
	for _, bc := range backendCases {
		t.Run(bc.name, func(t *testing.T) {
			test(t, newEnv(t, bc.opts(t), false, authFront(now)))
		})
	}
}

// signedTrailerUpload builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
// upload of payload with a CRC32 trailer, signed with the SDK's signer for
// the seed and by hand for the chain.
func signedTrailerUpload(t *testing.T, url string, payload []byte, now time.Time, breakTrailer bool) *http.Request {
	t.Helper()
	req := mustRequest(t, http.MethodPut, url+"/examplebucket/trailer", "")
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", sigv4.StreamingPayloadTrailer)
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(payload)))
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	creds := aws.Credentials{AccessKeyID: docKeyID, SecretAccessKey: docSecret}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })

	amzDate := now.UTC().Format(sigv4.TimeFormat)
	scope := amzDate[:8] + "/us-east-1/s3/aws4_request"
	key := sigv4.SigningKey(docSecret, amzDate[:8], "us-east-1", "s3")
	sign := func(sts string) string {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(sts))
		return hex.EncodeToString(h.Sum(nil))
	}
	hexSum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	// The body's length is signed (Content-Length), so build it with the
	// right length first and the right signatures after signing the seed.
	build := func(seed string) []byte {
		var b bytes.Buffer
		prev := seed
		for rest := payload; ; {
			n := min(4096, len(rest))
			chunk := rest[:n]
			prev = sign("AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + sigv4.EmptySHA256 + "\n" + hexSum(chunk))
			fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", n, prev)
			b.Write(chunk)
			if n == 0 {
				break
			}
			b.WriteString("\r\n")
			rest = rest[n:]
		}
		trailer := "x-amz-checksum-crc32:" + sumBase64("crc32", payload)
		tsig := sign("AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + hexSum([]byte(trailer+"\n")))
		if breakTrailer {
			tsig = sign("something else")
		}
		b.WriteString(trailer + "\r\nx-amz-trailer-signature:" + tsig + "\r\n\r\n")
		return b.Bytes()
	}
	req.ContentLength = int64(len(build(strings.Repeat("0", 64))))
	if err := signer.SignHTTP(context.Background(), creds, req, sigv4.StreamingPayloadTrailer, "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	_, seed, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	body := build(seed)
	req.Body = readCloser(body)
	return req
}

func TestSignedTrailerVerified(t *testing.T) {
	now := time.Now()
	e := newEnv(t, s3fake.Options{}, false, authFront(now))
	if err := e.s.CreateBucket(context.Background(), "examplebucket"); err != nil {
		t.Fatal(err)
	}
	payload := randomBytes(3, 10000)
	resp := do(t, signedTrailerUpload(t, e.srv.URL, payload, now, true))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("wrong trailer signature: %d %s", resp.StatusCode, resp.body)
	}
	if _, _, err := e.s.GetObject(context.Background(), "examplebucket", "trailer"); err == nil {
		t.Fatal("stored despite a wrong trailer signature")
	}
	resp = do(t, signedTrailerUpload(t, e.srv.URL, payload, now, false))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed trailer upload: %d %s", resp.StatusCode, resp.body)
	}
	if got, _, err := e.s.GetObject(context.Background(), "examplebucket", "trailer"); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("stored %d bytes, %v", len(got), err)
	}
}

// A body that does not hash to the signed X-Amz-Content-Sha256 is refused
// with XAmzContentSHA256Mismatch, uploads and other requests alike.
func TestSignedPayloadHashVerified(t *testing.T) {
	now := time.Now()
	e := newEnv(t, s3fake.Options{}, false, authFront(now))
	if err := e.s.CreateBucket(context.Background(), "bkt"); err != nil {
		t.Fatal(err)
	}
	signed := func(method, path, signedBody, sentBody string) *http.Request {
		req := mustRequest(t, method, e.srv.URL+path, signedBody)
		sum := sha256.Sum256([]byte(signedBody))
		hash := hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", hash)
		creds := aws.Credentials{AccessKeyID: docKeyID, SecretAccessKey: docSecret}
		if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
			SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		req.Body = readCloser([]byte(sentBody))
		return req
	}
	resp := do(t, signed("PUT", "/bkt/k", "hello", "HELLO"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Code>XAmzContentSHA256Mismatch</Code>") {
		t.Fatalf("tampered upload: %d %s", resp.StatusCode, resp.body)
	}
	if _, _, err := e.s.GetObject(context.Background(), "bkt", "k"); err == nil {
		t.Fatal("tampered upload stored")
	}
	del := `<Delete><Object><Key>k</Key></Object></Delete>`
	resp = do(t, signed("POST", "/bkt?delete", del, strings.Replace(del, "k", "x", 1)))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Code>XAmzContentSHA256Mismatch</Code>") {
		t.Fatalf("tampered DeleteObjects: %d %s", resp.StatusCode, resp.body)
	}
	if resp := do(t, signed("PUT", "/bkt/k", "hello", "hello")); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, resp.body)
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnv(t, s3fake.Options{MaxObjectSize: 10}, false, nil)
	e.createBucket(t, "bkt")
	resp := do(t, mustRequest(t, http.MethodPut, e.srv.URL+"/bkt/k", "01234567890"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Code>EntityTooLarge</Code>") ||
		!strings.Contains(resp.body, "<ProposedSize>11</ProposedSize><MaxSizeAllowed>10</MaxSizeAllowed>") {
		t.Fatalf("too large: %d %s", resp.StatusCode, resp.body)
	}
	// The decoded length of an aws-chunked upload counts.
	chunked := encodeChunked([]byte("01234567890"), chunkOpts{chunkSize: 4})
	req := mustRequest(t, http.MethodPut, e.srv.URL+"/bkt/k", string(chunked))
	for k, v := range chunkedHeaders("STREAMING-UNSIGNED-PAYLOAD-TRAILER", 11) {
		req.Header.Set(k, v)
	}
	if resp := do(t, req); resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Code>EntityTooLarge</Code>") {
		t.Fatalf("too large, chunked: %d %s", resp.StatusCode, resp.body)
	}
	// An upload part without a length.
	req = mustRequest(t, http.MethodPut, e.srv.URL+"/bkt/k?partNumber=1&uploadId=x", "")
	req.Body = readCloser([]byte("0123"))
	req.ContentLength = -1
	if resp := do(t, req); resp.StatusCode != http.StatusLengthRequired {
		t.Fatalf("no length: %d %s", resp.StatusCode, resp.body)
	}
	// Other bodies stop at 16 MiB.
	big := strings.Repeat("x", 16<<20+1)
	if resp := do(t, mustRequest(t, http.MethodPost, e.srv.URL+"/bkt?delete", big)); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(resp.body, "<Code>MaxMessageLengthExceeded</Code>") {
		t.Fatalf("big XML body: %d %.300s", resp.StatusCode, resp.body)
	}
	if resp := do(t, mustRequest(t, http.MethodPut, e.srv.URL+"/bkt/k", "0123456789")); resp.StatusCode != http.StatusOK {
		t.Fatalf("at the limit: %d %s", resp.StatusCode, resp.body)
	}
}

type bytesBody struct{ *bytes.Reader }

func (bytesBody) Close() error { return nil }

func readCloser(b []byte) bytesBody { return bytesBody{bytes.NewReader(b)} }
