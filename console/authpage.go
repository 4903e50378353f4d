package console

import (
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
)

// WantsHTML reports whether r's client (a browser) accepts text/html.
func WantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

var authPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("auth").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>firehose-local: console needs a signature</title></head>
<body>
<h1>The console needs a signed request</h1>
<p>This server runs with <code>--auth sigv4</code>: every request, the console's included, must carry an AWS Signature Version 4, which a browser does not send.</p>
<p>The server refused this one: <code>{{.}}</code></p>
<p>To open the console in a browser, restart the server with <code>--console-open</code> (or <code>FIREHOSE_LOCAL_CONSOLE_OPEN=true</code>): the console at <code>/_local/ui</code> is then served without a signature to requests that arrive over loopback (127.0.0.1 or ::1) only; every other request is still checked. Or run the server without <code>--auth</code>.</p>
</body></html>
`))
})

// WriteAuthPage answers a browser refused by the signature check with a
// page that says how to open the console, with status 403.
func WriteAuthPage(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_ = authPage().Execute(w, reason)
}

// OverLoopback reports whether r came to a loopback address from one: the
// requests --console-open serves the console to without a signature.
func OverLoopback(r *http.Request) bool {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	remote, err := netip.ParseAddrPort(r.RemoteAddr)
	return local != nil && local.IP.IsLoopback() && err == nil && remote.Addr().IsLoopback()
}
