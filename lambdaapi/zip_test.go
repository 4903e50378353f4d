package lambdaapi

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipEntry describes one entry of a test archive.
type zipEntry struct {
	name    string
	body    string
	mode    fs.FileMode // 0: regular 0644 without Unix mode bits (like Windows)
	symlink bool
	dir     bool
	store   bool // no compression
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		switch {
		case e.symlink:
			h.SetMode(fs.ModeSymlink | 0o777)
		case e.dir:
			h.SetMode(fs.ModeDir | 0o755)
		case e.mode != 0:
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// extractInto extracts into <tmp>/fn/task and returns the task dir and the
// enclosing directory (which must hold nothing but task afterwards).
func extractInto(t testing.TB, data []byte, lim zipLimits) (string, string, error) {
	t.Helper()
	parent := t.TempDir()
	task := filepath.Join(parent, "fn", "task")
	if err := os.MkdirAll(task, 0o755); err != nil {
		t.Fatal(err)
	}
	return task, parent, extractZip(data, task, lim)
}

func apiMessage(err error) string {
	var e *apiError
	if errors.As(err, &e) {
		return e.Type + ": " + e.Message
	}
	if err == nil {
		return ""
	}
	return "non-API error: " + err.Error()
}

func TestExtractZip(t *testing.T) {
	lim := zipLimits{maxUnzipped: 1 << 20}
	t.Run("files, directories, modes", func(t *testing.T) {
		data := makeZip(t,
			zipEntry{name: "app.py", body: "print(1)\n"},
			zipEntry{name: "bin/", dir: true},
			zipEntry{name: "bin/tool", body: "#!/bin/sh\n", mode: 0o755},
			zipEntry{name: "lib/deep/x.txt", body: "x"},
			zipEntry{name: "./", dir: true},
			zipEntry{name: `win\style.txt`, body: "w"},
			zipEntry{name: "a/../b.txt", body: "b"},
		)
		task, _, err := extractInto(t, data, lim)
		if err != nil {
			t.Fatal(apiMessage(err))
		}
		for name, want := range map[string]fs.FileMode{
			"app.py": 0o644, "bin/tool": 0o755, "lib/deep/x.txt": 0o644, "win/style.txt": 0o644, "b.txt": 0o644,
		} {
			fi, err := os.Stat(filepath.Join(task, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), want)
			}
		}
	})
	t.Run("symlink inside", func(t *testing.T) {
		data := makeZip(t,
			zipEntry{name: "real/file.txt", body: "hello"},
			zipEntry{name: "link", body: "real/file.txt", symlink: true},
			zipEntry{name: "sub/up", body: "../real", symlink: true},
		)
		task, _, err := extractInto(t, data, lim)
		if err != nil {
			t.Fatal(apiMessage(err))
		}
		b, err := os.ReadFile(filepath.Join(task, "sub", "up", "file.txt"))
		if err != nil || string(b) != "hello" {
			t.Fatalf("through the links: %q, %v", b, err)
		}
	})
	refused := []struct {
		name    string
		entries []zipEntry
		want    string
	}{
		{"dot-dot", []zipEntry{{name: "../evil.txt", body: "x"}}, "outside the function's directory"},
		{"deep dot-dot", []zipEntry{{name: "a/b/../../../evil.txt", body: "x"}}, "outside the function's directory"},
		{"backslash dot-dot", []zipEntry{{name: `..\evil.txt`, body: "x"}}, "outside the function's directory"},
		{"absolute", []zipEntry{{name: "/tmp/evil.txt", body: "x"}}, "absolute path"},
		{"drive letter", []zipEntry{{name: `C:\evil.txt`, body: "x"}}, "absolute path"},
		{"NUL byte", []zipEntry{{name: "a\x00b", body: "x"}}, "NUL byte"},
		{"symlink absolute", []zipEntry{{name: "l", body: "/etc/passwd", symlink: true}}, "not a relative path"},
		{"symlink up", []zipEntry{{name: "l", body: "../../x", symlink: true}}, "outside the function's directory"},
		{"symlink chain", []zipEntry{
			{name: "a/", dir: true},
			{name: "a/b", body: "..", symlink: true},
			{name: "a/b/c", body: "../..", symlink: true},
		}, "symbolic link"},
		{"dangling symlink", []zipEntry{{name: "l", body: "missing", symlink: true}}, "does not exist"},
		{"write through symlink", []zipEntry{
			{name: "l", body: ".", symlink: true},
			{name: "l", body: "x"},
		}, "symbolic link"},
		{"file then directory", []zipEntry{{name: "a", body: "x"}, {name: "a/b", body: "y"}}, "cannot be created"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, parent, err := extractInto(t, makeZip(t, tc.entries...), lim)
			if err == nil || !strings.Contains(apiMessage(err), tc.want) ||
				!strings.HasPrefix(apiMessage(err), "InvalidParameterValueException: ") {
				t.Fatalf("got %q, want InvalidParameterValueException containing %q", apiMessage(err), tc.want)
			}
			assertConfined(t, parent)
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		_, _, err := extractInto(t, []byte("not a zip"), lim)
		if !strings.Contains(apiMessage(err), "Could not unzip uploaded file. Please check your file") {
			t.Fatalf("got %q", apiMessage(err))
		}
	})
	t.Run("corrupt data", func(t *testing.T) {
		data := makeZip(t, zipEntry{name: "a.txt", body: strings.Repeat("hello ", 100), store: true})
		i := bytes.Index(data, []byte("hello hello"))
		data[i] = 'j' // CRC mismatch
		_, _, err := extractInto(t, data, lim)
		if !strings.Contains(apiMessage(err), "Could not unzip uploaded file. Please check your file") {
			t.Fatalf("got %q", apiMessage(err))
		}
	})
	t.Run("zip bomb", func(t *testing.T) {
		// 2 MiB of zeros compress to a few KB; the limit is 1 MiB.
		data := makeZip(t, zipEntry{name: "zeros", body: string(make([]byte, 2<<20))})
		if len(data) > 64<<10 {
			t.Fatalf("test zip unexpectedly large: %d", len(data))
		}
		task, _, err := extractInto(t, data, lim)
		if want := "Unzipped size must be smaller than 1048576 bytes"; !strings.Contains(apiMessage(err), want) {
			t.Fatalf("got %q, want %q", apiMessage(err), want)
		}
		if fi, err := os.Stat(filepath.Join(task, "zeros")); err == nil && fi.Size() > lim.maxUnzipped+1 {
			t.Fatalf("wrote %d bytes past the limit", fi.Size())
		}
	})
	t.Run("total over limit across files", func(t *testing.T) {
		half := string(make([]byte, 600<<10))
		data := makeZip(t, zipEntry{name: "a", body: half}, zipEntry{name: "b", body: half})
		_, _, err := extractInto(t, data, lim)
		if !strings.Contains(apiMessage(err), "Unzipped size must be smaller than") {
			t.Fatalf("got %q", apiMessage(err))
		}
	})
}

func TestMakeBootstrapExecutable(t *testing.T) {
	data := makeZip(t, zipEntry{name: "bootstrap", body: "#!/bin/sh\n"}) // no Unix mode, as from Windows
	task, _, err := extractInto(t, data, zipLimits{maxUnzipped: 1 << 20})
	if err != nil {
		t.Fatal(apiMessage(err))
	}
	makeBootstrapExecutable(task)
	fi, err := os.Stat(filepath.Join(task, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 != 0o111 {
		t.Fatalf("bootstrap mode %v, want executable", fi.Mode())
	}
}

// assertConfined fails if anything exists under parent other than fn/task
// and what is inside it, or if a symbolic link inside task resolves outside.
func assertConfined(t testing.TB, parent string) {
	t.Helper()
	fnDir := filepath.Join(parent, "fn")
	task := filepath.Join(fnDir, "task")
	for _, dir := range []string{parent, fnDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			names := []string{}
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("%s holds %v: something was written outside the task directory", dir, names)
		}
	}
	realTask, err := filepath.EvalSymlinks(task)
	if err != nil {
		t.Fatal(err)
	}
	_ = filepath.WalkDir(task, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		if r, err := filepath.EvalSymlinks(p); err == nil && !within(realTask, r) {
			t.Fatalf("symbolic link %s resolves outside the task directory, to %s", p, r)
		}
		return nil
	})
}

// FuzzExtractZip checks that no archive makes extractZip panic or write
// outside its directory.
func FuzzExtractZip(f *testing.F) {
	seeds := [][]zipEntry{
		{{name: "app.py", body: "def handler(e, c): return e\n"}},
		{{name: "bin/", dir: true}, {name: "bin/x", body: "x", mode: 0o755}},
		{{name: "../evil", body: "x"}},
		{{name: "/abs", body: "x"}},
		{{name: `..\evil`, body: "x"}},
		{{name: "l", body: "..", symlink: true}, {name: "l/x", body: "x"}},
		{{name: "a/", dir: true}, {name: "a/b", body: "..", symlink: true}, {name: "a/b/c", body: "../..", symlink: true}},
		{{name: "z", body: string(make([]byte, 80<<10))}}, // over the limit below
	}
	for _, s := range seeds {
		f.Add(makeZip(f, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, parent, _ := extractInto(t, data, zipLimits{maxUnzipped: 64 << 10})
		assertConfined(t, parent)
	})
}
