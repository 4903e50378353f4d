package builtin

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/klauspost/compress/gzip"
)

// gzipProgram compresses data with the gzip program and args.
func gzipProgram(t *testing.T, data []byte, args ...string) []byte {
	t.Helper()
	path := testtool.LookPath(t, "gzip", "apt-get install gzip")
	cmd := exec.Command(path, append([]string{"-c"}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gzip %v: %v", args, err)
	}
	return out
}

func cwlPayload(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"messageType":"DATA_MESSAGE","owner":"111111111111","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"3195310660696698337880902507980421114328961542429822156`)
		b.WriteByte(byte('0' + i%10))
		b.WriteString(`","timestamp":1432826855000,"message":"line `)
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestDecompressGzipProgram decompresses what the gzip program writes, at
// every level, with a file name in the header, several members back to
// back, and bytes after the last member.
func TestDecompressGzipProgram(t *testing.T) {
	d := &Decompressor{MaxSize: MaxDecompressedSize}
	r := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100_000)
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	payload := cwlPayload(300)
	dir := t.TempDir()
	named := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(named, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	path := testtool.LookPath(t, "gzip", "apt-get install gzip")
	withName, err := exec.Command(path, "-c", "-N", named).Output()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		record []byte
		want   []byte
	}{
		{"level 6", gzipProgram(t, payload, "-6"), payload},
		{"level 1", gzipProgram(t, payload, "-1"), payload},
		{"level 9", gzipProgram(t, payload, "-9"), payload},
		{"random bytes", gzipProgram(t, random), random},
		{"empty", gzipProgram(t, nil), nil},
		{"file name", withName, payload},
		{"two members", append(gzipProgram(t, payload), gzipProgram(t, []byte("second"))...), append(append([]byte{}, payload...), "second"...)},
		{"trailing bytes", append(gzipProgram(t, []byte("data")), "garbage"...), []byte("data")},
		{"trailing zeros", append(gzipProgram(t, []byte("data")), 0, 0, 0, 0), []byte("data")},
	}
	for _, tt := range tests {
		got, f := d.Decompress([]byte("prefix:"), tt.record)
		if f != nil {
			t.Errorf("%s: %v", tt.name, f)
			continue
		}
		if !bytes.Equal(got, append([]byte("prefix:"), tt.want...)) {
			t.Errorf("%s: got %d bytes, want %d", tt.name, len(got), len(tt.want)+7)
		}
		// gzip -d agrees (on the well-formed ones).
		if strings.HasPrefix(tt.name, "trailing") {
			continue
		}
		cmd := exec.Command(path, "-dc")
		cmd.Stdin = bytes.NewReader(tt.record)
		if out, err := cmd.Output(); err != nil || !bytes.Equal(out, tt.want) {
			t.Errorf("%s: gzip -dc disagrees: %v", tt.name, err)
		}
	}
}

func TestDecompressFailures(t *testing.T) {
	d := &Decompressor{MaxSize: 1 << 20}
	good := gzipProgram(t, cwlPayload(50))
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0xff
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 1
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(make([]byte, 2<<20))
	zw.Close()
	tests := []struct {
		name   string
		record []byte
		want   string
	}{
		{"not gzip", []byte(`{"a":1,"b":"not gzip"}`), "The record could not be decompressed as GZIP: gzip: invalid header."},
		{"empty", nil, "The record could not be decompressed as GZIP: the data ends before the end of the GZIP stream."},
		{"cut short", good[:len(good)-10], "The record could not be decompressed as GZIP: the data ends before the end of the GZIP stream."},
		{"header only", good[:10], "The record could not be decompressed as GZIP: the data ends before the end of the GZIP stream."},
		{"checksum", badCRC, "The record could not be decompressed as GZIP: gzip: invalid checksum."},
		{"bomb", bomb.Bytes(), "The record decompresses to more than 1048576 bytes."},
		{"bad second member", append(bytes.Clone(good), corrupt...), ""},
	}
	for _, tt := range tests {
		got, f := d.Decompress([]byte("keep"), tt.record)
		if f == nil {
			t.Errorf("%s: no failure", tt.name)
			continue
		}
		if f.Code != CodeDecompressionFailed || f.OutputType != "decompression-failed" || tt.want != "" && f.Message != tt.want {
			t.Errorf("%s: %+v, want message %q", tt.name, f, tt.want)
		}
		if string(got) != "keep" {
			t.Errorf("%s: dst = %q", tt.name, got)
		}
	}
	if _, f := d.Decompress(nil, corrupt); f == nil {
		t.Error("corrupt: no failure")
	}
	// Exactly at the limit is fine.
	exact := gzipProgram(t, make([]byte, 1<<20))
	if got, f := d.Decompress(nil, exact); f != nil || len(got) != 1<<20 {
		t.Errorf("at the limit: %d bytes, %v", len(got), f)
	}
}
