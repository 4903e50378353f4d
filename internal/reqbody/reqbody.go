// Package reqbody reads HTTP request bodies into memory, for servers that
// need a body whole (to decode it, or to hash it for its signature), without
// trusting what the client announces:
//
//   - the buffer grows as bytes arrive, never to a declared Content-Length
//     up front: a client that announces a large body and sends nothing
//     makes the server hold nothing;
//   - the bytes read count against a Budget shared by every request until
//     the body is released; a read that would pass it fails with ErrBusy,
//     which each API answers with its own throttling error.
package reqbody

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// ErrBusy is the error of a read that would take the bytes held by request
// bodies past the Budget.
var ErrBusy = errors.New("too many request body bytes in flight")

// Budget bounds the bytes of request bodies held across all requests. A nil
// *Budget bounds nothing.
type Budget struct {
	max     int64
	used    atomic.Int64
	refused atomic.Int64
}

// NewBudget returns a budget of max bytes.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// Max is the budget's bound in bytes.
func (b *Budget) Max() int64 {
	if b == nil {
		return 0
	}
	return b.max
}

// InUse is the number of body bytes read and not yet released.
func (b *Budget) InUse() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Refused is the number of reads refused with ErrBusy so far.
func (b *Budget) Refused() int64 {
	if b == nil {
		return 0
	}
	return b.refused.Load()
}

// take accounts n more bytes, unless that passes the bound.
func (b *Budget) take(n int64) bool {
	if b == nil {
		return true
	}
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		b.refused.Add(1)
		return false
	}
	return true
}

func (b *Budget) give(n int64) {
	if b != nil && n != 0 {
		b.used.Add(-n)
	}
}

// Body is a request body read into memory. Release it when its bytes are
// no longer used.
type Body struct {
	// Bytes is the body.
	Bytes []byte

	budget *Budget
	held   int64
	pooled *[]byte // the pool's slot for a buffer of ReadPooled, else nil
}

// Held returns a Body of bytes that are held elsewhere: its Release does
// nothing.
func Held(b []byte) Body { return Body{Bytes: b} }

// Release gives the body's bytes back to the budget and, for a body read by
// ReadPooled, its buffer back to be reused. Bytes must not be used after.
// Release may be called more than once.
func (body *Body) Release() {
	body.budget.give(body.held)
	body.held = 0
	if body.pooled != nil {
		putBuffer(body.pooled, body.Bytes)
		body.pooled = nil
	}
	body.Bytes = nil
}

const (
	// firstBuffer is the size of a new buffer, or the announced length if
	// it is smaller.
	firstBuffer = 16 << 10
	// maxPooled is the largest buffer kept for reuse: the JSON APIs'
	// 8 MiB bodies; larger ones (Lambda code uploads) are left to the GC.
	maxPooled = 8 << 20
)

var buffers = sync.Pool{New: func() any { return new([]byte) }}

func putBuffer(slot *[]byte, b []byte) {
	if cap(b) > maxPooled {
		b = nil
	}
	*slot = b[:0]
	buffers.Put(slot)
}

// Read reads r to its end into a new buffer that grows as bytes arrive,
// counting them against b. sizeHint, the announced length (or -1), only
// caps the buffer's growth so that an honest body fills it exactly; it is
// never allocated before the bytes are there. A read past the budget
// fails with ErrBusy; r's errors are returned as they are. Either way
// nothing stays held.
func (b *Budget) Read(r io.Reader, sizeHint int64) (Body, error) {
	return b.read(r, sizeHint, nil)
}

// ReadPooled is Read into a buffer reused from earlier bodies: the caller
// must be done with every byte of Body.Bytes (no slice of it kept) when it
// calls Release.
func (b *Budget) ReadPooled(r io.Reader, sizeHint int64) (Body, error) {
	return b.read(r, sizeHint, buffers.Get().(*[]byte))
}

func (b *Budget) read(r io.Reader, sizeHint int64, slot *[]byte) (Body, error) {
	body := Body{budget: b, pooled: slot}
	var buf []byte
	if slot != nil {
		buf = (*slot)[:0]
	}
	fail := func(err error) (Body, error) {
		body.Bytes = buf
		body.Release()
		return Body{}, err
	}
	for {
		var n int
		var err error
		if len(buf) < cap(buf) || sizeHint < 0 || int64(len(buf)) < sizeHint {
			if len(buf) == cap(buf) {
				buf = grow(buf, sizeHint)
			}
			n, err = r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
		} else {
			// Full at the announced length: only the end should follow,
			// so look for it without growing the buffer.
			var probe [512]byte
			n, err = r.Read(probe[:])
			buf = append(buf, probe[:n]...)
			sizeHint = -1
		}
		if n > 0 {
			if !b.take(int64(n)) {
				buf = buf[:len(buf)-n]
				return fail(ErrBusy)
			}
			body.held += int64(n)
		}
		if err == io.EOF {
			body.Bytes = buf
			return body, nil
		}
		if err != nil {
			return fail(err)
		}
	}
}

// grow returns buf with room for more: twice its capacity (at least
// firstBuffer), but no more than the announced length when that is still
// ahead.
func grow(buf []byte, sizeHint int64) []byte {
	n := max(2*cap(buf), firstBuffer)
	if sizeHint > int64(len(buf)) && sizeHint < int64(n) {
		n = int(sizeHint)
	}
	nb := make([]byte, len(buf), n)
	copy(nb, buf)
	return nb
}

type contextKey struct{}

// NewContext returns a context that carries body, a request's body already
// read (by an authenticator that hashed it), so that the handler uses it
// instead of reading and counting it again. The body stays valid until the
// handler returns, not after.
func NewContext(ctx context.Context, body []byte) context.Context {
	return context.WithValue(ctx, contextKey{}, body)
}

// FromContext returns the body NewContext put in ctx, if any.
func FromContext(ctx context.Context) ([]byte, bool) {
	b, ok := ctx.Value(contextKey{}).([]byte)
	return b, ok
}

// ReadRequest returns r's body: the one an authenticator read already
// (NewContext), or r's read now, at most limit bytes, counted against b
// until released. A body over limit, announced or read, is an
// *http.MaxBytesError.
func (b *Budget) ReadRequest(w http.ResponseWriter, r *http.Request, limit int64) (Body, error) {
	if r.ContentLength > limit {
		return Body{}, &http.MaxBytesError{Limit: limit} // refused on its announced length
	}
	if held, ok := FromContext(r.Context()); ok {
		if int64(len(held)) > limit {
			return Body{}, &http.MaxBytesError{Limit: limit}
		}
		return Held(held), nil
	}
	return b.Read(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
}
