// Package javatime formats times with the patterns of Java's
// java.time.format.DateTimeFormatter.ofPattern(pattern, Locale.US), as
// Amazon Data Firehose evaluates !{timestamp:pattern} in S3 prefixes.
//
// Locale.US means English month and day names, AM/PM, and the week fields
// (Y, w, W, e, c) of WeekFields.of(Locale.US): weeks start on Sunday and the
// week containing January 1 is week 1. Supported letters: G u y Y Q q M L w W
// D d E e c a h K k H m s S A n N g V z O X x Z, quotes and [optional]
// sections (always printed when formatting). Unknown letters and the reserved
// characters # { } are errors, as in Java; B, F (its meaning changed in
// JDK 19), p and v are valid in Java but rejected here. Output was checked
// against JDK 17 and JDK 25 for every letter and count; the only known
// differences are zone names (z), which come from Go's tzdata abbreviations
// (numeric ones print as GMT+hh:mm like JDK 25; historical LMT names and most
// "zzzz" long names differ from Java).
//
// The package only formats; it does not parse times.
package javatime

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Formatter is a compiled pattern. It is immutable and safe for concurrent
// use.
type Formatter struct {
	pattern string
	ops     []op
}

// op is one compiled element of a pattern: a literal (letter == 0) or a
// field letter repeated count times.
type op struct {
	letter byte
	count  int
	lit    string
}

// Compile compiles a DateTimeFormatter pattern such as "yyyy/MM/dd" or
// "yyyy'-'MM'-'dd". It rejects what DateTimeFormatter.ofPattern rejects
// (unknown letters, too many letters, unterminated quotes, the reserved
// characters # { }, an unmatched ']') and the rarely used letters this
// package does not implement, with messages close to Java's.
func Compile(pattern string) (*Formatter, error) {
	ops, err := compile(pattern)
	if err != nil {
		return nil, err
	}
	return &Formatter{pattern: pattern, ops: ops}, nil
}

// MustCompile is Compile for patterns known to be valid; it panics on an
// error.
func MustCompile(pattern string) *Formatter {
	f, err := Compile(pattern)
	if err != nil {
		panic("javatime: Compile(" + pattern + "): " + err.Error())
	}
	return f
}

// String returns the pattern f was compiled from.
func (f *Formatter) String() string { return f.pattern }

// Append appends t, in its own location, formatted with f to buf and
// returns the extended buffer.
func (f *Formatter) Append(buf []byte, t time.Time) []byte {
	return appendFormat(buf, f.ops, t)
}

// Format returns t, in its own location, formatted with f.
func (f *Formatter) Format(t time.Time) string {
	return string(f.Append(make([]byte, 0, len(f.pattern)+16), t))
}

// Format formats t, in its own location, with a DateTimeFormatter pattern;
// the errors are Compile's.
func Format(pattern string, t time.Time) (string, error) {
	ops, err := compile(pattern)
	if err != nil {
		return "", err
	}
	return string(appendFormat(make([]byte, 0, len(pattern)+16), ops, t)), nil
}

// compile splits a pattern into ops, following
// DateTimeFormatterBuilder.appendPattern.
func compile(p string) ([]op, error) {
	var ops []op
	addLit := func(s string) {
		if n := len(ops); n > 0 && ops[n-1].letter == 0 {
			ops[n-1].lit += s
			return
		}
		ops = append(ops, op{lit: s})
	}
	depth := 0
	for pos := 0; pos < len(p); {
		c := p[pos]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start := pos
			for pos < len(p) && p[pos] == c {
				pos++
			}
			count := pos - start
			if err := checkLetter(c, count); err != nil {
				return nil, err
			}
			ops = append(ops, op{letter: c, count: count})
		case c == '\'':
			start := pos
			pos++
			for ; pos < len(p); pos++ {
				if p[pos] == '\'' {
					if pos+1 < len(p) && p[pos+1] == '\'' {
						pos++
					} else {
						break
					}
				}
			}
			if pos >= len(p) {
				return nil, fmt.Errorf("pattern ends with an incomplete string literal: %s", p)
			}
			str := p[start+1 : pos]
			pos++
			if str == "" {
				addLit("'")
			} else {
				addLit(strings.ReplaceAll(str, "''", "'"))
			}
		case c == '[':
			depth++
			pos++
		case c == ']':
			if depth == 0 {
				return nil, errors.New("pattern invalid as it contains ] without previous [")
			}
			depth--
			pos++
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("pattern includes reserved character: '%c'", c)
		default:
			// Copy a run of literal bytes (including multi-byte UTF-8).
			start := pos
			for pos < len(p) {
				d := p[pos]
				if d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' || d == '\'' || d == '[' || d == ']' || d == '{' || d == '}' || d == '#' {
					break
				}
				pos++
			}
			addLit(p[start:pos])
		}
	}
	return ops, nil
}

// checkLetter validates a pattern letter and its repeat count, following
// DateTimeFormatterBuilder.appendPattern (JDK 11+).
func checkLetter(c byte, n int) error {
	limit := 0 // maximum repeat count, 0 when handled in the switch
	switch c {
	case 'G', 'M', 'L', 'Q', 'q', 'E', 'e':
		limit = 5
	case 'c':
		if n == 2 {
			return errors.New(`invalid pattern "cc"`)
		}
		limit = 5
	case 'u', 'y', 'Y', 'A', 'n', 'N', 'g':
		limit = 19
	case 'W':
		limit = 1
	case 'd', 'h', 'H', 'k', 'K', 'm', 's', 'w':
		limit = 2
	case 'D':
		limit = 3
	case 'a':
		limit = 1
	case 'S':
		limit = 9
	case 'V':
		if n != 2 {
			return fmt.Errorf("pattern letter count must be 2: %c", c)
		}
	case 'z':
		limit = 4
	case 'O':
		if n != 1 && n != 4 {
			return fmt.Errorf("pattern letter count must be 1 or 4: %c", c)
		}
	case 'Z', 'X', 'x':
		limit = 5
	case 'B', 'F', 'p', 'v':
		// Valid in Java but not implemented: B (day period, JDK 16+), F (its
		// meaning changed in JDK 19), p (pad modifier), v (generic zone name).
		return fmt.Errorf("unsupported pattern letter: %c", c)
	default:
		return fmt.Errorf("unknown pattern letter: %c", c)
	}
	if limit > 0 && n > limit {
		return fmt.Errorf("too many pattern letters: %c", c)
	}
	return nil
}
