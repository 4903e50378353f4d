package redshiftcopy

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The JSON 'auto' fast path: a scanner over one object at a time, which
// first finds the object's end, has encoding/json validate it (json.Valid
// allocates nothing), then takes each first-level member's value as a
// slice of the input, without building a map.

// nextValue returns the end of the JSON value that starts at data[i]
// (after whitespace), or -1 when the input ends first. It only balances
// brackets and skips strings: the value is validated afterwards.
func nextValue(data []byte, i int) (start, end int) {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i == len(data) {
		return i, i
	}
	start = i
	depth := 0
	for ; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			i++
			for i < len(data) && data[i] != '"' {
				if data[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(data) {
				return start, -1
			}
			if depth == 0 {
				return start, i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return start, i + 1
			}
		default:
			if depth == 0 {
				// A scalar at the top level: up to the next delimiter.
				j := i
			scalar:
				for ; j < len(data); j++ {
					switch data[j] {
					case ' ', '\t', '\n', '\r', '{', '}', '[', ']', '"', ',':
						break scalar
					}
				}
				if j == i {
					return start, i + 1
				}
				return start, j
			}
		}
	}
	return start, -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// addJSONAuto reads objects one after another and matches their
// first-level members to the columns by name.
func (t *Translator) addJSONAuto(object string, data []byte) error {
	for n, i := 1, 0; ; n++ {
		start, end := nextValue(data, i)
		if start == len(data) {
			return nil
		}
		if end < 0 || !json.Valid(data[start:end]) {
			// Let encoding/json say what is wrong.
			var v any
			if end < 0 {
				end = len(data)
			}
			err := json.Unmarshal(data[start:end], &v)
			reason := "unexpected end of JSON input"
			if err != nil {
				reason = err.Error()
			}
			return &RowError{Object: object, Line: n, Reason: "Invalid JSON object or array: " + reason}
		}
		obj := data[start:end]
		i = end
		if obj[0] != '{' {
			return &RowError{Object: object, Line: n, Reason: "Invalid JSONPath format: the record is not a JSON object"}
		}
		for c := range t.row {
			t.row[c] = field{null: true}
		}
		t.members(obj)
		if err := t.emit(object, n); err != nil {
			return err
		}
	}
}

// members sets the row's fields from the valid JSON object obj.
func (t *Translator) members(obj []byte) {
	i := 1
	for {
		for i < len(obj) && (isSpace(obj[i]) || obj[i] == ',') {
			i++
		}
		if i >= len(obj) || obj[i] == '}' {
			return
		}
		ks, ke := nextValue(obj, i)
		key := obj[ks+1 : ke-1]
		i = ke
		for obj[i] != ':' {
			i++
		}
		vs, ve := nextValue(obj, i+1)
		i = ve
		col := -1
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			_ = json.Unmarshal(obj[ks:ke], &k)
			col = t.column(k)
		} else {
			col = t.column(string(key))
		}
		if col >= 0 {
			t.row[col] = t.jsonValue(obj[vs:ve])
		}
	}
}

func (t *Translator) column(name string) int {
	if t.lower != nil {
		if c, ok := t.lower[strings.ToLower(name)]; ok {
			return c
		}
		return -1
	}
	if c, ok := t.index[name]; ok {
		return c
	}
	return -1
}

// jsonValue is a valid JSON value as COPY loads it (see jsonField).
func (t *Translator) jsonValue(v []byte) field {
	switch v[0] {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return field{v: v[1 : len(v)-1]}
		}
	case '{', '[':
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			return field{v: buf.Bytes()}
		}
	}
	return jsonField(v)
}
