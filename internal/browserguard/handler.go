package browserguard

import (
	"net/http"
	"strings"
)

// Mode is how a guarded service answers the cross-origin requests the
// Policy allows.
type Mode int

const (
	// ModeLocal never answers cross-origin: the console, the admin
	// endpoints and /metrics serve their own origin only.
	ModeLocal Mode = iota
	// ModeAPI answers preflights and marks responses for allowed origins,
	// as the Firehose, Lambda and CloudWatch Logs endpoints do.
	ModeAPI
	// ModeS3 passes allowed cross-origin requests, preflights included, to
	// the S3 handler, which answers from the bucket's CORS configuration.
	ModeS3
)

// DenyFunc writes the refusal of a request, in the service's own error
// shape, with status 403.
type DenyFunc func(w http.ResponseWriter, r *http.Request, reason string)

// IsPreflight reports whether r is a CORS preflight request.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Exposed are the response headers a browser app may read from the APIs.
const exposedAPIHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date, " +
	"X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version"

// Handler guards next with p. Every response is marked nosniff; refused
// requests go to deny.
func (p *Policy) Handler(mode Mode, deny DenyFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		v := p.Check(r)
		if v.Allowed && v.CrossOrigin != "" && mode == ModeLocal {
			v = Verdict{Reason: "firehose-local serves its console and admin endpoints to their own origin only, not to " + quote(v.CrossOrigin) + "."}
		}
		if !v.Allowed {
			deny(w, r, v.Reason)
			return
		}
		if v.CrossOrigin != "" && mode == ModeAPI {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", v.CrossOrigin)
			h.Add("Vary", "Origin")
			if IsPreflight(r) {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD")
				if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
					h.Set("Access-Control-Allow-Headers", req)
				}
				h.Set("Access-Control-Max-Age", "172800")
				h.Set("Content-Length", "0")
				w.WriteHeader(http.StatusOK)
				return
			}
			h.Set("Access-Control-Expose-Headers", exposedAPIHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

// PreflightFor matches the CORS preflights of requests that will carry
// header (such as X-Amz-Target, which marks the JSON APIs): the preflight
// names it in Access-Control-Request-Headers.
func PreflightFor(header string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if !IsPreflight(r) {
			return false
		}
		for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
			if strings.EqualFold(strings.TrimSpace(h), header) {
				return true
			}
		}
		return false
	}
}
