package s3fake_test

// Tests of what happens on the wire: HTTPS uploads with trailing checksums,
// hand-made aws-chunked bodies, stored headers, and persistence.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/firehose-local/firehose-local/s3fake"
)

// payloadHashes records the X-Amz-Content-Sha256 of the requests it sees.
type payloadHashes struct {
	mu   sync.Mutex
	seen map[string]int
}

func (p *payloadHashes) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		if p.seen == nil {
			p.seen = map[string]int{}
		}
		p.seen[r.Header.Get("X-Amz-Content-Sha256")]++
		p.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (p *payloadHashes) count(hash string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[hash]
}

// TestHTTPSTrailingChecksums: over HTTPS the SDK streams uploads as
// aws-chunked with a trailing checksum; the stored objects must be exactly
// the payloads.
func TestHTTPSTrailingChecksums(t *testing.T) {
	for _, bc := range backendCases {
		t.Run(bc.name, func(t *testing.T) {
			var hashes payloadHashes
			e := newEnv(t, bc.opts(t), true, hashes.wrap)
			e.createBucket(t, "tls")
			for name, body := range map[string][]byte{"small": []byte("tiny"), "large": randomBytes(7, 1<<20+3)} {
				e.put(t, "tls", name, body)
				if _, got := e.get(t, "tls", name); !bytes.Equal(got, body) {
					t.Fatalf("%s: got %d bytes, want %d", name, len(got), len(body))
				}
			}
			testMultipart(t, e)
			testDeleteObjects(t, e, "tls")
			if n := hashes.count("STREAMING-UNSIGNED-PAYLOAD-TRAILER"); n < 4 {
				t.Errorf("%d aws-chunked uploads seen, want 4 (did the SDK stop using trailers?)", n)
			}
		})
	}
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := s3fake.New(s3fake.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	meta := s3fake.ObjectMeta{ContentType: "text/csv"}
	if err := s.PutObject(ctx, "keep", "rows.csv", []byte("a,b\n"), meta); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	e := newEnv(t, s3fake.Options{DataDir: dir}, false, nil)
	body, gotMeta, err := e.s.GetObject(ctx, "keep", "rows.csv")
	if err != nil || string(body) != "a,b\n" || gotMeta != meta {
		t.Fatalf("after reopen: %q %+v %v", body, gotMeta, err)
	}
	if _, got := e.get(t, "keep", "rows.csv"); string(got) != "a,b\n" {
		t.Fatalf("SDK after reopen: %q", got)
	}
}

// TestTransportHeadersNotStored: signing, session-token and checksum
// negotiation headers are neither stored nor returned, so a long session
// token does not exceed the metadata size limit.
func TestTransportHeadersNotStored(t *testing.T) {
	e := newEnv(t, s3fake.Options{}, false, nil)
	e.createBucket(t, "hdr")
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/hdr/k", strings.NewReader("body"))
	req.Header.Set("X-Amz-Security-Token", strings.Repeat("t", 3000))
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	req.Header.Set("X-Amz-Meta-Kept", "yes")
	resp := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, resp.body)
	}
	resp = do(t, mustRequest(t, http.MethodGet, e.srv.URL+"/hdr/k", ""))
	for _, h := range []string{"X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-Sha256"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("GET returned %s", h)
		}
	}
	if resp.Header.Get("X-Amz-Meta-Kept") != "yes" || resp.Header.Get("Content-Type") != "binary/octet-stream" {
		t.Errorf("GET headers: %v", resp.Header)
	}
}

