package s3fake_test

import (
	"bytes"
	"encoding/xml"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/firehose-local/firehose-local/s3fake"
	"github.com/johannesboyne/gofakes3"
)

// dechunkResult is what the handler behind Dechunk saw.
type dechunkResult struct {
	called        bool
	body          []byte
	err           error
	header        http.Header
	contentLength int64
}

// runDechunk sends a PUT with body and headers through Dechunk, reading the
// decoded body one byte at a time to exercise every state of the decoder.
func runDechunk(t testing.TB, body []byte, headers map[string]string) (*httptest.ResponseRecorder, dechunkResult) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPut, "/bucket/key", iotest.OneByteReader(bytes.NewReader(body)))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	var res dechunkResult
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res.called = true
		res.header = r.Header.Clone()
		res.contentLength = r.ContentLength
		res.body, res.err = io.ReadAll(iotest.OneByteReader(r.Body))
		// Reads after the end (or an error) keep returning the same result.
		if n, err := r.Body.Read(make([]byte, 8)); n != 0 || err == nil {
			t.Errorf("read after end = %d, %v", n, err)
		}
	})
	rec := httptest.NewRecorder()
	s3fake.Dechunk(next).ServeHTTP(rec, req)
	return rec, res
}

// chunkedHeaders returns the headers of an aws-chunked upload.
func chunkedHeaders(sha string, decodedLen int, extra ...string) map[string]string {
	h := map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Content-Sha256":         sha,
		"X-Amz-Decoded-Content-Length": strconv.Itoa(decodedLen),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

func TestDechunkSigned(t *testing.T) {
	// The shape of the example in the S3 SigV4 streaming documentation:
	// a 64 KiB chunk, a 1 KiB chunk, then the final chunk.
	payload := bytes.Repeat([]byte{'a'}, 65536+1024)
	body := encodeChunked(payload, chunkOpts{chunkSize: 65536, signed: true})
	rec, res := runDechunk(t, body, chunkedHeaders("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(payload),
		"Content-Encoding", "aws-chunked,gzip"))
	if !res.called || res.err != nil {
		t.Fatalf("called=%v err=%v (response %d %s)", res.called, res.err, rec.Code, rec.Body)
	}
	if !bytes.Equal(res.body, payload) {
		t.Fatalf("decoded %d bytes, want the %d payload bytes", len(res.body), len(payload))
	}
	if res.contentLength != int64(len(payload)) || res.header.Get("Content-Length") != strconv.Itoa(len(payload)) {
		t.Errorf("content length = %d / %q", res.contentLength, res.header.Get("Content-Length"))
	}
	if got := res.header.Get("Content-Encoding"); got != "gzip" {
		t.Errorf("Content-Encoding = %q, want gzip", got)
	}
	if got := res.header.Get("X-Amz-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
		t.Errorf("X-Amz-Content-Sha256 = %q", got)
	}
	if res.header.Get("X-Amz-Decoded-Content-Length") != "" {
		t.Error("X-Amz-Decoded-Content-Length was kept")
	}
}

func TestDechunkTrailers(t *testing.T) {
	payload := randomBytes(1, 10000)
	for _, alg := range []string{"crc32", "crc32c", "crc64nvme", "sha1", "sha256"} {
		for _, signed := range []bool{false, true} {
			sha := "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
			if signed {
				sha = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
			}
			name := "x-amz-checksum-" + alg
			t.Run(alg+"/"+sha, func(t *testing.T) {
				good := encodeChunked(payload, chunkOpts{chunkSize: 4096, signed: signed,
					trailers: []string{name + ":" + sumBase64(alg, payload)}})
				_, res := runDechunk(t, good, chunkedHeaders(sha, len(payload), "X-Amz-Trailer", name))
				if res.err != nil || !bytes.Equal(res.body, payload) {
					t.Fatalf("good trailer: err=%v, %d bytes", res.err, len(res.body))
				}
				if res.header.Get("Content-Encoding") != "" || res.header.Get("X-Amz-Trailer") != "" {
					t.Errorf("headers not rewritten: %v", res.header)
				}

				bad := encodeChunked(payload, chunkOpts{chunkSize: 4096, signed: signed,
					trailers: []string{name + ":" + sumBase64(alg, payload[1:])}})
				_, res = runDechunk(t, bad, chunkedHeaders(sha, len(payload), "X-Amz-Trailer", name))
				if code := errorCode(res.err); code != gofakes3.ErrBadDigest {
					t.Fatalf("bad trailer: err=%v (code %q), want BadDigest", res.err, code)
				}
			})
		}
	}
}

func TestDechunkHeaderChecksum(t *testing.T) {
	payload := []byte("plain body with a checksum header")
	_, res := runDechunk(t, payload, map[string]string{"X-Amz-Checksum-Crc32c": sumBase64("crc32c", payload)})
	if res.err != nil || !bytes.Equal(res.body, payload) {
		t.Fatalf("good header: err=%v body=%q", res.err, res.body)
	}
	_, res = runDechunk(t, payload, map[string]string{"X-Amz-Checksum-Sha256": sumBase64("sha256", []byte("other"))})
	if code := errorCode(res.err); code != gofakes3.ErrBadDigest {
		t.Fatalf("bad header: err=%v, want BadDigest", res.err)
	}
	rec, res := runDechunk(t, payload, map[string]string{"X-Amz-Checksum-Crc32": "not base64!"})
	if res.called || rec.Code != http.StatusBadRequest {
		t.Fatalf("invalid header value: called=%v status=%d", res.called, rec.Code)
	}
}

func TestDechunkPassThrough(t *testing.T) {
	payload := []byte("no framing here")
	_, res := runDechunk(t, payload, map[string]string{"Content-Encoding": "gzip"})
	if res.err != nil || !bytes.Equal(res.body, payload) || res.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("err=%v body=%q header=%v", res.err, res.body, res.header)
	}
}

