package integration_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Replays of the listings S3 answered in localstack/localstack's
// tests/aws/services/s3/test_s3_list_operations.py, as recorded in
// test_s3_list_operations.snapshot.json (validation dates from
// test_s3_list_operations.validation.json). boto3 asks every listing with
// encoding-type=url, so these do too. Continuation tokens and markers that
// the recording masks ("<next-continuation-token:1>") are compared by form:
// present or absent, and the same or different from one page to the next.
// Each runs against the in-memory store and --data-dir.

// listPage is what a recorded listing says, but for its objects' fields
// other than the key (checked by checkListedObjects).
type listPage struct {
	Name, Prefix, Delimiter, EncodingType string
	Marker, NextMarker                    string // ListObjects
	StartAfter                            string // ListObjectsV2
	ContinuationToken, NextToken          string // ListObjectsV2, masked
	MaxKeys                               int32
	KeyCount                              int32 // ListObjectsV2
	IsTruncated                           bool
	Keys, CommonPrefixes                  []string
}

// tokenMask masks continuation tokens as the recordings do: each distinct
// token is <next-continuation-token:N>, N counting from 1 in the order
// the tokens are first seen. A nil tokenMask masks every token as
// <token>, for recordings that mask them without telling them apart.
type tokenMask map[string]string

func (m tokenMask) mask(tok *string) string {
	if tok == nil {
		return ""
	}
	if *tok == "" {
		return "<empty>"
	}
	if m == nil {
		return "<token>"
	}
	if _, ok := m[*tok]; !ok {
		m[*tok] = fmt.Sprintf("<next-continuation-token:%d>", len(m)+1)
	}
	return m[*tok]
}

func checkListedObjects(t *testing.T, what string, objs []types.Object) []string {
	t.Helper()
	var keys []string
	for _, o := range objs {
		keys = append(keys, aws.ToString(o.Key))
		// Every recorded object was put with the body "content 123".
		if aws.ToString(o.ETag) != `"0d9fa06a66933b40f615f530e59edd6b"` || aws.ToInt64(o.Size) != 11 ||
			o.StorageClass != types.ObjectStorageClassStandard || o.LastModified == nil {
			t.Fatalf("%s: object %s: ETag %s Size %d StorageClass %q LastModified %v; recorded \"0d9fa06a66933b40f615f530e59edd6b\", 11, STANDARD, a date",
				what, aws.ToString(o.Key), aws.ToString(o.ETag), aws.ToInt64(o.Size), o.StorageClass, o.LastModified)
		}
	}
	return keys
}

func prefixesOf(cps []types.CommonPrefix) []string {
	var out []string
	for _, cp := range cps {
		out = append(out, aws.ToString(cp.Prefix))
	}
	return out
}

// listV2 lists as boto3 does (encoding-type=url) and returns the page as
// recorded, its tokens masked by m.
func listV2(t *testing.T, c *s3.Client, m tokenMask, in *s3.ListObjectsV2Input) listPage {
	t.Helper()
	in.EncodingType = types.EncodingTypeUrl
	out, err := c.ListObjectsV2(context.Background(), in)
	if err != nil {
		t.Fatalf("ListObjectsV2 %+v: %v", in, err)
	}
	checkListedObjects(t, "ListObjectsV2", out.Contents)
	return v2Page(t, out, m, false)
}

