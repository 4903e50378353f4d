package s3fake

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// Object listings as S3 answers them where gofakes3 does not: every object
// has its StorageClass (STANDARD, the only class here), and a listing asked
// for with encoding-type=url (boto3 always asks) says EncodingType url and
// has its keys, prefixes, delimiter and start-after URL-encoded, as S3
// encodes them; clients then decode them.

// standardClass gives every object of list the STANDARD storage class.
func standardClass(list *gofakes3.ObjectList) {
	if list == nil {
		return
	}
	for _, c := range list.Contents {
		if c.StorageClass == "" {
			c.StorageClass = gofakes3.StorageStandard
		}
	}
}

// ListBucket lists a page of a bucket's objects, each with its storage
// class, as S3 pages them (see paginate). memBackend pages its listings
// itself (and computes the ETags of the page alone).
func (b replacingBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	var list *gofakes3.ObjectList
	var err error
	if m, ok := b.Backend.(*memBackend); ok {
		list, err = m.ListBucket(name, prefix, page)
	} else {
		list, err = b.Backend.ListBucket(name, allUnder(prefix), gofakes3.ListBucketPage{})
		if err == nil {
			list = paginate(list, prefix, page)
		}
	}
	if err != nil {
		return nil, err
	}
	standardClass(list)
	return list, nil
}

// allUnder asks for every key under prefix's prefix, not rolled up: the
// backends' own paging resumes inside a common prefix (listing it again
// on the next page) and, in memory, reports a page truncated when keys
// outside the prefix follow it. paginate pages the keys instead.
func allUnder(prefix *gofakes3.Prefix) *gofakes3.Prefix {
	if prefix == nil || !prefix.HasPrefix {
		return &gofakes3.Prefix{}
	}
	return &gofakes3.Prefix{Prefix: prefix.Prefix, HasPrefix: true}
}

// paginate pages all, every object under prefix's prefix, as S3 does: the
// keys after page.Marker, those that go on past the delimiter rolled up
// into common prefixes (one entry each, counted as one key), at most
// page.MaxKeys entries (0: no limit). A common prefix is listed when it
// sorts after the marker, so a marker inside one (the last key of a page,
// or the common prefix itself as NextMarker) skips the rest of it. A
// truncated page has as NextMarker its last key or common prefix; one that
// is not has none.
func paginate(all *gofakes3.ObjectList, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) *gofakes3.ObjectList {
	contents := slices.Clone(all.Contents)
	slices.SortFunc(contents, func(a, b *gofakes3.Content) int { return strings.Compare(a.Key, b.Key) })
	var p, delim string
	if prefix != nil {
		if prefix.HasPrefix {
			p = prefix.Prefix
		}
		if prefix.HasDelimiter {
			delim = prefix.Delimiter
		}
	}
	out := gofakes3.NewObjectList()
	var n int64
	var last string
	for _, c := range contents {
		if !strings.HasPrefix(c.Key, p) || (page.Marker != "" && c.Key <= page.Marker) {
			continue
		}
		entry, common := c.Key, false
		if delim != "" {
			if i := strings.Index(c.Key[len(p):], delim); i >= 0 {
				entry, common = c.Key[:len(p)+i+len(delim)], true
			}
		}
		if common && (entry == last || (page.Marker != "" && entry <= page.Marker)) {
			continue
		}
		if page.MaxKeys > 0 && n == page.MaxKeys {
			out.IsTruncated = true
			out.NextMarker = last
			break
		}
		if common {
			out.AddPrefix(entry)
		} else {
			out.Add(c)
		}
		last = entry
		n++
	}
	return out
}

// encodedListings URL-encodes the listings asked for with encoding-type=url.
func encodedListings(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || hasObjectKey(r.URL.Path) || q.Get("encoding-type") != "url" || q.Has("versions") || q.Has("uploads") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status == http.StatusOK && bytes.Contains(body, []byte("<ListBucketResult")) {
			if enc, err := encodeListing(body); err == nil {
				body = enc
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// bufferedResponse keeps a response to rewrite it.
type bufferedResponse struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// encodedElements are the listing's elements whose text S3 URL-encodes.
var encodedElements = map[string]bool{"Key": true, "Prefix": true, "Delimiter": true, "StartAfter": true}

// encodeListing rewrites a ListBucketResult document: the text of
// encodedElements URL-encoded, and EncodingType url added.
func encodeListing(doc []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out bytes.Buffer
	var stack []string
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			out.WriteString("<?" + t.Target + " " + string(t.Inst) + "?>")
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			out.WriteString("<" + qname(t.Name))
			for _, a := range t.Attr {
				out.WriteString(" " + qname(a.Name) + `="` + escapeXML(a.Value, true) + `"`)
			}
			out.WriteString(">")
		case xml.EndElement:
			if len(stack) == 1 && t.Name.Local == "ListBucketResult" {
				out.WriteString("<EncodingType>url</EncodingType>")
			}
			stack = stack[:len(stack)-1]
			out.WriteString("</" + qname(t.Name) + ">")
		case xml.CharData:
			text := []byte(t)
			if n := len(stack); n > 0 && encodedElements[stack[n-1]] {
				text = []byte(s3URLEncode(string(t)))
			}
			out.WriteString(escapeXML(string(text), false))
		}
	}
	return out.Bytes(), nil
}

// escapeXML escapes the text (or, attr, attribute value) of a document,
// leaving its whitespace as it was.
func escapeXML(s string, attr bool) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	if attr {
		r = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	}
	return r.Replace(s)
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// s3URLEncode URL-encodes a key for encoding-type=url: every byte but
// unreserved characters and '/' as %XX, a space as '+' (which clients
// decode with unquote_plus, so a '+' of the key must be %2B).
func s3URLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

// listingQueries checks the queries of listings as S3 does
// (localstack/localstack's test_s3_list_operations.snapshot.json, validated
// 2026-02-21): an encoding-type other than url (or empty) is refused with
// 400 InvalidArgument "Invalid Encoding Method specified in Request"
// (ArgumentName encoding-type, ArgumentValue as given); for a
// ListObjectsV2 with a continuation token, an empty or
// malformed token is refused with 400 InvalidArgument "The continuation
// token provided is incorrect" (ArgumentName continuation-token), and with
// a token, start-after is neither applied nor echoed.
func listingQueries(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || hasObjectKey(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if q.Has("encoding-type") && q.Get("encoding-type") != "url" {
			writeError(w, r, &s3Error{code: "InvalidArgument", status: http.StatusBadRequest,
				message: "Invalid Encoding Method specified in Request",
				extra:   []xmlElem{{"ArgumentName", "encoding-type"}, {"ArgumentValue", q.Get("encoding-type")}}})
			return
		}
		if q.Get("list-type") != "2" || !q.Has("continuation-token") {
			next.ServeHTTP(w, r)
			return
		}
		tok := q.Get("continuation-token")
		if m, err := base64.URLEncoding.DecodeString(tok); tok == "" || err != nil || len(m) == 0 {
			writeError(w, r, &s3Error{code: "InvalidArgument", status: http.StatusBadRequest,
				message: "The continuation token provided is incorrect",
				extra:   []xmlElem{{"ArgumentName", "continuation-token"}}})
			return
		}
		if q.Has("start-after") {
			q.Del("start-after")
			r = r.Clone(r.Context())
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}
