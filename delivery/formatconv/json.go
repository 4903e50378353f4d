package formatconv

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file holds a small JSON parser. It builds a flat tree of values
// (no reflection, no maps), which the converter then walks against the
// table's schema. Its error details follow the wording of Jackson, the
// parser behind both Hive SerDes, loosely: callers get the gist, not a
// byte-exact copy of AWS's text.

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jval is one parsed value. Numbers keep their text and strings their
// decoded bytes, as offsets into the record (or, for strings with escapes,
// into the parser's esc buffer): jval holds no pointer, which keeps the
// garbage collector out of parsing. Arrays and objects own
// kids[first:first+n] (objects as key, value pairs, so n is twice the
// member count).
type jval struct {
	kind    jkind
	esc     bool
	first   int32
	n       int32
	end     int32 // offset just past the value in the record, for locations
	off, ln uint32
}

const maxJSONDepth = 1000

type jsonParser struct {
	buf   []byte
	i     int
	depth int
	vals  []jval
	kids  []int32
	tmp   []int32
	esc   []byte // decoded strings that had escapes
}

// text is the bytes of a number or string. They stay valid after the
// parser moves on to other records.
func (p *jsonParser) text(v *jval) []byte {
	if v.esc {
		return p.esc[v.off : v.off+v.ln : v.off+v.ln]
	}
	return p.buf[v.off : v.off+v.ln : v.off+v.ln]
}

type jsonError struct{ msg string }

func (e *jsonError) Error() string { return e.msg }

// reset prepares the parser for a new record, keeping its buffers.
func (p *jsonParser) reset(b []byte) {
	p.buf, p.i, p.depth = b, 0, 0
	p.vals = p.vals[:0]
	p.kids = p.kids[:0]
	p.tmp = p.tmp[:0]
	if len(p.esc) > 0 {
		p.esc = nil // rows waiting to be written may still use the old one
	}
}

