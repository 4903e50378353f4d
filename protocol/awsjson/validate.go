package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeAndValidate parses a JSON 1.1 request body for operation op and
// checks it against every constraint of the model: types, required members,
// lengths, ranges, patterns and enums. It returns the parsed document (for
// support checks) or the error AWS would send: SerializationException for a
// body that is not JSON of the right types, ValidationException (with AWS's
// message format) for constraint violations.
func (m *Model) DecodeAndValidate(op string, body []byte) (map[string]any, *Error) {
	o, ok := m.Operations[op]
	if !ok || o.Input == nil {
		return nil, NewError(ErrUnknownOperation, "")
	}
	doc, err := decodeJSONObject(body)
	if err != nil {
		return nil, err
	}
	v := validator{m: m}
	if err := v.value(o.Input.Shape, doc, "", true); err != nil {
		return nil, err
	}
	if len(v.violations) > 0 {
		return nil, ValidationError(v.violations)
	}
	return doc, nil
}

// decodeJSONObject parses body as a single JSON object; an empty body counts
// as {}.
func decodeJSONObject(body []byte) (map[string]any, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, NewError(ErrSerialization, "Could not parse the request body as JSON: %s", err)
	}
	if dec.More() {
		return nil, NewError(ErrSerialization, "Could not parse the request body as JSON: unexpected data after the top-level value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, NewError(ErrSerialization, "Start of structure or map expected for the request body")
	}
	return obj, nil
}

// ValidationError renders constraint violations as AWS's ValidationException.
func ValidationError(violations []string) *Error {
	n := len(violations)
	noun := "error"
	if n > 1 {
		noun = "errors"
	}
	return NewError(ErrValidation, "%d validation %s detected: %s", n, noun, strings.Join(violations, "; "))
}

// Violation formats one constraint violation as AWS does.
func Violation(value, path, constraint string) string {
	return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, path, constraint)
}

type validator struct {
	m          *Model
	violations []string
}

func (v *validator) add(val any, shape *Shape, path, constraint string) {
	v.violations = append(v.violations, Violation(JavaString(val, shape), path, constraint))
}