func TestDechunkMalformed(t *testing.T) {
	payload := []byte("hello, world")
	valid := encodeChunked(payload, chunkOpts{chunkSize: 5, signed: true})
	unsigned := "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	tests := []struct {
		name       string
		body       string
		headers    map[string]string
		wantStatus int                // when Dechunk answers itself
		wantCode   gofakes3.ErrorCode // when reading the body fails
	}{
		{"bad hex size", "zz\r\nhello\r\n0\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"0x size", "0x5\r\nhello\r\n0\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"negative size", "-5\r\nhello\r\n0\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"huge size", "fffffffffffffffffff\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"empty size", ";chunk-signature=x\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"header without CRLF", "5\nhello\r\n0\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"data without CRLF", "5\r\nhelloXX0\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"truncated data", "5\r\nhel", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"truncated after data", "5\r\nhello", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"no final chunk", "5\r\nhello\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"truncated header", "5", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"empty body", "", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"longer than declared", string(valid), chunkedHeaders(unsigned, len(payload)-1), 0, gofakes3.ErrIncompleteBody},
		{"shorter than declared", string(valid), chunkedHeaders(unsigned, len(payload)+1), 0, gofakes3.ErrIncompleteBody},
		{"data after end", string(valid) + "junk", chunkedHeaders(unsigned, len(payload)), 0, gofakes3.ErrInvalidArgument},
		{"trailer without colon", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"truncated trailer", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAA", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrIncompleteBody},
		{"invalid trailer checksum", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:???\r\n\r\n",
			chunkedHeaders(unsigned, 5, "X-Amz-Trailer", "x-amz-checksum-crc32"), 0, gofakes3.ErrInvalidArgument},
		{"line too long", strings.Repeat("1", 5000) + "\r\n", chunkedHeaders(unsigned, 5), 0, gofakes3.ErrInvalidArgument},
		{"missing decoded length", string(valid), map[string]string{"Content-Encoding": "aws-chunked"}, http.StatusLengthRequired, ""},
		{"invalid decoded length", string(valid), chunkedHeaders(unsigned, -1), http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, res := runDechunk(t, []byte(tt.body), tt.headers)
			if tt.wantStatus != 0 {
				if res.called || rec.Code != tt.wantStatus {
					t.Fatalf("called=%v status=%d, want %d", res.called, rec.Code, tt.wantStatus)
				}
				var e struct{ Code string }
				if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" {
					t.Fatalf("not an S3 error body: %q (%v)", rec.Body, err)
				}
				return
			}
			if code := errorCode(res.err); code != tt.wantCode {
				t.Fatalf("err = %v (code %q), want code %q", res.err, code, tt.wantCode)
			}
		})
	}
}

func TestDechunkLenientEnd(t *testing.T) {
	// Some clients omit the final CRLF after the last chunk or trailer.
	payload := []byte("hello")
	for _, body := range []string{
		"5\r\nhello\r\n0\r\n",
		"5;chunk-signature=" + fakeSignature + "\r\nhello\r\n0;chunk-signature=" + fakeSignature + "\r\n",
		"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + sumBase64("crc32", payload) + "\r\n",
	} {
		_, res := runDechunk(t, []byte(body), chunkedHeaders("STREAMING-UNSIGNED-PAYLOAD-TRAILER", 5,
			"X-Amz-Trailer", "x-amz-checksum-crc32"))
		if res.err != nil || string(res.body) != "hello" {
			t.Errorf("%q: err=%v body=%q", body, res.err, res.body)
		}
	}
}

func TestCRC64NVMEVector(t *testing.T) {
	// Check value of CRC-64/NVME, as used for x-amz-checksum-crc64nvme.
	if got := crc64.Checksum([]byte("123456789"), crc64NVME); got != 0xae8b14860a799888 {
		t.Fatalf("crc64nvme = %#x", got)
	}
}

// FuzzDechunk feeds arbitrary bodies to Dechunk. It must never panic, and
// whenever decoding succeeds the payload has the declared length.
func FuzzDechunk(f *testing.F) {
	payload := randomBytes(2, 300)
	f.Add(encodeChunked(payload, chunkOpts{chunkSize: 100, signed: true}), int64(len(payload)), "")
	f.Add(encodeChunked(payload, chunkOpts{chunkSize: 64,
		trailers: []string{"x-amz-checksum-crc32:" + sumBase64("crc32", payload)}}), int64(len(payload)), "x-amz-checksum-crc32")
	f.Add(encodeChunked(payload, chunkOpts{chunkSize: 7, signed: true,
		trailers: []string{"x-amz-checksum-sha256:" + sumBase64("sha256", payload)}}), int64(len(payload)), "x-amz-checksum-sha256")
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), int64(5), "x-amz-checksum-crc32c")
	f.Add([]byte("0\r\n\r\n"), int64(0), "")
	f.Add([]byte("zz\r\n"), int64(-1), "")
	f.Fuzz(func(t *testing.T, body []byte, decodedLen int64, trailer string) {
		req := httptest.NewRequest(http.MethodPut, "/bucket/key", bytes.NewReader(body))
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(decodedLen, 10))
		req.Header.Set("X-Amz-Trailer", trailer)
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, err := io.ReadAll(r.Body)
			if err == nil && int64(len(got)) != decodedLen {
				t.Fatalf("decoded %d bytes without error, declared %d", len(got), decodedLen)
			}
			if err != nil && errorCode(err) == "" {
				t.Fatalf("error without an S3 code: %v", err)
			}
		})
		s3fake.Dechunk(next).ServeHTTP(httptest.NewRecorder(), req)
	})
}
