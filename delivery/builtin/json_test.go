package builtin

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`{"a":1}`, map[string]any{"a": 1.0}},
		{" \t\r\n{\"a\" : [1, -2.5e3, true, false, null, \"x\"] } \n", map[string]any{"a": []any{1.0, -2500.0, true, false, nil, "x"}}},
		{"\xef\xbb\xbf{}", map[string]any{}},
		{`[]`, []any{}},
		{`"\u00e9\ud83d\ude00\n\"\\\/"`, "é😀\n\"\\/"},
		{`"\ud800x"`, "\uFFFDx"},
		{"\"a\xffb\"", "a\uFFFDb"},
		{`{"a":1,"a":2}`, map[string]any{"a": 2.0}},
		{`1e1000`, math.Inf(1)},
		{`-1e1000`, math.Inf(-1)},
		{`123456789012345`, 123456789012345.0},
		{`12345678901234567890`, 12345678901234567890.0},
		{`-0`, math.Copysign(0, -1)},
		{`0.1`, 0.1},
	}
	for _, tt := range tests {
		got, err := parseDocument([]byte(tt.in))
		if err != nil {
			t.Errorf("parseDocument(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseDocument(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseDocumentRefuses(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}{"b":2}`, `{"a":1} x`,
		`NaN`, `nan`, `01`, `.5`, `1.`, `+1`, `1e`, `-`, `tru`, `nul`, `"a`, "\"a\tb\"", `"\x"`, `"\u12"`,
		`{'a':1}`, `{a:1}`, "\x00", `[` + strings.Repeat(`[`, 300),
	} {
		if v, err := parseDocument([]byte(in)); err == nil {
			t.Errorf("parseDocument(%q) = %#v, want an error", in, v)
		}
	}
}

// TestJSONDepth follows jq 1.6's parser stack: 256 nested arrays, 128
// nested objects.
func TestJSONDepth(t *testing.T) {
	nest := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
	}
	for _, tt := range []struct {
		doc []byte
		ok  bool
	}{
		{nest("[", "]", 256), true},
		{nest("[", "]", 257), false},
		{nest(`{"a":`, "}", 128), true},
		{nest(`{"a":`, "}", 129), false},
		{nest(`[{"a":`, "}]", 85), true},
		{nest(`[{"a":`, "}]", 86), false},
		{[]byte(strings.Repeat("[", 255) + `{"a":1}` + strings.Repeat("]", 255)), true},
	} {
		_, err := parseDocument(tt.doc)
		if (err == nil) != tt.ok {
			t.Errorf("parseDocument(%.20s… %d bytes): %v, want ok=%v", tt.doc, len(tt.doc), err, tt.ok)
		}
		_, err = skipValue(tt.doc, 0, 0)
		if (err == nil) != tt.ok {
			t.Errorf("skipValue(%.20s… %d bytes): %v, want ok=%v", tt.doc, len(tt.doc), err, tt.ok)
		}
	}
}

// TestSkipValueAgreesWithParse: skipValue accepts what parseValue accepts,
// and encoding/json agrees on both.
func TestSkipValueAgreesWithParse(t *testing.T) {
	for _, in := range []string{`{"a":[1,{"b":"c"}],"d":null}`, `[1,2`, `{"a" 1}`, `"\u00"`, `[true,false,null]`, `-0.5e-3`, `{"":""}`} {
		_, perr := parseDocument([]byte(in))
		end, serr := skipValue([]byte(in), 0, 0)
		if serr == nil && end != len(in) {
			serr = errJSONSyntax
		}
		if (perr == nil) != (serr == nil) || (perr == nil) != json.Valid([]byte(in)) {
			t.Errorf("%q: parse %v, skip %v, encoding/json valid %v", in, perr, serr, json.Valid([]byte(in)))
		}
	}
}

func TestAppendUnquoted(t *testing.T) {
	for in, want := range map[string]string{
		`""`:                    "",
		`"plain"`:               "plain",
		`"a\nb\tc\u0041\/\\\""`: "a\nb\tcA/\\\"",
		`"\ud83d\ude00"`:        "😀",
		`"\ude00\ud83d"`:        "\uFFFD\uFFFD",
		`"\ud83d\u0041"`:        "\uFFFDA",
		"\"caf\xc3\xa9\"":       "café",
	} {
		if got := string(appendUnquoted([]byte("x"), []byte(in))); got != "x"+want {
			t.Errorf("appendUnquoted(%s) = %q, want %q", in, got, "x"+want)
		}
	}
}
