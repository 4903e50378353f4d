package awsjson

import (
	"mime"
	"net/http"
	"strings"
)

// RequestRegion reads the region from a request's SigV4 scope
// (Authorization: ... Credential=AKID/DATE/REGION/SERVICE/aws4_request, or a
// presigned X-Amz-Credential), else def. Every API on the port uses it.
func RequestRegion(r *http.Request, def string) string {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred = auth[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 && parts[2] != "" {
		return parts[2]
	}
	return def
}

// JSONContentType reports whether ct is a content type JSON 1.0/1.1
// services accept.
func JSONContentType(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json":
		return true
	}
	return false
}

// CheckRequest refuses a request the JSON 1.1 API named api cannot take:
// one not sent with POST, or whose Content-Type is not JSON.
func CheckRequest(r *http.Request, api string) *Error {
	if r.Method != http.MethodPost {
		return NewError(ErrUnknownOperation, "%s operations must be sent with POST.", api)
	}
	if ct := r.Header.Get("Content-Type"); !JSONContentType(ct) {
		return NewError(ErrSerialization, "Content-Type %q is not supported; send application/x-amz-json-1.1.", ct)
	}
	return nil
}
