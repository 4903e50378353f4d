package s3fake

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// memPair is the memory store as it was (gofakes3's s3mem) and as it is
// (memBackend), each behind replacingBackend as the server has it, on one
// clock and with one version id seed, so that the same calls must give the
// same answers, version ids and times included.
type memPair struct {
	t     *testing.T
	clock gofakes3.TimeSourceAdvancer
	old   gofakes3.Backend // over s3mem
	cur   gofakes3.Backend // over memBackend
	// ids are version ids answered so far, to name in later calls.
	ids []gofakes3.VersionID
	// crashed is set once s3mem crashed (it dereferences the missing
	// current version of a key; memBackend answers NoSuchKey): the two
	// stores may differ from then on.
	crashed bool
	log     []string
}

func newMemPair(t *testing.T, seed uint64) *memPair {
	clock := gofakes3.FixedTimeSource(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return &memPair{
		t:     t,
		clock: clock,
		old:   wrapBackend(s3mem.New(s3mem.WithTimeSource(clock), s3mem.WithVersionSeed(int64(seed)))),
		cur:   wrapBackend(newMemBackend(clock, seed)),
	}
}

// call runs f on both stores and fails unless they answer alike (f reads
// what it compares, such as an object's content, inside).
func (p *memPair) call(what string, f func(b gofakes3.Backend) any) {
	p.t.Helper()
	if p.crashed {
		return
	}
	p.log = append(p.log, what)
	var want any
	crashed := func() (crashed bool) {
		defer func() {
			if r := recover(); r != nil {
				crashed = true
			}
		}()
		want = f(p.old)
		return false
	}()
	got := f(p.cur) // memBackend must not crash
	if crashed {
		p.crashed = true
		return
	}
	if !reflect.DeepEqual(got, want) {
		p.t.Fatalf("%s:\n got  %s\n want %s (s3mem)\nafter:\n  %s", what, dump(got), dump(want), strings.Join(p.log, "\n  "))
	}
	p.learnIDs(got)
}

// dump shows an answer, pointers followed.
func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// learnIDs keeps the version ids in an answer.
func (p *memPair) learnIDs(v any) {
	switch v := v.(type) {
	case answer:
		p.learnIDs(v.Value)
	case gofakes3.PutObjectResult:
		p.addID(v.VersionID)
	case gofakes3.ObjectDeleteResult:
		p.addID(v.VersionID)
	case objectAnswer:
		p.addID(v.VersionID)
	case *gofakes3.ListBucketVersionsResult:
		if v != nil {
			for _, item := range v.Versions {
				p.addID(item.GetVersionID())
			}
		}
	}
}

func (p *memPair) addID(id gofakes3.VersionID) {
	if id != "" && !slices.Contains(p.ids, id) {
		p.ids = append(p.ids, id)
	}
}

// answer is a call's result and its error.
type answer struct {
	Value any
	Err   string
}

func answerOf(v any, err error) answer {
	a := answer{Value: v}
	if err != nil {
		a.Err = fmt.Sprintf("%T %v", err, err)
	}
	return a
}

// objectAnswer is a *gofakes3.Object with its content read.
type objectAnswer struct {
	Name           string
	Metadata       map[string]string
	Size           int64
	Hash           string
	Range          *gofakes3.ObjectRange
	VersionID      gofakes3.VersionID
	IsDeleteMarker bool
	Content        []byte
}

func readObject(t *testing.T, obj *gofakes3.Object, err error) answer {
	t.Helper()
	if err != nil || obj == nil {
		return answerOf(obj, err)
	}
	defer obj.Contents.Close()
	content, rerr := io.ReadAll(obj.Contents)
	if rerr != nil {
		t.Fatalf("reading the content: %v", rerr)
	}
	whole := obj.Range == nil && int64(len(content)) == obj.Size
	if whole && !obj.IsDeleteMarker && fmt.Sprintf("%x", obj.Hash) != fmt.Sprintf("%x", md5.Sum(content)) {
		t.Fatalf("object %s: hash %x, content's MD5 %x", obj.Name, obj.Hash, md5.Sum(content))
	}
	return answer{Value: objectAnswer{obj.Name, obj.Metadata, obj.Size, fmt.Sprintf("%x", obj.Hash), obj.Range,
		obj.VersionID, obj.IsDeleteMarker, content}}
}

// TestMemBackendAnswersAsS3memDid drives random calls of every kind through
// memBackend and gofakes3's s3mem, which it replaced, and wants the same
// answers from both.
func TestMemBackendAnswersAsS3memDid(t *testing.T) {
	seeds, steps := 400, 150
	if testing.Short() {
		seeds = 50
	}
	crashes := 0
	for seed := range seeds {
		p := newMemPair(t, uint64(seed)+1)
		r := rand.New(rand.NewPCG(uint64(seed), 17))
		for range steps {
			p.step(r)
		}
		p.snapshot()
		if p.crashed {
			crashes++
		}
	}
	t.Logf("%d of %d sequences reached a state in which s3mem crashes", crashes, seeds)
}

var (
	memBuckets = []string{"one", "two", "gone"}
	memKeys    = []string{"a", "a/b", "a/b/c", "a/c", "b", "b/x/y", "c", "c/"}
	memMeta    = []string{"Content-Type", "Content-Encoding", "X-Amz-Meta-Colour", "Last-Modified"}
)

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

// step makes one random call on both stores.
func (p *memPair) step(r *rand.Rand) {
	t := p.t
	p.clock.Advance(time.Duration(r.IntN(3)) * time.Second)
	bucket, key := pick(r, memBuckets), pick(r, memKeys)
	switch op := r.IntN(20); op {
	case 0:
		p.call("CreateBucket "+bucket, func(b gofakes3.Backend) any { return answerOf(nil, b.CreateBucket(bucket)) })
	case 1:
		if r.IntN(4) == 0 {
			p.call("DeleteBucket "+bucket, func(b gofakes3.Backend) any { return answerOf(nil, b.DeleteBucket(bucket)) })
		} else if r.IntN(4) == 0 {
			p.call("ForceDeleteBucket "+bucket, func(b gofakes3.Backend) any { return answerOf(nil, b.ForceDeleteBucket(bucket)) })
		}
	case 2:
		status := pick(r, []gofakes3.VersioningStatus{gofakes3.VersioningEnabled, gofakes3.VersioningSuspended})
		p.call(fmt.Sprintf("SetVersioningConfiguration %s %s", bucket, status), func(b gofakes3.Backend) any {
			return answerOf(nil, b.(gofakes3.VersionedBackend).SetVersioningConfiguration(bucket, gofakes3.VersioningConfiguration{Status: status}))
		})
	case 3, 4, 5, 6:
		body := []byte(strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(40)))
		meta := map[string]string{}
		for _, k := range memMeta {
			if r.IntN(2) == 0 {
				meta[k] = fmt.Sprint(r.IntN(3))
			}
		}
		size := int64(len(body))
		if r.IntN(20) == 0 { // a body shorter or longer than its length
			size = max(0, size+int64(r.IntN(3))-1)
		}
		var cond *gofakes3.PutConditions
		switch r.IntN(6) {
		case 0:
			cond = &gofakes3.PutConditions{IfNoneMatch: ptr("*")}
		case 1:
			cond = &gofakes3.PutConditions{IfMatch: ptr(fmt.Sprintf(`"%x"`, md5.Sum(body)))}
		case 2:
			cond = &gofakes3.PutConditions{IfMatch: ptr(fmt.Sprintf("%x", md5.Sum([]byte(strings.Repeat("a", r.IntN(40))))))}
		}
		owned := r.IntN(2) == 0
		p.call(fmt.Sprintf("PutObject %s/%s %q %v size %d %+v", bucket, key, body, meta, size, cond), func(b gofakes3.Backend) any {
			var in io.Reader = bytes.NewReader(body)
			if owned && b == p.cur {
				in = newOwnedBody(bytes.Clone(body))
			}
			res, err := b.PutObject(bucket, key, maps.Clone(meta), in, size, cond)
			return answerOf(res, err)
		})
	case 7:
		p.call("HeadObject "+bucket+"/"+key, func(b gofakes3.Backend) any {
			obj, err := b.HeadObject(bucket, key)
			return readObject(t, obj, err)
		})
	case 8:
		rnge := randomRange(r)
		p.call(fmt.Sprintf("GetObject %s/%s %+v", bucket, key, rnge), func(b gofakes3.Backend) any {
			obj, err := b.GetObject(bucket, key, rnge)
			return readObject(t, obj, err)
		})
	case 9:
		p.call("DeleteObject "+bucket+"/"+key, func(b gofakes3.Backend) any {
			return answerOf(b.DeleteObject(bucket, key))
		})
	case 10:
		keys := []string{key, pick(r, memKeys)}
		p.call(fmt.Sprintf("DeleteMulti %s %v", bucket, keys), func(b gofakes3.Backend) any {
			return answerOf(b.DeleteMulti(bucket, keys...))
		})
	case 11:
		objs := []gofakes3.ObjectID{{Key: key, VersionID: string(p.someID(r))}, {Key: pick(r, memKeys)}}
		p.call(fmt.Sprintf("DeleteMultiVersions %s %v", bucket, objs), func(b gofakes3.Backend) any {
			return answerOf(b.(gofakes3.VersionedBackend).DeleteMultiVersions(bucket, objs...))
		})
	case 12:
		id := p.someID(r)
		p.call(fmt.Sprintf("DeleteObjectVersion %s/%s %s", bucket, key, id), func(b gofakes3.Backend) any {
			return answerOf(b.(gofakes3.VersionedBackend).DeleteObjectVersion(bucket, key, id))
		})
	case 13:
		id, rnge := p.someID(r), randomRange(r)
		p.call(fmt.Sprintf("GetObjectVersion %s/%s %s %+v", bucket, key, id, rnge), func(b gofakes3.Backend) any {
			obj, err := b.(gofakes3.VersionedBackend).GetObjectVersion(bucket, key, id, rnge)
			return readObject(t, obj, err)
		})
	case 14:
		id := p.someID(r)
		p.call(fmt.Sprintf("HeadObjectVersion %s/%s %s", bucket, key, id), func(b gofakes3.Backend) any {
			obj, err := b.(gofakes3.VersionedBackend).HeadObjectVersion(bucket, key, id)
			return readObject(t, obj, err)
		})
	case 15:
		dstBucket, dstKey := pick(r, memBuckets), pick(r, memKeys)
		meta := map[string]string{}
		if r.IntN(2) == 0 {
			meta["X-Amz-Meta-Colour"] = "copied"
		}
		p.call(fmt.Sprintf("CopyObject %s/%s to %s/%s %v", bucket, key, dstBucket, dstKey, meta), func(b gofakes3.Backend) any {
			res, err := b.CopyObject(bucket, key, dstBucket, dstKey, maps.Clone(meta))
			res.LastModified = gofakes3.ContentTime{} // gofakes3 stamps it with the wall clock
			return answerOf(res, err)
		})
	case 16, 17:
		prefix := randomPrefix(r)
		page := gofakes3.ListBucketPage{MaxKeys: int64(r.IntN(4))}
		if r.IntN(2) == 0 {
			page.Marker, page.HasMarker = pick(r, memKeys), true
		}
		p.call(fmt.Sprintf("ListBucket %s %+v %+v", bucket, prefix, page), func(b gofakes3.Backend) any {
			return answerOf(b.ListBucket(bucket, prefix, page))
		})
	case 18:
		prefix := randomPrefix(r)
		page := &gofakes3.ListBucketVersionsPage{MaxKeys: int64(r.IntN(4))}
		if r.IntN(2) == 0 {
			page.KeyMarker, page.HasKeyMarker = pick(r, memKeys), true
			if r.IntN(2) == 0 {
				page.VersionIDMarker, page.HasVersionIDMarker = p.someID(r), true
			}
		}
		if r.IntN(5) == 0 {
			page = nil
		}
		p.call(fmt.Sprintf("ListBucketVersions %s %+v %+v", bucket, prefix, page), func(b gofakes3.Backend) any {
			return answerOf(b.(gofakes3.VersionedBackend).ListBucketVersions(bucket, prefix, page))
		})
	case 19:
		p.call("ListBuckets, BucketExists, VersioningConfiguration "+bucket, func(b gofakes3.Backend) any {
			buckets, err := b.ListBuckets()
			slices.SortFunc(buckets, func(a, b gofakes3.BucketInfo) int { return strings.Compare(a.Name, b.Name) }) // s3mem's order is random
			exists, eerr := b.BucketExists(bucket)
			v, verr := b.(gofakes3.VersionedBackend).VersioningConfiguration(bucket)
			return []answer{answerOf(buckets, err), answerOf(exists, eerr), answerOf(v, verr)}
		})
	}
}

