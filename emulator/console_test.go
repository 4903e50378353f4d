package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// consoleEnv is a server driven through its handler, as a browser would.
type consoleEnv struct {
	t     *testing.T
	srv   *emulator.Server
	clock *emulator.FakeClock
}

func newConsoleEnv(t *testing.T, cfg emulator.Config) *consoleEnv {
	t.Helper()
	clock := emulator.NewFakeClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))
	cfg.Clock = clock
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &consoleEnv{t: t, srv: srv, clock: clock}
}

func (e *consoleEnv) do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, r)
	return rec
}

// page GETs a console page and returns its status and body.
func (e *consoleEnv) page(path string) (int, string) {
	e.t.Helper()
	rec := e.do(localRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// text is a page's body with HTML escapes undone, to look for content.
func (e *consoleEnv) text(path string) string {
	e.t.Helper()
	code, body := e.page(path)
	if code != http.StatusOK {
		e.t.Fatalf("GET %s: %d\n%s", path, code, body)
	}
	return html.UnescapeString(body)
}

var tags, spaces = regexp.MustCompile(`<[^>]*>`), regexp.MustCompile(`\s+`)

// visible is a page's text as a reader sees it: no tags, single spaces.
func (e *consoleEnv) visible(path string) string {
	e.t.Helper()
	return strings.TrimSpace(spaces.ReplaceAllString(tags.ReplaceAllString(e.text(path), " "), " "))
}

// post submits a console form from the console's own origin.
func (e *consoleEnv) post(path string, form url.Values) *httptest.ResponseRecorder {
	r := localRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	return e.do(r)
}

// api calls a Firehose operation.
func (e *consoleEnv) api(op string, in any) string {
	e.t.Helper()
	b, _ := json.Marshal(in)
	r := localRequest(http.MethodPost, "/", bytes.NewReader(b))
	r.Header.Set("X-Amz-Target", "Firehose_20150804."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := e.do(r)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func (e *consoleEnv) createStream(name string, dest map[string]any) {
	e.t.Helper()
	d := map[string]any{"RoleARN": "arn:aws:iam::000000000000:role/firehose", "BucketARN": "arn:aws:s3:::out"}
	for k, v := range dest {
		d[k] = v
	}
	if err := e.srv.S3().CreateBucket(context.Background(), "out"); err != nil {
		e.t.Fatal(err)
	}
	e.api("CreateDeliveryStream", map[string]any{"DeliveryStreamName": name, "ExtendedS3DestinationConfiguration": d})
}

func (e *consoleEnv) put(stream string, records ...string) {
	e.t.Helper()
	var recs []map[string]string
	for _, r := range records {
		recs = append(recs, map[string]string{"Data": base64.StdEncoding.EncodeToString([]byte(r))})
	}
	e.api("PutRecordBatch", map[string]any{"DeliveryStreamName": stream, "Records": recs})
}

// objectKeys lists the keys in bucket out.
func (e *consoleEnv) objectKeys() []string {
	e.t.Helper()
	l, err := e.srv.S3().ListObjects(context.Background(), "out", "", "", "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var keys []string
	for _, o := range l.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

func TestConsolePages(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	for _, path := range []string{"/_local/ui", "/_local/ui/", "/_local/ui/streams", "/_local/ui/streams/new", "/_local/ui/lambda", "/_local/ui/s3", "/_local/ui/demo"} {
		code, body := e.page(path)
		if code != http.StatusOK || !strings.Contains(body, "<title>") {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	for _, path := range []string{"/_local/ui/static/console.css", "/_local/ui/static/console.js", "/_local/ui/static/favicon.svg"} {
		if code, _ := e.page(path); code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	rec := e.do(localRequest(http.MethodGet, "/_local/ui/streams", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if code, _ := e.page("/_local/ui/nope"); code != http.StatusNotFound {
		t.Errorf("unknown page: %d", code)
	}
	if code, _ := e.page("/_local/ui/s3?bucket=missing"); code != http.StatusNotFound {
		t.Errorf("missing bucket: %d", code)
	}
	if code, _ := e.page("/_local/ui/s3/object?bucket=missing&key=k"); code != http.StatusNotFound {
		t.Errorf("missing object: %d", code)
	}
	// The admin catch-all still answers other /_local paths.
	if code, body := e.page("/_local/nope"); code != http.StatusNotFound || !strings.Contains(body, "no such admin endpoint") {
		t.Errorf("/_local/nope: %d %s", code, body)
	}
	// No page links anywhere but the server itself.
	for _, path := range []string{"/_local/ui/streams", "/_local/ui/demo"} {
		_, body := e.page(path)
		if m := regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).FindString(body); m != "" {
			t.Errorf("%s loads an external resource: %s", path, m)
		}
	}
}

func TestConsoleEscapesUserData(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	e.createStream("xss", map[string]any{
		"Prefix":         "data/<script>alert(1)</script>/",
		"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 60},
	})
	e.put("xss", `{"k":"</pre><script>alert(2)</script>"}`+"\n", "<img src=x onerror=alert(3)>\n")
	_, body := e.page("/_local/ui/streams")
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "data/&lt;script&gt;alert(1)&lt;/script&gt;/") {
		t.Errorf("the prefix is not escaped on the streams page:\n%s", body)
	}
	if rec := e.post("/_local/ui/flush", url.Values{"stream": {"xss"}, "region": {"us-east-1"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("flush: %d", rec.Code)
	}
	keys := e.objectKeys()
	if len(keys) != 1 {
		t.Fatalf("objects %q", keys)
	}
	for _, path := range []string{
		"/_local/ui/s3?bucket=out&prefix=" + url.QueryEscape("data/<script>alert(1)</script>/"),
		"/_local/ui/s3/object?bucket=out&key=" + url.QueryEscape(keys[0]),
	} {
		code, body := e.page(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("GET %s: user data not escaped:\n%s", path, body)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(") {
			t.Errorf("GET %s: the escaped data is missing:\n%s", path, body)
		}
	}
	// Messages carried in the URL are escaped too.
	if _, body := e.page("/_local/ui/streams?err=" + url.QueryEscape("<script>alert(4)</script>")); strings.Contains(body, "<script>alert") {
		t.Error("the error message is not escaped")
	}
}

func TestConsoleSameOrigin(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no origin at all", nil, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"same host, other port", map[string]string{"Origin": "http://localhost:8080"}, http.StatusForbidden},
		{"null origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign referer", map[string]string{"Referer": "http://evil.example/_local/ui/streams"}, http.StatusForbidden},
		{"foreign origin, own referer", map[string]string{"Origin": "http://evil.example", "Referer": "http://localhost/_local/ui"}, http.StatusForbidden},
		{"own origin", map[string]string{"Origin": "http://localhost"}, http.StatusSeeOther},
		{"same-origin fetch", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
		{"own referer", map[string]string{"Referer": "http://localhost/_local/ui/streams"}, http.StatusSeeOther},
	} {
		for _, path := range []string{"/_local/ui/flush", "/_local/ui/streams", "/_local/ui/demo/start", "/_local/ui/demo/stop"} {
			r := localRequest(http.MethodPost, path, strings.NewReader(""))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			rec := e.do(r)
			want := tc.want
			if want == http.StatusSeeOther && path == "/_local/ui/streams" {
				want = http.StatusBadRequest // allowed through; the empty form is refused
			}
			if rec.Code != want {
				t.Errorf("%s: POST %s: %d, want %d", tc.name, path, rec.Code, want)
			}
		}
	}
}

func TestConsoleFlushButton(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	e.createStream("orders", map[string]any{"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 300}})
	e.put("orders", "one\n", "two\n")
	e.clock.Advance(100 * time.Second)
	page := e.visible("/_local/ui/streams")
	for _, want := range []string{"8 B in 2 records", "interval fires in 3m20s", "1 MiB", "300 s"} {
		if !strings.Contains(page, want) {
			t.Errorf("streams page lacks %q", want)
		}
	}
	rec := e.post("/_local/ui/flush", url.Values{"stream": {"orders"}, "region": {"us-east-1"}})
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc.Path != "/_local/ui/streams" || loc.Query().Get("msg") != "Flushed orders: 1 batch." {
		t.Fatalf("flush: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if keys := e.objectKeys(); len(keys) != 1 {
		t.Fatalf("objects after the flush: %q", keys)
	}
	if page := e.visible("/_local/ui/streams"); !strings.Contains(page, "0 B in 0 records") || strings.Contains(page, "interval fires") {
		t.Error("the buffer is not empty after the flush")
	}
	// Flush all, and a stream that does not exist.
	if rec := e.post("/_local/ui/flush", nil); rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "Flushed+orders") {
		t.Errorf("flush all: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	rec = e.post("/_local/ui/flush", url.Values{"stream": {"nope"}})
	if loc, _ := url.Parse(rec.Header().Get("Location")); loc.Query().Get("err") != "No delivery stream named nope." {
		t.Errorf("flush of a missing stream: %s", rec.Header().Get("Location"))
	}
}

func TestConsolePreviewGzip(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	e.createStream("ticks", map[string]any{"CompressionFormat": "GZIP", "Prefix": "ticks/"})
	e.put("ticks", `{"ticker_symbol":"QXZ","sector":"HEALTHCARE","change":-0.05,"price":84.51}`+"\n", `{"ticker_symbol":"AMZN","sector":"RETAIL","change":1.20,"price":182.36}`+"\n")
	e.post("/_local/ui/flush", url.Values{"stream": {"ticks"}})
	keys := e.objectKeys()
	if len(keys) != 1 || !strings.HasSuffix(keys[0], ".gz") {
		t.Fatalf("objects %q", keys)
	}
	listing := e.text("/_local/ui/s3?bucket=out&prefix=ticks/2026/11/25/10/")
	if !strings.Contains(listing, strings.TrimPrefix(keys[0], "ticks/2026/11/25/10/")) {
		t.Errorf("the listing lacks the object:\n%s", listing)
	}
	page := e.text("/_local/ui/s3/object?bucket=out&key=" + url.QueryEscape(keys[0]))
	for _, want := range []string{
		"GZIP: shown decompressed",
		"Content-Encoding</dt><dd>gzip",
		"2 JSON records, one per line · <a class=\"view-toggle\"",
		"view=pretty#preview\">pretty-print</a>",
		"<span class=\"record\" data-record=\"1\">{\"ticker_symbol\":\"QXZ\",\"sector\":\"HEALTHCARE\",\"change\":-0.05,\"price\":84.51}</span>\n<span class=\"record\" data-record=\"2\">{\"ticker_symbol\":\"AMZN\"",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %q:\n%s", want, page)
		}
	}
	page = e.text("/_local/ui/s3/object?view=pretty&bucket=out&key=" + url.QueryEscape(keys[0]))
	for _, want := range []string{
		"2 JSON records, pretty-printed · <a class=\"view-toggle\"",
		"view=compact#preview\">one per line</a>",
		"{\n  \"ticker_symbol\": \"QXZ\",\n  \"sector\": \"HEALTHCARE\",\n  \"change\": -0.05,\n  \"price\": 84.51\n}",
		"\"ticker_symbol\": \"AMZN\"",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the pretty preview lacks %q:\n%s", want, page)
		}
	}
	// The download is the stored (compressed) object, as an attachment.
	rec := e.do(localRequest(http.MethodGet, "/_local/ui/s3/download?bucket=out&key="+url.QueryEscape(keys[0]), nil))
	if rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte{0x1f, 0x8b}) || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Errorf("download: %d %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
}

func TestConsoleCreateStreamForm(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	form := url.Values{
		"region": {"us-east-1"}, "name": {"from-form"}, "bucket": {"form-bucket"}, "create_bucket": {"1"},
		"prefix": {"p/"}, "error_prefix": {"e/!{firehose:error-output-type}/"},
		"size_mb": {"2"}, "interval_s": {"900"}, "compression": {"Snappy"}, "function": {""},
	}
	// The API's own validation: an interval past 900 seconds.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("interval_s", "901")
	rec := e.post("/_local/ui/streams", bad)
	body := html.UnescapeString(rec.Body.String())
	if rec.Code != http.StatusBadRequest || !strings.Contains(body, "ValidationException") || !strings.Contains(body, "901") {
		t.Fatalf("bad interval: %d\n%s", rec.Code, body)
	}
	if !strings.Contains(body, `value="from-form"`) {
		t.Error("the form lost what was typed")
	}
	bad.Set("interval_s", "soon")
	if rec := e.post("/_local/ui/streams", bad); rec.Code != http.StatusBadRequest {
		t.Errorf("a non-number interval: %d", rec.Code)
	}
	rec = e.post("/_local/ui/streams", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", rec.Code, rec.Body)
	}
	out := e.api("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "from-form"})
	for _, want := range []string{`"BucketARN":"arn:aws:s3:::form-bucket"`, `"Prefix":"p/"`, `"CompressionFormat":"Snappy"`, `"SizeInMBs":2`, `"IntervalInSeconds":900`} {
		if !strings.Contains(out, want) {
			t.Errorf("the stream lacks %s: %s", want, out)
		}
	}
	if _, err := e.srv.S3().ListObjects(context.Background(), "form-bucket", "", "", "", 0); err != nil {
		t.Errorf("the bucket was not created: %v", err)
	}
	// Twice: the API's ResourceInUseException.
	rec = e.post("/_local/ui/streams", form)
	if body := html.UnescapeString(rec.Body.String()); rec.Code != http.StatusBadRequest || !strings.Contains(body, "ResourceInUseException: Firehose from-form under accountId 000000000000 already exists") {
		t.Errorf("create twice: %d\n%s", rec.Code, body)
	}
}

func TestConsoleDemoThroughHandler(t *testing.T) {
	e := newConsoleEnv(t, emulator.Config{})
	e.createStream("ticker", nil)
	rec := e.post("/_local/ui/demo/start", url.Values{"stream": {"us-east-1/ticker"}, "rate": {"200"}})
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.Contains(loc, "msg=Sending+200") {
		t.Fatalf("start: %d %s", rec.Code, loc)
	}
	// A second run against the same stream is refused.
	rec = e.post("/_local/ui/demo/start", url.Values{"stream": {"us-east-1/ticker"}, "rate": {"10"}})
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "err=") {
		t.Errorf("second start: %s", loc)
	}
	// The records arrive in the stream's buffer (the demo runs in real time).
	sent := regexp.MustCompile(`class="sent">(\d+)<`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := e.page("/_local/ui/demo")
		if m := sent.FindStringSubmatch(body); m != nil && m[1] != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no demo records sent:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if page := e.text("/_local/ui/streams"); !strings.Contains(page, "demo data running") {
		t.Error("the streams page does not show the demo run")
	}
	rec = e.post("/_local/ui/demo/stop", url.Values{"stream": {"us-east-1/ticker"}})
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "msg=Stopped") {
		t.Fatalf("stop: %s", loc)
	}
	_, body := e.page("/_local/ui/demo")
	m := sent.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "stopped") {
		t.Fatalf("after stop:\n%s", body)
	}
	e.post("/_local/ui/flush", url.Values{"stream": {"ticker"}})
	keys := e.objectKeys()
	if len(keys) != 1 {
		t.Fatalf("objects %q", keys)
	}
	obj, _, _ := e.srv.S3().GetObject(context.Background(), "out", keys[0])
	if got := strings.Count(string(obj), "\n"); strconv.Itoa(got) != m[1] || !strings.Contains(string(obj), `"ticker_symbol"`) {
		t.Errorf("the object holds %d records; the demo page says %s", got, m[1])
	}
}

func TestConsoleLambdaAndErrorDocuments(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir := t.TempDir()
	code := "import base64\n" +
		"def handler(event, context):\n" +
		"    print('transforming', len(event['records']))\n" +
		"    out = []\n" +
		"    for r in event['records']:\n" +
		"        d = base64.b64decode(r['data'])\n" +
		"        out.append({'recordId': r['recordId'], 'result': 'ProcessingFailed' if d.startswith(b'fail') else 'Ok', 'data': r['data']})\n" +
		"    return {'records': out}\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newConsoleEnv(t, emulator.Config{Functions: []emulator.LocalFunction{{Name: "tx", Dir: dir, Runtime: "python3.12", Handler: "app.handler"}}})
	fn := "arn:aws:lambda:us-east-1:000000000000:function:tx"
	if page := e.text("/_local/ui/streams/new"); !strings.Contains(page, `<option value="`+fn+`">tx (us-east-1, python3.12)`) {
		t.Errorf("the form does not offer the function:\n%s", page)
	}
	e.createStream("tx-stream", map[string]any{
		"ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
		"ProcessingConfiguration": map[string]any{"Enabled": true, "Processors": []any{map[string]any{
			"Type": "Lambda", "Parameters": []any{map[string]any{"ParameterName": "LambdaArn", "ParameterValue": fn}},
		}}},
	})
	e.put("tx-stream", "fail <b>me</b>\n", "{\"ok\":1}\n")
	if page := e.text("/_local/ui/streams"); !strings.Contains(page, "transform buffer: 24 B in 2 records") {
		t.Errorf("the streams page lacks the transform buffer:\n%s", page)
	}
	e.post("/_local/ui/flush", url.Values{"stream": {"tx-stream"}})
	page := e.text("/_local/ui/lambda")
	for _, want := range []string{"tx", "python3.12", "runs from", "Ok 1 · Dropped 0 · ProcessingFailed 1", "START RequestId:", "transforming 2", "REPORT RequestId:",
		`<a class="invocation-stream" href="/_local/ui/streams#stream-us-east-1-tx-stream"`,
		`<tr class="log-row"><td colspan="5"><details id="log-`, "<th>Result</th><th>Transform</th></tr>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Lambda page lacks %q", want)
		}
	}
	var errKey string
	for _, k := range e.objectKeys() {
		if strings.HasPrefix(k, "errors/processing-failed/") {
			errKey = k
		}
	}
	if errKey == "" {
		t.Fatalf("no error document in %q", e.objectKeys())
	}
	if listing := e.text("/_local/ui/s3?bucket=out&prefix=errors/processing-failed/"); !strings.Contains(listing, `class="error-doc"`) {
		t.Error("the listing does not highlight the error document")
	}
	_, raw := e.page("/_local/ui/s3/object?bucket=out&key=" + url.QueryEscape(errKey))
	page = html.UnescapeString(raw)
	for _, want := range []string{"Error document: processing-failed.", "Lambda.ProcessingFailedStatus", "fail <b>me</b>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the error document page lacks %q", want)
		}
	}
	if strings.Contains(raw, "<b>me</b>") {
		t.Error("the record data is not escaped")
	}
}

// A failed transform invocation links to its stream's row on the streams
// page, as a successful one does.
func TestConsoleFailedInvocationLinksToStream(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("def handler(event, context):\n    raise ValueError('boom')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newConsoleEnv(t, emulator.Config{Functions: []emulator.LocalFunction{{Name: "bad", Dir: dir, Runtime: "python3.12", Handler: "app.handler"}}})
	fn := "arn:aws:lambda:us-east-1:000000000000:function:bad"
	e.createStream("bad-stream", map[string]any{
		"ProcessingConfiguration": map[string]any{"Enabled": true, "Processors": []any{map[string]any{
			"Type": "Lambda", "Parameters": []any{
				map[string]any{"ParameterName": "LambdaArn", "ParameterValue": fn},
				map[string]any{"ParameterName": "NumberOfRetries", "ParameterValue": "0"},
			},
		}}},
	})
	e.put("bad-stream", "x\n")
	e.post("/_local/ui/flush", url.Values{"stream": {"bad-stream"}})
	page := e.text("/_local/ui/lambda")
	for _, want := range []string{`<tr class="failed has-log">`, `<tr class="failed log-row"><td colspan="5"><details id="log-`, "function error (Unhandled)",
		`<a class="invocation-stream" href="/_local/ui/streams#stream-us-east-1-bad-stream" title="arn:aws:firehose:us-east-1:000000000000:deliverystream/bad-stream">`,
		"Lambda.FunctionError"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Lambda page lacks %q:\n%s", want, page)
		}
	}
	if streams := e.text("/_local/ui/streams"); !strings.Contains(streams, `id="stream-us-east-1-bad-stream"`) {
		t.Error("the streams page has no row the link points at")
	}
}

// The retries of one transform batch are grouped on the Lambda page, the
// latest attempt first, each saying "attempt n of m".
func TestConsoleGroupsRetriesOfABatch(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("def handler(event, context):\n    raise ValueError('boom')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newConsoleEnv(t, emulator.Config{Functions: []emulator.LocalFunction{{Name: "bad", Dir: dir, Runtime: "python3.12", Handler: "app.handler"}}})
	fn := "arn:aws:lambda:us-east-1:000000000000:function:bad"
	for _, name := range []string{"one", "two"} {
		e.createStream(name, map[string]any{
			"ProcessingConfiguration": map[string]any{"Enabled": true, "Processors": []any{map[string]any{
				"Type": "Lambda", "Parameters": []any{
					map[string]any{"ParameterName": "LambdaArn", "ParameterValue": fn},
					map[string]any{"ParameterName": "NumberOfRetries", "ParameterValue": "2"},
				},
			}}},
		})
		e.put(name, "x\n")
		e.post("/_local/ui/flush", url.Values{"stream": {name}})
	}
	page := e.text("/_local/ui/lambda")
	// Newest first: stream two's batch, then stream one's, each latest attempt first.
	re := regexp.MustCompile(`<tr class="(failed(?: retry)?) has-log">(?s:.*?)attempt (\d) of (\d)(?s:.*?)deliverystream/(\w+)`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		got = append(got, m[1]+" "+m[2]+"/"+m[3]+" "+m[4])
	}
	want := []string{"failed 3/3 two", "failed retry 2/3 two", "failed retry 1/3 two", "failed 3/3 one", "failed retry 2/3 one", "failed retry 1/3 one"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("rows %q, want %q\n%s", got, want, page)
	}
}

// localRequest is a request to the server under localhost, the name a
// browser on the developer's machine uses (httptest.NewRequest's
// example.com is a name the browser guard refuses to browsers).
func localRequest(method, path string, body io.Reader) *http.Request {
	return httptest.NewRequest(method, "http://localhost"+path, body)
}
