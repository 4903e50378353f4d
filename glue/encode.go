package glue

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// encodeOutput renders the response out of operation op as JSON with every
// structure's members in the order of the model's shape, the order in which
// recorded Glue answers list them (Name, DatabaseName, ..., CatalogId,
// VersionId, IsMultiDialectView for a Table). Map keys are sorted.
func encodeOutput(op string, out any) ([]byte, error) {
	shape := ""
	if o, ok := Model().Operations[op]; ok && o.Output != nil {
		shape = o.Output.Shape
	}
	var buf bytes.Buffer
	if err := encodeShape(&buf, shape, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeShape(buf *bytes.Buffer, shape string, v any) error {
	s := Model().Shapes[shape]
	switch x := v.(type) {
	case map[string]any:
		if s == nil || s.Type != "structure" {
			var elem string
			if s != nil && s.Value != nil {
				elem = s.Value.Shape
			}
			return encodeMap(buf, elem, x)
		}
		buf.WriteByte('{')
		first := true
		emit := func(name, memberShape string, mv any) error {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(name)
			buf.Write(k)
			buf.WriteByte(':')
			return encodeShape(buf, memberShape, mv)
		}
		known := make(map[string]bool, len(s.Members))
		for _, m := range s.Members {
			known[m.Name] = true
			if mv, ok := x[m.Name]; ok {
				if err := emit(m.Name, m.Shape, mv); err != nil {
					return err
				}
			}
		}
		// Members the model does not list (none expected) go last, sorted.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if !known[k] {
				if err := emit(k, "", x[k]); err != nil {
					return err
				}
			}
		}
		buf.WriteByte('}')
		return nil
	case []any:
		var elem string
		if s != nil && s.Member != nil {
			elem = s.Member.Shape
		}
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeShape(buf, elem, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(b)
		return nil
	}
}

func encodeMap(buf *bytes.Buffer, elem string, m map[string]any) error {
	buf.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		if err := encodeShape(buf, elem, m[k]); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
