package builtin

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustCompile(t testing.TB, query string) *MetadataExtractor {
	t.Helper()
	m, err := CompileQuery(query)
	if err != nil {
		t.Fatalf("CompileQuery(%s): %v", query, err)
	}
	return m
}

func TestCompileQuery(t *testing.T) {
	for _, q := range []string{
		`{customer_id:.customer_id,device:.type.device,year:.event_timestamp|strftime("%Y")}`,
		`.`, `{a: .x} | {b: .a}`, `def abs: 1; {a: abs}`, `{a: (.x | keys_unsorted | length)}`,
		`{a: input_filename}`, `{a: ([.[] | leaf_paths] | length)}`, `{a: (2 | pow10)}`,
		`{a: (try input catch "none")}`, `{a: (if .x then 1 else 2 end)}`, `{"a b": .x, if: 1}`,
	} {
		if _, err := CompileQuery(q); err != nil {
			t.Errorf("CompileQuery(%s): %v", q, err)
		}
	}
	for q, want := range map[string]string{
		`{a: .x`:                        "MetaDataExtraction JQ Query is not valid: unexpected EOF",
		`{a: (.x | abs)}`:               "MetaDataExtraction JQ Query is not valid: abs/0 is not defined",
		`{a: (.x | trim)}`:              "MetaDataExtraction JQ Query is not valid: trim/0 is not defined",
		`{a: (.x | toboolean)}`:         "MetaDataExtraction JQ Query is not valid: toboolean/0 is not defined",
		`{a: pick(.x)}`:                 "MetaDataExtraction JQ Query is not valid: pick/1 is not defined",
		`{a: (if .x then 1 end)}`:       "MetaDataExtraction JQ Query is not valid: if without else is not jq 1.6 syntax",
		`{a: nosuchfunction}`:           "MetaDataExtraction JQ Query is not valid: function not defined: nosuchfunction/0",
		`{a: $nosuchvariable}`:          "MetaDataExtraction JQ Query is not valid: variable not defined: $nosuchvariable",
		`{a: (.x | ascii_downcase(1))}`: "MetaDataExtraction JQ Query is not valid: function not defined: ascii_downcase/1",
		// jq 1.6 has $__loc__, gojq not (a known difference).
		`{a: $__loc__}`: "MetaDataExtraction JQ Query is not valid: variable not defined: $__loc__",
	} {
		_, err := CompileQuery(q)
		if err == nil || err.Type != "InvalidArgumentException" || err.Message != want {
			t.Errorf("CompileQuery(%s) = %v, want InvalidArgumentException %q", q, err, want)
		}
	}
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("k%d: .k%d", i, i))
	}
	if _, err := CompileQuery("{" + strings.Join(many[:50], ",") + "}"); err != nil {
		t.Errorf("50 keys: %v", err)
	}
	if _, err := CompileQuery("{" + strings.Join(many, ",") + "}"); err == nil || err.Message != "MetaDataExtraction JQ Query cannot have more than 50 keys." {
		t.Errorf("51 keys: %v", err)
	}
}

func TestQueryKeys(t *testing.T) {
	for q, want := range map[string][]string{
		`{customer_id:.customer_id,device:.type.device}`: {"customer_id", "device"},
		`{"b": 1, a: 2, "c d": 3}`:                       {"a", "b", "c d"},
		`. as $x | {$x, y: 1}`:                           {"x", "y"},
		`.detail | {a}`:                                  {"a"},
		`({a: 1})`:                                       {"a"},
		`def f: .x; {a: f, a: 2}`:                        {"a"},
		`{if: 1, then: 2}`:                               {"if", "then"},
		`{}`:                                             {},
	} {
		keys, ok := mustCompile(t, q).Keys()
		if !ok || !reflect.DeepEqual(keys, want) {
			t.Errorf("Keys(%s) = %q, %v; want %q", q, keys, ok, want)
		}
	}
	for _, q := range []string{`.`, `{(.k): 1}`, `{"a\(.x)": 1}`, `{a: 1} + {b: 2}`, `if . then {a: 1} else {b: 1} end`, `{a: 1}, {b: 2}`, `{a: 1}.a`} {
		if keys, ok := mustCompile(t, q).Keys(); ok {
			t.Errorf("Keys(%s) = %q, true; want not static", q, keys)
		}
	}
}