// v2Page is the page out as recorded, its tokens masked by m; with decode,
// its keys, prefixes, delimiter and start-after URL-decoded as boto3
// decodes them when it asked for encoding-type=url itself (unquote_plus).
func v2Page(t *testing.T, out *s3.ListObjectsV2Output, m tokenMask, decode bool) listPage {
	t.Helper()
	dec := func(s string) string {
		if !decode {
			return s
		}
		d, err := url.QueryUnescape(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return d
	}
	p := listPage{
		Name: aws.ToString(out.Name), Prefix: dec(aws.ToString(out.Prefix)), Delimiter: dec(aws.ToString(out.Delimiter)),
		EncodingType: string(out.EncodingType), StartAfter: dec(aws.ToString(out.StartAfter)),
		ContinuationToken: m.mask(out.ContinuationToken), NextToken: m.mask(out.NextContinuationToken),
		MaxKeys: aws.ToInt32(out.MaxKeys), KeyCount: aws.ToInt32(out.KeyCount), IsTruncated: aws.ToBool(out.IsTruncated),
	}
	for _, o := range out.Contents {
		p.Keys = append(p.Keys, dec(aws.ToString(o.Key)))
	}
	for _, cp := range out.CommonPrefixes {
		p.CommonPrefixes = append(p.CommonPrefixes, dec(aws.ToString(cp.Prefix)))
	}
	return p
}

// listV1 lists with ListObjects as boto3 does (encoding-type=url).
func listV1(t *testing.T, c *s3.Client, in *s3.ListObjectsInput) listPage {
	t.Helper()
	in.EncodingType = types.EncodingTypeUrl
	out, err := c.ListObjects(context.Background(), in)
	if err != nil {
		t.Fatalf("ListObjects %+v: %v", in, err)
	}
	return listPage{
		Name: aws.ToString(out.Name), Prefix: aws.ToString(out.Prefix), Delimiter: aws.ToString(out.Delimiter),
		EncodingType: string(out.EncodingType), Marker: aws.ToString(out.Marker), NextMarker: aws.ToString(out.NextMarker),
		MaxKeys: aws.ToInt32(out.MaxKeys), IsTruncated: aws.ToBool(out.IsTruncated),
		Keys: checkListedObjects(t, "ListObjects", out.Contents), CommonPrefixes: prefixesOf(out.CommonPrefixes),
	}
}

func wantPage(t *testing.T, name string, got, want listPage) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got      %+v\n recorded %+v", name, got, want)
	}
}

func putContent123(t *testing.T, c *s3.Client, b string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("content 123")}); err != nil {
			t.Fatal(err)
		}
	}
}

// Recording: test_list_objects_v2_continuation_start_after (validated
// 2026-02-21): twelve keys test_0..test_11 listed five at a time, then the
// rest with the continuation token (which echoes it, MaxKeys 1000); a
// StartAfter with MaxKeys 2 that reaches the end is not truncated; with a
// continuation token, StartAfter is neither applied nor echoed; an empty
// continuation token is refused with 400 InvalidArgument "The continuation
// token provided is incorrect" (ArgumentName continuation-token).
func TestRecordedS3ListV2ContinuationStartAfter(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		var keys []string
		for i := range 12 {
			keys = append(keys, fmt.Sprintf("test_%d", i))
		}
		putContent123(t, env.S3, b, keys...)
		m := tokenMask{}
		first, err := env.S3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(5), EncodingType: types.EncodingTypeUrl})
		if err != nil {
			t.Fatal(err)
		}
		token := first.NextContinuationToken
		wantPage(t, "list-objects-v2-max-5", listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(5)}), listPage{
			Name: b, EncodingType: "url", IsTruncated: true, KeyCount: 5, MaxKeys: 5, NextToken: "<next-continuation-token:1>",
			Keys: []string{"test_0", "test_1", "test_10", "test_11", "test_2"}})
		wantPage(t, "list-objects-v2-rest", listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b), ContinuationToken: token}), listPage{
			Name: b, EncodingType: "url", ContinuationToken: "<next-continuation-token:1>", KeyCount: 7, MaxKeys: 1000,
			Keys: []string{"test_3", "test_4", "test_5", "test_6", "test_7", "test_8", "test_9"}})
		wantPage(t, "list-objects-start-after", listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("test_7"), MaxKeys: aws.Int32(2)}), listPage{
			Name: b, EncodingType: "url", StartAfter: "test_7", KeyCount: 2, MaxKeys: 2, Keys: []string{"test_8", "test_9"}})
		wantPage(t, "list-objects-start-after-token", listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("test_7"), ContinuationToken: token}), listPage{
			Name: b, EncodingType: "url", ContinuationToken: "<next-continuation-token:1>", KeyCount: 7, MaxKeys: 1000,
			Keys: []string{"test_3", "test_4", "test_5", "test_6", "test_7", "test_8", "test_9"}})

		_, err = env.S3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b), ContinuationToken: aws.String("")})
		status, got := s3ErrorElements(t, env, http.MethodGet, "/"+b+"?list-type=2&continuation-token=&encoding-type=url", nil)
		wantS3Error(t, err, 400, "InvalidArgument", "The continuation token provided is incorrect", got, status, "ArgumentName", "continuation-token")
	})
}

