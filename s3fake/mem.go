package s3fake

import (
	"bytes"
	"crypto/md5"
	"encoding/base32"
	"encoding/binary"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// memBackend keeps the built-in S3's objects in memory (no --data-dir). It
// took the place of gofakes3's s3mem and answers every call as s3mem did
// (mem_test.go holds the two side by side), but does no work that nobody
// asked for when an object is stored:
//
//   - an object's MD5, its ETag, is computed the first time something
//     needs it (a GET or HEAD, a listing of it, a copy, a conditional put)
//     and then kept; s3mem computed it on every put. Delivery writes objects
//     that may never be read, and the Go API ([S3.GetObject],
//     [S3.ReadObject], [S3.ListObjects]) needs no ETag at all;
//   - a body handed over as an ownedBody ([S3.PutObject]'s, or a stored
//     object's content as the source of a copy) is kept as it is, not
//     copied, unless it has much spare capacity; any other is read into a
//     buffer of its own, as s3mem did.
//
// A stored version never changes (a put adds a new one), so what a reader
// took under the lock stays valid after it; MD5s are computed outside the
// lock.
//
// Where s3mem crashed (the current version of a key deleted while older
// versions remain: s3mem then answered GET, HEAD, PUT and listings of the
// bucket with a nil dereference), memBackend treats the key as having no
// current version: it is not found, not listed, and a put stores it anew.
type memBackend struct {
	clock gofakes3.TimeSource

	mu      sync.RWMutex
	buckets map[string]*memBucket
	ids     versionIDs
}

var (
	_ gofakes3.Backend          = (*memBackend)(nil)
	_ gofakes3.VersionedBackend = (*memBackend)(nil)
)

// memBucket is one bucket: its keys, not sorted (listings sort them).
type memBucket struct {
	name       string
	created    gofakes3.ContentTime
	versioning gofakes3.VersioningStatus
	objects    map[string]*memObject
}

// memObject is one key. cur is its current version: nil when it was deleted
// while older versions remain (s3mem promoted none of them). older are its
// noncurrent versions, in the order of their ids (the order they were made),
// which a bucket keeps only while its versioning is enabled.
type memObject struct {
	cur   *memVersion
	older []*memVersion
}

// memVersion is one stored version of an object, or a delete marker. It
// never changes once stored, except that its MD5 is filled in once.
type memVersion struct {
	key          string
	id           gofakes3.VersionID
	modified     time.Time
	deleteMarker bool
	body         []byte
	meta         map[string]string

	md5Once sync.Once
	md5     [md5.Size]byte
}

// hash is the MD5 of the version's content (nil for a delete marker, as
// s3mem had it), computed on the first call.
func (v *memVersion) hash() []byte {
	if v.deleteMarker {
		return nil
	}
	v.md5Once.Do(func() { v.md5 = md5.Sum(v.body) })
	return v.md5[:]
}

// object is v as gofakes3 answers it: with a reader of its content (of the
// range asked for) when withBody, with its MD5 when withHash.
func (v *memVersion) object(rnge *gofakes3.ObjectRangeRequest, withBody, withHash bool) (*gofakes3.Object, error) {
	size := int64(len(v.body))
	obj := &gofakes3.Object{
		Name:           v.key,
		Metadata:       v.meta,
		Size:           size,
		IsDeleteMarker: v.deleteMarker,
		VersionID:      v.id,
		Contents:       emptyBody{},
	}
	if withBody {
		r, err := rnge.Range(size)
		if err != nil {
			return nil, err
		}
		data := v.body
		if r != nil {
			data = data[r.Start : r.Start+r.Length]
		}
		obj.Range = r
		obj.Contents = newOwnedBody(data)
	}
	if withHash {
		obj.Hash = v.hash()
	}
	return obj, nil
}

// ownedBody is content that nobody changes any more, as a reader: the body
// [S3.PutObject] was given, or a stored object's. memBackend stores it as it
// is when it is handed one unread (so a copy shares its source's bytes); to
// any other backend it is an ordinary reader, which it copies.
type ownedBody struct {
	bytes.Reader
	b []byte
}

func newOwnedBody(b []byte) *ownedBody {
	o := &ownedBody{b: b}
	o.Reset(b)
	return o
}

// Close implements io.Closer.
func (*ownedBody) Close() error { return nil }

// emptyBody is the Contents of a HEAD: no bytes.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }

// newMemBackend returns an empty store whose versions get their time from
// clock and their ids from seed.
func newMemBackend(clock gofakes3.TimeSource, seed uint64) *memBackend {
	return &memBackend{clock: clock, buckets: map[string]*memBucket{}, ids: versionIDs{state: seed}}
}

// versionIDs makes version ids as s3mem made them: "3/" and the base32hex
// (with padding) of the id's number in 30 decimal digits, a zero byte and 8
// pseudo-random bytes (splitmix64's increment and its first two mixing
// steps, little-endian), so that they sort in the order they were made.
type versionIDs struct {
	n     uint64
	state uint64
}

func (g *versionIDs) next() gofakes3.VersionID {
	g.n++
	var raw [39]byte
	digits := strconv.AppendUint(nil, g.n, 10)
	for i := range 30 - len(digits) {
		raw[i] = '0'
	}
	copy(raw[30-len(digits):30], digits)
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	binary.LittleEndian.PutUint64(raw[31:], z)
	return gofakes3.VersionID("3/" + base32.HexEncoding.EncodeToString(raw[:]))
}

// ListBuckets lists the buckets, sorted by name (s3mem's order was
// random).
func (m *memBackend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]gofakes3.BucketInfo, 0, len(m.buckets))
	for _, b := range m.buckets {
		out = append(out, gofakes3.BucketInfo{Name: b.name, CreationDate: b.created})
	}
	slices.SortFunc(out, func(a, b gofakes3.BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ListBucket lists a page of the bucket's current objects as S3 pages them
// (see paginate), the ETags of that page alone computed.
func (m *memBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	return m.listPage(name, prefix, page, true)
}

// listPage is ListBucket, with ETags only when etags is set.
func (m *memBackend) listPage(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage, etags bool) (*gofakes3.ObjectList, error) {
	var under string
	if prefix != nil && prefix.HasPrefix {
		under = prefix.Prefix
	}
	m.mu.RLock()
	b := m.buckets[name]
	if b == nil {
		m.mu.RUnlock()
		return nil, gofakes3.BucketNotFound(name)
	}
	all := gofakes3.NewObjectList()
	versions := map[string]*memVersion{} // with etags
	for key, o := range b.objects {
		v := o.cur
		if v == nil || v.deleteMarker || !strings.HasPrefix(key, under) {
			continue
		}
		all.Add(&gofakes3.Content{Key: key, LastModified: gofakes3.NewContentTime(v.modified), Size: int64(len(v.body))})
		if etags {
			versions[key] = v
		}
	}
	m.mu.RUnlock()
	list := paginate(all, prefix, page)
	if etags {
		for _, c := range list.Contents {
			c.ETag = gofakes3.FormatETag(versions[c.Key].hash())
		}
	}
	return list, nil
}

// CreateBucket creates the bucket, or answers BucketAlreadyExists.
func (m *memBackend) CreateBucket(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buckets[name] != nil {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	m.buckets[name] = &memBucket{name: name, created: gofakes3.NewContentTime(m.clock.Now()), objects: map[string]*memObject{}}
	return nil
}

// DeleteBucket deletes the bucket if it has no key (nor any version or
// delete marker of one).
func (m *memBackend) DeleteBucket(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[name]
	if b == nil {
		return gofakes3.ErrNoSuchBucket
	}
	if len(b.objects) > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	delete(m.buckets, name)
	return nil
}

// ForceDeleteBucket deletes the bucket with everything in it.
func (m *memBackend) ForceDeleteBucket(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buckets[name] == nil {
		return gofakes3.ErrNoSuchBucket
	}
	delete(m.buckets, name)
	return nil
}

// BucketExists reports whether the bucket exists.
func (m *memBackend) BucketExists(name string) (bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.buckets[name] != nil, nil
}

// current is bucket/key's current version, nil if the key has none or it
// is a delete marker, and the bucket's versioning; err is gofakes3's
// NoSuchBucket or NoSuchKey.
func (m *memBackend) current(bucket, key string) (*memVersion, gofakes3.VersioningStatus, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.buckets[bucket]
	if b == nil {
		return nil, "", gofakes3.BucketNotFound(bucket)
	}
	o := b.objects[key]
	if o == nil || o.cur == nil || o.cur.deleteMarker {
		return nil, b.versioning, gofakes3.KeyNotFound(key)
	}
	return o.cur, b.versioning, nil
}

// HeadObject answers the current version without content, with its
// version id whatever the bucket's versioning (replacingBackend hides it
// where S3 has none).
func (m *memBackend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	v, _, err := m.current(bucket, key)
	if err != nil {
		return nil, err
	}
	return v.object(nil, false, true)
}

// GetObject answers the current version with its content; its version id
// only while the bucket's versioning is enabled.
func (m *memBackend) GetObject(bucket, key string, rnge *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return m.getObject(bucket, key, rnge, true)
}

// getObject is GetObject, with the MD5 only when withHash is set.
func (m *memBackend) getObject(bucket, key string, rnge *gofakes3.ObjectRangeRequest, withHash bool) (*gofakes3.Object, error) {
	v, versioning, err := m.current(bucket, key)
	if err != nil {
		return nil, err
	}
	obj, err := v.object(rnge, true, withHash)
	if err != nil {
		return nil, err
	}
	if versioning != gofakes3.VersioningEnabled {
		obj.VersionID = ""
	}
	return obj, nil
}

// currentMetadata is the metadata of bucket/key's current version, nil if
// there is none; replacingBackend replaces it on a put without asking for
// the MD5 HeadObject computes.
func (m *memBackend) currentMetadata(bucket, key string) map[string]string {
	v, _, err := m.current(bucket, key)
	if err != nil {
		return nil
	}
	return v.meta
}

// PutObject stores a new version of key: the body of an unread ownedBody
// of the size given as it is (unless its spare capacity is more than an
// eighth of its length), any other read into a buffer. Metadata of
// the version it replaces that meta lacks is carried over (s3mem's rule;
// replacingBackend leaves nothing to carry). With conditions, the put
// happens only if they hold against the current version.
func (m *memBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (result gofakes3.PutObjectResult, err error) {
	var body []byte
	if o, ok := input.(*ownedBody); ok && o.Len() == len(o.b) && int64(len(o.b)) == size {
		body = o.b
		if cap(body)-len(body) > len(body)/8 {
			// An object is not to hold on to much more memory than its
			// size: a buffer that grew by append (a quarter or more for
			// large ones) or by doubling is copied, which costs a small
			// part of what an MD5 of it would.
			body = bytes.Clone(body)
		}
	} else if body, err = gofakes3.ReadAll(input, size); err != nil {
		return result, err
	}
	if conditions != nil && conditions.IfMatch != nil {
		// The current version's MD5, computed outside the lock; should it
		// be replaced meanwhile, the new one's is computed under it.
		if v, _, err := m.current(bucket, key); err == nil {
			v.hash()
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return result, gofakes3.BucketNotFound(bucket)
	}
	o := b.objects[key]
	var cur *memVersion
	if o != nil && o.cur != nil && !o.cur.deleteMarker {
		cur = o.cur
	}
	if conditions != nil {
		info := &gofakes3.ConditionalObjectInfo{Exists: cur != nil}
		if cur != nil {
			info.Hash = cur.hash()
		}
		if err := gofakes3.CheckPutConditions(conditions, info); err != nil {
			return result, err
		}
	}
	if cur != nil {
		for k, v := range cur.meta {
			if _, ok := meta[k]; !ok {
				if meta == nil {
					meta = map[string]string{}
				}
				meta[k] = v
			}
		}
	}
	v := &memVersion{key: key, body: body, meta: meta, modified: m.clock.Now()}
	m.put(b, key, v)
	if b.versioning == gofakes3.VersioningEnabled {
		result.VersionID = v.id
	}
	return result, nil
}

// put makes v key's current version, with a new id; while the bucket's
// versioning is enabled the version it replaces becomes a noncurrent one,
// otherwise it is dropped. The caller holds the write lock.
func (m *memBackend) put(b *memBucket, key string, v *memVersion) {
	v.id = m.ids.next()
	o := b.objects[key]
	if o == nil {
		o = &memObject{}
		b.objects[key] = o
	}
	if b.versioning == gofakes3.VersioningEnabled && o.cur != nil {
		i, found := slices.BinarySearchFunc(o.older, o.cur.id, func(v *memVersion, id gofakes3.VersionID) int {
			return strings.Compare(string(v.id), string(id))
		})
		if found {
			o.older[i] = o.cur
		} else {
			o.older = slices.Insert(o.older, i, o.cur)
		}
	}
	o.cur = v
}

// CopyObject copies through GetObject and PutObject; the copy shares its
// source's content.
func (m *memBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObject(m, srcBucket, srcKey, dstBucket, dstKey, meta)
}

// DeleteObject deletes key: while the bucket's versioning is enabled by
// adding a delete marker as its current version, otherwise by dropping its
// current version (its older ones, if any, stay). A key that does not
// exist is no error.
func (m *memBackend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return gofakes3.ObjectDeleteResult{}, gofakes3.BucketNotFound(bucket)
	}
	return m.remove(b, key, m.clock.Now()), nil
}

// remove is DeleteObject in b, the write lock held.
func (m *memBackend) remove(b *memBucket, key string, now time.Time) gofakes3.ObjectDeleteResult {
	o := b.objects[key]
	if o == nil {
		return gofakes3.ObjectDeleteResult{}
	}
	if b.versioning == gofakes3.VersioningEnabled {
		marker := &memVersion{key: key, modified: now, deleteMarker: true}
		m.put(b, key, marker)
		return gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: marker.id}
	}
	o.cur = nil
	if len(o.older) == 0 {
		delete(b.objects, key)
	}
	return gofakes3.ObjectDeleteResult{}
}

// removeVersion deletes one version of key for good, the write lock held;
// a key or version that does not exist is no error.
func (m *memBackend) removeVersion(b *memBucket, key string, id gofakes3.VersionID) gofakes3.ObjectDeleteResult {
	o := b.objects[key]
	if o == nil {
		return gofakes3.ObjectDeleteResult{}
	}
	var result gofakes3.ObjectDeleteResult
	if o.cur != nil && o.cur.id == id {
		result = gofakes3.ObjectDeleteResult{IsDeleteMarker: o.cur.deleteMarker, VersionID: id}
		o.cur = nil
	} else if i := slices.IndexFunc(o.older, func(v *memVersion) bool { return v.id == id }); i >= 0 {
		result = gofakes3.ObjectDeleteResult{IsDeleteMarker: o.older[i].deleteMarker, VersionID: id}
		o.older = slices.Delete(o.older, i, i+1)
	} else {
		return result
	}
	if o.cur == nil && len(o.older) == 0 {
		delete(b.objects, key)
	}
	return result
}

// DeleteMulti deletes each key as DeleteObject does.
func (m *memBackend) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	objects := make([]gofakes3.ObjectID, len(keys))
	for i, key := range keys {
		objects[i] = gofakes3.ObjectID{Key: key}
	}
	return m.DeleteMultiVersions(bucket, objects...)
}

// DeleteMultiVersions deletes each object: the version named, or as
// DeleteObject does without one.
func (m *memBackend) DeleteMultiVersions(bucket string, objects ...gofakes3.ObjectID) (result gofakes3.MultiDeleteResult, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return result, gofakes3.BucketNotFound(bucket)
	}
	now := m.clock.Now()
	for _, obj := range objects {
		if obj.VersionID != "" {
			m.removeVersion(b, obj.Key, gofakes3.VersionID(obj.VersionID))
		} else {
			m.remove(b, obj.Key, now)
		}
		result.Deleted = append(result.Deleted, obj)
	}
	return result, nil
}

// VersioningConfiguration answers the bucket's versioning status: empty if
// it was never enabled.
func (m *memBackend) VersioningConfiguration(bucket string) (gofakes3.VersioningConfiguration, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.buckets[bucket]
	if b == nil {
		return gofakes3.VersioningConfiguration{}, gofakes3.BucketNotFound(bucket)
	}
	return gofakes3.VersioningConfiguration{Status: b.versioning}, nil
}

// SetVersioningConfiguration enables versioning, or suspends it once it was
// enabled. MFA delete is not implemented.
func (m *memBackend) SetVersioningConfiguration(bucket string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrNotImplemented
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return gofakes3.BucketNotFound(bucket)
	}
	if v.Enabled() {
		b.versioning = gofakes3.VersioningEnabled
	} else if b.versioning == gofakes3.VersioningEnabled {
		b.versioning = gofakes3.VersioningSuspended
	}
	return nil
}