func TestCheckPrefixKeys(t *testing.T) {
	m := mustCompile(t, `{customer:.c, year:.y}`)
	if err := m.CheckPrefixKeys([]string{"year", "customer", "other"}); err != nil {
		t.Errorf("all keys used: %v", err)
	}
	err := m.CheckPrefixKeys([]string{"customer"})
	if err == nil || err.Type != "InvalidArgumentException" || err.Message != "MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression" {
		t.Errorf("key not used: %v", err)
	}
	if err := mustCompile(t, `.`).CheckPrefixKeys(nil); err != nil {
		t.Errorf("dynamic query: %v", err)
	}
}

func TestExtract(t *testing.T) {
	const rec = `{"type":{"device":"mobile","event":"click"},"customer_id":"1234567890","event_timestamp":1565382027,"n":1.0,"big":12345678901234567890,"f":1e-5,"t":true,"nul":null,"o":{},"arr":[1],"s":"a/b c"}`
	tests := []struct {
		query, record string
		want          []Key
		fail          string // a failure's message, or a prefix of it ending in "…"
	}{
		{query: `{customer_id:.customer_id,device:.type.device,year:.event_timestamp|strftime("%Y"),month:.event_timestamp|strftime("%m")}`, record: rec,
			want: []Key{{"customer_id", "1234567890"}, {"device", "mobile"}, {"month", "08"}, {"year", "2019"}}},
		{query: `{n:.n, big:.big, f:.f, t:.t, s:.s}`, record: rec,
			want: []Key{{"big", "12345678901234567000"}, {"f", "1e-05"}, {"n", "1"}, {"s", "a/b c"}, {"t", "true"}}},
		{query: `{a: "\(.big)-\(.f)", b: (.n|tostring), c: (.arr|tojson), d: (.f|@text), e: (.f|@json)}`, record: rec,
			want: []Key{{"a", "12345678901234567000-1e-05"}, {"b", "1"}, {"c", "[1]"}, {"d", "1e-05"}, {"e", "1e-05"}}},
		{query: `{a: (.arr|length), b: (.s|length), c: ([.arr[]]|add * 1e16)}`, record: rec,
			want: []Key{{"a", "1"}, {"b", "5"}, {"c", "1e+16"}}},
		{query: `{a: .s}`, record: "\xef\xbb\xbf  " + rec + "\n\n", want: []Key{{"a", "a/b c"}}},
		{query: `{}`, record: rec, want: []Key{}},
		{query: `{a: .x}`, record: `[1]`, fail: "The MetadataExtractionQuery failed on the record: expected an object but got: array ([1])"},
		{query: `{a: .missing}`, record: rec, fail: "The value of partition key a is null: the record has no such field, or it is null."},
		{query: `{a: .nul}`, record: rec, fail: "The value of partition key a is null: the record has no such field, or it is null."},
		{query: `{a: .o}`, record: rec, fail: "The value of partition key a is an object, not a string, number or boolean."},
		{query: `{a: .arr}`, record: rec, fail: "The value of partition key a is an array, not a string, number or boolean."},
		{query: `{a: nan}`, record: rec, fail: "The value of partition key a is null: the record has no such field, or it is null."},
		{query: `.s`, record: rec, fail: "The MetadataExtractionQuery produced a string, not an object."},
		{query: `empty`, record: rec, fail: "The MetadataExtractionQuery produced no result for the record."},
		{query: `{a: .arr[]}, {a: 2}`, record: rec, fail: "The MetadataExtractionQuery produced more than one result for the record."},
		{query: `{a: (.s | error)}`, record: rec, fail: "The MetadataExtractionQuery failed on the record: error: a/b c"},
		{query: `{a: .s}`, record: rec + rec, fail: MsgNonJSON},
		{query: `{a: .s}`, record: `{"s":"x"}` + "\n" + `{"s":"y"}`, fail: MsgNonJSON},
		{query: `{a: .s}`, record: `not json`, fail: MsgNonJSON},
		{query: `{a: .s}`, record: ``, fail: MsgNonJSON},
		{query: `{a: .s}`, record: `{"s":NaN}`, fail: MsgNonJSON},
		{query: `{a: (.s|@urid)}`, record: rec, fail: "The MetadataExtractionQuery failed on the record: error: urid is not a valid format"},
		{query: `{a: (.s|@base32d)}`, record: rec, fail: "The MetadataExtractionQuery failed on the record: format not defined: @base32d"},
	}
	for _, tt := range tests {
		m := mustCompile(t, tt.query)
		prefix := []Key{{"keep", "me"}}
		got, f := m.Extract(prefix, []byte(tt.record))
		if tt.fail != "" {
			if f == nil {
				t.Errorf("%s on %.40s: got %v, want failure %q", tt.query, tt.record, got, tt.fail)
				continue
			}
			if f.Code != CodeMetadataExtractionFailed || f.OutputType != "metadata-extraction-failed" || f.Message != tt.fail {
				t.Errorf("%s on %.40s: failure %+v, want message %q", tt.query, tt.record, f, tt.fail)
			}
			if len(got) != 1 || got[0] != prefix[0] {
				t.Errorf("%s on %.40s: failure left dst %v", tt.query, tt.record, got)
			}
			continue
		}
		if f != nil {
			t.Errorf("%s on %.40s: %v", tt.query, tt.record, f)
			continue
		}
		if !reflect.DeepEqual(got[1:], tt.want) || got[0] != prefix[0] {
			t.Errorf("%s on %.40s = %q, want %q", tt.query, tt.record, got[1:], tt.want)
		}
	}
}

