package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/firehose-local/firehose-local/delivery"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/internal/demo"
	"github.com/firehose-local/firehose-local/kinesis"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/s3fake"
)

// panicky is a Backend whose every method panics (the embedded interface
// is nil), except where a test overrides one.
type panicky struct{ Backend }

func (panicky) ExternalS3() string { return "" }

func TestHandlerPanicIsA500(t *testing.T) {
	c := New(panicky{}, nil)
	defer c.Close()
	for range 2 {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_local/ui/streams", nil))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "failed to render this page") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	// Pages that do not need the backend still work.
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_local/ui/static/console.js", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("static: %d", rec.Code)
	}
}

func TestPreview(t *testing.T) {
	records := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `{"i":%d,"s":"%s"}`+"\n", i, strings.Repeat("x", 100))
		}
		return b.Bytes()
	}
	gz := func(b []byte) []byte {
		out, err := compression.Compress(compression.GZIP, b, "")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	snappy := func(b []byte) []byte {
		out, _ := compression.Compress(compression.Snappy, b, "")
		return out
	}
	info := func(b []byte, enc string) s3fake.ObjectInfo {
		return s3fake.ObjectInfo{ObjectMeta: s3fake.ObjectMeta{ContentEncoding: enc}, Size: int64(len(b))}
	}
	big := records(5000) // past the preview limit
	for _, tc := range []struct {
		name, key string
		body      []byte
		info      s3fake.ObjectInfo
		check     func(t *testing.T, p preview)
	}{
		{"json lines", "a/b", records(3), info(records(3), ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != 3 || p.Truncated || !strings.Contains(p.Records[2], "\"i\": 2") ||
				!p.NDJSON || len(p.Compact) != 3 || strings.Contains(p.Compact[2], "\n") || !strings.Contains(p.Compact[2], `"i":2`) {
				t.Errorf("%+v", p)
			}
		}},
		{"concatenated without newlines", "a/b", []byte(`{"a":1}{"a":2}[3]`), info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != 3 || p.NDJSON || p.Compact[1] != `{"a":2}` {
				t.Errorf("%+v", p)
			}
		}},
		{"gzip, truncated", "a/b.gz", gz(big), info(gz(big), "gzip"), func(t *testing.T, p preview) {
			if p.Format != compression.GZIP || p.Kind != "json" || !p.Truncated || p.Decoded != previewLimit || len(p.Records) < 100 || p.DecodeError != "" {
				t.Errorf("format %s kind %s truncated %v decoded %d records %d err %q", p.Format, p.Kind, p.Truncated, p.Decoded, len(p.Records), p.DecodeError)
			}
		}},
		{"many records", "a/b", records(600), info(records(600), ""), func(t *testing.T, p preview) {
			if p.Kind != "json" || len(p.Records) != maxPreviewRecords || !p.MoreRecords {
				t.Errorf("%d records, more %v", len(p.Records), p.MoreRecords)
			}
		}},
		{"snappy", "a/b.snappy", snappy(records(2)), info(snappy(records(2)), "snappy-java"), func(t *testing.T, p preview) {
			if p.Format != compression.Snappy || p.Kind != "json" || len(p.Records) != 2 {
				t.Errorf("%+v", p)
			}
		}},
		{"text", "a/b", []byte("hello\nworld\n"), info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "text" || p.Text != "hello\nworld\n" {
				t.Errorf("%+v", p)
			}
		}},
		{"binary", "a/b", []byte{0, 1, 2, 0xff, 0xfe}, info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "binary" || !strings.Contains(p.Text, "00 01 02 ff fe") {
				t.Errorf("%+v", p)
			}
		}},
		{"empty", "a/b", nil, info(nil, ""), func(t *testing.T, p preview) {
			if p.Kind != "empty" {
				t.Errorf("%+v", p)
			}
		}},
		{"corrupt gzip", "a/b.gz", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{7}, 50)...), info(nil, "gzip"), func(t *testing.T, p preview) {
			if p.DecodeError == "" {
				t.Errorf("%+v", p)
			}
		}},
		{"endpoint error document", "backup/http-endpoint-failed/2026/x",
			[]byte(`{"attemptsMade":3,"arrivalTimestamp":1700000000000,"errorCode":"HttpEndpoint.ResponseTooLarge","errorMessage":"too big","attemptEndingTimestamp":1,"rawData":"aGVsbG8=","subsequenceNumber":0,"dataId":"id-1"}` + "\n"),
			info(nil, ""), func(t *testing.T, p preview) {
				if p.ErrorType != "http-endpoint-failed" || len(p.ErrorDocs) != 1 {
					t.Fatalf("%+v", p)
				}
				d := p.ErrorDocs[0]
				if d.Code != "HttpEndpoint.ResponseTooLarge" || d.Raw != "hello" || d.Attempts != 3 || d.Target != "id-1" || d.Arrival.IsZero() {
					t.Errorf("%+v", d)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, buildPreview(tc.key, tc.body, tc.info)) })
	}
}

