package builtin

import (
	"slices"
	"strings"

	"github.com/itchyny/gojq"
)

// The fast path of MetadataExtraction. Most queries only pick fields,
// {customer_id: .customer_id, device: .type.device}: such a query is
// answered by reading the fields straight from the record's bytes, without
// building the record's values or running gojq, whenever every field is a
// string, a number or a boolean. Anything else (a field missing or null,
// an object or an array, a path through something that is not an object,
// a record whose top is not an object) goes to gojq, which gives the exact
// answer and failure. Both paths read the same JSON (the same reader, jq
// 1.6's depth limit) and write values the same way; a test and FuzzExtract
// compare them.

// fieldKey is one key of a field-picking query: its name and the path of
// object member names its value is at.
type fieldKey struct {
	name string
	path []string
}

// fieldKeys returns the keys of q when q is an object construction whose
// keys are static and whose values are paths of member names (.a, .a.b,
// ."a b", .["a"], or the shorthands {a} and {"a"}), sorted by name, the
// last of a repeated key winning as in jq; nil otherwise.
func fieldKeys(q *gojq.Query) []fieldKey {
	if q.Op != 0 || q.Term == nil || q.Term.Type != gojq.TermTypeObject || len(q.Term.SuffixList) > 0 || len(q.FuncDefs) > 0 {
		return nil
	}
	var keys []fieldKey
	for _, kv := range q.Term.Object.KeyVals {
		var k fieldKey
		switch {
		case kv.Key != "" && kv.Key[0] != '$' && kv.Key[0] != '@':
			k.name = kv.Key
		case kv.KeyString != nil && kv.KeyString.Queries == nil:
			k.name = kv.KeyString.Str
		default:
			return nil
		}
		if kv.Val == nil {
			k.path = []string{k.name}
		} else if k.path = memberPath(kv.Val); k.path == nil {
			return nil
		}
		keys = slices.DeleteFunc(keys, func(o fieldKey) bool { return o.name == k.name })
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b fieldKey) int { return strings.Compare(a.name, b.name) })
	return keys
}

// memberPath is the member names of a query that is a plain path, or nil.
func memberPath(q *gojq.Query) []string {
	if q.Op != 0 || q.Term == nil || q.Term.Type != gojq.TermTypeIndex || len(q.FuncDefs) > 0 {
		return nil
	}
	name, ok := memberName(q.Term.Index)
	if !ok {
		return nil
	}
	path := []string{name}
	for _, s := range q.Term.SuffixList {
		if s.Iter || s.Optional {
			return nil
		}
		if name, ok = memberName(s.Index); !ok {
			return nil
		}
		path = append(path, name)
	}
	return path
}

func memberName(ix *gojq.Index) (string, bool) {
	switch {
	case ix == nil || ix.IsSlice || ix.End != nil:
		return "", false
	case ix.Name != "":
		return ix.Name, true
	case ix.Str != nil && ix.Str.Queries == nil:
		return ix.Str.Str, true
	case ix.Start != nil && ix.Start.Op == 0 && ix.Start.Term != nil && ix.Start.Term.Type == gojq.TermTypeString &&
		len(ix.Start.Term.SuffixList) == 0 && ix.Start.Term.Str.Queries == nil:
		return ix.Start.Term.Str.Str, true
	}
	return "", false
}

// extractFields answers a field-picking query from the record's bytes. It
// returns handled false when gojq must answer instead.
func extractFields(dst []Key, record []byte, fields []fieldKey) (out []Key, f *Failure, handled bool) {
	i := 0
	if len(record) >= 3 && record[0] == 0xEF && record[1] == 0xBB && record[2] == 0xBF {
		i = 3
	}
	i = skipSpace(record, i)
	var buf [8][]byte
	vals := buf[:0]
	if len(fields) > len(buf) {
		vals = make([][]byte, 0, len(fields))
	}
	vals = vals[:len(fields)]
	var end int
	var err error
	if i < len(record) && record[i] == '{' {
		end, err = scanTop(record, i, fields, vals)
	} else {
		end, err = skipValue(record, i, 0)
	}
	if err != nil || skipSpace(record, end) != len(record) {
		return dst, failNonJSON, true
	}
	if record[i] != '{' {
		return dst, nil, false
	}
	start := len(dst)
	for fi, k := range fields {
		v := vals[fi]
		for _, name := range k.path[1:] {
			if v == nil || v[0] != '{' {
				return dst[:start], nil, false
			}
			v = member(v, name)
		}
		if v == nil {
			return dst[:start], nil, false
		}
		var value string
		switch c := v[0]; {
		case c == '"':
			j, complex, _ := scanString(v, 0)
			if complex {
				value = string(appendUnquoted(nil, v[:j]))
			} else {
				value = string(v[1 : j-1])
			}
		case c == 't':
			value = "true"
		case c == 'f':
			value = "false"
		case c == '-' || c >= '0' && c <= '9':
			j, small := scanNumber(v, 0)
			var nbuf [32]byte
			value = string(appendJQNumber(nbuf[:0], parseNumber(v, 0, j, small)))
		default: // null, an object, an array
			return dst[:start], nil, false
		}
		dst = append(dst, Key{Name: k.name, Value: value})
	}
	return dst, nil, true
}

// scanTop validates the object at b[i], as skipValue does, and sets
// vals[n] to the value of the last member named fields[n].path[0] (nil
// when there is none).
func scanTop(b []byte, i int, fields []fieldKey, vals [][]byte) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	var kbuf [64]byte
	for {
		j, complex, err := scanString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : j-1]
		if complex {
			key = appendUnquoted(kbuf[:0], b[i:j])
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return 0, errJSONSyntax
		}
		i = skipSpace(b, i+1)
		v := i
		if i, err = skipValue(b, i, 2); err != nil {
			return 0, err
		}
		for n, f := range fields {
			if string(key) == f.path[0] {
				vals[n] = b[v:i]
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, errJSONSyntax
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, errJSONSyntax
		}
		i = skipSpace(b, i+1)
	}
}

// member returns the value of the last member name of the valid JSON
// object obj, as the bytes from its start, or nil.
func member(obj []byte, name string) []byte {
	var found []byte
	var kbuf [64]byte
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		j, complex, _ := scanString(obj, i)
		var match bool
		if complex {
			match = string(appendUnquoted(kbuf[:0], obj[i:j])) == name
		} else {
			match = string(obj[i+1:j-1]) == name
		}
		i = skipSpace(obj, j)   // the colon
		i = skipSpace(obj, i+1) // the value
		if match {
			found = obj[i:]
		}
		j, _ = skipValue(obj, i, 0) // valid: the record was checked
		i = skipSpace(obj, j)
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return found
}
