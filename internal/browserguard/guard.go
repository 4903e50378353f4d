// Package browserguard keeps web pages away from firehose-local.
//
// A local emulator is reachable from every page the developer's browser
// opens: a page can send simple cross-site requests (a POST with a
// text/plain body needs no preflight), and a page on a name the attacker
// re-points at 127.0.0.1 (DNS rebinding) is even same-origin with it. The
// Guard decides, before any service sees a request, whether it may come
// from a browser at all:
//
//   - A request that carries none of a browser's marks (Origin, Sec-Fetch-*,
//     a "Mozilla/" User-Agent) is a program: an SDK, the CLI, curl, a
//     container calling by service name. It is let through whatever its Host.
//   - A browser's request must name the emulator by a host no web site can
//     re-point: an IP literal, localhost or *.localhost, a single-label name
//     (a compose service), or a name in Policy.AllowedHosts. Anything else
//     is taken for DNS rebinding and refused.
//   - It must then be same-origin (the console's own pages), a top-level
//     navigation (a link or a typed address, which lets no page read the
//     answer), or come from an origin in Policy.AllowedOrigins, the opt-in
//     for browser apps that call the emulator with the AWS SDK for
//     JavaScript.
//
// Allowed cross-origin requests then get CORS answers: services whose AWS
// endpoints answer CORS themselves (Firehose, Lambda, CloudWatch Logs) from
// Handler's ModeAPI; S3 from each bucket's CORS configuration (ModeS3 leaves
// it to the S3 handler); the console and admin endpoints never.
package browserguard

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Policy is what browsers may do. The zero value allows no cross-origin
// browser request and only the hosts no web site can re-point.
type Policy struct {
	// AllowedOrigins are origins ("http://localhost:3000") whose pages may
	// call the APIs cross-origin. "*" allows every origin.
	AllowedOrigins []string
	// AllowedHosts are further Host names (without port) a browser may use
	// to reach the emulator; "*" allows any, which turns off the DNS
	// rebinding check. A leading "*." matches any subdomain.
	AllowedHosts []string
}

// Verdict is the Guard's decision on one request.
type Verdict struct {
	// Allowed reports whether the request may be served.
	Allowed bool
	// CrossOrigin is the allow-listed Origin of a cross-origin request, ""
	// for a same-origin or non-browser one.
	CrossOrigin string
	// Reason says why a request was refused, for its error message.
	Reason string
}

// IsBrowser reports whether r bears a browser's marks: an Origin or
// Sec-Fetch-* header, or a User-Agent that starts like every browser's.
// Programs (the AWS SDKs and CLI, curl, Python, Go) send none of them.
func IsBrowser(r *http.Request) bool {
	h := r.Header
	if h.Get("Origin") != "" || h.Get("Sec-Fetch-Site") != "" || h.Get("Sec-Fetch-Mode") != "" || h.Get("Sec-Fetch-Dest") != "" {
		return true
	}
	return strings.HasPrefix(h.Get("User-Agent"), "Mozilla/")
}

// Check decides whether r may be served.
func (p *Policy) Check(r *http.Request) Verdict {
	if !IsBrowser(r) {
		return Verdict{Allowed: true}
	}
	if !p.trustedHost(r.Host) {
		return Verdict{Reason: "firehose-local refuses browser requests addressed to host " + quote(r.Host) +
			": a page on a name that resolves to this machine could be a DNS rebinding attack. Use localhost or an IP address, or allow the name with --allowed-hosts."}
	}
	origin := r.Header.Get("Origin")
	site := r.Header.Get("Sec-Fetch-Site")
	switch {
	case origin != "" && origin != "null" && sameOrigin(origin, r.Host):
		return Verdict{Allowed: true}
	case origin == "" && (site == "" || site == "same-origin" || site == "none"):
		// A same-origin GET or HEAD carries no Origin; "none" is an address
		// the user typed or bookmarked. With no Sec-Fetch-Site (a host that
		// is not localhost, over plain HTTP) a cross-origin read cannot be
		// told apart: browsers send Origin on every cross-origin request
		// that could change something.
		return Verdict{Allowed: true}
	case origin == "" && navigation(r):
		// A link from another site: the page that linked cannot read the
		// answer.
		return Verdict{Allowed: true}
	}
	if origin != "" && origin != "null" && p.allowedOrigin(origin) {
		return Verdict{Allowed: true, CrossOrigin: origin}
	}
	from := origin
	if from == "" {
		from = "a " + site + " page"
	}
	return Verdict{Reason: "firehose-local refuses cross-origin browser requests (from " + quote(from) +
		"); to call it from a web app, allow the app's origin with --cors-origins."}
}

// navigation reports whether r is a top-level navigation by GET or HEAD.
func navigation(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.Header.Get("Sec-Fetch-Mode") == "navigate" &&
		r.Header.Get("Sec-Fetch-Dest") == "document"
}

// sameOrigin reports whether origin names host, over http or https.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Path == "" && strings.EqualFold(u.Host, host)
}

func (p *Policy) allowedOrigin(origin string) bool {
	for _, o := range p.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// trustedHost reports whether a browser may reach the emulator by host:
// the names a web site cannot re-point at this machine, and the allowed.
func (p *Policy) trustedHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return true // an address: DNS rebinding needs a name
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true // browsers resolve these to loopback themselves
	}
	if !strings.Contains(host, ".") {
		return true // a single label: a compose service or an /etc/hosts name
	}
	for _, a := range p.AllowedHosts {
		a = strings.ToLower(a)
		switch {
		case a == "*", a == host:
			return true
		case strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:]):
			return true
		}
	}
	return false
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