func TestCrumbs(t *testing.T) {
	got := crumbs("a/b/c/")
	if len(got) != 3 || got[0] != (crumb{"a/", "a/"}) || got[2] != (crumb{"c/", "a/b/c/"}) {
		t.Errorf("%+v", got)
	}
	if len(crumbs("")) != 0 || len(crumbs("abc")) != 0 {
		t.Error("crumbs of a prefix without /")
	}
}

// hostile is a value that would be markup if it were written raw, marked
// with where it goes.
func hostile(where string) string { return `<i id="` + where + `">'&` }

// hostileBackend puts a hostile value in every field the pages show.
type hostileBackend struct {
	panicky
	s3 *s3fake.S3
}

func (hostileBackend) DefaultRegion() string { return "us-east-1" }
func (hostileBackend) Now() time.Time        { return time.Unix(0, 0) }
func (hostileBackend) ExternalS3() string    { return hostile("external-s3") }
func (b hostileBackend) S3() *s3fake.S3      { return b.s3 }

func (hostileBackend) Streams() []Stream {
	return []Stream{{
		Name: hostile("stream-name"), Region: hostile("region"), ARN: hostile("stream-arn"),
		Status: hostile("status"), Type: hostile("type"), Destination: hostile("destination"),
		Bucket: hostile("stream-bucket"), Prefix: hostile("prefix"), ErrorPrefix: hostile("error-prefix"),
		Compression: hostile("compression"), EndpointName: hostile("endpoint-name"), EndpointURL: hostile("endpoint-url"),
		BufferSeconds: 60, Interval: time.Minute, LambdaARN: "arn:aws:lambda:us-east-1:000000000000:function:" + hostile("fn-arn"),
		Buffer: Buffer{DeliveryError: hostile("delivery-error"), Queued: 1, Active: 1, Partitions: []delivery.PartitionState{{Keys: hostile("partition-keys"), Bytes: 1, Records: 1}}},
	}}
}

func (hostileBackend) DataStreams() []DataStream {
	return []DataStream{{
		Region: hostile("ds-region"), Name: hostile("ds-name"), ARN: hostile("ds-arn"), Status: hostile("ds-status"),
		Mode: hostile("ds-mode"), Encryption: hostile("ds-encryption"), KeyID: hostile("ds-key"),
		Shards: []kinesis.ShardView{{ID: hostile("shard-id"), ParentID: hostile("shard-parent"), AdjacentParentID: hostile("shard-adjacent"),
			StartHashKey: hostile("hash-start"), EndHashKey: hostile("hash-end"), StartingSequenceNumber: hostile("seq-start"), EndingSequenceNumber: hostile("seq-end")}},
		Latest: []kinesis.RecordView{
			{ShardID: hostile("rec-shard"), SequenceNumber: hostile("rec-seq"), PartitionKey: hostile("rec-key"), Data: []byte(hostile("rec-data")), Size: 100},
		},
	}}
}

func (hostileBackend) Functions() []lambdaapi.FunctionSummary {
	return []lambdaapi.FunctionSummary{{
		Region: hostile("fn-region"), Name: hostile("fn-name"), ARN: hostile("fn-summary-arn"),
		Runtime: hostile("runtime"), Handler: hostile("handler"), LocalDir: hostile("local-dir"),
	}}
}

