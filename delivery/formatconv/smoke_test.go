package formatconv

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	cols := []Column{{"a", "int"}, {"s", "string"}, {"l", "array<struct<x:int,y:string>>"}, {"m", "map<string,array<int>>"}, {"d", "decimal(10,2)"}, {"ts", "timestamp"}, {"dt", "date"}, {"b", "binary"}}
	file := mustConvert(t, cols, Options{CaseInsensitive: true}, recs(`{"a":1,"s":"x","l":[{"x":1,"y":"a"},null,{"x":null}],"m":{"k":[1,null],"e":[],"n":null},"d":12.345,"ts":"2024-01-02T03:04:05.123456789Z","dt":"2024-02-29","b":"hi"}{"a":2}`, `{}`))
	r := read(t, file)
	t.Logf("%+v", r)
}
