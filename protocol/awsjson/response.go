package awsjson

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
)

// WriteResponse sends a JSON 1.1 answer: body with status, its
// Content-Length (so large answers are not chunked) and a request ID.
func WriteResponse(w http.ResponseWriter, status int, body []byte) {
	WriteBody(w, status, "application/x-amz-json-1.1", body)
}

// WriteBody is WriteResponse in another content type (CBOR).
func WriteBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", uuid.NewString())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError sends e with its status and X-Amzn-ErrorType, body being its
// rendering (MarshalError's, or a service's own shape).
func WriteError(w http.ResponseWriter, e *Error, body []byte) {
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	WriteResponse(w, e.Status, body)
}
