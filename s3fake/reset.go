package s3fake

import "fmt"

// Reset deletes every bucket with its objects and its CORS configuration
// (POST /_local/reset). With a data directory they are gone from s3.db too.
func (s *S3) Reset() error {
	buckets, err := s.backend.ListBuckets()
	if err != nil {
		return fmt.Errorf("s3fake: listing buckets: %w", err)
	}
	for _, b := range buckets {
		if err := s.backend.ForceDeleteBucket(b.Name); err != nil {
			return fmt.Errorf("s3fake: deleting bucket %s: %w", b.Name, err)
		}
		if err := s.cors.set(b.Name, nil); err != nil {
			return fmt.Errorf("s3fake: deleting the CORS configuration of %s: %w", b.Name, err)
		}
	}
	return nil
}
