package s3fake

import (
	"io"

	"github.com/johannesboyne/gofakes3"
)

// replacingBackend fixes the metadata semantics of the gofakes3 memory
// backend (boltGuard does the same for the disk backend).
//
// s3mem merges the metadata of a new object with that of the object it
// overwrites (gofakes3.MergeMetadata), so a Content-Encoding or
// x-amz-meta-* header from an earlier upload survives an upload without it.
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
	if old, err := b.Backend.HeadObject(bucket, key); err == nil && old != nil {
		if old.Contents != nil {
			_ = old.Contents.Close()
		}
		for k := range old.Metadata {
			if _, ok := meta[k]; !ok {
				meta[k] = ""
			}
		}
	}
	return b.Backend.PutObject(bucket, key, meta, input, size, conditions)
}

// CopyObject copies through b.PutObject so the destination's old metadata
// does not leak into the copy either.
func (b replacingBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObject(b, srcBucket, srcKey, dstBucket, dstKey, meta)
}

// HeadObject hides the version id of an object in a bucket that never had
// versioning: s3mem gives every object one and serves it on HEAD (and so
// as the x-amz-version-id and x-amz-copy-source-version-id of a
// CopyObject), where S3 sends none. A bucket whose versioning is enabled
// or suspended keeps it, as S3 does.
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
