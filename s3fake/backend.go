package s3fake

import (
	"io"

	"github.com/johannesboyne/gofakes3"
)

// replacingBackend fixes the metadata semantics of the memory backend,
// memBackend (boltGuard does the same for the disk backend).
//
// memBackend, like gofakes3's s3mem before it, merges the metadata of a
// new object with that of the object it overwrites, so a Content-Encoding
// or x-amz-meta-* header from an earlier upload survives an upload without
// it.
// S3 replaces metadata entirely. replacingBackend gets that behaviour by
// adding an empty "tombstone" value for every old metadata key missing from
// the new metadata; empty values are never served (see fixObjectResponses)
// nor returned by S3.GetObject.
type replacingBackend struct {
	gofakes3.Backend
}

// versionedReplacingBackend is a replacingBackend whose inner backend
// supports versioning; keeping the interface lets gofakes3 serve it.
type versionedReplacingBackend struct {
	replacingBackend
	gofakes3.VersionedBackend
}

// wrapBackend returns inner with replacing metadata semantics.
func wrapBackend(inner gofakes3.Backend) gofakes3.Backend {
	rb := replacingBackend{inner}
	if vb, ok := inner.(gofakes3.VersionedBackend); ok {
		return versionedReplacingBackend{rb, vb}
	}
	return rb
}

// PutObject stores the object with exactly the metadata in meta.
func (b replacingBackend) PutObject(
	bucket, key string,
	meta map[string]string,
	input io.Reader,
	size int64,
	conditions *gofakes3.PutConditions,
) (gofakes3.PutObjectResult, error) {
	for k := range b.currentMetadata(bucket, key) {
		if _, ok := meta[k]; !ok {
			meta[k] = ""
		}
	}
	return b.Backend.PutObject(bucket, key, meta, input, size, conditions)
}

// currentMetadata is the metadata of bucket/key's current object, nil if
// there is none: memBackend's without computing the MD5 a HeadObject
// answers (the server wraps no other backend; mem_test.go wraps s3mem to
// compare memBackend with it).
func (b replacingBackend) currentMetadata(bucket, key string) map[string]string {
	if m, ok := b.Backend.(*memBackend); ok {
		return m.currentMetadata(bucket, key)
	}
	old, err := b.Backend.HeadObject(bucket, key)
	if err != nil || old == nil {
		return nil
	}
	if old.Contents != nil {
		_ = old.Contents.Close()
	}
	return old.Metadata
}

// CopyObject copies through b.PutObject so the destination's old metadata
// does not leak into the copy either.
func (b replacingBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObject(b, srcBucket, srcKey, dstBucket, dstKey, meta)
}

// HeadObject hides the version id of an object in a bucket that never had
// versioning: memBackend, as s3mem did, gives every object one and serves
// it on HEAD (and so as the x-amz-version-id and
// x-amz-copy-source-version-id of a CopyObject), where S3 sends none. A
// bucket whose versioning is enabled or suspended keeps it, as S3 does.
func (b versionedReplacingBackend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	obj, err := b.replacingBackend.HeadObject(bucket, key)
	if err != nil || obj == nil || obj.VersionID == "" {
		return obj, err
	}
	v, err := b.VersioningConfiguration(bucket)
	if err != nil {
		// The bucket went away since; the object is still answered.
		v.Status = gofakes3.VersioningNone
	}
	if v.Status == gofakes3.VersioningNone {
		obj.VersionID = ""
	}
	return obj, nil
}
