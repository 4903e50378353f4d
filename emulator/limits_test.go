package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// claimedBody is a body that announces n bytes but holds only a few: every
// limit must be enforced from Content-Length before reading (a client may
// announce gigabytes), and again while reading.
type claimedBody struct{ io.Reader }

func (claimedBody) Close() error { return nil }

// Every API caps its request bodies, with its own error: the limits hold
// with and without authentication (which reads JSON bodies itself to hash
// them).
func TestRequestBodyCaps(t *testing.T) {
	const jsonCT = "application/x-amz-json-1.1"
	cases := []struct {
		name, method, path, target, ct string
		announced                      int64
		status                         int
		want                           string // in the X-Amzn-ErrorType header or the body
	}{
		{"firehose 8 MiB", "POST", "/", "Firehose_20150804.PutRecordBatch", jsonCT, 8<<20 + 1, 413, "RequestEntityTooLargeException"},
		{"logs 8 MiB", "POST", "/", "Logs_20140328.PutLogEvents", jsonCT, 8<<20 + 1, 413, "RequestEntityTooLargeException"},
		{"lambda code 70167211 bytes", "POST", "/2015-03-31/functions", "", "application/json", 70167211 + 1, 413, "RequestEntityTooLargeException"},
		{"s3 object 5 GiB", "PUT", "/caps/key", "", "application/octet-stream", 5<<30 + 1, 400, "<Code>EntityTooLarge</Code>"},
		{"s3 other bodies 16 MiB", "POST", "/caps?delete", "", "application/xml", 16<<20 + 1, 400, "<Code>MaxMessageLengthExceeded</Code>"},
	}
	for _, auth := range []bool{false, true} {
		cfg := emulator.Config{}
		if auth {
			cfg.Auth = &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}
		}
		env := emulatortest.New(t, cfg)
		for _, c := range cases {
			name := c.name
			if auth {
				name += ", with auth"
			}
			t.Run(name, func(t *testing.T) {
				req := httptest.NewRequest(c.method, c.path, nil)
				req.Body = claimedBody{strings.NewReader("{}")}
				req.ContentLength = c.announced
				req.Header.Set("Content-Type", c.ct)
				if c.target != "" {
					req.Header.Set("X-Amz-Target", c.target)
				}
				if auth {
					// Signed over the body actually sent: the announced
					// length alone must stop it.
					if c.target == "" && !strings.HasPrefix(c.path, "/2015-03-31/") {
						req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
					}
					sign(t, req, "{}")
				}
				w := httptest.NewRecorder()
				env.Server.Handler().ServeHTTP(w, req)
				got := w.Header().Get("X-Amzn-ErrorType") + " " + w.Body.String()
				if w.Code != c.status || !strings.Contains(got, c.want) {
					t.Fatalf("%d %s, want %d %s", w.Code, got, c.status, c.want)
				}
			})
		}
	}
}

// sign signs req for the AKIDEXAMPLE credentials over body.
func sign(t *testing.T, req *http.Request, body string) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	if h := req.Header.Get("X-Amz-Content-Sha256"); h != "" {
		hash = h
	}
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	s3 := req.Header.Get("X-Amz-Content-Sha256") != ""
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 })
	service := "firehose"
	switch {
	case s3:
		service = "s3"
	case strings.HasPrefix(req.URL.Path, "/2015-03-31/"):
		service = "lambda"
	case strings.HasPrefix(req.Header.Get("X-Amz-Target"), "Logs_"):
		service = "logs"
	}
	if err := signer.SignHTTP(context.Background(), creds, req, hash, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}
