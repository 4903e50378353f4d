package formatconv

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file reads timestamps the way the Hive JSON SerDe's
// timestamp.formats option does: Joda-Time patterns, "millis", and by
// default java.sql.Timestamp.valueOf's "yyyy-mm-dd hh:mm:ss[.fffffffff]".

// jodaElem is one element of a compiled pattern: a literal (letter 0) or
// a field given by its pattern letter and how many times it is repeated.
type jodaElem struct {
	letter byte
	count  int
	lit    string
}

// jodaLetters are the pattern letters Joda-Time knows; any other ASCII
// letter outside quotes is an illegal pattern component.
const jodaLetters = "GCYxwMDdeEyaKhHkmsSzZ"

// CheckTimestampFormat reports whether p is a Joda-Time pattern (or
// "millis") the Hive JSON SerDe accepts in timestamp.formats.
func CheckTimestampFormat(p string) error {
	if p == "millis" {
		return nil
	}
	_, err := compileJoda(p)
	return err
}

func compileJoda(p string) ([]jodaElem, error) {
	if p == "" {
		return nil, errors.New("invalid pattern specification: the pattern is empty")
	}
	var elems []jodaElem
	lit := func(s string) {
		if n := len(elems); n > 0 && elems[n-1].letter == 0 {
			elems[n-1].lit += s
			return
		}
		elems = append(elems, jodaElem{lit: s})
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit("'")
				i += 2
				continue
			}
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("illegal pattern component: unterminated quote in %q", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(p[j])
				j++
			}
			lit(b.String())
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !strings.ContainsRune(jodaLetters, rune(c)) {
				return nil, fmt.Errorf("illegal pattern component: %c", c)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			elems = append(elems, jodaElem{letter: c, count: j - i})
			i = j
		default:
			lit(string(c))
			i++
		}
	}
	return elems, nil
}

