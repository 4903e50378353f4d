package integration_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// The built-in S3 answers on the same port as Firehose, to the SDK with its
// default settings (checksums, aws-chunked uploads), path-style and
// virtual-hosted.
func TestS3OnTheSamePort(t *testing.T) {
	for _, dataDir := range []string{"", t.TempDir()} {
		name := "memory"
		if dataDir != "" {
			name = "data-dir"
		}
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, emulator.Config{DataDir: dataDir})
			ctx := context.Background()
			c := env.S3
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
				t.Fatal(err)
			}
			buckets, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
			if err != nil || len(buckets.Buckets) != 2 {
				t.Fatalf("ListBuckets: %v, %v", buckets, err)
			}
			body := make([]byte, 300<<10)
			_, _ = rand.Read(body)
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.bin"), Body: bytes.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.bin")})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(get.Body)
			if !bytes.Equal(got, body) {
				t.Fatalf("GetObject returned %d bytes, not the %d sent", len(got), len(body))
			}
			list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("dir/")})
			if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/obj.bin" {
				t.Fatalf("ListObjectsV2: %+v, %v", list, err)
			}

			part1 := bytes.Repeat([]byte("1"), 5<<20)
			part2 := []byte("tail")
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("multi")})
			if err != nil {
				t.Fatal(err)
			}
			var parts []types.CompletedPart
			for i, p := range [][]byte{part1, part2} {
				res, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("multi"), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, types.CompletedPart{ETag: res.ETag, PartNumber: aws.Int32(int32(i + 1))})
			}
			if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("multi"),
				UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
				t.Fatal(err)
			}
			get, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("multi")})
			if err != nil {
				t.Fatal(err)
			}
			got, _ = io.ReadAll(get.Body)
			if !bytes.Equal(got, append(part1, part2...)) {
				t.Fatal("multipart object differs from its parts")
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("multi")}); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("multi")})
			var nsk *types.NoSuchKey
			if !errorsAs(err, &nsk) {
				t.Fatalf("after delete: %v, want NoSuchKey", err)
			}
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("missing"), Key: aws.String("k"), Body: strings.NewReader("x")})
			wantAPIError(t, err, "NoSuchBucket", "")

			// Virtual-hosted style: the bucket in the Host header.
			for _, host := range []string{"bkt.localhost", "bkt.s3.us-east-1.amazonaws.com"} {
				req, _ := http.NewRequest(http.MethodGet, env.URL+"/dir/obj.bin", nil)
				req.Host = host
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Equal(b, body) {
					t.Fatalf("Host %s: HTTP %d, %d bytes", host, resp.StatusCode, len(b))
				}
			}
		})
	}
}
