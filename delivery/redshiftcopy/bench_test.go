package redshiftcopy

import (
	"fmt"
	"testing"
	"time"
)

func benchData(n int, jsonRec bool) []byte {
	var out []byte
	for i := range n {
		created := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond).Format("2006-01-02 15:04:05.000")
		if jsonRec {
			out = fmt.Appendf(out, `{"id":%d,"name":"user-%07d","country":"DE","qty":%d,"price":%g,"created":%q,"active":%t}`+"\n", i, i, i%100, float64(i%1000)+0.25, created, i%3 == 0)
		} else {
			out = fmt.Appendf(out, "%d|user-%07d|DE|%d|%g|%s|%t\n", i, i, i%100, float64(i%1000)+0.25, created, i%3 == 0)
		}
	}
	return out
}

var benchCols = []Column{{Name: "id"}, {Name: "name", Kind: Char, MaxLen: 32}, {Name: "country", Kind: Char, MaxLen: 2},
	{Name: "qty"}, {Name: "price"}, {Name: "created", Kind: Timestamp}, {Name: "active"}}

func benchTranslate(b *testing.B, opts string, data []byte, n int) {
	o, err := Parse(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		tr, _ := o.NewTranslator(benchCols, nil)
		if err := tr.Add("k", data); err != nil || tr.Rows != n {
			b.Fatal(err, tr.Rows)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

func BenchmarkTranslateJSON(b *testing.B) {
	benchTranslate(b, "JSON 'auto' TIMEFORMAT 'auto'", benchData(10000, true), 10000)
}

func BenchmarkTranslateText(b *testing.B) {
	benchTranslate(b, "DELIMITER '|'", benchData(10000, false), 10000)
}