func jodaNumeric(e jodaElem) bool {
	switch e.letter {
	case 0, 'G', 'E', 'a', 'z', 'Z':
		return false
	case 'M':
		return e.count < 3
	}
	return true
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

var errNoMatch = errors.New("no match")

// parseJoda parses s against a compiled pattern, the whole of s.
func parseJoda(elems []jodaElem, s string) (time.Time, error) {
	year, month, day, doy := 1970, 1, 1, 0
	hour, minute, sec, nanos := 0, 0, 0, 0
	pm, halfDay, bc := false, false, false
	offset := 0
	i := 0
	for k, e := range elems {
		if e.letter == 0 {
			if i+len(e.lit) > len(s) || !strings.EqualFold(s[i:i+len(e.lit)], e.lit) {
				return time.Time{}, errNoMatch
			}
			i += len(e.lit)
			continue
		}
		if jodaNumeric(e) {
			// Next to another number the width is fixed; otherwise lenient.
			minW, maxW := 1, max(e.count, 2)
			if e.letter == 'y' || e.letter == 'Y' || e.letter == 'x' {
				maxW = 9
			}
			if e.letter == 'S' {
				maxW = 9
			}
			if k+1 < len(elems) && jodaNumeric(elems[k+1]) {
				minW, maxW = e.count, e.count
			}
			neg := false
			if (e.letter == 'y' || e.letter == 'x') && i < len(s) && (s[i] == '-' || s[i] == '+') {
				neg = s[i] == '-'
				i++
			}
			j := i
			for j < len(s) && j-i < maxW && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j-i < minW {
				return time.Time{}, errNoMatch
			}
			n := 0
			for _, d := range s[i:j] {
				n = n*10 + int(d-'0')
			}
			if neg {
				n = -n
			}
			switch e.letter {
			case 'y', 'Y', 'x':
				if e.count == 2 && j-i == 2 && !neg {
					// Joda's two-digit year pivots around 2000.
					n += 2000
					if n > 2049 {
						n -= 100
					}
				}
				year = n
			case 'M':
				month = n
			case 'd':
				day = n
			case 'D':
				doy = n
			case 'H':
				hour = n
			case 'k':
				hour = n % 24
			case 'h':
				hour, halfDay = n%12, true
			case 'K':
				hour, halfDay = n, true
			case 'm':
				minute = n
			case 's':
				sec = n
			case 'S':
				// Joda keeps milliseconds: digits past the third are dropped.
				f := s[i:j]
				ms := 0
				for x := 0; x < 3; x++ {
					ms *= 10
					if x < len(f) {
						ms += int(f[x] - '0')
					}
				}
				nanos = ms * int(time.Millisecond)
			}
			i = j
			continue
		}
		rest := s[i:]
		switch e.letter {
		case 'M':
			found := false
			for m, name := range monthNames {
				if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
					month, i, found = m+1, i+len(name), true
					break
				}
				if len(rest) >= 3 && strings.EqualFold(rest[:3], name[:3]) {
					month, i, found = m+1, i+3, true
					break
				}
			}
			if !found {
				return time.Time{}, errNoMatch
			}
		case 'E':
			j := 0
			for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= 'A' && rest[j] <= 'Z') {
				j++
			}
			if j < 3 {
				return time.Time{}, errNoMatch
			}
			i += j
		case 'a':
			switch {
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "am"):
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "pm"):
				pm = true
			default:
				return time.Time{}, errNoMatch
			}
			i += 2
		case 'G':
			switch {
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "AD"):
			case len(rest) >= 2 && strings.EqualFold(rest[:2], "BC"):
				bc = true
			default:
				return time.Time{}, errNoMatch
			}
			i += 2
		case 'Z':
			n, off, ok := parseOffset(rest)
			if !ok {
				return time.Time{}, errNoMatch
			}
			offset, i = off, i+n
		default: // 'z': Joda cannot parse time zone names either
			return time.Time{}, errNoMatch
		}
	}
	if i != len(s) {
		return time.Time{}, errNoMatch
	}
	if halfDay && pm {
		hour += 12
	}
	if bc {
		year = 1 - year
	}
	if month < 1 || month > 12 || hour > 23 || minute > 59 || sec > 59 || day < 1 || day > daysIn(year, month) {
		return time.Time{}, errNoMatch
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
	if doy > 0 {
		if doy > 366 {
			return time.Time{}, errNoMatch
		}
		t = time.Date(year, 1, doy, hour, minute, sec, nanos, time.UTC)
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseOffset reads "Z", "UTC", or ±HH[[:]MM] and returns its length and
// its offset in seconds east of UTC.
func parseOffset(s string) (n, off int, ok bool) {
	if strings.HasPrefix(s, "Z") {
		return 1, 0, true
	}
	if strings.HasPrefix(s, "UTC") {
		return 3, 0, true
	}
	if len(s) < 3 || s[0] != '+' && s[0] != '-' || !isDigits(s[1:3]) {
		return 0, 0, false
	}
	h := int(s[1]-'0')*10 + int(s[2]-'0')
	m, n := 0, 3
	if len(s) >= 6 && s[3] == ':' && isDigits(s[4:6]) {
		m, n = int(s[4]-'0')*10+int(s[5]-'0'), 6
	} else if len(s) >= 5 && isDigits(s[3:5]) {
		m, n = int(s[3]-'0')*10+int(s[4]-'0'), 5
	}
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	off = h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return n, off, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// digitsAt reads between lo and hi digits at s[i:], returning the number
// and the index after it.
func digitsAt(s string, i, lo, hi int) (n, j int, ok bool) {
	j = i
	for j < len(s) && j-i < hi && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		j++
	}
	return n, j, j-i >= lo
}

// parseDateTime reads "yyyy-[m]m-[d]d<sep>hh:mm:ss[.f{1,9}]" with sep a
// space or 'T' (as allowed), followed by suffix (e.g. "Z" or ""). It is
// java.sql.Timestamp.valueOf's format, and OpenX's two string formats.
func parseDateTime(s string, sepT bool, suffix string) (time.Time, bool) {
	y, i, ok := digitsAt(s, 0, 4, 4)
	if !ok || i >= len(s) || s[i] != '-' {
		return time.Time{}, false
	}
	mo, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != '-' {
		return time.Time{}, false
	}
	d, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || !(s[i] == ' ' || sepT && s[i] == 'T') {
		return time.Time{}, false
	}
	h, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != ':' {
		return time.Time{}, false
	}
	mi, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != ':' {
		return time.Time{}, false
	}
	sec, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok {
		return time.Time{}, false
	}
	nanos := 0
	if i < len(s) && s[i] == '.' {
		f, j, ok := digitsAt(s, i+1, 1, 9)
		if !ok {
			return time.Time{}, false
		}
		for k := j - i - 1; k < 9; k++ {
			f *= 10
		}
		nanos, i = f, j
	}
	if s[i:] != suffix {
		return time.Time{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nanos, time.UTC), true
}
