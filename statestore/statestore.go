// Package statestore is where firehose-local keeps its control plane with
// --data-dir: one bbolt file, DataDir/state.db, holding the delivery stream
// definitions (firehose), the functions' configurations (lambdaapi) and
// CloudWatch Logs' groups, streams and events (cwlogs). Beside it in the
// data directory are the write-ahead log of acknowledged records (wal/),
// the built-in S3's objects (s3.db) and the functions' code (lambda/), which
// are files.
//
// Each service gets a Handle on a bucket of its own, named after it, and
// sees nothing else of the file: a Bucket offers no way out of itself (no
// transaction, no parent), so one service's bugs cannot touch another's
// data. Every Update is one bbolt transaction: all of it or none of it
// reaches the file.
//
// # What survives a crash
//
// Update returns once its transaction is committed and synced to the disk
// (fdatasync), so what it wrote survives the process being killed
// (kill -9) and the machine losing power alike. How often a service
// updates is its choice:
//
//   - firehose writes a stream's definition, and lambdaapi a function's
//     configuration, before the API call that changed it answers.
//   - cwlogs commits in groups, one transaction for all that changed since
//     the previous one. Its API's changes (CreateLogGroup, PutLogEvents,
//     PutRetentionPolicy, ...) are committed at once and answer when they
//     are, concurrent calls sharing a commit (with --fsync interval they
//     answer first and are committed within 100 ms). Events appended from
//     inside the server (function output through LambdaSink, delivery
//     errors) wait for no one and are committed within 100 ms, with what
//     else came meanwhile: those of the last 100 ms or so before a kill -9
//     or a power loss may be lost.
//
// On a full disk a transaction fails and the file keeps its previous
// state; the services say what they do then (firehose and cwlogs carry on
// in memory, lambdaapi refuses the change). A file that cannot be created
// for want of space is reported by IsNoSpace: the server starts without a
// store rather than not at all.
//
// # Migration
//
// Releases before it (up to a9da27c) kept this state in files of their own:
// DataDir/firehose/streams.json, DataDir/logs/logs.jsonl (a journal) and
// DataDir/lambda/<region>/<name>/function.json. Each service imports its
// old file(s) once, in the same transaction as a marker saying so, then
// removes them; see Handle.Migrated.
package statestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/firehose-local/firehose-local/internal/fsutil"
	"github.com/firehose-local/firehose-local/wal"
)

// FileName is the name of the store in the data directory.
const FileName = "state.db"

// openTimeout bounds the wait for the file's lock, which another process
// using the same data directory holds.
const openTimeout = 2 * time.Second

// Format of the file, kept in the store's own bucket.
var (
	storeBucket = []byte("statestore")
	versionKey  = []byte("version")
)

const version = 1

