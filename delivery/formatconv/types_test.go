package formatconv

import (
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	good := map[string]string{
		"int":                                 "int",
		"INTEGER":                             "int",
		"decimal":                             "decimal(10,0)",
		"decimal(5)":                          "decimal(5,0)",
		"Decimal( 38 , 6 )":                   "decimal(38,6)",
		"char(3)":                             "char(3)",
		"varchar(65535)":                      "varchar(65535)",
		"array<struct<a:int,b:string>>":       "array<struct<a:int,b:string>>",
		"map<string, array<map<int,double>>>": "map<string,array<map<int,double>>>",
		"struct<a : timestamp, b:date, c:binary, d:boolean, e:tinyint, f:smallint, g:bigint, h:float>": "struct<a:timestamp,b:date,c:binary,d:boolean,e:tinyint,f:smallint,g:bigint,h:float>",
	}
	for in, want := range good {
		got, err := ParseType(in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", in, err)
			continue
		}
		if got.String() != want {
			t.Errorf("ParseType(%q) = %s, want %s", in, got, want)
		}
	}
	bad := map[string]string{
		"uniontype<int,string>":  "uniontype is not supported",
		"interval":               "unknown type",
		"":                       "missing type",
		"int>":                   "unexpected",
		"array<int":              "expected '>'",
		"decimal(39,0)":          "precision 39",
		"decimal(5,6)":           "scale 6",
		"char(256)":              "char length 256",
		"varchar":                "needs a length",
		"map<array<int>,int>":    "map key must be a primitive",
		"struct<a:int,A:string>": "appears twice",
		"struct<>":               "expected a field name",
		"array<uniontype<int>>":  "uniontype",
		strings.Repeat("array<", 100) + "int" + strings.Repeat(">", 100): "nested deeper",
	}
	for in, want := range bad {
		_, err := ParseType(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseType(%q) error = %v, want one containing %q", in, err, want)
		}
	}
}

func TestCheckTimestampFormat(t *testing.T) {
	for _, p := range []string{"millis", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "dd/MM/yyyy HH:mm", "yyyyMMddHHmmss", "EEE, dd MMM yyyy HH:mm:ss Z", "h:mm a", "''yyyy''", "G yyyy D"} {
		if err := CheckTimestampFormat(p); err != nil {
			t.Errorf("CheckTimestampFormat(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "yyyy-MM-dd'T", "yyyy-MM-dd q", "YYYY-MM-DD hh:mm:ss.fff", "Millis"} {
		if err := CheckTimestampFormat(p); err == nil {
			t.Errorf("CheckTimestampFormat(%q) accepted a bad pattern", p)
		}
	}
}

func TestJodaParse(t *testing.T) {
	cases := []struct{ pattern, in, want string }{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2024-03-04T05:06:07.891+0100", "2024-03-04T04:06:07.891Z"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "2024-03-04T05:06:07.891-02:30", "2024-03-04T07:36:07.891Z"},
		{"dd/MM/yyyy HH:mm", "4/3/2024 5:06", "2024-03-04T05:06:00Z"},
		{"yyyyMMddHHmmss", "20240304050607", "2024-03-04T05:06:07Z"},
		{"EEE, dd MMM yyyy HH:mm:ss Z", "Mon, 04 Mar 2024 05:06:07 Z", "2024-03-04T05:06:07Z"},
		{"MMMM d yyyy h:mm a", "March 4 2024 5:06 PM", "2024-03-04T17:06:00Z"},
		{"yy-MM-dd", "24-03-04", "2024-03-04T00:00:00Z"},
		{"yyyy-MM-dd HH:mm:ss.SSSSSS", "2024-03-04 05:06:07.123456", "2024-03-04T05:06:07.123Z"},
	}
	for _, c := range cases {
		e, err := compileJoda(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		got, err := parseJoda(e, c.in)
		if err != nil {
			t.Errorf("parse %q with %q: %v", c.in, c.pattern, err)
			continue
		}
		if s := got.Format("2006-01-02T15:04:05.999999999Z07:00"); s != c.want {
			t.Errorf("parse %q with %q = %s, want %s", c.in, c.pattern, s, c.want)
		}
	}
	for _, c := range [][2]string{{"yyyy-MM-dd", "2024-02-30"}, {"yyyy-MM-dd", "2024-03-04x"}, {"yyyyMMdd", "202403"}, {"HH:mm", "24:00"}, {"yyyy z", "2024 PST"}} {
		e, _ := compileJoda(c[0])
		if got, err := parseJoda(e, c[1]); err == nil {
			t.Errorf("parse %q with %q = %v, want an error", c[1], c[0], got)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	cases := []struct {
		cols []Column
		o    Options
		want string
	}{
		{[]Column{{"u", "uniontype<int,string>"}}, Options{}, "uniontype is not supported"},
		{[]Column{{"x", "geometry"}}, Options{}, `unknown type "geometry"`},
		{nil, Options{}, "no columns"},
		{[]Column{{"a", "int"}, {"A", "string"}}, Options{}, "appears twice"},
		{[]Column{{"a.b", "int"}}, Options{HiveJSON: true}, "dots in column names"},
		{[]Column{{"ts", "timestamp"}}, Options{HiveJSON: true, TimestampFormats: []string{"yyyy-MM-dd qq"}}, "illegal pattern component: q"},
		{[]Column{{"a", "int"}}, Options{Compression: "LZO"}, "unknown compression"},
		{[]Column{{"a", "int"}}, Options{WriterVersion: "V3"}, "unknown writer version"},
	}
	for _, c := range cases {
		_, err := New(c.cols, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v, %+v) error = %v, want one containing %q", c.cols, c.o, err, c.want)
		}
	}
	if _, err := New([]Column{{"a.b", "int"}}, Options{}); err != nil {
		t.Errorf("OpenX refused a dotted column name: %v", err)
	}
}