// snapshot compares every bucket's versions and keys.
func (p *memPair) snapshot() {
	for _, bucket := range memBuckets {
		p.call("ListBucketVersions "+bucket, func(b gofakes3.Backend) any {
			return answerOf(b.(gofakes3.VersionedBackend).ListBucketVersions(bucket, nil, nil))
		})
		p.call("ListBucket "+bucket, func(b gofakes3.Backend) any {
			return answerOf(b.ListBucket(bucket, nil, gofakes3.ListBucketPage{}))
		})
	}
}

// someID is a version id answered before, now and then one never made or
// none.
func (p *memPair) someID(r *rand.Rand) gofakes3.VersionID {
	switch {
	case r.IntN(10) == 0:
		return ""
	case len(p.ids) == 0 || r.IntN(8) == 0:
		return "3/NOSUCHVERSION"
	}
	return pick(r, p.ids)
}

func randomPrefix(r *rand.Rand) *gofakes3.Prefix {
	var p gofakes3.Prefix
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		p.Prefix, p.HasPrefix = pick(r, []string{"a", "a/", "b/x", "c"}), true
	}
	if r.IntN(2) == 0 {
		p.Delimiter, p.HasDelimiter = "/", true
	}
	return &p
}

func randomRange(r *rand.Rand) *gofakes3.ObjectRangeRequest {
	switch r.IntN(4) {
	case 0:
		return &gofakes3.ObjectRangeRequest{Start: int64(r.IntN(5)), End: int64(r.IntN(10))}
	case 1:
		return &gofakes3.ObjectRangeRequest{FromEnd: true, End: int64(r.IntN(5))}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// TestGoAPIComputesNoMD5: an object stored and read back through the Go API
// (as delivery, the console and a Redshift COPY do) has its body kept as
// given and no MD5 computed; the first HEAD computes it.
func TestGoAPIComputesNoMD5(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "lazy"); err != nil {
		t.Fatal(err)
	}
	body := []byte("delivered records")
	if err := s.PutObject(ctx, "lazy", "k", body, ObjectMeta{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetObject(ctx, "lazy", "k"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ReadObject(ctx, "lazy", "k", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListObjects(ctx, "lazy", "", "/", "", 0); err != nil {
		t.Fatal(err)
	}
	v := s.mem.buckets["lazy"].objects["k"].cur
	if &v.body[0] != &body[0] {
		t.Error("the body was copied")
	}
	if v.md5 != [md5.Size]byte{} {
		t.Fatal("the MD5 was computed, though no one asked for it")
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/lazy/k", nil))
	if want := fmt.Sprintf(`"%x"`, md5.Sum(body)); rec.Code != http.StatusOK || rec.Header().Get("ETag") != want {
		t.Fatalf("HEAD: %d, ETag %q; want 200, %s", rec.Code, rec.Header().Get("ETag"), want)
	}
	if v.md5 != md5.Sum(body) {
		t.Fatalf("MD5 kept after HEAD %x, want %x", v.md5, md5.Sum(body))
	}
}

// TestMemBackendFirstReadsConcurrently reads a new object's ETag in every
// way at once: each read must see the MD5 of the content, computed once
// (run with -race).
func TestMemBackendFirstReadsConcurrently(t *testing.T) {
	m := newMemBackend(gofakes3.DefaultTimeSource(), 1)
	b := wrapBackend(m)
	if err := m.CreateBucket("race"); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		key := fmt.Sprint("k", round)
		body := bytes.Repeat([]byte{byte(round)}, 1000*round)
		if _, err := m.PutObject("race", key, map[string]string{}, newOwnedBody(body), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`"%x"`, md5.Sum(body))
		reads := []func() (string, error){
			func() (string, error) {
				obj, err := b.HeadObject("race", key)
				if err != nil {
					return "", err
				}
				return gofakes3.FormatETag(obj.Hash), nil
			},
			func() (string, error) {
				obj, err := b.GetObject("race", key, nil)
				if err != nil {
					return "", err
				}
				return gofakes3.FormatETag(obj.Hash), nil
			},
			func() (string, error) {
				list, err := b.ListBucket("race", &gofakes3.Prefix{Prefix: key, HasPrefix: true}, gofakes3.ListBucketPage{MaxKeys: 1})
				if err != nil || len(list.Contents) == 0 {
					return "", fmt.Errorf("listed %v: %w", list, err)
				}
				return list.Contents[0].ETag, nil
			},
			func() (string, error) {
				list, err := b.(gofakes3.VersionedBackend).ListBucketVersions("race", &gofakes3.Prefix{Prefix: key, HasPrefix: true}, nil)
				if err != nil || len(list.Versions) == 0 {
					return "", fmt.Errorf("listed %v: %w", list, err)
				}
				return list.Versions[0].(*gofakes3.Version).ETag, nil
			},
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 4 * len(reads) {
			wg.Go(func() {
				<-start
				if got, err := reads[i%len(reads)](); err != nil || got != want {
					t.Errorf("read %d of %s: ETag %s, %v; want %s", i%len(reads), key, got, err, want)
				}
			})
		}
		close(start)
		wg.Wait()
	}
}

// TestPutCopiesBodyWithSpareCapacity: a body handed over with much spare
// capacity (a buffer that grew by doubling) is copied, so that the object
// holds no more memory than its size; one without is kept.
func TestPutCopiesBodyWithSpareCapacity(t *testing.T) {
	m := newMemBackend(gofakes3.DefaultTimeSource(), 1)
	if err := m.CreateBucket("cap"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		capacity int
		kept     bool
	}{{1000, true}, {1125, true}, {1126, false}, {2000, false}} {
		body := make([]byte, 1000, tc.capacity)
		if _, err := m.PutObject("cap", "k", nil, newOwnedBody(body), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
		stored := m.buckets["cap"].objects["k"].cur.body
		if kept := &stored[0] == &body[0]; kept != tc.kept || len(stored) != len(body) {
			t.Errorf("capacity %d: kept %v (%d bytes, capacity %d), want kept %v", tc.capacity, kept, len(stored), cap(stored), tc.kept)
		}
	}
}
