package formatconv

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// The benchmarks write the same 1000 rows of 10 columns of mixed types,
// SNAPPY-compressed: BenchmarkConvert from JSON records, and
// BenchmarkParquetGoDirect with parquet-go alone from Go structs. The
// ratio of their ns/op is the cost of conversion.

var benchCols = []Column{
	{"id", "bigint"}, {"name", "string"}, {"score", "double"}, {"count", "int"}, {"flag", "boolean"},
	{"price", "decimal(10,2)"}, {"ts", "timestamp"}, {"day", "date"}, {"tags", "array<string>"}, {"attrs", "map<string,int>"},
}

type benchRow struct {
	ID    *int64           `parquet:"id,optional"`
	Name  *string          `parquet:"name,optional"`
	Score *float64         `parquet:"score,optional"`
	Count *int32           `parquet:"count,optional"`
	Flag  *bool            `parquet:"flag,optional"`
	Price *int64           `parquet:"price,optional,decimal(2:10)"`
	TS    *time.Time       `parquet:"ts,optional,timestamp(nanosecond)"`
	Day   *int32           `parquet:"day,optional,date"`
	Tags  []string         `parquet:"tags,optional,list"`
	Attrs map[string]int32 `parquet:"attrs,optional"`
}

const benchRows = 1000

func benchData() ([][]byte, []benchRow) {
	records := make([][]byte, benchRows)
	rows := make([]benchRow, benchRows)
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range benchRows {
		ts := base.Add(time.Duration(i) * time.Second)
		records[i] = fmt.Appendf(nil, `{"id":%d,"name":"name-%d","score":%d.25,"count":%d,"flag":%v,"price":%d.99,"ts":"%s","day":"2024-01-%02d","tags":["a%d","b"],"attrs":{"k":%d,"l":2}}`,
			i, i%100, i, i%1000, i%2 == 0, i%500, ts.Format("2006-01-02 15:04:05"), 1+i%28, i%7, i)
		id, name, score, count, flag, price, day := int64(i), fmt.Sprintf("name-%d", i%100), float64(i)+0.25, int32(i%1000), i%2 == 0, int64(i%500)*100+99, int32(ts.Unix()/86400)
		rows[i] = benchRow{ID: &id, Name: &name, Score: &score, Count: &count, Flag: &flag, Price: &price, TS: &ts, Day: &day,
			Tags: []string{fmt.Sprintf("a%d", i%7), "b"}, Attrs: map[string]int32{"k": int32(i), "l": 2}}
	}
	return records, rows
}

func BenchmarkConvert(b *testing.B) {
	records, _ := benchData()
	c, err := New(benchCols, Options{CaseInsensitive: true, Compression: "SNAPPY"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		file, failed, err := c.Convert(records)
		if err != nil || len(failed) > 0 || file == nil {
			b.Fatal(err, failed)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

func BenchmarkParquetGoDirect(b *testing.B) {
	_, rows := benchData()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[benchRow](&buf, parquet.Compression(&parquet.Snappy))
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

func TestBenchRowsConvert(t *testing.T) {
	records, _ := benchData()
	file := mustConvert(t, benchCols, Options{CaseInsensitive: true}, records[:2])
	r := read(t, file)
	checkRows(t, r, `[
	 {"id":"0","name":"name-0","score":0.25,"count":0,"flag":true,"price":"0.99","ts":"2024-01-02T03:04:05Z","day":"2024-01-01","tags":["a0","b"],"attrs":[["k",0],["l",2]]},
	 {"id":"1","name":"name-1","score":1.25,"count":1,"flag":false,"price":"1.99","ts":"2024-01-02T03:04:06Z","day":"2024-01-02","tags":["a1","b"],"attrs":[["k",1],["l",2]]}]`, "")
}
