package formatconv

import (
	"bytes"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// FuzzConvert feeds random record bytes to converters of both SerDes: they
// must never panic, must report each record at most once, and must write a
// file parquet-go can open whenever a row was written.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		`{"i":1,"s":"x","a":[1,null],"m":{"k":{"x":1,"y":[true]}},"d":1.5,"ts":"2024-01-02 03:04:05","dt":"2024-01-02","b":"YQ=="}`,
		`{"I":"12"}{"s":{"a":[1]}}`, `[1]`, ``, ` `, `{"a":{}}`, `{"m":{"1":null}}`, `{"d":-1e400}`, `{"d":1e999999999}`, `{"d":-0.0e-99999999999}`, `{"ts":1700000000.5}`,
		`{"s":"\ud83d\ude00\u00e9\\"}`, `{"a":[[]]}`, `{"x.y":1}`,
	} {
		f.Add([]byte(s))
	}
	cols := []Column{
		{"i", "int"}, {"s", "char(2)"}, {"a", "array<bigint>"}, {"m", "map<string,struct<x:tinyint,y:array<boolean>>>"},
		{"d", "decimal(38,10)"}, {"ts", "timestamp"}, {"dt", "date"}, {"b", "binary"}, {"x_y", "float"}, {"mi", "map<int,double>"},
	}
	convs := make([]*Converter, 0, 2)
	for _, o := range []Options{
		{CaseInsensitive: true, ConvertDotsInJSONKeysToUnderscores: true, EnableDictionaryCompression: true},
		{HiveJSON: true, TimestampFormats: []string{"yyyy-MM-dd'T'HH:mm:ssZ", "millis"}, WriterVersion: "V2"},
	} {
		c, err := New(cols, o)
		if err != nil {
			f.Fatal(err)
		}
		convs = append(convs, c)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		records := append(bytes.Split(data, []byte{'\n'}), data)
		for _, c := range convs {
			file, failed, err := c.Convert(records)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			seen := map[int]bool{}
			for _, fl := range failed {
				if seen[fl.Index] || fl.Index < 0 || fl.Index >= len(records) || fl.Code == "" || fl.Message == "" {
					t.Fatalf("bad failure report %+v", fl)
				}
				seen[fl.Index] = true
			}
			if (file == nil) != (len(failed) == len(records)) {
				t.Fatalf("file %v with %d of %d records failed", file != nil, len(failed), len(records))
			}
			if file != nil {
				pf, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
				if err != nil {
					t.Fatalf("written file does not open: %v", err)
				}
				if rows := pf.NumRows(); rows < int64(len(records)-len(failed)) {
					t.Fatalf("%d rows for %d converted records", rows, len(records)-len(failed))
				}
			}
		}
	})
}
