package receiver_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/firehose-local/firehose-local/receiver"
)

var osCreds = map[string]string{"AKIDOS": "os-secret"}

// officialClient is the official Go client, signing with its own SigV4
// signer for service in us-east-1.
func officialClient(t *testing.T, url, service, secret string) *opensearchapi.Client {
	t.Helper()
	signer, err := awsv2.NewSignerWithService(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDOS", secret, "")}, service)
	if err != nil {
		t.Fatal(err)
	}
	c, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{Addresses: []string{url}, Signer: signer}})
	if err != nil {
		t.Fatal(err)
	}
	// Its transport polls the cluster in the background until closed.
	t.Cleanup(func() { _ = c.Client.Close() })
	return c
}

const bulkBody = `{"index":{"_index":"logs-2026-11-25","_id":"1.0"}}
{"msg":"a"}
{"index":{"_index":"logs-2026-11-25","_type":"log"}}
{"msg":"b"}
`

// The official client's signed bulk request is accepted and its bulk
// response type reads the answer; a partial failure is reported per item.
func TestOpenSearchReceiverOfficialClient(t *testing.T) {
	for _, service := range []string{"es", "aoss"} {
		rc := receiver.NewOpenSearch(receiver.OpenSearchOptions{Service: service, Credentials: osCreds,
			Respond: func(_ context.Context, r *receiver.BulkRequest) *receiver.BulkAnswer {
				if len(r.Actions) == 2 && strings.Contains(string(r.Actions[1].Source), "fail") {
					return &receiver.BulkAnswer{Fail: map[int]receiver.ItemError{1: {Status: 429, Type: "es_rejected_execution_exception", Reason: "queue full"}}}
				}
				return nil
			}})
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		c := officialClient(t, srv.URL, service, "os-secret")
		resp, err := c.Bulk(context.Background(), opensearchapi.BulkReq{Body: strings.NewReader(bulkBody)})
		if err != nil {
			t.Fatalf("%s: Bulk: %v (%+v)", service, err, rc.Requests())
		}
		if resp.Errors || len(resp.Items) != 2 || resp.Items[0]["index"].Status != 201 || resp.Items[0]["index"].ID != "1.0" ||
			resp.Items[1]["index"].ID == "" || resp.Items[1]["index"].Type != "log" || resp.Items[1]["index"].Result != "created" {
			t.Fatalf("%s: response %+v", service, resp)
		}
		r := rc.Requests()[0]
		if r.Service != service || r.AccessKeyID != "AKIDOS" || r.Region != "us-east-1" || len(r.Actions) != 2 || r.Actions[1].Type != "log" {
			t.Fatalf("%s: request %+v", service, r)
		}
		if docs := rc.Documents(); len(docs) != 2 || string(docs[0].Source) != `{"msg":"a"}` {
			t.Fatalf("%s: documents %+v", service, docs)
		}
		partial := strings.Replace(bulkBody, `"b"`, `"fail"`, 1)
		resp, err = c.Bulk(context.Background(), opensearchapi.BulkReq{Body: strings.NewReader(partial)})
		if err != nil && resp == nil {
			t.Fatalf("%s: partial Bulk: %v", service, err)
		}
		if !resp.Errors || resp.Items[0]["index"].Status != 201 || resp.Items[1]["index"].Status != 429 ||
			resp.Items[1]["index"].Error == nil || resp.Items[1]["index"].Error.Type != "es_rejected_execution_exception" {
			t.Fatalf("%s: partial response %+v", service, resp)
		}
		if len(rc.Documents()) != 3 {
			t.Fatalf("%s: %d documents after the partial failure", service, len(rc.Documents()))
		}

		// The wrong secret, and a signature for the other service, are 403.
		other := map[string]string{"es": "aoss", "aoss": "es"}[service]
		for _, bad := range []*opensearchapi.Client{officialClient(t, srv.URL, service, "wrong"), officialClient(t, srv.URL, other, "os-secret")} {
			_, err := bad.Bulk(context.Background(), opensearchapi.BulkReq{Body: strings.NewReader(bulkBody)})
			var se *opensearch.StructError
			var raw *opensearch.StringError
			if err == nil || (!errors.As(err, &se) && !errors.As(err, &raw) && !strings.Contains(err.Error(), "403")) {
				t.Fatalf("%s: a badly signed request got %v", service, err)
			}
		}
		reqs := rc.Requests()
		for _, r := range reqs[len(reqs)-2:] {
			if r.Status != http.StatusForbidden || len(r.Actions) != 0 {
				t.Fatalf("%s: badly signed request answered %d (%s)", service, r.Status, r.Error)
			}
		}
	}
}

