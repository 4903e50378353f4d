package integration_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// The browser security tests play the pages an attacker could open in the
// developer's browser while firehose-local runs, with exactly the headers a
// browser sends, against every surface; and the legitimate clients beside
// them. TestBrowserAttacks (browser_attack_test.go) plays them in Chromium.

const (
	chromeUA  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	evil      = "https://evil.example"
	secret    = "the developer's secret"
	xssObject = `<html><body><script>document.title = "pwned"; fetch("/victim/pwned", {method: "PUT", body: "x"})</script></body></html>`
)

// victim is a server with something to steal or break: a bucket with a
// secret and an HTML page, a stream holding a buffered record, a function
// that leaves a mark when it runs.
type victim struct {
	env    *emulatortest.Env
	marker string // written by every invocation of the function "victim"
	zip    []byte // a deployment package an attacker would upload
}

func newVictim(t *testing.T, cfg emulator.Config) *victim {
	t.Helper()
	env := newEnv(t, cfg)
	ctx := context.Background()
	v := &victim{env: env, marker: filepath.Join(t.TempDir(), "invoked")}
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("victim")}); err != nil {
		t.Fatal(err)
	}
	for key, body := range map[string]string{"secret.txt": secret, "xss.html": xssObject} {
		ct := "text/plain"
		if strings.HasSuffix(key, ".html") {
			ct = "text/html"
		}
		if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("victim"), Key: aws.String(key),
			Body: strings.NewReader(body), ContentType: aws.String(ct)}); err != nil {
			t.Fatal(err)
		}
	}
	createStream(t, env.Firehose, "victim-stream", s3Dest())
	if _, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("victim-stream"),
		Record: &types.Record{Data: []byte("buffered\n")}}); err != nil {
		t.Fatal(err)
	}
	v.zip = zipFiles(t, map[string]string{"app.py": "testdata/pymarker/app.py"})
	if _, err := env.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("victim"), Runtime: ltypes.RuntimePython312, Handler: aws.String("app.handler"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &ltypes.FunctionCode{ZipFile: v.zip},
		Environment: &ltypes.Environment{Variables: map[string]string{"MARKER": v.marker}},
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// attack is one request a page could make.
type attack struct {
	name   string
	method string
	path   string
	header map[string]string
	body   string
}

// attacks are the requests of the adversarial run, as a cross-site page
// sends them (text/plain needs no preflight).
func (v *victim) attacks() []attack {
	create, _ := json.Marshal(map[string]any{"FunctionName": "evil", "Runtime": "python3.12", "Handler": "app.handler",
		"Role": "arn:aws:iam::000000000000:role/x", "Code": map[string]any{"ZipFile": base64.StdEncoding.EncodeToString(v.zip)},
		"Environment": map[string]any{"Variables": map[string]string{"MARKER": v.marker}}})
	plain := map[string]string{"Content-Type": "text/plain;charset=UTF-8"}
	target := func(op string) map[string]string {
		return map[string]string{"X-Amz-Target": op, "Content-Type": "application/x-amz-json-1.1"}
	}
	return []attack{
		{"Lambda CreateFunction", "POST", "/2015-03-31/functions", plain, string(create)},
		{"Lambda Invoke", "POST", "/2015-03-31/functions/victim/invocations", plain, "{}"},
		{"Lambda GetFunction", "GET", "/2015-03-31/functions/victim", nil, ""},
		{"Lambda DeleteFunction", "DELETE", "/2015-03-31/functions/victim", nil, ""},
		{"S3 ListBuckets", "GET", "/", nil, ""},
		{"S3 GetObject", "GET", "/victim/secret.txt", nil, ""},
		{"S3 ListObjects", "GET", "/victim?list-type=2", nil, ""},
		{"S3 PutObject", "PUT", "/victim/secret.txt", plain, "overwritten"},
		{"S3 POST form upload", "POST", "/victim", map[string]string{"Content-Type": "multipart/form-data; boundary=b"},
			"--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nevil.txt\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nevil\r\n--b--\r\n"},
		{"S3 DeleteObject", "DELETE", "/victim/secret.txt", nil, ""},
		{"S3 PutBucketCors", "PUT", "/victim?cors", plain, `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`},
		{"Firehose CreateDeliveryStream", "POST", "/", target("Firehose_20150804.CreateDeliveryStream"),
			`{"DeliveryStreamName":"evil","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/x","BucketARN":"arn:aws:s3:::deliveries"}}`},
		{"Firehose DeleteDeliveryStream", "POST", "/", target("Firehose_20150804.DeleteDeliveryStream"), `{"DeliveryStreamName":"victim-stream"}`},
		{"Logs CreateLogGroup", "POST", "/", target("Logs_20140328.CreateLogGroup"), `{"logGroupName":"evil"}`},
		{"flush", "POST", "/_local/flush", plain, ""},
		{"metrics", "GET", "/metrics", nil, ""},
		{"health", "GET", "/_local/health", nil, ""},
		{"console page", "GET", "/_local/ui/streams", nil, ""},
		{"console flush", "POST", "/_local/ui/flush", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, ""},
		{"console demo", "POST", "/_local/ui/demo/start", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "stream=victim-stream"},
	}
}

// noRedirects shows a redirect as it is, as a page sees a form's answer.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// send makes a request to the server with host as its Host header.
func (v *victim) send(t *testing.T, host string, a attack, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(a.method, v.env.URL+a.path, strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, val := range a.header {
		req.Header.Set(k, val)
	}
	for k, val := range header {
		req.Header.Set(k, val)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// untouched checks that no attack had an effect.
func (v *victim) untouched(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	env := v.env
	if _, err := os.Stat(v.marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a function ran: %v", err)
	}
	fns, err := env.Lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fns.Functions) != 1 || aws.ToString(fns.Functions[0].FunctionName) != "victim" {
		t.Errorf("functions changed: %d", len(fns.Functions))
	}
	objs, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("victim")})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) != 2 {
		t.Errorf("bucket victim has %d objects, want 2", len(objs.Contents))
	}
	if got := getObject(t, env.S3, "victim", "secret.txt"); got != secret {
		t.Errorf("secret.txt = %q", got)
	}
	if _, err := env.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("victim")}); !hasCode(err, "NoSuchCORSConfiguration") {
		t.Errorf("GetBucketCors: %v", err)
	}
	if delivered, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")}); err != nil || len(delivered.Contents) != 0 {
		t.Errorf("the buffered record was flushed: %v", err)
	}
	streams, err := env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams.DeliveryStreamNames) != 1 || streams.DeliveryStreamNames[0] != "victim-stream" {
		t.Errorf("streams: %v", streams.DeliveryStreamNames)
	}
	groups, err := cloudwatchlogs.NewFromConfig(env.AWS).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("evil")})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Errorf("log group evil: %v %v", groups, err)
	}
}

