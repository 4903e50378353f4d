package integration_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Replays of the object fields S3 answered in localstack/localstack's
// tests/aws/services/s3/test_s3.py, as recorded in test_s3.snapshot.json
// (validation dates from test_s3.validation.json): every object is
// encrypted (ServerSideEncryption AES256 unless the upload asked for
// SSE-KMS), and an object of a bucket that never had versioning has no
// VersionId. Each runs against the in-memory store and --data-dir.

// s3Stores are the two stores of the built-in S3.
func s3Stores(t *testing.T, test func(t *testing.T, cfg emulator.Config)) {
	t.Run("memory", func(t *testing.T) { test(t, emulator.Config{}) })
	t.Run("data-dir", func(t *testing.T) { test(t, emulator.Config{DataDir: t.TempDir()}) })
}

// Recording: test_head_object_fields (validated 2026-02-21): HeadObject of
// an 8-byte object put without any header answers AcceptRanges bytes,
// ContentLength 8, ContentType binary/octet-stream, its ETag,
// LastModified, no Metadata and ServerSideEncryption AES256, and no
// VersionId; HeadObject of a missing key answers 404 with no body.
func TestRecordedS3HeadObjectFields(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const b = "deliveries"
		// Put as boto3 does, with no Content-Type (the SDK for Go sends
		// application/octet-stream when given none) and a CRC32.
		resp := rawPut(t, env.URL+"/"+b+"/my-key", "abcdefgh", map[string]string{"X-Amz-Checksum-Crc32": "ru8qUA=="})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" || resp.Header.Get("X-Amz-Version-Id") != "" {
			t.Fatalf("put-object: %d %v; want 200, AES256 and no version id", resp.StatusCode, resp.Header)
		}
		head, err := env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("my-key")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(head.AcceptRanges) != "bytes" || aws.ToInt64(head.ContentLength) != 8 ||
			aws.ToString(head.ContentType) != "binary/octet-stream" ||
			aws.ToString(head.ETag) != `"e8dc4081b13434b45189a720b77b6818"` || head.LastModified == nil || len(head.Metadata) != 0 {
			t.Fatalf("head-object: AcceptRanges %q ContentLength %d ContentType %q ETag %s LastModified %v Metadata %v",
				aws.ToString(head.AcceptRanges), aws.ToInt64(head.ContentLength), aws.ToString(head.ContentType),
				aws.ToString(head.ETag), head.LastModified, head.Metadata)
		}
		if head.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Fatalf("head-object: ServerSideEncryption %q, recorded AES256", head.ServerSideEncryption)
		}
		if head.VersionId != nil {
			t.Fatalf("head-object: VersionId %q, recorded none (the bucket never had versioning)", *head.VersionId)
		}
		if head.ChecksumCRC32 != nil || head.ChecksumType != "" {
			t.Fatalf("head-object: ChecksumCRC32 %q ChecksumType %q, recorded none (not asked for with ChecksumMode)", aws.ToString(head.ChecksumCRC32), head.ChecksumType)
		}

		_, err = env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("doesnotexist")})
		var nf *types.NotFound
		if !errors.As(err, &nf) {
			t.Fatalf("head-object-404: %v, recorded 404 Not Found", err)
		}
		wantStatus(t, err, http.StatusNotFound)
		resp, err = http.Head(env.URL + "/" + b + "/doesnotexist")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amz-Server-Side-Encryption") != "" {
			t.Fatalf("head-object-404 raw: %d %v", resp.StatusCode, resp.Header)
		}
	})
}

