package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/protocol"
)

// allTypes is a table with a column of every Hive type Firehose converts.
var allTypes = [][2]string{
	{"b", "boolean"}, {"ti", "tinyint"}, {"si", "smallint"}, {"i", "int"}, {"bi", "bigint"},
	{"f", "float"}, {"d", "double"}, {"dec", "decimal(10,2)"}, {"s", "string"}, {"c", "char(5)"},
	{"vc", "varchar(10)"}, {"dt", "date"}, {"ts", "timestamp"},
	{"arr", "array<string>"}, {"m", "map<string,int>"}, {"st", "struct<a:int,b:array<struct<c:string>>>"},
}

// readParquet writes body to a file and reads it back with DuckDB and
// hyparquet, failing the test if either reader fails.
func readParquet(t *testing.T, body []byte) testtool.ParquetReadout {
	t.Helper()
	path := filepath.Join(t.TempDir(), "object.parquet")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	r := testtool.ReadParquet(t, path)
	if r.DuckDB.Error != "" || r.Hyparquet.Error != "" {
		t.Fatalf("readers failed: duckdb %q, hyparquet %q", r.DuckDB.Error, r.Hyparquet.Error)
	}
	return r
}

// asJSON renders v for comparison.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// splitObjects returns the delivered Parquet objects and the error
// documents of the bucket.
func splitObjects(t *testing.T, env *emulatortest.Env) (parquet []object, errDocs []protocol.FormatConversionErrorDocument) {
	t.Helper()
	for _, o := range objects(t, env, "deliveries") {
		switch {
		case strings.HasPrefix(o.key, "parquet/"):
			parquet = append(parquet, o)
		case strings.HasPrefix(o.key, "errors/format-conversion-failed/"):
			dec := json.NewDecoder(bytes.NewReader(o.body))
			for {
				var d protocol.FormatConversionErrorDocument
				if err := dec.Decode(&d); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("error document %s: %v", o.key, err)
				}
				errDocs = append(errDocs, d)
			}
		default:
			t.Errorf("unexpected object %s", o.key)
		}
	}
	return parquet, errDocs
}

