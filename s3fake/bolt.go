package s3fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/johannesboyne/gofakes3"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// boltGuard wraps the gofakes3 s3bolt backend, which keeps objects in the
// bbolt file DataDir/s3.db, and is the only way to it. It
//
//   - makes s3bolt memory-safe. s3bolt's GetObject and HeadObject decode the
//     object inside a read transaction, but the returned Contents and Hash
//     still point into bbolt's memory map (the bson decoder does not copy
//     byte slices) and are used after the transaction has ended. A
//     concurrent write may then reuse those pages or remap the file, which
//     corrupts the object or crashes the process with SIGSEGV. boltGuard
//     copies what it returns while holding off writers, and runs every write
//     under the same lock. Request bodies are read before the lock is taken
//     so that a slow client does not stall other requests.
//   - replaces an overwritten object's metadata, as S3 does, where s3bolt
//     merges the old keys into the new ones: every old key missing from the
//     new metadata is stored with an empty value (a "tombstone", never
//     served: see fixObjectResponses), under the write lock.
//   - stores a checksum with every object (integritySum: CRC-32C of the
//     content, bucket, key, size and metadata, kept in the metadata under
//     integrityKey) and verifies it whenever the object is read: GET (before
//     any byte of a ranged GET is served), HEAD, the source of a copy, the
//     Go API. A damaged object is not served; the read fails with a
//     *corruptObjectError (ErrCorruptObject; S3's InternalError over HTTP)
//     and is logged at error level.
//   - turns the panics and memory faults with which bbolt and the bson
//     decoder meet a damaged file into such errors (see guarded). A file
//     whose structure is damaged is not opened at all (see
//     checkStructure).
//
// Objects that were already in the file when a version without checksums
// last wrote it have none: they are listed, by bucket and key, in the file
// (see loadLegacy) and served unverified until they are overwritten. Any
// other object without a checksum has lost it to damage and is not served.
type boltGuard struct {
	inner gofakes3.Backend // s3bolt on db
	db    *bolt.DB
	log   *slog.Logger

	mu sync.RWMutex
	// legacy holds "bucket/key" of the objects that may have no checksum.
	// Guarded by mu.
	legacy map[string]struct{}
}

var _ gofakes3.Backend = (*boltGuard)(nil)

// Where boltGuard keeps its own records in the file: in s3bolt's metadata
// bucket ("_meta", which s3bolt never lists and whose own keys start with
// "bucket/"), so that they never appear as an S3 bucket.
var (
	s3boltMetaBucket = []byte("_meta")
	// integrityMarker is present once the objects without a checksum have
	// been listed in legacyBucket.
	integrityMarker = []byte("s3fake/integrity")
	// legacyBucket is a bucket inside s3boltMetaBucket whose keys are
	// "bucket/key" of objects stored before checksums were kept.
	legacyBucket = []byte("s3fake/legacy")
)

// newBoltGuard guards inner, an s3bolt backend on db, whose structure
// checkStructure has found sound.
func newBoltGuard(inner gofakes3.Backend, db *bolt.DB, log *slog.Logger) (*boltGuard, error) {
	g := &boltGuard{inner: inner, db: db, log: log, legacy: map[string]struct{}{}}
	if err := g.loadLegacy(); err != nil {
		return nil, err
	}
	return g, nil
}

