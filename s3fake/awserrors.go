package s3fake

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// gofakes3 writes some errors in its own form: no message, the bucket or
// key in a <Resource> element, and BucketAlreadyExists for a bucket the
// caller already owns. awsErrors rewrites those into the form S3 answers,
// as recorded from AWS (localstack/localstack's
// tests/aws/services/s3/test_s3.snapshot.json and
// test_s3_api.snapshot.json, validated 2026-02-21):
//
//	NoSuchBucket  404 "The specified bucket does not exist", <BucketName>
//	NoSuchKey     404 "The specified key does not exist.", <Key>
//	BucketAlreadyOwnedByYou 409 "Your previous request to create the named
//	              bucket succeeded and you already own it.", <BucketName>
//	              (every bucket here belongs to the one account)
//	BucketNotEmpty 409 "The bucket you tried to delete is not empty",
//	              <BucketName>
//	InvalidBucketName 400 "The specified bucket is not valid.", <BucketName>
//	              (test_s3_uppercase_bucket_name; gofakes3 says which rule
//	              the name breaks, and names no bucket)
//
// Other errors, and every success, pass through untouched; only error
// bodies (small) are held back to be rewritten.
type awsErrorForm struct {
	code, message, element string
	status                 int
}

var awsErrorForms = map[string]awsErrorForm{
	"NoSuchBucket":        {"NoSuchBucket", "The specified bucket does not exist", "BucketName", http.StatusNotFound},
	"NoSuchKey":           {"NoSuchKey", "The specified key does not exist.", "Key", http.StatusNotFound},
	"BucketAlreadyExists": {"BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", "BucketName", http.StatusConflict},
	"BucketNotEmpty":      {"BucketNotEmpty", "The bucket you tried to delete is not empty", "BucketName", http.StatusConflict},
	"InvalidBucketName":   {"InvalidBucketName", "The specified bucket is not valid.", "BucketName", http.StatusBadRequest},
}

// maxErrorBody bounds the error body held back to be rewritten; a larger
// one is passed on as it is.
const maxErrorBody = 64 << 10

func awsErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &errorRewriter{ResponseWriter: w}
		next.ServeHTTP(ew, r)
		ew.finish(r)
	})
}

// errorRewriter passes a response through, except an error status's body,
// which it keeps until finish.
type errorRewriter struct {
	http.ResponseWriter
	status  int // an error status held back, 0 otherwise
	started bool
	body    bytes.Buffer
}

// WriteHeader implements http.ResponseWriter.
func (w *errorRewriter) WriteHeader(status int) {
	if w.started || w.status != 0 {
		return
	}
	if status >= 400 {
		w.status = status
		return
	}
	w.started = true
	w.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (w *errorRewriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.started = true
		return w.ResponseWriter.Write(p)
	}
	if w.body.Len()+len(p) > maxErrorBody {
		w.flushHeld()
		return w.ResponseWriter.Write(p)
	}
	return w.body.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *errorRewriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// flushHeld sends the held error as it was written.
func (w *errorRewriter) flushHeld() {
	status := w.status
	w.status, w.started = 0, true
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(w.body.Bytes())
	w.body.Reset()
}

// finish sends a held error to r, rewritten if it is one of awsErrorForms.
func (w *errorRewriter) finish(r *http.Request) {
	if w.status == 0 {
		return
	}
	var e struct {
		Code      string `xml:"Code"`
		Resource  string `xml:"Resource"`
		RequestID string `xml:"RequestId"`
		HostID    string `xml:"HostId"`
	}
	form, known := awsErrorForm{}, false
	if w.body.Len() > 0 && xml.Unmarshal(w.body.Bytes(), &e) == nil {
		form, known = awsErrorForms[e.Code]
	}
	if !known {
		w.flushHeld()
		return
	}
	doc := errorDocument{}
	doc.elem("Code", form.code)
	doc.elem("Message", form.message)
	if e.Resource == "" && form.element == "BucketName" {
		// The bucket the request addressed (path-style by now: virtual
		// hosts are rewritten before).
		e.Resource, _, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	}
	doc.elem(form.element, e.Resource)
	if e.RequestID != "" {
		doc.elem("RequestId", e.RequestID)
	}
	if e.HostID != "" {
		doc.elem("HostId", e.HostID)
	}
	body := doc.bytes()
	h := w.ResponseWriter.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.status, w.started = 0, true
	w.ResponseWriter.WriteHeader(form.status)
	_, _ = w.ResponseWriter.Write(body)
}
