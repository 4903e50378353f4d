package console

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// maxParquetRows is how many rows of a Parquet object the console shows.
const maxParquetRows = 20

// parquetView is what the object page shows of a Parquet object: its
// schema and its first rows, as JSON.
type parquetView struct {
	Schema    string
	Rows      []string
	NumRows   int64
	RowGroups int
	Error     string
}

// isParquet reports whether data is a whole Parquet file: its magic at
// both ends.
func isParquet(data []byte) bool {
	return len(data) >= 12 && bytes.HasPrefix(data, []byte("PAR1")) && bytes.HasSuffix(data, []byte("PAR1"))
}

// readParquet reads the schema and first rows of a Parquet file. A file it
// cannot read gives its error, never a panic.
func readParquet(data []byte) (v parquetView) {
	defer func() {
		if r := recover(); r != nil {
			v.Error = fmt.Sprintf("unreadable Parquet file: %v", r)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Schema, v.NumRows, v.RowGroups = f.Schema().String(), f.NumRows(), len(f.RowGroups())
	r := parquet.NewReader(f)
	defer r.Close()
	for len(v.Rows) < maxParquetRows {
		row := map[string]any{}
		if err := r.Read(&row); err != nil {
			if len(v.Rows) < int(min(v.NumRows, maxParquetRows)) {
				v.Error = err.Error()
			}
			break
		}
		b, err := json.MarshalIndent(row, "", "  ")
		if err != nil {
			v.Error = err.Error()
			break
		}
		v.Rows = append(v.Rows, string(b))
	}
	return v
}

// parquetContent renders a Parquet object's schema and first rows.
func parquetContent(p *page, v parquetView) {
	p.raw(`<p class="sub">Parquet: `)
	p.text(itoa(int(v.NumRows)) + " " + plural(int(v.NumRows), "row", "rows") + " in " + itoa(v.RowGroups) + " " + plural(v.RowGroups, "row group", "row groups"))
	p.raw("</p>\n<h3>Schema</h3>\n")
	p.open("pre", "class", "parquet-schema")
	p.text(v.Schema)
	p.raw("</pre>\n")
	if v.Error != "" {
		p.raw(`<p class="flash err">Could not read the rows: `)
		p.text(v.Error)
		p.raw("</p>\n")
	}
	if len(v.Rows) > 0 {
		p.raw("<h3>First rows</h3>\n")
	}
	for i, r := range v.Rows {
		p.open("pre", "class", "json record", "data-row", itoa(i+1))
		p.text(r)
		p.raw("</pre>")
	}
	p.raw("\n")
	if v.NumRows > int64(len(v.Rows)) && len(v.Rows) > 0 {
		p.raw(`<p class="note">Only the first `)
		p.num(int64(len(v.Rows)))
		p.raw(" rows are shown.</p>\n")
	}
}
