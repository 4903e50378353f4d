package s3fake

import (
	"net/http"
	"strings"
)

// gofakes3 stores every X-Amz-* request header of PutObject,
// CreateMultipartUpload and CopyObject as object metadata and serves it back
// on GET and HEAD. Most of them describe the request, not the object: the
// signature date, payload hash, session token (which alone can exceed the
// 2000-byte metadata limit of gofakes3), checksum negotiation, ACLs... The
// helpers below keep those out of storage and out of object responses.

// storedAmzHeader reports whether an X-Amz-* request header (lower-case) is
// an object attribute that may be stored, or is needed by gofakes3.
func storedAmzHeader(name string) bool {
	switch {
	case strings.HasPrefix(name, "x-amz-meta-"),
		strings.HasPrefix(name, "x-amz-object-lock-"),
		strings.HasPrefix(name, "x-amz-server-side-encryption") &&
			name != "x-amz-server-side-encryption-customer-key":
		return true
	}
	switch name {
	case "x-amz-copy-source", // CopyObject needs it
		"x-amz-storage-class",
		"x-amz-website-redirect-location":
		return true
	}
	// Checksum values of the payload, verified by Dechunk.
	_, ok := checksumAlgorithms[name]
	return ok
}

// stripTransportHeaders is middleware that removes X-Amz-* headers not
// accepted by storedAmzHeader from PUT and POST requests, so gofakes3 does
// not store them. It must run after Dechunk, which needs some of them.
func stripTransportHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut || r.Method == http.MethodPost {
			for name := range r.Header {
				lower := strings.ToLower(name)
				if strings.HasPrefix(lower, "x-amz-") && !storedAmzHeader(lower) {
					delete(r.Header, name)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// defaultContentType is what S3 returns for objects stored without one.
const defaultContentType = "binary/octet-stream"

// Server-side encryption headers. S3 encrypts every object: one stored
// without SSE headers is answered with x-amz-server-side-encryption: AES256.
const (
	hdrSSE            = "X-Amz-Server-Side-Encryption"
	hdrSSEKMSKeyID    = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	hdrSSEBucketKey   = "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"
	hdrSSECustomerAlg = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
	hdrSSECustomerMD5 = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"
	sseDefault        = "AES256"
)

// fixObjectResponses is middleware that corrects the headers of GetObject,
// HeadObject and PutObject responses just before they are sent (see
// objectResponseWriter.fix).
func fixObjectResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hasObjectKey(r.URL.Path) || !objectDataRequest(r) {
			next.ServeHTTP(w, r)
			return
		}
		ow := &objectResponseWriter{ResponseWriter: w,
			checksums: strings.EqualFold(r.Header.Get(hdrChecksumMode), "ENABLED")}
		if r.Method == http.MethodPut {
			ow.put = r.Header
		}
		next.ServeHTTP(ow, r)
		ow.fix(http.StatusOK) // in case the handler wrote nothing
	})
}

// objectDataRequest reports whether r is a GetObject, HeadObject or
// PutObject (not a CopyObject, an upload part or a subresource such as
// ?tagging or ?acl).
func objectDataRequest(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPut:
		if r.Header.Get(hdrCopySource) != "" {
			return false
		}
	default:
		return false
	}
	for k := range r.URL.Query() {
		switch {
		case k == "x-id", k == "versionId", strings.HasPrefix(k, "response-"),
			k == "partNumber" && r.Method != http.MethodPut:
		default:
			return false
		}
	}
	return true
}

// hasObjectKey reports whether a path-style path names an object.
func hasObjectKey(path string) bool {
	_, key, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return key != ""
}

// objectResponseWriter applies fix to the headers before they are written.
type objectResponseWriter struct {
	http.ResponseWriter
	put       http.Header // the request headers of a PutObject
	checksums bool        // the request asked for checksums (x-amz-checksum-mode)
	fixed     bool
}

