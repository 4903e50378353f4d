package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/firehose-local/firehose-local/emulator"
)

// attackPage is what an attacker's site serves: it tries every surface of
// the emulator at emu ("" when it is same-origin with it, after DNS
// rebinding) with fetch, forms and a script tag, and leaves what it could
// see in window.__results.
var attackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<html><head><title>a page the developer opened</title></head><body>
<script>
const emu = new URLSearchParams(location.search).get("emu") ?? "";
const createFunction = {{.Create}};
const results = [];
async function attempt(name, fn) {
  try {
    results.push(Object.assign({ name }, await fn()));
  } catch (e) {
    results.push({ name, error: String(e) });
  }
}
async function seen(r) {
  return { status: r.status, type: r.type, body: r.type === "opaque" ? "" : await r.text() };
}
function form(name, action, fields, enctype) {
  return attempt(name, () => new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = name;
    document.body.append(frame);
    const f = document.createElement("form");
    f.method = "POST";
    f.action = action;
    f.target = name;
    if (enctype) f.enctype = enctype;
    for (const [k, v] of Object.entries(fields)) {
      const i = document.createElement("input");
      i.name = k;
      i.value = v;
      f.append(i);
    }
    document.body.append(f);
    frame.addEventListener("load", () => resolve({ submitted: true }), { once: true });
    f.submit();
  }));
}
(async () => {
  const plain = { "Content-Type": "text/plain" };
  // Simple requests: no preflight, the page cannot read the answer, but the
  // server would act on them.
  await attempt("lambda create (no-cors)", async () => seen(await fetch(emu + "/2015-03-31/functions", { method: "POST", mode: "no-cors", headers: plain, body: createFunction })));
  await attempt("lambda invoke (no-cors)", async () => seen(await fetch(emu + "/2015-03-31/functions/victim/invocations", { method: "POST", mode: "no-cors", headers: plain, body: "{}" })));
  await attempt("flush (no-cors)", async () => seen(await fetch(emu + "/_local/flush", { method: "POST", mode: "no-cors" })));
  await attempt("s3 post upload (no-cors)", async () => {
    const fd = new FormData();
    fd.append("key", "evil.txt");
    fd.append("file", new Blob(["evil"]), "evil.txt");
    return seen(await fetch(emu + "/victim", { method: "POST", mode: "no-cors", body: fd }));
  });
  await attempt("firehose (no-cors)", async () => seen(await fetch(emu + "/", { method: "POST", mode: "no-cors", headers: plain, body: "{}" })));
  // Reads.
  await attempt("s3 get", async () => seen(await fetch(emu + "/victim/secret.txt")));
  await attempt("s3 list", async () => seen(await fetch(emu + "/victim?list-type=2")));
  await attempt("lambda get", async () => seen(await fetch(emu + "/2015-03-31/functions/victim")));
  await attempt("metrics", async () => seen(await fetch(emu + "/metrics")));
  await attempt("console", async () => seen(await fetch(emu + "/_local/ui/streams")));
  // Requests that need a preflight.
  await attempt("lambda create", async () => seen(await fetch(emu + "/2015-03-31/functions", { method: "POST", headers: { "Content-Type": "application/json" }, body: createFunction })));
  await attempt("lambda invoke", async () => seen(await fetch(emu + "/2015-03-31/functions/victim/invocations", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })));
  await attempt("s3 put", async () => seen(await fetch(emu + "/victim/secret.txt", { method: "PUT", body: "overwritten" })));
  await attempt("s3 delete", async () => seen(await fetch(emu + "/victim/secret.txt", { method: "DELETE" })));
  await attempt("s3 put cors", async () => seen(await fetch(emu + "/victim?cors", { method: "PUT", body: "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>" })));
  await attempt("firehose create", async () => seen(await fetch(emu + "/", { method: "POST",
    headers: { "X-Amz-Target": "Firehose_20150804.CreateDeliveryStream", "Content-Type": "application/x-amz-json-1.1" },
    body: JSON.stringify({ DeliveryStreamName: "evil", ExtendedS3DestinationConfiguration: { RoleARN: "arn:aws:iam::000000000000:role/x", BucketARN: "arn:aws:s3:::deliveries" } }) })));
  await attempt("logs create", async () => seen(await fetch(emu + "/", { method: "POST",
    headers: { "X-Amz-Target": "Logs_20140328.CreateLogGroup", "Content-Type": "application/x-amz-json-1.1" }, body: JSON.stringify({ logGroupName: "evil" }) })));
  // Forms: cross-site navigations that post.
  await form("form flush", emu + "/_local/flush", {});
  await form("form console flush", emu + "/_local/ui/flush", {});
  await form("form console demo", emu + "/_local/ui/demo/start", { stream: "victim-stream" });
  await form("form invoke", emu + "/2015-03-31/functions/victim/invocations", { "{}": "" }, "text/plain");
  // A script tag loads across origins without CORS.
  await attempt("script tag", () => new Promise((resolve) => {
    const s = document.createElement("script");
    s.src = emu + "/victim/secret.txt";
    s.onload = () => resolve({ loaded: true });
    s.onerror = () => resolve({ loaded: false });
    document.body.append(s);
  }));
  window.__results = results;
  window.__done = true;
})();
</script></body></html>`))

// attackResults is what attack.mjs prints.
type attackResults struct {
	CrossOrigin, Rebinding struct {
		Results []map[string]any
		Errors  []string
	}
	StoredXSS struct {
		Title    string
		Requests []string
	}
	Failure string
}

// attackInChromium serves the attack page on another local address, runs
// attack.mjs against v's server, and returns what the pages saw.
func attackInChromium(t *testing.T, v *victim) attackResults {
	t.Helper()
	node, chromium := requireBrowser(t)
	create, _ := json.Marshal(map[string]any{"FunctionName": "evil", "Runtime": "python3.12", "Handler": "app.handler",
		"Role": "arn:aws:iam::000000000000:role/x", "Code": map[string]any{"ZipFile": base64.StdEncoding.EncodeToString(v.zip)},
		"Environment": map[string]any{"Variables": map[string]string{"MARKER": v.marker}}})
	// 127.0.0.2 is another origin, and another address, than the server's.
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.2 for the attacker's page: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_ = attackPage.Execute(w, map[string]any{"Create": string(create)})
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "attack.mjs", v.env.URL, "http://"+l.Addr().String()+"/attack.html", "rebind.evil.example")
	cmd.Dir = "browser"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("attack.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	var res attackResults
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("attack.mjs printed %s: %v", out, err)
	}
	if res.Failure != "" {
		t.Fatalf("attack.mjs failed: %s", res.Failure)
	}
	for _, page := range []string{"cross-origin", "rebinding"} {
		r := res.CrossOrigin
		if page == "rebinding" {
			r = res.Rebinding
		}
		if len(r.Results) != 22 || len(r.Errors) > 0 {
			t.Fatalf("the %s page ran %d of 22 attempts (errors %v):\n%v", page, len(r.Results), r.Errors, r.Results)
		}
		t.Logf("%s page saw:", page)
		for _, a := range r.Results {
			if b, ok := a["body"].(string); ok && len(b) > 400 {
				a["body"] = b[:400] + "…"
			}
			t.Logf("  %v", a)
		}
	}
	return res
}

// leaked returns the attempts whose answers the page could read with the
// secret in them.
func leaked(results []map[string]any) []string {
	var out []string
	for _, a := range results {
		if b, _ := a["body"].(string); strings.Contains(b, secret) {
			out = append(out, a["name"].(string))
		}
		if a["loaded"] == true {
			out = append(out, a["name"].(string))
		}
	}
	return out
}

// Web pages in a real browser — on another origin, under a DNS-rebound
// name, and an uploaded HTML page — can neither change nor read anything.
func TestBrowserAttacks(t *testing.T) {
	v := newVictim(t, emulator.Config{})
	res := attackInChromium(t, v)
	if l := leaked(res.CrossOrigin.Results); len(l) > 0 {
		t.Errorf("the cross-origin page read the secret through %v", l)
	}
	if l := leaked(res.Rebinding.Results); len(l) > 0 {
		t.Errorf("the rebound page read the secret through %v", l)
	}
	if res.StoredXSS.Title == "pwned" {
		t.Error("the uploaded HTML page ran its script")
	}
	for _, r := range res.StoredXSS.Requests {
		if strings.Contains(r, "/victim/pwned") {
			t.Errorf("the uploaded HTML page sent %s", r)
		}
	}
	v.untouched(t)
}

// The same attacks against a server that lets every origin and host in
// (--cors-origins '*' --allowed-hosts '*') succeed: the browser test sees
// what the guard stops, not a browser that stopped the attacks itself.
func TestBrowserAttacksSucceedWithoutTheGuard(t *testing.T) {
	v := newVictim(t, emulator.Config{CORSOrigins: []string{"*"}, AllowedHosts: []string{"*"}})
	res := attackInChromium(t, v)
	if _, err := v.env.Lambda.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("evil")}); err != nil {
		t.Errorf("the page did not create its function: %v", err)
	}
	if _, err := os.Stat(v.marker); errors.Is(err, os.ErrNotExist) {
		t.Error("the page did not invoke the function")
	}
	if l := leaked(res.Rebinding.Results); len(l) == 0 {
		t.Error("the rebound page did not read the secret")
	}
}
