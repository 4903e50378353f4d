package testtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CheckGenerated fails t unless file, in the test's package directory, is
// what the generator program gen (run as `go run gen -o FILE`) writes.
func CheckGenerated(t *testing.T, gen, file string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), file)
	if b, err := exec.Command("go", "run", gen, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", gen, err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what %s writes: run go generate", file, gen)
	}
}
