//go:build linux

package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SmallDisk mounts a tmpfs of size ("2m") on a temporary directory: a disk
// that fills up. Mounting needs root, as CI runs the tests; elsewhere the
// test is skipped, unless RequireEnv is set, when it fails.
func SmallDisk(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("mounting a %s tmpfs (needs root): %v: %s", size, err, out)
		if os.Geteuid() != 0 {
			Missing(t, msg, "run as root")
		}
		t.Fatal(msg)
	}
	t.Cleanup(func() { // before TempDir's removal: cleanups run last first
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Fill writes the file dir/filler until the disk is full. Removing it
// frees the space again.
func Fill(t testing.TB, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		if strings.Contains(err.Error(), "no space left") {
			return
		}
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatal(err)
			}
			// A block's worth of bytes may still fit: fill it too.
			for n := 2048; n > 0; n /= 2 {
				for {
					if _, err := f.Write(buf[:n]); err != nil {
						break
					}
				}
			}
			return
		}
	}
}
