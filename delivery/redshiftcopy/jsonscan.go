package redshiftcopy

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The JSON 'auto' fast path: one pass over each object that validates it
// as encoding/json would (RFC 8259; FuzzScanMatchesValid checks the two
// agree) and takes each first-level member's value as a slice of the
// input, without building a map.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(d []byte, i int) int {
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	return i
}

// scanValue validates the value at d[i] (no leading space) and returns
// its end; ok is false if it is not valid JSON.
func scanValue(d []byte, i, depth int) (int, bool) {
	if i >= len(d) {
		return i, false
	}
	switch c := d[i]; {
	case c == '"':
		end, _, ok := scanString(d, i)
		return end, ok
	case c == '{':
		return scanObject(d, i, depth+1, nil)
	case c == '[':
		return scanArray(d, i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(d, i)
	case c == 't':
		return literal(d, i, "true")
	case c == 'f':
		return literal(d, i, "false")
	case c == 'n':
		return literal(d, i, "null")
	}
	return i, false
}

func literal(d []byte, i int, lit string) (int, bool) {
	if len(d)-i >= len(lit) && string(d[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// scanString validates the string at d[i] == '"'; escaped reports a
// backslash in it.
func scanString(d []byte, i int) (end int, escaped, ok bool) {
	for i++; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c < 0x20:
			return i, escaped, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(d) {
				return i, escaped, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d)-i < 5 {
					return i, escaped, false
				}
				for _, h := range d[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return i, escaped, false
					}
				}
				i += 4
			default:
				return i, escaped, false
			}
		}
	}
	return i, escaped, false
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

func scanNumber(d []byte, i int) (int, bool) {
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return i, false
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func scanArray(d []byte, i, depth int) (int, bool) {
	if depth > maxDepth {
		return i, false
	}
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, true
	}
	for {
		end, ok := scanValue(d, i, depth)
		if !ok {
			return end, false
		}
		i = skipSpace(d, end)
		if i >= len(d) {
			return i, false
		}
		switch d[i] {
		case ']':
			return i + 1, true
		case ',':
			i = skipSpace(d, i+1)
		default:
			return i, false
		}
	}
}

// scanObject validates the object at d[i] == '{'. With member not nil it
// is called with each first-level member's key (quoted) and value.
func scanObject(d []byte, i, depth int, member func(key []byte, escaped bool, value []byte)) (int, bool) {
	if depth > maxDepth {
		return i, false
	}
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(d) || d[i] != '"' {
			return i, false
		}
		kend, escaped, ok := scanString(d, i)
		if !ok {
			return kend, false
		}
		key := d[i:kend]
		i = skipSpace(d, kend)
		if i >= len(d) || d[i] != ':' {
			return i, false
		}
		vs := skipSpace(d, i+1)
		ve, ok := scanValue(d, vs, depth)
		if !ok {
			return ve, false
		}
		if member != nil {
			member(key, escaped, d[vs:ve])
		}
		i = skipSpace(d, ve)
		if i >= len(d) {
			return i, false
		}
		switch d[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(d, i+1)
		default:
			return i, false
		}
	}
}

// addJSONAuto reads objects one after another and matches their
// first-level members to the columns by name.
func (t *Translator) addJSONAuto(object string, data []byte) error {
	member := func(key []byte, escaped bool, value []byte) {
		var col int
		if escaped {
			var k string
			_ = json.Unmarshal(key, &k)
			col = t.column(k)
		} else {
			col = t.columnBytes(key[1 : len(key)-1])
		}
		if col >= 0 {
			t.row[col] = t.jsonValue(value)
		}
	}
	for n, i := 1, 0; ; n++ {
		i = skipSpace(data, i)
		if i == len(data) {
			return nil
		}
		for c := range t.row {
			t.row[c] = field{null: true}
		}
		var end int
		var ok bool
		if data[i] == '{' {
			end, ok = scanObject(data, i, 1, member)
		} else {
			if end, ok = scanValue(data, i, 0); ok {
				return &RowError{Object: object, Line: n, Reason: "Invalid JSONPath format: the record is not a JSON object"}
			}
		}
		if !ok {
			// encoding/json says what is wrong.
			var v any
			reason := "unexpected end of JSON input"
			if err := json.Unmarshal(data[i:min(end+1, len(data))], &v); err != nil && end < len(data) {
				reason = err.Error()
			}
			return &RowError{Object: object, Line: n, Reason: "Invalid JSON object or array: " + reason}
		}
		i = end
		if err := t.emit(object, n); err != nil {
			return err
		}
	}
}

// columnBytes is column without converting name to a string: a linear
// scan for a few columns, the map (which does not allocate for
// m[string(b)]) for more.
func (t *Translator) columnBytes(name []byte) int {
	if t.lower != nil {
		return t.column(string(name))
	}
	if len(t.cols) > 16 {
		if c, ok := t.index[string(name)]; ok {
			return c
		}
		return -1
	}
	for i := range t.cols {
		if t.cols[i].Name == string(name) {
			return i
		}
	}
	return -1
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