// Recording: test_list_objects_v2_continuation_common_prefixes (validated
// 2026-02-21): with Prefix folder/, Delimiter / and MaxKeys 1, a common
// prefix counts as one key: the first page is the common prefix
// folder/aSubfolder/ alone, the next two the keys folder/file1 and
// folder/file2, each echoing the token it was given, the last with no
// NextContinuationToken.
func TestRecordedS3ListV2ContinuationCommonPrefixes(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		putContent123(t, env.S3, b, "folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file2")
		m := tokenMask{}
		wantPage(t, "list-objects-v2-all-keys", listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b)}), listPage{
			Name: b, EncodingType: "url", KeyCount: 4, MaxKeys: 1000,
			Keys: []string{"folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file2"}})
		in := func(token *string) *s3.ListObjectsV2Input {
			return &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("folder/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: token}
		}
		token := func(p *s3.ListObjectsV2Output) *string { return p.NextContinuationToken }
		raw := func(token *string) *s3.ListObjectsV2Output {
			t.Helper()
			out, err := env.S3.ListObjectsV2(context.Background(), in(token))
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		wantPage(t, "list-objects-v2-start", listV2(t, env.S3, m, in(nil)), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", IsTruncated: true, KeyCount: 1, MaxKeys: 1,
			NextToken: "<next-continuation-token:1>", CommonPrefixes: []string{"folder/aSubfolder/"}})
		t1 := token(raw(nil))
		wantPage(t, "list-objects-v2-next-1", listV2(t, env.S3, m, in(t1)), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", IsTruncated: true, KeyCount: 1, MaxKeys: 1,
			ContinuationToken: "<next-continuation-token:1>", NextToken: "<next-continuation-token:2>", Keys: []string{"folder/file1"}})
		t2 := token(raw(t1))
		wantPage(t, "list-objects-v2-end", listV2(t, env.S3, m, in(t2)), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", KeyCount: 1, MaxKeys: 1,
			ContinuationToken: "<next-continuation-token:2>", Keys: []string{"folder/file2"}})
	})
}

// Recording: test_list_objects_v2_with_prefix_and_delimiter (validated
// 2026-02-21): common prefixes under test/, test/foo and test/foo/bar, and
// with MaxKeys 1 the first common prefix alone, truncated.
func TestRecordedS3ListV2PrefixDelimiter(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		putContent123(t, env.S3, b, "test/foo/bar/123", "test/foo/bar/456", "test/bar/foo/123")
		m := tokenMask{}
		in := func(prefix string, max int32) *s3.ListObjectsV2Input {
			i := &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
			if max > 0 {
				i.MaxKeys = aws.Int32(max)
			}
			return i
		}
		wantPage(t, "list-objects-v2-1", listV2(t, env.S3, m, in("test/", 0)), listPage{
			Name: b, Prefix: "test/", Delimiter: "/", EncodingType: "url", KeyCount: 2, MaxKeys: 1000,
			CommonPrefixes: []string{"test/bar/", "test/foo/"}})
		wantPage(t, "list-objects-v2-1-with-max-keys", listV2(t, env.S3, m, in("test/", 1)), listPage{
			Name: b, Prefix: "test/", Delimiter: "/", EncodingType: "url", KeyCount: 1, MaxKeys: 1, IsTruncated: true,
			NextToken: "<next-continuation-token:1>", CommonPrefixes: []string{"test/bar/"}})
		wantPage(t, "list-objects-v2-2", listV2(t, env.S3, m, in("test/foo", 0)), listPage{
			Name: b, Prefix: "test/foo", Delimiter: "/", EncodingType: "url", KeyCount: 1, MaxKeys: 1000,
			CommonPrefixes: []string{"test/foo/"}})
		wantPage(t, "list-objects-v2-3", listV2(t, env.S3, m, in("test/foo/bar", 0)), listPage{
			Name: b, Prefix: "test/foo/bar", Delimiter: "/", EncodingType: "url", KeyCount: 1, MaxKeys: 1000,
			CommonPrefixes: []string{"test/foo/bar/"}})
	})
}