// TestExtractLimits: a query that never ends, or works too long, fails the
// record instead of holding the pipeline.
func TestExtractLimits(t *testing.T) {
	for _, q := range []string{
		`def f: f; {a: f}`,
		`{a: last(range(1e12))}`,
		`{a: ([limit(1e9; repeat(1))] | length)}`,
		`{a: .s}, (def f: f; f)`,
	} {
		m := mustCompile(t, q)
		m.MaxSteps = 100_000
		start := time.Now()
		_, f := m.Extract(nil, []byte(`{"s":"x"}`))
		if f == nil || !strings.HasPrefix(f.Message, "The MetadataExtractionQuery ran too long on the record (more than 100000 steps") {
			t.Errorf("%s: %v, want the limit's failure", q, f)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v", q, d)
		}
		// The same extractor goes on working after a run hit the limit.
		m2 := mustCompile(t, `{a: .s}`)
		if keys, f := m2.Extract(nil, []byte(`{"s":"x"}`)); f != nil || len(keys) != 1 {
			t.Errorf("after the limit: %v %v", keys, f)
		}
	}
	m := mustCompile(t, `{a: last(range(1e12))}`)
	m.Timeout = 50 * time.Millisecond
	start := time.Now()
	if _, f := m.Extract(nil, []byte(`{}`)); f == nil || !strings.Contains(f.Message, "50ms") {
		t.Errorf("timeout: %v", f)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestExtractConcurrent(t *testing.T) {
	m := mustCompile(t, `{c: .c, n: (.n|tostring)}`)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var keys []Key
			for i := range 200 {
				rec := fmt.Sprintf(`{"c":"g%d","n":%d}`, g, i)
				var f *Failure
				keys, f = m.Extract(keys[:0], []byte(rec))
				if f != nil || len(keys) != 2 || keys[0].Value != fmt.Sprintf("g%d", g) || keys[1].Value != fmt.Sprint(i) {
					t.Errorf("%s: %v %v", rec, keys, f)
					return
				}
				if i%50 == 0 {
					loop := mustCompile(t, `def f: f; {a: f}`)
					loop.MaxSteps = 1000
					if _, f := loop.Extract(nil, []byte(rec)); f == nil {
						t.Error("loop did not fail")
					}
				}
			}
		})
	}
	wg.Wait()
}