// version is one version of bucket/key: err is gofakes3's NoSuchBucket,
// NoSuchKey (no such key) or NoSuchVersion.
func (m *memBackend) version(bucket, key string, id gofakes3.VersionID) (*memVersion, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.buckets[bucket]
	if b == nil {
		return nil, gofakes3.BucketNotFound(bucket)
	}
	o := b.objects[key]
	if o == nil {
		return nil, gofakes3.KeyNotFound(key)
	}
	if o.cur != nil && o.cur.id == id {
		return o.cur, nil
	}
	for _, v := range o.older {
		if v.id == id {
			return v, nil
		}
	}
	return nil, gofakes3.ErrNoSuchVersion
}

// GetObjectVersion answers one version with its content and its id (the
// current one, as GetObject, when id is empty).
func (m *memBackend) GetObjectVersion(bucket, key string, id gofakes3.VersionID, rnge *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	if id == "" {
		return m.GetObject(bucket, key, rnge)
	}
	v, err := m.version(bucket, key, id)
	if err != nil {
		return nil, err
	}
	return v.object(rnge, true, true)
}

// HeadObjectVersion answers one version without content (the current one,
// as HeadObject, when id is empty).
func (m *memBackend) HeadObjectVersion(bucket, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	if id == "" {
		return m.HeadObject(bucket, key)
	}
	v, err := m.version(bucket, key, id)
	if err != nil {
		return nil, err
	}
	return v.object(nil, false, true)
}