// Recordings: test_list_objects_next_marker and
// test_s3_list_objects_empty_marker (validated 2026-02-21): ListObjects
// answers a NextMarker only with a delimiter (the last key or common prefix
// of the page); without one a truncated page has none, and clients go on
// from its last key. An empty Marker is echoed empty.
func TestRecordedS3ListObjectsNextMarker(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		wantPage(t, "empty-marker list-objects", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b), Marker: aws.String("")}), listPage{
			Name: b, EncodingType: "url", MaxKeys: 1000})
		putContent123(t, env.S3, b, "test_0", "test_1", "test_2")
		wantPage(t, "list-objects-all", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b)}), listPage{
			Name: b, EncodingType: "url", MaxKeys: 1000, Keys: []string{"test_0", "test_1", "test_2"}})
		wantPage(t, "list-objects-max-1", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(1), Delimiter: aws.String("/")}), listPage{
			Name: b, Delimiter: "/", EncodingType: "url", MaxKeys: 1, IsTruncated: true, NextMarker: "test_0", Keys: []string{"test_0"}})
		wantPage(t, "list-objects-rest", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b), Marker: aws.String("test_0"), MaxKeys: aws.Int32(1)}), listPage{
			Name: b, EncodingType: "url", Marker: "test_0", MaxKeys: 1, IsTruncated: true, Keys: []string{"test_1"}})
		wantPage(t, "list-objects-marker-empty", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b), Marker: aws.String(""), MaxKeys: aws.Int32(1)}), listPage{
			Name: b, EncodingType: "url", MaxKeys: 1, IsTruncated: true, Keys: []string{"test_0"}})
	})
}

// Recording: test_list_objects_marker_common_prefixes (validated
// 2026-02-21): with Prefix folder/, Delimiter / and MaxKeys 1, the pages
// are the common prefix folder/aSubfolder/ (its NextMarker), folder/file1
// and folder/file2 (not truncated, no NextMarker); a Marker inside the
// common prefix (folder/aSubfolder/subFile1) skips the rest of it.
func TestRecordedS3ListObjectsMarkerCommonPrefixes(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		putContent123(t, env.S3, b, "folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file2")
		wantPage(t, "list-objects-all-keys", listV1(t, env.S3, &s3.ListObjectsInput{Bucket: aws.String(b)}), listPage{
			Name: b, EncodingType: "url", MaxKeys: 1000,
			Keys: []string{"folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file2"}})
		in := func(marker string) *s3.ListObjectsInput {
			i := &s3.ListObjectsInput{Bucket: aws.String(b), Prefix: aws.String("folder/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)}
			if marker != "" {
				i.Marker = aws.String(marker)
			}
			return i
		}
		wantPage(t, "list-objects-start", listV1(t, env.S3, in("")), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", MaxKeys: 1, IsTruncated: true,
			NextMarker: "folder/aSubfolder/", CommonPrefixes: []string{"folder/aSubfolder/"}})
		wantPage(t, "list-objects-next-1", listV1(t, env.S3, in("folder/aSubfolder/")), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", MaxKeys: 1, IsTruncated: true,
			Marker: "folder/aSubfolder/", NextMarker: "folder/file1", Keys: []string{"folder/file1"}})
		wantPage(t, "list-objects-end", listV1(t, env.S3, in("folder/file1")), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", MaxKeys: 1,
			Marker: "folder/file1", Keys: []string{"folder/file2"}})
		wantPage(t, "list-objects-manual-first-file", listV1(t, env.S3, in("folder/aSubfolder/subFile1")), listPage{
			Name: b, Prefix: "folder/", Delimiter: "/", EncodingType: "url", MaxKeys: 1, IsTruncated: true,
			Marker: "folder/aSubfolder/subFile1", NextMarker: "folder/file1", Keys: []string{"folder/file1"}})
	})
}

