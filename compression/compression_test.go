package compression_test

// These tests check the bytes Compress writes with readers that do not share
// code with it: the standard library (compress/gzip, archive/zip),
// github.com/golang/snappy (not klauspost's fork), and the system gzip and
// unzip commands. They also run Python scripts: a pure-Python parser of the
// block framing, Python's zipfile, and python-snappy (when it is installed).
// When java and snappy-java are both present (the Debian packages
// libsnappy-java and libsnappy-jni), they compare the output with xerial
// snappy-java, the library whose output matches real Firehose objects. Any of
// these external tools that is missing is skipped, and the test says so.

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golang/snappy"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// blockSize is snappy-java's DEFAULT_BLOCK_SIZE (32 KiB). We write it out here
// rather than reading compression.SnappyBlockSize, so that the tests fix the
// value themselves.
const blockSize = 32 * 1024

var allFormats = []compression.Format{
	compression.Uncompressed, compression.GZIP, compression.ZIP, compression.Snappy, compression.HadoopSnappy,
}

type testCase struct {
	name string
	data []byte
}

// jsonRecords returns about n bytes of newline-delimited JSON-like records,
// like a typical Firehose buffer.
func jsonRecords(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"ticker_symbol":"%s","sector":"%s","change":%.2f,"price":%.2f,"ts":"2025-03-04T11:%02d:%02d.%03dZ"}`+"\n",
			i, []string{"QXZ", "AMZN", "WMT", "HJK", "ASD"}[r.IntN(5)],
			[]string{"HEALTHCARE", "RETAIL", "TECHNOLOGY", "ENERGY"}[r.IntN(4)],
			r.Float64()*20-10, r.Float64()*1000, r.IntN(60), r.IntN(60), r.IntN(1000))
	}
	return b.Bytes()[:n]
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// cases are the inputs every format is checked with.
func cases() []testCase {
	// Binary data with newlines, CRs, NULs and every byte value.
	var bin bytes.Buffer
	for i := range 3 * blockSize / 256 {
		for c := range 256 {
			bin.WriteByte(byte(c))
		}
		bin.WriteString("\n\x00\r\n\x00\x00line\n")
		bin.Write(randomBytes(i%7, uint64(i)))
	}
	// Large input (> 1 MiB). It is not a multiple of the block size, and it
	// mixes compressible records with runs of incompressible bytes.
	var large bytes.Buffer
	for i := range 12 {
		large.Write(jsonRecords(200_000+i*1_001, uint64(i)))
		large.Write(randomBytes(40_000+i, uint64(100+i)))
	}
	return []testCase{
		{"empty", []byte{}},
		{"tiny", []byte("abc\n")},
		{"abcabcabc", []byte("abcabcabc")}, // three "abc" records, no delimiter (§7.1)
		{"nul-newlines", []byte("\x00\n\x00\x00\n\n\r\n\x00")},
		{"binary", bin.Bytes()},
		{"exact-2-blocks", jsonRecords(2*blockSize, 7)},
		{"block-plus-1", jsonRecords(blockSize+1, 8)},
		{"random-incompressible", randomBytes(5*blockSize+3, 9)},
		{"large", large.Bytes()},
	}
}

func mustCompress(t testing.TB, f compression.Format, data []byte) []byte {
	t.Helper()
	out, err := compression.Compress(f, data, "stream-1-2025-03-04-11-48-32-a9fa96af-e4e4-409f-bac3-1f804714faaa"+f.Extension())
	if err != nil {
		t.Fatalf("Compress(%s, %d bytes): %v", f, len(data), err)
	}
	return out
}

// wantBlocks is the list of uncompressed block lengths snappy-java writes for
// n input bytes: full 32 KiB blocks, then one shorter block if bytes remain.
// It has no entries when n is 0.
func wantBlocks(n int) []int {
	var out []int
	for ; n > 0; n -= blockSize {
		out = append(out, min(n, blockSize))
	}
	return out
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		f        compression.Format
		ext, enc string
	}{
		{compression.Uncompressed, "", ""},
		{compression.GZIP, ".gz", "gzip"},
		{compression.ZIP, ".zip", "zip"},
		{compression.Snappy, ".snappy", "snappy-java"},
		{compression.HadoopSnappy, ".snappy", "hadoop-snappy"},
	}
	for _, tt := range tests {
		if got := tt.f.Extension(); got != tt.ext {
			t.Errorf("%s.Extension() = %q, want %q", tt.f, got, tt.ext)
		}
		if got := tt.f.ContentEncoding(); got != tt.enc {
			t.Errorf("%s.ContentEncoding() = %q, want %q", tt.f, got, tt.enc)
		}
		if !tt.f.Valid() {
			t.Errorf("%s.Valid() = false", tt.f)
		}
	}
	if string(compression.Snappy) != "Snappy" || string(compression.HadoopSnappy) != "HADOOP_SNAPPY" {
		t.Errorf("enum spelling changed: %q %q", compression.Snappy, compression.HadoopSnappy)
	}
	if compression.ContentType != "application/octet-stream" {
		t.Errorf("ContentType = %q", compression.ContentType)
	}
	for _, bad := range []compression.Format{"", "SNAPPY", "gzip", "Gzip", "LZ4", "hadoop_snappy"} {
		if bad.Valid() {
			t.Errorf("Format(%q).Valid() = true", bad)
		}
	}
}

func TestUnsupportedFormat(t *testing.T) {
	for _, bad := range []compression.Format{"SNAPPY", "gzip", "ZSTD"} {
		if out, err := compression.Compress(bad, []byte("x"), "x"); err == nil {
			t.Errorf("Compress(%q) = %d bytes, nil error; want an error", bad, len(out))
		}
	}
}

func TestUncompressed(t *testing.T) {
	for _, tc := range cases() {
		for _, f := range []compression.Format{compression.Uncompressed, ""} {
			out := mustCompress(t, f, tc.data)
			if !bytes.Equal(out, tc.data) {
				t.Errorf("%s/%q: output differs from input", tc.name, f)
			}
		}
	}
}

func TestGZIP(t *testing.T) {
	gzipCmd, gzipErr := exec.LookPath("gzip")
	if gzipErr != nil {
		t.Log("gzip command not found: skipping the `gzip -dc` check")
	}
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			out := mustCompress(t, compression.GZIP, tc.data)
			if len(out) < 18 || out[0] != 0x1f || out[1] != 0x8b || out[2] != 8 {
				t.Fatalf("not a gzip member: % x", out[:min(len(out), 10)])
			}
			// Standard library: exactly one member, nothing after it.
			br := bytes.NewReader(out)
			zr, err := gzip.NewReader(br)
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("compress/gzip: %v", err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("compress/gzip: got %d bytes, want %d (content differs)", len(got), len(tc.data))
			}
			if br.Len() != 0 {
				t.Errorf("%d bytes after the first gzip member", br.Len())
			}
			if gzipErr == nil {
				cmd := exec.Command(gzipCmd, "-dc")
				cmd.Stdin = bytes.NewReader(out)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				got, err := cmd.Output()
				if err != nil {
					t.Fatalf("gzip -dc: %v: %s", err, stderr.Bytes())
				}
				if !bytes.Equal(got, tc.data) {
					t.Fatalf("gzip -dc: got %d bytes, want %d (content differs)", len(got), len(tc.data))
				}
			}
		})
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestZIP(t *testing.T) {
	dir := t.TempDir()
	py := findPython(t, "zipfile")
	unzip, unzipErr := exec.LookPath("unzip")
	if unzipErr != nil {
		t.Log("unzip command not found: skipping the unzip check")
	}
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			out := mustCompress(t, compression.ZIP, tc.data)
			zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatalf("archive/zip: %v", err)
			}
			if len(zr.File) != 1 {
				t.Fatalf("archive/zip: %d entries, want 1", len(zr.File))
			}
			zf := zr.File[0]
			if !uuidV4.MatchString(zf.Name) {
				t.Errorf("entry name %q is not a lowercase UUID v4", zf.Name)
			}
			if zf.Method != zip.Deflate {
				t.Errorf("entry method %d, want Deflate (8)", zf.Method)
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc) // also checks CRC-32 and size
			rc.Close()
			if err != nil {
				t.Fatalf("archive/zip read: %v", err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("archive/zip: got %d bytes, want %d (content differs)", len(got), len(tc.data))
			}

			zipPath := filepath.Join(dir, tc.name+".zip")
			inPath := filepath.Join(dir, tc.name+".in")
			writeFile(t, zipPath, out)
			writeFile(t, inPath, tc.data)
			if py != "" {
				script := `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = z.namelist()
    assert len(names) == 1, names
    assert z.testzip() is None
    info = z.getinfo(names[0])
    assert info.compress_type == zipfile.ZIP_DEFLATED, info.compress_type
    assert z.read(names[0]) == open(sys.argv[2], "rb").read(), "content differs"
