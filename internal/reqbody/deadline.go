package reqbody

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// ReadLimited reads r's body, at most limit bytes (a larger announced
// Content-Length is refused at once), counted against b until released;
// pooled reuses buffers, for handlers that keep no part of the body once it
// is released. Unlike ReadRequest it ignores a body already read.
func (b *Budget) ReadLimited(w http.ResponseWriter, r *http.Request, limit int64, pooled bool) (Body, error) {
	if r.ContentLength > limit {
		return Body{}, &http.MaxBytesError{Limit: limit} // refused on its announced length
	}
	if pooled {
		return b.ReadPooled(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	}
	return b.Read(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
}

// WithBody returns r with body in its context (for FromContext) and as its
// Body, for handlers that read it again.
func WithBody(r *http.Request, body []byte) *http.Request {
	r = r.WithContext(NewContext(r.Context(), body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

// Deadlines gives every request body a read deadline: the connection's
// read deadline is set, when a request with a body arrives, to readTime(r)
// from then, and cleared when the body has been read to its end, so that it
// bounds the upload only: a response may take as long as it needs (a
// Lambda Invoke, minutes). A client that stalls past the deadline gets its
// read failing, its API's error, and its connection closed. A body the
// handler left unread is not waited for: the connection is closed after
// the response. The next request on a connection kept open starts with the
// server's own ReadHeaderTimeout.
//
// (A server's ReadTimeout would give every body the same time, a 5 GiB S3
// upload as much as a 100-byte PutRecord. net/http also clears the read
// deadline itself when the body has been read, for its background read;
// the deadline is cleared here all the same, not to depend on that.)
func Deadlines(next http.Handler, readTime func(*http.Request) time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(readTime(r))); err != nil {
			next.ServeHTTP(w, r) // not a network connection (httptest, the console's demo)
			return
		}
		// A shallow copy, so that the server's own r (whose *body it
		// inspects after the handler, to discard what is left of it or
		// close the connection) keeps its body.
		r2 := r.WithContext(r.Context())
		body := &deadlineBody{ReadCloser: r.Body, rc: rc}
		r2.Body = body
		next.ServeHTTP(w, r2)
		if !body.done {
			// The handler answered without reading the whole body (an
			// authentication failure, a refusal past the budget, an
			// error): the rest is not awaited. The server would read up
			// to 256 KiB of it, before it answers or while it closes the
			// connection; with the deadline passed it closes at once.
			_ = rc.SetReadDeadline(time.Now())
		}
	})
}

// deadlineBody clears the connection's read deadline once the body has
// been read to its end.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
