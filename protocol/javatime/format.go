package javatime

import (
	"strconv"
	"time"
)

var (
	quarterFull = [4]string{"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"}
	// zoneFull maps common zone abbreviations to the long names Java prints
	// for "zzzz"; other zones fall back to the abbreviation.
	zoneFull = map[string]string{
		"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time",
		"JST": "Japan Standard Time", "KST": "Korean Standard Time",
		"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
		"CST": "Central Standard Time", "CDT": "Central Daylight Time",
		"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
		"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
		"BST": "British Summer Time", "CET": "Central European Standard Time",
		"CEST": "Central European Summer Time",
	}
)

// appendFormat appends t formatted with compiled ops.
func appendFormat(buf []byte, ops []op, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	nanos := t.Nanosecond()
	for _, o := range ops {
		n := o.count
		switch o.letter {
		case 0:
			buf = append(buf, o.lit...)
		case 'G':
			ad := year > 0
			switch {
			case n == 4 && ad:
				buf = append(buf, "Anno Domini"...)
			case n == 4:
				buf = append(buf, "Before Christ"...)
			case n == 5 && ad:
				buf = append(buf, 'A')
			case n == 5:
				buf = append(buf, 'B')
			case ad:
				buf = append(buf, "AD"...)
			default:
				buf = append(buf, "BC"...)
			}
		case 'u':
			buf = appendYear(buf, int64(year), n)
		case 'y':
			yoe := year
			if yoe <= 0 {
				yoe = 1 - yoe
			}
			buf = appendYear(buf, int64(yoe), n)
		case 'Y':
			wby, _ := weekUS(t)
			buf = appendYear(buf, int64(wby), n)
		case 'w':
			_, w := weekUS(t)
			buf = appendPadded(buf, int64(w), n)
		case 'D':
			buf = appendPadded(buf, int64(t.YearDay()), n)
		case 'M', 'L':
			buf = appendText(buf, int64(month), n, month.String())
		case 'Q', 'q':
			q := (int(month)-1)/3 + 1
			switch n {
			case 3:
				buf = append(buf, 'Q')
				buf = strconv.AppendInt(buf, int64(q), 10)
			case 4:
				buf = append(buf, quarterFull[q-1]...)
			case 5:
				buf = strconv.AppendInt(buf, int64(q), 10)
			default:
				buf = appendPadded(buf, int64(q), n)
			}
		case 'd':
			buf = appendPadded(buf, int64(day), n)
		case 'E':
			name := t.Weekday().String()
			switch {
			case n == 4:
				buf = append(buf, name...)
			case n == 5:
				buf = append(buf, name[0])
			default:
				buf = append(buf, name[:3]...)
			}
		case 'e', 'c':
			// Localized day-of-week; Locale.US weeks start on Sunday (= 1).
			if n <= 2 {
				buf = appendPadded(buf, int64(t.Weekday())+1, n)
				break
			}
			name := t.Weekday().String()
			switch n {
			case 4:
				buf = append(buf, name...)
			case 5:
				buf = append(buf, name[0])
			default:
				buf = append(buf, name[:3]...)
			}
		case 'W':
			// Week-of-month, Locale.US: Sunday-based weeks, the week holding
			// the 1st is week 1.
			first := (int(t.Weekday()) - (day-1)%7 + 7) % 7
			buf = appendPadded(buf, int64((day-1+first)/7+1), n)
		case 'g':
			// Modified Julian Day of the local date.
			days := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix()/86400 + 40587
			if days < 0 {
				buf = append(buf, '-')
				days = -days
			}
			buf = appendPadded(buf, days, n)
		case 'a':
			if hour < 12 {
				buf = append(buf, "AM"...)
			} else {
				buf = append(buf, "PM"...)
			}
		case 'H':
			buf = appendPadded(buf, int64(hour), n)
		case 'k':
			h := hour
			if h == 0 {
				h = 24
			}
			buf = appendPadded(buf, int64(h), n)
		case 'K':
			buf = appendPadded(buf, int64(hour%12), n)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			buf = appendPadded(buf, int64(h), n)
		case 'm':
			buf = appendPadded(buf, int64(minute), n)
		case 's':
			buf = appendPadded(buf, int64(sec), n)
		case 'S':
			var digits [9]byte
			v := nanos
			for i := 8; i >= 0; i-- {
				digits[i] = byte('0' + v%10)
				v /= 10
			}
			buf = append(buf, digits[:n]...)
		case 'A':
			ms := int64(hour*3600+minute*60+sec)*1000 + int64(nanos/1e6)
			buf = appendPadded(buf, ms, n)
		case 'n':
			buf = appendPadded(buf, int64(nanos), n)
		case 'N':
			ns := int64(hour*3600+minute*60+sec)*1e9 + int64(nanos)
			buf = appendPadded(buf, ns, n)
		case 'V':
			buf = append(buf, t.Location().String()...)
		case 'z':
			// Go has tzdata abbreviations only. Numeric ones ("+04") print as
			// the localized offset, as recent JDKs (CLDR 42+) do ("GMT+04:00").
			name, off := t.Zone()
			if name == "" || name[0] == '+' || name[0] == '-' {
				buf = appendLocalizedOffset(buf, off, true)
				break
			}
			if n == 4 {
				if full, ok := zoneFull[name]; ok {
					name = full
				}
			}
			buf = append(buf, name...)
		case 'O':
			_, off := t.Zone()
			buf = appendLocalizedOffset(buf, off, n == 4)
		case 'Z':
			_, off := t.Zone()
			switch {
			case n == 4:
				buf = appendLocalizedOffset(buf, off, true)
			case n == 5:
				buf = appendOffset(buf, off, 6, "Z")
			default:
				buf = appendOffset(buf, off, 3, "+0000")
			}
		case 'X', 'x':
			_, off := t.Zone()
			typ := n + 1
			if n == 1 {
				typ = 1
			}
			zero := "Z"
			if o.letter == 'x' {
				switch {
				case n == 1:
					zero = "+00"
				case n%2 == 0:
					zero = "+0000"
				default:
					zero = "+00:00"
				}
			}
			buf = appendOffset(buf, off, typ, zero)
		}
	}
	return buf
}

