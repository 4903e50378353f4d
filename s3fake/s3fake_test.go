package s3fake_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/firehose-local/firehose-local/s3fake"
)

// backendCase is one storage backend of the conformance table.
type backendCase struct {
	name string
	opts func(t *testing.T) s3fake.Options
}

var backendCases = []backendCase{
	{"memory", func(t *testing.T) s3fake.Options { return s3fake.Options{} }},
	{"disk", func(t *testing.T) s3fake.Options { return s3fake.Options{DataDir: t.TempDir()} }},
}

// env is a running store with an SDK client talking to it over HTTP(S).
type env struct {
	s      *s3fake.S3
	srv    *httptest.Server
	client *s3.Client
}

// newStore creates a store that is closed at the end of the test.
func newStore(t *testing.T, opts s3fake.Options) *s3fake.S3 {
	t.Helper()
	s, err := s3fake.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newEnv serves a new store through h (nil: the store's own handler).
func newEnv(t *testing.T, opts s3fake.Options, tls bool, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	s := newStore(t, opts)
	var h http.Handler = s.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return &env{s: s, srv: srv, client: newClient(t, srv.URL, srv.Client(), true)}
}

// newClient returns an SDK client with default settings except for the
// endpoint, credentials and region. It is built without
// config.LoadDefaultConfig so that AWS_* variables of the environment do not
// leak in; the checksum settings are the SDK defaults that LoadDefaultConfig
// would apply. Any warning the SDK logs fails the test.
func newClient(t *testing.T, endpoint string, hc *http.Client, pathStyle bool) *s3.Client {
	t.Helper()
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", ""),
		HTTPClient:                 hc,
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               pathStyle,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		Logger: logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			if c == logging.Warn {
				t.Errorf("SDK warning: "+format, v...)
			}
		}),
	})
}

// forEachBackend runs test as a subtest for every backend.
func forEachBackend(t *testing.T, test func(t *testing.T, e *env)) {
	for _, bc := range backendCases {
		t.Run(bc.name, func(t *testing.T) {
			test(t, newEnv(t, bc.opts(t), false, nil))
		})
	}
}

func (e *env) createBucket(t *testing.T, bucket string) {
	t.Helper()
	if _, err := e.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
}

func (e *env) put(t *testing.T, bucket, key string, body []byte) {
	t.Helper()
	_, err := e.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
}

func (e *env) get(t *testing.T, bucket, key string) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := e.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s/%s: read body (checksum validation?): %v", bucket, key, err)
	}
	return out, body
}

func TestBuckets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "alpha")
		e.createBucket(t, "beta")
		out, err := e.client.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"alpha", "beta"}) {
			t.Errorf("buckets = %v", names)
		}
		if _, err := e.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")}); err != nil {
			t.Errorf("HeadBucket: %v", err)
		}
		// The Go helper is idempotent.
		if err := e.s.CreateBucket(ctx, "alpha"); err != nil {
			t.Errorf("CreateBucket existing: %v", err)
		}
	})
}

func TestPutGetObject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "data")
		small := []byte("hello\r\n0\r\n\r\n\x00\xff")
		large := randomBytes(3, 1<<20+17)
		odd := []byte("odd key")
		for name, body := range map[string][]byte{"small.bin": small, "dir/large.bin": large, "a b+c/%41/ü?#.txt": odd} {
			_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("data"), Key: aws.String(name), Body: bytes.NewReader(body),
				ContentType: aws.String("application/x-test"), ContentEncoding: aws.String("identity"),
				Metadata: map[string]string{"origin": "test"},
			})
			if err != nil {
				t.Fatalf("PutObject %s: %v", name, err)
			}
			out, got := e.get(t, "data", name)
			if !bytes.Equal(got, body) {
				t.Fatalf("%s: got %d bytes, want the %d bytes sent", name, len(got), len(body))
			}
			if aws.ToString(out.ContentType) != "application/x-test" || aws.ToString(out.ContentEncoding) != "identity" {
				t.Errorf("%s: ContentType %q ContentEncoding %q", name, aws.ToString(out.ContentType), aws.ToString(out.ContentEncoding))
			}
			if out.Metadata["origin"] != "test" {
				t.Errorf("%s: metadata %v", name, out.Metadata)
			}
			if aws.ToString(out.ChecksumCRC32) != sumBase64("crc32", body) {
				t.Errorf("%s: ChecksumCRC32 %q", name, aws.ToString(out.ChecksumCRC32))
			}

			head, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String(name)})
			if err != nil {
				t.Fatalf("HeadObject %s: %v", name, err)
			}
			if aws.ToInt64(head.ContentLength) != int64(len(body)) || aws.ToString(head.ContentType) != "application/x-test" ||
				aws.ToString(head.ContentEncoding) != "identity" || aws.ToString(head.ETag) == "" {
				t.Errorf("HeadObject %s: length %d type %q encoding %q etag %q", name, aws.ToInt64(head.ContentLength),
					aws.ToString(head.ContentType), aws.ToString(head.ContentEncoding), aws.ToString(head.ETag))
			}
		}

		// A ranged read must not carry the full-object checksum.
		out, err := e.client.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String("data"), Key: aws.String("dir/large.bin"), Range: aws.String("bytes=1000-2999"),
		})
		if err != nil {
			t.Fatalf("ranged GetObject: %v", err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, large[1000:3000]) {
			t.Fatalf("ranged GetObject: %d bytes, err %v", len(got), err)
		}
	})
}