// Recording: test_put_and_get_object_with_utf8_key (validated 2026-02-21):
// PutObject of "abc123" under the key "Ā0Ä" with a CRC32 (as boto3 sends
// one) answers its ETag, ChecksumCRC32, ChecksumType FULL_OBJECT and
// ServerSideEncryption AES256; GetObject (asking for checksums, as boto3
// does) answers the body, ContentLength 6, the same ETag and checksum,
// ChecksumType FULL_OBJECT and ServerSideEncryption AES256. Neither has a
// VersionId.
// (The recorded ContentType, binary/octet-stream, is that of an object put
// without one, as boto3 does; the SDK for Go sends application/octet-stream,
// which S3 stores.)
func TestRecordedS3PutGetObjectEncrypted(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const b, key, etag, crc = "deliveries", "Ā0Ä", `"e99a18c428cb38d5f260853678922e03"`, "zwK7XA=="
		put, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader("abc123"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(put.ETag) != etag || put.ServerSideEncryption != types.ServerSideEncryptionAes256 || put.VersionId != nil {
			t.Fatalf("put-object: ETag %s ServerSideEncryption %q VersionId %v; recorded %s, AES256, none",
				aws.ToString(put.ETag), put.ServerSideEncryption, aws.ToString(put.VersionId), etag)
		}
		if aws.ToString(put.ChecksumCRC32) != crc || put.ChecksumType != types.ChecksumTypeFullObject {
			t.Fatalf("put-object: ChecksumCRC32 %q ChecksumType %q; recorded %s FULL_OBJECT", aws.ToString(put.ChecksumCRC32), put.ChecksumType, crc)
		}
		get, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(get.Body)
		get.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != "abc123" || aws.ToInt64(get.ContentLength) != 6 || aws.ToString(get.ContentType) != "application/octet-stream" ||
			aws.ToString(get.ETag) != etag || aws.ToString(get.AcceptRanges) != "bytes" || len(get.Metadata) != 0 {
			t.Fatalf("get-object: %q ContentLength %d ContentType %q ETag %s AcceptRanges %q Metadata %v", body,
				aws.ToInt64(get.ContentLength), aws.ToString(get.ContentType), aws.ToString(get.ETag), aws.ToString(get.AcceptRanges), get.Metadata)
		}
		if aws.ToString(get.ChecksumCRC32) != crc || get.ChecksumType != types.ChecksumTypeFullObject {
			t.Fatalf("get-object: ChecksumCRC32 %q ChecksumType %q; recorded %s FULL_OBJECT", aws.ToString(get.ChecksumCRC32), get.ChecksumType, crc)
		}
		if get.ServerSideEncryption != types.ServerSideEncryptionAes256 || get.VersionId != nil {
			t.Fatalf("get-object: ServerSideEncryption %q VersionId %v; recorded AES256 and none", get.ServerSideEncryption, aws.ToString(get.VersionId))
		}
	})
}

// Recording: test_s3_sse_validate_kms_key_state (validated 2026-02-21):
// PutObject with ServerSideEncryption aws:kms and a KMS key answers
// aws:kms and SSEKMSKeyId, and so does GetObject of the object (S3 answers
// the key's ARN; the built-in S3, which has no KMS, answers the key id as
// it was given, here an ARN). HeadObject answers the same. Overwriting the
// object without SSE headers makes it AES256 again.
func TestRecordedS3PutGetObjectKMS(t *testing.T) {
	s3Stores(t, func(t *testing.T, cfg emulator.Config) {
		env := newEnv(t, cfg)
		ctx := context.Background()
		const b, key = "deliveries", "put-object-with-sse"
		const arn = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		put, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader("test-sse"),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if put.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != arn {
			t.Fatalf("success-put-object-sse: ServerSideEncryption %q SSEKMSKeyId %q; recorded aws:kms and the key", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId))
		}
		get, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		if get.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(get.SSEKMSKeyId) != arn {
			t.Fatalf("success-get-object-sse: ServerSideEncryption %q SSEKMSKeyId %q; recorded aws:kms and the key", get.ServerSideEncryption, aws.ToString(get.SSEKMSKeyId))
		}
		head, err := env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if head.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != arn {
			t.Fatalf("head-object: ServerSideEncryption %q SSEKMSKeyId %q", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
		}

		if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader("plain")}); err != nil {
			t.Fatal(err)
		}
		head, err = env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if head.ServerSideEncryption != types.ServerSideEncryptionAes256 || head.SSEKMSKeyId != nil {
			t.Fatalf("head-object after overwrite: ServerSideEncryption %q SSEKMSKeyId %v; want AES256 and none", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
		}
	})
}

// A bucket whose versioning is enabled answers the object's VersionId on
// PutObject, HeadObject and GetObject (S3's documentation of these
// operations); with versioning never enabled none of them has one (the
// recordings above). Versioning is not available with --data-dir.
func TestS3VersionIdOnlyWithVersioning(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	versions := func(b string) (put, head, get string) {
		t.Helper()
		p, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("v")})
		if err != nil {
			t.Fatal(err)
		}
		h, err := env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		g, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		g.Body.Close()
		return aws.ToString(p.VersionId), aws.ToString(h.VersionId), aws.ToString(g.VersionId)
	}
	if p, h, g := versions("deliveries"); p != "" || h != "" || g != "" {
		t.Fatalf("never versioned: VersionId put %q head %q get %q, want none", p, h, g)
	}
	cp, err := env.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("copy"), CopySource: aws.String("deliveries/k")})
	if err != nil {
		t.Fatal(err)
	}
	if cp.VersionId != nil || cp.CopySourceVersionId != nil {
		t.Fatalf("never versioned: CopyObject VersionId %v CopySourceVersionId %v, want none", aws.ToString(cp.VersionId), aws.ToString(cp.CopySourceVersionId))
	}

	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("versioned")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if p, h, g := versions("versioned"); p == "" || h != p || g != p {
		t.Fatalf("versioning enabled: VersionId put %q head %q get %q, want the same one", p, h, g)
	}
}

// rawPut puts body at url with only the headers given (the SDK for Go would
// add a Content-Type, which boto3, the recordings' client, does not send),
// and returns the answer, its body closed.
func rawPut(t *testing.T, url, body string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
