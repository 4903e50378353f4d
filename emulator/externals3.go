package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/firehose-local/firehose-local/s3fake"
)

// ExternalS3 delivers objects to an S3-compatible endpoint (MinIO, Ceph,
// AWS itself) through the AWS SDK for Go v2. Credentials come from the
// standard AWS environment variables and files.
type ExternalS3 struct {
	client   *s3.Client
	endpoint string
}

// NewExternalS3 returns a store that writes to endpoint, path-style.
func NewExternalS3(ctx context.Context, endpoint, region string) (*ExternalS3, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for --s3-endpoint: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
	return &ExternalS3{client: client, endpoint: endpoint}, nil
}

// PutObject writes one delivered object.
func (e *ExternalS3) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(meta.ContentType),
	}
	if meta.ContentEncoding != "" {
		in.ContentEncoding = aws.String(meta.ContentEncoding)
	}
	if meta.KMSKeyARN != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(meta.KMSKeyARN)
	}
	_, err := e.client.PutObject(ctx, in)
	return err
}

// GetObject reads an object back (a Redshift destination's COPY reads its
// manifest and staged objects).
func (e *ExternalS3) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// builtinStore writes to the built-in S3 through Go, not over HTTP.
type builtinStore struct{ s3 *s3fake.S3 }

func (b builtinStore) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	return b.s3.PutObject(ctx, bucket, key, body, s3fake.ObjectMeta{ContentType: meta.ContentType, ContentEncoding: meta.ContentEncoding})
}

func (b builtinStore) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	body, _, err := b.s3.GetObject(ctx, bucket, key)
	return body, err
}