// DeleteObjectVersion deletes one version for good.
func (m *memBackend) DeleteObjectVersion(bucket, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return gofakes3.ObjectDeleteResult{}, gofakes3.BucketNotFound(bucket)
	}
	return m.removeVersion(b, key, id), nil
}

// ListBucketVersions lists the versions and delete markers of the keys
// under prefix, as s3mem listed them:
//
//   - keys in order, from the key marker on (inclusive), the marker
//     having to match the prefix (else InternalError); keys rolled up into
//     a common prefix add it and are not counted;
//   - each key's noncurrent versions in the order of their ids, then its
//     current one;
//   - the version id marker applies to the first key listed: the listing
//     goes on after the first noncurrent version whose id is not before
//     it, or, if there is none, from the current version when that is the
//     marker (inclusive); otherwise InternalError;
//   - at most MaxKeys entries; a page is truncated when the last key listed
//     has versions left, or when any key follows it, under the prefix or
//     not, and a page after a key marker past every key is truncated if the
//     bucket has any key;
//   - version ids only while the bucket's versioning is enabled or
//     suspended (gofakes3 answers "null" otherwise), and ETags computed for
//     the versions of the page alone.
func (m *memBackend) ListBucketVersions(bucket string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	result := gofakes3.NewListBucketVersionsResult(bucket, prefix, page)
	var listed []*gofakes3.Version
	var versions []*memVersion
	err := func() error {
		m.mu.RLock()
		defer m.mu.RUnlock()
		b := m.buckets[bucket]
		if b == nil {
			return gofakes3.BucketNotFound(bucket)
		}
		keys := make([]string, 0, len(b.objects))
		for k := range b.objects {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var match gofakes3.PrefixMatch
		start := 0
		if page.KeyMarker != "" {
			if !prefix.Match(page.KeyMarker, &match) {
				return gofakes3.ErrInternal
			}
			start, _ = slices.BinarySearch(keys, page.KeyMarker)
			if start == len(keys) {
				result.IsTruncated = len(keys) > 0
				return nil
			}
		}
		first := true
		var n int64
		for i := start; i < len(keys); i++ {
			key := keys[i]
			if !prefix.Match(key, &match) {
				continue
			}
			if match.CommonPrefix {
				result.AddPrefix(match.MatchedPart)
				continue
			}
			o := b.objects[key]
			all := o.older
			if o.cur != nil {
				all = append(slices.Clip(o.older), o.cur)
			}
			from := 0
			if first {
				if page.VersionIDMarker != "" {
					var ok bool
					if from, ok = o.seekVersion(page.VersionIDMarker); !ok {
						return gofakes3.ErrInternal
					}
				}
				first = false
			}
			for j := from; j < len(all); j++ {
				v := all[j]
				var id gofakes3.VersionID
				if b.versioning != gofakes3.VersioningNone {
					id = v.id
				}
				if v.deleteMarker {
					result.Versions = append(result.Versions, &gofakes3.DeleteMarker{Key: v.key, VersionID: id,
						IsLatest: v == o.cur, LastModified: gofakes3.NewContentTime(v.modified)})
				} else {
					item := &gofakes3.Version{Key: v.key, VersionID: id, IsLatest: v == o.cur,
						LastModified: gofakes3.NewContentTime(v.modified), Size: int64(len(v.body))}
					result.Versions = append(result.Versions, item)
					listed, versions = append(listed, item), append(versions, v)
				}
				n++
				if page.MaxKeys > 0 && n >= page.MaxKeys {
					result.IsTruncated = j+1 < len(all) || i+1 < len(keys)
					return nil
				}
			}
		}
		return nil
	}()
	if err != nil {
		return result, err
	}
	for i, item := range listed {
		item.ETag = gofakes3.FormatETag(versions[i].hash())
	}
	return result, nil
}

// seekVersion is where a listing of o's versions (older, then cur) resumes
// after the version id marker id, as s3mem resumed it: past the first
// noncurrent version whose id is not before id, or else at the current
// version if it is id; ok is false if neither exists.
func (o *memObject) seekVersion(id gofakes3.VersionID) (from int, ok bool) {
	i, _ := slices.BinarySearchFunc(o.older, id, func(v *memVersion, id gofakes3.VersionID) int {
		return strings.Compare(string(v.id), string(id))
	})
	if i < len(o.older) {
		return i + 1, true
	}
	if o.cur != nil && o.cur.id == id {
		return len(o.older), true
	}
	return 0, false
}