// WriteHeader implements http.ResponseWriter.
func (w *objectResponseWriter) WriteHeader(status int) {
	w.fix(status)
	w.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (w *objectResponseWriter) Write(p []byte) (int, error) {
	w.fix(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *objectResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// fix, on its first call, answers a PutObject's encryption and checksums
// (see encryption and checksums). For GET and HEAD it removes empty
// metadata values (tombstones, see replacingBackend) and the stored
// X-Amz-Copy-Source; it removes the full-object checksums on partial
// content and on 304 Not Modified, which SDKs would otherwise validate
// against the partial or empty body, and when the request did not ask for them (x-amz-checksum-mode), as S3
// does, and otherwise answers their type; on success it defaults the
// Content-Type, and answers the object's encryption.
func (w *objectResponseWriter) fix(status int) {
	if w.fixed {
		return
	}
	w.fixed = true
	h := w.Header()
	if w.put != nil {
		if status >= 200 && status < 300 {
			encryption(h, w.put)
			checksums(h, w.put)
		}
		return
	}
	for name, values := range h {
		if len(values) == 0 || (len(values) == 1 && values[0] == "") {
			delete(h, name)
		}
	}
	h.Del(hdrCopySource)
	if status == http.StatusPartialContent || status == http.StatusNotModified || !w.checksums {
		for name := range checksumAlgorithms {
			h.Del(name)
		}
	}
	if status >= 200 && status < 300 {
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", defaultContentType)
		}
		encryption(h, h)
		checksums(h, h)
	}
}

// hdrChecksumMode asks GetObject and HeadObject for the object's checksum;
// S3 answers none without it.
const (
	hdrChecksumMode = "X-Amz-Checksum-Mode"
	hdrChecksumType = "X-Amz-Checksum-Type"
)

// checksums sets the checksum headers of an object response h from the
// checksums in from, with their type: FULL_OBJECT, or COMPOSITE for the
// checksum of checksums of a multipart upload ("...-N").
func checksums(h, from http.Header) {
	typ := ""
	for name := range checksumAlgorithms {
		v := from.Get(name)
		if v == "" {
			continue
		}
		h.Set(name, v)
		typ = "FULL_OBJECT"
		if strings.Contains(v, "-") {
			typ = "COMPOSITE"
		}
	}
	if typ != "" {
		h.Set(hdrChecksumType, typ)
	}
}

// encryption sets the SSE headers of an object response h from those the
// object was stored with, from: SSE-C answers its algorithm and key MD5
// and no x-amz-server-side-encryption; SSE-KMS answers aws:kms (or
// aws:kms:dsse) and its key id and bucket-key setting; anything else is
// AES256, S3's default encryption.
func encryption(h, from http.Header) {
	if alg := from.Get(hdrSSECustomerAlg); alg != "" {
		h.Set(hdrSSECustomerAlg, alg)
		if md5 := from.Get(hdrSSECustomerMD5); md5 != "" {
			h.Set(hdrSSECustomerMD5, md5)
		}
		h.Del(hdrSSE)
		return
	}
	sse := from.Get(hdrSSE)
	if sse == "" {
		h.Set(hdrSSE, sseDefault)
		h.Del(hdrSSEKMSKeyID)
		h.Del(hdrSSEBucketKey)
		return
	}
	h.Set(hdrSSE, sse)
	for _, name := range []string{hdrSSEKMSKeyID, hdrSSEBucketKey} {
		if v := from.Get(name); v != "" {
			h.Set(name, v)
		}
	}
}

// objectCSP sandboxes whatever S3 serves: an uploaded HTML page or SVG
// image opened in a browser runs no script and loads nothing, and is of no
// origin, so it cannot reach the console or the APIs served beside it.
const objectCSP = "sandbox; default-src 'none'"

// sandboxResponses is middleware that marks every response nosniff and
// sandboxed (objectCSP). Real S3 sends neither; it serves objects from
// domains of their own, firehose-local from the origin of its console.
func sandboxResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", objectCSP)
		next.ServeHTTP(w, r)
	})
}
