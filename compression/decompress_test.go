package compression_test

import (
	"bytes"
	"testing"

	"github.com/firehose-local/firehose-local/compression"
)

func TestDecompressRoundTrip(t *testing.T) {
	for _, f := range allFormats {
		for _, tc := range cases() {
			t.Run(string(f)+"/"+tc.name, func(t *testing.T) {
				body := mustCompress(t, f, tc.data)
				got, truncated, err := compression.Decompress(f, body, 0)
				if err != nil || truncated {
					t.Fatalf("Decompress: truncated=%v err=%v", truncated, err)
				}
				if !bytes.Equal(got, tc.data) {
					t.Fatalf("round trip: got %d bytes, want %d", len(got), len(tc.data))
				}
			})
		}
	}
}

func TestDecompressLimit(t *testing.T) {
	data := jsonRecords(200<<10, 7) // several snappy blocks
	for _, f := range allFormats {
		body := mustCompress(t, f, data)
		got, truncated, err := compression.Decompress(f, body, 1000)
		if err != nil || !truncated || !bytes.Equal(got, data[:1000]) {
			t.Errorf("%s: limit 1000: got %d bytes, truncated=%v, err=%v", f, len(got), truncated, err)
		}
		got, truncated, err = compression.Decompress(f, body, len(data))
		if err != nil || truncated || !bytes.Equal(got, data) {
			t.Errorf("%s: limit = size: got %d bytes, truncated=%v, err=%v", f, len(got), truncated, err)
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	data := jsonRecords(100<<10, 3)
	for _, f := range []compression.Format{compression.GZIP, compression.ZIP, compression.Snappy, compression.HadoopSnappy} {
		body := mustCompress(t, f, data)
		bad := [][]byte{body[:len(body)/2], append(append([]byte{}, body[:20]...), bytes.Repeat([]byte{0xff}, 64)...)}
		if f != compression.HadoopSnappy { // an empty HADOOP_SNAPPY body is empty data
			bad = append(bad, []byte{})
		}
		for _, bad := range bad {
			if _, _, err := compression.Decompress(f, bad, 0); err == nil {
				t.Errorf("%s: %d corrupt bytes decompressed without error", f, len(bad))
			}
		}
	}
	if _, _, err := compression.Decompress("BROTLI", []byte("x"), 0); err == nil {
		t.Error("unknown format: no error")
	}
}

func TestDetect(t *testing.T) {
	data := []byte(`{"a":1}` + "\n")
	for _, tc := range []struct {
		encoding, key string
		body          []byte
		want          compression.Format
	}{
		{"gzip", "a/b.gz", mustCompress(t, compression.GZIP, data), compression.GZIP},
		{"", "a/b", mustCompress(t, compression.GZIP, data), compression.GZIP}, // magic wins
		{"zip", "a/b.zip", mustCompress(t, compression.ZIP, data), compression.ZIP},
		{"snappy-java", "a/b.snappy", mustCompress(t, compression.Snappy, data), compression.Snappy},
		{"hadoop-snappy", "a/b.snappy", mustCompress(t, compression.HadoopSnappy, data), compression.HadoopSnappy},
		{"", "a/b.snappy", mustCompress(t, compression.HadoopSnappy, data), compression.HadoopSnappy},
		{"", "a/b.json", data, compression.Uncompressed},
		{"gzip", "a/b", data, compression.Uncompressed}, // no magic: not gzip whatever the header says
	} {
		if got := compression.Detect(tc.encoding, tc.key, tc.body); got != tc.want {
			t.Errorf("Detect(%q, %q): %s, want %s", tc.encoding, tc.key, got, tc.want)
		}
	}
}
