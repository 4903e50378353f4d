package s3fake

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/johannesboyne/gofakes3"
)

// errorRequestIDs numbers the error responses written by this package (those
// written by gofakes3 carry its own request ids).
var errorRequestIDs atomic.Uint64

// errorBody is the XML body of an S3 error response.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
}

// writeError answers r with err as an S3 XML error. err should be a gofakes3
// error; anything else becomes an InternalError.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := gofakes3.ErrInternal, "We encountered an internal error. Please try again."
	var resp *gofakes3.ErrorResponse
	var coded gofakes3.Error
	switch {
	case errors.As(err, &resp):
		code, msg = resp.Code, resp.Message
	case errors.As(err, &coded):
		code, msg = coded.ErrorCode(), coded.Error()
	}

	id := fmt.Sprintf("S3FAKE%010X", errorRequestIDs.Add(1))
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", id)
	w.WriteHeader(code.Status())
	if r.Method == http.MethodHead {
		return
	}
	out, _ := xml.Marshal(errorBody{Code: string(code), Message: msg, RequestID: id})
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}
