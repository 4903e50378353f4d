package integration_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// Replays of S3 answers recorded from AWS, from localstack/localstack's
// tests/aws/services/s3/test_s3.py and test_s3_api.py, their snapshots
// (test_s3.snapshot.json, test_s3_api.snapshot.json) and validation dates
// (*.validation.json). Each test sends the recorded request through the
// SDK for Go, and checks the error's extra element (BucketName, Key),
// which the SDK does not surface, in the same answer read raw.

// s3ErrorElements sends one S3 request as it is and returns its status and
// the elements of its <Error> document.
func s3ErrorElements(t *testing.T, env *emulatortest.Env, method, path string, header map[string]string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	elems := map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var name string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.StartElement:
			name = x.Name.Local
		case xml.CharData:
			if name != "" && name != "Error" {
				elems[name] = string(x)
			}
		case xml.EndElement:
			name = ""
		}
	}
	return resp.StatusCode, elems
}

// wantS3Error checks an SDK error's code, message and status, and the raw
// answer's elements.
func wantS3Error(t *testing.T, err error, status int, code, msg string, got map[string]string, rawStatus int, extra ...string) {
	t.Helper()
	wantExactError(t, err, code, msg)
	wantStatus(t, err, status)
	if rawStatus != status || got["Code"] != code || got["Message"] != msg {
		t.Fatalf("raw answer %d %v, recorded %d %s %q", rawStatus, got, status, code, msg)
	}
	for i := 0; i < len(extra); i += 2 {
		if got[extra[i]] != extra[i+1] {
			t.Fatalf("raw answer %v: %s %q, recorded %q", got, extra[i], got[extra[i]], extra[i+1])
		}
	}
}

// Recordings: test_get_object_no_such_bucket, test_delete_bucket_no_such_bucket
// and test_bucket_does_not_exist (validated 2026-02-21): GetObject,
// DeleteBucket and ListObjects of a bucket that does not exist answer 404
// NoSuchBucket "The specified bucket does not exist" with <BucketName>.
func TestRecordedS3NoSuchBucket(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const b = "does-not-exist-localstack-test"
	_, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("foobar")})
	status, got := s3ErrorElements(t, env, http.MethodGet, "/"+b+"/foobar", nil)
	wantS3Error(t, err, 404, "NoSuchBucket", "The specified bucket does not exist", got, status, "BucketName", b)

	_, err = env.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	status, got = s3ErrorElements(t, env, http.MethodDelete, "/"+b, nil)
	wantS3Error(t, err, 404, "NoSuchBucket", "The specified bucket does not exist", got, status, "BucketName", b)

	_, err = env.S3.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b)})
	status, got = s3ErrorElements(t, env, http.MethodGet, "/"+b, nil)
	wantS3Error(t, err, 404, "NoSuchBucket", "The specified bucket does not exist", got, status, "BucketName", b)
}

// Recording: test_create_bucket_with_existing_name (validated 2026-02-21):
// creating a bucket one already owns answers 409 BucketAlreadyOwnedByYou
// "Your previous request to create the named bucket succeeded and you
// already own it." with <BucketName>, whatever the LocationConstraint.
func TestRecordedS3BucketAlreadyOwnedByYou(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const b = "bucket-owned"
	create := func(region string) error {
		_, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}})
		return err
	}
	if err := create("us-west-1"); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"us-west-1", "us-east-2"} {
		err := create(region)
		status, got := s3ErrorElements(t, env, http.MethodPut, "/"+b, nil)
		wantS3Error(t, err, 409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.",
			got, status, "BucketName", b)
	}
}

