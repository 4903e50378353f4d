package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Client calls the server's own APIs in process: each call is an HTTP
// request served by the server's handler, with the same validation,
// errors and side effects as a request from the network.
type Client struct {
	// Handler is the server's handler (every API).
	Handler http.Handler
	// Sign, if set, signs each request for service (firehose, logs,
	// kinesis, glue, lambda, s3) and region with body's SHA-256, for a
	// server that verifies signatures.
	Sign func(req *http.Request, service, region string, body []byte) error
	// Region is the region of the calls; "" is the server's default.
	Region string
}

// In returns a client for region.
func (c *Client) In(region string) *Client {
	cc := *c
	cc.Region = region
	return &cc
}

// APIError is an error answer of one of the APIs.
type APIError struct {
	Status  int
	Code    string // the error type: ResourceInUseException, BucketAlreadyOwnedByYou...
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// targets are the JSON 1.1 services' X-Amz-Target prefixes.
var targets = map[string]string{
	"firehose": "Firehose_20150804.",
	"logs":     "Logs_20140328.",
	"kinesis":  "Kinesis_20131202.",
	"glue":     "AWSGlue.",
}

// JSON calls op of a JSON 1.1 service (firehose, logs, kinesis, glue)
// with body, and decodes the answer into out (unless nil).
func (c *Client) JSON(ctx context.Context, service, op string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", targets[service]+op)
	return c.do(req, service, body, out)
}

// REST sends a request to the Lambda REST API or S3 (service "lambda" or
// "s3") and decodes a JSON answer into out (unless nil).
func (c *Client) REST(ctx context.Context, service, method, path string, header http.Header, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://127.0.0.1"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, service, body, out)
}

func (c *Client) do(req *http.Request, service string, body []byte, out any) error {
	req.Host = "127.0.0.1"
	req.RemoteAddr = "127.0.0.1:1"
	req.ContentLength = int64(len(body))
	if c.Sign != nil {
		if err := c.Sign(req, service, c.Region, body); err != nil {
			return err
		}
	} else if c.Region != "" {
		// A server that accepts any request takes the region from the
		// credential scope, signed or not.
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=firehose-local/20000101/"+c.Region+"/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return parseError(res, b)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if service == "s3" {
		return xml.Unmarshal(b, out)
	}
	return json.Unmarshal(b, out)
}

// parseError reads the error answer of any of the APIs: JSON 1.1
// ({"__type","message"}), Lambda's REST JSON (X-Amzn-ErrorType, "message"
// or "Message") and S3's XML.
func parseError(res *http.Response, b []byte) error {
	e := &APIError{Status: res.StatusCode}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	var j struct {
		Type    string `json:"__type"`
		Type2   string `json:"Type"`
		Message string `json:"message"`
		Msg2    string `json:"Message"`
	}
	switch {
	case bytes.HasPrefix(bytes.TrimSpace(b), []byte("<")) && xml.Unmarshal(b, &x) == nil:
		e.Code, e.Message = x.Code, x.Message
	case json.Unmarshal(b, &j) == nil:
		e.Code, e.Message = j.Type, j.Message
		if e.Message == "" {
			e.Message = j.Msg2
		}
		if t := res.Header.Get("X-Amzn-Errortype"); t != "" {
			e.Code = t
		} else if e.Code == "" {
			e.Code = j.Type2
		}
	default:
		e.Message = strings.TrimSpace(string(b))
	}
	// JSON 1.1 types may carry a namespace (aws.protocol#Name) or a
	// suffix after a colon.
	if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
		e.Code = e.Code[i+1:]
	}
	if i := strings.IndexByte(e.Code, ':'); i >= 0 {
		e.Code = e.Code[:i]
	}
	if e.Code == "" {
		e.Code = fmt.Sprintf("HTTP %d", res.StatusCode)
	}
	return e
}
