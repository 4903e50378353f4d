package integration_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
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
// the tokens are first seen.
type tokenMask map[string]string

func (m tokenMask) mask(tok *string) string {
	if tok == nil {
		return ""
	}
	if *tok == "" {
		return "<empty>"
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
	return listPage{
		Name: aws.ToString(out.Name), Prefix: aws.ToString(out.Prefix), Delimiter: aws.ToString(out.Delimiter),
		EncodingType: string(out.EncodingType), StartAfter: aws.ToString(out.StartAfter),
		ContinuationToken: m.mask(out.ContinuationToken), NextToken: m.mask(out.NextContinuationToken),
		MaxKeys: aws.ToInt32(out.MaxKeys), KeyCount: aws.ToInt32(out.KeyCount), IsTruncated: aws.ToBool(out.IsTruncated),
		Keys: checkListedObjects(t, "ListObjectsV2", out.Contents), CommonPrefixes: prefixesOf(out.CommonPrefixes),
	}
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
