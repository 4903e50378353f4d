package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/s3fake"
)

// account is firehose-local's one account, for the role ARN of streams
// created from the form (IAM is not emulated; any role is accepted).
const account = "000000000000"

// listPage is how many keys the S3 browser lists at once.
const listPage = 500

// render writes a page into a buffer first, so a failure leaves no
// half-written page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, l layout, content func(*page)) {
	q := r.URL.Query()
	if !l.msgSet {
		l.msg = q.Get("msg")
	}
	if !l.errSet {
		l.err = q.Get("err")
	}
	var p page
	p.layout(l, content)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(p.b.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(p.b.Bytes())
	}
}

func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	title := http.StatusText(status)
	c.render(w, r, status, layout{title: title, err: msg, errSet: true, msgSet: true}, func(p *page) { errorContent(p, status, title) })
}

// redirect answers a form with 303 See Other to path, carrying a message
// or an error to show there.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, path, msg, errMsg string) {
	q := url.Values{}
	if msg != "" {
		q.Set("msg", msg)
	}
	if errMsg != "" {
		q.Set("err", errMsg)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// streamView is a stream with what only the console knows.
type streamView struct {
	Stream
	Demo bool // a demo run is sending to it
}

func (c *Console) streamsPage(w http.ResponseWriter, r *http.Request) {
	streams := c.b.Streams()
	views := make([]streamView, len(streams))
	for i, st := range streams {
		views[i] = streamView{Stream: st, Demo: c.demos.running(st.Region, st.Name)}
	}
	ext := c.b.ExternalS3()
	c.render(w, r, http.StatusOK, layout{title: "Delivery streams", nav: "streams", live: 1000}, func(p *page) { streamsContent(p, views, ext) })
}

// streamForm is the create-stream form's values.
type streamForm struct {
	Region, Name, Bucket, Prefix, ErrorPrefix string
	CreateBucket                              bool
	SizeMB, IntervalS, Compression, Function  string
}

var compressionFormats = []string{"UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"}

func (c *Console) newStreamPage(w http.ResponseWriter, r *http.Request) {
	f := streamForm{Region: c.b.DefaultRegion(), CreateBucket: true, SizeMB: "1", IntervalS: "60", Compression: "UNCOMPRESSED"}
	c.renderStreamForm(w, r, http.StatusOK, f, "")
}

func (c *Console) renderStreamForm(w http.ResponseWriter, r *http.Request, status int, f streamForm, errMsg string) {
	functions := c.b.Functions()
	c.render(w, r, status, layout{title: "Create a delivery stream", nav: "streams", err: errMsg, errSet: true}, func(p *page) {
		newStreamContent(p, f, compressionFormats, functions)
	})
}

var regionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`) })

// createStream creates a stream from the form through CreateDeliveryStream,
// with the API's own validation and error messages.
func (c *Console) createStream(w http.ResponseWriter, r *http.Request) {
	f := streamForm{
		Region:       strings.TrimSpace(r.FormValue("region")),
		Name:         strings.TrimSpace(r.FormValue("name")),
		Bucket:       strings.TrimSpace(r.FormValue("bucket")),
		Prefix:       r.FormValue("prefix"),
		ErrorPrefix:  r.FormValue("error_prefix"),
		CreateBucket: r.FormValue("create_bucket") != "",
		SizeMB:       strings.TrimSpace(r.FormValue("size_mb")),
		IntervalS:    strings.TrimSpace(r.FormValue("interval_s")),
		Compression:  r.FormValue("compression"),
		Function:     r.FormValue("function"),
	}
	if !regionRE().MatchString(f.Region) {
		c.renderStreamForm(w, r, http.StatusBadRequest, f, "The region must be a region name such as us-east-1.")
		return
	}
	dest := map[string]any{
		"RoleARN":   "arn:aws:iam::" + account + ":role/firehose-local-console",
		"BucketARN": "arn:aws:s3:::" + f.Bucket,
	}
	if f.Prefix != "" {
		dest["Prefix"] = f.Prefix
	}
	if f.ErrorPrefix != "" {
		dest["ErrorOutputPrefix"] = f.ErrorPrefix
	}
	hints := map[string]any{}
	if f.SizeMB != "" {
		hints["SizeInMBs"] = formNumber(f.SizeMB)
	}
	if f.IntervalS != "" {
		hints["IntervalInSeconds"] = formNumber(f.IntervalS)
	}
	if len(hints) > 0 {
		dest["BufferingHints"] = hints
	}
	if f.Compression != "" {
		dest["CompressionFormat"] = f.Compression
	}
	if f.Function != "" {
		dest["ProcessingConfiguration"] = map[string]any{
			"Enabled": true,
			"Processors": []any{map[string]any{
				"Type":       "Lambda",
				"Parameters": []any{map[string]any{"ParameterName": "LambdaArn", "ParameterValue": f.Function}},
			}},
		}
	}
	body, err := json.Marshal(map[string]any{
		"DeliveryStreamName":                 f.Name,
		"DeliveryStreamType":                 "DirectPut",
		"ExtendedS3DestinationConfiguration": dest,
	})
	if err != nil {
		c.renderStreamForm(w, r, http.StatusBadRequest, f, err.Error())
		return
	}
	if f.CreateBucket {
		if f.Bucket == "" {
			c.renderStreamForm(w, r, http.StatusBadRequest, f, "Name the bucket to create.")
			return
		}
		if err := c.b.S3().CreateBucket(r.Context(), f.Bucket); err != nil {
			c.renderStreamForm(w, r, http.StatusBadRequest, f, "Could not create the bucket: "+strings.TrimPrefix(err.Error(), "s3fake: "))
			return
		}
	}
	if err := c.b.CreateStream(f.Region, body); err != nil {
		c.renderStreamForm(w, r, http.StatusBadRequest, f, err.Error())
		return
	}
	c.redirect(w, r, Prefix+"/streams", "Created delivery stream "+f.Name+".", "")
}

// formNumber is a whole number as a JSON number, or the text as it was
// typed, for the API to refuse with its own message.
func formNumber(s string) any {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return s
}

func (c *Console) flush(w http.ResponseWriter, r *http.Request) {
	name, region := r.FormValue("stream"), r.FormValue("region")
	back := Prefix + "/streams"
	results, found := c.b.Flush(region, name)
	if name != "" && !found {
		c.redirect(w, r, back, "", "No delivery stream named "+name+".")
		return
	}
	var msgs, errs []string
	for _, res := range results {
		if res.Error != "" {
			errs = append(errs, res.Stream+": "+res.Error)
			continue
		}
		m := fmt.Sprintf("%s: %d %s", res.Stream, res.Objects, plural(res.Objects, "batch", "batches"))
		if res.ErrorObjects > 0 {
			m += fmt.Sprintf(" and %d error %s", res.ErrorObjects, plural(res.ErrorObjects, "object", "objects"))
		}
		msgs = append(msgs, m)
	}
	msg := "Flushed " + strings.Join(msgs, ", ") + "."
	if len(results) == 0 {
		msg = "No delivery streams to flush."
	}
	c.redirect(w, r, back, msg, strings.Join(errs, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// functionView is a function and its recent invocations.
type functionView struct {
	lambdaapi.FunctionSummary
	Invocations []Invocation
}

func (c *Console) lambdaPage(w http.ResponseWriter, r *http.Request) {
	invs := c.b.Invocations()
	var views []functionView
	seen := map[string]bool{}
	for _, f := range c.b.Functions() {
		views = append(views, functionView{FunctionSummary: f, Invocations: invs[f.ARN]})
		seen[f.ARN] = true
	}
	// Invocations of functions deleted since.
	var gone []string
	for arn := range invs {
		if !seen[arn] {
			gone = append(gone, arn)
		}
	}
	sort.Strings(gone)
	for _, arn := range gone {
		views = append(views, functionView{FunctionSummary: lambdaapi.FunctionSummary{ARN: arn, Name: arn, Runtime: "(deleted)"}, Invocations: invs[arn]})
	}
	c.render(w, r, http.StatusOK, layout{title: "Lambda functions", nav: "lambda", live: 3000}, func(p *page) { lambdaContent(p, views) })
}

// crumb is one step of the S3 browser's path.
type crumb struct{ Name, Prefix string }

func crumbs(prefix string) []crumb {
	var out []crumb
	for i := 0; i < len(prefix); {
		j := strings.Index(prefix[i:], "/")
		if j < 0 {
			break
		}
		out = append(out, crumb{Name: prefix[i : i+j+1], Prefix: prefix[:i+j+1]})
		i += j + 1
	}
	return out
}

// objectView is one object in a listing.
type objectView struct {
	s3fake.ObjectSummary
	Name      string // the key after the prefix
	ErrorType string
}

func (c *Console) s3Page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bucket, prefix, marker := q.Get("bucket"), q.Get("prefix"), q.Get("marker")
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	ext := c.b.ExternalS3()
	if bucket == "" {
		buckets, err := c.b.S3().ListBuckets(ctx)
		if err != nil {
			c.errorPage(w, r, http.StatusInternalServerError, "Listing buckets: "+err.Error())
			return
		}
		c.render(w, r, http.StatusOK, layout{title: "S3", nav: "s3"}, func(p *page) { bucketsContent(p, buckets, ext) })
		return
	}
	list, err := c.b.S3().ListObjects(ctx, bucket, prefix, "/", marker, listPage)
	if errors.Is(err, s3fake.ErrNoSuchBucket) {
		c.errorPage(w, r, http.StatusNotFound, "No bucket named "+bucket+".")
		return
	}
	if err != nil {
		c.errorPage(w, r, http.StatusInternalServerError, "Listing "+bucket+": "+err.Error())
		return
	}
	objects := make([]objectView, len(list.Objects))
	for i, o := range list.Objects {
		objects[i] = objectView{ObjectSummary: o, Name: strings.TrimPrefix(o.Key, prefix), ErrorType: errorOutputType(o.Key)}
	}
	folders := make([]crumb, len(list.Prefixes))
	for i, p := range list.Prefixes {
		folders[i] = crumb{Name: strings.TrimPrefix(p, prefix), Prefix: p}
	}
	v := listingView{Bucket: bucket, Prefix: prefix, Crumbs: crumbs(prefix), Folders: folders, Objects: objects, Listing: list}
	c.render(w, r, http.StatusOK, layout{title: "s3://" + bucket + "/" + prefix, nav: "s3"}, func(p *page) { listingContent(p, v, ext) })
}

func (c *Console) objectPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bucket, key := q.Get("bucket"), q.Get("key")
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	stored, info, err := c.b.S3().ReadObject(ctx, bucket, key, maxStoredRead)
	switch {
	case errors.Is(err, s3fake.ErrNoSuchBucket):
		c.errorPage(w, r, http.StatusNotFound, "No bucket named "+bucket+".")
		return
	case errors.Is(err, s3fake.ErrNoSuchKey) || key == "":
		c.errorPage(w, r, http.StatusNotFound, "No object "+key+" in bucket "+bucket+".")
		return
	case err != nil:
		c.errorPage(w, r, http.StatusInternalServerError, "Reading "+key+": "+err.Error())
		return
	}
	dir := ""
	if i := strings.LastIndex(key, "/"); i >= 0 {
		dir = key[:i+1]
	}
	p := buildPreview(key, stored, info)
	v := objectPageView{Bucket: bucket, Key: key, Crumbs: crumbs(dir), Info: info, Preview: p, Compressed: p.Format != compression.Uncompressed,
		Lineage: c.objectLineage(bucket, key), View: r.URL.Query().Get("view")}
	c.render(w, r, http.StatusOK, layout{title: key, nav: "s3"}, func(p *page) { objectContent(p, v) })
}

// download serves an object's stored bytes as an attachment, never as a
// page of this origin.
func (c *Console) download(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bucket, key := q.Get("bucket"), q.Get("key")
	body, _, err := c.b.S3().ReadObject(r.Context(), bucket, key, 0)
	if err != nil || key == "" {
		c.errorPage(w, r, http.StatusNotFound, "No object "+key+" in bucket "+bucket+".")
		return
	}
	name := key[strings.LastIndex(key, "/")+1:]
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