// location renders offset i as Jackson's line and column (1-based).
func (p *jsonParser) location(i int) string {
	line, col := 1, 1
	for j := 0; j < i && j < len(p.buf); j++ {
		if p.buf[j] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf(" at [Source: (byte[]); line: %d, column: %d]", line, col)
}

func (p *jsonParser) fail(format string, args ...any) error {
	return &jsonError{fmt.Sprintf(format, args...) + p.location(p.i)}
}

func charDesc(c byte) string {
	if c < 0x20 {
		return fmt.Sprintf("(CTRL-CHAR, code %d)", c)
	}
	if c >= 0x80 {
		return fmt.Sprintf("(byte 0x%02x)", c)
	}
	return fmt.Sprintf("('%c' (code %d))", c, c)
}

func (p *jsonParser) skipBlanks() {
	for p.i < len(p.buf) {
		switch p.buf[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next parses the next top-level value; ok is false at the end of input.
func (p *jsonParser) next() (idx int32, ok bool, err error) {
	p.skipBlanks()
	if p.i >= len(p.buf) {
		return 0, false, nil
	}
	idx, err = p.value()
	return idx, err == nil, err
}

const expectedValue = "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

func (p *jsonParser) add(v jval) int32 {
	p.vals = append(p.vals, v)
	return int32(len(p.vals) - 1)
}

// push adds a zero jval for the caller to fill in.
func (p *jsonParser) push() int32 {
	p.vals = append(p.vals, jval{})
	return int32(len(p.vals) - 1)
}

func (p *jsonParser) value() (int32, error) {
	p.skipBlanks()
	if p.i >= len(p.buf) {
		return 0, p.fail("Unexpected end-of-input: %s", expectedValue)
	}
	switch c := p.buf[p.i]; {
	case c == '{':
		return p.container(jObject)
	case c == '[':
		return p.container(jArray)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		if err := p.number(); err != nil {
			return 0, err
		}
		idx := p.push()
		v := &p.vals[idx]
		v.kind, v.off, v.ln, v.end = jNumber, uint32(start), uint32(p.i-start), int32(p.i)
		return idx, nil
	case c == 't', c == 'f', c == 'n':
		return p.literal()
	default:
		return 0, p.fail("Unexpected character %s: %s", charDesc(c), expectedValue)
	}
}

func (p *jsonParser) literal() (int32, error) {
	j := p.i
	for j < len(p.buf) && (p.buf[j] >= 'a' && p.buf[j] <= 'z' || p.buf[j] >= 'A' && p.buf[j] <= 'Z' || p.buf[j] >= '0' && p.buf[j] <= '9' || p.buf[j] == '_') {
		j++
	}
	word := p.buf[p.i:j]
	var k jkind
	switch string(word) {
	case "true":
		k = jTrue
	case "false":
		k = jFalse
	case "null":
		k = jNull
	default:
		return 0, p.fail("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", word)
	}
	p.i = j
	idx := p.push()
	p.vals[idx].kind, p.vals[idx].end = k, int32(j)
	return idx, nil
}

func (p *jsonParser) container(k jkind) (int32, error) {
	p.depth++
	if p.depth > maxJSONDepth {
		return 0, p.fail("Document nesting depth (%d) exceeds the maximum allowed (%d)", p.depth, maxJSONDepth)
	}
	open := p.i
	p.i++
	closer, name := byte('}'), "Object"
	if k == jArray {
		closer, name = ']', "Array"
	}
	mark := len(p.tmp)
	p.skipBlanks()
	if p.i < len(p.buf) && p.buf[p.i] == closer {
		p.i++
	} else {
		for {
			p.skipBlanks()
			if k == jObject {
				if p.i >= len(p.buf) {
					return 0, p.fail("Unexpected end-of-input: expected close marker for Object (start marker at offset %d)", open)
				}
				if p.buf[p.i] != '"' {
					return 0, p.fail("Unexpected character %s: was expecting double-quote to start field name", charDesc(p.buf[p.i]))
				}
				key, err := p.str()
				if err != nil {
					return 0, err
				}
				p.tmp = append(p.tmp, key)
				p.skipBlanks()
				if p.i >= len(p.buf) {
					return 0, p.fail("Unexpected end-of-input: was expecting a colon to separate field name and value")
				}
				if p.buf[p.i] != ':' {
					return 0, p.fail("Unexpected character %s: was expecting a colon to separate field name and value", charDesc(p.buf[p.i]))
				}
				p.i++
			}
			v, err := p.value()
			if err != nil {
				return 0, err
			}
			p.tmp = append(p.tmp, v)
			p.skipBlanks()
			if p.i >= len(p.buf) {
				return 0, p.fail("Unexpected end-of-input: expected close marker for %s (start marker at offset %d)", name, open)
			}
			c := p.buf[p.i]
			p.i++
			if c == closer {
				break
			}
			if c != ',' {
				p.i--
				return 0, p.fail("Unexpected character %s: was expecting comma to separate %s entries", charDesc(c), name)
			}
		}
	}
	p.depth--
	first := int32(len(p.kids))
	p.kids = append(p.kids, p.tmp[mark:]...)
	n := int32(len(p.tmp) - mark)
	p.tmp = p.tmp[:mark]
	idx := p.push()
	v := &p.vals[idx]
	v.kind, v.first, v.n, v.end = k, first, n, int32(p.i)
	return idx, nil
}

func (p *jsonParser) number() error {
	if p.buf[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		j := p.i
		for p.i < len(p.buf) && p.buf[p.i] >= '0' && p.buf[p.i] <= '9' {
			p.i++
		}
		return p.i - j
	}
	intStart := p.i
	if n := digits(); n == 0 {
		if p.i < len(p.buf) {
			return p.fail("Unexpected character %s in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", charDesc(p.buf[p.i]))
		}
		return p.fail("Unexpected end-of-input in numeric value")
	} else if n > 1 && p.buf[intStart] == '0' {
		return p.fail("Invalid numeric value: Leading zeroes not allowed")
	}
	if p.i < len(p.buf) && p.buf[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("Unexpected character in numeric value: Decimal point not followed by a digit")
		}
	}
	if p.i < len(p.buf) && (p.buf[p.i] == 'e' || p.buf[p.i] == 'E') {
		p.i++
		if p.i < len(p.buf) && (p.buf[p.i] == '+' || p.buf[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("Unexpected character in numeric value: Exponent indicator not followed by a digit")
		}
	}
	if p.i < len(p.buf) {
		c := p.buf[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
			return p.fail("Unexpected character %s in numeric value: expected digit", charDesc(c))
		}
	}
	return nil
}

// strStop marks the bytes that end the fast scan of a string: the closing
// quote, a backslash and control characters.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a string starting at the opening quote and adds it.
func (p *jsonParser) str() (int32, error) {
	p.i++
	start := p.i
	buf := p.buf
	i := start
	var high byte // the OR of the bytes scanned: 0x80 set if any is not ASCII
	for i < len(buf) && !strStop[buf[i]] {
		high |= buf[i]
		i++
	}
	p.i = i
	if i >= len(buf) {
		return 0, p.fail("Unexpected end-of-input in VALUE_STRING")
	}
	switch c := buf[i]; c {
	case '"':
		p.i++
		if high >= 0x80 && !utf8.Valid(buf[start:i]) {
			return 0, p.fail("Invalid UTF-8 in String value")
		}
		// Fields are set in place: building a jval and copying it stalls
		// on store forwarding.
		idx := p.push()
		v := &p.vals[idx]
		v.kind, v.off, v.ln, v.end = jString, uint32(start), uint32(i-start), int32(p.i)
		return idx, nil
	case '\\':
		v, err := p.escaped(start)
		if err != nil {
			return 0, err
		}
		return p.add(v), nil
	default:
		return 0, p.fail("Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", charDesc(c)[1:len(charDesc(c))-1])
	}
}

// escaped decodes a string with escapes into p.esc.
func (p *jsonParser) escaped(start int) (jval, error) {
	from := len(p.esc)
	out := append(p.esc, p.buf[start:p.i]...)
	defer func() { p.esc = out }()
	for p.i < len(p.buf) {
		c := p.buf[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out[from:]) {
				return jval{}, p.fail("Invalid UTF-8 in String value")
			}
			return jval{kind: jString, esc: true, off: uint32(from), ln: uint32(len(out) - from), end: int32(p.i)}, nil
		case c < 0x20:
			return jval{}, p.fail("Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", charDesc(c)[1:len(charDesc(c))-1])
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.buf) {
			break
		}
		e := p.buf[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return jval{}, err
			}
			if r >= 0xD800 && r < 0xDC00 && p.i+1 < len(p.buf) && p.buf[p.i] == '\\' && p.buf[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				lo, err := p.hex4()
				if err != nil {
					return jval{}, err
				}
				if lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					p.i = save
				}
			}
			// A lone surrogate cannot be written as UTF-8; it becomes U+FFFD.
			out = utf8.AppendRune(out, r)
		default:
			p.i--
			return jval{}, p.fail("Unrecognized character escape %s", charDesc(e))
		}
	}
	return jval{}, p.fail("Unexpected end-of-input in VALUE_STRING")
}

func (p *jsonParser) hex4() (rune, error) {
	if p.i+4 > len(p.buf) {
		p.i = len(p.buf)
		return 0, p.fail("Unexpected end-of-input within/between String entries")
	}
	n, err := strconv.ParseUint(string(p.buf[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, p.fail("Unexpected character %s: expected a hex-digit for character escape sequence", charDesc(p.buf[p.i]))
	}
	p.i += 4
	return rune(n), nil
}

// appendCompact writes value v back as compact JSON.
func (p *jsonParser) appendCompact(b []byte, v int32) []byte {
	val := &p.vals[v]
	switch val.kind {
	case jNull:
		return append(b, "null"...)
	case jTrue:
		return append(b, "true"...)
	case jFalse:
		return append(b, "false"...)
	case jNumber:
		return append(b, p.text(val)...)
	case jString:
		return appendQuoted(b, p.text(val))
	case jArray:
		b = append(b, '[')
		for i := int32(0); i < val.n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = p.appendCompact(b, p.kids[val.first+i])
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i := int32(0); i < val.n; i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = p.appendCompact(b, p.kids[val.first+i])
			b = append(b, ':')
			b = p.appendCompact(b, p.kids[val.first+i+1])
		}
		return append(b, '}')
	}
}

// appendQuoted writes s as a JSON string.
func appendQuoted(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