print(names[0])
`
				name := run(t, py, "-c", script, zipPath, inPath)
				if strings.TrimSpace(name) != zf.Name {
					t.Errorf("python zipfile sees entry %q, archive/zip %q", strings.TrimSpace(name), zf.Name)
				}
				run(t, py, "-m", "zipfile", "-t", zipPath)
			}
			if unzipErr == nil {
				run(t, unzip, "-tq", zipPath)
				got := run(t, unzip, "-p", zipPath)
				if got != string(tc.data) {
					t.Fatalf("unzip -p: got %d bytes, want %d (content differs)", len(got), len(tc.data))
				}
			}
		})
	}
	// Each object gets a new random entry name.
	a := mustCompress(t, compression.ZIP, []byte("x"))
	b := mustCompress(t, compression.ZIP, []byte("x"))
	if zipEntryName(t, a) == zipEntryName(t, b) {
		t.Error("two ZIP objects share an entry name; want a fresh UUID each")
	}
}

func zipEntryName(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 1 {
		t.Fatalf("bad zip: %v", err)
	}
	return zr.File[0].Name
}

// decodeBlocks parses the snappy-java block framing (after its header, if it
// has one). It decodes each raw block with github.com/golang/snappy and returns
// the concatenated output and the uncompressed length of each block.
func decodeBlocks(t *testing.T, b []byte, hadoop bool) ([]byte, []int) {
	t.Helper()
	var out []byte
	var lens []int
	for p := 0; p < len(b); {
		want := -1
		if hadoop {
			if p+4 > len(b) {
				t.Fatalf("truncated block header at %d", p)
			}
			want = int(binary.BigEndian.Uint32(b[p:]))
			p += 4
		}
		if p+4 > len(b) {
			t.Fatalf("truncated compressed length at %d", p)
		}
		clen := int(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if clen == 0 || p+clen > len(b) {
			t.Fatalf("compressed length %d out of range at %d (object is %d bytes)", clen, p, len(b))
		}
		dec, err := snappy.Decode(nil, b[p:p+clen])
		if err != nil {
			t.Fatalf("golang/snappy.Decode block at %d: %v", p, err)
		}
		if hadoop && len(dec) != want {
			t.Fatalf("hadoop block header says %d bytes, block decodes to %d", want, len(dec))
		}
		out = append(out, dec...)
		lens = append(lens, len(dec))
		p += clen
	}
	return out, lens
}

var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}

func TestSnappy(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			out := mustCompress(t, compression.Snappy, tc.data)
			if !bytes.HasPrefix(out, xerialHeader) {
				t.Fatalf("missing snappy-java header: % x", out[:min(len(out), 16)])
			}
			got, lens := decodeBlocks(t, out[16:], false)
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("got %d bytes, want %d (content differs)", len(got), len(tc.data))
			}
			if want := wantBlocks(len(tc.data)); !slices.Equal(lens, want) {
				t.Errorf("block lengths %v, want %v", lens, want)
			}
			// This is snappy-java's format, not the framing format.
			if _, err := io.ReadAll(snappy.NewReader(bytes.NewReader(out))); err == nil && len(out) > 0 {
				t.Error("output also parses as the Snappy framing format; want the snappy-java stream format")
			}
		})
	}
	// Known bytes: snappy-java 1.1.8.3 SnappyOutputStream on "abc\n" and on
	// empty input.
	if got := mustCompress(t, compression.Snappy, []byte("abc\n")); !bytes.Equal(got, append(slices.Clone(xerialHeader), 0, 0, 0, 6, 0x04, 0x0c, 'a', 'b', 'c', '\n')) {
		t.Errorf("Snappy(abc\\n) = % x", got)
	}
	if got := mustCompress(t, compression.Snappy, nil); !bytes.Equal(got, xerialHeader) {
		t.Errorf("Snappy(empty) = % x, want the 16-byte header only", got)
	}
}

func TestHadoopSnappy(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			out := mustCompress(t, compression.HadoopSnappy, tc.data)
			got, lens := decodeBlocks(t, out, true)
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("got %d bytes, want %d (content differs)", len(got), len(tc.data))
			}
			if want := wantBlocks(len(tc.data)); !slices.Equal(lens, want) {
				t.Errorf("block lengths %v, want %v", lens, want)
			}
		})
	}
	if got := mustCompress(t, compression.HadoopSnappy, []byte("abc\n")); !bytes.Equal(got, []byte{0, 0, 0, 4, 0, 0, 0, 6, 0x04, 0x0c, 'a', 'b', 'c', '\n'}) {
		t.Errorf("HadoopSnappy(abc\\n) = % x", got)
	}
	if got := mustCompress(t, compression.HadoopSnappy, nil); len(got) != 0 {
		t.Errorf("HadoopSnappy(empty) = % x, want no bytes", got)
	}
}

// writeCases writes every case's input and its compressed forms to dir as
// NAME.in, NAME.gz, NAME.zip, NAME.snappy and NAME.hsnappy.
func writeCases(t *testing.T, dir string) []testCase {
	t.Helper()
	cs := cases()
	for _, tc := range cs {
		writeFile(t, filepath.Join(dir, tc.name+".in"), tc.data)
		writeFile(t, filepath.Join(dir, tc.name+".gz"), mustCompress(t, compression.GZIP, tc.data))
		writeFile(t, filepath.Join(dir, tc.name+".zip"), mustCompress(t, compression.ZIP, tc.data))
		writeFile(t, filepath.Join(dir, tc.name+".snappy"), mustCompress(t, compression.Snappy, tc.data))
		writeFile(t, filepath.Join(dir, tc.name+".hsnappy"), mustCompress(t, compression.HadoopSnappy, tc.data))
	}
	return cs
}

// TestPythonFraming parses the Snappy and HADOOP_SNAPPY block framing with a
// pure-Python parser (testdata/parse_framing.py), which needs no snappy
// library, and checks the block lengths it reports.
func TestPythonFraming(t *testing.T) {
	py := findPython(t, "json")
	if py == "" {
		testtool.Missing(t, "python3", "apt-get install python3")
	}
	dir := t.TempDir()
	cs := writeCases(t, dir)
	args := []string{"testdata/parse_framing.py"}
	for _, tc := range cs {
		args = append(args, "xerial:"+filepath.Join(dir, tc.name+".snappy"), "hadoop:"+filepath.Join(dir, tc.name+".hsnappy"))
	}
	outText := run(t, py, args...)
	lines := strings.Split(strings.TrimSpace(outText), "\n")
	if len(lines) != 2*len(cs) {
		t.Fatalf("parser printed %d lines, want %d", len(lines), 2*len(cs))
	}
	for i, tc := range cs {
		for j, format := range []string{"Snappy", "HADOOP_SNAPPY"} {
			var res struct {
				Path   string
				Blocks [][2]int
			}
			if err := json.Unmarshal([]byte(lines[2*i+j]), &res); err != nil {
				t.Fatal(err)
			}
			var ulens []int
			for _, b := range res.Blocks {
				ulens = append(ulens, b[0])
			}
			if want := wantBlocks(len(tc.data)); !slices.Equal(ulens, want) {
				t.Errorf("%s %s: python sees block lengths %v, want %v", tc.name, format, ulens, want)
			}
		}
	}
}

// TestPythonSnappy decodes both snappy formats with python-snappy (C++
// libsnappy). It includes the library's own Hadoop stream decompressor.
func TestPythonSnappy(t *testing.T) {
	py := findPython(t, "snappy.hadoop_snappy")
	if py == "" {
		testtool.Missing(t, "python3 with python-snappy", "apt-get install python3-snappy")
	}
	dir := t.TempDir()
	args := []string{"testdata/python_snappy_check.py"}
	for _, tc := range writeCases(t, dir) {
		p := filepath.Join(dir, tc.name)
		args = append(args, p+".in", p+".snappy", p+".hsnappy")
	}
	run(t, py, args...)
}

// TestSnappyJava checks every format against xerial snappy-java and the JDK's
// java.util.zip readers (testdata/SnappyJavaCheck.java).
func TestSnappyJava(t *testing.T) {
	java := testtool.LookPath(t, "java", "apt-get install default-jdk-headless")
	jar := os.Getenv("SNAPPY_JAVA_JAR")
	if jar == "" {
		jar = "/usr/share/java/snappy-java.jar" // Debian libsnappy-java
	}
	if _, err := os.Stat(jar); err != nil {
		testtool.Missing(t, "snappy-java ("+err.Error()+")", "apt-get install libsnappy-java libsnappy-jni, or set SNAPPY_JAVA_JAR")
	}
	dir := t.TempDir()
	cs := writeCases(t, dir)
	out := run(t, java, "-cp", jar, "testdata/SnappyJavaCheck.java", dir)
	if n := strings.Count(out, "ok "); n != len(cs) {
		t.Errorf("java checked %d cases, want %d:\n%s", n, len(cs), out)
	}
}

// TestConcurrent runs Compress from many goroutines at once, to exercise the
// writer pools under -race.
func TestConcurrent(t *testing.T) {
	data := jsonRecords(300_000, 42)
	var wg sync.WaitGroup
	for i := range 16 {
		f := allFormats[i%len(allFormats)]
		wg.Go(func() {
			for range 3 {
				out, err := compression.Compress(f, data, "obj")
				if err != nil {
					t.Error(err)
					return
				}
				if got := roundTrip(t, f, out); !bytes.Equal(got, data) {
					t.Errorf("%s: round trip differs", f)
					return
				}
			}
		})
	}
	wg.Wait()
}

// roundTrip decodes out with the independent readers used above.
func roundTrip(t *testing.T, f compression.Format, out []byte) []byte {
	switch f {
	case compression.GZIP:
		zr, err := gzip.NewReader(bytes.NewReader(out))
		if err != nil {
			t.Error(err)
			return nil
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Error(err)
		}
		return b
	case compression.ZIP:
		zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
		if err != nil || len(zr.File) != 1 {
			t.Errorf("zip: %v", err)
			return nil
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Error(err)
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Error(err)
		}
		return b
	case compression.Snappy:
		b, _ := decodeBlocks(t, out[16:], false)
		return b
	case compression.HadoopSnappy:
		b, _ := decodeBlocks(t, out, true)
		return b
	}
	return out
}

// findPython returns a python3 interpreter that can import module, or "".
// It tries the python3 on PATH first, then the system one: python-snappy
// from Debian is installed only for /usr/bin/python3.
func findPython(t *testing.T, module string) string {
	t.Helper()
	var tried []string
	for _, c := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
		tried = append(tried, p)
	}
	t.Logf("no python3 that can import %s (tried %v)", module, tried)
	return ""
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(shorten(args), " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

// shorten keeps long inline scripts out of failure messages.
func shorten(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if len(a) > 80 {
			out[i] = a[:77] + "..."
		}
	}
	return out
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCompress compresses 5 MiB of JSON records (the default
// BufferingHints.SizeInMBs) in each format.
func BenchmarkCompress(b *testing.B) {
	data := jsonRecords(5<<20, 1)
	for _, f := range allFormats {
		b.Run(string(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var n int
			for b.Loop() {
				out, err := compression.Compress(f, data, "bench.zip")
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n)/float64(len(data)), "ratio")
		})
	}
}
