package builtin

import (
	"strings"
	"testing"
)

func split(d *DeAggregator, record string) ([]string, bool) {
	pieces, ok := d.Split(nil, []byte(record))
	out := make([]string, len(pieces))
	for i, p := range pieces {
		out[i] = string(p)
	}
	return out, ok
}

func TestSplitJSON(t *testing.T) {
	d := &DeAggregator{}
	tests := []struct {
		record string
		want   []string
		ok     bool
	}{
		{`{"a":1}{"a":2}`, []string{`{"a":1}`, `{"a":2}`}, true},
		{"{\"a\":1}\n{\"a\":2}\n", []string{`{"a":1}`, `{"a":2}`}, true},
		{" \r\n\t{\"a\" : [1, {\"b\":\"}{\"}]} \n\n {}", []string{`{"a" : [1, {"b":"}{"}]}`, `{}`}, true},
		{`{"a":1}`, []string{`{"a":1}`}, true},
		{`[{"a":1},{"a":2}]`, []string{`[{"a":1},{"a":2}]`}, false},
		{`{"a":1}[1]`, []string{`{"a":1}[1]`}, false},
		{`{"a":1},{"a":2}`, []string{`{"a":1},{"a":2}`}, false},
		{`{"a":1} x`, []string{`{"a":1} x`}, false},
		{`{"a":`, []string{`{"a":`}, false},
		{`"string"`, []string{`"string"`}, false},
		{``, []string{``}, false},
		{"  \n", []string{"  \n"}, false},
	}
	for _, tt := range tests {
		got, ok := split(d, tt.record)
		if ok != tt.ok || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q, %v", tt.record, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSplitDelimited(t *testing.T) {
	d := &DeAggregator{Delimiter: []byte("####")}
	tests := []struct {
		record string
		want   []string
	}{
		{"a####b####c", []string{"a", "b", "c"}},
		{"####a########b####", []string{"a", "b"}},
		{"a###b", []string{"a###b"}},
		{"######a", []string{"##a"}},
		{"####", []string{}},
		{"", []string{}},
		{`{"x":1}####{"x":2}`, []string{`{"x":1}`, `{"x":2}`}},
	}
	for _, tt := range tests {
		got, ok := split(d, tt.record)
		if !ok || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.record, got, ok, tt.want)
		}
	}
	nl := &DeAggregator{Delimiter: []byte("\n")}
	if got, _ := split(nl, "a\nb\n\nc\n"); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("newline: %q", got)
	}
}

// TestSplitLimit: 500 sub-records split; 501 pass on whole.
func TestSplitLimit(t *testing.T) {
	for _, tt := range []struct {
		d   *DeAggregator
		sep string
		one string
	}{
		{&DeAggregator{}, "\n", `{"i":1}`},
		{&DeAggregator{Delimiter: []byte("|")}, "|", "x"},
	} {
		at := strings.Repeat(tt.one+tt.sep, MaxSubRecords)
		got, ok := tt.d.Split(nil, []byte(at))
		if !ok || len(got) != MaxSubRecords {
			t.Errorf("%q × 500: %d pieces, %v", tt.one, len(got), ok)
		}
		over := at + tt.one
		got, ok = tt.d.Split([][]byte{[]byte("keep")}, []byte(over))
		if ok || len(got) != 2 || string(got[0]) != "keep" || string(got[1]) != over {
			t.Errorf("%q × 501: %d pieces, %v", tt.one, len(got), ok)
		}
	}
}

// TestSplitNoCopy: sub-records are slices of the record.
func TestSplitNoCopy(t *testing.T) {
	record := []byte(`{"a":1}{"b":2}`)
	got, _ := (&DeAggregator{}).Split(nil, record)
	if &got[1][0] != &record[7] {
		t.Error("the sub-record is a copy")
	}
}
