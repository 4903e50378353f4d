package s3fake

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
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

// ListBucket lists a bucket's objects, each with its storage class.
func (b replacingBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	list, err := b.Backend.ListBucket(name, prefix, page)
	standardClass(list)
	return list, err
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
