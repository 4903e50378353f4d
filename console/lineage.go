package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/lineage"
)

// groupLimit is how many records of an object or invocation a page lists.
const groupLimit = 200

// LineageBackend is a Backend with record lineage: the index and the
// RecordIds it is keyed by. A Backend without it has no Records pages.
type LineageBackend interface {
	Lineage() (*lineage.Index, lineage.IDs)
}

// lineage returns the server's lineage index, nil when it has none.
func (c *Console) lineage() (*lineage.Index, lineage.IDs) {
	if lb, ok := c.b.(LineageBackend); ok {
		return lb.Lineage()
	}
	return nil, nil
}

// recordsPage serves the Records tab: a search box for a RecordId, one
// record's lineage (?id=), the records of an invocation (?request=), and
// the recent failed records (of ?stream=).
func (c *Console) recordsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	x, ids := c.lineage()
	l := layout{title: "Records", nav: "records"}
	id, req := q.Get("id"), q.Get("request")
	if x == nil {
		c.render(w, r, http.StatusOK, l, func(p *page) {
			recordSearch(p, id)
			p.raw("<p class=\"empty\">Record lineage is off: the server runs with <code>--lineage-records 0</code>.</p>\n")
		})
		return
	}
	switch {
	case id != "":
		seq, ok := ids.RecordSeq(id)
		var rec lineage.Record
		if ok {
			rec, ok = x.Lookup(seq, id)
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusNotFound
		}
		l.title = "Record"
		c.render(w, r, status, l, func(p *page) {
			recordSearch(p, id)
			if !ok {
				p.raw("<p class=\"flash err\" role=\"alert\" id=\"record-not-found\">No record with this RecordId: it was never issued by this server, or has left the lineage index (the last ")
				p.text(strconv.Itoa(x.Size()))
				p.raw(" records are kept).</p>\n")
				return
			}
			recordContent(p, rec)
		})
	case req != "":
		g, ok := x.Request(req, groupLimit, ids.RecordID)
		status := http.StatusOK
		if !ok {
			status = http.StatusNotFound
		}
		l.title = "Invocation " + req
		c.render(w, r, status, l, func(p *page) {
			recordSearch(p, "")
			p.raw("<h2>Invocation <code>")
			p.text(req)
			p.raw("</code></h2>\n")
			if !ok {
				p.raw("<p class=\"empty\">No records of this invocation are in the lineage index.</p>\n")
				return
			}
			groupContent(p, g)
		})
	default:
		stream := q.Get("stream")
		failed := x.Failed(ids.LastRecordSeq(), q.Get("region"), stream, 50, ids.RecordID)
		c.render(w, r, http.StatusOK, l, func(p *page) {
			recordSearch(p, "")
			p.raw("<h2>Recent failed records")
			if stream != "" {
				p.raw(" of ")
				p.text(stream)
			}
			p.raw("</h2>\n")
			if len(failed) == 0 {
				p.raw("<p class=\"empty\">None.</p>\n")
				return
			}
			p.raw("<table class=\"records\" id=\"failed-records\">\n  <thead><tr><th>RecordId</th><th>Stream</th><th>Arrived</th><th>Reason</th></tr></thead>\n  <tbody>\n")
			for _, rec := range failed {
				p.raw("  <tr><td>")
				recordLink(p, rec.RecordID)
				p.raw("</td><td>")
				p.text(rec.Stream)
				p.raw("</td><td>")
				p.text(ts(rec.Arrival))
				p.raw("</td><td><span class=\"err\">")
				p.text(rec.Reason)
				p.raw("</span></td></tr>\n")
			}
			p.raw("  </tbody>\n</table>\n")
		})
	}
}

// recordSearch is the Records page's heading and search box.
func recordSearch(p *page, id string) {
	p.raw("<h1>Records</h1>\n<form class=\"inline\" method=\"get\" action=\"" + Prefix + "/records\" id=\"record-search\" role=\"search\">\n  <label>RecordId <input type=\"search\" name=\"id\" required size=\"60\" autocomplete=\"off\"")
	p.attr("value", id)
	p.raw("></label>\n  <button type=\"submit\">Trace</button>\n</form>\n")
}

// recordLink links to a record's page, its RecordId shortened.
func recordLink(p *page, id string) {
	short := id
	if len(short) > 24 {
		short = "…" + short[len(short)-20:]
	}
	p.open("a", "class", "record-id", "href", uiURL("/records", "id", id), "title", id)
	p.text(short)
	p.raw("</a>")
}

func requestLink(p *page, req string) {
	p.open("a", "class", "request-id", "href", uiURL("/records", "request", req))
	p.text(req)
	p.raw("</a>")
}

func objectLink(p *page, bucket, key string) {
	p.link(uiURL("/s3/object", "bucket", bucket, "key", key), "s3://"+bucket+"/"+key)
}

