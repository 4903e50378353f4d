package s3fake_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/s3fake"
)

func TestBucketFromHost(t *testing.T) {
	tests := []struct {
		host   string
		bucket string // "" = not virtual-hosted
	}{
		{"mybucket.localhost:4566", "mybucket"},
		{"mybucket.localhost", "mybucket"},
		{"MyBucket.LocalHost.", "mybucket"},
		{"my.dotted.bucket.localhost:4566", "my.dotted.bucket"},
		{"s3-logs.localhost:4566", "s3-logs"},
		{"mybucket.s3.us-east-1.amazonaws.com", "mybucket"},
		{"mybucket.s3.amazonaws.com", "mybucket"},
		{"mybucket.s3-us-west-2.amazonaws.com", "mybucket"},
		{"mybucket.s3.dualstack.eu-west-1.amazonaws.com:443", "mybucket"},
		{"my.bucket.s3.us-east-1.amazonaws.com", "my.bucket"},
		{"mybucket.s3.localhost.localstack.cloud:4566", "mybucket"},
		{"mybucket.s3.localhost", "mybucket"},
		{"localhost", ""},
		{"localhost:4566", ""},
		{"127.0.0.1:4566", ""},
		{"[::1]:4566", ""},
		{"::1", ""},
		{"s3.amazonaws.com", ""},
		{"s3.us-east-1.amazonaws.com", ""},
		{"s3-us-west-2.amazonaws.com", ""},
		{"s3.localhost:4566", ""},
		{"s3.localhost.localstack.cloud:4566", ""},
		{"firehose.us-east-1.amazonaws.com", ""},
		{"example.com", ""},
		{".localhost", ""},
		{"a..localhost", ""},
		{"", ""},
	}
	for _, tt := range tests {
		bucket, ok := s3fake.BucketFromHost(tt.host)
		if bucket != tt.bucket || ok != (tt.bucket != "") {
			t.Errorf("BucketFromHost(%q) = %q, %v; want %q", tt.host, bucket, ok, tt.bucket)
		}
	}
}

func TestVirtualHostedRequests(t *testing.T) {
	e := newEnv(t, s3fake.Options{}, false, nil)
	e.createBucket(t, "mybucket")
	port := e.srv.Listener.Addr().(*net.TCPAddr).Port
	localHost := fmt.Sprintf("mybucket.localhost:%d", port)
	awsHost := "mybucket.s3.us-east-1.amazonaws.com"

	send := func(method, host, path, body string) *response {
		req := mustRequest(t, method, e.srv.URL+path, body)
		req.Host = host
		if method == http.MethodPut {
			req.Header.Set("Content-Type", "text/plain")
		}
		return do(t, req)
	}

	if resp := send(http.MethodPut, localHost, "/dir/hello.txt", "hi there"); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT via %s: %d %s", localHost, resp.StatusCode, resp.body)
	}
	for _, host := range []string{localHost, awsHost} {
		resp := send(http.MethodGet, host, "/dir/hello.txt", "")
		if resp.StatusCode != http.StatusOK || resp.body != "hi there" || resp.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("GET via %s: %d %q %q", host, resp.StatusCode, resp.body, resp.Header.Get("Content-Type"))
		}
		resp = send(http.MethodGet, host, "/?list-type=2&prefix=dir/", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "<Key>dir/hello.txt</Key>") {
			t.Errorf("list via %s: %d %s", host, resp.StatusCode, resp.body)
		}
	}
	// Path style on the same server is unaffected.
	if body, _, err := e.s.GetObject(context.Background(), "mybucket", "dir/hello.txt"); err != nil || string(body) != "hi there" {
		t.Errorf("stored object: %q %v", body, err)
	}
	resp := send(http.MethodGet, fmt.Sprintf("localhost:%d", port), "/", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "<Name>mybucket</Name>") {
		t.Errorf("ListBuckets on localhost: %d %s", resp.StatusCode, resp.body)
	}
	resp = send(http.MethodGet, "missing.localhost", "/k", "")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.body, "<Code>NoSuchBucket</Code>") {
		t.Errorf("missing bucket: %d %s", resp.StatusCode, resp.body)
	}
}

// TestVirtualHostedSDK uses the SDK without path style: it addresses
// mybucket.localhost:PORT, which the test dials as the server.
func TestVirtualHostedSDK(t *testing.T) {
	e := newEnv(t, s3fake.Options{}, false, nil)
	e.createBucket(t, "mybucket")
	addr := e.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	var dialer net.Dialer
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	client := newClient(t, "http://localhost:"+port, hc, false)

	ctx := context.Background()
	body := randomBytes(9, 3000)
	const key = "vh/a b+c%2F=ü.txt"
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("mybucket"), Key: aws.String(key), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, _, err := e.s.GetObject(ctx, "mybucket", key)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored: %d bytes, %v", len(got), err)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("mybucket")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != key {
		t.Fatalf("ListObjectsV2: %v %v", list, err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mybucket"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer out.Body.Close()
	if got, err := io.ReadAll(out.Body); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("GetObject: %d bytes, %v", len(got), err)
	}
}