func TestOverwriteReplacesMetadata(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "data")
		_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("data"), Key: aws.String("k"), Body: strings.NewReader("gz"),
			ContentType: aws.String("application/json"), ContentEncoding: aws.String("gzip"),
			Metadata: map[string]string{"old": "1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		e.put(t, "data", "k", []byte("plain"))
		out, body := e.get(t, "data", "k")
		if string(body) != "plain" || out.ContentEncoding != nil || len(out.Metadata) != 0 ||
			aws.ToString(out.ContentType) == "application/json" {
			t.Errorf("after overwrite: body %q encoding %v metadata %v type %q",
				body, out.ContentEncoding, out.Metadata, aws.ToString(out.ContentType))
		}
	})
}

func TestListObjectsV2(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "logs")
		keys := []string{"logs/2024/a", "logs/2024/b", "logs/2025/c", "logs/top", "other"}
		for _, k := range keys {
			e.put(t, "logs", k, []byte(k))
		}

		out, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String("logs"), Prefix: aws.String("logs/"), Delimiter: aws.String("/"),
		})
		if err != nil {
			t.Fatal(err)
		}
		var prefixes, contents []string
		for _, p := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(p.Prefix))
		}
		for _, o := range out.Contents {
			contents = append(contents, aws.ToString(o.Key))
		}
		if !slices.Equal(prefixes, []string{"logs/2024/", "logs/2025/"}) || !slices.Equal(contents, []string{"logs/top"}) {
			t.Errorf("delimiter listing: prefixes %v contents %v", prefixes, contents)
		}

		// Pagination with MaxKeys and ContinuationToken.
		var listed []string
		var token *string
		pages := 0
		for {
			page, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket: aws.String("logs"), MaxKeys: aws.Int32(2), ContinuationToken: token,
			})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Contents) > 2 {
				t.Fatalf("page of %d keys with MaxKeys 2", len(page.Contents))
			}
			for _, o := range page.Contents {
				listed = append(listed, aws.ToString(o.Key))
				if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) {
					t.Errorf("%s: size %d", aws.ToString(o.Key), aws.ToInt64(o.Size))
				}
			}
			if !aws.ToBool(page.IsTruncated) {
				break
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			token = page.NextContinuationToken
		}
		if !slices.Equal(listed, keys) || pages != 3 {
			t.Errorf("paginated listing: %v in %d pages", listed, pages)
		}

		prefixed, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("logs/2024/")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(prefixed.KeyCount) != 2 {
			t.Errorf("prefix listing: %d keys", aws.ToInt32(prefixed.KeyCount))
		}
	})
}

func TestDeleteObject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "data")
		e.put(t, "data", "gone", []byte("x"))
		if _, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("gone")})
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			t.Fatalf("GetObject deleted: %v, want NoSuchKey", err)
		}
		_, err = e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("gone")})
		var nf *types.NotFound
		if !errors.As(err, &nf) {
			t.Fatalf("HeadObject deleted: %v, want NotFound", err)
		}
		testDeleteObjects(t, e, "data")
	})
}

