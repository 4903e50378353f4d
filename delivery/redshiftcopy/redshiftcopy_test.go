package redshiftcopy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	o, err := Parse(`format as csv quote as '''' delimiter as ';' gzip ignoreheader as 2 null as 'NULL' timeformat 'epochmillisecs' dateformat as 'auto' emptyasnull blanksasnull trimblanks truncatecolumns fillrecord ignoreblanklines region 'eu-west-1' compupdate off statupdate on;`)
	if err != nil {
		t.Fatal(err)
	}
	if o.Format != CSV || o.Quote != '\'' || o.Delimiter != ";" || !o.GZIP || o.IgnoreHeader != 2 || o.Null != "NULL" ||
		o.TimeFormat != "epochmillisecs" || o.DateFormat != "auto" || !o.EmptyAsNull || !o.BlanksAsNull || !o.TrimBlanks ||
		!o.TruncateColumns || !o.FillRecord || !o.IgnoreBlankLines || o.Region != "eu-west-1" {
		t.Fatalf("%+v", o)
	}
	o, err = Parse(`JSON 'auto ignorecase'`)
	if err != nil || o.Format != JSON || !o.IgnoreCase {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = Parse(`json 's3://b/paths.json'`)
	if err != nil || o.JSONPaths != "s3://b/paths.json" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = Parse(`delimiter '\t' escape removequotes`)
	if err != nil || o.FieldDelimiter() != "\t" || !o.Escape || !o.RemoveQuotes {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := Parse("MAXERROR 0 json 'auto'"); err != nil {
		t.Errorf("MAXERROR 0: %v", err)
	}
	if o, err := Parse(""); err != nil || o.Format != Text || o.FieldDelimiter() != "|" || o.Null != `\N` {
		t.Fatalf("defaults %+v %v", o, err)
	}
	for opts, want := range map[string]string{
		"LZOP":                    "LZOP",
		"FORMAT AS AVRO 'auto'":   "FORMAT AS AVRO",
		"MAXERROR 10":             "MAXERROR 10",
		"maxerror as 1":           "MAXERROR 1",
		"MANIFEST":                "MANIFEST",
		"iam_role 'arn:x'":        "IAM_ROLE",
		"json 'noshred'":          "JSON 'noshred'",
		"csv delimiter ',' bzip2": "BZIP2",
	} {
		_, err := Parse(opts)
		var e *Error
		if !errors.As(err, &e) || !e.Unsupported || e.Option != want {
			t.Errorf("Parse(%q) = %v, want %s refused as unsupported", opts, err, want)
		}
	}
	for _, bad := range []string{"delimiter", "delimiter 'ab'", "json 'yes'", "csv json", "'x'", "ignoreheader -1", "frobnicate",
		"timeformat 'nothing here'", "delimiter '", "csv escape", "json delimiter ','", "gzip; x"} {
		_, err := Parse(bad)
		var e *Error
		if !errors.As(err, &e) || e.Unsupported {
			t.Errorf("Parse(%q) = %v, want an invalid-option error", bad, err)
		}
	}
}

func translate(t *testing.T, opts string, cols []Column, data string) (string, error) {
	t.Helper()
	o, err := Parse(opts)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := o.NewTranslator(cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Add("s3://b/k", []byte(data))
	return tr.Out.String(), err
}

func TestTranslate(t *testing.T) {
	text := []Column{{Name: "a", Kind: Char}, {Name: "n", Kind: Other}, {Name: "ts", Kind: Timestamp}}
	cases := []struct {
		opts string
		cols []Column
		in   string
		want string
	}{
		{"", text, "x|1|2026-01-01 00:00:00\n\\N||\n", "x\t1\t2026-01-01 00:00:00\n\\N\t\\N\t\\N\n"},
		{"escape", text, "a\\|b\\\\c|1|\\N\n", "a|b\\\\c\t1\t\\N\n"},
		{"removequotes delimiter ','", text, `"x,y",2,` + "\n", "x,y\t2\t\\N\n"},
		{"fillrecord", text, "only\n", "only\t\\N\t\\N\n"},
		{"ignoreblanklines", text, "\nx|1|\n\n", "x\t1\t\\N\n"},
		{"ignoreheader 1", text, "h|h|h\nx|1|\n", "x\t1\t\\N\n"},
		{"timeformat 'auto'", text, "x|1|2026-01-02T03:04:05Z\ny|2|garbage\n", "x\t1\t2026-01-02 03:04:05\ny\t2\tgarbage\n"},
		{"timeformat 'MM/DD/YYYY HH12:MI:SS AM'", text, "x|1|12/24/2026 06:00:00 PM\n", "x\t1\t2026-12-24 18:00:00\n"},
		{"timeformat 'YYYY-MM-DD HH:MI:SS.SSS'", text, "x|1|2026-12-24 18:00:00.125\n", "x\t1\t2026-12-24 18:00:00.125\n"},
		{"csv", text, "\"a\"\"b\",1,\r\n\"\",,\n", "a\"b\t1\t\\N\n\t\\N\t\\N\n"},
		{"csv quote as '%'", text, "%a,b%,1,\n", "a,b\t1\t\\N\n"},
		{"blanksasnull trimblanks", text, "  |1|\nab  |2|\n", "\\N\t1\t\\N\nab\t2\t\\N\n"},
		{"json 'auto'", text, `{"a":"t\tab","n":1.5e3}{"a":[1, 2],"ts":null} {"n":true}`, "t\\tab\t1.5e3\t\\N\n[1,2]\t\\N\t\\N\n\\N\ttrue\t\\N\n"},
		{"json 'auto ignorecase'", text, `{"A":"x","N":2}`, "x\t2\t\\N\n"},
		{"json 'auto'", text, "{\"a\":\"q\\\"uote\\u00e9\", \"n\" : -1.5 , \"n\":2, \"x\":{\"n\":9}, \"ts\" : \"2026-01-01 00:00:00\" }\n\n", "q\"uote\u00e9\t2\t2026-01-01 00:00:00\n"},
		{"json 'auto'", text, `{"a\u0020":"spaced key"}{"\u0061":"escaped key", "n": { "deep" : [ 1 , 2 ] }}`, "\\N\t\\N\t\\N\nescaped key\t{\"deep\":[1,2]}\t\\N\n"},
		{"json 'auto'", text, `{"A":"x","N":2}`, "\\N\t\\N\t\\N\n"},
		{"timeformat 'epochsecs' json 'auto'", text, `{"ts":0}`, "\\N\t\\N\t1970-01-01 00:00:00\n"},
		{"timeformat 'epochmillisecs'", []Column{{Name: "ts", Kind: TimestampTZ}}, "1767225600123\n", "2026-01-01 00:00:00.123Z\n"},
		{"dateformat 'DD/MM/YYYY'", []Column{{Name: "d", Kind: Date}}, "31/12/2026\n", "2026-12-31\n"},
	}
	for _, c := range cases {
		got, err := translate(t, c.opts, c.cols, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %q:\n got %q, %v\nwant %q", c.opts, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ opts, in, reason string }{
		{"", "a|1|x|extra\n", "Extra column(s) found"},
		{"", "a|1\n", "Delimiter not found"},
		{"csv", "\"open,1,\n", "Unterminated quoted field"},
		{"json 'auto'", `{"a":1} [1]`, "not a JSON object"},
		{"json 'auto'", `{"a":1} {"a":2,}`, "Invalid JSON object or array"},
		{"json 'auto'", `{"a":"unterminated}`, "Invalid JSON object or array"},
		{"json 'auto'", `{"a":`, "Invalid JSON"},
		{"timeformat 'epochsecs'", "a|1|yesterday\n", "Invalid timestamp format or value"},
		{"gzip", "not gzip", "gzip"},
	} {
		_, err := translate(t, c.opts, text, c.in)
		var re *RowError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, c.reason) {
			t.Errorf("%s %q: %v, want a row error %q", c.opts, c.in, err, c.reason)
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("g|1|\n"))
	zw.Close()
	o, _ := Parse("gzip")
	tr, _ := o.NewTranslator(text, nil)
	if err := tr.Add("k", gz.Bytes()); err != nil || tr.Out.String() != "g\t1\t\\N\n" || tr.Rows != 1 {
		t.Fatalf("gzip: %q %v", tr.Out.String(), err)
	}
}

func TestJSONPaths(t *testing.T) {
	cols := []Column{{Name: "a", Kind: Char}, {Name: "b", Kind: Char}, {Name: "c", Kind: Char}}
	o, _ := Parse("json 's3://b/p'")
	tr, err := o.NewTranslator(cols, []byte(`{"jsonpaths":["$.x.y","$['z w'][1]","$[\"q\"]"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Add("k", []byte(`{"x":{"y":"deep"},"z w":[0,{"k":1}],"q":"s"} {"x":3}`)); err != nil {
		t.Fatal(err)
	}
	if got := tr.Out.String(); got != "deep\t{\"k\":1}\ts\n\\N\t\\N\t\\N\n" {
		t.Fatalf("%q", got)
	}
	for _, bad := range []string{`{"jsonpaths":["$.a"]}`, `{"paths":[]}`, `{"jsonpaths":["a","$.b","$.c"]}`, `{"jsonpaths":["$.a","$[x]","$.c"]}`, `not json`} {
		if _, err := o.NewTranslator(cols, []byte(bad)); err == nil {
			t.Errorf("JSONPaths %s accepted", bad)
		}
	}
}

func TestKindOf(t *testing.T) {
	for typ, want := range map[string]Kind{
		"character varying(20)": Char, "text": Char, "character(3)": Char, "integer": Other, "timestamp without time zone": Timestamp,
		"timestamp(3) with time zone": TimestampTZ, "date": Date, "jsonb": Other, "timestamp(6) without time zone": Timestamp,
	} {
		if k, _ := KindOf(typ); k != want {
			t.Errorf("KindOf(%q) = %v, want %v", typ, k, want)
		}
	}
	if _, n := KindOf("character varying(20)"); n != 20 {
		t.Errorf("max length %d", n)
	}
}

// No input crashes the translation, whatever the options.
func FuzzTranslate(f *testing.F) {
	f.Add("", "a|b|c\n")
	f.Add("csv", "\"a\",\"b\"\"\",c\n")
	f.Add("json 'auto' timeformat 'auto'", `{"a":"x","b":1,"c":"2026-01-01"}`)
	f.Add("escape removequotes fillrecord", "\"a\\\n|b")
	f.Add("timeformat 'YYYY.MM.DD HH12 AM'", "x|y|2026.01.01 10 PM\n")
	f.Fuzz(func(t *testing.T, opts, data string) {
		o, err := Parse(opts)
		if err != nil {
			return
		}
		cols := []Column{{Name: "a", Kind: Char, MaxLen: 2}, {Name: "b", Kind: Other}, {Name: "c", Kind: Timestamp}}
		tr, err := o.NewTranslator(cols, []byte(`{"jsonpaths":["$.a","$.b[0]","$['c']"]}`))
		if err != nil {
			return
		}
		_ = tr.Add("k", []byte(data))
	})
}

// validJSON is json.Valid by the JSON 'auto' scanner.
func validJSON(d []byte) bool {
	i := skipSpace(d, 0)
	end, ok := scanValue(d, i, 0)
	return ok && skipSpace(d, end) == len(d)
}

func TestScanMatchesValid(t *testing.T) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,-0.5e+3,true,false,null,"\u00e9\n"]}`, ` 1 `, `"x"`, `-`, `01`, `1.`, `1e`, `{"a"}`, `{"a":}`,
		`[1,]`, `{,}`, `"\x"`, "\"\x01\"", `"\u12"`, `tru`, `nul`, `{"a":1,}`, `[`, `{"a":1 "b":2}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001)} {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%.40q: scanner %v, encoding/json %v", s, got, want)
		}
	}
}

// The scanner accepts exactly what encoding/json accepts.
func FuzzScanMatchesValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `-12.5E-3`, `[true,false]`, `{"a" : "b" }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		if got, want := validJSON(d), json.Valid(d); got != want {
			t.Fatalf("%q: scanner %v, encoding/json %v", d, got, want)
		}
	})
}