// JSON records become one Parquet object of the table's columns, read back
// by DuckDB and hyparquet with every type and value; records that do not
// convert go to the error output as AWS's documents, and the rest are
// still written.
func TestParquetEveryTypeEndToEnd(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	createTable(t, env, "lake", "events", allTypes...)
	createStream(t, env.Firehose, "conv", conversionDest("lake", "events"))
	full := `{"b":true,"ti":-5,"si":300,"i":123456,"bi":9007199254740993,"f":1.5,"d":2.25,"dec":123.45,` +
		`"s":"hello","c":"abc","vc":"varchar","dt":"2026-12-06","ts":"2026-12-06T10:11:12.345Z",` +
		`"arr":["x","y"],"m":{"k":1},"st":{"a":7,"b":[{"c":"z"},{"c":null}]},"undeclared":1}`
	putBatch(t, env.Firehose, "conv",
		[]byte(full+"\n"),
		[]byte(`{"I":5,"S":"case","BI":"42"}`), // OpenX: keys match columns ignoring case; numbers in strings
		[]byte(`{"s":"one"}{"s":"two"}`),       // two rows from one record
		[]byte(`{"s":`),                        // malformed
		[]byte("  \n"),                         // empty
	)
	env.Flush(t, "conv")
	parquet, docs := splitObjects(t, env)
	if len(parquet) != 1 {
		t.Fatalf("%d Parquet objects, want 1", len(parquet))
	}
	o := parquet[0]
	if !regexp.MustCompile(`^parquet/2026/11/25/10/conv-1-2026-11-25-10-30-15-`+uuidRE+`\.parquet$`).MatchString(o.key) || o.enc != "" {
		t.Errorf("object %s (Content-Encoding %q): want AWS's name with .parquet, no Content-Encoding", o.key, o.enc)
	}
	r := readParquet(t, o.body)
	wantSchema := `[["b","BOOLEAN"],["ti","TINYINT"],["si","SMALLINT"],["i","INTEGER"],["bi","BIGINT"],["f","FLOAT"],["d","DOUBLE"],` +
		`["dec","DECIMAL(10,2)"],["s","VARCHAR"],["c","VARCHAR"],["vc","VARCHAR"],["dt","DATE"],["ts","TIMESTAMP"],` +
		`["arr","VARCHAR[]"],["m","MAP(VARCHAR, INTEGER)"],["st","STRUCT(a INTEGER, b STRUCT(c VARCHAR)[])"]]`
	if got := asJSON(r.DuckDB.Schema); got != wantSchema {
		t.Errorf("DuckDB schema\n%s\nwant\n%s", got, wantSchema)
	}
	wantRows := []string{
		`{"arr":["x","y"],"b":true,"bi":"9007199254740993","c":"abc","d":2.25,"dec":"123.45","dt":"2026-12-06","f":1.5,"i":123456,"m":[["k",1]],"s":"hello","si":300,"st":{"a":7,"b":[{"c":"z"},{"c":null}]},"ti":-5,"ts":"2026-12-06T10:11:12.345Z","vc":"varchar"}`,
		`{"arr":null,"b":null,"bi":"42","c":null,"d":null,"dec":null,"dt":null,"f":null,"i":5,"m":null,"s":"case","si":null,"st":null,"ti":null,"ts":null,"vc":null}`,
		`{"arr":null,"b":null,"bi":null,"c":null,"d":null,"dec":null,"dt":null,"f":null,"i":null,"m":null,"s":"one","si":null,"st":null,"ti":null,"ts":null,"vc":null}`,
		`{"arr":null,"b":null,"bi":null,"c":null,"d":null,"dec":null,"dt":null,"f":null,"i":null,"m":null,"s":"two","si":null,"st":null,"ti":null,"ts":null,"vc":null}`,
	}
	for name, rows := range map[string][]map[string]any{"DuckDB": r.DuckDB.Rows, "hyparquet": r.Hyparquet.Rows} {
		if len(rows) != len(wantRows) {
			t.Errorf("%s read %d rows, want %d: %s", name, len(rows), len(wantRows), asJSON(rows))
			continue
		}
		for i, row := range rows {
			if got := asJSON(row); got != wantRows[i] {
				t.Errorf("%s row %d\n%s\nwant\n%s", name, i, got, wantRows[i])
			}
		}
	}

	// The two records that did not convert, as AWS's documents.
	if len(docs) != 2 {
		t.Fatalf("%d error documents, want 2: %+v", len(docs), docs)
	}
	want := []struct{ code, msgPrefix, raw string }{
		{"DataFormatConversion.ParseError", "Encountered malformed JSON.", `{"s":`},
		{"DataFormatConversion.MalformedData", "The record was empty or contained only whitespace.", "  \n"},
	}
	for i, d := range docs {
		raw, _ := base64.StdEncoding.DecodeString(d.RawData)
		if d.LastErrorCode != want[i].code || !strings.HasPrefix(d.LastErrorMessage, want[i].msgPrefix) || string(raw) != want[i].raw ||
			d.AttemptsMade != 1 || d.ArrivalTimestamp != t0.UnixMilli() {
			t.Errorf("error document %d = %+v, want %+v", i, d, want[i])
		}
		table := protocol.DataCatalogTable{CatalogID: "000000000000", DatabaseName: "lake", TableName: "events", Region: "us-east-1", VersionID: "0",
			CatalogARN: "arn:aws:glue:us-east-1:000000000000:catalog"}
		if d.DataCatalogTable != table {
			t.Errorf("dataCatalogTable = %+v, want %+v", d.DataCatalogTable, table)
		}
	}

	// SucceedConversion and FailedConversion count them.
	families := scrape(t, env)
	labels := map[string]string{"region": "us-east-1", "delivery_stream": "conv"}
	for name, want := range map[string]float64{"firehose_succeed_conversion_records_total": 3, "firehose_failed_conversion_records_total": 2,
		"firehose_failed_conversion_bytes_total": float64(len(`{"s":`) + len("  \n"))} {
		if v, ok := value(families, name, labels); !ok || v != want {
			t.Errorf("%s = %v (found %v), want %v", name, v, ok, want)
		}
	}

	// The console shows the object's schema and first rows.
	resp, err := http.Get(env.URL + "/_local/ui/s3/object?bucket=deliveries&key=" + url.QueryEscape(o.key))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, s := range []string{"Parquet: 4 rows in 1 row group", "optional int32 ti (INT(8,true))", "&#34;s&#34;: &#34;hello&#34;"} {
		if !strings.Contains(string(page), s) {
			t.Errorf("the object page lacks %q", s)
		}
	}
}

