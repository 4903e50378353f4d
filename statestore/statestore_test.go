package statestore_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/statestore"
)

func open(t *testing.T, dir string) *statestore.DB {
	t.Helper()
	db, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func put(t *testing.T, h *statestore.Handle, bucket, key, value string) {
	t.Helper()
	err := h.Update(func(b *statestore.Bucket) error {
		nb, err := b.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return nb.Put([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, h *statestore.Handle, bucket, key string) string {
	t.Helper()
	var v []byte
	err := h.View(func(b *statestore.Bucket) error {
		v = bytes.Clone(b.Bucket([]byte(bucket)).Get([]byte(key)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// Each service sees its own bucket only; what it wrote is there after a
// reopening.
func TestServicesAreApart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := open(t, dir)
	if db.Path() != filepath.Join(dir, statestore.FileName) {
		t.Fatalf("path %s", db.Path())
	}
	a, b := db.Handle("a"), db.Handle("b")
	put(t, a, "things", "k", "of a")
	if v := get(t, b, "things", "k"); v != "" {
		t.Fatalf("b sees %q", v)
	}
	put(t, b, "things", "k", "of b")
	// A failed update leaves nothing behind.
	err := a.Update(func(bk *statestore.Bucket) error {
		things, _ := bk.CreateBucketIfNotExists([]byte("things"))
		if err := things.Put([]byte("k"), []byte("changed")); err != nil {
			return err
		}
		return os.ErrInvalid
	})
	if err != os.ErrInvalid {
		t.Fatalf("Update = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, dir)
	defer db.Close()
	if v := get(t, db.Handle("a"), "things", "k"); v != "of a" {
		t.Fatalf("a after reopening: %q", v)
	}
	if v := get(t, db.Handle("b"), "things", "k"); v != "of b" {
		t.Fatalf("b after reopening: %q", v)
	}
	if v := get(t, db.Handle("never-wrote"), "things", "k"); v != "" {
		t.Fatalf("a new service sees %q", v)
	}
	// Deleting a nested bucket that is not there is no error.
	if err := db.Handle("a").Update(func(b *statestore.Bucket) error { return b.DeleteBucket([]byte("nothing")) }); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationMarkers(t *testing.T) {
	t.Parallel()
	db := open(t, t.TempDir())
	defer db.Close()
	h := db.Handle("svc")
	if done, err := h.Migrated("old.json"); done || err != nil {
		t.Fatalf("Migrated = %v, %v before any import", done, err)
	}
	if err := h.Update(func(b *statestore.Bucket) error { return b.MarkMigrated("old.json") }); err != nil {
		t.Fatal(err)
	}
	if done, err := h.Migrated("old.json"); !done || err != nil {
		t.Fatalf("Migrated = %v, %v after the import", done, err)
	}
	if done, _ := db.Handle("other").Migrated("old.json"); done {
		t.Fatal("another service's marker is seen")
	}
}

// One process at a time: a second Open of the same directory says it is
// in use.
func TestInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := open(t, dir)
	defer db.Close()
	if _, err := statestore.Open(dir); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open: %v", err)
	}
}

func TestNotAStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, statestore.FileName), bytes.Repeat([]byte("not bbolt "), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := statestore.Open(dir); err == nil || !strings.Contains(err.Error(), statestore.FileName) {
		t.Fatalf("Open = %v", err)
	}
}

// A nil DB, as a server without a store has, gives nil handles.
func TestNilDB(t *testing.T) {
	t.Parallel()
	var db *statestore.DB
	if db.Handle("x") != nil || db.Path() != "" || db.Close() != nil {
		t.Fatal("a nil DB is not empty")
	}
}
