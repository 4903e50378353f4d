package s3fake

import (
	"net"
	"net/http"
	"strings"
)

// BucketFromHost returns the bucket addressed by a virtual-hosted-style Host
// header (a port, if any, is ignored):
//
//   - <bucket>.s3.<anything>, <bucket>.s3-<suffix>.<anything>, e.g.
//     mybucket.s3.us-east-1.amazonaws.com, mybucket.s3-us-west-2.amazonaws.com,
//     mybucket.s3.localhost.localstack.cloud;
//   - <bucket>.localhost, e.g. mybucket.localhost:4566 (but s3.localhost is
//     an endpoint, not a bucket).
//
// Bucket names may contain dots. Hosts such as localhost, 127.0.0.1,
// s3.amazonaws.com or s3.us-east-1.amazonaws.com are not virtual-hosted and
// yield ok == false.
func BucketFromHost(host string) (bucket string, ok bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return "", false
	}
	labels := strings.Split(host, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		if l := labels[i]; l == "s3" || strings.HasPrefix(l, "s3-") {
			return joinBucket(labels[:i])
		}
	}
	if n := len(labels); n >= 2 && labels[n-1] == "localhost" {
		if n == 2 && labels[0] == "s3" {
			return "", false
		}
		return joinBucket(labels[:n-1])
	}
	return "", false
}

// joinBucket joins host labels into a bucket name; empty labels (as in
// "a..localhost") make the host unusable.
func joinBucket(labels []string) (string, bool) {
	for _, l := range labels {
		if l == "" {
			return "", false
		}
	}
	return strings.Join(labels, "."), true
}

// virtualHost is middleware that rewrites virtual-hosted-style requests
// (see BucketFromHost) to path style: Host mybucket.localhost:4566 with path
// /key becomes path /mybucket/key.
func virtualHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, ok := BucketFromHost(r.Host)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		u := *r.URL
		u.Path = bucketPath(bucket, u.Path)
		if u.RawPath != "" {
			u.RawPath = bucketPath(bucket, u.RawPath)
		}
		r2 := r.WithContext(r.Context()) // shallow copy
		r2.URL = &u
		next.ServeHTTP(w, r2)
	})
}

// bucketPath prefixes a virtual-hosted path with the bucket.
func bucketPath(bucket, path string) string {
	if path == "" || path == "/" {
		return "/" + bucket
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "/" + bucket + path
}