// Recordings: test_range_key_not_exists and test_s3_copy_object_src_not_exists
// (validated 2026-02-21): a GetObject (with a Range) of a missing key, and
// a CopyObject from one, answer 404 NoSuchKey "The specified key does not
// exist." with <Key>; a CopyObject from a missing bucket answers
// NoSuchBucket with the source's <BucketName>.
func TestRecordedS3NoSuchKey(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	_, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("my-key"), Range: aws.String("bytes=0-1")})
	status, got := s3ErrorElements(t, env, http.MethodGet, "/deliveries/my-key", map[string]string{"Range": "bytes=0-1"})
	wantS3Error(t, err, 404, "NoSuchKey", "The specified key does not exist.", got, status, "Key", "my-key")

	_, err = env.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("dest"), CopySource: aws.String("deliveries/random-src-key")})
	status, got = s3ErrorElements(t, env, http.MethodPut, "/deliveries/dest", map[string]string{"X-Amz-Copy-Source": "deliveries/random-src-key"})
	wantS3Error(t, err, 404, "NoSuchKey", "The specified key does not exist.", got, status, "Key", "random-src-key")

	_, err = env.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("dest"), CopySource: aws.String("no-such-src-bucket/random-src-key")})
	status, got = s3ErrorElements(t, env, http.MethodPut, "/deliveries/dest", map[string]string{"X-Amz-Copy-Source": "no-such-src-bucket/random-src-key"})
	wantS3Error(t, err, 404, "NoSuchBucket", "The specified bucket does not exist", got, status, "BucketName", "no-such-src-bucket")
}

// Recording: test_delete_bucket_with_objects (validated 2026-02-21):
// DeleteBucket of a bucket with an object answers 409 BucketNotEmpty "The
// bucket you tried to delete is not empty" with <BucketName>; DeleteObject
// answers 204, and DeleteBucket then 204.
func TestRecordedS3BucketNotEmpty(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const b = "with-objects"
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("test-delete"), Body: strings.NewReader("test-delete")}); err != nil {
		t.Fatal(err)
	}
	_, err := env.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	status, got := s3ErrorElements(t, env, http.MethodDelete, "/"+b, nil)
	wantS3Error(t, err, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty", got, status, "BucketName", b)
	if _, err := env.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("test-delete")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatalf("delete-bucket: %v, recorded 204", err)
	}
}

// Recording: test_s3.py::TestS3::test_s3_uppercase_bucket_name
// (localstack/localstack tests/aws/services/s3/test_s3.snapshot.json,
// validated 2026-02-21): creating a bucket whose name has upper-case
// letters answers 400 InvalidBucketName "The specified bucket is not
// valid." with the name in <BucketName>. A name too short gets the same.
func TestRecordedS3InvalidBucketName(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	for _, b := range []string{"TESTUPPERCASE-a1b2c3", "ab"} {
		_, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		status, got := s3ErrorElements(t, env, http.MethodPut, "/"+b, nil)
		wantS3Error(t, err, 400, "InvalidBucketName", "The specified bucket is not valid.", got, status, "BucketName", b)
	}
}

// Recordings: test_delete_object and test_delete_objects (validated
// 2026-02-21): deleting an object that is not there answers 204; a
// DeleteObjects of one object and two missing keys lists all three as
// Deleted, with no Errors.
func TestRecordedS3DeleteMissingObjects(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const b = "deliveries"
	if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("test-delete"), Body: strings.NewReader("test-delete")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := env.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("test-delete")}); err != nil {
			t.Fatalf("delete-object: %v, recorded 204 both times", err)
		}
	}
	if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("test-delete"), Body: strings.NewReader("test-delete")}); err != nil {
		t.Fatal(err)
	}
	out, err := env.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("test-delete")}, {Key: aws.String("c-wrong-key")}, {Key: aws.String("a-wrong-key")}}}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range out.Deleted {
		keys = append(keys, aws.ToString(d.Key))
	}
	if len(out.Errors) != 0 || strings.Join(slices.Sorted(slices.Values(keys)), ",") != "a-wrong-key,c-wrong-key,test-delete" {
		t.Fatalf("DeleteObjects: Deleted %v, Errors %+v; recorded all three deleted", keys, out.Errors)
	}
}