// With the Hive JSON SerDe, timestamps follow TimestampFormats, and a
// number given as a string is refused (the OpenX SerDe takes it).
func TestParquetHiveSerDe(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createTable(t, env, "lake", "hive", [2]string{"n", "int"}, [2]string{"at", "timestamp"})
	d := conversionDest("lake", "hive")
	d.DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer = &types.Deserializer{
		HiveJsonSerDe: &types.HiveJsonSerDe{TimestampFormats: []string{"yyyy/MM/dd HH:mm", "millis"}}}
	createStream(t, env.Firehose, "hive", d)
	putBatch(t, env.Firehose, "hive", []byte(`{"n":1,"at":"2026/12/06 10:11"}`), []byte(`{"n":2,"at":1765015872000}`), []byte(`{"n":"3"}`))
	env.Flush(t, "hive")
	parquet, docs := splitObjects(t, env)
	if len(parquet) != 1 || len(docs) != 1 {
		t.Fatalf("%d objects, %d error documents", len(parquet), len(docs))
	}
	r := readParquet(t, parquet[0].body)
	want := `[{"at":"2026-12-06T10:11:00Z","n":1},{"at":"2025-12-06T10:11:12Z","n":2}]`
	if got := asJSON(r.DuckDB.Rows); got != want {
		t.Errorf("DuckDB rows %s, want %s", got, want)
	}
	if got := asJSON(r.Hyparquet.Rows); got != want {
		t.Errorf("hyparquet rows %s, want %s", got, want)
	}
	if docs[0].LastErrorCode != "DataFormatConversion.MalformedData" || !strings.HasPrefix(docs[0].LastErrorMessage, "Data does not match the schema.") {
		t.Errorf("error document %+v", docs[0])
	}
}

