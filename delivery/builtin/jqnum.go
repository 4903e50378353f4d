package builtin

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"unicode/utf8"
)

// How jq 1.6 writes values as text: its numbers (jv_dump_term with
// jvp_dtoa_fmt) and its JSON. gojq writes numbers its own way (1e16 as
// 10000000000000000, 1e-05 as 0.00001), so the extractor formats partition
// key values with these, and its tostring and tojson (and so string
// interpolation, @text and @json) are replaced by them.

// appendJQNumber appends f as jq 1.6 prints it: the shortest digits that
// read back as f, in plain notation unless the decimal exponent is below -4
// or more than 15 places past the digits (1e+16 but 15000000000000000,
// 1e-05 but 0.0001), with at least two exponent digits. NaN prints as null
// and infinities as the largest double, as in jq 1.6.
func appendJQNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) {
		return append(dst, "null"...)
	}
	if math.IsInf(f, 0) {
		f = math.Copysign(math.MaxFloat64, f)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // -d.ddde±dd
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mark := 0
	for e[mark] != 'e' {
		mark++
	}
	exp, _ := strconv.Atoi(string(e[mark+1:]))
	var dbuf [24]byte
	digits := append(dbuf[:0], e[0])
	if mark > 1 {
		digits = append(digits, e[2:mark]...)
	}
	decpt := exp + 1
	switch {
	case decpt <= -4 || decpt > len(digits)+15:
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case decpt <= 0:
		dst = append(dst, '0', '.')
		for range -decpt {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case decpt < len(digits):
		dst = append(dst, digits[:decpt]...)
		dst = append(dst, '.')
		return append(dst, digits[decpt:]...)
	default:
		dst = append(dst, digits...)
		for range decpt - len(digits) {
			dst = append(dst, '0')
		}
		return dst
	}
}

// toFloat is the double jq 1.6 would hold for a gojq number.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(n).Float64()
		return f, true
	}
	return 0, false
}

// appendJQJSON appends v as jq 1.6's tojson writes it. Object keys come out
// sorted: gojq's objects are Go maps and keep no order, where jq 1.6 keeps
// the order keys were inserted in.
func appendJQJSON(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return appendJQString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJQJSON(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJQString(dst, k)
			dst = append(dst, ':')
			dst = appendJQJSON(dst, v[k])
		}
		return append(dst, '}')
	}
	if f, ok := toFloat(v); ok {
		return appendJQNumber(dst, f)
	}
	return append(dst, "null"...)
}

// appendJQString appends s quoted as jq 1.6 quotes strings: \" \\ and \b
// \f \n \r \t, \u00XX (lower-case hex) for the other control characters
// and DEL, everything else as UTF-8 (a byte that is not UTF-8 as U+FFFD).
func appendJQString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			dst = utf8.AppendRune(dst, r)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}
