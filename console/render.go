package console

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/s3fake"
)

// The console's pages are written by hand rather than with html/template:
// linking html/template (through text/template's reflection) keeps the
// linker from dropping unused methods, which made the binary a third
// larger and its start-up slower.
//
// The rule that keeps them safe: markup is only ever a constant ([markup]
// is a distinct type, so a string variable does not compile where markup is
// expected), and every value goes in through [page.text] or [page.attr],
// which HTML-escape it, with attribute values always double-quoted. URLs
// are built by [uiURL], which query-escapes each value, and are then
// written as attribute values like any other.

// markup is constant HTML. Never convert a value to it.
type markup string

// page is an HTML page being written.
type page struct{ b bytes.Buffer }

// raw writes constant markup.
func (p *page) raw(m markup) { p.b.WriteString(string(m)) }

// text writes s as text, escaped.
func (p *page) text(s string) { p.b.WriteString(html.EscapeString(s)) }

// num writes n as text.
func (p *page) num(n int64) { p.b.WriteString(strconv.FormatInt(n, 10)) }

// attr writes ` name="value"`, the value escaped. name is constant.
func (p *page) attr(name markup, value string) {
	p.b.WriteByte(' ')
	p.b.WriteString(string(name))
	p.b.WriteString(`="`)
	p.b.WriteString(html.EscapeString(value))
	p.b.WriteByte('"')
}

// link writes <a href="href">text</a>.
func (p *page) link(href, text string) {
	p.raw("<a")
	p.attr("href", href)
	p.raw(">")
	p.text(text)
	p.raw("</a>")
}

// open writes a start tag with attributes given as name, value pairs.
func (p *page) open(tag markup, attrs ...string) {
	p.raw("<")
	p.raw(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		p.attr(markup(attrName(attrs[i])), attrs[i+1])
	}
	p.raw(">")
}

// attrName allows only the attribute names the pages use: letters, digits
// and hyphens. Anything else is a programming error.
func attrName(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			panic("console: bad attribute name " + strconv.Quote(s))
		}
	}
	return s
}

