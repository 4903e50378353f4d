package formatconv

import (
	"strings"
	"testing"
)

func TestOpenXOptions(t *testing.T) {
	cols := []Column{{"name", "string"}, {"a_b", "int"}, {"ts", "bigint"}, {"nested", "struct<inner:int>"}}
	records := recs(`{"Name":"x","a.b":1,"timestamp":7,"NESTED":{"Inner":2},"ts":99}`)
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"case-insensitive", Options{CaseInsensitive: true},
			`[{"name":"x","a_b":null,"ts":"99","nested":{"inner":2}}]`},
		{"case-sensitive", Options{},
			`[{"name":null,"a_b":null,"ts":"99","nested":null}]`},
		{"dots", Options{CaseInsensitive: true, ConvertDotsInJSONKeysToUnderscores: true},
			`[{"name":"x","a_b":1,"ts":"99","nested":{"inner":2}}]`},
		{"mapping", Options{CaseInsensitive: true, ColumnToJSONKeyMappings: map[string]string{"ts": "timestamp"}},
			`[{"name":"x","a_b":null,"ts":"7","nested":{"inner":2}}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkRows(t, read(t, mustConvert(t, cols, c.o, records)), c.want, "")
		})
	}
}

func TestOpenXValues(t *testing.T) {
	cols := []Column{{"i", "int"}, {"d", "double"}, {"de", "decimal(5,2)"}, {"s", "string"}, {"b", "boolean"}, {"ts", "timestamp"}}
	file := mustConvert(t, cols, Options{CaseInsensitive: true}, recs(
		// numbers in strings, a nested object into a string column
		`{"i":"12","d":" 2.5 ","de":"1.005","s":{"k":[1,"two",null]},"b":"TRUE","ts":"2024-01-02T03:04:05.123456789Z"}`,
		// a number and a boolean into a string; floats into an int are truncated
		`{"i":-7.9,"s":1.50,"b":"yes","ts":"2024-1-2 3:04:05.5"}`,
		`{"s":true,"ts":1700000000}`,
		`{"s":[1, 2],"ts":1700000000123}`,
		`{"ts":1700000000.25}`,
		`{"ts":"1700000000"}`,
		// too many integer digits for decimal(5,2): null, as Hive stores it
		`{"de":1234.5}`,
	))
	r := read(t, file)
	checkRows(t, r, `[
	 {"i":12,"d":2.5,"de":"1.01","s":"{\"k\":[1,\"two\",null]}","b":true,"ts":"2024-01-02T03:04:05.123456Z"},
	 {"i":-7,"d":null,"de":null,"s":"1.50","b":false,"ts":"2024-01-02T03:04:05.5Z"},
	 {"i":null,"d":null,"de":null,"s":"true","b":null,"ts":"2023-11-14T22:13:20Z"},
	 {"i":null,"d":null,"de":null,"s":"[1,2]","b":null,"ts":"2023-11-14T22:13:20.123Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":"2023-11-14T22:13:20.25Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":"2023-11-14T22:13:20Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":null}
	]`, `[
	 {"i":12,"d":2.5,"de":"1.01","s":"{\"k\":[1,\"two\",null]}","b":true,"ts":"2024-01-02T03:04:05.123456789Z"},
	 {"i":-7,"d":null,"de":null,"s":"1.50","b":false,"ts":"2024-01-02T03:04:05.5Z"},
	 {"i":null,"d":null,"de":null,"s":"true","b":null,"ts":"2023-11-14T22:13:20Z"},
	 {"i":null,"d":null,"de":null,"s":"[1,2]","b":null,"ts":"2023-11-14T22:13:20.123Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":"2023-11-14T22:13:20.25Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":"2023-11-14T22:13:20Z"},
	 {"i":null,"d":null,"de":null,"s":null,"b":null,"ts":null}
	]`)
}

func TestHiveTimestamps(t *testing.T) {
	cols := []Column{{"ts", "timestamp"}}
	o := Options{HiveJSON: true, TimestampFormats: []string{"dd/MM/yyyy HH:mm:ss", "millis"}}
	file := mustConvert(t, cols, o, recs(
		`{"ts":"04/03/2024 05:06:07"}`,
		`{"ts":"1700000000123"}`,
		`{"ts":1700000000123}`,
		`{"ts":"2024-03-04 05:06:07.123456789"}`, // java.sql.Timestamp.valueOf is always tried
		`{"TS":"2024-03-04 05:06:07"}`,           // the Hive SerDe ignores the case of keys
	))
	checkRows(t, read(t, file), `[{"ts":"2024-03-04T05:06:07Z"},{"ts":"2023-11-14T22:13:20.123Z"},{"ts":"2023-11-14T22:13:20.123Z"},
	 {"ts":"2024-03-04T05:06:07.123456Z"},{"ts":"2024-03-04T05:06:07Z"}]`,
		`[{"ts":"2024-03-04T05:06:07Z"},{"ts":"2023-11-14T22:13:20.123Z"},{"ts":"2023-11-14T22:13:20.123Z"},
	 {"ts":"2024-03-04T05:06:07.123456789Z"},{"ts":"2024-03-04T05:06:07Z"}]`)

	c, err := New(cols, Options{HiveJSON: true})
	if err != nil {
		t.Fatal(err)
	}
	_, failed, _ := c.Convert(recs(`{"ts":"2024-03-04T05:06:07Z"}`, `{"ts":1700000000}`))
	for _, f := range failed {
		if f.Code != CodeMalformedData || f.Message != "Data does not match the schema. java.lang.IllegalArgumentException: Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]" {
			t.Errorf("default Hive timestamp refusal: %+v", f)
		}
	}
	if len(failed) != 2 {
		t.Errorf("want both records refused, got %+v", failed)
	}
}

// TestFailures checks every refusal: its code, its message, that the rest
// of the batch is written, and that the record's other objects are dropped
// with it.
func TestFailures(t *testing.T) {
	cols := []Column{{"i", "int"}, {"s", "string"}, {"a", "array<int>"}, {"st", "struct<x:int>"}, {"m", "map<string,int>"}, {"ti", "tinyint"}, {"dt", "date"}}
	cases := []struct {
		name   string
		hive   bool
		record string
		code   string
		msg    string // prefix
	}{
		{"empty", false, "", CodeMalformedData, "The record was empty or contained only whitespace."},
		{"whitespace", true, " \n\t\r ", CodeMalformedData, "The record was empty or contained only whitespace."},
		{"malformed", false, `{"i":1,}`, CodeParseError, "Encountered malformed JSON. Unexpected character ('}' (code 125)): was expecting double-quote to start field name at [Source: (byte[]); line: 1, column: 8]"},
		{"truncated", true, `{"i":1`, CodeParseError, "Encountered malformed JSON. Unexpected end-of-input: expected close marker for Object"},
		{"bad token", false, `{"i":tru}`, CodeParseError, "Encountered malformed JSON. Unrecognized token 'tru'"},
		{"second object malformed", false, `{"i":1}{"i":`, CodeParseError, "Encountered malformed JSON. Unexpected end-of-input"},
		{"top-level array", false, `[{"i":1}]`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Object expected"},
		{"top-level scalar", true, `42`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Object expected"},
		{"array expected", true, `{"a":1}`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Array expected"},
		{"array expected OpenX", false, `{"a":{"x":1}}`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Array expected"},
		{"object expected", true, `{"st":[1]}`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Object expected"},
		{"map object expected", false, `{"m":"x"}`, CodeMalformedData, "Data does not match the schema. java.io.IOException: Start of Object expected"},
		{"string in numeric", true, `{"i":"12"}`, CodeMalformedData, "Data does not match the schema. Current token (VALUE_STRING) not numeric, can not use numeric value accessors at [Source: (byte[]); line: 1, column: 10]"},
		{"object in numeric", false, `{"i":{}}`, CodeMalformedData, "Data does not match the schema. Current token (START_OBJECT) not numeric"},
		{"non-numeric string OpenX", false, `{"i":"abc"}`, CodeMalformedData, `Data does not match the schema. java.lang.NumberFormatException: For input string: "abc"`},
		{"object in text", true, `{"s":{"a":1}}`, CodeMalformedData, "One or more fields have incorrect format. Exception when validating field (root)"},
		{"array in text", true, `{"s":[1]}`, CodeMalformedData, "One or more fields have incorrect format. Exception when validating field (root)"},
		{"out of range", false, `{"ti":128}`, CodeMalformedData, "Data does not match the schema. Numeric value (128) out of range of Java byte"},
		{"int out of range", true, `{"i":2147483648}`, CodeMalformedData, "Data does not match the schema. Numeric value (2147483648) out of range of int"},
		{"bad date", false, `{"dt":"2024-02-30"}`, CodeMalformedData, `Data does not match the schema. java.lang.IllegalArgumentException: Cannot parse "2024-02-30" as a date`},
		{"nested failure", false, `{"st":{"x":"y"}}`, CodeMalformedData, `Data does not match the schema. java.lang.NumberFormatException: For input string: "y"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conv, err := New(cols, Options{HiveJSON: c.hive, CaseInsensitive: true})
			if err != nil {
				t.Fatal(err)
			}
			file, failed, err := conv.Convert(recs(`{"i":1}{"i":2}`, c.record, `{"i":3}`))
			if err != nil {
				t.Fatal(err)
			}
			if len(failed) != 1 || failed[0].Index != 1 || failed[0].Code != c.code || !strings.HasPrefix(failed[0].Message, c.msg) {
				t.Fatalf("failed = %+v\nwant index 1, %s, %q...", failed, c.code, c.msg)
			}
			r := read(t, file)
			checkRows(t, r, `[{"i":1,"s":null,"a":null,"st":null,"m":null,"ti":null,"dt":null},{"i":2,"s":null,"a":null,"st":null,"m":null,"ti":null,"dt":null},{"i":3,"s":null,"a":null,"st":null,"m":null,"ti":null,"dt":null}]`, "")
		})
	}
}

func TestFailingObjectDropsItsRecord(t *testing.T) {
	c, _ := New([]Column{{"i", "int"}}, Options{CaseInsensitive: true})
	file, failed, err := c.Convert(recs(`{"i":1}{"i":"x"}`, `{"i":2}`))
	if err != nil || len(failed) != 1 || failed[0].Index != 0 {
		t.Fatalf("failed = %+v, err = %v", failed, err)
	}
	checkRows(t, read(t, file), `[{"i":2}]`, "")
}

func TestNoRowNoFile(t *testing.T) {
	c, _ := New([]Column{{"i", "int"}}, Options{CaseInsensitive: true})
	file, failed, err := c.Convert(recs("", "[]"))
	if err != nil || file != nil || len(failed) != 2 {
		t.Fatalf("file = %d bytes, failed = %+v, err = %v", len(file), failed, err)
	}
	file, failed, err = c.Convert(nil)
	if err != nil || file != nil || failed != nil {
		t.Fatalf("no records: file = %d bytes, failed = %+v, err = %v", len(file), failed, err)
	}
}
