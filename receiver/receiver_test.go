package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const arn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"

func post(t *testing.T, url string, hdr map[string]string, body []byte) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return resp.StatusCode, out, resp.Header
}

func headers(id string) map[string]string {
	return map[string]string{
		"Content-Type":                     "application/json",
		"X-Amz-Firehose-Protocol-Version":  "1.0",
		"X-Amz-Firehose-Request-Id":        id,
		"X-Amz-Firehose-Source-Arn":        arn,
		"X-Amz-Firehose-Access-Key":        "k",
		"X-Amz-Firehose-Common-Attributes": `{"commonAttributes":{"env":"dev"}}`,
	}
}

func TestAcceptsAndAnswersPerSpecification(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	var log bytes.Buffer
	rc := New(Options{AccessKey: "k", Log: &log, LogRecords: true, Now: func() time.Time { return now }})
	srv := httptest.NewServer(rc)
	defer srv.Close()

	body := []byte(`{"requestId":"r1","timestamp":1799999999000,"records":[{"data":"aGVsbG8="},{"data":""}]}`)
	status, out, hdr := post(t, srv.URL+"/in?x=1", headers("r1"), body)
	if status != 200 || out["requestId"] != "r1" || out["timestamp"] != float64(now.UnixMilli()) || len(out) != 2 ||
		hdr.Get("Content-Type") != "application/json" || hdr.Get("Content-Length") == "" {
		t.Fatalf("answer %d %v %v", status, out, hdr)
	}
	// The same request again (a retry), gzipped.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(body)
	_ = zw.Close()
	h := headers("r1")
	h["Content-Encoding"] = "gzip"
	if status, _, _ := post(t, srv.URL+"/in?x=1", h, gz.Bytes()); status != 200 {
		t.Fatalf("gzip: %d", status)
	}
	reqs := rc.Requests()
	if len(reqs) != 2 || reqs[0].Attempt != 1 || reqs[1].Attempt != 2 || reqs[1].ContentEncoding != "gzip" ||
		reqs[0].URI != "/in?x=1" || reqs[0].Timestamp != 1799999999000 || reqs[0].CommonAttributes["env"] != "dev" ||
		!bytes.Equal(reqs[1].Body, body) || string(reqs[0].Records[0]) != "hello" || len(reqs[0].Records[1]) != 0 {
		t.Fatalf("requests = %+v", reqs)
	}
	if recs := rc.Records(); len(recs) != 2 {
		t.Fatalf("Records counts a retried request twice: %q", recs)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"requestId":"r1","attempt":1,"status":200,"records":2,"bytes":5`) ||
		!strings.Contains(lines[0], `"data":["hello",""]`) {
		t.Fatalf("log = %s", log.String())
	}
}

func TestRefusesWhatFirehoseWouldNotSend(t *testing.T) {
	rc := New(Options{AccessKey: "k"})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	good := `{"requestId":"r","timestamp":1,"records":[{"data":"eA=="}]}`
	cases := []struct {
		name   string
		edit   func(h map[string]string)
		body   string
		status int
		msg    string
	}{
		{"protocol version", func(h map[string]string) { delete(h, "X-Amz-Firehose-Protocol-Version") }, good, 400, "Protocol-Version"},
		{"request id", func(h map[string]string) { delete(h, "X-Amz-Firehose-Request-Id") }, good, 400, "Request-Id is missing"},
		{"source arn", func(h map[string]string) { h["X-Amz-Firehose-Source-Arn"] = "nope" }, good, 400, "Source-Arn"},
		{"content type", func(h map[string]string) { h["Content-Type"] = "text/plain" }, good, 400, "Content-Type"},
		{"access key missing", func(h map[string]string) { delete(h, "X-Amz-Firehose-Access-Key") }, good, 401, "missing"},
		{"access key wrong", func(h map[string]string) { h["X-Amz-Firehose-Access-Key"] = "x" }, good, 401, "does not match"},
		{"attributes", func(h map[string]string) { h["X-Amz-Firehose-Common-Attributes"] = `{"env":"dev"}` }, good, 400, "commonAttributes"},
		{"gzip claimed", func(h map[string]string) { h["Content-Encoding"] = "gzip" }, good, 400, "not"},
		{"id mismatch", nil, `{"requestId":"other","timestamp":1,"records":[{"data":"eA=="}]}`, 400, "does not match"},
		{"string timestamp", nil, `{"requestId":"r","timestamp":"1","records":[{"data":"eA=="}]}`, 400, "not an integer"},
		{"no records", nil, `{"requestId":"r","timestamp":1,"records":[]}`, 400, "1 to 10000"},
		{"bad base64", nil, `{"requestId":"r","timestamp":1,"records":[{"data":"!"}]}`, 400, "not base64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := headers("r")
			if c.edit != nil {
				c.edit(h)
			}
			status, out, _ := post(t, srv.URL, h, []byte(c.body))
			if status != c.status || !strings.Contains(out["errorMessage"].(string), c.msg) {
				t.Fatalf("got %d %v, want %d with %q", status, out, c.status, c.msg)
			}
		})
	}
	if len(rc.Records()) != 0 {
		t.Fatal("refused requests' records were recorded as delivered")
	}
}

func TestRespondChoosesTheAnswer(t *testing.T) {
	rc := New(Options{Respond: func(ctx context.Context, r *Request) *Response {
		if r.Attempt == 1 {
			return &Response{Status: 503, ErrorMessage: "busy"}
		}
		return nil
	}})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	body := []byte(`{"requestId":"r","timestamp":1,"records":[{"data":"eA=="}]}`)
	if status, out, _ := post(t, srv.URL, headers("r"), body); status != 503 || out["errorMessage"] != "busy" || out["requestId"] != "r" {
		t.Fatalf("first: %d %v", status, out)
	}
	if status, _, _ := post(t, srv.URL, headers("r"), body); status != 200 {
		t.Fatalf("retry: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reqs, err := rc.WaitRequests(ctx, 2)
	if err != nil || reqs[0].Status != 503 || reqs[1].Status != 200 || len(rc.Records()) != 1 {
		t.Fatalf("requests %+v, %v", reqs, err)
	}
}
