package redshiftcopy

import (
	"strconv"
	"strings"
	"time"
)

// Redshift's DATEFORMAT and TIMEFORMAT strings, turned into Go layouts.

// dtElements are the format elements, longest first.
var dtElements = []struct{ elem, layout string }{
	{"YYYY", "2006"}, {"YY", "06"}, {"MONTH", "January"}, {"MON", "Jan"}, {"MM", "01"}, {"DD", "02"},
	{"HH24", "15"}, {"HH12", "03"}, {"HH", "15"}, {"MI", "04"}, {"SS", "05"}, {"AM", "PM"}, {"PM", "PM"},
	{"TZH:TZM", "-07:00"}, {"TZH", "-07"}, {"TZ", "MST"},
}

// goLayout converts a Redshift format to a Go layout; ok is false if the
// format has no element at all.
func goLayout(f string) (layout string, ok bool) {
	var sb strings.Builder
	up := strings.ToUpper(f)
	twelve := strings.Contains(up, "AM") || strings.Contains(up, "PM")
	for i := 0; i < len(f); {
		// Fractional seconds: .S, .SS, ... after SS (or .US, .MS).
		if f[i] == '.' && i+1 < len(f) && (up[i+1] == 'S' || up[i+1] == 'U' || up[i+1] == 'M') && strings.HasSuffix(sb.String(), "05") {
			j := i + 1
			for j < len(f) && (up[j] == 'S' || up[j] == 'U' || up[j] == 'M') {
				j++
			}
			sb.WriteString(".999999999")
			i = j
			ok = true
			continue
		}
		matched := false
		for _, e := range dtElements {
			if strings.HasPrefix(up[i:], e.elem) {
				l := e.layout
				if e.elem == "HH" && twelve {
					l = "03"
				}
				sb.WriteString(l)
				i += len(e.elem)
				matched, ok = true, true
				break
			}
		}
		if !matched {
			sb.WriteByte(f[i])
			i++
		}
	}
	return sb.String(), ok
}

func checkDateTimeFormat(option, f string) error {
	switch strings.ToLower(f) {
	case "auto":
		return nil
	case "epochsecs", "epochmillisecs":
		if option == "TIMEFORMAT" {
			return nil
		}
	}
	if _, ok := goLayout(f); !ok {
		return &Error{Option: option, Message: "CopyOptions " + option + " '" + f + "' is not a valid datetime format."}
	}
	return nil
}

// autoLayouts are what 'auto' recognizes, beyond what PostgreSQL itself
// parses (which is passed on unchanged).
var autoLayouts = []string{
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02",
	"01/02/2006 15:04:05", "01/02/2006", "2006/01/02 15:04:05", "2006/01/02",
	"Jan 2 2006 15:04:05", "Jan 2, 2006 15:04:05", "Jan 2 2006", "20060102 15:04:05", "20060102",
	time.RFC1123Z, time.RFC1123, time.UnixDate, time.ANSIC,
}

// convertTime turns v, a TIMESTAMP (tz: TIMESTAMPTZ) or DATE value in the
// format f, into text PostgreSQL parses the same way. ok is false if v does
// not match f.
func convertTime(v, f string, date, tz bool) (string, bool) {
	var t time.Time
	switch lf := strings.ToLower(f); lf {
	case "":
		return v, true // Redshift's default, YYYY-MM-DD HH:MI:SS: PostgreSQL's too
	case "epochsecs", "epochmillisecs":
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return "", false
		}
		if lf == "epochmillisecs" {
			t = time.UnixMilli(int64(n)).UTC()
		} else {
			sec := int64(n)
			t = time.Unix(sec, int64((n-float64(sec))*1e9)).UTC()
		}
	case "auto":
		s := strings.TrimSpace(v)
		if isoLocal(s) {
			return v, true // PostgreSQL reads it the same way
		}
		found := false
		for _, l := range autoLayouts {
			if p, err := time.Parse(l, s); err == nil {
				t, found = p, true
				break
			}
		}
		if !found {
			return v, true // PostgreSQL's own parser decides
		}
	default:
		l, _ := goLayout(f)
		p, err := time.Parse(l, strings.TrimSpace(v))
		if err != nil {
			return "", false
		}
		t = p
	}
	switch {
	case date:
		return t.Format("2006-01-02"), true
	case tz:
		return t.Format("2006-01-02 15:04:05.999999Z07:00"), true
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999"), true
}

// isoLocal reports whether s is YYYY-MM-DD, optionally followed by a space
// or T and HH:MI, :SS, .fraction: ISO 8601 without a zone, which every
// parser reads the same way.
func isoLocal[T string | []byte](s T) bool {
	digits := func(s T) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(s) < 10 || !digits(s[0:4]) || s[4] != '-' || !digits(s[5:7]) || s[7] != '-' || !digits(s[8:10]) {
		return false
	}
	s = s[10:]
	if len(s) == 0 {
		return true
	}
	if len(s) < 6 || (s[0] != ' ' && s[0] != 'T') || !digits(s[1:3]) || s[3] != ':' || !digits(s[4:6]) {
		return false
	}
	s = s[6:]
	if len(s) == 0 {
		return true
	}
	if len(s) < 3 || s[0] != ':' || !digits(s[1:3]) {
		return false
	}
	s = s[3:]
	return len(s) == 0 || (len(s) > 1 && s[0] == '.' && digits(s[1:]))
}