func (hostileBackend) Invocations() map[string][]Invocation {
	inv := Invocation{
		RequestID: hostile("request-id"), FunctionError: hostile("function-error"), Log: hostile("function-log"),
		Stream: hostile("invocation-stream"), ResponseError: hostile("response-error"),
	}
	failed := inv
	failed.Error = hostile("invocation-error")
	return map[string][]Invocation{
		hostile("fn-summary-arn"): {inv, failed},
		hostile("deleted-fn"):     {inv},
	}
}

// Every page escapes every value that comes from users: no hostile value
// is ever written raw, and each shows, escaped, where it belongs.
func TestEveryPageEscapes(t *testing.T) {
	ctx := context.Background()
	store, err := s3fake.New(s3fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	dir := hostile("folder") + "/"
	put := func(key string, body string, meta s3fake.ObjectMeta) {
		if err := store.PutObject(ctx, "bkt", key, []byte(body), meta); err != nil {
			t.Fatal(err)
		}
	}
	put(dir+hostile("text-key"), hostile("text-body"), s3fake.ObjectMeta{ContentType: hostile("content-type"), ContentEncoding: hostile("content-encoding")})
	// A JSON string holds the value with its quotes backslashed.
	inJSON := strings.ReplaceAll(hostile("json-body"), `"`, `\"`)
	put(dir+hostile("json-key"), `{"v":"`+inJSON+`"}`+"\n", s3fake.ObjectMeta{})
	errDoc, _ := json.Marshal(map[string]any{
		"rawData": base64.StdEncoding.EncodeToString([]byte(hostile("raw-data"))), "errorCode": hostile("error-code"),
		"errorMessage": hostile("error-message"), "attemptsMade": 1, "arrivalTimestamp": 1, "lambdaARN": hostile("error-target"),
	})
	put("processing-failed/"+hostile("errdoc-key"), string(errDoc)+"\n", s3fake.ObjectMeta{})

	c := New(hostileBackend{s3: store}, nil)
	defer c.Close()
	get := func(path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Body.String()
	}
	q := url.QueryEscape
	pages := map[string]string{
		"streams":     get(Prefix + "/streams?msg=" + q(hostile("flash-msg")) + "&err=" + q(hostile("flash-err"))),
		"lambda":      get(Prefix + "/lambda"),
		"kinesis":     get(Prefix + "/kinesis"),
		"buckets":     get(Prefix + "/s3"),
		"root":        get(Prefix + "/s3?bucket=bkt"),
		"folder":      get(Prefix + "/s3?bucket=bkt&prefix=" + q(dir)),
		"errdocs":     get(Prefix + "/s3?bucket=bkt&prefix=processing-failed/"),
		"text":        get(Prefix + "/s3/object?bucket=bkt&key=" + q(dir+hostile("text-key"))),
		"json":        get(Prefix + "/s3/object?bucket=bkt&key=" + q(dir+hostile("json-key"))),
		"json pretty": get(Prefix + "/s3/object?view=pretty&bucket=bkt&key=" + q(dir+hostile("json-key"))),
		"errdoc":      get(Prefix + "/s3/object?bucket=bkt&key=" + q("processing-failed/"+hostile("errdoc-key"))),
		"nobucket":    get(Prefix + "/s3?bucket=" + q(hostile("missing-bucket"))),
		"noobject":    get(Prefix + "/s3/object?bucket=bkt&key=" + q(hostile("missing-key"))),
		"notfound":    get(Prefix + "/" + url.PathEscape(hostile("path"))),
		"demo":        get(Prefix + "/demo?region=" + q(hostile("region")) + "&stream=" + q(hostile("stream-name"))),
	}
	// The create-stream form shows back what was typed.
	form := url.Values{}
	for _, f := range []string{"region", "name", "bucket", "prefix", "error_prefix", "size_mb", "interval_s", "compression", "function"} {
		form.Set(f, hostile("form-"+f))
	}
	r := httptest.NewRequest(http.MethodPost, Prefix+"/streams", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, r)
	pages["form"] = rec.Body.String()
	// Demo runs, written directly: starting one needs a Firehose API.
	var p page
	demoContent(&p, nil, []demoView{{Region: hostile("run-region"), Error: hostile("run-error"),
		Stats: demo.Stats{Stream: hostile("run-stream"), LastError: hostile("run-last-error"), Running: true}}}, "", 1, 2, hostile("sample"))
	pages["demo runs"] = p.b.String()

	want := map[string][]string{
		"streams": {"flash-msg", "flash-err", "external-s3", "stream-name", "region", "status", "type", "destination", "stream-bucket",
			"prefix", "error-prefix", "compression", "endpoint-name", "endpoint-url", "fn-arn", "delivery-error"},
		"lambda": {"fn-name", "fn-summary-arn", "runtime", "handler", "local-dir", "request-id", "function-error", "function-log",
			"invocation-stream", "response-error", "invocation-error", "deleted-fn"},
		"kinesis": {"ds-region", "ds-name", "ds-arn", "ds-status", "ds-mode", "ds-encryption", "ds-key", "shard-id", "shard-parent",
			"shard-adjacent", "hash-start", "hash-end", "seq-start", "seq-end", "rec-shard", "rec-seq", "rec-key", "rec-data"},
		"buckets":     {"external-s3"},
		"root":        {"folder"},
		"folder":      {"folder", "text-key", "json-key"},
		"errdocs":     {"errdoc-key"},
		"text":        {"folder", "text-key", "text-body", "content-type", "content-encoding"},
		"json":        {"folder", "json-key"},
		"json pretty": {"folder", "json-key"},
		"errdoc":      {"errdoc-key", "raw-data", "error-code", "error-message", "error-target"},
		"nobucket":    {"missing-bucket"},
		"noobject":    {"missing-key"},
		"notfound":    {"path"},
		"demo":        {"stream-name", "region"},
		"form":        {"form-name", "form-region", "form-bucket", "form-prefix", "form-error_prefix", "form-size_mb", "form-interval_s", "fn-name", "fn-region", "fn-summary-arn", "runtime"},
		"demo runs":   {"run-region", "run-error", "run-stream", "run-last-error", "sample"},
	}
	if !strings.Contains(pages["json pretty"], `<pre class="json record" data-record="1">{
  &#34;v&#34;: &#34;`+html.EscapeString(inJSON)+`&#34;
}</pre>`) {
		t.Errorf("json pretty: no escaped json-body:\n%s", pages["json pretty"])
	}
	if !strings.Contains(pages["json"], `<pre class="json compact"><span class="record" data-record="1">{&#34;v&#34;:&#34;`+html.EscapeString(inJSON)+`&#34;}</span>
</pre>`) || !strings.Contains(pages["json"], `&amp;view=pretty#preview">pretty-print</a>`) {
		t.Errorf("json: not compact by default, or no escaped json-body:\n%s", pages["json"])
	}
	for name, body := range pages {
		if strings.Contains(body, "<i ") || strings.Contains(body, `">'&`) {
			t.Errorf("%s: a value is written raw:\n%s", name, body)
		}
		for _, where := range want[name] {
			// Escaped in text and attributes, or query-escaped in a URL.
			if !strings.Contains(body, html.EscapeString(hostile(where))) {
				t.Errorf("%s: no escaped %s", name, where)
			}
		}
	}
}

func TestPageHelpers(t *testing.T) {
	var p page
	p.open("a", "href", uiURL("/s3", "bucket", `b"&<`, "prefix", "a b/c?d#e"), "title", `"><script>`)
	p.text("<&>")
	if got, want := p.b.String(), `<a href="/_local/ui/s3?bucket=b%22%26%3C&amp;prefix=a+b%2Fc%3Fd%23e" title="&#34;&gt;&lt;script&gt;">&lt;&amp;&gt;`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a bad attribute name was written")
		}
	}()
	p.open("a", `onclick="x`, "y")
}

