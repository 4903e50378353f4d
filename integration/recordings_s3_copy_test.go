package integration_test

import (
	"context"
	stdmaps "maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Replays of CopyObject as recorded from S3 in localstack/localstack's
// tests/aws/services/s3/test_s3.py (test_s3.snapshot.json, validation
// dates from test_s3.validation.json): the metadata directive COPY (the
// default) keeps the source's metadata and Content-Type and ignores those
// sent; REPLACE takes exactly those sent (none: no metadata, and
// binary/octet-stream). ContentLanguage, which the recordings also set, is
// not stored by the built-in S3 (docs/differences.md) and is not compared.

type headFields struct {
	ContentType string
	Length      int64
	ETag        string
	Metadata    map[string]string
}

func headOf(t *testing.T, c *s3.Client, b, key string) headFields {
	t.Helper()
	h, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	if h.ServerSideEncryption != types.ServerSideEncryptionAes256 || aws.ToString(h.AcceptRanges) != "bytes" || h.LastModified == nil {
		t.Fatalf("HeadObject %s: ServerSideEncryption %q AcceptRanges %q LastModified %v; recorded AES256, bytes, a date",
			key, h.ServerSideEncryption, aws.ToString(h.AcceptRanges), h.LastModified)
	}
	return headFields{aws.ToString(h.ContentType), aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), stdmaps.Clone(h.Metadata)}
}

func wantHead(t *testing.T, name string, got, want headFields) {
	t.Helper()
	if got.ContentType != want.ContentType || got.Length != want.Length || got.ETag != want.ETag || !stdmaps.Equal(got.Metadata, want.Metadata) {
		t.Fatalf("%s:\n got      %+v\n recorded %+v", name, got, want)
	}
}

// copyObject copies and checks the recorded CopyObjectResult: the
// source's ETag and a LastModified.
func copyObject(t *testing.T, c *s3.Client, name string, in *s3.CopyObjectInput, etag string) {
	t.Helper()
	out, err := c.CopyObject(context.Background(), in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if out.CopyObjectResult == nil || aws.ToString(out.CopyObjectResult.ETag) != etag || out.CopyObjectResult.LastModified == nil {
		t.Fatalf("%s: CopyObjectResult %+v; recorded ETag %s and a LastModified", name, out.CopyObjectResult, etag)
	}
}

const jsonETag = `"88bac95f31528d13a072c05f2a1cf371"` // of {"key": "value"}

func putJSONSource(t *testing.T, c *s3.Client, b string) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("source-object"),
		Body: strings.NewReader(`{"key": "value"}`), ContentType: aws.String("application/json"), Metadata: map[string]string{"key": "value"}}); err != nil {
		t.Fatal(err)
	}
	wantHead(t, "head_object", headOf(t, c, b, "source-object"), headFields{"application/json", 16, jsonETag, map[string]string{"key": "value"}})
}

// Recording: test_s3_copy_metadata_replace (validated 2026-02-21): a copy
// with MetadataDirective REPLACE, Metadata another-key and ContentType
// image/jpg has exactly those.
func TestRecordedS3CopyMetadataReplace(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		putJSONSource(t, env.S3, b)
		copyObject(t, env.S3, "copy_object", &s3.CopyObjectInput{Bucket: aws.String(b), CopySource: aws.String(b + "/source-object"), Key: aws.String("source-object-copy"),
			Metadata: map[string]string{"another-key": "value"}, ContentType: aws.String("image/jpg"), MetadataDirective: types.MetadataDirectiveReplace}, jsonETag)
		wantHead(t, "head_object_copy", headOf(t, env.S3, b, "source-object-copy"), headFields{"image/jpg", 16, jsonETag, map[string]string{"another-key": "value"}})
	})
}

