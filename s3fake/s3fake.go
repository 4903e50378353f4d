// Package s3fake is the S3 service built into firehose-local.
//
// It wraps github.com/johannesboyne/gofakes3 with the pieces that a modern
// AWS SDK needs and gofakes3 lacks:
//
//   - aws-chunked request bodies (signed, unsigned and with trailing
//     checksums) are decoded before gofakes3 sees them, and any
//     x-amz-checksum-* header or trailer is verified (see [Dechunk]);
//   - when the caller has verified the request's SigV4 signature
//     ([WithSignature]), the body is checked against it: the signed payload
//     hash, or the chunk signatures of a streaming upload;
//   - request bodies are bounded: uploads at 5 GiB, like S3, anything else
//     at 16 MiB;
//   - virtual-hosted-style requests (bucket.localhost:4566,
//     bucket.s3.us-east-1.amazonaws.com) are mapped to path style
//     (see [BucketFromHost]);
//   - request headers that only matter to the transport (signatures,
//     session tokens, checksum negotiation) are not stored as object
//     metadata, and overwriting an object replaces its metadata;
//   - GET/HEAD object responses never carry a checksum that does not match
//     the returned bytes (ranged reads), and default to the content type
//     binary/octet-stream like S3 does;
//   - PutObject, GetObject and HeadObject answer the object's server-side
//     encryption, AES256 (S3's default) unless it was stored with SSE-KMS
//     or SSE-C;
//   - CORS is answered from each bucket's CORS configuration (see
//     bucketCORS), and every response is served nosniff under a sandboxing
//     Content-Security-Policy, so an uploaded HTML page cannot script the
//     origin it is served from;
//   - the on-disk backend is made safe for concurrent reads and writes, and
//     keeps a checksum of every object that it verifies on every read: a
//     damaged object answers InternalError (the Go API [ErrCorruptObject])
//     and is never served (see boltGuard);
//   - in memory, an object's MD5 (its ETag) is computed when something
//     first asks for it, not as the object is stored, and the body given
//     to [S3.PutObject] is kept, not copied (see memBackend).
//
// Objects live in memory, or in a bbolt file when [Options.DataDir] is set.
package s3fake

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/firehose-local/firehose-local/internal/reqbody"
)

// Sentinel errors returned (wrapped) by the Go API of [S3].
var (
	// ErrNoSuchBucket means the bucket does not exist.
	ErrNoSuchBucket = errors.New("s3fake: no such bucket")
	// ErrNoSuchKey means the bucket exists but the key does not.
	ErrNoSuchKey = errors.New("s3fake: no such key")
)

// dbFileName is the name of the bbolt file inside Options.DataDir.
const dbFileName = "s3.db"

// boltOpenTimeout bounds how long New waits for the bbolt file lock, which
// another process may hold.
const boltOpenTimeout = 2 * time.Second

// Options configures New.
type Options struct {
	// DataDir is where objects are stored. "" keeps everything in memory;
	// otherwise objects live in the bbolt file DataDir/s3.db (the directory
	// is created if needed). Multipart uploads in progress are always kept
	// in memory.
	DataDir string
	// Logger receives debug output, including gofakes3's own logging.
	// nil discards it. The package never writes to stdout or stderr.
	Logger *slog.Logger
	// MaxObjectSize bounds one PutObject or UploadPart body (default
	// DefaultMaxObjectSize, S3's 5 GiB); larger uploads are refused with
	// EntityTooLarge. Other request bodies are bounded at 16 MiB.
	MaxObjectSize int64
	// Bodies, if set, bounds the bytes of request bodies other than object
	// uploads read and not yet answered, shared with other handlers; past
	// it a request is refused with SlowDown (503). Object uploads stream
	// into the store and are not counted.
	Bodies *reqbody.Budget
}

// ObjectMeta is the object metadata understood by the Go API of [S3].
type ObjectMeta struct {
	// ContentType is returned as Content-Type by GetObject/HeadObject.
	ContentType string
	// ContentEncoding is returned as Content-Encoding by GetObject/HeadObject.
	ContentEncoding string
}

// S3 is an S3-compatible object store. Its HTTP API is served by Handler and
// the emulator writes to it directly with PutObject. All methods are safe for
// concurrent use.
type S3 struct {
	backend gofakes3.Backend
	mem     *memBackend // the store when in memory, else nil
	db      *bolt.DB    // nil when in memory
	cors    *corsStore
	handler http.Handler
	log     *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// New creates an S3 store as described by opts.
func New(opts Options) (*S3, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	s := &S3{log: logger}
	if opts.DataDir == "" {
		s.mem = newMemBackend(gofakes3.DefaultTimeSource(), uint64(time.Now().UnixNano()))
		s.backend = wrapBackend(s.mem)
	} else {
		if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("s3fake: create data dir: %w", err)
		}
		path := filepath.Join(opts.DataDir, dbFileName)
		db, err := openBolt(path)
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("s3fake: open %s (is another process using it?): %w", path, err)
		}
		if err != nil {
			return nil, fmt.Errorf("s3fake: open %s: %w", path, err)
		}
		if err := checkStructure(db); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("s3fake: %s is damaged (%w); move it away to start afresh", path, err)
		}
		guard, err := newBoltGuard(s3bolt.New(db), db, logger)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("s3fake: open %s: %w", path, err)
		}
		s.db = db
		s.backend = guard
	}
	cors, err := openCORSStore(s.db)
	if err != nil {
		if s.db != nil {
			_ = s.db.Close()
		}
		return nil, err
	}
	s.cors = cors

	fake := gofakes3.New(s.backend,
		gofakes3.WithLogger(slogAdapter{logger}),
		gofakes3.WithAutoBucket(false),
		// Local clients may run with any clock (or a fake one); requests
		// are not authenticated either, so skew checks only get in the way.
		gofakes3.WithTimeSkewLimit(0),
	)
	maxObject := opts.MaxObjectSize
	if maxObject <= 0 {
		maxObject = DefaultMaxObjectSize
	}
	s.handler = sandboxResponses(virtualHost(Dechunk(limitBodies(maxObject, opts.Bodies, s.bucketCORS(s.copyDirective(stripTransportHeaders(encodedListings(listingQueries(fixObjectResponses(awsErrors(fake.Server())))))))))))
	return s, nil
}

