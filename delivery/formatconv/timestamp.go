package formatconv

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// timestampFormat is one entry of the Hive SerDe's timestamp.formats.
type timestampFormat struct {
	millis bool
	elems  []jodaElem
}

func compileTimestampFormat(p string) (timestampFormat, error) {
	if p == "millis" {
		return timestampFormat{millis: true}, nil
	}
	e, err := compileJoda(p)
	return timestampFormat{elems: e}, err
}

// epochSplit separates epoch seconds from epoch milliseconds for OpenX:
// integers of absolute value below it are seconds (up to the year 2286),
// others milliseconds.
const epochSplit = 10_000_000_000

// timestamp reads a JSON string or number as a timestamp, by the SerDe's rules.
func (c *Converter) timestamp(text []byte) (time.Time, error) {
	s := bytesView(trimJavaSpace(text))
	if c.opts.HiveJSON {
		for _, f := range c.hiveTS {
			if f.millis {
				if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
					return time.UnixMilli(ms).UTC(), nil
				}
				continue
			}
			if t, err := parseJoda(f.elems, s); err == nil {
				return t, nil
			}
		}
		if t, ok := parseDateTime(s, false, ""); ok {
			return t, nil
		}
		if len(c.hiveTS) > 0 {
			return time.Time{}, mismatch("java.lang.IllegalArgumentException: Invalid format: %q", s)
		}
		return time.Time{}, mismatch("java.lang.IllegalArgumentException: Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]")
	}
	// OpenX.
	if t, ok := parseDateTime(s, true, "Z"); ok && strings.Contains(s, "T") {
		return t, nil
	}
	if t, ok := parseDateTime(s, false, ""); ok {
		return t, nil
	}
	if isNumberText(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i > -epochSplit && i < epochSplit {
				return time.Unix(i, 0).UTC(), nil
			}
			return time.UnixMilli(i).UTC(), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && math.Abs(f) < 1e12 {
			sec := math.Floor(f)
			nanos := math.Round((f - sec) * 1e9)
			return time.Unix(int64(sec), int64(nanos)).UTC(), nil
		}
	}
	return time.Time{}, mismatch("java.lang.IllegalArgumentException: Invalid timestamp: %q", s)
}
