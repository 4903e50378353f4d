package console

import (
	"encoding/base64"
	"net/http"
	"unicode/utf8"

	"github.com/firehose-local/firehose-local/kinesis"
)

// The Data streams page: the built-in Kinesis Data Streams, every stream
// of every region with its shards and its latest records.

// DataStream is one Kinesis data stream as the console shows it.
type DataStream = kinesis.StreamView

const (
	// LatestRecords is how many of a data stream's newest records its
	// page shows, across its shards.
	LatestRecords = 20
	// RecordDataLimit is how much of a record's data is shown, as for an
	// error document's rawData.
	RecordDataLimit = rawDataLimit
)

func (c *Console) dataStreamsPage(w http.ResponseWriter, r *http.Request) {
	streams := c.b.DataStreams()
	c.render(w, r, http.StatusOK, layout{title: "Data streams", nav: "kinesis", live: 3000}, func(p *page) { dataStreamsContent(p, streams) })
}

func dataStreamsContent(p *page, streams []DataStream) {
	p.raw("<h1>Kinesis data streams</h1>\n<div data-live-root>\n")
	if len(streams) == 0 {
		p.raw("<p class=\"empty\">No data streams yet. Create one with the Kinesis API, e.g. <code>aws kinesis create-stream --stream-name NAME --shard-count 1 --endpoint-url URL</code>.</p>\n")
	}
	for _, st := range streams {
		p.open("section", "class", "function datastream", "id", "ds-"+st.Region+"/"+st.Name)
		p.raw("\n  <h2>")
		p.text(st.Name)
		p.raw(" ")
		p.open("span", "class", "status s-"+st.Status)
		p.text(st.Status)
		p.raw("</span></h2>\n  <div class=\"sub\"><code>")
		p.text(st.ARN)
		p.raw("</code></div>\n  <div class=\"sub\">")
		enc := st.Encryption
		if st.KeyID != "" {
			enc += " (" + st.KeyID + ")"
		}
		p.text(st.Region + " · " + st.Mode + " · " + itoa(st.OpenShards) + " open " + plural(st.OpenShards, "shard", "shards") +
			", " + itoa(st.ClosedShards) + " closed · retention " + itoa(st.RetentionHours) + " h · encryption " + enc + " · created " + ts(st.Created))
		p.raw("</div>\n  ")
		p.open("div", "data-live-id", "ds-"+st.ARN)
		p.raw("\n  <table class=\"shards\">\n    <thead><tr><th>Shard</th><th>Hash key range</th><th>Parents</th><th>State</th><th>Sequence number range</th><th>Records</th></tr></thead>\n    <tbody>\n")
		for _, sh := range st.Shards {
			p.raw("    <tr>\n      <td><code>")
			p.text(sh.ID)
			p.raw("</code></td>\n      <td><code class=\"hash\">")
			p.text(sh.StartHashKey + " – " + sh.EndHashKey)
			p.raw("</code></td>\n      <td>")
			parents := sh.ParentID
			if sh.AdjacentParentID != "" {
				parents += ", " + sh.AdjacentParentID
			}
			p.text(orDash(parents))
			p.raw("</td>\n      <td>")
			if sh.Closed {
				p.raw("closed")
			} else {
				p.raw("open")
			}
			p.raw("</td>\n      <td><code class=\"hash\">")
			p.text(sh.StartingSequenceNumber + " – " + orDash(sh.EndingSequenceNumber))
			p.raw("</code></td>\n      <td>")
			p.num(int64(sh.Records))
			p.raw("</td>\n    </tr>\n")
		}
		p.raw("    </tbody>\n  </table>\n  <h3>Latest records</h3>\n")
		if len(st.Latest) == 0 {
			p.raw("  <p class=\"sub\">No records yet.</p>\n")
		} else {
			p.raw("  <table class=\"records\">\n    <thead><tr><th>Arrival</th><th>Shard</th><th>Sequence number</th><th>Partition key</th><th>Data</th></tr></thead>\n    <tbody>\n")
			for _, rec := range st.Latest {
				p.raw("    <tr>\n      <td>")
				p.text(ts(rec.Arrival))
				p.raw("</td>\n      <td><code>")
				p.text(rec.ShardID)
				p.raw("</code></td>\n      <td><code class=\"hash\">")
				p.text(rec.SequenceNumber)
				p.raw("</code></td>\n      <td><code>")
				p.text(rec.PartitionKey)
				p.raw("</code></td>\n      <td>")
				recordData(p, rec)
				p.raw("</td>\n    </tr>\n")
			}
			p.raw("    </tbody>\n  </table>\n")
		}
		p.raw("  </div>\n</section>\n")
	}
	p.raw("</div>\n")
}

// recordData writes a record's data: as text when it is UTF-8, else as
// base64, cut to RecordDataLimit bytes.
func recordData(p *page, rec kinesis.RecordView) {
	truncated := rec.Size > len(rec.Data)
	if text := trimPartialRune(rec.Data, truncated); utf8.Valid(text) {
		p.raw(`<pre class="record">`)
		p.text(string(text))
	} else {
		p.raw(`<div class="sub">base64</div><pre class="record">`)
		p.text(base64.StdEncoding.EncodeToString(rec.Data))
	}
	p.raw("</pre>")
	if truncated {
		p.raw(`<div class="sub">`)
		p.text("the first " + humanBytes(int64(len(rec.Data))) + " of " + humanBytes(int64(rec.Size)))
		p.raw("</div>")
	}
}