func getObject(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return string(b)
}

func hasCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// refused checks a 403 in the surface's own error shape, without CORS
// headers that would let the page read it.
func refused(t *testing.T, name string, resp *http.Response) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("%s: %d, want 403\n%s", name, resp.StatusCode, body)
		return
	}
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" {
		t.Errorf("%s: Access-Control-Allow-Origin %q on a refusal", name, acao)
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case strings.Contains(ct, "xml"):
		if !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) && !bytes.Contains(body, []byte("<Code>AccessForbidden</Code>")) {
			t.Errorf("%s: S3 refusal %s", name, body)
		}
	case ct == "application/x-amz-json-1.1":
		if !bytes.Contains(body, []byte(`"__type":"AccessDeniedException"`)) {
			t.Errorf("%s: JSON refusal %s", name, body)
		}
	case resp.Header.Get("X-Amzn-ErrorType") != "":
		if resp.Header.Get("X-Amzn-ErrorType") != "AccessDeniedException" {
			t.Errorf("%s: Lambda refusal %s", name, resp.Header.Get("X-Amzn-ErrorType"))
		}
	default:
		if !bytes.Contains(body, []byte("AccessDenied")) {
			t.Errorf("%s: refusal %s", name, body)
		}
	}
}

// Pages on another origin, including other local ports and 127.0.0.2, can
// neither change nor read anything: every surface refuses them, simple
// requests, preflights and no-cors loads alike.
func TestBrowserCrossSiteRequestsRefused(t *testing.T) {
	v := newVictim(t, emulator.Config{})
	origins := []map[string]string{
		{"Origin": evil, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "User-Agent": chromeUA},
		{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "User-Agent": chromeUA},
		{"Origin": "http://127.0.0.2" + v.env.URL[strings.LastIndex(v.env.URL, ":"):], "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
		{"Origin": "null", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		// A form's cross-site POST is a navigation, with an Origin.
		{"Origin": evil, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "User-Agent": chromeUA},
		// <script src>, <img src>: no Origin, no-cors.
		{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script", "User-Agent": chromeUA},
	}
	for _, a := range v.attacks() {
		for _, h := range origins {
			if h["Origin"] == "" && a.method != "GET" {
				continue // browsers send Origin with every cross-site request that could change something
			}
			refused(t, a.name+" from "+h["Origin"]+h["Sec-Fetch-Dest"], v.send(t, "", a, h))
		}
		// The preflight of a request that needs one.
		pre := attack{method: "OPTIONS", path: a.path}
		h := map[string]string{"Origin": evil, "Access-Control-Request-Method": a.method, "Access-Control-Request-Headers": "x-amz-target,content-type", "User-Agent": chromeUA}
		refused(t, a.name+" preflight", v.send(t, "", pre, h))
	}
	v.untouched(t)
}

// A page on a name re-pointed at 127.0.0.1 (DNS rebinding) is same-origin
// with the server; its requests carry the attacker's name as Host.
func TestBrowserDNSRebindingRefused(t *testing.T) {
	v := newVictim(t, emulator.Config{})
	host := "rebind.evil.example" + v.env.URL[strings.LastIndex(v.env.URL, ":"):]
	for _, a := range v.attacks() {
		// A same-origin read from a page over plain HTTP carries neither
		// Origin nor Sec-Fetch-*; only its User-Agent tells a browser.
		if a.method == "GET" {
			refused(t, a.name+" rebound read", v.send(t, host, a, map[string]string{"User-Agent": chromeUA}))
		}
		refused(t, a.name+" rebound", v.send(t, host, a, map[string]string{"User-Agent": chromeUA, "Origin": "http://" + host}))
	}
	v.untouched(t)
}

// What keeps working: SDKs and the CLI under any Host (a compose service
// name), virtual-hosted S3 under *.localhost, the console on its own
// origin, links to it, and objects served sandboxed.
func TestBrowserGuardKeepsLegitimatePaths(t *testing.T) {
	v := newVictim(t, emulator.Config{})
	ctx := context.Background()
	addr := strings.TrimPrefix(v.env.URL, "http://")
	port := addr[strings.LastIndex(addr, ":"):]
	// Every name dials the server, as a compose network or /etc/hosts would.
	client := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
	})
	for _, name := range []string{"firehose-local", "host.docker.internal", "firehose.internal.example"} {
		cfg := emulatortest.Config("http://"+name+port, "us-east-1")
		cfg.HTTPClient = client
		if _, err := firehose.NewFromConfig(cfg).PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("victim-stream"),
			Record: &types.Record{Data: []byte("via " + name + "\n")}}); err != nil {
			t.Errorf("PutRecord via %s: %v", name, err)
		}
		if got := getObject(t, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), "victim", "secret.txt"); got != secret {
			t.Errorf("GetObject via %s: %q", name, got)
		}
		if _, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{}); err != nil {
			t.Errorf("ListFunctions via %s: %v", name, err)
		}
	}
	// Virtual-hosted style: Host victim.localhost:PORT.
	cfg := emulatortest.Config("http://localhost"+port, "us-east-1")
	cfg.HTTPClient = client
	if got := getObject(t, s3.NewFromConfig(cfg), "victim", "secret.txt"); got != secret {
		t.Errorf("virtual-hosted GetObject: %q", got)
	}

	nav := map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
	link := map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
	for _, c := range []struct {
		name, host, path string
		header           map[string]string
	}{
		{"console typed in", "localhost" + port, "/_local/ui/streams", nav},
		{"console by address", addr, "/_local/ui/streams", nav},
		{"console from a link", addr, "/_local/ui/streams", link},
		{"object in the browser", addr, "/victim/secret.txt", nav},
		{"object under bucket.localhost", "victim.localhost" + port, "/secret.txt", nav},
		{"console on a compose name", "firehose-local" + port, "/_local/ui", nav},
	} {
		resp := v.send(t, c.host, attack{method: "GET", path: c.path}, c.header)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", c.name, resp.StatusCode)
		}
	}
	// The console's own form posts.
	resp := v.send(t, "localhost"+port, attack{method: "POST", path: "/_local/ui/flush", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		map[string]string{"User-Agent": chromeUA, "Origin": "http://localhost" + port, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("console flush: %d", resp.StatusCode)
	}

	// Objects are served nosniff and sandboxed: an uploaded page runs no
	// script on the console's origin.
	resp = v.send(t, addr, attack{method: "GET", path: "/victim/xss.html"}, nav)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("xss.html served as %d %v", resp.StatusCode, resp.Header)
	}
	// and never with gofakes3's Access-Control-Allow-Origin: *.
	for _, path := range []string{"/victim/secret.txt", "/victim", "/"} {
		resp := v.send(t, "", attack{method: "GET", path: path}, nil)
		if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q, nosniff %q", path, acao, resp.Header.Get("X-Content-Type-Options"))
		}
	}
}