// TestRawChunkedUploads sends aws-chunked bodies the Go SDK does not produce
// (signed chunks) and broken ones through the whole server.
func TestRawChunkedUploads(t *testing.T) {
	e := newEnv(t, s3fake.Options{}, false, nil)
	e.createBucket(t, "raw")
	payload := randomBytes(8, 70000)

	put := func(key string, body []byte, headers map[string]string) *response {
		req := mustRequest(t, http.MethodPut, e.srv.URL+"/raw/"+key, string(body))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return do(t, req)
	}

	signed := encodeChunked(payload, chunkOpts{chunkSize: 65536, signed: true})
	if resp := put("signed", signed, chunkedHeaders("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(payload))); resp.StatusCode != 200 {
		t.Fatalf("signed upload: %d %s", resp.StatusCode, resp.body)
	}
	if _, got := e.get(t, "raw", "signed"); !bytes.Equal(got, payload) {
		t.Fatalf("signed upload stored %d bytes, want %d", len(got), len(payload))
	}

	trailer := encodeChunked(payload, chunkOpts{chunkSize: 8192, signed: true,
		trailers: []string{"x-amz-checksum-crc32c:" + sumBase64("crc32c", payload)}})
	headers := chunkedHeaders("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", len(payload), "X-Amz-Trailer", "x-amz-checksum-crc32c")
	if resp := put("signed-trailer", trailer, headers); resp.StatusCode != 200 {
		t.Fatalf("signed trailer upload: %d %s", resp.StatusCode, resp.body)
	}
	if _, got := e.get(t, "raw", "signed-trailer"); !bytes.Equal(got, payload) {
		t.Fatalf("signed trailer upload stored %d bytes", len(got))
	}

	bad := encodeChunked(payload, chunkOpts{chunkSize: 8192,
		trailers: []string{"x-amz-checksum-crc32:" + sumBase64("crc32", []byte("other"))}})
	resp := put("bad-digest", bad, chunkedHeaders("STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(payload), "X-Amz-Trailer", "x-amz-checksum-crc32"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Code>BadDigest</Code>") {
		t.Fatalf("bad digest: %d %s", resp.StatusCode, resp.body)
	}

	resp = put("malformed", []byte("zz\r\nhello\r\n0\r\n\r\n"), chunkedHeaders("STREAMING-UNSIGNED-PAYLOAD-TRAILER", 5))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "<Error>") {
		t.Fatalf("malformed: %d %s", resp.StatusCode, resp.body)
	}
	resp = put("no-length", signed, map[string]string{"Content-Encoding": "aws-chunked"})
	if resp.StatusCode != http.StatusLengthRequired || !strings.Contains(resp.body, "<Code>MissingContentLength</Code>") {
		t.Fatalf("missing decoded length: %d %s", resp.StatusCode, resp.body)
	}
	for _, key := range []string{"bad-digest", "malformed", "no-length"} {
		if resp := do(t, mustRequest(t, http.MethodGet, e.srv.URL+"/raw/"+key, "")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s was stored (%d)", key, resp.StatusCode)
		}
	}
}

// response is a fully read HTTP response.
type response struct {
	*http.Response
	body string
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, req *http.Request) *response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{resp, string(body)}
}

// TestEncryptionHeaders: an object stored with SSE-C answers its algorithm
// and key MD5 and no x-amz-server-side-encryption, on PUT, GET and HEAD,
// as S3 does; one stored through the Go API answers AES256, S3's default.
func TestEncryptionHeaders(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		e := newEnv(t, s3fake.Options{DataDir: dir}, false, nil)
		e.createBucket(t, "enc")
		req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/enc/c", strings.NewReader("body"))
		req.Header.Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256")
		req.Header.Set("X-Amz-Server-Side-Encryption-Customer-Key", "a2V5")
		req.Header.Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", "bWQ1")
		resps := []*response{do(t, req)}
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			resps = append(resps, do(t, mustRequest(t, m, e.srv.URL+"/enc/c", "")))
		}
		for i, resp := range resps {
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Server-Side-Encryption") != "" ||
				resp.Header.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "AES256" ||
				resp.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != "bWQ1" ||
				resp.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key") != "" {
				t.Fatalf("data dir %q, response %d: %d %v", dir, i, resp.StatusCode, resp.Header)
			}
		}

		if err := e.s.PutObject(context.Background(), "enc", "api", []byte("x"), s3fake.ObjectMeta{}); err != nil {
			t.Fatal(err)
		}
		resp := do(t, mustRequest(t, http.MethodHead, e.srv.URL+"/enc/api", ""))
		if resp.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
			t.Fatalf("data dir %q, HEAD of an object put through the Go API: %v", dir, resp.Header)
		}
	}
}
