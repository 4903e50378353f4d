package integration_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Replays of keys with special characters, as recorded from S3 in
// localstack/localstack's tests/aws/services/s3/test_s3.py
// (test_s3.snapshot.json, validation dates from test_s3.validation.json).

// quoteCopySource encodes bucket/key for x-amz-copy-source as boto3 does
// (urllib's quote, "/" left as is: a space is %20, a + is %2B).
func quoteCopySource(bucket, key string) string {
	q := strings.ReplaceAll(url.QueryEscape(key), "+", "%20")
	return bucket + "/" + strings.ReplaceAll(q, "%2F", "/")
}

// Recordings: test_put_get_object_special_character[file%2Fname],
// [test@key/], [test%123], [test%percent], [test key/], [test key//],
// [test%123/] and [a/%F0%9F%98%80/] (validated 2026-02-21): each key
// stores "test" (ETag "098f6bcd4621d373cade4e832627b4f6"), is listed
// (encoding-type=url, decoded as boto3 decodes it) as it was put, is read
// back as stored, and is deleted with 204.
// (The recorded ContentType, binary/octet-stream, is that of an object put
// without one, as boto3 does; the SDK for Go sends application/octet-stream,
// which S3 stores.)
func TestRecordedS3SpecialCharacterKeys(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const b, etag = "deliveries", `"098f6bcd4621d373cade4e832627b4f6"`
		for _, key := range []string{"file%2Fname", "test@key/", "test%123", "test%percent", "test key/", "test key//", "test%123/", "a/%F0%9F%98%80/"} {
			put, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader("test")})
			if err != nil {
				t.Fatalf("put-object-special-char %q: %v", key, err)
			}
			if aws.ToString(put.ETag) != etag || put.ServerSideEncryption != types.ServerSideEncryptionAes256 {
				t.Fatalf("put-object-special-char %q: ETag %s ServerSideEncryption %q; recorded %s AES256", key, aws.ToString(put.ETag), put.ServerSideEncryption, etag)
			}
			list, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), EncodingType: types.EncodingTypeUrl})
			if err != nil {
				t.Fatal(err)
			}
			page := v2Page(t, list, nil, true)
			if len(list.Contents) != 1 || page.Keys[0] != key || page.KeyCount != 1 || page.EncodingType != "url" ||
				aws.ToString(list.Contents[0].ETag) != etag || aws.ToInt64(list.Contents[0].Size) != 4 || list.Contents[0].StorageClass != types.ObjectStorageClassStandard {
				t.Fatalf("list-object-special-char %q: %+v", key, page)
			}
			get, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("get-object-special-char %q: %v", key, err)
			}
			body, _ := io.ReadAll(get.Body)
			get.Body.Close()
			if string(body) != "test" || aws.ToInt64(get.ContentLength) != 4 || aws.ToString(get.ETag) != etag ||
				aws.ToString(get.ContentType) != "application/octet-stream" || len(get.Metadata) != 0 || get.ServerSideEncryption != types.ServerSideEncryptionAes256 {
				t.Fatalf("get-object-special-char %q: %q ContentLength %d ETag %s ContentType %q Metadata %v SSE %q", key, body,
					aws.ToInt64(get.ContentLength), aws.ToString(get.ETag), aws.ToString(get.ContentType), get.Metadata, get.ServerSideEncryption)
			}
			if _, err := env.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(key)}); err != nil {
				t.Fatalf("del-object-special-char %q: %v", key, err)
			}
		}
	})
}

// Recordings: test_copy_object_special_character (validated 2026-02-21):
// each key copied to another bucket (its copy source quoted as boto3
// quotes it) answers the source's ETag, and the destination lists the six
// keys as they were put; test_copy_object_special_character_plus_for_space
// (validated 2026-02-21): a copy source sent with "/" as %2F and the
// key's space as "+" names the key with the space.
func TestRecordedS3CopySpecialCharacterKeys(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const src, dst, etag = "deliveries", "dest", `"098f6bcd4621d373cade4e832627b4f6"`
		if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(dst)}); err != nil {
			t.Fatal(err)
		}
		keys := []string{"file%2Fname", "test@key/", "test key/", "test key//", "a/%F0%9F%98%80/", "test+key"}
		for _, key := range keys {
			if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(src), Key: aws.String(key), Body: strings.NewReader("test")}); err != nil {
				t.Fatal(err)
			}
			cp, err := env.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(dst), Key: aws.String(key), CopySource: aws.String(quoteCopySource(src, key))})
			if err != nil {
				t.Fatalf("copy-object-special-char-%s: %v", key, err)
			}
			if cp.CopyObjectResult == nil || aws.ToString(cp.CopyObjectResult.ETag) != etag || cp.CopyObjectResult.LastModified == nil {
				t.Fatalf("copy-object-special-char-%s: %+v; recorded ETag %s", key, cp.CopyObjectResult, etag)
			}
		}
		list, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(dst), EncodingType: types.EncodingTypeUrl})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, "list-object-copy-dest-special-char", v2Page(t, list, nil, true), listPage{Name: dst, EncodingType: "url", KeyCount: 6, MaxKeys: 1000,
			Keys: []string{"a/%F0%9F%98%80/", "file%2Fname", "test key/", "test key//", "test+key", "test@key/"}})

		if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(src), Key: aws.String("test key.txt"), Body: strings.NewReader("test-body")}); err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPut, env.URL+"/"+src+"/dest-key", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Copy-Source", src+"%2Ftest+key.txt")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("copy with + for space: %d, recorded ok", resp.StatusCode)
		}
		if _, err := env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(src), Key: aws.String("dest-key")}); err != nil {
			t.Fatalf("head-object of the copy: %v, recorded 200", err)
		}
	})
}
