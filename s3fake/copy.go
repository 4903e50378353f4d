package s3fake

import (
	"net/http"
	"net/url"
	"strings"
)

// CopyObject's metadata directive, as S3 honours it (localstack/localstack's
// test_s3.snapshot.json: test_s3_copy_metadata_replace,
// test_s3_copy_metadata_directive_copy,
// test_s3_copy_content_type_and_metadata and
// test_s3_copy_object_in_place_metadata_directive, validated 2026-02-21).
// gofakes3 stores the request's metadata headers merged over the source's
// whatever the directive. copyDirective gets S3's behaviour from it:
//
//   - COPY (the default): the metadata and content headers sent are
//     dropped, so the copy has the source's alone;
//   - REPLACE: every metadata or content header of the source that was not
//     sent is sent empty (a tombstone, never served; see replacingBackend),
//     so the copy has exactly those sent;
//   - a copy onto itself that changes nothing (COPY, and no storage class,
//     website redirect or encryption header) is refused with 400
//     InvalidRequest.
//
// The source's checksum and encryption are kept either way.

// copiedMetadata reports whether the stored metadata key (canonical
// header form) is one the directive governs.
func copiedMetadata(key string) bool {
	switch key {
	case "Content-Type", "Content-Disposition", "Content-Encoding":
		return true
	}
	return strings.HasPrefix(key, "X-Amz-Meta-")
}

// copySource splits an x-amz-copy-source value into bucket and key, as
// gofakes3 does; ok is false when it names no key.
func copySource(source string) (bucket, key string, ok bool) {
	source = strings.TrimPrefix(source, "/")
	bucket, key, ok = strings.Cut(source, "/")
	if !ok {
		decoded, err := url.QueryUnescape(source)
		if err != nil {
			return "", "", false
		}
		bucket, key, ok = strings.Cut(strings.TrimPrefix(decoded, "/"), "/")
		return bucket, strings.SplitN(key, "?", 2)[0], ok && key != ""
	}
	key = strings.SplitN(key, "?", 2)[0]
	key, err := url.QueryUnescape(key)
	return bucket, key, err == nil && key != ""
}

func (s *S3) copyDirective(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		source := r.Header.Get("X-Amz-Copy-Source")
		if r.Method != http.MethodPut || source == "" || !hasObjectKey(r.URL.Path) || q.Has("uploadId") || q.Has("partNumber") {
			next.ServeHTTP(w, r)
			return
		}
		replace := strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE")
		srcBucket, srcKey, ok := copySource(source)
		dstBucket, dstKey, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if ok && !replace && srcBucket == dstBucket && srcKey == dstKey && !changesObject(r.Header) {
			writeError(w, r, &s3Error{code: "InvalidRequest", status: http.StatusBadRequest,
				message: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."})
			return
		}
		if !replace {
			for name := range r.Header {
				if copiedMetadata(http.CanonicalHeaderKey(name)) {
					delete(r.Header, name)
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		if ok {
			if src, err := s.backend.HeadObject(srcBucket, srcKey); err == nil && src != nil {
				if src.Contents != nil {
					_ = src.Contents.Close()
				}
				for k := range src.Metadata {
					if copiedMetadata(k) && r.Header.Get(k) == "" {
						r.Header[k] = []string{""}
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// changesObject reports whether a copy's headers change something of the
// object other than its metadata: its storage class, website redirect or
// encryption.
func changesObject(h http.Header) bool {
	for name := range h {
		lower := strings.ToLower(name)
		if lower == "x-amz-storage-class" || lower == "x-amz-website-redirect-location" ||
			strings.HasPrefix(lower, "x-amz-server-side-encryption") {
			return true
		}
	}
	return false
}
