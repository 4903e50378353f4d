package console

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/emulator/compression"
	"github.com/firehose-local/firehose-local/s3fake"
)

// panicky is a Backend whose every method panics (the embedded interface
// is nil), except where a test overrides one.
type panicky struct{ Backend }

func (panicky) ExternalS3() string { return "" }

func TestHandlerPanicIsA500(t *testing.T) {
	c := New(panicky{}, nil)
	defer c.Close()
	for range 2 {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_local/ui/streams", nil))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "failed to render this page") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	// Pages that do not need the backend still work.
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_local/ui/static/console.js", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("static: %d", rec.Code)
	}
}

func TestPreview(t *testing.T) {
	records := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `{"i":%d,"s":"%s"}`+"\n", i, strings.Repeat("x", 100))
		}
		return b.Bytes()
	}
	gz := func(b []byte) []byte {
		out, err := compression.Compress(compression.GZIP, b, "")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	snappy := func(b []byte) []byte {
		out, _ := compression.Compress(compression.Snappy, b, "")
		return out
	}
	info := func(b []byte, enc string) s3fake.ObjectInfo {
		return s3fake.ObjectInfo{ObjectMeta: s3fake.ObjectMeta{ContentEncoding: enc}, Size: int64(len(b))}
	}
	big := records(5000) // past the preview limit
	for _, tc := range []struct {
		name, key string
		body      []byte
		info      s3fake.ObjectInfo
		check     func(t *testing.T, p preview)
	}{
		{"json lines", "a/b", records(3), info(records(3), ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != 3 || p.Truncated || !strings.Contains(p.Records[2], "\"i\": 2") {
				t.Errorf("%+v", p)
			}
		}},
		{"concatenated without newlines", "a/b", []byte(`{"a":1}{"a":2}[3]`), info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != 3 {
				t.Errorf("%+v", p)
			}
		}},
		{"gzip, truncated", "a/b.gz", gz(big), info(gz(big), "gzip"), func(t *testing.T, p preview) {
			if p.Format != compression.GZIP || p.Kind != "json" || !p.Truncated || p.Decoded != previewLimit || len(p.Records) < 100 || p.DecodeError != "" {
				t.Errorf("format %s kind %s truncated %v decoded %d records %d err %q", p.Format, p.Kind, p.Truncated, p.Decoded, len(p.Records), p.DecodeError)
			}
		}},
		{"many records", "a/b", records(600), info(records(600), ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != maxPreviewRecords || !p.MoreRecords {
				t.Errorf("%d records, more %v", len(p.Records), p.MoreRecords)
			}
		}},
		{"snappy", "a/b.snappy", snappy(records(2)), info(snappy(records(2)), "snappy-java"), func(t *testing.T, p preview) {
			if p.Format != compression.Snappy || p.Kind != "json" || len(p.Records) != 2 {
				t.Errorf("%+v", p)
			}
		}},
		{"text", "a/b", []byte("hello\nworld\n"), info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "text" || p.Text != "hello\nworld\n" {
				t.Errorf("%+v", p)
			}
		}},
		{"binary", "a/b", []byte{0, 1, 2, 0xff, 0xfe}, info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "binary" || !strings.Contains(p.Text, "00 01 02 ff fe") {
				t.Errorf("%+v", p)
			}
		}},
		{"empty", "a/b", nil, info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "empty" {
				t.Errorf("%+v", p)
			}
		}},
		{"corrupt gzip", "a/b.gz", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{7}, 50)...), info(nil, "gzip"), func(t *testing.T, p preview) {
			if p.DecodeError == "" {
				t.Errorf("%+v", p)
			}
		}},
		{"endpoint error document", "backup/http-endpoint-failed/2026/x",
			[]byte(`{"attemptsMade":3,"arrivalTimestamp":1700000000000,"errorCode":"HttpEndpoint.ResponseTooLarge","errorMessage":"too big","attemptEndingTimestamp":1,"rawData":"aGVsbG8=","subsequenceNumber":0,"dataId":"id-1"}` + "\n"),
			info(nil, ""), func(t *testing.T, p preview) {
				if p.ErrorType != "http-endpoint-failed" || len(p.ErrorDocs) != 1 {
					t.Fatalf("%+v", p)
				}
				d := p.ErrorDocs[0]
				if d.Code != "HttpEndpoint.ResponseTooLarge" || d.Raw != "hello" || d.Attempts != 3 || d.Target != "id-1" || d.Arrival.IsZero() {
					t.Errorf("%+v", d)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, buildPreview(tc.key, tc.body, tc.info)) })
	}
}

func TestCrumbs(t *testing.T) {
	got := crumbs("a/b/c/")
	if len(got) != 3 || got[0] != (crumb{"a/", "a/"}) || got[2] != (crumb{"c/", "a/b/c/"}) {
		t.Errorf("%+v", got)
	}
	if len(crumbs("")) != 0 || len(crumbs("abc")) != 0 {
		t.Error("crumbs of a prefix without /")
	}
}