// jqKeysQuery wraps a query so that jq itself prints the keys Extract
// should find, as a JSON object of strings, or {"?": why} when it should
// fail.
func jqKeysQuery(query string) string {
	return `[(` + query + `)] | if length != 1 then {"?": "results"} else .[0] | if type != "object" then {"?": "type"} else ` +
		`with_entries(.value |= (if type == "string" then . elif type == "number" and isnan then "?null" elif type == "number" or type == "boolean" then tojson else "?" + type end)) | ` +
		`if any(.[]; startswith("?")) and (to_entries | any(.value | startswith("?null") or startswith("?object") or startswith("?array"))) then {"?": "value"} else . end end end`
}

// extractCases are queries and records for the comparison with jq.
var extractCases = struct {
	queries, records []string
}{
	queries: []string{
		`{customer_id:.customer_id,device:.type.device,year:.event_timestamp|strftime("%Y"),month:.event_timestamp|strftime("%m"),day:.event_timestamp|strftime("%d"),hour:.event_timestamp|strftime("%H")}`,
		`{ts: (.event_timestamp|todate), d: (.event_timestamp|strftime("%Y-%m-%dT%H:%M:%SZ %j %a %b %e %Z %z %s %u %V %G %U %w %y %I %p %D %F %T %R %C %g %k %l %-d"))}`,
		`{n: .num, s: (.num|tostring), i: "\(.num)", j: (.num|tojson), t: (.num|@text), k: (.num|@json)}`,
		`{a: .arr|tostring, o: (.obj|tojson), l: (.arr|length), m: (.arr|add), x: (.arr|max)}`,
		`{k: (.obj|keys|join(",")), e: (.obj|to_entries|map(.key)|join(",")), kl: (.obj|keys|length)}`,
		`{lg: (.logGroup | ltrimstr("/")), up: (.s|ascii_upcase), dn: (.s|ascii_downcase), sub: (.s|sub("b";"X")), g: (.s|gsub("[a-c]";"-")), sp: (.s|split("/")|.[0]), sl: (.s[0:3])}`,
		`{t: (.s|test("^a")), c: (.s|contains("b")), st: (.s|startswith("a")), en: (.s|endswith("z")), ix: (.s|index("b"))}`,
		`{d: (.event_timestamp / 86400 | floor), f: (.event_timestamp / 7), m: (.event_timestamp % 7), neg: (-.num), p: (.num * 1000)}`,
		`{y: (.iso | fromdateiso8601 | strftime("%Y")), z: (.iso | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime), g: (.event_timestamp | gmtime | .[0])}`,
		`{v: (.missing // "default"), w: (.s // "x"), b: (.flag|not), tn: (.numstr|tonumber), ty: (.arr|type)}`,
		`.type | {device, event}`,
		`{customer_id:.customer_id,device:.type.device}`,
		`{a: ([.arr[], .num] | join("-")), b: ([.s, .flag, null] | join(",")), c: (.s | index("b")), d: (.s | rindex("b")), e: (.s | indices("b") | tojson), f: ([limit(0; .arr[])] | length), g: ([limit(-1; .arr[])] | length), h: ("aaaa" | indices("aa") | tojson), i: (.arr | indices(1) | tojson), j: (.s|index("é"))}`,
		`{a: ([.arr[], [1]] | join("-"))}`,
		`{"a b": ."customer_id", c: .["s"], d: .type.device, e: .num, f: .big, g: .tiny, h: .flag, customer_id, "s"}`,
		`{a: .customer_id} + {b: .s}`,
		`{(.s): 1}`,
		`{a: .missing}`,
		`{a: .obj}`,
		`{a: .arr}`,
		`{a: (.arr[] | tostring)}`,
		`.s`,
		`{a: (.s | error)}`,
		`{a: (.s | tonumber)}`,
		`{a: (.num | ceil), b: (.num | round), c: (.num|sqrt), e: (.num|log10|floor), f: (.num|fabs)}`,
		`{a: ([.obj[]] | length), b: (.obj | with_entries(.value |= tostring) | tojson)}`,
		`{a: (.s|@base64), b: (.s|@uri), c: (.s|@html), d: ("\(.s)-\(.num)")}`,
		`{a: .["customer_id"], b: .type["device"], c: (.arr|first), d: (.arr|last), e: (.arr|.[-1])}`,
		`{a: (reduce .arr[] as $x (0; . + $x)), b: ([.arr[] | select(. > 1)] | length), c: (.arr | map(. * 2) | tojson)}`,
		`{a: ((.big|tostring) + "|" + (.big2|tostring) + "|" + (.tiny|tostring)), b: .big, c: .big2, d: .tiny}`,
		`{a: (.event_timestamp|todate), b: (.fts|todate), c: (.fts|strftime("%S")), d: (.fts | gmtime | .[5])}`,
	},
	records: []string{
		`{"type":{"device":"mobile","event":"click"},"customer_id":"1234567890","event_timestamp":1565382027,"num":1.5,"arr":[1,2,3],"obj":{"a":2,"m":3,"z":1},"s":"abc/def","logGroup":"/aws/lambda/f","iso":"2019-08-09T20:20:27Z","flag":false,"numstr":"12.50","big":12345678901234567890,"big2":1e17,"tiny":1e-7,"fts":1565382027.75}`,
		`{"type":{"device":"desktop","event":"view"},"customer_id":"x","event_timestamp":0,"num":-0.0001,"arr":[5],"obj":{"b":{"c":1}},"s":"b","logGroup":"g","iso":"1999-12-31T23:59:59Z","flag":true,"numstr":"1e3","big":-9007199254740993,"big2":123456789012345678,"tiny":5e-324,"fts":-1.5}`,
		`{"type":{"device":null},"customer_id":123,"event_timestamp":253402300799,"num":1e1000,"arr":[],"obj":{},"s":"","logGroup":"/","iso":"bad","numstr":"x","big":0,"big2":1e16,"tiny":0.1,"fts":1e10}`,
		`{"type":"string","customer_id":true,"event_timestamp":"1565382027","num":100,"arr":[1.5,2.25],"obj":[],"s":"ééé😀","flag":null,"numstr":"-0","big":1.0,"big2":2.5e20,"tiny":-1e-5,"fts":0.5}`,
		`{}`,
		`[]`,
		`"just a string"`,
		`3`,
	},
}