// The serializer's options reach the file: each compression codec, the
// dictionary, V2 pages, and the OpenX SerDe's key options.
func TestParquetSerDeOptions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createTable(t, env, "lake", "opts", [2]string{"user_id", "bigint"}, [2]string{"city", "string"})
	for _, c := range []struct {
		name, compression string
		dictionary        bool
		version           types.ParquetWriterVersion
	}{
		{"snappy", "SNAPPY", true, types.ParquetWriterVersionV1},
		{"gzip", "GZIP", false, types.ParquetWriterVersionV2},
		{"uncompressed", "UNCOMPRESSED", false, types.ParquetWriterVersionV1},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := conversionDest("lake", "opts")
			d.Prefix = aws.String("parquet/" + c.name + "/")
			conv := d.DataFormatConversionConfiguration
			conv.OutputFormatConfiguration.Serializer.ParquetSerDe = &types.ParquetSerDe{Compression: types.ParquetCompression(c.compression),
				EnableDictionaryCompression: aws.Bool(c.dictionary), WriterVersion: c.version,
				BlockSizeBytes: aws.Int32(64 << 20), PageSizeBytes: aws.Int32(64 << 10)}
			conv.InputFormatConfiguration.Deserializer.OpenXJsonSerDe = &types.OpenXJsonSerDe{
				ConvertDotsInJsonKeysToUnderscores: aws.Bool(true), CaseInsensitive: aws.Bool(false),
				ColumnToJsonKeyMappings: map[string]string{"city": "place"}}
			createStream(t, env.Firehose, c.name, d)
			var recs [][]byte
			for i := range 200 {
				recs = append(recs, fmt.Appendf(nil, `{"user.id":%d,"place":"city-%d","City":"ignored"}`, i, i%3))
			}
			putBatch(t, env.Firehose, c.name, recs...)
			env.Flush(t, c.name)
			var body []byte
			for _, o := range objects(t, env, "deliveries") {
				if strings.HasPrefix(o.key, "parquet/"+c.name+"/") {
					body = o.body
				}
			}
			r := readParquet(t, body)
			if len(r.DuckDB.Rows) != 200 || asJSON(r.DuckDB.Rows[7]) != `{"city":"city-1","user_id":"7"}` {
				t.Fatalf("rows: %d, row 7 %s", len(r.DuckDB.Rows), asJSON(r.DuckDB.Rows[7]))
			}
			if asJSON(r.Hyparquet.Rows[7]) != `{"city":"city-1","user_id":"7"}` {
				t.Errorf("hyparquet row 7 %s", asJSON(r.Hyparquet.Rows[7]))
			}
			for _, ch := range r.DuckDB.Chunks {
				if ch.Compression != c.compression || ch.Dictionary != c.dictionary {
					t.Errorf("column chunk %+v: want compression %s, dictionary %v", ch, c.compression, c.dictionary)
				}
			}
		})
	}
}

