package s3fake

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Bucket is one bucket, as ListBuckets reports it.
type Bucket struct {
	Name    string
	Created time.Time
}

// ObjectSummary is one object in a listing.
type ObjectSummary struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// Listing is one page of a bucket's keys under a prefix. With a delimiter,
// keys that go on past it after the prefix are rolled up into Prefixes,
// like S3's CommonPrefixes.
type Listing struct {
	Prefixes []string
	Objects  []ObjectSummary
	// Truncated reports that more keys follow; list again with NextMarker
	// as the marker.
	Truncated  bool
	NextMarker string
}

// ObjectInfo is an object's size and metadata.
type ObjectInfo struct {
	ObjectMeta
	Size         int64
	LastModified time.Time
}

// ListBuckets returns every bucket, sorted by name.
func (s *S3) ListBuckets(ctx context.Context) ([]Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	infos, err := s.backend.ListBuckets()
	if err != nil {
		return nil, fmt.Errorf("s3fake: list buckets: %w", err)
	}
	out := make([]Bucket, len(infos))
	for i, b := range infos {
		out[i] = Bucket{Name: b.Name, Created: b.CreationDate.Time}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ListObjects lists at most max keys (max <= 0: 1000) and common prefixes of
// bucket that start with prefix and sort after marker. Errors wrap
// ErrNoSuchBucket when the bucket does not exist.
func (s *S3) ListObjects(ctx context.Context, bucket, prefix, delimiter, marker string, max int) (Listing, error) {
	if err := ctx.Err(); err != nil {
		return Listing{}, err
	}
	if max <= 0 {
		max = 1000
	}
	p := gofakes3.Prefix{Prefix: prefix, HasPrefix: prefix != "", Delimiter: delimiter, HasDelimiter: delimiter != ""}
	page := gofakes3.ListBucketPage{Marker: marker, HasMarker: marker != "", MaxKeys: int64(max)}
	var list *gofakes3.ObjectList
	var err error
	if s.mem != nil {
		list, err = s.mem.listPage(bucket, &p, page, false) // no ETags: no MD5s
	} else {
		list, err = s.backend.ListBucket(bucket, &p, page)
	}
	if err != nil {
		return Listing{}, fmt.Errorf("s3fake: list bucket %q: %w", bucket, translateError(err))
	}
	out := Listing{Truncated: list.IsTruncated, NextMarker: list.NextMarker}
	for _, cp := range list.CommonPrefixes {
		out.Prefixes = append(out.Prefixes, cp.Prefix)
	}
	for _, c := range list.Contents {
		out.Objects = append(out.Objects, ObjectSummary{Key: c.Key, Size: c.Size, LastModified: c.LastModified.Time})
	}
	return out, nil
}

// ReadObject returns at most max bytes from the start of bucket/key (max
// <= 0: all of it) with the object's size and metadata. Errors wrap
// ErrNoSuchBucket or ErrNoSuchKey when either does not exist, and
// ErrCorruptObject when the object on disk is damaged.
func (s *S3) ReadObject(ctx context.Context, bucket, key string, max int64) ([]byte, ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, ObjectInfo{}, err
	}
	obj, err := s.getObject(bucket, key)
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("s3fake: get object %q in bucket %q: %w", key, bucket, translateError(err))
	}
	defer obj.Contents.Close()
	if obj.IsDeleteMarker {
		return nil, ObjectInfo{}, fmt.Errorf("s3fake: get object %q in bucket %q: %w", key, bucket, ErrNoSuchKey)
	}
	var r io.Reader = obj.Contents
	if max > 0 {
		r = io.LimitReader(r, max)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("s3fake: read object %q in bucket %q: %w", key, bucket, err)
	}
	info := ObjectInfo{
		ObjectMeta: ObjectMeta{ContentType: obj.Metadata["Content-Type"], ContentEncoding: obj.Metadata["Content-Encoding"]},
		Size:       obj.Size,
	}
	if t, err := http.ParseTime(obj.Metadata["Last-Modified"]); err == nil {
		info.LastModified = t
	}
	return body, info, nil
}
