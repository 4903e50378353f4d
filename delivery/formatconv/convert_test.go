package formatconv

import (
	"testing"
)

var primitiveCols = []Column{
	{"bo", "boolean"}, {"ti", "tinyint"}, {"si", "smallint"}, {"i", "int"}, {"bi", "bigint"},
	{"f", "float"}, {"do", "double"}, {"de", "decimal(10,2)"}, {"dd", "decimal"}, {"dw", "decimal(38,6)"},
	{"s", "string"}, {"c", "char(3)"}, {"v", "varchar(4)"}, {"bin", "binary"}, {"da", "date"}, {"ts", "timestamp"},
}

func TestEveryHiveType(t *testing.T) {
	for _, hive := range []bool{false, true} {
		name := map[bool]string{false: "OpenX", true: "Hive"}[hive]
		t.Run(name, func(t *testing.T) {
			file := mustConvert(t, primitiveCols, Options{HiveJSON: hive, CaseInsensitive: true}, recs(
				`{"bo":true,"ti":-128,"si":32767,"i":-2147483648,"bi":9223372036854775807,"f":1.5,"do":-2.25e-3,
				  "de":-12345678.905,"dd":42,"dw":-12345678901234567890123456789012.123456,
				  "s":"héllo","c":"abcdef","v":"wxyzé","bin":"AQI=","da":"2024-02-29","ts":"2024-01-02 03:04:05.123456"}`,
				`{"bo":false,"ti":127,"si":-32768,"i":2147483647,"bi":-9223372036854775808,"f":-0.0,"do":1e300,
				  "de":0.004,"dd":-0.5,"dw":0,"s":"","c":"é","v":"","bin":"","da":"1969-12-31","ts":"1969-12-31 23:59:59.999999"}`,
				`{"bo":null}`,
			))
			r := read(t, file)
			checkSchema(t, r,
				"bo", "BOOLEAN", "ti", "TINYINT", "si", "SMALLINT", "i", "INTEGER", "bi", "BIGINT",
				"f", "FLOAT", "do", "DOUBLE", "de", "DECIMAL(10,2)", "dd", "DECIMAL(10,0)", "dw", "DECIMAL(38,6)",
				"s", "VARCHAR", "c", "VARCHAR", "v", "VARCHAR", "bin", "BLOB", "da", "DATE", "ts", "TIMESTAMP")
			row1 := `{"bo":true,"ti":-128,"si":32767,"i":-2147483648,"bi":"9223372036854775807","f":1.5,"do":-0.00225,
			  "de":"-12345678.91","dd":"42","dw":"-12345678901234567890123456789012.123456",
			  "s":"héllo","c":"abc","v":"wxyz","bin":"QVFJPQ==","da":"2024-02-29","ts":"2024-01-02T03:04:05.123456Z"}`
			row2 := `{"bo":false,"ti":127,"si":-32768,"i":2147483647,"bi":"-9223372036854775808","f":0,"do":1e+300,
			  "de":"0.00","dd":"-1","dw":"0.000000","s":"","c":"é","v":"","bin":"","da":"1969-12-31","ts":"1969-12-31T23:59:59.999999Z"}`
			row3 := `{"bo":null,"ti":null,"si":null,"i":null,"bi":null,"f":null,"do":null,"de":null,"dd":null,"dw":null,
			  "s":null,"c":null,"v":null,"bin":null,"da":null,"ts":null}`
			// hyparquet decodes decimals to JavaScript numbers: 38 digits lose precision.
			hy1 := `{"bo":true,"ti":-128,"si":32767,"i":-2147483648,"bi":"9223372036854775807","f":1.5,"do":-0.00225,
			  "de":"-12345678.91","dd":"42","dw":"-1.2345678901234567e+31",
			  "s":"héllo","c":"abc","v":"wxyz","bin":"QVFJPQ==","da":"2024-02-29","ts":"2024-01-02T03:04:05.123456Z"}`
			checkRows(t, r, "["+row1+","+row2+","+row3+"]", "["+hy1+","+row2+","+row3+"]")
		})
	}
}