// Handler returns the HTTP handler serving the S3 REST API, both path style
// (/bucket/key) and virtual-hosted style (Host: bucket.localhost:4566).
func (s *S3) Handler() http.Handler { return s.handler }

// Close releases the data file, if any. The handler must not be serving
// requests any more. Close is idempotent.
func (s *S3) Close() error {
	s.closeOnce.Do(func() {
		if s.db != nil {
			s.closeErr = s.db.Close()
		}
	})
	return s.closeErr
}

// CreateBucket creates bucket; it is not an error if it already exists.
func (s *S3) CreateBucket(ctx context.Context, bucket string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := gofakes3.ValidateBucketName(bucket); err != nil {
		return fmt.Errorf("s3fake: create bucket %q: %w", bucket, err)
	}
	err := s.backend.CreateBucket(bucket)
	if err != nil && !gofakes3.IsAlreadyExists(err) {
		return fmt.Errorf("s3fake: create bucket %q: %w", bucket, err)
	}
	return nil
}

// PutObject stores body under bucket/key, replacing any existing object. It
// returns an error wrapping ErrNoSuchBucket if the bucket does not exist.
//
// PutObject may keep body as the object's content, in memory, without
// copying it: the caller must not change body after the call.
func (s *S3) PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("s3fake: put object in bucket %q: empty key", bucket)
	}
	m := map[string]string{
		"Last-Modified": time.Now().UTC().Format(http.TimeFormat),
		// Like S3, remember a full-object checksum so SDKs can validate
		// downloads.
		"X-Amz-Checksum-Crc32": crc32Base64(body),
	}
	if meta.ContentType != "" {
		m["Content-Type"] = meta.ContentType
	}
	if meta.ContentEncoding != "" {
		m["Content-Encoding"] = meta.ContentEncoding
	}
	_, err := s.backend.PutObject(bucket, key, m, newOwnedBody(body), int64(len(body)), nil)
	if err != nil {
		return fmt.Errorf("s3fake: put object %q in bucket %q: %w", key, bucket, translateError(err))
	}
	s.log.Debug("s3fake: object stored", "bucket", bucket, "key", key, "size", len(body))
	return nil
}

// GetObject returns the content and metadata of bucket/key. Errors wrap
// ErrNoSuchBucket or ErrNoSuchKey when either does not exist, and
// ErrCorruptObject when the object on disk is damaged.
func (s *S3) GetObject(ctx context.Context, bucket, key string) ([]byte, ObjectMeta, error) {
	if err := ctx.Err(); err != nil {
		return nil, ObjectMeta{}, err
	}
	obj, err := s.getObject(bucket, key)
	if err != nil {
		return nil, ObjectMeta{}, fmt.Errorf("s3fake: get object %q in bucket %q: %w", key, bucket, translateError(err))
	}
	defer obj.Contents.Close()
	if obj.IsDeleteMarker {
		return nil, ObjectMeta{}, fmt.Errorf("s3fake: get object %q in bucket %q: %w", key, bucket, ErrNoSuchKey)
	}
	body, err := io.ReadAll(obj.Contents)
	if err != nil {
		return nil, ObjectMeta{}, fmt.Errorf("s3fake: read object %q in bucket %q: %w", key, bucket, err)
	}
	meta := ObjectMeta{
		ContentType:     obj.Metadata["Content-Type"],
		ContentEncoding: obj.Metadata["Content-Encoding"],
	}
	return body, meta, nil
}

// getObject is bucket/key's current object for the Go API, which answers
// no ETag: in memory its MD5 is not computed.
func (s *S3) getObject(bucket, key string) (*gofakes3.Object, error) {
	if s.mem != nil {
		return s.mem.getObject(bucket, key, nil, false)
	}
	return s.backend.GetObject(bucket, key, nil)
}

// translateError maps gofakes3 "not found" errors to the package sentinels.
func translateError(err error) error {
	switch {
	case gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket):
		return ErrNoSuchBucket
	case gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey):
		return ErrNoSuchKey
	}
	return err
}

// crc32Base64 is the x-amz-checksum-crc32 value of b.
func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// openBolt opens the bbolt file at path. A file damaged in a way that makes
// bbolt panic, or fault on its memory map, while opening it is reported as
// an error; the file then stays open (and locked) until the process exits.
func openBolt(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("the file is damaged: %v", r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: boltOpenTimeout})
}

// slogAdapter routes gofakes3 logging to a slog.Logger at debug level.
type slogAdapter struct{ log *slog.Logger }

// Print implements gofakes3.Logger.
func (a slogAdapter) Print(level gofakes3.LogLevel, v ...any) {
	ctx := context.Background()
	if !a.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	msg := fmt.Sprintln(v...)
	a.log.DebugContext(ctx, "gofakes3: "+msg[:len(msg)-1], "gofakes3_level", string(level))
}
