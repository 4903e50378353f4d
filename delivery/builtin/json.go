package builtin

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader over byte slices, written for the processors'
// per-record work: validate and skip a value without building it
// (de-aggregation, the CloudWatch Logs envelope), build the values gojq
// runs on (map[string]any, []any, float64, string, bool, nil), and decode
// one string onto a caller's slice. The grammar is RFC 8259's, strictly;
// see parseValue for what follows jq 1.6 instead.

// maxJSONStack is jq 1.6's parser stack (MAX_PARSING_DEPTH): a container
// may not open while 256 entries are on it. An open array or object takes
// one entry, and an object whose member value is being read takes a second
// one for its key, so jq 1.6 reads 256 nested arrays but only 128 nested
// objects.
const maxJSONStack = 256

var (
	errJSONSyntax = errors.New("invalid JSON")
	errJSONDepth  = errors.New("JSON nested too deeply")
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue validates the JSON value that starts at b[i] (no whitespace
// before it) and returns the index just after it. stack is the parser
// stack's size before the value (see maxJSONStack).
func skipValue(b []byte, i, stack int) (int, error) {
	if i >= len(b) {
		return 0, errJSONSyntax
	}
	switch c := b[i]; {
	case c == '{':
		if stack >= maxJSONStack {
			return 0, errJSONDepth
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			j, _, err := scanString(b, i)
			if err != nil {
				return 0, err
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return 0, errJSONSyntax
			}
			i = skipSpace(b, i+1)
			if i, err = skipValue(b, i, stack+2); err != nil {
				return 0, err
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
	case c == '[':
		if stack >= maxJSONStack {
			return 0, errJSONDepth
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = skipValue(b, i, stack+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, errJSONSyntax
			}
			if b[i] == ']' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, errJSONSyntax
			}
			i = skipSpace(b, i+1)
		}
	case c == '"':
		j, _, err := scanString(b, i)
		return j, err
	case c == '-' || c >= '0' && c <= '9':
		j, _ := scanNumber(b, i)
		if j < 0 {
			return 0, errJSONSyntax
		}
		return j, nil
	default:
		return skipLiteral(b, i)
	}
}

// skipLiteral reads true, false or null at b[i].
func skipLiteral(b []byte, i int) (int, error) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit), nil
		}
	}
	return 0, errJSONSyntax
}

// scanString validates the string whose opening quote is b[i] and returns
// the index after its closing quote, and whether it holds escapes or bytes
// that are not valid UTF-8 (when it does not, its contents are the bytes
// between the quotes).
func scanString(b []byte, i int) (end int, complex bool, err error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, errJSONSyntax
	}
	i++
	for i < len(b) {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, complex, nil
		case c == '\\':
			complex = true
			if i+1 >= len(b) {
				return 0, false, errJSONSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return 0, false, errJSONSyntax
				}
				for _, h := range b[i+2 : i+6] {
					if unhex(h) < 0 {
						return 0, false, errJSONSyntax
					}
				}
				i += 6
			default:
				return 0, false, errJSONSyntax
			}
		case c < 0x20:
			return 0, false, errJSONSyntax
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				complex = true
			}
			i += size
		}
	}
	return 0, false, errJSONSyntax
}

// plainByte is true for the bytes a string holds as they are: printable
// ASCII but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// appendUnquoted appends the contents of the valid JSON string s (quotes
// included, as scanString accepted it) to dst: escapes decoded, bytes that
// are not UTF-8 and lone surrogate escapes replaced by U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				j := i + 1
				for j < len(s) && s[j] != '\\' && s[j] < utf8.RuneSelf {
					j++
				}
				dst = append(dst, s[i:j]...)
				i = j
				continue
			}
			r, size := utf8.DecodeRune(s[i:])
			dst = utf8.AppendRune(dst, r) // RuneError for a bad byte
			i += size
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 := utf16.DecodeRune(r, hex4(s[i+2:])); r2 != utf8.RuneError {
						dst = utf8.AppendRune(dst, r2)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

func hex4(b []byte) rune {
	return rune(unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3]))
}