// Recording: test_list_objects_v2_continuation_token_safe_chars (validated
// 2026-02-21): keys with %, @, spaces, = and doubled slashes, listed five
// at a time then the rest with the token (boto3 asks for encoding-type=url
// and decodes the keys); a StartAfter of date=2026-02-01/ with MaxKeys 2
// answers the next two, truncated, raw without encoding-type and with it
// "date%3D2026-03-01/" (and StartAfter "date%3D2026-02-01/"); the
// StartAfter "date%3D2026-02-01/" (quoted by the caller) sorts before the
// date= keys and is answered encoded once more; its next page, with or
// without the same StartAfter, is the same.
func TestRecordedS3ListV2SafeChars(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const b = "deliveries"
		keys := []string{"file%2Fname", "test@key/", "test%123", "test%percent", "test key/", "test key//", "test%123/",
			"a/%F0%9F%98%80/", "date=2026-01-01/", "date=2026-02-01/", "date=2026-03-01/", "date=2026-05-01/"}
		for _, k := range keys {
			if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("")}); err != nil {
				t.Fatal(err)
			}
		}
		// The recording masks every token alike (reference_replacement=False).
		var m tokenMask
		list := func(in *s3.ListObjectsV2Input, decode bool) (*s3.ListObjectsV2Output, listPage) {
			t.Helper()
			in.Bucket = aws.String(b)
			out, err := env.S3.ListObjectsV2(ctx, in)
			if err != nil {
				t.Fatalf("ListObjectsV2: %v", err)
			}
			for _, o := range out.Contents {
				if aws.ToInt64(o.Size) != 0 || aws.ToString(o.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` || o.StorageClass != types.ObjectStorageClassStandard {
					t.Fatalf("object %s: Size %d ETag %s StorageClass %q; recorded 0, \"d41d8cd98f00b204e9800998ecf8427e\", STANDARD",
						aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag), o.StorageClass)
				}
			}
			return out, v2Page(t, out, m, decode)
		}
		first, got := list(&s3.ListObjectsV2Input{MaxKeys: aws.Int32(5), EncodingType: types.EncodingTypeUrl}, true)
		wantPage(t, "list-objects-v2-max-5", got, listPage{Name: b, EncodingType: "url", IsTruncated: true, KeyCount: 5, MaxKeys: 5,
			NextToken: "<token>",
			Keys:      []string{"a/%F0%9F%98%80/", "date=2026-01-01/", "date=2026-02-01/", "date=2026-03-01/", "date=2026-05-01/"}})
		_, got = list(&s3.ListObjectsV2Input{ContinuationToken: first.NextContinuationToken, EncodingType: types.EncodingTypeUrl}, true)
		wantPage(t, "list-objects-v2-rest", got, listPage{Name: b, EncodingType: "url", KeyCount: 7, MaxKeys: 1000,
			ContinuationToken: "<token>",
			Keys:              []string{"file%2Fname", "test key/", "test key//", "test%123", "test%123/", "test%percent", "test@key/"}})
		_, got = list(&s3.ListObjectsV2Input{StartAfter: aws.String("date=2026-02-01/"), MaxKeys: aws.Int32(2)}, false)
		wantPage(t, "list-objects-start-after", got, listPage{Name: b, StartAfter: "date=2026-02-01/", IsTruncated: true, KeyCount: 2, MaxKeys: 2,
			NextToken: "<token>", Keys: []string{"date=2026-03-01/", "date=2026-05-01/"}})
		_, got = list(&s3.ListObjectsV2Input{StartAfter: aws.String("date=2026-02-01/"), MaxKeys: aws.Int32(2), EncodingType: types.EncodingTypeUrl}, false)
		wantPage(t, "list-objects-start-after-url-type", got, listPage{Name: b, EncodingType: "url", StartAfter: "date%3D2026-02-01/", IsTruncated: true,
			KeyCount: 2, MaxKeys: 2, NextToken: "<token>", Keys: []string{"date%3D2026-03-01/", "date%3D2026-05-01/"}})
		enc, got := list(&s3.ListObjectsV2Input{StartAfter: aws.String("date%3D2026-02-01/"), MaxKeys: aws.Int32(2), EncodingType: types.EncodingTypeUrl}, true)
		wantPage(t, "list-objects-start-after-encoded", got, listPage{Name: b, EncodingType: "url", StartAfter: "date%3D2026-02-01/", IsTruncated: true,
			KeyCount: 2, MaxKeys: 2, NextToken: "<token>", Keys: []string{"date=2026-01-01/", "date=2026-02-01/"}})
		for _, startAfter := range []*string{aws.String("date=2026-02-01/"), nil} {
			_, got = list(&s3.ListObjectsV2Input{StartAfter: startAfter, ContinuationToken: enc.NextContinuationToken, MaxKeys: aws.Int32(2), EncodingType: types.EncodingTypeUrl}, true)
			wantPage(t, "list-objects-start-after-token / list-objects-continuation-token-2", got, listPage{Name: b, EncodingType: "url",
				ContinuationToken: "<token>", IsTruncated: true, KeyCount: 2, MaxKeys: 2, NextToken: "<token>",
				Keys: []string{"date=2026-03-01/", "date=2026-05-01/"}})
		}
	})
}

// Recordings: test_list_objects_v2_with_prefix and
// test_list_objects_with_prefix[]/[/]/[%2F] (validated 2026-02-21): a
// prefix lists the keys under it, rolled up with a delimiter; the
// delimiter %2F (sent encoded by boto3 as %252F) is answered encoded,
// %252F, and rolls nothing up; sent raw (delimiter=%2F, that is /) it
// rolls up test/ and the answer, not asked for encoding-type, says none.
func TestRecordedS3ListWithPrefix(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		putContent123(t, env.S3, b, "test/foo/bar/123", "test/foo/bar/456", "test/bar/foo/123")
		m := tokenMask{}
		for _, c := range []struct {
			prefix string
			keys   []string
		}{
			{"test/", []string{"test/bar/foo/123", "test/foo/bar/123", "test/foo/bar/456"}},
			{"test/foo", []string{"test/foo/bar/123", "test/foo/bar/456"}},
			{"test/foo/bar", []string{"test/foo/bar/123", "test/foo/bar/456"}},
		} {
			wantPage(t, "list-objects-v2 "+c.prefix, listV2(t, env.S3, m, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String(c.prefix)}), listPage{
				Name: b, Prefix: c.prefix, EncodingType: "url", KeyCount: int32(len(c.keys)), MaxKeys: 1000, Keys: c.keys})
		}
		resp, err := http.Get(env.URL + "/" + b + "?list-type=2&prefix=test%2Ffoo")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(body), "EncodingType") || !strings.Contains(string(body), "<Prefix>test/foo</Prefix>") ||
			!strings.Contains(string(body), "<KeyCount>2</KeyCount>") || strings.Count(string(body), "<Contents>") != 2 {
			t.Fatalf("list-objects-v2-no-encoding: %d %s", resp.StatusCode, body)
		}

		// test_list_objects_with_prefix has the one key test/foo/bar/123.
		for _, k := range []string{"test/foo/bar/456", "test/bar/foo/123"} {
			if _, err := env.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(k)}); err != nil {
				t.Fatal(err)
			}
		}
		v1 := func(delim string) listPage {
			in := &s3.ListObjectsInput{Bucket: aws.String(b), Prefix: aws.String("test/"), MaxKeys: aws.Int32(1)}
			if delim != "" {
				in.Delimiter = aws.String(delim)
			}
			return listV1(t, env.S3, in)
		}
		wantPage(t, "list-objects[]", v1(""), listPage{Name: b, Prefix: "test/", EncodingType: "url", MaxKeys: 1, Keys: []string{"test/foo/bar/123"}})
		wantPage(t, "list-objects[/]", v1("/"), listPage{Name: b, Prefix: "test/", Delimiter: "/", EncodingType: "url", MaxKeys: 1, CommonPrefixes: []string{"test/foo/"}})
		wantPage(t, "list-objects[%2F]", v1("%2F"), listPage{Name: b, Prefix: "test/", Delimiter: "%252F", EncodingType: "url", MaxKeys: 1, Keys: []string{"test/foo/bar/123"}})
		resp, err = http.Get(env.URL + "/" + b + "?prefix=test&delimiter=%2F")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		body = regexp.MustCompile(`>\s+<`).ReplaceAll(body, []byte("><"))
		if resp.StatusCode != 200 || strings.Contains(string(body), "EncodingType") || !strings.Contains(string(body), "<Prefix>test</Prefix>") ||
			!strings.Contains(string(body), "<CommonPrefixes><Prefix>test/</Prefix></CommonPrefixes>") || !strings.Contains(string(body), "<Delimiter>/</Delimiter>") ||
			!strings.Contains(string(body), "<MaxKeys>1000</MaxKeys>") || strings.Contains(string(body), "<Contents>") {
			t.Fatalf("list-objects-no-encoding: %d %s", resp.StatusCode, body)
		}
	})
}

// Recordings: test_list_ops_encoding_type_validation[list_objects_v2],
// [list_objects], [list_object_versions] and [list_multipart_uploads]
// (validated 2026-02-21): an encoding-type other than url, or an empty
// one, is refused with 400 InvalidArgument "Invalid Encoding Method
// specified in Request", ArgumentName encoding-type and ArgumentValue the
// value given (empty).
func TestRecordedS3ListEncodingTypeValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const b, msg = "deliveries", "Invalid Encoding Method specified in Request"
	if _, err := env.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	ops := []struct {
		name, query string
		call        func(enc types.EncodingType) error
	}{
		{"list_objects_v2", "list-type=2&", func(enc types.EncodingType) error {
			_, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), EncodingType: enc})
			return err
		}},
		{"list_objects", "", func(enc types.EncodingType) error {
			_, err := env.S3.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), EncodingType: enc})
			return err
		}},
		{"list_object_versions", "versions&", func(enc types.EncodingType) error {
			_, err := env.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b), EncodingType: enc})
			return err
		}},
		{"list_multipart_uploads", "uploads&", func(enc types.EncodingType) error {
			_, err := env.S3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b), EncodingType: enc})
			return err
		}},
	}
	for _, op := range ops {
		err := op.call("value")
		status, got := s3ErrorElements(t, env, http.MethodGet, "/"+b+"?"+op.query+"encoding-type=value", nil)
		wantS3Error(t, err, 400, "InvalidArgument", msg, got, status, "ArgumentName", "encoding-type", "ArgumentValue", "value")
		// The SDK does not send an empty encoding-type; boto3 does.
		status, got = s3ErrorElements(t, env, http.MethodGet, "/"+b+"?"+op.query+"encoding-type=", nil)
		if status != 400 || got["Code"] != "InvalidArgument" || got["Message"] != msg || got["ArgumentName"] != "encoding-type" || got["ArgumentValue"] != "" {
			t.Fatalf("%s-error-empty-value: %d %v; recorded 400 InvalidArgument %q encoding-type", op.name, status, got, msg)
		}
	}
}
