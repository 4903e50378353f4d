package integration_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
)

// Objects a stream delivers to the built-in S3 answer the MD5 of their
// content as their ETag, which the in-memory store computes when first
// asked for rather than as delivery stores them: the first reads of each
// object come at once, of every kind (HEAD, GET, ListObjectsV2,
// ListObjects, ListObjectVersions, CopyObject), found through record
// lineage so that no read comes before them. With a data directory too.
func TestDeliveredObjectsETags(t *testing.T) {
	for _, dataDir := range []string{"", t.TempDir()} {
		name := "memory"
		if dataDir != "" {
			name = "data-dir"
		}
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, emulator.Config{DataDir: dataDir, Clock: emulator.NewFakeClock(t0)})
			ctx := context.Background()
			gz := s3Dest()
			gz.CompressionFormat = types.CompressionFormatGzip
			gz.Prefix = aws.String("gz/")
			createStream(t, env.Firehose, "plain", s3Dest())
			createStream(t, env.Firehose, "gz", gz)
			var keys []string
			for i := range 3 {
				for _, stream := range []string{"plain", "gz"} {
					records := []string{fmt.Sprintf("%s %d\n", stream, i), strings.Repeat("x", 1000*i), "{}\n"}
					ids := putIDs(t, env.Firehose, stream, records...)
					env.Flush(t, stream)
					keys = append(keys, lineageOf(t, env, ids[0]).Where.Key)
				}
			}

			reads := map[string]func(key string) (string, error){
				"HeadObject": func(key string) (string, error) {
					out, err := env.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("deliveries"), Key: aws.String(key)})
					if err != nil {
						return "", err
					}
					return aws.ToString(out.ETag), nil
				},
				"GetObject": func(key string) (string, error) {
					out, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: aws.String(key)})
					if err != nil {
						return "", err
					}
					defer out.Body.Close()
					body, err := io.ReadAll(out.Body)
					if err != nil {
						return "", err
					}
					if got, want := aws.ToString(out.ETag), etag(body); got != want {
						return "", fmt.Errorf("ETag %s with content whose MD5 is %s", got, want)
					}
					return aws.ToString(out.ETag), nil
				},
				"ListObjectsV2": func(key string) (string, error) {
					out, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries"), Prefix: aws.String(key)})
					if err != nil || len(out.Contents) != 1 {
						return "", fmt.Errorf("listed %d objects: %v", len(out.Contents), err)
					}
					return aws.ToString(out.Contents[0].ETag), nil
				},
				"ListObjects": func(key string) (string, error) {
					out, err := env.S3.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("deliveries"), Prefix: aws.String(key)})
					if err != nil || len(out.Contents) != 1 {
						return "", fmt.Errorf("listed %d objects: %v", len(out.Contents), err)
					}
					return aws.ToString(out.Contents[0].ETag), nil
				},
				"CopyObject": func(key string) (string, error) {
					out, err := env.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("copies/" + key),
						CopySource: aws.String("deliveries/" + key)})
					if err != nil {
						return "", err
					}
					return aws.ToString(out.CopyObjectResult.ETag), nil
				},
			}
			if dataDir == "" { // versioning is not available with --data-dir
				reads["ListObjectVersions"] = func(key string) (string, error) {
					out, err := env.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("deliveries"), Prefix: aws.String(key)})
					if err != nil || len(out.Versions) != 1 {
						return "", fmt.Errorf("listed %d versions: %v", len(out.Versions), err)
					}
					return aws.ToString(out.Versions[0].ETag), nil
				}
			}

			var mu sync.Mutex
			etags := map[string][]string{} // key: "read: ETag" answered
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, key := range keys {
				for name, read := range reads {
					wg.Go(func() {
						<-start
						got, err := read(key)
						if err != nil {
							t.Errorf("%s %s: %v", name, key, err)
							return
						}
						mu.Lock()
						etags[key] = append(etags[key], name+": "+got)
						mu.Unlock()
					})
				}
			}
			close(start)
			wg.Wait()

			objs := objects(t, env, "deliveries")
			if len(objs) != 2*len(keys) {
				t.Fatalf("%d objects, want %d delivered and as many copies", len(objs), 2*len(keys))
			}
			for _, o := range objs {
				want := etag(o.body)
				src := strings.TrimPrefix(o.key, "copies/")
				for _, answer := range etags[src] {
					if _, got, _ := strings.Cut(answer, ": "); got != want {
						t.Errorf("%s: %s, want the MD5 of its content %s", o.key, answer, want)
					}
				}
				if o.key == src && len(etags[src]) != len(reads) {
					t.Errorf("%s: %d reads answered, want %d", o.key, len(etags[src]), len(reads))
				}
			}
		})
	}
}

// etag is S3's ETag of a single-part object: its MD5, quoted.
func etag(body []byte) string { return fmt.Sprintf(`"%x"`, md5.Sum(body)) }