// appendYear formats a year field like DateTimeFormatterBuilder: two
// letters print the last two digits; fewer than four use SignStyle.NORMAL;
// four or more use SignStyle.EXCEEDS_PAD ('+' when wider than the pattern).
func appendYear(buf []byte, v int64, n int) []byte {
	if n == 2 {
		if v < 0 {
			v = -v
		}
		return appendPadded(buf, v%100, 2)
	}
	if v < 0 {
		buf = append(buf, '-')
		return appendPadded(buf, -v, n)
	}
	if n >= 4 && numDigits(v) > n {
		buf = append(buf, '+')
	}
	return appendPadded(buf, v, n)
}

// numDigits returns the number of decimal digits of a non-negative v.
func numDigits(v int64) int {
	d := 1
	for v >= 10 {
		v /= 10
		d++
	}
	return d
}

// appendPadded appends a non-negative v zero-padded to width digits.
func appendPadded(buf []byte, v int64, width int) []byte {
	for d := numDigits(v); d < width; d++ {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, v, 10)
}

// appendText formats a number/text field (M, L): 1-2 letters numeric,
// 3 short text, 4 full text, 5 narrow text.
func appendText(buf []byte, v int64, n int, full string) []byte {
	switch n {
	case 3:
		return append(buf, full[:3]...)
	case 4:
		return append(buf, full...)
	case 5:
		return append(buf, full[0])
	}
	return appendPadded(buf, v, n)
}

// weekUS returns the week-based-year and week-of-week-based-year of
// WeekFields.of(Locale.US): weeks run Sunday..Saturday and week 1 is the
// week that contains January 1.
func weekUS(t time.Time) (int, int) {
	year, month, day := t.Date()
	d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	sunday := d.AddDate(0, 0, -int(d.Weekday()))
	if sat := sunday.AddDate(0, 0, 6); sat.Year() > year {
		return year + 1, 1
	}
	jan1 := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	firstSunday := jan1.AddDate(0, 0, -int(jan1.Weekday()))
	return year, int(sunday.Sub(firstSunday).Hours()/24)/7 + 1
}

// appendOffset implements OffsetIdPrinterParser. typ indexes the JDK
// pattern table: 1 "+HHmm", 3 "+HHMM", 4 "+HH:MM", 5 "+HHMMss", 6 "+HH:MM:ss".
func appendOffset(buf []byte, total, typ int, zero string) []byte {
	if total == 0 {
		return append(buf, zero...)
	}
	abs := total
	sign := byte('+')
	if abs < 0 {
		abs, sign = -abs, '-'
	}
	h, m, s := (abs/3600)%100, (abs/60)%60, abs%60
	colon := typ%2 == 0
	buf = append(buf, sign, byte('0'+h/10), byte('0'+h%10))
	if typ >= 3 || m > 0 {
		if colon {
			buf = append(buf, ':')
		}
		buf = append(buf, byte('0'+m/10), byte('0'+m%10))
		if typ >= 7 || (typ >= 5 && s > 0) {
			if colon {
				buf = append(buf, ':')
			}
			buf = append(buf, byte('0'+s/10), byte('0'+s%10))
		}
	}
	return buf
}

// appendLocalizedOffset implements "O" (short: GMT+9, GMT+5:30) and
// "OOOO"/"ZZZZ" (full: GMT+09:00); a zero offset prints "GMT".
func appendLocalizedOffset(buf []byte, total int, full bool) []byte {
	buf = append(buf, "GMT"...)
	if total == 0 {
		return buf
	}
	abs := total
	sign := byte('+')
	if abs < 0 {
		abs, sign = -abs, '-'
	}
	h, m, s := (abs/3600)%100, (abs/60)%60, abs%60
	buf = append(buf, sign)
	if full {
		buf = append(buf, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
		if s != 0 {
			buf = append(buf, ':', byte('0'+s/10), byte('0'+s%10))
		}
		return buf
	}
	if h >= 10 {
		buf = append(buf, byte('0'+h/10))
	}
	buf = append(buf, byte('0'+h%10))
	if m != 0 || s != 0 {
		buf = append(buf, ':', byte('0'+m/10), byte('0'+m%10))
		if s != 0 {
			buf = append(buf, ':', byte('0'+s/10), byte('0'+s%10))
		}
	}
	return buf
}