// TestExtractAgainstJQ runs the same queries on the same records through
// the jq program (jq 1.6) and compares the keys: the same values, or both
// failing.
func TestExtractAgainstJQ(t *testing.T) {
	jq := jq16(t)
	for _, q := range extractCases.queries {
		m, cerr := CompileQuery(q)
		if cerr != nil {
			t.Errorf("CompileQuery(%s): %v", q, cerr)
			continue
		}
		for _, rec := range extractCases.records {
			out, ok := runJQ(t, jq, []byte(rec), "-c", jqKeysQuery(q))
			want := map[string]string{}
			if ok {
				if err := json.Unmarshal([]byte(out), &want); err != nil {
					t.Fatalf("jq's output %q: %v", out, err)
				}
			}
			jqFails := !ok || want["?"] != ""
			keys, f := m.Extract(nil, []byte(rec))
			if jqFails != (f != nil) {
				t.Errorf("%s\non %s:\n jq:  ok=%v %s\n ours: %v %v", q, rec, ok, out, keys, f)
				continue
			}
			if jqFails {
				continue
			}
			got := map[string]string{}
			for _, k := range keys {
				got[k.Name] = k.Value
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s\non %s:\n jq:   %v\n ours: %v", q, rec, want, got)
			}
		}
	}
}