// A stream reads the table version it names; with LATEST (or none) each
// delivery reads the newest, so UpdateTable's new column appears.
func TestParquetTableVersions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createTable(t, env, "lake", "evolving", [2]string{"a", "int"})
	latest := conversionDest("lake", "evolving")
	latest.Prefix = aws.String("parquet/latest/")
	pinned := conversionDest("lake", "evolving")
	pinned.Prefix = aws.String("parquet/pinned/")
	pinned.DataFormatConversionConfiguration.SchemaConfiguration.VersionId = aws.String("0")
	createStream(t, env.Firehose, "latest", latest)
	createStream(t, env.Firehose, "pinned", pinned)
	_, err := env.Glue.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("lake"), TableInput: &gluetypes.TableInput{
		Name: aws.String("evolving"), StorageDescriptor: &gluetypes.StorageDescriptor{Columns: []gluetypes.Column{
			{Name: aws.String("a"), Type: aws.String("int")}, {Name: aws.String("b"), Type: aws.String("string")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"latest", "pinned"} {
		putBatch(t, env.Firehose, s, []byte(`{"a":1,"b":"new"}`))
		env.Flush(t, s)
	}
	parquet, docs := splitObjects(t, env)
	if len(parquet) != 2 || len(docs) != 0 {
		t.Fatalf("%d objects, %d error documents", len(parquet), len(docs))
	}
	for _, o := range parquet {
		want := `[{"a":1}]`
		if strings.HasPrefix(o.key, "parquet/latest/") {
			want = `[{"a":1,"b":"new"}]`
		}
		r := readParquet(t, o.body)
		if got := asJSON(r.DuckDB.Rows); got != want {
			t.Errorf("%s: DuckDB read %s, want %s", o.key, got, want)
		}
		if got := asJSON(r.Hyparquet.Rows); got != want {
			t.Errorf("%s: hyparquet read %s, want %s", o.key, got, want)
		}
	}
}

// A table with a type Firehose cannot convert fails each delivery as a
// whole, records to the error output.
func TestParquetUnconvertibleTable(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createTable(t, env, "lake", "union", [2]string{"u", "uniontype<int,string>"})
	d := conversionDest("lake", "union")
	d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.MaxPaddingBytes = aws.Int32(0)
	createStream(t, env.Firehose, "union", d)
	putBatch(t, env.Firehose, "union", []byte(`{"u":1}`))
	env.Flush(t, "union")
	parquet, docs := splitObjects(t, env)
	if len(parquet) != 0 || len(docs) != 1 || docs[0].LastErrorCode != "DataFormatConversion.InvalidSchema" || !strings.Contains(docs[0].LastErrorMessage, "uniontype") {
		t.Fatalf("%d objects, error documents %+v", len(parquet), docs)
	}
}

// A table deleted after the stream was created fails the delivery as a
// whole: every record goes to the error output, and the error is logged
// to CloudWatch Logs.
func TestParquetMissingTableAtDelivery(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createTable(t, env, "lake", "doomed", [2]string{"a", "int"})
	d := conversionDest("lake", "doomed")
	d.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/doomed", "DestinationDelivery")
	createStream(t, env.Firehose, "doomed", d)
	if _, err := env.Glue.DeleteTable(context.Background(), &glue.DeleteTableInput{DatabaseName: aws.String("lake"), Name: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	putBatch(t, env.Firehose, "doomed", []byte(`{"a":1}`), []byte(`{"a":2}`))
	env.Flush(t, "doomed")
	parquet, docs := splitObjects(t, env)
	if len(parquet) != 0 || len(docs) != 2 {
		t.Fatalf("%d objects, %d error documents", len(parquet), len(docs))
	}
	for _, d := range docs {
		if d.LastErrorCode != "DataFormatConversion.EntityNotFound" || !strings.HasPrefix(d.LastErrorMessage, "The specified table/database could not be found.") {
			t.Errorf("error document %+v", d)
		}
	}
	events := waitErrorEvents(t, env, "/aws/kinesisfirehose/doomed", "DestinationDelivery", `"DataFormatConversion.EntityNotFound"`, 1)
	if events[0].Destination != "arn:aws:s3:::deliveries" {
		t.Errorf("error event %+v", events[0])
	}
	out, err := env.Firehose.DescribeDeliveryStream(context.Background(), &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("doomed")})
	if err != nil || out.DeliveryStreamDescription.DeliveryStreamStatus != types.DeliveryStreamStatusActive {
		t.Errorf("the stream after the failure: %v", err)
	}
}

// With --data-dir, the Glue table and the converting stream survive a
// restart: what was buffered is converted at shutdown, and after the
// restart records convert with the table read from the state store.
func TestParquetSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	env := durableEnv(t, dir, emulator.Config{})
	createTable(t, env, "lake", "kept", [2]string{"n", "int"}, [2]string{"s", "string"})
	createStream(t, env.Firehose, "kept", conversionDest("lake", "kept"))
	putBatch(t, env.Firehose, "kept", []byte(`{"n":1,"s":"before"}`))
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}

	env2 := emulatortest.New(t, emulator.Config{DataDir: dir})
	table, err := env2.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("kept")})
	if err != nil || len(table.Table.StorageDescriptor.Columns) != 2 {
		t.Fatalf("GetTable after the restart: %+v %v", table, err)
	}
	putBatch(t, env2.Firehose, "kept", []byte(`{"n":2,"s":"after"}`))
	env2.Flush(t, "kept")
	parquet, docs := splitObjects(t, env2)
	if len(docs) != 0 || len(parquet) == 0 {
		t.Fatalf("%d objects, error documents %+v", len(parquet), docs)
	}
	var rows []string
	for _, o := range parquet {
		for _, row := range readParquet(t, o.body).DuckDB.Rows {
			rows = append(rows, asJSON(row))
		}
	}
	slices.Sort(rows)
	if got := strings.Join(rows, ","); got != `{"n":1,"s":"before"},{"n":2,"s":"after"}` {
		t.Errorf("rows after the restart: %s", got)
	}
}
