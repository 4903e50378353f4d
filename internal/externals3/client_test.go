package externals3_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/externals3"
)

// The client against a store that checks every signature (firehose-local
// with --auth sigv4), read back with the AWS SDK's S3 client.
func TestPutAndGetSigned(t *testing.T) {
	store := emulatortest.New(t, emulator.Config{Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	ctx := context.Background()
	if _, err := store.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
	c, err := externals3.New(store.URL, "us-east-1", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	// Keys as partitioning and prefixes make them: spaces, '=', '+', '%',
	// non-ASCII, a doubled slash.
	for _, key := range []string{"plain/2026/12/06/x", "customer=a b+c%d/ünïcode/x", "a//b", "~tilde_-.x"} {
		body := []byte("data of " + key)
		if err := c.PutObject(ctx, "deliveries", key, body, externals3.Object{ContentType: "application/octet-stream", ContentEncoding: "gzip"}); err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
		head, err := store.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("deliveries"), Key: aws.String(key)})
		if err != nil || aws.ToString(head.ContentEncoding) != "gzip" || aws.ToString(head.ContentType) != "application/octet-stream" || aws.ToInt64(head.ContentLength) != int64(len(body)) {
			t.Fatalf("HeadObject %q through the SDK: %+v, %v", key, head, err)
		}
		got, err := c.GetObject(ctx, "deliveries", key)
		if err != nil || string(got) != string(body) {
			t.Fatalf("GetObject %q = %q, %v", key, got, err)
		}
	}
	// A KMSEncryptionConfig's key is passed on as SSE-KMS.
	const keyARN = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if err := c.PutObject(ctx, "deliveries", "kms", []byte("x"), externals3.Object{KMSKeyARN: keyARN}); err != nil {
		t.Fatal(err)
	}
	head, err := store.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("kms")})
	if err != nil || head.ServerSideEncryption != "aws:kms" || aws.ToString(head.SSEKMSKeyId) != keyARN {
		t.Fatalf("HeadObject of an SSE-KMS object: %+v, %v", head, err)
	}
	// Errors carry S3's code and message, as the SDK's do.
	_, err = c.GetObject(ctx, "deliveries", "missing")
	wantS3Error(t, err, "NoSuchKey", 404)
	err = c.PutObject(ctx, "no-such-bucket", "k", []byte("x"), externals3.Object{})
	wantS3Error(t, err, "NoSuchBucket", 404)
	if !strings.Contains(err.Error(), "The specified bucket does not exist") {
		t.Fatalf("err = %q, want S3's message", err)
	}
	env["AWS_SECRET_ACCESS_KEY"] = "wrong"
	bad, err := externals3.New(store.URL, "us-east-1", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	err = bad.PutObject(ctx, "deliveries", "k", []byte("x"), externals3.Object{})
	wantS3Error(t, err, "SignatureDoesNotMatch", 403)
}

func wantS3Error(t *testing.T, err error, code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	var e *externals3.Error
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || !errors.As(err, &e) || e.Status != status {
		t.Fatalf("err = %v, want S3 %s (HTTP %d)", err, code, status)
	}
	if !strings.Contains(err.Error(), code) {
		t.Fatalf("err = %q does not name %s", err, code)
	}
}

func TestNewRefusesABadEndpoint(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}[k]
	}
	for _, u := range []string{"ftp://x", "localhost:9000", "http://"} {
		if _, err := externals3.New(u, "us-east-1", env); err == nil {
			t.Fatalf("New(%q) accepted", u)
		}
	}
}
