package s3fake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
	bolt "go.etcd.io/bbolt"
)

// S3 answers CORS from each bucket's CORS configuration, as S3 does: a
// preflight is refused unless a rule of the bucket allows its origin, method
// and headers, and a request with an Origin that a rule allows gets the
// rule's Access-Control-* headers. (gofakes3 on its own answers every
// origin with "*"; its headers are removed.) The browser guard in front of
// the whole server decides first which origins may call at all.

// maxCORSBody is the largest CORS configuration S3 takes (64 KB).
const maxCORSBody = 64 << 10

// maxCORSRules is the most rules a CORS configuration may have.
const maxCORSRules = 100

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string   `xml:"ID,omitempty" json:"id,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader" json:"allowedHeaders,omitempty"`
	AllowedMethods []string `xml:"AllowedMethod" json:"allowedMethods"`
	AllowedOrigins []string `xml:"AllowedOrigin" json:"allowedOrigins"`
	ExposeHeaders  []string `xml:"ExposeHeader" json:"exposeHeaders,omitempty"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty" json:"maxAgeSeconds,omitempty"`
}

// corsConfiguration is the XML document of PutBucketCors and GetBucketCors.
type corsConfiguration struct {
	XMLName xml.Name   `xml:"CORSConfiguration"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	Rules   []CORSRule `xml:"CORSRule"`
}

// corsBucket, inside s3bolt's meta bucket of s3.db, maps a bucket's name to
// its CORS rules (JSON), with a data directory.
var corsBucket = []byte("s3fake/cors")

// corsStore keeps the buckets' CORS rules: in memory, and in db when set.
type corsStore struct {
	mu    sync.Mutex
	db    *bolt.DB
	rules map[string][]CORSRule
}

// openCORSStore reads the rules kept in db (nil: in memory only).
func openCORSStore(db *bolt.DB) (*corsStore, error) {
	c := &corsStore{db: db, rules: map[string][]CORSRule{}}
	if db == nil {
		return c, nil
	}
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(s3boltMetaBucket)
		if meta == nil {
			return nil
		}
		b := meta.Bucket(corsBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var rules []CORSRule
			if err := json.Unmarshal(v, &rules); err != nil {
				return fmt.Errorf("the CORS configuration of bucket %q: %w", k, err)
			}
			c.rules[string(k)] = rules
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("s3fake: reading CORS configurations: %w", err)
	}
	return c, nil
}

func (c *corsStore) get(bucket string) []CORSRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rules[bucket]
}

// set stores rules for bucket; nil removes them.
func (c *corsStore) set(bucket string, rules []CORSRule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, had := c.rules[bucket]; !had && rules == nil {
		return nil
	}
	if c.db != nil {
		err := c.db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(s3boltMetaBucket)
			if err != nil {
				return err
			}
			b, err := meta.CreateBucketIfNotExists(corsBucket)
			if err != nil {
				return err
			}
			if rules == nil {
				return b.Delete([]byte(bucket))
			}
			v, err := json.Marshal(rules)
			if err != nil {
				return err
			}
			return b.Put([]byte(bucket), v)
		})
		if err != nil {
			return fmt.Errorf("s3fake: saving the CORS configuration of bucket %q: %w", bucket, err)
		}
	}
	if rules == nil {
		delete(c.rules, bucket)
	} else {
		c.rules[bucket] = rules
	}
	return nil
}

// corsVary is the Vary header S3 sends with CORS answers.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// msgCORSNotAllowed is S3's refusal of a preflight no rule allows (its
// spelling).
const msgCORSNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
	"request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."

// bucketCORS is middleware that serves GET, PUT and DELETE /bucket?cors,
// answers OPTIONS requests from the bucket's rules, and gives other
// requests with an Origin the Access-Control-* headers of the rule that
// allows them (and none otherwise).
func (s *S3) bucketCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if _, ok := r.URL.Query()["cors"]; ok && bucket != "" && key == "" {
			s.serveCORSConfig(w, r, bucket)
			return
		}
		if r.Method == http.MethodOptions {
			s.preflight(w, r, bucket, key)
			return
		}
		cw := &corsWriter{ResponseWriter: w}
		if origin := r.Header.Get("Origin"); origin != "" && bucket != "" {
			if rule, pattern := matchCORS(s.cors.get(bucket), origin, r.Method, nil); rule != nil {
				cw.set = corsHeaders(rule, pattern, origin)
			}
		}
		next.ServeHTTP(cw, r)
		cw.apply()
		if r.Method == http.MethodDelete && key == "" && cw.status == http.StatusNoContent && len(r.URL.Query()) == 0 {
			// DeleteBucket: its CORS configuration goes with it.
			if err := s.cors.set(bucket, nil); err != nil {
				s.log.Warn("s3fake: removing the CORS configuration of a deleted bucket", "bucket", bucket, "error", err)
			}
		}
	})
}

// preflight answers an OPTIONS request as S3 does.
func (s *S3) preflight(w http.ResponseWriter, r *http.Request, bucket, key string) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		writeError(w, r, &s3Error{code: "BadRequest", status: http.StatusBadRequest,
			message: "Insufficient information. Origin request header needed."})
		return
	}
	method := r.Header.Get("Access-Control-Request-Method")
	shown := method
	if shown == "" {
		shown = http.MethodOptions
	}
	resource := "BUCKET"
	if key != "" {
		resource = "OBJECT"
	}
	forbidden := func(msg string) {
		writeError(w, r, &s3Error{code: "AccessForbidden", status: http.StatusForbidden, message: msg,
			extra: []xmlElem{{"Method", shown}, {"ResourceType", resource}}})
	}
	if bucket == "" {
		forbidden("CORSResponse: Bucket not found")
		return
	}
	if ok, err := s.backend.BucketExists(bucket); err != nil || !ok {
		forbidden("CORSResponse: Bucket not found")
		return
	}
	rules := s.cors.get(bucket)
	if len(rules) == 0 {
		forbidden("CORSResponse: CORS is not enabled for this bucket.")
		return
	}
	var headers []string
	for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			headers = append(headers, h)
		}
	}
	rule, pattern := matchCORS(rules, origin, method, headers)
	if method == "" || rule == nil {
		forbidden(msgCORSNotAllowed)
		return
	}
	h := w.Header()
	for name, v := range corsHeaders(rule, pattern, origin) {
		h[name] = v
	}
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// matchCORS returns the first rule that allows origin and method (and,
// for a preflight, every header), with the AllowedOrigin that matched.
func matchCORS(rules []CORSRule, origin, method string, headers []string) (*CORSRule, string) {
	for i := range rules {
		rule := &rules[i]
		pattern := ""
		for _, o := range rule.AllowedOrigins {
			if wildcardMatch(o, origin, false) {
				pattern = o
				break
			}
		}
		if pattern == "" {
			continue
		}
		if !contains(rule.AllowedMethods, method) {
			continue
		}
		allowed := true
		for _, h := range headers {
			ok := false
			for _, a := range rule.AllowedHeaders {
				if wildcardMatch(a, h, true) {
					ok = true
					break
				}
			}
			if !ok {
				allowed = false
				break
			}
		}
		if allowed {
			return rule, pattern
		}
	}
	return nil, ""
}

// corsHeaders are the Access-Control-* headers of an allowed request.
func corsHeaders(rule *CORSRule, pattern, origin string) http.Header {
	h := http.Header{}
	if pattern == "*" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
	h.Set("Vary", corsVary)
	return h
}

// wildcardMatch matches s against a pattern with at most one "*".
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// serveCORSConfig serves PutBucketCors, GetBucketCors and DeleteBucketCors.
func (s *S3) serveCORSConfig(w http.ResponseWriter, r *http.Request, bucket string) {
	if ok, err := s.backend.BucketExists(bucket); err != nil || !ok {
		writeError(w, r, gofakes3.ResourceError(gofakes3.ErrNoSuchBucket, bucket))
		return
	}
	switch r.Method {
	case http.MethodGet:
		rules := s.cors.get(bucket)
		if len(rules) == 0 {
			writeError(w, r, &s3Error{code: "NoSuchCORSConfiguration", status: http.StatusNotFound,
				message: "The CORS configuration does not exist", extra: []xmlElem{{"BucketName", bucket}}})
			return
		}
		b, err := xml.Marshal(corsConfiguration{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Rules: rules})
		if err != nil {
			writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(append([]byte(xml.Header), b...))
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxCORSBody+1))
		if err != nil {
			writeError(w, r, err)
			return
		}
		rules, serr := parseCORS(body)
		if serr != nil {
			writeError(w, r, serr)
			return
		}
		if err := s.cors.set(bucket, rules); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodDelete:
		if err := s.cors.set(bucket, nil); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, &s3Error{code: "MethodNotAllowed", status: http.StatusMethodNotAllowed,
			message: "The specified method is not allowed against this resource.",
			extra:   []xmlElem{{"Method", r.Method}, {"ResourceType", "BUCKET"}}})
	}
}

// parseCORS reads and checks a PutBucketCors document.
func parseCORS(body []byte) ([]CORSRule, *s3Error) {
	malformed := &s3Error{code: "MalformedXML", status: http.StatusBadRequest,
		message: "The XML you provided was not well-formed or did not validate against our published schema"}
	invalid := func(msg string) *s3Error {
		return &s3Error{code: "InvalidRequest", status: http.StatusBadRequest, message: msg}
	}
	if len(body) > maxCORSBody {
		return nil, malformed
	}
	var doc corsConfiguration
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 {
		return nil, malformed
	}
	if len(doc.Rules) > maxCORSRules {
		return nil, invalid("The number of CORS rules should not exceed allowed limit of " + strconv.Itoa(maxCORSRules) + " rules.")
	}
	for i := range doc.Rules {
		rule := &doc.Rules[i]
		if len(rule.AllowedMethods) == 0 || len(rule.AllowedOrigins) == 0 {
			return nil, malformed
		}
		for _, m := range rule.AllowedMethods {
			switch m {
			case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead:
			default:
				return nil, invalid("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
		for _, o := range rule.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, invalid(`AllowedOrigin "` + o + `" can not have more than one wildcard.`)
			}
		}
		for _, h := range rule.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, invalid(`AllowedHeader "` + h + `" can not have more than one wildcard.`)
			}
		}
		if len(rule.ID) > 255 {
			return nil, invalid("ID length should not exceed allowed limit of 255")
		}
	}
	return doc.Rules, nil
}

// corsWriter replaces whatever Access-Control-* headers the handler set
// with set (the bucket rule's, or none) and remembers the status.
type corsWriter struct {
	http.ResponseWriter
	set     http.Header
	status  int
	applied bool
}

func (w *corsWriter) apply() {
	if w.applied {
		return
	}
	w.applied = true
	h := w.ResponseWriter.Header()
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(h, name)
		}
	}
	for name, v := range w.set {
		h[name] = v
	}
}

// WriteHeader implements http.ResponseWriter.
func (w *corsWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.apply()
	w.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (w *corsWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteBrowserRefusal answers a browser request the emulator's browser
// guard refused, as S3 refuses what a bucket's CORS rules do not allow:
// AccessForbidden for a preflight, AccessDenied otherwise; 403 both.
func WriteBrowserRefusal(w http.ResponseWriter, r *http.Request, reason string) {
	if r.Method == http.MethodOptions {
		method := r.Header.Get("Access-Control-Request-Method")
		if method == "" {
			method = http.MethodOptions
		}
		writeError(w, r, &s3Error{code: "AccessForbidden", status: http.StatusForbidden, message: "CORSResponse: " + reason,
			extra: []xmlElem{{"Method", method}}})
		return
	}
	writeError(w, r, &s3Error{code: "AccessDenied", status: http.StatusForbidden, message: reason})
}