// Recordings: test_s3_copy_metadata_directive_copy (validated 2026-02-21)
// and test_s3_copy_content_type_and_metadata (validated 2026-02-21): a copy
// with MetadataDirective COPY, or none, keeps the source's Metadata and
// ContentType, whatever Metadata and ContentType it sends.
func TestRecordedS3CopyMetadataDirectiveCopy(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b = "deliveries"
		// test_s3_copy_metadata_directive_copy: "test", no ContentType.
		rawPut(t, env.URL+"/"+b+"/test-object", "test", map[string]string{"X-Amz-Meta-Key": "value"})
		const testETag = `"098f6bcd4621d373cade4e832627b4f6"`
		wantHead(t, "head-object", headOf(t, env.S3, b, "test-object"), headFields{"binary/octet-stream", 4, testETag, map[string]string{"key": "value"}})
		copyObject(t, env.S3, "copy-object", &s3.CopyObjectInput{Bucket: aws.String(b), CopySource: aws.String(b + "/test-object"), Key: aws.String("test-object-copy"),
			Metadata: map[string]string{"another-key": "value"}, ContentType: aws.String("image/jpg"), MetadataDirective: types.MetadataDirectiveCopy}, testETag)
		wantHead(t, "head-object-copy", headOf(t, env.S3, b, "test-object-copy"), headFields{"binary/octet-stream", 4, testETag, map[string]string{"key": "value"}})

		// test_s3_copy_content_type_and_metadata.
		putJSONSource(t, env.S3, b)
		copyObject(t, env.S3, "copy_object", &s3.CopyObjectInput{Bucket: aws.String(b), CopySource: aws.String(b + "/source-object"), Key: aws.String("source-object-copy")}, jsonETag)
		wantHead(t, "head_object_copy", headOf(t, env.S3, b, "source-object-copy"), headFields{"application/json", 16, jsonETag, map[string]string{"key": "value"}})
		copyObject(t, env.S3, "copy_object_second", &s3.CopyObjectInput{Bucket: aws.String(b), CopySource: aws.String(b + "/source-object"), Key: aws.String("source-object-second-copy"),
			Metadata: map[string]string{"another-key": "value"}, ContentType: aws.String("application/javascript")}, jsonETag)
		wantHead(t, "head_object_second_copy", headOf(t, env.S3, b, "source-object-second-copy"), headFields{"application/json", 16, jsonETag, map[string]string{"key": "value"}})
	})
}

// Recording: test_s3_copy_object_in_place_metadata_directive (validated
// 2026-02-21): copying an object onto itself without REPLACE (nor a new
// storage class) is refused with 400 InvalidRequest; with REPLACE it takes
// the metadata sent and, sent no ContentType, binary/octet-stream; COPY
// with StorageClass STANDARD keeps it, ignoring Metadata sent; REPLACE with
// nothing sent leaves no metadata.
func TestRecordedS3CopyInPlaceMetadataDirective(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		const b, key = "deliveries", "source-object"
		putJSONSource(t, env.S3, b)
		in := func() *s3.CopyObjectInput {
			return &s3.CopyObjectInput{Bucket: aws.String(b), CopySource: aws.String(b + "/" + key), Key: aws.String(key)}
		}
		i := in()
		i.Metadata = map[string]string{"key": "value"}
		_, err := env.S3.CopyObject(context.Background(), i)
		wantExactError(t, err, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		wantStatus(t, err, 400)

		i = in()
		i.Metadata, i.MetadataDirective = map[string]string{"key2": "value2"}, types.MetadataDirectiveReplace
		copyObject(t, env.S3, "copy-replace-directive", i, jsonETag)
		wantHead(t, "head-replace-directive", headOf(t, env.S3, b, key), headFields{"binary/octet-stream", 16, jsonETag, map[string]string{"key2": "value2"}})

		i = in()
		i.MetadataDirective, i.StorageClass = types.MetadataDirectiveCopy, types.StorageClassStandard
		copyObject(t, env.S3, "copy-copy-directive", i, jsonETag)
		wantHead(t, "head-copy-directive", headOf(t, env.S3, b, key), headFields{"binary/octet-stream", 16, jsonETag, map[string]string{"key2": "value2"}})

		i = in()
		i.MetadataDirective, i.StorageClass, i.Metadata = types.MetadataDirectiveCopy, types.StorageClassStandard, map[string]string{"key3": "value3"}
		copyObject(t, env.S3, "copy-copy-directive-ignore", i, jsonETag)
		wantHead(t, "head-copy-directive-ignore", headOf(t, env.S3, b, key), headFields{"binary/octet-stream", 16, jsonETag, map[string]string{"key2": "value2"}})

		i = in()
		i.MetadataDirective = types.MetadataDirectiveReplace
		copyObject(t, env.S3, "copy-replace-directive-empty", i, jsonETag)
		wantHead(t, "head-replace-directive-empty", headOf(t, env.S3, b, key), headFields{"binary/octet-stream", 16, jsonETag, map[string]string{}})
	})
}
