package s3fake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/johannesboyne/gofakes3"

	"github.com/firehose-local/firehose-local/protocol/sigv4"
)

// errorRequestIDs numbers the error responses written by this package (those
// written by gofakes3 carry its own request ids).
var errorRequestIDs atomic.Uint64

// xmlElem is one extra element of an S3 error, such as <AWSAccessKeyId>.
type xmlElem struct{ name, value string }

// s3Error is an S3 error that gofakes3 does not know: it carries its own
// HTTP status and the extra elements S3 sends with it.
type s3Error struct {
	code    string
	status  int
	message string
	extra   []xmlElem
}

func (e *s3Error) Error() string { return e.code + ": " + e.message }

// ErrorCode implements gofakes3.Error.
func (e *s3Error) ErrorCode() gofakes3.ErrorCode { return gofakes3.ErrorCode(e.code) }

// writeError answers r with err as an S3 XML error. err should be a gofakes3
// error, an *s3Error or a *sigv4.Error; anything else becomes an
// InternalError.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := &s3Error{code: string(gofakes3.ErrInternal), status: http.StatusInternalServerError,
		message: "We encountered an internal error. Please try again."}
	var own *s3Error
	var auth *sigv4.Error
	var resp *gofakes3.ErrorResponse
	var coded gofakes3.Error
	switch {
	case errors.As(err, &own):
		e = own
	case errors.As(err, &auth):
		e = authError(auth)
	case errors.As(err, &resp):
		e = &s3Error{code: string(resp.Code), status: resp.Code.Status(), message: resp.Message}
	case errors.As(err, &coded):
		e = &s3Error{code: string(coded.ErrorCode()), status: coded.ErrorCode().Status(), message: coded.Error()}
	}

	id := fmt.Sprintf("S3FAKE%010X", errorRequestIDs.Add(1))
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", id)
	h.Del("Content-Length")
	w.WriteHeader(e.status)
	if r.Method == http.MethodHead {
		return
	}
	doc := errorDocument{}
	doc.elem("Code", e.code)
	doc.elem("Message", e.message)
	for _, x := range e.extra {
		doc.elem(x.name, x.value)
	}
	doc.elem("RequestId", id)
	_, _ = w.Write(doc.bytes())
}

// errorDocument builds an S3 error body: an <Error> element holding the
// elements added, in order.
type errorDocument struct{ b bytes.Buffer }

func (d *errorDocument) elem(name, value string) {
	if d.b.Len() == 0 {
		d.b.WriteString(xml.Header)
		d.b.WriteString("<Error>")
	}
	d.b.WriteString("<" + name + ">")
	_ = xml.EscapeText(&d.b, []byte(value))
	d.b.WriteString("</" + name + ">")
}

func (d *errorDocument) bytes() []byte {
	d.b.WriteString("</Error>")
	return d.b.Bytes()
}