// recordContent is one record's lineage.
func recordContent(p *page, r lineage.Record) {
	p.raw("<dl class=\"meta\" id=\"record\">\n  <dt>RecordId</dt><dd><code class=\"wrap\">")
	p.text(r.RecordID)
	p.raw("</code></dd>\n  <dt>Stream</dt><dd>")
	p.text(r.Stream + " (" + r.Region + ")")
	p.raw(" · ")
	p.link(uiURL("/records", "stream", r.Stream, "region", r.Region), "its failed records")
	p.raw("</dd>\n  <dt>Arrived</dt><dd>")
	p.text(ts(r.Arrival))
	p.raw("</dd>\n  <dt>State</dt><dd id=\"record-state\">")
	if r.State == lineage.StateFailed || r.State == lineage.StateDropped {
		p.raw("<span class=\"err\">")
		p.text(r.State)
		if r.Reason != "" {
			p.text(": " + r.Reason)
		}
		p.raw("</span>")
	} else {
		p.text(r.State)
	}
	p.raw("</dd>\n")
	if inv := r.Invocation; inv != nil {
		p.raw("  <dt>Lambda</dt><dd id=\"record-invocation\">")
		p.text(fnName(inv.Function))
		if inv.Result != "" {
			p.text(": " + inv.Result)
		}
		if inv.Failure != "" {
			p.raw(" <span class=\"err\">")
			p.text(inv.Failure)
			p.raw("</span>")
		}
		p.text(" · " + strconv.FormatInt(inv.DurationMs, 10) + " ms")
		p.raw("<ol class=\"attempts\">")
		for _, a := range inv.Attempts {
			p.raw("<li>")
			if a.RequestID != "" {
				requestLink(p, a.RequestID)
			} else {
				p.raw("no request")
			}
			if a.Error != "" {
				p.raw(" <span class=\"err\">")
				p.text(a.Error)
				p.raw("</span>")
			}
			p.raw("</li>")
		}
		p.raw("</ol></dd>\n")
	}
	if b := r.Where; b != nil {
		batchContent(p, "Where", "record-where", b)
	}
	if b := r.Backup; b != nil {
		batchContent(p, "S3 backup", "record-backup", b)
	}
	p.raw("</dl>\n")
}

func batchContent(p *page, title markup, id string, b *lineage.RecordBatch) {
	p.raw("  <dt>" + title + "</dt>")
	p.open("dd", "id", id)
	if b.ErrorType != "" {
		p.text("error output (" + b.ErrorType + "): ")
	}
	switch {
	case b.Dropped:
		p.raw("<span class=\"err\">given up: ")
		p.text(b.Error)
		p.raw("</span></dd>\n")
		return
	case b.Written && b.Key != "":
		objectLink(p, b.Bucket, b.Key)
		p.text(", record " + strconv.Itoa(b.Index+1))
		if len(b.ByteRange) == 2 {
			p.text(", bytes " + strconv.Itoa(b.ByteRange[0]) + "–" + strconv.Itoa(b.ByteRange[1]))
		}
		p.text(" · written " + ts(time.UnixMilli(b.At)))
	case b.Written:
		p.text("delivered to " + b.Destination + " · " + ts(time.UnixMilli(b.At)))
	default:
		p.text("waiting in the " + b.Buffer)
	}
	if b.Partition != "" {
		p.text(" · partition " + b.Partition)
	}
	if len(b.Processors) > 0 {
		p.text(" · processors " + strings.Join(b.Processors, ", "))
	}
	if b.Error != "" {
		p.raw(" <span class=\"err\">last delivery error: ")
		p.text(b.Error)
		p.raw("</span>")
	}
	p.raw("</dd>\n")
}

// groupContent lists the records of an object or an invocation, with the
// invocations or objects they came from or went to.
func groupContent(p *page, g lineage.Group) {
	p.raw("<p class=\"sub\">Stream ")
	p.text(g.Stream + " (" + g.Region + ")")
	if inv := g.Invocation; inv != nil {
		p.text(" · " + fnName(inv.Function) + " · " + strconv.Itoa(len(inv.Attempts)) + " attempt(s), " + strconv.FormatInt(inv.DurationMs, 10) + " ms")
		if inv.Failure != "" {
			p.raw(" <span class=\"err\">")
			p.text(inv.Failure)
			p.raw("</span>")
		}
	}
	p.raw("</p>\n")
	if len(g.Invocations) > 0 {
		p.raw("<p id=\"group-invocations\">Processed by ")
		for i, req := range g.Invocations {
			if i > 0 {
				p.raw(", ")
			}
			requestLink(p, req)
		}
		p.raw("</p>\n")
	}
	if len(g.Objects) > 0 {
		p.raw("<p id=\"group-objects\">Written to ")
		for i, o := range g.Objects {
			if i > 0 {
				p.raw(", ")
			}
			p.text(o)
		}
		p.raw("</p>\n")
	}
	p.raw("<ol class=\"records\" id=\"group-records\">\n")
	for _, id := range g.Records {
		p.raw("<li>")
		recordLink(p, id)
		p.raw("</li>\n")
	}
	if more := g.Total - len(g.Records); more > 0 {
		p.raw("<li>… and ")
		p.text(strconv.Itoa(more))
		p.raw(" more</li>\n")
	}
	p.raw("</ol>\n")
}

// objectLineage is the object page's part on the records that produced it.
func (c *Console) objectLineage(bucket, key string) func(*page) {
	x, ids := c.lineage()
	if x == nil {
		return nil
	}
	g, ok := x.Object(bucket, key, groupLimit, ids.RecordID)
	return func(p *page) {
		p.raw("<section id=\"object-lineage\">\n<h3>Records</h3>\n")
		if !ok {
			p.raw("<p class=\"sub\">The lineage index has no records of this object (not written by a delivery stream, or left the index).</p>\n</section>\n")
			return
		}
		p.raw("<p class=\"sub\">")
		p.text(strconv.Itoa(g.Total) + " record(s) from stream " + g.Stream)
		p.raw("</p>\n")
		groupContent(p, g)
		p.raw("</section>\n")
	}
}