// uiURL is the console path (a constant) with query parameters given as
// name, value pairs, each value query-escaped.
func uiURL(path markup, params ...string) string {
	var b strings.Builder
	b.WriteString(Prefix)
	b.WriteString(string(path))
	for i := 0; i+1 < len(params); i += 2 {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(params[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(params[i+1]))
	}
	return b.String()
}

// Formatting of values.

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func fnName(arn string) string {
	if i := strings.LastIndex(arn, ":function:"); i >= 0 {
		return arn[i+len(":function:"):]
	}
	return arn
}

func itoa(n int) string { return strconv.Itoa(n) }

// layout is what every page has around its content.
type layout struct {
	title string
	nav   string // the active tab
	live  int    // refresh period in milliseconds, 0 for none
	// msg and err are the messages shown on top; unless set, they come
	// from the query's msg and err.
	msg, err       string
	msgSet, errSet bool
}

func (p *page) layout(l layout, content func(*page)) {
	p.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	p.text(l.title)
	p.raw(" · firehose-local</title>\n" +
		"<link rel=\"icon\" href=\"" + Prefix + "/static/favicon.svg\" type=\"image/svg+xml\">\n" +
		"<link rel=\"stylesheet\" href=\"" + Prefix + "/static/console.css\">\n" +
		"<script src=\"" + Prefix + "/static/console.js\" defer></script>\n" +
		"</head>\n<body")
	if l.live != 0 {
		p.attr("data-live", itoa(l.live))
	}
	p.raw(">\n<header>\n  <a class=\"brand\" href=\"" + Prefix + "/\">firehose-local</a>\n  <nav>\n")
	for _, tab := range []struct {
		nav  string
		path markup
		name string
	}{
		{"streams", "/streams", "Delivery streams"},
		{"kinesis", "/kinesis", "Data streams"},
		{"lambda", "/lambda", "Lambda"},
		{"s3", "/s3", "S3"},
		{"demo", "/demo", "Demo data"},
		{"records", "/records", "Records"},
	} {
		p.raw("    <a")
		p.attr("href", uiURL(tab.path))
		if l.nav == tab.nav {
			p.raw(` class="active" aria-current="page"`)
		}
		p.raw(">")
		p.text(tab.name)
		p.raw("</a>\n")
	}
	p.raw("  </nav>\n</header>\n<main>\n")
	if l.msg != "" {
		p.raw(`<p class="flash ok" role="status">`)
		p.text(l.msg)
		p.raw("</p>\n")
	}
	if l.err != "" {
		p.raw(`<p class="flash err" role="alert">`)
		p.text(l.err)
		p.raw("</p>\n")
	}
	content(p)
	p.raw("</main>\n</body>\n</html>")
}

// The pages' content, one function per page.

func errorContent(p *page, status int, title string) {
	p.raw("<h1>")
	p.num(int64(status))
	p.raw(" ")
	p.text(title)
	p.raw("</h1>\n<p><a href=\"" + Prefix + "/streams\">Back to the delivery streams</a></p>\n")
}

func streamsContent(p *page, streams []streamView, externalS3 string) {
	p.raw(`<div class="toolbar">
  <h1>Delivery streams</h1>
  <a class="button" href="` + Prefix + `/streams/new">Create delivery stream</a>
  <form method="post" action="` + Prefix + `/flush"><button type="submit" title="Deliver every stream's buffer now">Flush all</button></form>
</div>
`)
	if externalS3 != "" {
		p.raw(`<p class="note">Deliveries go to `)
		p.text(externalS3)
		p.raw("; the S3 page shows the built-in S3.</p>\n")
	}
	p.raw("<div data-live-root>\n")
	if len(streams) == 0 {
		p.raw(`<p class="empty">No delivery streams yet. <a href="` + Prefix + `/streams/new">Create one</a>, or use the Firehose API.</p>` + "\n</div>\n")
		return
	}
	p.raw(`<table class="streams">
<thead><tr><th>Stream</th><th>Status</th><th>Destination</th><th>Buffering hints</th><th>Processing</th><th>Buffer now</th><th></th></tr></thead>
<tbody>
`)
	for _, s := range streams {
		key := s.Region + "/" + s.Name
		p.open("tr", "id", "stream-"+s.Region+"-"+s.Name)
		p.raw("\n  <td>\n    <strong class=\"name\">")
		p.text(s.Name)
		p.raw("</strong>\n    <div class=\"sub\">")
		p.text(s.Region + " · " + s.Type + " · version " + itoa(s.Version))
		p.raw("</div>\n    <div class=\"sub\">created ")
		p.text(ts(s.Created))
		p.raw("</div>\n  </td>\n  ")
		p.open("td", "data-live-id", "status-"+key)
		p.raw("\n    ")
		p.open("span", "class", "status s-"+s.Status)
		p.text(s.Status)
		p.raw("</span>\n")
		if s.Demo {
			p.raw(`    <div><a class="badge" href="` + Prefix + `/demo">demo data running</a></div>` + "\n")
		}
		p.raw("  </td>\n  <td>\n    <div>")
		p.text(s.Destination)
		p.raw("</div>\n")
		if s.EndpointURL != "" {
			if s.Destination == "Amazon Redshift" {
				p.raw(`    <div class="sub">cluster `)
			} else {
				p.raw(`    <div class="sub">endpoint `)
			}
			if s.EndpointName != "" {
				p.text(s.EndpointName + " ")
			}
			p.raw("<code>")
			p.text(s.EndpointURL)
			p.raw("</code></div>\n")
		}
		if s.Bucket != "" {
			p.raw(`    <div class="sub">`)
			if s.Destination == "Amazon Redshift" {
				p.raw("staging ")
			} else if s.EndpointURL != "" {
				p.raw("backup ")
			}
			p.raw("bucket ")
			p.link(uiURL("/s3", "bucket", s.Bucket), s.Bucket)
			p.raw("</div>\n")
		}
		p.raw(`    <div class="sub">prefix <code class="prefix">`)
		if s.Prefix != "" {
			p.text(s.Prefix)
		} else {
			p.raw("(default: YYYY/MM/dd/HH/)")
		}
		p.raw("</code></div>\n")
		if s.ErrorPrefix != "" {
			p.raw(`    <div class="sub">error prefix <code>`)
			p.text(s.ErrorPrefix)
			p.raw("</code></div>\n")
		}
		p.raw(`    <div class="sub">compression `)
		p.text(s.Compression)
		p.raw("</div>\n  </td>\n  <td>\n    <div>")
		p.text(itoa(s.BufferSizeMB) + " MiB")
		p.raw("</div>\n    <div>")
		p.text(itoa(s.BufferSeconds) + " s")
		if s.Capped() {
			p.raw(` <span class="sub" title="--max-buffer-interval">(capped to `)
			p.text(secs(s.Interval))
			p.raw(")</span>")
		}
		p.raw("</div>\n  </td>\n  <td>")
		if s.LambdaARN != "" {
			p.open("a", "href", Prefix+"/lambda#"+url.PathEscape("fn-"+s.LambdaARN), "title", s.LambdaARN)
			p.text(fnName(s.LambdaARN))
			p.raw("</a>")
		} else {
			p.raw(`<span class="sub">none</span>`)
		}
		p.raw("</td>\n  ")
		b := s.Buffer
		p.open("td", "class", "buffer", "data-live-id", "buffer-"+key)
		p.raw("\n    ")
		p.open("meter", "min", "0", "max", itoa(b.SizeLimit), "value", itoa(b.Bytes),
			"title", humanBytes(int64(b.Bytes))+" of "+humanBytes(int64(b.SizeLimit)))
		p.raw("</meter>\n    <div><span class=\"bytes\">")
		p.text(humanBytes(int64(b.Bytes)))
		p.raw(`</span> in <span class="records">`)
		p.num(int64(b.Records))
		p.raw("</span> ")
		p.text(plural(b.Records, "record", "records"))
		p.raw("</div>\n")
		if b.Timer {
			p.raw(`    <div class="sub">interval fires in `)
			p.text(secs(b.FiresIn))
			p.raw("</div>\n")
		}
		if s.LambdaARN != "" {
			p.raw(`    <div class="sub">transform buffer: `)
			p.text(humanBytes(int64(b.ProcBytes)) + " in " + itoa(b.ProcRecords) + " records")
			if b.ProcTimer {
				p.text(", fires in " + secs(b.ProcFiresIn))
			}
			if b.ProcQueued != 0 {
				p.text(", " + itoa(b.ProcQueued) + " waiting for the function")
			}
			p.raw("</div>\n")
		}
		if b.Queued != 0 {
			p.raw(`    <div class="sub">`)
			p.text(itoa(b.Queued) + " " + plural(b.Queued, "batch", "batches") + " queued for delivery (" + humanBytes(int64(b.QueuedBytes)) + ")")
			p.raw("</div>\n")
		}
		if len(b.Partitions) > 0 || b.Active > 0 {
			partitionsView(p, b)
		}
		if r := s.Redshift; r != nil {
			p.raw(`    <div class="sub">DeliveryToRedshift: `)
			p.text(itoa(int(r.Records)) + " " + plural(int(r.Records), "record", "records") + ", " + humanBytes(r.Bytes) + " in " +
				itoa(int(r.Success)) + " of " + itoa(int(r.Attempts)) + " COPY " + plural(int(r.Attempts), "attempt", "attempts"))
			p.raw("</div>\n")
		}
		if b.DeliveryError != "" {
			p.raw(`    <div class="err">retrying: `)
			p.text(b.DeliveryError)
			p.raw("</div>\n")
		}
		p.raw("  </td>\n  <td class=\"actions\">\n    <form method=\"post\" action=\"" + Prefix + "/flush\">\n      <input type=\"hidden\"")
		p.attr("name", "stream")
		p.attr("value", s.Name)
		p.raw(">\n      <input type=\"hidden\"")
		p.attr("name", "region")
		p.attr("value", s.Region)
		p.raw(">\n      <button type=\"submit\" title=\"Deliver this stream's buffer now\">Flush</button>\n    </form>\n    ")
		p.link(uiURL("/demo", "region", s.Region, "stream", s.Name), "Demo data")
		p.raw("\n  </td>\n</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</div>\n")
}

func newStreamContent(p *page, f streamForm, formats []string, functions []lambdaapi.FunctionSummary) {
	input := func(label markup, name, value string, extra markup) {
		p.raw("    <label>")
		p.raw(label)
		p.raw(" <input")
		p.attr("name", name)
		p.attr("value", value)
		p.raw(extra)
		p.raw("></label>\n")
	}
	p.raw(`<h1>Create a delivery stream</h1>
<p class="note">Direct PUT to Amazon S3, created with CreateDeliveryStream: the same validation and error messages as the API. Other destinations and settings: use the Firehose API.</p>
<form class="stack" method="post" action="` + Prefix + `/streams" id="create-stream">
  <fieldset>
    <legend>Stream</legend>
`)
	input("Name", "name", f.Name, ` required maxlength="64" placeholder="orders" autocomplete="off"`)
	input("Region", "region", f.Region, ` required`)
	p.raw("  </fieldset>\n  <fieldset>\n    <legend>Destination: Amazon S3</legend>\n")
	input("Bucket", "bucket", f.Bucket, ` required placeholder="deliveries" autocomplete="off"`)
	p.raw(`    <label class="check"><input type="checkbox" name="create_bucket" value="1"`)
	if f.CreateBucket {
		p.raw(" checked")
	}
	p.raw("> Create the bucket if it does not exist (AWS would not: this calls S3 CreateBucket)</label>\n")
	input("Prefix", "prefix", f.Prefix, ` placeholder="default: YYYY/MM/dd/HH/"`)
	input("Error output prefix", "error_prefix", f.ErrorPrefix, ` placeholder="errors/!{firehose:error-output-type}/"`)
	p.raw("    <label>Compression\n      <select name=\"compression\">\n        ")
	for _, format := range formats {
		p.raw("<option")
		p.attr("value", format)
		if format == f.Compression {
			p.raw(" selected")
		}
		p.raw(">")
		p.text(format)
		p.raw("</option>")
	}
	p.raw("\n      </select>\n    </label>\n  </fieldset>\n  <fieldset>\n    <legend>Buffering hints</legend>\n")
	input("Buffer size (MiB)", "size_mb", f.SizeMB, ` type="number" min="1" max="128"`)
	input("Buffer interval (seconds)", "interval_s", f.IntervalS, ` type="number" min="0" max="900"`)
	p.raw("  </fieldset>\n  <fieldset>\n    <legend>Transform records with Lambda</legend>\n    <label>Function\n      <select name=\"function\">\n        <option value=\"\">(none)</option>\n        ")
	for _, fn := range functions {
		p.raw("<option")
		p.attr("value", fn.ARN)
		if fn.ARN == f.Function {
			p.raw(" selected")
		}
		p.raw(">")
		p.text(fn.Name + " (" + fn.Region + ", " + fn.Runtime + ")")
		p.raw("</option>")
	}
	p.raw("\n      </select>\n    </label>\n")
	if len(functions) == 0 {
		p.raw("    <p class=\"sub\">No functions yet: register one with <code>--function NAME=DIR:RUNTIME:HANDLER</code> or the Lambda API.</p>\n")
	}
	p.raw("  </fieldset>\n  <div><button type=\"submit\" class=\"primary\">Create delivery stream</button> <a href=\"" + Prefix + "/streams\">Cancel</a></div>\n</form>\n")
}

func lambdaContent(p *page, functions []functionView) {
	p.raw("<h1>Lambda functions</h1>\n<div data-live-root>\n")
	if len(functions) == 0 {
		p.raw("<p class=\"empty\">No functions yet. Register one with <code>firehose-local --function NAME=DIR:RUNTIME:HANDLER</code>, or create one with the Lambda API.</p>\n")
	}
	for _, f := range functions {
		p.open("section", "class", "function", "id", "fn-"+f.ARN)
		p.raw("\n  <h2>")
		p.text(f.Name)
		p.raw("</h2>\n  <div class=\"sub\"><code>")
		p.text(f.ARN)
		p.raw("</code></div>\n")
		if f.Handler != "" {
			p.raw(`  <div class="sub">`)
			p.text(f.Runtime + " · handler " + f.Handler + " · timeout " + itoa(f.TimeoutSeconds) + " s · " + itoa(f.MemorySizeMB) + " MB")
			if f.LocalDir != "" {
				p.raw(" · runs from <code>")
				p.text(f.LocalDir)
				p.raw("</code>")
			}
			p.raw("</div>\n")
		}
		p.raw("  ")
		p.open("div", "data-live-id", "invocations-"+f.ARN)
		p.raw("\n")
		if len(f.Invocations) == 0 {
			p.raw("  <p class=\"sub\">No invocations yet.</p>\n")
		} else {
			p.raw("  <table class=\"invocations\">\n    <thead><tr><th>Started</th><th>Request ID</th><th>Duration</th><th>Result</th><th>Transform</th></tr></thead>\n    <tbody>\n")
			list, of := batchOrder(f.Invocations)
			for i, inv := range list {
				class := ""
				if inv.FunctionError != "" || inv.Error != "" || inv.ResponseError != "" {
					class = "failed"
				}
				if of[i] > 1 && i > 0 && list[i-1].Batch == inv.Batch {
					class = strings.TrimSpace(class + " retry") // an earlier attempt, under the batch's latest
				}
				row := class
				if inv.Log != "" {
					row = strings.TrimSpace(class + " has-log")
				}
				p.raw("    ")
				p.open("tr", "class", row)
				p.raw("\n")
				p.raw("      <td>")
				p.text(ts(inv.Start))
				p.raw("</td>\n      <td><code>")
				p.text(inv.RequestID)
				p.raw("</code>")
				if of[i] > 1 {
					p.raw(`<div class="sub attempt">`)
					p.text("attempt " + itoa(inv.Attempt) + " of " + itoa(of[i]))
					p.raw("</div>")
				}
				p.raw("</td>\n      <td>")
				p.text(ms(inv.Duration))
				p.raw("</td>\n      <td>")
				switch {
				case inv.Error != "":
					p.raw(`<span class="err">`)
					p.text(inv.Error)
					p.raw("</span>")
				case inv.FunctionError != "":
					p.raw(`<span class="err">function error (`)
					p.text(inv.FunctionError)
					p.raw(")</span>")
				default:
					p.raw("ok")
				}
				p.raw("</td>\n      <td>")
				switch {
				case inv.Stream == "":
					p.raw(`<span class="sub">—</span>`)
				default:
					p.raw(`<div class="sub">`)
					if href := streamHref(inv.Stream); href != "" {
						p.open("a", "class", "invocation-stream", "href", href, "title", inv.Stream)
						p.text(inv.Stream)
						p.raw("</a>")
					} else {
						p.text(inv.Stream)
					}
					p.raw("</div>")
					if inv.ResponseError != "" {
						p.raw(`<span class="err">`)
						p.text(inv.ResponseError)
						p.raw("</span>")
					} else {
						p.text("Ok " + itoa(inv.Ok) + " · Dropped " + itoa(inv.Dropped) + " · ProcessingFailed " + itoa(inv.Failed))
					}
					p.raw(" · ")
					p.open("a", "class", "invocation-records", "href", uiURL("/records", "request", inv.RequestID))
					p.raw("records and where they went</a>")
				}
				p.raw("</td>\n    </tr>\n")
				if inv.Log != "" {
					// The log opens in a row of its own, across the table,
					// so the columns above keep their widths.
					p.raw("    ")
					p.open("tr", "class", strings.TrimSpace(class+" log-row"))
					p.raw(`<td colspan="5">`)
					p.open("details", "id", "log-"+inv.RequestID)
					p.raw(`<summary>log</summary><pre class="log">`)
					p.text(inv.Log)
					p.raw("</pre></details></td></tr>\n")
				}
			}
			p.raw("    </tbody>\n  </table>\n")
		}
		p.raw("  </div>\n</section>\n")
	}
	p.raw("</div>\n")
}

// batchOrder puts the attempts of each transform batch together where the
// batch's latest attempt is (list is newest first), and gives each
// invocation the number of attempts its batch made (the highest attempt
// kept; 0 for an invocation of no batch).
func batchOrder(list []Invocation) ([]Invocation, []int) {
	attempts := map[string]int{}
	for _, inv := range list {
		if inv.Batch != "" {
			attempts[inv.Batch] = max(attempts[inv.Batch], inv.Attempt)
		}
	}
	out, of := make([]Invocation, 0, len(list)), make([]int, 0, len(list))
	done := map[string]bool{}
	for _, inv := range list {
		switch {
		case inv.Batch == "":
			out, of = append(out, inv), append(of, 0)
		case !done[inv.Batch]:
			done[inv.Batch] = true
			for _, a := range list {
				if a.Batch == inv.Batch {
					out, of = append(out, a), append(of, attempts[inv.Batch])
				}
			}
		}
	}
	return out, of
}

// streamHref is the streams page's row of the delivery stream arn
// (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME), or "".
func streamHref(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "firehose" || !strings.HasPrefix(parts[5], "deliverystream/") {
		return ""
	}
	return Prefix + "/streams#" + url.PathEscape("stream-"+parts[3]+"-"+strings.TrimPrefix(parts[5], "deliverystream/"))
}

// pathHeading writes the S3 browser's heading: S3 / bucket / each folder.
func pathHeading(p *page, bucket string, cs []crumb) {
	p.raw(`<h1 class="path"><a href="` + Prefix + `/s3">S3</a> / `)
	p.link(uiURL("/s3", "bucket", bucket), bucket)
	for _, c := range cs {
		p.raw(" / ")
		p.link(uiURL("/s3", "bucket", bucket, "prefix", c.Prefix), c.Name)
	}
	p.raw("</h1>\n")
}

func bucketsContent(p *page, buckets []s3fake.Bucket, externalS3 string) {
	s3Note(p, externalS3)
	p.raw("<h1>S3 buckets</h1>\n")
	if len(buckets) == 0 {
		p.raw(`<p class="empty">No buckets yet. Create one with the S3 API, or from the <a href="` + Prefix + `/streams/new">create-stream form</a>.</p>` + "\n")
		return
	}
	p.raw("<table class=\"buckets\">\n  <thead><tr><th>Bucket</th><th>Created</th></tr></thead>\n  <tbody>\n  ")
	for _, b := range buckets {
		p.raw("<tr><td>")
		p.link(uiURL("/s3", "bucket", b.Name), b.Name)
		p.raw("</td><td>")
		p.text(ts(b.Created))
		p.raw("</td></tr>")
	}
	p.raw("\n  </tbody>\n</table>\n")
}

func s3Note(p *page, externalS3 string) {
	if externalS3 != "" {
		p.raw(`<p class="note">Deliveries go to `)
		p.text(externalS3)
		p.raw("; this is the built-in S3.</p>\n")
	}
}

// listingView is one page of the S3 browser's listing of a bucket.
type listingView struct {
	Bucket, Prefix string
	Crumbs         []crumb
	Folders        []crumb
	Objects        []objectView
	Listing        s3fake.Listing
}

func listingContent(p *page, v listingView, externalS3 string) {
	s3Note(p, externalS3)
	pathHeading(p, v.Bucket, v.Crumbs)
	if len(v.Folders) == 0 && len(v.Objects) == 0 {
		if v.Prefix != "" {
			p.raw("<p class=\"empty\">No objects under this prefix.</p>\n")
		} else {
			p.raw("<p class=\"empty\">The bucket is empty.</p>\n")
		}
		return
	}
	p.raw("<table class=\"objects\">\n  <thead><tr><th>Name</th><th>Size</th><th>Last modified</th></tr></thead>\n  <tbody>\n  ")
	for _, f := range v.Folders {
		p.raw(`<tr class="folder"><td>`)
		p.link(uiURL("/s3", "bucket", v.Bucket, "prefix", f.Prefix), f.Name)
		p.raw("</td><td></td><td></td></tr>")
	}
	p.raw("\n  ")
	for _, o := range v.Objects {
		if o.ErrorType != "" {
			p.raw(`<tr class="error-doc">`)
		} else {
			p.raw("<tr>")
		}
		p.raw("\n    <td>")
		p.link(uiURL("/s3/object", "bucket", v.Bucket, "key", o.Key), o.Name)
		if o.ErrorType != "" {
			p.raw(` <span class="badge err">`)
			p.text(o.ErrorType)
			p.raw("</span>")
		}
		p.raw("</td>\n    <td>")
		p.text(humanBytes(o.Size))
		p.raw("</td><td>")
		p.text(ts(o.LastModified))
		p.raw("</td>\n  </tr>")
	}
	p.raw("\n  </tbody>\n</table>\n")
	if v.Listing.Truncated {
		p.raw("<p>")
		p.link(uiURL("/s3", "bucket", v.Bucket, "prefix", v.Prefix, "marker", v.Listing.NextMarker), "Next page")
		p.raw("</p>\n")
	}
}

// objectPageView is what the object page shows.
type objectPageView struct {
	Bucket, Key string
	Crumbs      []crumb
	Info        s3fake.ObjectInfo
	Preview     preview
	View        string // the JSON preview's "compact" or "pretty" (default: compact for NDJSON)
	Compressed  bool
	Lineage     func(*page) // the records that produced it (lineage.go); nil: lineage off
}

func objectContent(p *page, v objectPageView) {
	pathHeading(p, v.Bucket, v.Crumbs)
	p.raw("<h2 class=\"key\">")
	p.text(v.Key)
	p.raw("</h2>\n<dl class=\"meta\">\n  <dt>Size</dt><dd>")
	p.text(humanBytes(v.Info.Size) + " (" + strconv.FormatInt(v.Info.Size, 10) + " bytes)")
	p.raw("</dd>\n  <dt>Last modified</dt><dd>")
	p.text(ts(v.Info.LastModified))
	p.raw("</dd>\n  <dt>Content-Type</dt><dd>")
	p.text(orDash(v.Info.ContentType))
	p.raw("</dd>\n  <dt>Content-Encoding</dt><dd>")
	p.text(orDash(v.Info.ContentEncoding))
	p.raw("</dd>\n  <dt>Stored as</dt><dd>")
	p.text(string(v.Preview.Format))
	if v.Compressed {
		p.raw(": shown decompressed")
	}
	p.raw("</dd>\n</dl>\n<p>")
	p.open("a", "class", "button", "href", uiURL("/s3/download", "bucket", v.Bucket, "key", v.Key))
	p.raw("Download</a></p>\n")
	if v.Lineage != nil {
		v.Lineage(p)
	}

	pv := v.Preview
	if pv.ErrorType != "" {
		p.raw("<div class=\"error-banner\" role=\"note\">\n  <strong>Error document: ")
		p.text(pv.ErrorType)
		p.raw(".</strong>\n  ")
		switch pv.ErrorType {
		case "processing-failed":
			p.raw("These records failed the transform function and were written here instead of the destination.")
		case "format-conversion-failed":
			p.raw("These records could not be converted with the Glue table's schema and were written here instead of the destination.")
		case "splunk-failed":
			p.raw("These records were never accepted and acknowledged by Splunk within the retry duration.")
		case "AmazonOpenSearchService-failed", "elasticsearch-failed":
			p.raw("These documents were never indexed by the cluster within the retry duration.")
		default:
			p.raw("These records were never accepted by the HTTP endpoint within the retry duration.")
		}
		p.raw("\n</div>\n")
		if len(pv.ErrorDocs) > 0 {
			p.raw("<table class=\"errordocs\">\n  <thead><tr><th>#</th><th>Error</th><th>Attempts</th><th>Arrived</th><th>Record data</th></tr></thead>\n  <tbody>\n  ")
			for i, d := range pv.ErrorDocs {
				p.raw("<tr>\n    <td>")
				p.num(int64(i + 1))
				p.raw("</td>\n    <td><strong>")
				p.text(d.Code)
				p.raw(`</strong><div class="sub">`)
				p.text(d.Message)
				p.raw("</div>")
				if d.Target != "" {
					p.raw(`<div class="sub"><code>`)
					p.text(d.Target)
					p.raw("</code></div>")
				}
				p.raw("</td>\n    <td>")
				p.num(int64(d.Attempts))
				p.raw("</td>\n    <td>")
				p.text(ts(d.Arrival))
				p.raw("</td>\n    <td><pre class=\"raw\">")
				p.text(d.Raw)
				p.raw("</pre>")
				if d.RawNote != "" {
					p.raw(`<div class="sub">(`)
					p.text(d.RawNote)
					p.raw(")</div>")
				}
				p.raw("</td>\n  </tr>")
			}
			p.raw("\n  </tbody>\n</table>\n")
		}
	}
	if pv.DecodeError != "" {
		p.raw(`<p class="flash err">Could not decode all of the object: `)
		p.text(pv.DecodeError)
		p.raw("</p>\n")
	}
	if pv.Truncated {
		p.raw(`<p class="note truncated">Showing the first `)
		p.text(humanBytes(previewLimit) + " of the content (" + humanBytes(int64(pv.Decoded)) + " decoded); download the object for the rest.")
		p.raw("</p>\n")
	}
	p.raw("<section class=\"preview\" id=\"preview\">\n")
	switch pv.Kind {
	case "empty":
		p.raw("<p class=\"empty\">The object is empty.</p>\n")
	case "json":
		p.raw(`<p class="sub">`)
		n := itoa(len(pv.Records))
		if pv.MoreRecords {
			n += "+"
		}
		compact := v.View == "compact" || (v.View != "pretty" && pv.NDJSON)
		if compact {
			p.text(n + " JSON " + plural(len(pv.Records), "record", "records") + ", one per line · ")
			p.open("a", "class", "view-toggle", "href", uiURL("/s3/object", "bucket", v.Bucket, "key", v.Key, "view", "pretty")+"#preview")
			p.raw("pretty-print</a></p>\n")
			p.raw(`<pre class="json compact">`)
			for i, r := range pv.Compact {
				p.open("span", "class", "record", "data-record", itoa(i+1))
				p.text(r)
				p.raw("</span>\n")
			}
			p.raw("</pre>\n")
		} else {
			p.text(n + " JSON " + plural(len(pv.Records), "record", "records") + ", pretty-printed · ")
			p.open("a", "class", "view-toggle", "href", uiURL("/s3/object", "bucket", v.Bucket, "key", v.Key, "view", "compact")+"#preview")
			p.raw("one per line</a></p>\n")
			for i, r := range pv.Records {
				p.open("pre", "class", "json record", "data-record", itoa(i+1))
				p.text(r)
				p.raw("</pre>")
			}
			p.raw("\n")
		}
		if pv.MoreRecords {
			p.raw(`<p class="note">Only the first `)
			p.num(int64(len(pv.Records)))
			p.raw(" records are shown.</p>\n")
		}
	case "parquet":
		parquetContent(p, pv.Parquet)
	case "text":
		p.raw(`<p class="sub">Text, as stored`)
		if v.Compressed {
			p.raw(" (decompressed)")
		}
		p.raw(`</p><pre class="text">`)
		p.text(pv.Text)
		p.raw("</pre>\n")
	default:
		p.raw(`<p class="sub">Binary content (hex dump of the first 4 KiB):</p><pre class="hex">`)
		p.text(pv.Text)
		p.raw("</pre>\n")
	}
	p.raw("</section>\n")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func demoContent(p *page, streams []Stream, runs []demoView, selected string, rate, maxRate int, sample string) {
	p.raw(`<h1>Demo data</h1>
<p class="note">Like the AWS console's "Test with demo data": stock-ticker records sent through the Firehose API (PutRecordBatch), one JSON object per record followed by a newline, for example <code>`)
	p.text(sample)
	p.raw("</code></p>\n")
	if len(streams) == 0 {
		p.raw(`<p class="empty">No delivery streams yet. <a href="` + Prefix + `/streams/new">Create one</a> first.</p>` + "\n")
	} else {
		p.raw("<form class=\"inline\" method=\"post\" action=\"" + Prefix + "/demo/start\" id=\"demo-start\">\n  <label>Stream\n    <select name=\"stream\" required>\n      ")
		for _, s := range streams {
			p.raw("<option")
			p.attr("value", s.Region+"/"+s.Name)
			if s.Region+"/"+s.Name == selected {
				p.raw(" selected")
			}
			p.raw(">")
			p.text(s.Name + " (" + s.Region + ")")
			p.raw("</option>")
		}
		p.raw("\n    </select>\n  </label>\n  <label>Records per second <input name=\"rate\" type=\"number\" min=\"1\"")
		p.attr("max", itoa(maxRate))
		p.attr("value", itoa(rate))
		p.raw("></label>\n  <label>Stop after (seconds, 0 = when stopped) <input name=\"seconds\" type=\"number\" min=\"0\" max=\"86400\" value=\"0\"></label>\n  <button type=\"submit\" class=\"primary\">Start sending demo data</button>\n</form>\n")
	}
	p.raw("<div data-live-root>\n")
	if len(runs) > 0 {
		p.raw("<h2>Runs</h2>\n<table class=\"demos\">\n  <thead><tr><th>Stream</th><th>State</th><th>Records sent</th><th>Rate</th><th>Errors</th><th>Running for</th><th></th></tr></thead>\n  <tbody>\n")
		for _, r := range runs {
			key := r.Region + "/" + r.Stream
			p.raw("  ")
			p.open("tr", "id", "demo-"+r.Region+"-"+r.Stream)
			p.raw("\n    <td><strong>")
			p.text(r.Stream)
			p.raw(`</strong> <span class="sub">`)
			p.text(r.Region)
			p.raw("</span></td>\n    ")
			p.open("td", "data-live-id", "demo-state-"+key+"-"+strconv.FormatBool(r.Running))
			if r.Running {
				p.raw(`<span class="status s-ACTIVE">sending</span>`)
			} else {
				p.raw("stopped")
			}
			if r.Error != "" {
				p.raw(`<div class="err">`)
				p.text(r.Error)
				p.raw("</div>")
			}
			p.raw("</td>\n    ")
			p.open("td", "data-live-id", "demo-sent-"+key, "class", "sent")
			p.num(r.Sent)
			p.raw("</td>\n    ")
			p.open("td", "data-live-id", "demo-rate-"+key)
			p.text(strconv.FormatFloat(r.ActualRate(), 'f', 1, 64) + "/s")
			p.raw(` <span class="sub">(asked `)
			p.text(itoa(r.Rate) + "/s")
			p.raw(")</span></td>\n    ")
			p.open("td", "data-live-id", "demo-errors-"+key)
			p.num(r.Failed)
			if r.LastError != "" {
				p.raw(`<div class="err sub">`)
				p.text(r.LastError)
				p.raw("</div>")
			}
			p.raw("</td>\n    ")
			p.open("td", "data-live-id", "demo-elapsed-"+key)
			p.text(secs(r.Elapsed))
			p.raw("</td>\n    <td>")
			if r.Running {
				p.raw("<form method=\"post\" action=\"" + Prefix + "/demo/stop\"><input type=\"hidden\" name=\"stream\"")
				p.attr("value", key)
				p.raw(`><button type="submit">Stop</button></form>`)
			}
			p.raw("</td>\n  </tr>\n")
		}
		p.raw("  </tbody>\n</table>\n")
	}
	p.raw("</div>\n")
}

// maxPartitionsShown bounds the partition list of one stream.
const maxPartitionsShown = 50

// partitionsView lists a dynamically partitioned stream's open partition
// buffers, each with its keys, contents and interval.
func partitionsView(p *page, b Buffer) {
	p.raw(`    <details class="partitions"><summary>`)
	p.text(itoa(b.Active) + " active " + plural(b.Active, "partition", "partitions") + ", " + itoa(len(b.Partitions)) + " buffering")
	p.raw("</summary>\n    <ul>\n")
	for i, pt := range b.Partitions {
		if i == maxPartitionsShown {
			p.raw(`      <li class="sub">`)
			p.text("and " + itoa(len(b.Partitions)-i) + " more")
			p.raw("</li>\n")
			break
		}
		p.raw(`      <li><code>`)
		p.text(pt.Keys)
		p.raw(`</code> `)
		p.text(humanBytes(int64(pt.Bytes)) + " in " + itoa(pt.Records) + " " + plural(pt.Records, "record", "records"))
		if pt.FiresIn > 0 {
			p.text(", fires in " + secs(pt.FiresIn))
		}
		p.raw("</li>\n")
	}
	p.raw("    </ul></details>\n")
}
