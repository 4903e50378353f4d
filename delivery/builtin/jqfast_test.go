package builtin

import (
	"reflect"
	"testing"
)

func TestFieldKeys(t *testing.T) {
	for q, want := range map[string][]fieldKey{
		`{customer_id:.customer_id,device:.type.device}`: {{"customer_id", []string{"customer_id"}}, {"device", []string{"type", "device"}}},
		`{b: ."x y", a: .["z"].w, c, "d e"}`:             {{"a", []string{"z", "w"}}, {"b", []string{"x y"}}, {"c", []string{"c"}}, {"d e", []string{"d e"}}},
		`{a: .x, a: .y}`:                                 {{"a", []string{"y"}}},
	} {
		if got := mustCompile(t, q).fields; !reflect.DeepEqual(got, want) {
			t.Errorf("fields(%s) = %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{
		`{}`, `.`, `{a: .x?}`, `{a: .x[0]}`, `{a: .x[]}`, `{a: .x | .y}`, `{a: (.x)}`, `{(.k): .v}`, `{a: "\(.x)"}`, `. as $v | {$v}`,
		`{a: .x} | {b: .a}`, `def f: .; {a: .x}`, `{a: .["x\(.y)"]}`, `{a: .x[1:2]}`, `{"\(.k)": .v}`, `{a: .x.y?}`, `{a: .x + 1}`,
	} {
		if got := mustCompile(t, q).fields; got != nil {
			t.Errorf("fields(%s) = %v, want none", q, got)
		}
	}
}

var fastRecords = []string{
	`{"customer_id":"1","type":{"device":"d"}}`,
	`{"customer_id":1e16,"type":{"device":true}}`,
	`{"customer_id":-0.0,"type":{"device":false},"customer_id":"last"}`,
	`{"customer\u005fid":"escaped key","type":{"dev\u0069ce":"e\u00e9\n"}}`,
	`{"customer_id":"1","type":{"device":null}}`,
	`{"customer_id":"1","type":{"device":{}}}`,
	`{"customer_id":"1","type":{"device":[1]}}`,
	`{"customer_id":"1","type":"string"}`,
	`{"customer_id":"1","type":null}`,
	`{"customer_id":"1","type":[{"device":"x"}]}`,
	`{"customer_id":"1"}`,
	`{"customer_id":"1","type":{"device":"d"}}{"a":1}`,
	"\xef\xbb\xbf\n{\"customer_id\":\"bom\",\"type\":{\"device\":1}}\n",
	`[1]`, `"s"`, `null`, `3`, ``, `{`, `{"customer_id":1e1000,"type":{"device":-1e-7}}`,
	`{"customer_id":"1","type":{"device":"d","device":null}}`,
	`{"customer_id":"x","type":{"other":1,"device":"y","more":[1,{"device":2}]}}`,
	`{"customer_id":"x","type":{"other":"o","device":"y"}}`,
}

// TestExtractFastMatchesGojq: the fast path answers as gojq does.
func TestExtractFastMatchesGojq(t *testing.T) {
	for _, q := range []string{
		`{customer_id:.customer_id,device:.type.device}`,
		`{device:.type.device,customer_id}`,
		`{"c": .["customer_id"], d: ."type"."device"}`,
		`{a: .customer_id, b: .type.device, c: .type.other, d: .customer_id, e: .type.device, f: .customer_id, g: .type.device, h: .customer_id, i: .type.device, j: .customer_id}`,
	} {
		fast := mustCompile(t, q)
		slow := mustCompile(t, q)
		slow.noFast = true
		if fast.fields == nil {
			t.Fatalf("%s: no fast path", q)
		}
		for _, rec := range fastRecords {
			compareExtract(t, fast, slow, []byte(rec))
		}
	}
}

func compareExtract(t *testing.T, fast, slow *MetadataExtractor, rec []byte) {
	t.Helper()
	fk, ff := fast.Extract([]Key{{"x", "y"}}, rec)
	sk, sf := slow.Extract([]Key{{"x", "y"}}, rec)
	if !reflect.DeepEqual(fk, sk) || !reflect.DeepEqual(ff, sf) {
		t.Errorf("%s on %q:\n fast: %v %v\n gojq: %v %v", fast.Query(), rec, fk, ff, sk, sf)
	}
}