// testDeleteObjects deletes two objects with one DeleteObjects call, whose
// body the SDK always checksums.
func testDeleteObjects(t *testing.T, e *env, bucket string) {
	t.Helper()
	ctx := context.Background()
	e.put(t, bucket, "multi/1", []byte("1"))
	e.put(t, bucket, "multi/2", []byte("2"))
	out, err := e.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(bucket),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("multi/1")}, {Key: aws.String("multi/2")}}},
	})
	if err != nil || len(out.Deleted) != 2 {
		t.Fatalf("DeleteObjects: %v %v", out, err)
	}
	list, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("multi/")})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("after DeleteObjects: %v %v", list, err)
	}
}

func TestCopyObject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "src")
		e.createBucket(t, "dst")
		body := randomBytes(10, 5000)
		_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("src"), Key: aws.String("orig"), Body: bytes.NewReader(body),
			ContentType: aws.String("image/png"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("src/orig"),
		}); err != nil {
			t.Fatalf("CopyObject: %v", err)
		}
		out, got := e.get(t, "dst", "copy")
		if !bytes.Equal(got, body) || aws.ToString(out.ContentType) != "image/png" {
			t.Errorf("copy: %d bytes, type %q", len(got), aws.ToString(out.ContentType))
		}
		resp := do(t, mustRequest(t, http.MethodGet, e.srv.URL+"/dst/copy", ""))
		if resp.Header.Get("X-Amz-Copy-Source") != "" {
			t.Error("GET of a copy returns X-Amz-Copy-Source")
		}
	})
}

func TestErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "exists")

		_, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("exists"), Key: aws.String("nope")})
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			t.Errorf("GetObject missing key: %v, want *types.NoSuchKey", err)
		}

		_, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("missing")})
		var nsb *types.NoSuchBucket
		if !errors.As(err, &nsb) {
			t.Errorf("ListObjectsV2 missing bucket: %v, want *types.NoSuchBucket", err)
		}

		// Operations without a modelled NoSuchBucket still get the code.
		_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("missing"), Key: aws.String("k"), Body: strings.NewReader("x")})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchBucket" {
			t.Errorf("PutObject missing bucket: %v, want NoSuchBucket (no auto-creation)", err)
		}
		_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("missing"), Key: aws.String("k")})
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchBucket" {
			t.Errorf("GetObject missing bucket: %v, want NoSuchBucket", err)
		}
		if _, err := e.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")}); err == nil {
			t.Error("HeadBucket missing bucket succeeded")
		}
	})
}

func TestMultipartUpload(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		testMultipart(t, e)
	})
}

// testMultipart uploads two parts (the first of 5 MiB) and reads the object.
func testMultipart(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	e.createBucket(t, "mpu")
	parts := [][]byte{randomBytes(4, 5<<20), randomBytes(5, 123457)}
	created, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("big.bin"), ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var completed []types.CompletedPart
	for i, p := range parts {
		num := aws.Int32(int32(i + 1))
		up, err := e.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: created.UploadId,
			PartNumber: num, Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		completed = append(completed, types.CompletedPart{ETag: up.ETag, PartNumber: num})
	}
	_, err = e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	out, got := e.get(t, "mpu", "big.bin")
	if want := bytes.Join(parts, nil); !bytes.Equal(got, want) {
		t.Fatalf("multipart object: %d bytes, want the %d bytes uploaded", len(got), len(want))
	}
	if aws.ToString(out.ContentType) != "application/octet-stream" {
		t.Errorf("ContentType %q", aws.ToString(out.ContentType))
	}
}

func TestGoAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.s.CreateBucket(ctx, "direct"); err != nil {
			t.Fatal(err)
		}
		body := randomBytes(6, 4096)
		meta := s3fake.ObjectMeta{ContentType: "application/json", ContentEncoding: "gzip"}
		if err := e.s.PutObject(ctx, "direct", "a/b.json.gz", body, meta); err != nil {
			t.Fatal(err)
		}
		// Written directly, read through the SDK (which validates the checksum).
		out, got := e.get(t, "direct", "a/b.json.gz")
		if !bytes.Equal(got, body) || aws.ToString(out.ContentType) != meta.ContentType ||
			aws.ToString(out.ContentEncoding) != meta.ContentEncoding {
			t.Errorf("SDK read: %d bytes, type %q, encoding %q", len(got), aws.ToString(out.ContentType), aws.ToString(out.ContentEncoding))
		}
		gotBody, gotMeta, err := e.s.GetObject(ctx, "direct", "a/b.json.gz")
		if err != nil || !bytes.Equal(gotBody, body) || gotMeta != meta {
			t.Errorf("GetObject: %d bytes, %+v, %v", len(gotBody), gotMeta, err)
		}

		// Written through the SDK, read directly.
		_, err = e.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("direct"), Key: aws.String("sdk.txt"), Body: strings.NewReader("via sdk"),
			ContentType: aws.String("text/plain"),
		})
		if err != nil {
			t.Fatal(err)
		}
		gotBody, gotMeta, err = e.s.GetObject(ctx, "direct", "sdk.txt")
		if err != nil || string(gotBody) != "via sdk" || gotMeta.ContentType != "text/plain" || gotMeta.ContentEncoding != "" {
			t.Errorf("GetObject of SDK upload: %q, %+v, %v", gotBody, gotMeta, err)
		}

		// Overwriting drops the old metadata.
		if err := e.s.PutObject(ctx, "direct", "a/b.json.gz", []byte("x"), s3fake.ObjectMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, gotMeta, _ := e.s.GetObject(ctx, "direct", "a/b.json.gz"); gotMeta != (s3fake.ObjectMeta{}) {
			t.Errorf("meta after overwrite: %+v", gotMeta)
		}

		if err := e.s.PutObject(ctx, "missing", "k", body, meta); !errors.Is(err, s3fake.ErrNoSuchBucket) {
			t.Errorf("PutObject missing bucket: %v", err)
		}
		if _, _, err := e.s.GetObject(ctx, "missing", "k"); !errors.Is(err, s3fake.ErrNoSuchBucket) {
			t.Errorf("GetObject missing bucket: %v", err)
		}
		if _, _, err := e.s.GetObject(ctx, "direct", "nope"); !errors.Is(err, s3fake.ErrNoSuchKey) {
			t.Errorf("GetObject missing key: %v", err)
		}
		if err := e.s.CreateBucket(ctx, "Bad_Name"); err == nil {
			t.Error("CreateBucket accepted an invalid name")
		}
	})
}

// TestConcurrentAccess mixes direct and SDK writes and reads, including
// overwrites of a shared key; with the disk backend the file grows (and is
// remapped) while objects are being read.
func TestConcurrentAccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.createBucket(t, "busy")
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 8 {
					key := fmt.Sprintf("w%d/%d", i, j)
					body := randomBytes(uint64(100*i+j), 1000+i*j*1500)
					for _, k := range []string{key, "shared"} {
						var err error
						if (i+j)%2 == 0 {
							err = e.s.PutObject(ctx, "busy", k, body, s3fake.ObjectMeta{})
						} else {
							_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("busy"), Key: aws.String(k), Body: bytes.NewReader(body)})
						}
						if err != nil {
							t.Errorf("put %s: %v", k, err)
							return
						}
					}
					got, _, err := e.s.GetObject(ctx, "busy", key)
					if err != nil || !bytes.Equal(got, body) {
						t.Errorf("get %s: %d bytes, %v", key, len(got), err)
					}
					out, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("busy"), Key: aws.String("shared")})
					if err != nil {
						t.Errorf("SDK get shared: %v", err)
						return
					}
					_, err = io.ReadAll(out.Body) // validates the checksum
					out.Body.Close()
					if err != nil {
						t.Errorf("SDK get shared: %v", err)
					}
					if _, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("busy")}); err != nil {
						t.Errorf("list: %v", err)
					}
				}
			}()
		}
		wg.Wait()
	})
}

func ExampleS3() {
	s, err := s3fake.New(s3fake.Options{}) // in memory
	if err != nil {
		panic(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler()) // point SDK clients here (path style)
	defer srv.Close()

	ctx := context.Background()
	_ = s.CreateBucket(ctx, "deliveries")
	_ = s.PutObject(ctx, "deliveries", "2024/01/01/batch-1", []byte(`{"n":1}`), s3fake.ObjectMeta{ContentType: "application/json"})
	body, meta, err := s.GetObject(ctx, "deliveries", "2024/01/01/batch-1")
	fmt.Println(string(body), meta.ContentType, err)
	// Output: {"n":1} application/json <nil>
}