// Requests that break the bulk protocol are refused with the reason.
func TestOpenSearchReceiverStrict(t *testing.T) {
	rc := receiver.NewOpenSearch(receiver.OpenSearchOptions{Credentials: osCreds})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	send := func(method, path, ctype, body string, sign bool) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if sign {
			sum := sha256.Sum256([]byte(body))
			creds := aws.Credentials{AccessKeyID: "AKIDOS", SecretAccessKey: "os-secret"}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "es", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name, method, path, ctype, body string
		sign                            bool
		status                          int
		why                             string
	}{
		{"valid", "POST", "/_bulk", "application/json", bulkBody, true, 200, ""},
		{"unsigned", "POST", "/_bulk", "application/json", bulkBody, false, 403, "not signed"},
		{"path", "POST", "/logs/_bulk", "application/json", bulkBody, true, 400, "POST /_bulk"},
		{"method", "PUT", "/_bulk", "application/json", bulkBody, true, 400, "POST /_bulk"},
		{"query", "POST", "/_bulk?refresh=true", "application/json", bulkBody, true, 400, "query"},
		{"content type", "POST", "/_bulk", "text/plain", bulkBody, true, 406, "Content-Type"},
		{"no newline", "POST", "/_bulk", "application/json", strings.TrimSuffix(bulkBody, "\n"), true, 400, "terminated by a newline"},
		{"no document", "POST", "/_bulk", "application/json", `{"index":{"_index":"i"}}` + "\n", true, 400, "followed by its document"},
		{"delete", "POST", "/_bulk", "application/json", `{"delete":{"_index":"i","_id":"1"}}` + "\n{}\n", true, 400, "not \"delete\""},
		{"no index", "POST", "/_bulk", "application/json", `{"index":{"_id":"1"}}` + "\n{}\n", true, 400, "no _index"},
		{"meta", "POST", "/_bulk", "application/json", `{"index":{"_index":"i","routing":"x"}}` + "\n{}\n", true, 400, "unexpected action metadata"},
		{"two actions", "POST", "/_bulk", "application/json", `{"index":{"_index":"i"},"create":{"_index":"i"}}` + "\n{}\n", true, 400, "exactly one action"},
	}
	for i, c := range cases {
		if got := send(c.method, c.path, c.ctype, c.body, c.sign); got != c.status {
			t.Errorf("%s: status %d, want %d", c.name, got, c.status)
			continue
		}
		r := rc.Requests()[i]
		if !strings.Contains(r.Error, c.why) || (c.why == "") != (r.Error == "") {
			t.Errorf("%s: error %q, want it to say %q", c.name, r.Error, c.why)
		}
	}
	// A document that is not a JSON object fails its item, as a cluster's
	// mapper does; the others are indexed.
	before := len(rc.Documents())
	if got := send("POST", "/_bulk", "application/json", `{"index":{"_index":"i"}}`+"\nnot json\n"+`{"index":{"_index":"i"}}`+"\n{\"ok\":1}\n", true); got != 200 {
		t.Fatalf("status %d", got)
	}
	if r := rc.Requests()[len(rc.Requests())-1]; len(r.Failed) != 1 || r.Failed[0] != 0 || len(rc.Documents()) != before+1 {
		t.Fatalf("failed items %v, documents %d", r.Failed, len(rc.Documents())-before)
	}
}