// DB is an open state store.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens (or creates) dir/state.db. Only one process may have it open:
// another one gets an error saying the directory is in use. An error for
// which IsNoSpace is true means the file could not be created for want of
// space; nothing is left behind then.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	_, err := os.Stat(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	db, err := openBolt(path)
	if err != nil {
		if fresh {
			_ = os.Remove(path) // a file half written for want of space
		}
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("statestore: %s is in use by another process (another firehose-local on the same data directory?)", path)
		}
		return nil, fmt.Errorf("statestore: opening %s: %w", path, err)
	}
	d := &DB{bolt: db, path: path}
	if fresh {
		err = db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(storeBucket)
			if err != nil {
				return err
			}
			return b.Put(versionKey, []byte{version})
		})
		if err == nil {
			err = fsutil.SyncDir(dir) // the new file's name, on disk
		}
		if err != nil {
			_ = db.Close()
			_ = os.Remove(path)
			return nil, fmt.Errorf("statestore: creating %s: %w", path, err)
		}
		return d, nil
	}
	err = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(storeBucket); b != nil {
			if v := b.Get(versionKey); len(v) != 1 || v[0] > version {
				return fmt.Errorf("statestore: %s was written by a newer firehose-local (format %v, this one reads %d)", path, v, version)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return d, nil
}

// openBolt opens the file; bbolt's panics on a damaged file become errors.
func openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("the file is damaged (%v); move it away to start without the state it holds", r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
}

// IsNoSpace reports whether err comes from a full disk (or quota).
func IsNoSpace(err error) bool { return wal.IsNoSpace(err) }

// Path is the store's file.
func (d *DB) Path() string {
	if d == nil {
		return ""
	}
	return d.path
}

// Close closes the file. Handles must not be used afterwards.
func (d *DB) Close() error {
	if d == nil {
		return nil
	}
	return d.bolt.Close()
}

// Handle returns the handle of service, which sees only its own bucket. A
// nil DB (no store) gives a nil Handle.
func (d *DB) Handle(service string) *Handle {
	if d == nil {
		return nil
	}
	if service == "" || service == string(storeBucket) {
		panic("statestore: invalid service name " + service)
	}
	return &Handle{db: d, name: []byte(service)}
}

// Handle is one service's access to its bucket of the store.
type Handle struct {
	db   *DB
	name []byte
}

// Path is the store's file, for messages.
func (h *Handle) Path() string { return h.db.path }

// View calls fn with the service's bucket in a read-only transaction. The
// bucket is empty (a nil *Bucket, on which every read finds nothing) if the
// service never wrote. Values are valid only inside fn.
func (h *Handle) View(fn func(b *Bucket) error) error {
	return h.db.bolt.View(func(tx *bolt.Tx) error {
		var b *Bucket
		if bb := tx.Bucket(h.name); bb != nil {
			b = &Bucket{b: bb}
		}
		return fn(b)
	})
}

// Update calls fn with the service's bucket in a read-write transaction,
// committed and synced to disk if fn returns nil, rolled back otherwise.
func (h *Handle) Update(fn func(b *Bucket) error) error {
	return h.db.bolt.Update(func(tx *bolt.Tx) error {
		bb, err := tx.CreateBucketIfNotExists(h.name)
		if err != nil {
			return err
		}
		return fn(&Bucket{b: bb})
	})
}

// migrations is the bucket, in each service's bucket, of the markers of
// the files it imported.
var migrations = []byte("_migrated")

// Migrated reports whether the service has imported what name stands for
// (an old file) already.
func (h *Handle) Migrated(name string) (bool, error) {
	done := false
	err := h.View(func(b *Bucket) error {
		done = b.Bucket(migrations).Get([]byte(name)) != nil
		return nil
	})
	return done, err
}

// MarkMigrated records, inside an Update, that name has been imported, so
// that Migrated reports it from the moment the transaction commits.
func (b *Bucket) MarkMigrated(name string) error {
	m, err := b.CreateBucketIfNotExists(migrations)
	if err != nil {
		return err
	}
	return m.Put([]byte(name), []byte(time.Now().UTC().Format(time.RFC3339)))
}

// Bucket is a bucket of the service's own, or one nested in it. The nil
// *Bucket is an empty one that can only be read.
type Bucket struct {
	b *bolt.Bucket
}

// Get returns the value of key, or nil. It is valid only in the
// transaction.
func (b *Bucket) Get(key []byte) []byte {
	if b == nil {
		return nil
	}
	return b.b.Get(key)
}

// Put sets key's value.
func (b *Bucket) Put(key, value []byte) error { return b.b.Put(key, value) }

// Delete removes key, if there.
func (b *Bucket) Delete(key []byte) error { return b.b.Delete(key) }

// Bucket returns the nested bucket name, or nil.
func (b *Bucket) Bucket(name []byte) *Bucket {
	if b == nil {
		return nil
	}
	if bb := b.b.Bucket(name); bb != nil {
		return &Bucket{b: bb}
	}
	return nil
}

// CreateBucketIfNotExists returns the nested bucket name, created if
// needed.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	bb, err := b.b.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return &Bucket{b: bb}, nil
}

// DeleteBucket removes the nested bucket name and everything in it, if
// there.
func (b *Bucket) DeleteBucket(name []byte) error {
	err := b.b.DeleteBucket(name)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// ForEach calls fn for every key in order; value is nil for a nested
// bucket. fn must not change the bucket.
func (b *Bucket) ForEach(fn func(key, value []byte) error) error {
	if b == nil {
		return nil
	}
	return b.b.ForEach(fn)
}

// SetAppending tells the bucket that keys are mostly added at its end (in
// the current transaction), so that its pages are filled up rather than
// split in halves.
func (b *Bucket) SetAppending() { b.b.FillPercent = 0.95 }