func TestNestedTypes(t *testing.T) {
	cols := []Column{
		{"id", "int"},
		{"aos", "array<struct<x:int,y:string>>"},
		{"moa", "map<string,array<int>>"},
		{"swm", "struct<name:string,tags:map<string,int>,inner:struct<z:array<bigint>>>"},
		{"aaa", "array<array<int>>"},
	}
	file := mustConvert(t, cols, Options{CaseInsensitive: true}, recs(
		`{"id":1,"aos":[{"x":1,"y":"a"},{"x":2}],"moa":{"k":[1,2],"l":[3]},"swm":{"name":"n","tags":{"t":1},"inner":{"z":[5,6]}},"aaa":[[1,2],[3]]}`,
		// nulls at each level
		`{"id":2,"aos":[null,{"x":null,"y":null}],"moa":{"k":null,"l":[null]},"swm":{"name":null,"tags":null,"inner":null},"aaa":[null,[null]]}`,
		// empty arrays and maps
		`{"id":3,"aos":[],"moa":{},"swm":{"tags":{},"inner":{"z":[]}},"aaa":[[],[]]}`,
		// everything null or missing
		`{"id":4,"aos":null,"moa":null,"swm":null,"aaa":null}`,
		`{"id":5}`,
		// empty and non-empty mixed inside
		`{"id":6,"aos":[{"x":7}],"moa":{"a":[],"b":null,"c":[8]},"swm":{"inner":{}},"aaa":[[],null,[9,10]]}`,
	))
	r := read(t, file)
	checkSchema(t, r, "id", "INTEGER",
		"aos", "STRUCT(x INTEGER, y VARCHAR)[]",
		"moa", "MAP(VARCHAR, INTEGER[])",
		"swm", "STRUCT(\"name\" VARCHAR, tags MAP(VARCHAR, INTEGER), \"inner\" STRUCT(z BIGINT[]))",
		"aaa", "INTEGER[][]")
	want := `[
	 {"id":1,"aos":[{"x":1,"y":"a"},{"x":2,"y":null}],"moa":[["k",[1,2]],["l",[3]]],"swm":{"name":"n","tags":[["t",1]],"inner":{"z":["5","6"]}},"aaa":[[1,2],[3]]},
	 {"id":2,"aos":[null,{"x":null,"y":null}],"moa":[["k",null],["l",[null]]],"swm":{"name":null,"tags":null,"inner":null},"aaa":[null,[null]]},
	 {"id":3,"aos":[],"moa":[],"swm":{"name":null,"tags":[],"inner":{"z":[]}},"aaa":[[],[]]},
	 {"id":4,"aos":null,"moa":null,"swm":null,"aaa":null},
	 {"id":5,"aos":null,"moa":null,"swm":null,"aaa":null},
	 {"id":6,"aos":[{"x":7,"y":null}],"moa":[["a",[]],["b",null],["c",[8]]],"swm":{"name":null,"tags":null,"inner":{"z":null}},"aaa":[[],null,[9,10]]}
	]`
	checkRows(t, r, want, "")
}

func TestMapKeys(t *testing.T) {
	cols := []Column{{"mi", "map<int,string>"}, {"md", "map<string,decimal(4,1)>"}}
	file := mustConvert(t, cols, Options{CaseInsensitive: true}, recs(
		`{"mi":{"1":"a","-2":"b","1":"c"},"md":{"x":1.25,"X":null}}`,
	))
	r := read(t, file)
	checkSchema(t, r, "mi", "MAP(INTEGER, VARCHAR)", "md", "MAP(VARCHAR, DECIMAL(4,1))")
	// A later duplicate key replaces the earlier; map keys keep their case.
	// hyparquet gives maps as JavaScript objects, which put integer keys first, ascending.
	checkRows(t, r, `[{"mi":[["-2","b"],["1","c"]],"md":[["x","1.3"],["X",null]]}]`,
		`[{"mi":[["1","c"],["-2","b"]],"md":[["x","1.3"],["X",null]]}]`)

	c, _ := New([]Column{{"mi", "map<int,string>"}}, Options{})
	_, failed, _ := c.Convert(recs(`{"mi":{"one":"a"}}`))
	if len(failed) != 1 || failed[0].Code != CodeMalformedData {
		t.Errorf("a map key that is not a number: %+v", failed)
	}
}

func TestMultipleObjectsPerRecord(t *testing.T) {
	file := mustConvert(t, []Column{{"a", "int"}}, Options{CaseInsensitive: true},
		recs(`{"a":1}{"a":2}`, " {\"a\":3}\n\n{\"a\":4} \t", `{"a":5}`))
	checkRows(t, read(t, file), `[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5}]`, "")
}

func TestColumnOrderKept(t *testing.T) {
	cols := []Column{{"zeta", "int"}, {"alpha", "struct<z:int,a:int>"}, {"mid", "string"}}
	r := read(t, mustConvert(t, cols, Options{CaseInsensitive: true}, recs(`{"alpha":{"a":1,"z":2},"zeta":3,"mid":"m"}`)))
	checkSchema(t, r, "zeta", "INTEGER", "alpha", "STRUCT(z INTEGER, a INTEGER)", "mid", "VARCHAR")
	checkRows(t, r, `[{"zeta":3,"alpha":{"z":2,"a":1},"mid":"m"}]`, "")
}

func TestDecimalExtremes(t *testing.T) {
	cols := []Column{{"d", "decimal(5,2)"}}
	file := mustConvert(t, cols, Options{CaseInsensitive: true}, recs(
		`{"d":1e999999999}`, `{"d":1e-999999999}`, `{"d":0e999999999}`, `{"d":-999.995}`, `{"d":-999.994}`, `{"d":12.5e1}`, `{"d":"0.125"}`))
	checkRows(t, read(t, file), `[{"d":null},{"d":"0.00"},{"d":"0.00"},{"d":null},{"d":"-999.99"},{"d":"125.00"},{"d":"0.13"}]`, "")
}

// TestConverterReuse checks that a Converter's second file holds only its
// own rows, with failures in between.
func TestConverterReuse(t *testing.T) {
	c, err := New([]Column{{"a", "int"}, {"l", "array<string>"}}, Options{CaseInsensitive: true, EnableDictionaryCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, batch := range []string{`{"a":1,"l":["x"]}`, ``, `{"a":2,"l":["y","z"]}`} {
		file, failed, err := c.Convert(recs(batch, `{"a":9}`))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 1 && len(failed) != 1:
			t.Fatalf("batch %d: failed %+v", i, failed)
		case i == 0:
			checkRows(t, read(t, file), `[{"a":1,"l":["x"]},{"a":9,"l":null}]`, "")
		case i == 2:
			checkRows(t, read(t, file), `[{"a":2,"l":["y","z"]},{"a":9,"l":null}]`, "")
		}
	}
}