// scanNumber reads the RFC 8259 number at b[i] and returns the index after
// it (-1 when it is not one) and whether it is an integer of at most 15
// digits, whose value is then exact in a float64.
func scanNumber(b []byte, i int) (int, bool) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return -1, false
	}
	small := i-start <= 15
	if i < len(b) && b[i] == '.' {
		small = false
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		small = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i, small
}

// parseNumber is the float64 of the number b[start:end] as jq 1.6 reads
// it: the nearest double, an infinity past the largest one (which jq 1.6
// prints as the largest double: 1e1000 as 1.7976931348623157e+308).
func parseNumber(b []byte, start, end int, small bool) float64 {
	if small {
		neg := b[start] == '-'
		if neg {
			start++
		}
		var n int64
		for _, c := range b[start:end] {
			n = n*10 + int64(c-'0')
		}
		if neg {
			return -float64(n)
		}
		return float64(n)
	}
	f, _ := strconv.ParseFloat(string(b[start:end]), 64) // ±Inf on overflow
	return f
}

// parseValue builds the value at b[i] for gojq and returns it with the
// index after it. Numbers are float64, as in jq 1.6 (which has no other
// number type); an object's repeated key keeps its last value, as in jq.
func parseValue(b []byte, i, stack int) (any, int, error) {
	if i >= len(b) {
		return nil, 0, errJSONSyntax
	}
	switch c := b[i]; {
	case c == '{':
		if stack >= maxJSONStack {
			return nil, 0, errJSONDepth
		}
		m := make(map[string]any)
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return m, i + 1, nil
		}
		for {
			key, j, err := parseString(b, i)
			if err != nil {
				return nil, 0, err
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return nil, 0, errJSONSyntax
			}
			v, j, err := parseValue(b, skipSpace(b, i+1), stack+2)
			if err != nil {
				return nil, 0, err
			}
			m[key] = v
			i = skipSpace(b, j)
			if i >= len(b) {
				return nil, 0, errJSONSyntax
			}
			if b[i] == '}' {
				return m, i + 1, nil
			}
			if b[i] != ',' {
				return nil, 0, errJSONSyntax
			}
			i = skipSpace(b, i+1)
		}
	case c == '[':
		if stack >= maxJSONStack {
			return nil, 0, errJSONDepth
		}
		a := []any{}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return a, i + 1, nil
		}
		for {
			v, j, err := parseValue(b, i, stack+1)
			if err != nil {
				return nil, 0, err
			}
			a = append(a, v)
			i = skipSpace(b, j)
			if i >= len(b) {
				return nil, 0, errJSONSyntax
			}
			if b[i] == ']' {
				return a, i + 1, nil
			}
			if b[i] != ',' {
				return nil, 0, errJSONSyntax
			}
			i = skipSpace(b, i+1)
		}
	case c == '"':
		s, j, err := parseString(b, i)
		return s, j, err
	case c == '-' || c >= '0' && c <= '9':
		j, small := scanNumber(b, i)
		if j < 0 {
			return nil, 0, errJSONSyntax
		}
		return parseNumber(b, i, j, small), j, nil
	case c == 't':
		j, err := skipLiteral(b, i)
		return true, j, err
	case c == 'f':
		j, err := skipLiteral(b, i)
		return false, j, err
	default:
		j, err := skipLiteral(b, i)
		if err == nil && c != 'n' {
			err = errJSONSyntax
		}
		return nil, j, err
	}
}

// parseString decodes the string at b[i].
func parseString(b []byte, i int) (string, int, error) {
	j, complex, err := scanString(b, i)
	if err != nil {
		return "", 0, err
	}
	if !complex {
		return string(b[i+1 : j-1]), j, nil
	}
	return string(appendUnquoted(make([]byte, 0, j-i), b[i:j])), j, nil
}

// parseDocument parses b as exactly one JSON value with optional
// whitespace (and a UTF-8 byte order mark, which jq 1.6 skips) around it.
func parseDocument(b []byte) (any, error) {
	i := 0
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		i = 3
	}
	v, j, err := parseValue(b, skipSpace(b, i), 0)
	if err != nil {
		return nil, err
	}
	if skipSpace(b, j) != len(b) {
		return nil, errJSONSyntax
	}
	return v, nil
}
