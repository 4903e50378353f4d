package s3fake

import (
	"bytes"
	"io"
	"sync"

	"github.com/johannesboyne/gofakes3"
)

// boltGuard makes the gofakes3 s3bolt backend memory-safe.
//
// s3bolt's GetObject and HeadObject decode the object inside a read
// transaction, but the returned Contents and Hash still point into bbolt's
// memory map (the bson decoder does not copy byte slices) and are used after
// the transaction has ended. A concurrent write may then reuse those pages or
// remap the file, which corrupts the object or crashes the process with
// SIGSEGV. boltGuard copies both while holding off writers, and runs every
// write under the same lock. Request bodies are read before the lock is
// taken so that a slow client does not stall other requests.
type boltGuard struct {
	gofakes3.Backend
	mu sync.RWMutex
}

// GetObject returns a copy of the object that stays valid.
func (g *boltGuard) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	obj, err := g.Backend.GetObject(bucket, key, rng)
	if err != nil || obj == nil {
		return obj, err
	}
	return detachObject(obj)
}

// HeadObject returns a copy of the object's attributes that stays valid.
func (g *boltGuard) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	obj, err := g.Backend.HeadObject(bucket, key)
	if err != nil || obj == nil {
		return obj, err
	}
	return detachObject(obj)
}

// detachObject copies the contents and hash of obj out of the memory map.
func detachObject(obj *gofakes3.Object) (*gofakes3.Object, error) {
	cp := *obj
	cp.Hash = bytes.Clone(obj.Hash)
	if obj.Contents != nil {
		data, err := io.ReadAll(obj.Contents)
		_ = obj.Contents.Close()
		if err != nil {
			return nil, err
		}
		cp.Contents = io.NopCloser(bytes.NewReader(data))
	}
	return &cp, nil
}

// PutObject reads input, then stores it under the write lock.
func (g *boltGuard) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	data, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.PutObject(bucket, key, meta, bytes.NewReader(data), size, conditions)
}

// CopyObject copies under the write lock.
func (g *boltGuard) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.CopyObject(srcBucket, srcKey, dstBucket, dstKey, meta)
}

// CreateBucket runs under the write lock.
func (g *boltGuard) CreateBucket(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.CreateBucket(name)
}

// DeleteBucket runs under the write lock.
func (g *boltGuard) DeleteBucket(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.DeleteBucket(name)
}

// DeleteObject runs under the write lock.
func (g *boltGuard) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.DeleteObject(bucket, key)
}

// DeleteMulti runs under the write lock.
func (g *boltGuard) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Backend.DeleteMulti(bucket, keys...)
}
