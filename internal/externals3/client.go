// Package externals3 writes deliveries to an S3-compatible store (MinIO,
// Ceph, AWS itself) and reads them back: path-style PutObject and GetObject
// over HTTP, signed with SigV4.
//
// It replaces the AWS SDK's S3 client, which with the SDK's configuration
// loader (SSO, STS and their endpoint tables) made up a fifth of the binary
// and a millisecond of its start-up, for two calls. Retries are the
// delivery pipeline's, as with the built-in S3.
package externals3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	"github.com/firehose-local/firehose-local/protocol/sigv4"
)

// Object is what PutObject sends besides the body.
type Object struct {
	ContentType     string
	ContentEncoding string
	KMSKeyARN       string // SSE-KMS with this key when not empty
}

// Client is one store.
type Client struct {
	base   *url.URL
	region string
	creds  aws.Credentials
	signer *v4.Signer
	http   *http.Client
	now    func() time.Time
}

// New returns a client of the store at endpoint (an http:// or https://
// URL) that signs for region with the credentials Resolve finds through
// getenv.
func New(endpoint, region string, getenv func(string) string) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--s3-endpoint %q: want an http:// or https:// URL", endpoint)
	}
	creds, err := Resolve(getenv)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Objects are read as stored: a gzip-encoded delivery is not to be
	// decompressed on the way.
	transport.DisableCompression = true
	return &Client{
		base:   u,
		region: region,
		creds:  creds,
		// S3 signs the path as sent, without the second escaping the other
		// services use.
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		http:   &http.Client{Transport: transport},
		now:    time.Now,
	}, nil
}

// Endpoint is the store's URL as given.
func (c *Client) Endpoint() string { return c.base.String() }

// PutObject writes one object.
func (c *Client) PutObject(ctx context.Context, bucket, key string, body []byte, o Object) error {
	req, err := c.request(ctx, http.MethodPut, bucket, key, body)
	if err != nil {
		return err
	}
	if o.ContentType != "" {
		req.Header.Set("Content-Type", o.ContentType)
	}
	if o.ContentEncoding != "" {
		req.Header.Set("Content-Encoding", o.ContentEncoding)
	}
	if o.KMSKeyARN != "" {
		req.Header.Set("X-Amz-Server-Side-Encryption", "aws:kms")
		req.Header.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", o.KMSKeyARN)
	}
	_, err = c.do(req, "PutObject", bucket, key, body)
	return err
}

// GetObject reads one object.
func (c *Client) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	req, err := c.request(ctx, http.MethodGet, bucket, key, nil)
	if err != nil {
		return nil, err
	}
	return c.do(req, "GetObject", bucket, key, nil)
}

func (c *Client) request(ctx context.Context, method, bucket, key string, body []byte) (*http.Request, error) {
	u := *c.base
	prefix := strings.TrimSuffix(u.Path, "/")
	u.Path = prefix + "/" + bucket + "/" + key
	u.RawPath = sigv4.EscapePath(prefix) + "/" + sigv4.EscapePath(bucket) + "/" + sigv4.EscapePath(key)
	u.RawQuery = ""
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s s3://%s/%s: %w", method, bucket, key, err)
	}
	req.ContentLength = int64(len(body))
	if body == nil {
		req.Body = http.NoBody
	}
	return req, nil
}

func (c *Client) do(req *http.Request, op, bucket, key string, body []byte) ([]byte, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := c.signer.SignHTTP(req.Context(), c.creds, req, hash, "s3", c.region, c.now()); err != nil {
		return nil, fmt.Errorf("S3 %s s3://%s/%s: signing: %w", op, bucket, key, err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("S3 %s s3://%s/%s: %w", op, bucket, key, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("S3 %s s3://%s/%s: reading the answer: %w", op, bucket, key, err)
	}
	if res.StatusCode/100 != 2 {
		return nil, newError(op, bucket, key, res, data)
	}
	return data, nil
}

// Error is an error answer of the store. It satisfies smithy-go's APIError,
// as the SDK's errors do, so failures are named S3.<Code> in the error log.
type Error struct {
	Op, Bucket, Key string
	Status          int
	Code, Message   string
	RequestID       string
}

func newError(op, bucket, key string, res *http.Response, body []byte) *Error {
	var doc struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(body, &doc)
	e := &Error{Op: op, Bucket: bucket, Key: key, Status: res.StatusCode, Code: doc.Code, Message: doc.Message, RequestID: doc.RequestID}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Amz-Request-Id")
	}
	if e.Code == "" { // no XML body (a proxy, a HEAD-like answer)
		e.Code = strings.ReplaceAll(http.StatusText(res.StatusCode), " ", "")
		if e.Code == "" {
			e.Code = fmt.Sprintf("HTTP%d", res.StatusCode)
		}
	}
	return e
}

func (e *Error) Error() string {
	s := fmt.Sprintf("S3 %s s3://%s/%s: HTTP %d %s", e.Op, e.Bucket, e.Key, e.Status, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request ID " + e.RequestID + ")"
	}
	return s
}

// ErrorCode is the S3 error code, such as NoSuchBucket.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the store's message.
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorFault is the server's fault for 5xx answers, the client's otherwise.
func (e *Error) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}
