//go:build linux

package statestore_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/statestore"
)

// On a full disk the file cannot be created: Open says so with an error
// IsNoSpace recognizes and leaves nothing behind. A store that exists
// already opens, and a transaction that finds the disk full fails whole,
// leaving the store usable once there is space again.
func TestFullDisk(t *testing.T) {
	dir := testtool.SmallDisk(t, "256k")
	testtool.Fill(t, dir)
	if _, err := statestore.Open(dir); !statestore.IsNoSpace(err) {
		t.Fatalf("Open on a full disk = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, statestore.FileName)); !os.IsNotExist(err) {
		t.Fatalf("a file was left behind: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}

	db := open(t, dir)
	h := db.Handle("svc")
	put(t, h, "b", "kept", "before")
	testtool.Fill(t, dir)
	big := bytes.Repeat([]byte("x"), 64<<10)
	err := h.Update(func(b *statestore.Bucket) error {
		nb, err := b.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		if err := nb.Put([]byte("kept"), []byte("changed")); err != nil {
			return err
		}
		return nb.Put([]byte("big"), big)
	})
	if !statestore.IsNoSpace(err) {
		t.Fatalf("Update on a full disk = %v", err)
	}
	if v := get(t, h, "b", "kept"); v != "before" {
		t.Fatalf("after a failed update: %q", v)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// It opens on the full disk, and works again once there is space.
	db = open(t, dir)
	defer db.Close()
	h = db.Handle("svc")
	if v := get(t, h, "b", "kept"); v != "before" {
		t.Fatalf("reopened on a full disk: %q", v)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	put(t, h, "b", "big", string(big))
	if v := get(t, h, "b", "big"); v != string(big) {
		t.Fatal("the big value did not come back")
	}
}