// dataStreams is a Backend with the given data streams.
type dataStreams struct {
	panicky
	streams []DataStream
}

func (b dataStreams) DataStreams() []DataStream { return b.streams }

func TestDataStreamsPage(t *testing.T) {
	get := func(b Backend) string {
		t.Helper()
		c := New(b, nil)
		defer c.Close()
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Prefix+"/kinesis", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	if body := get(dataStreams{}); !strings.Contains(body, "No data streams yet.") || !strings.Contains(body, `<a href="/_local/ui/kinesis" class="active" aria-current="page">Data streams</a>`) {
		t.Errorf("empty page:\n%s", body)
	}
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	binary := []byte{0xff, 0x00, 0x80}
	long := strings.Repeat("é", RecordDataLimit) // cut in the middle of a character
	body := get(dataStreams{streams: []DataStream{{
		Region: "eu-west-1", Name: "orders", ARN: "arn:aws:kinesis:eu-west-1:000000000000:stream/orders", Status: "ACTIVE",
		Mode: "PROVISIONED", Created: at, RetentionHours: 48, Encryption: "KMS", KeyID: "alias/k", OpenShards: 2, ClosedShards: 1,
		Shards: []kinesis.ShardView{
			{ID: "shardId-000000000000", StartHashKey: "0", EndHashKey: "340282366920938463463374607431768211455", Closed: true,
				StartingSequenceNumber: "4900", EndingSequenceNumber: "4909", Records: 9},
			{ID: "shardId-000000000001", ParentID: "shardId-000000000000", StartHashKey: "0", EndHashKey: "99", StartingSequenceNumber: "4910", Records: 2},
		},
		Latest: []kinesis.RecordView{
			{ShardID: "shardId-000000000001", SequenceNumber: "4912", PartitionKey: "user-1", Arrival: at, Data: []byte(`{"a":1}`), Size: 7},
			{ShardID: "shardId-000000000001", SequenceNumber: "4911", PartitionKey: "bin", Arrival: at, Data: binary, Size: 3},
			{ShardID: "shardId-000000000000", SequenceNumber: "4909", PartitionKey: "long", Arrival: at, Data: []byte(long[:RecordDataLimit-1]), Size: 10_000},
		},
	}}})
	for _, want := range []string{
		"<h2>orders <span class=\"status s-ACTIVE\">ACTIVE</span></h2>",
		"eu-west-1 · PROVISIONED · 2 open shards, 1 closed · retention 48 h · encryption KMS (alias/k) · created 2026-03-14 15:09:26 UTC",
		"<code class=\"hash\">0 – 340282366920938463463374607431768211455</code>",
		"<td>—</td>\n      <td>closed</td>",
		"<td>shardId-000000000000</td>\n      <td>open</td>",
		"<code class=\"hash\">4900 – 4909</code></td>\n      <td>9</td>",
		"<code class=\"hash\">4910 – —</code>",
		"<td><code>user-1</code></td>\n      <td><pre class=\"record\">{&#34;a&#34;:1}</pre></td>",
		"<div class=\"sub\">base64</div><pre class=\"record\">/wCA</pre>",
		"<pre class=\"record\">" + strings.Repeat("é", RecordDataLimit/2-1) + "</pre><div class=\"sub\">the first 2.0 KiB of 9.8 KiB</div>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
}

// Attempts of one batch interleaved with other invocations are put
// together where the batch's latest attempt is, each with the batch's
// attempt count.
func TestBatchOrder(t *testing.T) {
	list := []Invocation{ // newest first
		{RequestID: "a3", Batch: "A", Attempt: 3},
		{RequestID: "b1", Batch: "B", Attempt: 1},
		{RequestID: "x"},
		{RequestID: "a2", Batch: "A", Attempt: 2},
		{RequestID: "a1", Batch: "A", Attempt: 1},
	}
	out, of := batchOrder(list)
	var got []string
	for i, inv := range out {
		got = append(got, inv.RequestID+"/"+itoa(of[i]))
	}
	if want := "a3/3 a2/3 a1/3 b1/1 x/0"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}
