package s3fake

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"

	"github.com/firehose-local/firehose-local/internal/reqbody"
)

// Request body limits.
const (
	// DefaultMaxObjectSize is S3's limit for one PutObject or UploadPart:
	// 5 GiB.
	DefaultMaxObjectSize = 5 << 30
	// MaxRequestBody bounds every other request body (the XML of
	// DeleteObjects, CompleteMultipartUpload, tagging, ...). The largest
	// valid ones, 1,000 keys or 10,000 parts, stay far below it.
	MaxRequestBody = 16 << 20
)

// limitBodies is middleware that bounds request bodies before gofakes3,
// which allocates an upload's declared size at once:
//
//   - an object upload (PutObject, UploadPart, a browser POST) may be
//     maxObject bytes (EntityTooLarge) and must declare its length
//     (MissingContentLength); r.ContentLength is the decoded length of
//     aws-chunked bodies, so it runs after Dechunk;
//   - any other body is read here, at most MaxRequestBody bytes
//     (MaxMessageLengthExceeded), so that the checks Dechunk set up on it
//     (the signed payload hash) are done before the request is served. It
//     is counted against budget until the response is written (SlowDown
//     past it).
func limitBodies(maxObject int64, budget *reqbody.Budget, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) {
			if r.ContentLength < 0 {
				writeError(w, r, gofakes3.ErrMissingContentLength)
				return
			}
			if r.ContentLength > maxObject {
				writeError(w, r, &s3Error{code: "EntityTooLarge", status: http.StatusBadRequest,
					message: "Your proposed upload exceeds the maximum allowed size",
					extra: []xmlElem{{"ProposedSize", strconv.FormatInt(r.ContentLength, 10)},
						{"MaxSizeAllowed", strconv.FormatInt(maxObject, 10)}}})
				return
			}
			// A body that stops arriving (the server's read deadline) is
			// S3's RequestTimeout, not the InternalError gofakes3 makes of
			// a failed read.
			fail := &bodyFailure{}
			r.Body = readCloser{timeoutReader{r.Body, fail}, r.Body}
			next.ServeHTTP(&failureWriter{ResponseWriter: w, r: r, fail: fail}, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > MaxRequestBody {
				writeError(w, r, tooBig())
				return
			}
			body, err := budget.Read(io.LimitReader(r.Body, MaxRequestBody+1), r.ContentLength)
			switch {
			case errors.Is(err, reqbody.ErrBusy):
				writeError(w, r, &s3Error{code: "SlowDown", status: http.StatusServiceUnavailable, message: "Please reduce your request rate."})
				return
			case isTimeout(err):
				writeError(w, r, requestTimeout())
				return
			case err != nil:
				writeError(w, r, err)
				return
			}
			defer body.Release()
			if len(body.Bytes) > MaxRequestBody {
				writeError(w, r, tooBig())
				return
			}
			r.Body = readCloser{bytes.NewReader(body.Bytes), r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// requestTimeout is S3's error for a body that stopped arriving.
func requestTimeout() *s3Error {
	return &s3Error{code: "RequestTimeout", status: http.StatusBadRequest,
		message: "Your socket connection to the server was not read from or written to within the timeout period."}
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// timeoutReader records a read that timed out as RequestTimeout, for
// failureWriter to answer with.
type timeoutReader struct {
	r    io.Reader
	fail *bodyFailure
}

func (t timeoutReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if isTimeout(err) {
		t.fail.set(requestTimeout())
	}
	return n, err
}

func tooBig() *s3Error {
	return &s3Error{code: "MaxMessageLengthExceeded", status: http.StatusBadRequest, message: "Your request was too big."}
}

// isUpload reports whether r uploads object data: a PUT to a key without a
// subresource other than an upload part's (and without X-Amz-Copy-Source),
// or a browser-form POST to a bucket.
func isUpload(r *http.Request) bool {
	switch r.Method {
	case http.MethodPut:
		if !hasObjectKey(r.URL.Path) || r.Header.Get(hdrCopySource) != "" {
			return false
		}
		for k := range r.URL.Query() {
			switch {
			case k == "partNumber", k == "uploadId", k == "x-id", strings.HasPrefix(k, "X-Amz-"):
			default:
				return false
			}
		}
		return true
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt == "multipart/form-data" && !hasObjectKey(r.URL.Path)
	}
	return false
}