// loadLegacy reads the list of objects stored without a checksum. The
// first time a file is opened by a version that keeps checksums, it lists
// every object in it (none, for a new file).
func (g *boltGuard) loadLegacy() error {
	return g.guarded("open", "", "", func() error {
		marked := false
		err := g.db.View(func(tx *bolt.Tx) error {
			meta := tx.Bucket(s3boltMetaBucket)
			if meta == nil || meta.Get(integrityMarker) == nil {
				return nil
			}
			marked = true
			if lb := meta.Bucket(legacyBucket); lb != nil {
				return lb.ForEach(func(k, _ []byte) error {
					g.legacy[string(k)] = struct{}{}
					return nil
				})
			}
			return nil
		})
		if err != nil || marked {
			return err
		}
		return g.db.Update(func(tx *bolt.Tx) error {
			var ids []string
			err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				if bytes.Equal(name, s3boltMetaBucket) {
					return nil
				}
				return b.ForEach(func(k, v []byte) error {
					if v != nil { // nil: a nested bucket, not an object
						ids = append(ids, string(name)+"/"+string(k))
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(s3boltMetaBucket)
			if err != nil {
				return err
			}
			lb, err := meta.CreateBucketIfNotExists(legacyBucket)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := lb.Put([]byte(id), []byte{1}); err != nil {
					return err
				}
				g.legacy[id] = struct{}{}
			}
			if len(ids) > 0 {
				g.log.Warn("s3fake: objects stored by an earlier version have no checksum and are served unverified until overwritten",
					"objects", len(ids))
			}
			return meta.Put(integrityMarker, []byte{1})
		})
	})
}

// forgetLegacy removes bucket/key from the list of objects without a
// checksum once it has been overwritten. It runs under the write lock. A
// failure leaves the new object verified all the same, as long as its
// checksum is there.
func (g *boltGuard) forgetLegacy(bucket, key string) {
	id := bucket + "/" + key
	if _, ok := g.legacy[id]; !ok {
		return
	}
	delete(g.legacy, id)
	err := g.db.Update(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(s3boltMetaBucket); meta != nil {
			if lb := meta.Bucket(legacyBucket); lb != nil {
				return lb.Delete([]byte(id))
			}
		}
		return nil
	})
	if err != nil {
		g.log.Warn("s3fake: could not update the list of objects without a checksum", "bucket", bucket, "key", key, "error", err)
	}
}

// guarded runs fn, which uses the bbolt file, so that a damaged file makes
// it fail rather than crash the process: bbolt panics on pages whose
// headers do not check out, the bson decoder on some malformed records, and
// a corrupt page reference can make either read outside the memory map,
// which debug.SetPanicOnFault turns into a panic. The panic is logged and
// returned as a *corruptObjectError.
func (g *boltGuard) guarded(op, bucket, key string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("s3fake: the data file is damaged", "op", op, "bucket", bucket, "key", key, "panic", fmt.Sprint(r))
			err = newCorruptObjectError(bucket, key, fmt.Sprintf("%s: %v", op, r))
		}
	}()
	return fn()
}

// corrupt logs that bucket/key is not served and returns the error for it.
func (g *boltGuard) corrupt(bucket, key, problem string, attrs ...any) error {
	g.log.Error("s3fake: corrupt object not served", append([]any{"bucket", bucket, "key", key, "problem", problem}, attrs...)...)
	return newCorruptObjectError(bucket, key, problem)
}

// readError passes on s3bolt's S3 errors (NoSuchKey, InvalidRange...) and
// reports any other failure to read an object, a record that cannot be
// decoded, as corruption.
func (g *boltGuard) readError(bucket, key string, err error) error {
	var coded gofakes3.Error
	if errors.As(err, &coded) || errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return err
	}
	return g.corrupt(bucket, key, err.Error())
}

// verify checks obj, as s3bolt decoded it, against its checksum; content
// yields the whole of obj's content. It runs under the read lock.
func (g *boltGuard) verify(bucket, key string, obj *gofakes3.Object, content io.Reader) error {
	if err := validMetadataKeys(obj.Metadata); err != nil {
		return g.corrupt(bucket, key, err.Error())
	}
	want, ok := obj.Metadata[integrityKey]
	if !ok {
		if _, legacy := g.legacy[bucket+"/"+key]; legacy {
			return nil
		}
		return g.corrupt(bucket, key, "its checksum is missing")
	}
	got, err := integritySum(content, bucket, key, obj.Size, obj.Metadata)
	if err != nil {
		return g.corrupt(bucket, key, err.Error())
	}
	if got != want {
		return g.corrupt(bucket, key, "checksum mismatch", "expected", want, "got", got)
	}
	return nil
}

// detached returns a copy of obj, as s3bolt decoded it, that stays valid
// after the read lock is released, with data as its contents and without
// integrityKey.
func detached(obj *gofakes3.Object, data []byte) *gofakes3.Object {
	cp := *obj
	cp.Hash = bytes.Clone(obj.Hash)
	cp.Metadata = maps.Clone(obj.Metadata)
	delete(cp.Metadata, integrityKey)
	cp.Contents = io.NopCloser(bytes.NewReader(data))
	return &cp
}

// readContents copies the contents of obj out of the memory map.
func readContents(obj *gofakes3.Object) ([]byte, error) {
	data, err := io.ReadAll(obj.Contents)
	_ = obj.Contents.Close()
	return data, err
}

// GetObject returns a verified copy of the object (or of the requested range
// of it) that stays valid.
func (g *boltGuard) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (obj *gofakes3.Object, err error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	err = g.guarded("GetObject", bucket, key, func() error {
		full, err := g.inner.GetObject(bucket, key, nil)
		if err != nil {
			return g.readError(bucket, key, err)
		}
		if rng == nil {
			data, err := readContents(full)
			if err != nil {
				return err
			}
			if err := g.verify(bucket, key, full, bytes.NewReader(data)); err != nil {
				return err
			}
			obj = detached(full, data)
			return nil
		}
		// The whole object is verified before any part of it is served. The
		// memory map cannot change meanwhile: writers wait for g.mu.
		if err := g.verify(bucket, key, full, full.Contents); err != nil {
			return err
		}
		part, err := g.inner.GetObject(bucket, key, rng)
		if err != nil {
			return g.readError(bucket, key, err)
		}
		data, err := readContents(part)
		if err != nil {
			return err
		}
		obj = detached(part, data)
		return nil
	})
	return obj, err
}

