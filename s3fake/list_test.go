package s3fake_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/s3fake"
)

func TestListAndReadObjects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, b := range []string{"zeta", "alpha"} {
			if err := e.s.CreateBucket(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		buckets, err := e.s.ListBuckets(ctx)
		if err != nil || len(buckets) != 2 || buckets[0].Name != "alpha" || buckets[1].Name != "zeta" {
			t.Fatalf("ListBuckets: %+v, %v", buckets, err)
		}
		var keys []string
		for i := range 5 {
			keys = append(keys, fmt.Sprintf("2026/11/25/%02d/obj", i))
		}
		keys = append(keys, "errors/processing-failed/x", "top.json")
		for _, k := range keys {
			if err := e.s.PutObject(ctx, "alpha", k, []byte("body of "+k), s3fake.ObjectMeta{}); err != nil {
				t.Fatal(err)
			}
		}

		l, err := e.s.ListObjects(ctx, "alpha", "", "/", "", 0)
		if err != nil || !slices.Equal(l.Prefixes, []string{"2026/", "errors/"}) || len(l.Objects) != 1 || l.Objects[0].Key != "top.json" || l.Truncated {
			t.Fatalf("root listing: %+v, %v", l, err)
		}
		if l.Objects[0].Size != int64(len("body of top.json")) {
			t.Errorf("size %d", l.Objects[0].Size)
		}
		l, err = e.s.ListObjects(ctx, "alpha", "2026/11/25/", "/", "", 0)
		if err != nil || len(l.Prefixes) != 5 || l.Prefixes[0] != "2026/11/25/00/" {
			t.Fatalf("nested listing: %+v, %v", l, err)
		}

		// Paging through every key, two at a time.
		var got []string
		marker := ""
		for range 10 {
			l, err := e.s.ListObjects(ctx, "alpha", "", "", marker, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range l.Objects {
				got = append(got, o.Key)
			}
			if !l.Truncated {
				break
			}
			marker = l.NextMarker
		}
		want := slices.Sorted(slices.Values(keys))
		if !slices.Equal(got, want) {
			t.Errorf("paged keys:\n got %q\nwant %q", got, want)
		}

		body, info, err := e.s.ReadObject(ctx, "alpha", "top.json", 4)
		if err != nil || string(body) != "body" || info.Size != int64(len("body of top.json")) || time.Since(info.LastModified) > time.Hour {
			t.Errorf("ReadObject: %q, %+v, %v", body, info, err)
		}
		if _, _, err := e.s.ReadObject(ctx, "alpha", "nope", 0); !errors.Is(err, s3fake.ErrNoSuchKey) {
			t.Errorf("ReadObject missing key: %v", err)
		}
		if _, err := e.s.ListObjects(ctx, "missing", "", "", "", 0); !errors.Is(err, s3fake.ErrNoSuchBucket) {
			t.Errorf("ListObjects missing bucket: %v", err)
		}
	})
}