// --cors-origins lets a browser app call the APIs; S3 then answers CORS
// from the bucket's configuration, as S3 does (LocalStack's recordings of
// real S3: test_s3_cors.snapshot.json).
func TestBrowserAllowedOriginCORS(t *testing.T) {
	const app = "http://localhost:3000"
	dir := t.TempDir()
	v := newVictim(t, emulator.Config{CORSOrigins: []string{app}, DataDir: dir})
	ctx := context.Background()
	browser := func(extra map[string]string) map[string]string {
		h := map[string]string{"Origin": app, "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "User-Agent": chromeUA}
		for k, val := range extra {
			h[k] = val
		}
		return h
	}
	preflight := func(path, method, headers string) *http.Response {
		return v.send(t, "", attack{method: "OPTIONS", path: path}, browser(map[string]string{"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}))
	}

	// The JSON APIs and Lambda answer CORS for the app.
	resp := preflight("/", "POST", "content-type,x-amz-target,x-amz-date,authorization")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != app ||
		resp.Header.Get("Access-Control-Allow-Headers") != "content-type,x-amz-target,x-amz-date,authorization" {
		t.Fatalf("Firehose preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp = v.send(t, "", attack{method: "POST", path: "/", header: map[string]string{"X-Amz-Target": "Firehose_20150804.PutRecord", "Content-Type": "application/x-amz-json-1.1"},
		body: `{"DeliveryStreamName":"victim-stream","Record":{"Data":"aGkK"}}`}, browser(nil))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
		t.Fatalf("PutRecord from the app: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp := preflight("/2015-03-31/functions/victim/invocations", "POST", "content-type"); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("Lambda preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// The console and admin endpoints are still the console's own.
	refused(t, "flush from the app", v.send(t, "", attack{method: "POST", path: "/_local/flush"}, browser(nil)))
	// Other origins are still refused.
	refused(t, "another origin", v.send(t, "", attack{method: "POST", path: "/", header: map[string]string{"X-Amz-Target": "Firehose_20150804.ListDeliveryStreams", "Content-Type": "application/x-amz-json-1.1"}, body: "{}"},
		map[string]string{"Origin": "http://localhost:3001"}))

	// S3: a bucket without a CORS configuration refuses preflights as S3 does.
	s3err := func(resp *http.Response, status int, code, message string) {
		t.Helper()
		raw, _ := io.ReadAll(resp.Body)
		b := []byte(html.UnescapeString(string(raw)))
		if resp.StatusCode != status || !bytes.Contains(b, []byte("<Code>"+code+"</Code>")) || !bytes.Contains(b, []byte("<Message>"+message+"</Message>")) {
			t.Errorf("got %d %s, want %d %s %q", resp.StatusCode, b, status, code, message)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("Access-Control-Allow-Origin on %s", b)
		}
	}
	s3err(preflight("/victim/secret.txt", "PUT", ""), 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.")
	s3err(preflight("/nobucket/x", "GET", ""), 403, "AccessForbidden", "CORSResponse: Bucket not found")
	s3err(v.send(t, "", attack{method: "OPTIONS", path: "/victim/secret.txt"}, nil), 400, "BadRequest", "Insufficient information. Origin request header needed.")
	// An actual request gets no CORS headers: the browser keeps the answer from the page.
	if resp := v.send(t, "", attack{method: "GET", path: "/victim/secret.txt"}, browser(nil)); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET without bucket CORS: %d %v", resp.StatusCode, resp.Header)
	}

	_, err := v.env.S3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("victim"), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{
			{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"http://localhost:*"}, AllowedHeaders: []string{"x-amz-*", "Content-Type"},
				ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(3000)},
			{AllowedMethods: []string{"HEAD"}, AllowedOrigins: []string{"*"}},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.env.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("victim")})
	if err != nil || len(got.CORSRules) != 2 || got.CORSRules[0].AllowedOrigins[0] != "http://localhost:*" || aws.ToInt32(got.CORSRules[0].MaxAgeSeconds) != 3000 {
		t.Fatalf("GetBucketCors: %+v %v", got, err)
	}
	resp = preflight("/victim/secret.txt", "PUT", "x-amz-date, Content-Type")
	want := map[string]string{
		"Access-Control-Allow-Origin":      app,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, PUT",
		"Access-Control-Allow-Headers":     "x-amz-date, content-type",
		"Access-Control-Expose-Headers":    "ETag",
		"Access-Control-Max-Age":           "3000",
		"Vary":                             "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	}
	for k, val := range want {
		if resp.Header.Get(k) != val {
			t.Errorf("preflight %s = %q, want %q", k, resp.Header.Get(k), val)
		}
	}
	if resp.StatusCode != 200 {
		t.Errorf("preflight: %d", resp.StatusCode)
	}
	resp = v.send(t, "", attack{method: "GET", path: "/victim/secret.txt"}, browser(nil))
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != secret || resp.Header.Get("Access-Control-Allow-Origin") != app || resp.Header.Get("Access-Control-Allow-Methods") != "GET, PUT" {
		t.Errorf("GET with a matching rule: %d %v", resp.StatusCode, resp.Header)
	}
	// A header no rule allows, a method no rule allows.
	s3err(preflight("/victim/secret.txt", "PUT", "x-custom"), 403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	s3err(preflight("/victim/secret.txt", "DELETE", ""), 403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	// The wildcard rule answers "*", without credentials.
	if resp := preflight("/victim/secret.txt", "HEAD", ""); resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard rule: %v", resp.Header)
	}

	// S3's validation of a configuration.
	_, err = v.env.S3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("victim"), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"MYMETHOD"}, AllowedOrigins: []string{"*"}}}}})
	if !hasCode(err, "InvalidRequest") || !strings.Contains(err.Error(), "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD") {
		t.Errorf("PutBucketCors MYMETHOD: %v", err)
	}
	s3err(v.send(t, "", attack{method: "PUT", path: "/victim?cors", body: "<CORSConfiguration></CORSConfiguration>"}, nil),
		400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	if _, err := v.env.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("nobucket")}); !hasCode(err, "NoSuchBucket") {
		t.Errorf("GetBucketCors of no bucket: %v", err)
	}

	// The configuration survives a restart with the data dir.
	if err := v.env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	env2 := emulatortest.New(t, emulator.Config{CORSOrigins: []string{app}, DataDir: dir})
	if got, err := env2.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("victim")}); err != nil || len(got.CORSRules) != 2 {
		t.Fatalf("GetBucketCors after a restart: %+v %v", got, err)
	}
	if _, err := env2.S3.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("victim")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env2.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("victim")}); !hasCode(err, "NoSuchCORSConfiguration") {
		t.Errorf("GetBucketCors after DeleteBucketCors: %v", err)
	}
	// A deleted bucket's configuration goes with it.
	if _, err := env2.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("temp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env2.S3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("temp"), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env2.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("temp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env2.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("temp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env2.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("temp")}); !hasCode(err, "NoSuchCORSConfiguration") {
		t.Errorf("a re-created bucket kept its predecessor's CORS: %v", err)
	}
}

// With --auth sigv4, preflights (which browsers never sign) reach the
// guard, and a signed request from a page the guard refuses is still
// refused: an attacker's page can compute a signature with guessable keys.
func TestBrowserGuardWithAuth(t *testing.T) {
	const app = "http://localhost:3000"
	env := newEnv(t, emulator.Config{CORSOrigins: []string{app}, Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	req, _ := http.NewRequest("OPTIONS", env.URL+"/", nil)
	req.Header.Set("Origin", app)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "x-amz-target")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("unsigned preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// A signed S3 write from a foreign page.
	body := "overwritten"
	req, _ = http.NewRequest("PUT", env.URL+"/deliveries/x.txt", strings.NewReader(body))
	req.Header.Set("Origin", evil)
	req.Header.Set("Content-Type", "text/plain")
	sum := sha256.Sum256([]byte(body))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	creds, _ := env.AWS.Credentials.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "s3", env.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, "signed PUT from a foreign page", resp)
	resp.Body.Close()
	if _, err := env.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("x.txt")}); err == nil {
		t.Fatal("the foreign page wrote an object")
	}
}