// HeadObject returns the verified object's attributes. Verifying reads the
// content, which s3bolt has decoded anyway.
func (g *boltGuard) HeadObject(bucket, key string) (obj *gofakes3.Object, err error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	err = g.guarded("HeadObject", bucket, key, func() error {
		full, err := g.inner.GetObject(bucket, key, nil)
		if err != nil {
			return g.readError(bucket, key, err)
		}
		if err := g.verify(bucket, key, full, full.Contents); err != nil {
			return err
		}
		obj = detached(full, nil)
		obj.Contents = http.NoBody
		return nil
	})
	return obj, err
}

// PutObject reads input, then stores it with its checksum under the write
// lock, replacing the metadata of any object it overwrites.
func (g *boltGuard) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (result gofakes3.PutObjectResult, err error) {
	data, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return result, err
	}
	stored := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		stored[k] = v
	}
	delete(stored, integrityKey)
	g.mu.Lock()
	defer g.mu.Unlock()
	err = g.guarded("PutObject", bucket, key, func() error {
		// s3bolt merges the old object's metadata into stored; with a
		// tombstone for every old key there is nothing left to merge, and
		// the checksum covers exactly what is stored. An old record that
		// cannot be decoded is not merged from either.
		if old, err := g.inner.HeadObject(bucket, key); err == nil && old != nil {
			for k := range old.Metadata {
				if _, ok := stored[k]; !ok {
					stored[k] = ""
				}
			}
		}
		stored[integrityKey] = integritySumBytes(data, bucket, key, stored)
		var err error
		result, err = g.inner.PutObject(bucket, key, stored, bytes.NewReader(data), int64(len(data)), conditions)
		if err != nil {
			return err
		}
		g.forgetLegacy(bucket, key)
		return nil
	})
	return result, err
}

// CopyObject reads the source through GetObject, so it is verified, and
// writes the copy through PutObject.
func (g *boltGuard) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObject(g, srcBucket, srcKey, dstBucket, dstKey, meta)
}

// ListBuckets lists the buckets.
func (g *boltGuard) ListBuckets() (buckets []gofakes3.BucketInfo, err error) {
	err = g.guarded("ListBuckets", "", "", func() error {
		var err error
		buckets, err = g.inner.ListBuckets()
		return err
	})
	return buckets, err
}

// ListBucket lists a page of a bucket's objects (see paginate); it fails if
// one of their records under the prefix cannot be decoded.
func (g *boltGuard) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (list *gofakes3.ObjectList, err error) {
	err = g.guarded("ListBucket", name, "", func() error {
		var err error
		list, err = g.inner.ListBucket(name, allUnder(prefix), gofakes3.ListBucketPage{})
		return err
	})
	if err != nil {
		return nil, err
	}
	list = paginate(list, prefix, page)
	standardClass(list)
	return list, nil
}

// BucketExists reports whether the bucket exists.
func (g *boltGuard) BucketExists(name string) (exists bool, err error) {
	err = g.guarded("BucketExists", name, "", func() error {
		var err error
		exists, err = g.inner.BucketExists(name)
		return err
	})
	return exists, err
}

// CreateBucket runs under the write lock.
func (g *boltGuard) CreateBucket(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.guarded("CreateBucket", name, "", func() error { return g.inner.CreateBucket(name) })
}

// DeleteBucket runs under the write lock.
func (g *boltGuard) DeleteBucket(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.guarded("DeleteBucket", name, "", func() error { return g.inner.DeleteBucket(name) })
}

// ForceDeleteBucket runs under the write lock.
func (g *boltGuard) ForceDeleteBucket(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.guarded("ForceDeleteBucket", name, "", func() error { return g.inner.ForceDeleteBucket(name) })
}

// DeleteObject runs under the write lock.
func (g *boltGuard) DeleteObject(bucket, key string) (result gofakes3.ObjectDeleteResult, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	err = g.guarded("DeleteObject", bucket, key, func() error {
		var err error
		result, err = g.inner.DeleteObject(bucket, key)
		return err
	})
	return result, err
}

// DeleteMulti runs under the write lock.
func (g *boltGuard) DeleteMulti(bucket string, keys ...string) (result gofakes3.MultiDeleteResult, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	err = g.guarded("DeleteMulti", bucket, "", func() error {
		var err error
		result, err = g.inner.DeleteMulti(bucket, keys...)
		return err
	})
	return result, err
}
