package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/firehose-local/firehose-local/s3fake"
)

func TestParquetPreview(t *testing.T) {
	type row struct {
		ID   int64    `parquet:"id,optional"`
		Name string   `parquet:"name,optional"`
		Tags []string `parquet:"tags,list"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf)
	rows := make([]row, 25)
	for i := range rows {
		rows[i] = row{ID: int64(i), Name: "n" + itoa(i), Tags: []string{"a", "b"}}
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	info := func(size int) s3fake.ObjectInfo { return s3fake.ObjectInfo{Size: int64(size)} }

	p := buildPreview("x/s-1-2026-12-06-00-00-00-id.parquet", file, info(len(file)))
	if p.Kind != "parquet" || p.Parquet.Error != "" || p.Parquet.NumRows != 25 || len(p.Parquet.Rows) != maxParquetRows {
		t.Fatalf("%+v", p.Parquet)
	}
	if !strings.Contains(p.Parquet.Schema, "optional int64 id") || !strings.Contains(p.Parquet.Rows[3], `"name": "n3"`) {
		t.Errorf("schema %q, row %q", p.Parquet.Schema, p.Parquet.Rows[3])
	}
	var page page
	parquetContent(&page, p.Parquet)
	if html := page.b.String(); !strings.Contains(html, "25 rows in 1 row group") || !strings.Contains(html, "Only the first 20 rows") {
		t.Errorf("page: %s", html)
	}

	// A Parquet object the console read only the start of.
	if p := buildPreview("k", file[:100], info(len(file))); p.Kind != "parquet" || !strings.Contains(p.Parquet.Error, "download it") {
		t.Errorf("cut: %+v", p.Parquet)
	}
	// A damaged one is an error on the page, not a panic.
	bad := append(append([]byte("PAR1"), bytes.Repeat([]byte{0xff}, 64)...), file[len(file)-8:]...)
	if p := buildPreview("k", bad, info(len(bad))); p.Kind != "parquet" || p.Parquet.Error == "" {
		t.Errorf("damaged: %+v", p.Parquet)
	}
}

func TestFormatConversionErrorDocument(t *testing.T) {
	doc := []byte(`{"attemptsMade":1,"arrivalTimestamp":1700000000000,"lastErrorCode":"DataFormatConversion.MalformedData","lastErrorMessage":"The record was empty or contained only whitespace.","attemptEndingTimestamp":1700000000001,"rawData":"ICA=","dataCatalogTable":{"catalogId":"000000000000","databaseName":"db","tableName":"t","region":"us-east-1","versionId":"1","catalogArn":"arn:aws:glue:us-east-1:000000000000:catalog"}}` + "\n")
	p := buildPreview("errors/format-conversion-failed/2026/12/06/00/s-1-x", doc, s3fake.ObjectInfo{Size: int64(len(doc))})
	if p.ErrorType != "format-conversion-failed" || len(p.ErrorDocs) != 1 {
		t.Fatalf("%+v", p)
	}
	if d := p.ErrorDocs[0]; d.Code != "DataFormatConversion.MalformedData" || d.Raw != "  " || !strings.HasPrefix(d.Message, "The record was empty") {
		t.Errorf("%+v", d)
	}
}
