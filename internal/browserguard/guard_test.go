package browserguard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func TestCheck(t *testing.T) {
	p := &Policy{AllowedOrigins: []string{"http://localhost:3000"}, AllowedHosts: []string{"firehose.test", "*.dev.test"}}
	cases := []struct {
		name   string
		method string
		host   string
		hdr    map[string]string
		allow  bool
		cross  string
	}{
		// Programs: any host, no browser marks.
		{name: "sdk", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": "aws-sdk-go-v2/1.30 os/linux"}, allow: true},
		{name: "compose service name", host: "firehose-local:4566", hdr: map[string]string{"User-Agent": "Boto3/1.35"}, allow: true},
		{name: "program on a dotted name", host: "host.docker.internal:4566", hdr: map[string]string{"User-Agent": "curl/8.5"}, allow: true},
		{name: "no headers at all", host: "anything.example:4566", allow: true},

		// The console on its own origin.
		{name: "console page", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, allow: true},
		{name: "console form post", method: "POST", host: "localhost:4566", hdr: map[string]string{"User-Agent": chromeUA, "Origin": "http://localhost:4566", "Sec-Fetch-Site": "same-origin"}, allow: true},
		{name: "console same-origin get", host: "localhost:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, allow: true},
		{name: "bucket.localhost", host: "deliveries.localhost:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "none"}, allow: true},
		{name: "link from another site", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, allow: true},

		// Attacks.
		{name: "cross-site text/plain post", method: "POST", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": chromeUA, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}},
		{name: "cross-site form post", method: "POST", host: "127.0.0.1:4566", hdr: map[string]string{"Origin": "https://evil.example"}},
		{name: "null origin", method: "POST", host: "127.0.0.1:4566", hdr: map[string]string{"Origin": "null"}},
		{name: "another local port", method: "POST", host: "127.0.0.1:4566", hdr: map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-site"}},
		{name: "127.0.0.2", method: "PUT", host: "127.0.0.1:4566", hdr: map[string]string{"Origin": "http://127.0.0.2:4566"}},
		{name: "cross-site script tag", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"}},
		{name: "cross-site iframe", host: "127.0.0.1:4566", hdr: map[string]string{"User-Agent": chromeUA, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}},
		{name: "cross-site navigation by POST", method: "POST", host: "127.0.0.1:4566", hdr: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}},
		{name: "rebound read", host: "rebind.evil.example:4566", hdr: map[string]string{"User-Agent": chromeUA}},
		{name: "rebound post with its own origin", method: "POST", host: "rebind.evil.example:4566", hdr: map[string]string{"User-Agent": chromeUA, "Origin": "http://rebind.evil.example:4566"}},
		{name: "rebound via nip.io", host: "127.0.0.1.nip.io:4566", hdr: map[string]string{"User-Agent": chromeUA}},
		{name: "localhost lookalike", host: "localhost.evil.example:4566", hdr: map[string]string{"User-Agent": chromeUA}},

		// Opt-ins.
		{name: "allowed origin", method: "POST", host: "localhost:4566", hdr: map[string]string{"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, allow: true, cross: "http://localhost:3000"},
		{name: "allowed origin, other port", method: "POST", host: "localhost:4566", hdr: map[string]string{"Origin": "http://localhost:3001"}},
		{name: "allowed host", host: "firehose.test:4566", hdr: map[string]string{"User-Agent": chromeUA}, allow: true},
		{name: "allowed host pattern", host: "a.b.dev.test", hdr: map[string]string{"User-Agent": chromeUA}, allow: true},
		{name: "allowed host pattern is not the suffix alone", host: "evildev.test", hdr: map[string]string{"User-Agent": chromeUA}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "http://"+c.host+"/", nil)
			r.Host = c.host
			for k, v := range c.hdr {
				r.Header.Set(k, v)
			}
			v := p.Check(r)
			if v.Allowed != c.allow || v.CrossOrigin != c.cross {
				t.Fatalf("Check = %+v, want allowed %v cross %q", v, c.allow, c.cross)
			}
			if !v.Allowed && v.Reason == "" {
				t.Fatal("a refusal without a reason")
			}
		})
	}
}

func TestAnyOriginAndHost(t *testing.T) {
	p := &Policy{AllowedOrigins: []string{"*"}, AllowedHosts: []string{"*"}}
	r := httptest.NewRequest(http.MethodPost, "http://rebind.evil.example/", nil)
	r.Header.Set("Origin", "https://evil.example")
	if v := p.Check(r); !v.Allowed || v.CrossOrigin != "https://evil.example" {
		t.Fatalf("Check = %+v", v)
	}
}

func TestHandlerModes(t *testing.T) {
	p := &Policy{AllowedOrigins: []string{"http://localhost:3000"}}
	served := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++; w.WriteHeader(http.StatusTeapot) })
	deny := func(w http.ResponseWriter, r *http.Request, reason string) {
		http.Error(w, reason, http.StatusForbidden)
	}
	do := func(mode Mode, method string, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://localhost:4566/x", nil)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		p.Handler(mode, deny, next).ServeHTTP(w, r)
		return w
	}
	pre := map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target,content-type"}

	// An API answers an allowed preflight itself.
	w := do(ModeAPI, http.MethodOptions, pre)
	if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		w.Header().Get("Access-Control-Allow-Headers") != "x-amz-target,content-type" || served != 0 {
		t.Fatalf("API preflight: %d %v (served %d)", w.Code, w.Header(), served)
	}
	// and marks the request that follows.
	w = do(ModeAPI, http.MethodPost, map[string]string{"Origin": "http://localhost:3000"})
	if w.Code != http.StatusTeapot || w.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
		t.Fatalf("API request: %d %v", w.Code, w.Header())
	}
	// S3 passes both to the S3 handler, unmarked.
	served = 0
	if w = do(ModeS3, http.MethodOptions, pre); w.Code != http.StatusTeapot || served != 1 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("S3 preflight: %d %v", w.Code, w.Header())
	}
	// The console and admin endpoints refuse even allowed origins.
	served = 0
	if w = do(ModeLocal, http.MethodPost, map[string]string{"Origin": "http://localhost:3000"}); w.Code != http.StatusForbidden || served != 0 {
		t.Fatalf("local: %d", w.Code)
	}
	// Every response is nosniff.
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("no nosniff: %v", w.Header())
	}
	// A refused preflight is not answered as allowed.
	if w = do(ModeAPI, http.MethodOptions, map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}); w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("evil preflight: %d %v", w.Code, w.Header())
	}
}