// value validates val (already known to be present and non-null) against
// the named shape. top marks the operation input itself, which has no path.
func (v *validator) value(shapeName string, val any, path string, top bool) *Error {
	s := v.m.Shapes[shapeName]
	if s == nil {
		return nil
	}
	switch s.Type {
	case "structure":
		obj, ok := val.(map[string]any)
		if !ok {
			return typeError(path, "structure")
		}
		for _, mem := range s.Members {
			child := lowerFirst(mem.Name)
			if !top {
				child = path + "." + child
			}
			cv, present := obj[mem.Name]
			if !present || cv == nil {
				if s.required[mem.Name] {
					v.violations = append(v.violations, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", child))
				}
				continue
			}
			if err := v.value(mem.Shape, cv, child, false); err != nil {
				return err
			}
		}
	case "list":
		list, ok := val.([]any)
		if !ok {
			return typeError(path, "list")
		}
		v.length(s, val, len(list), path)
		if ms := v.m.Shapes[s.Member.Shape]; v.m.ListMembersAtList && ms != nil && ms.Type == "string" {
			if err := v.stringMembers(ms, list, path); err != nil {
				return err
			}
			break
		}
		for i, e := range list {
			if e == nil {
				continue
			}
			if err := v.value(s.Member.Shape, e, fmt.Sprintf("%s.%d.member", path, i+1), false); err != nil {
				return err
			}
		}
	case "map":
		obj, ok := val.(map[string]any)
		if !ok {
			return typeError(path, "map")
		}
		v.length(s, val, len(obj), path)
		for k, e := range obj {
			if err := v.value(s.Key.Shape, k, path+"."+k+".key", false); err != nil {
				return err
			}
			if e != nil {
				if err := v.value(s.Value.Shape, e, path+"."+k+".value", false); err != nil {
					return err
				}
			}
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			return typeError(path, "string")
		}
		v.length(s, val, JavaLength(str), path)
		if s.Pattern != "" && !s.matchPattern(str) {
			v.add(val, s, path, "satisfy regular expression pattern: "+s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			v.add(val, s, path, "satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
	case "blob":
		str, ok := val.(string)
		if !ok {
			return typeError(path, "blob (base64 string)")
		}
		n := base64.StdEncoding.DecodedLen(len(str))
		if s.Max != nil || s.Min != nil {
			raw, err := base64.StdEncoding.DecodeString(str)
			if err != nil {
				return NewError(ErrSerialization, "Base64 encoded value at '%s' is not valid: %s", path, err)
			}
			n = len(raw)
		}
		v.length(s, BlobLen(n), n, path)
	case "integer", "long":
		num, ok := val.(json.Number)
		if !ok {
			return typeError(path, s.Type)
		}
		i, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || (s.Type == "integer" && (i > 1<<31-1 || i < -1<<31)) {
			return NewError(ErrSerialization, "Value '%s' at '%s' is not a valid %s", num, path, s.Type)
		}
		v.rangeCheck(s, val, float64(i), path)
	case "double", "float":
		num, ok := val.(json.Number)
		if !ok {
			return typeError(path, s.Type)
		}
		f, err := num.Float64()
		if err != nil {
			return NewError(ErrSerialization, "Value '%s' at '%s' is not a valid number", num, path)
		}
		v.rangeCheck(s, val, f, path)
	case "boolean":
		if _, ok := val.(bool); !ok {
			return typeError(path, "boolean")
		}
	case "timestamp":
		if _, ok := val.(json.Number); !ok {
			return typeError(path, "timestamp (epoch seconds)")
		}
	}
	return nil
}

// stringMembers checks a list of strings whose failures are reported at
// the list (Model.ListMembersAtList): one violation naming every
// constraint of the member shape (maximum and minimum length, pattern,
// enum, then not null: only the enum case is recorded from AWS)
// if any member fails one of them or is null.
func (v *validator) stringMembers(ms *Shape, list []any, path string) *Error {
	failed := false
	for i, e := range list {
		str, ok := e.(string)
		if !ok && e != nil {
			return typeError(fmt.Sprintf("%s.%d.member", path, i+1), "string")
		}
		n := JavaLength(str)
		failed = failed || !ok || (ms.Min != nil && float64(n) < *ms.Min) || (ms.Max != nil && float64(n) > *ms.Max) ||
			(ms.Pattern != "" && !ms.matchPattern(str)) || (len(ms.Enum) > 0 && !contains(ms.Enum, str))
	}
	if !failed {
		return nil
	}
	var cs []string
	if ms.Max != nil {
		cs = append(cs, "Member must have length less than or equal to "+formatBound(*ms.Max))
	}
	if ms.Min != nil {
		cs = append(cs, "Member must have length greater than or equal to "+formatBound(*ms.Min))
	}
	if ms.Pattern != "" {
		cs = append(cs, "Member must satisfy regular expression pattern: "+ms.Pattern)
	}
	if len(ms.Enum) > 0 {
		cs = append(cs, "Member must satisfy enum value set: ["+strings.Join(ms.Enum, ", ")+"]")
	}
	cs = append(cs, "Member must not be null")
	v.violations = append(v.violations, Violation(JavaString(list, nil), path, "satisfy constraint: ["+strings.Join(cs, ", ")+"]"))
	return nil
}

func (v *validator) length(s *Shape, val any, n int, path string) {
	if s.Min != nil && float64(n) < *s.Min {
		v.add(val, s, path, "have length greater than or equal to "+formatBound(*s.Min))
	}
	if s.Max != nil && float64(n) > *s.Max {
		v.add(val, s, path, "have length less than or equal to "+formatBound(*s.Max))
	}
}

func (v *validator) rangeCheck(s *Shape, val any, f float64, path string) {
	if s.Min != nil && f < *s.Min {
		v.add(val, s, path, "have value greater than or equal to "+formatBound(*s.Min))
	}
	if s.Max != nil && f > *s.Max {
		v.add(val, s, path, "have value less than or equal to "+formatBound(*s.Max))
	}
}

func typeError(path, want string) *Error {
	if path == "" {
		path = "the request body"
	}
	return NewError(ErrSerialization, "Unexpected value type at '%s': expected %s", path, want)
}

// BlobLen marks a blob's decoded length for JavaString, which renders
// it as Java prints a ByteBuffer.
type BlobLen int

// JavaString renders a value the way the Java service prints it in a
// ValidationException message.
func JavaString(val any, s *Shape) string {
	switch x := val.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case BlobLen:
		return fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", int(x), int(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = JavaString(e, nil)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	case nil:
		return "null"
	}
	return fmt.Sprint(val)
}

// JavaLength is the length of s in UTF-16 code units, as Java counts it.
func JavaLength(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if utf16.IsSurrogate(r) || r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func formatBound(f float64) string {
	if f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
