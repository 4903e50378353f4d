package emulator

import (
	"context"
	"os"

	"github.com/firehose-local/firehose-local/internal/externals3"
	"github.com/firehose-local/firehose-local/s3fake"
)

// ExternalS3 delivers objects to an S3-compatible endpoint (MinIO, Ceph,
// AWS itself), path-style. Credentials come from the standard AWS
// environment variables or a profile with static keys (externals3.Resolve).
type ExternalS3 struct{ c *externals3.Client }

// NewExternalS3 returns a store that writes to endpoint.
func NewExternalS3(_ context.Context, endpoint, region string) (*ExternalS3, error) {
	c, err := externals3.New(endpoint, region, os.Getenv)
	if err != nil {
		return nil, err
	}
	return &ExternalS3{c: c}, nil
}

// PutObject writes one delivered object.
func (e *ExternalS3) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	return e.c.PutObject(ctx, bucket, key, body, externals3.Object{ContentType: meta.ContentType,
		ContentEncoding: meta.ContentEncoding, KMSKeyARN: meta.KMSKeyARN})
}

// GetObject reads an object back (a Redshift destination's COPY reads its
// manifest and staged objects).
func (e *ExternalS3) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	return e.c.GetObject(ctx, bucket, key)
}

// builtinStore writes to the built-in S3 through Go, not over HTTP.
type builtinStore struct{ s3 *s3fake.S3 }

// PutObject stores body as the object's content, without copying it (the
// ObjectStore contract: the pipeline never changes a body it handed over).
func (b builtinStore) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	return b.s3.PutObject(ctx, bucket, key, body, s3fake.ObjectMeta{ContentType: meta.ContentType, ContentEncoding: meta.ContentEncoding})
}

func (b builtinStore) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	body, _, err := b.s3.GetObject(ctx, bucket, key)
	return body, err
}
