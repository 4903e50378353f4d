package formatconv

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// tokenNames are Jackson's names for JSON tokens, as its messages give them.
var tokenNames = [...]string{
	jNull: "VALUE_NULL", jFalse: "VALUE_FALSE", jTrue: "VALUE_TRUE", jNumber: "VALUE_NUMBER",
	jString: "VALUE_STRING", jArray: "START_ARRAY", jObject: "START_OBJECT",
}

// scalar converts JSON value v for primitive node n. A null parquet.Value
// means the SerDe stores null (e.g. a decimal too wide for its column).
func (c *Converter) scalar(n *node, v int32) (parquet.Value, error) {
	val := &c.p.vals[v]
	vs := c.p.text(val)
	switch n.Kind {
	case String, Char, Varchar, Binary:
		var b []byte
		switch val.kind {
		case jString, jNumber:
			b = vs
		case jTrue:
			b = []byte("true")
		case jFalse:
			b = []byte("false")
		default:
			if c.opts.HiveJSON {
				return parquet.Value{}, &mismatchError{msgTextField}
			}
			// OpenX stores a nested object or array as its JSON text.
			start := len(c.text)
			c.text = c.p.appendCompact(c.text, v)
			b = c.arena.copy(c.text[start:])
			c.text = c.text[:start]
		}
		if n.Kind == Char || n.Kind == Varchar {
			b = truncateRunes(b, n.Length)
		}
		return parquet.ByteArrayValue(b), nil
	case Boolean:
		switch val.kind {
		case jTrue:
			return parquet.BooleanValue(true), nil
		case jFalse:
			return parquet.BooleanValue(false), nil
		case jString:
			if !c.opts.HiveJSON {
				// OpenX reads strings as Java's Boolean.parseBoolean does.
				return parquet.BooleanValue(len(vs) == 4 && string(lowerASCII(vs)) == "true"), nil
			}
		}
		return parquet.Value{}, mismatch("Current token (%s) not of boolean type%s", tokenNames[val.kind], c.p.location(int(val.end)))
	case Date:
		if val.kind != jString {
			return parquet.Value{}, mismatch("Current token (%s) is not a date string%s", tokenNames[val.kind], c.p.location(int(val.end)))
		}
		d, ok := parseDate(bytesView(vs))
		if !ok {
			return parquet.Value{}, mismatch("java.lang.IllegalArgumentException: Cannot parse %q as a date (yyyy-mm-dd)", vs)
		}
		return parquet.Int32Value(d), nil
	case Timestamp:
		if val.kind != jString && val.kind != jNumber {
			return parquet.Value{}, mismatch("Current token (%s) is not a timestamp%s", tokenNames[val.kind], c.p.location(int(val.end)))
		}
		t, err := c.timestamp(vs)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.Int96Value(int96(t)), nil
	}
	// Numbers.
	text := vs
	switch val.kind {
	case jNumber:
	case jString:
		if c.opts.HiveJSON {
			return parquet.Value{}, mismatch("Current token (VALUE_STRING) not numeric, can not use numeric value accessors%s", c.p.location(int(val.end)))
		}
		text = trimJavaSpace(text) // OpenX parses numbers given as strings
	default:
		return parquet.Value{}, mismatch("Current token (%s) not numeric, can not use numeric value accessors%s", tokenNames[val.kind], c.p.location(int(val.end)))
	}
	return c.number(n, text)
}

// number converts the text of a number for numeric node n.
func (c *Converter) number(n *node, text []byte) (parquet.Value, error) {
	s := bytesView(text)
	switch n.Kind {
	case Float, Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return parquet.Value{}, mismatch("java.lang.NumberFormatException: For input string: %q", s)
		}
		if n.Kind == Float {
			return parquet.FloatValue(float32(f)), nil
		}
		return parquet.DoubleValue(f), nil
	case Decimal:
		b, ok, err := c.decimal(n, s)
		if err != nil {
			return parquet.Value{}, err
		}
		if !ok {
			return parquet.Value{}, nil
		}
		return parquet.FixedLenByteArrayValue(b), nil
	}
	i, ok := parseInt64(text)
	if !ok {
		// A fraction or exponent is truncated toward zero, as Jackson's
		// integer accessors do.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || !isNumberText(s) {
			return parquet.Value{}, mismatch("java.lang.NumberFormatException: For input string: %q", s)
		}
		if f >= math.MaxInt64 || f < math.MinInt64 || math.IsNaN(f) {
			return parquet.Value{}, mismatch("Numeric value (%s) out of range of long (%d - %d)", s, int64(math.MinInt64), int64(math.MaxInt64))
		}
		i = int64(f)
	}
	switch n.Kind {
	case TinyInt:
		if i < math.MinInt8 || i > math.MaxInt8 {
			return parquet.Value{}, mismatch("Numeric value (%s) out of range of Java byte", s)
		}
		return parquet.Int32Value(int32(i)), nil
	case SmallInt:
		if i < math.MinInt16 || i > math.MaxInt16 {
			return parquet.Value{}, mismatch("Numeric value (%s) out of range of Java short", s)
		}
		return parquet.Int32Value(int32(i)), nil
	case Int:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return parquet.Value{}, mismatch("Numeric value (%s) out of range of int (%d - %d)", s, math.MinInt32, math.MaxInt32)
		}
		return parquet.Int32Value(int32(i)), nil
	default:
		return parquet.Int64Value(i), nil
	}
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isNumberText reports whether s is a JSON number (not "Inf", "0x1p3", ...).
func isNumberText(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseInt64 reads an optionally negative run of decimal digits.
func parseInt64(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if len(b) == 19 && (u > math.MaxInt64+1 || u < 1e18) {
		return 0, false // overflowed or wrapped
	}
	if neg {
		if u > math.MaxInt64+1 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// bytesView is b as a string without copying, for parsers that do not
// keep their argument (strconv copies the text into its errors).
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// decimalFast computes round_half_up(s * 10^scale) for a JSON number s
// when every digit involved fits an int64; ok false sends the caller to
// the exact path.
func decimalFast(s string, scale int) (v int64, ok bool) {
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var mant int64
	nd, fracDigits := 0, 0
	frac := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			frac = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if nd == 0 && c == '0' {
			if frac {
				fracDigits++
			}
			continue
		}
		if nd >= 18 {
			return 0, false
		}
		mant = mant*10 + int64(c-'0')
		nd++
		if frac {
			fracDigits++
		}
	}
	if i != len(s) {
		return 0, false // an exponent: take the exact path
	}
	k := scale - fracDigits
	switch {
	case k >= 0:
		if nd+k > 18 {
			return 0, false
		}
		mant *= pow10[k]
	case -k > 18:
		return 0, false
	default:
		p := pow10[-k]
		q, r := mant/p, mant%p
		if r*2 >= p {
			q++
		}
		mant = q
	}
	if neg {
		mant = -mant
	}
	return mant, true
}

func trimJavaSpace(b []byte) []byte {
	for len(b) > 0 && b[0] <= ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] <= ' ' {
		b = b[:len(b)-1]
	}
	return b
}

func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// truncateRunes keeps the first n characters of b.
func truncateRunes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for i := range string(b) {
		if n == 0 {
			return b[:i]
		}
		n--
	}
	return b
}

// decimal converts a number's text to the two's complement bytes of its
// unscaled value at n's scale. Extra fraction digits are rounded half up,
// and a value with more integer digits than the column allows is null
// (ok false), as Hive does.
func (c *Converter) decimal(n *node, s string) ([]byte, bool, error) {
	if v, ok := decimalFast(s, n.Scale); ok && n.Precision <= 18 {
		if v >= pow10[n.Precision] || v <= -pow10[n.Precision] {
			return nil, false, nil
		}
		out := c.arena.alloc(n.size)
		putInt64(out, v)
		return out, true, nil
	}
	if !isNumberText(s) {
		return nil, false, mismatch("java.lang.NumberFormatException: For input string: %q", s)
	}
	if e := strings.IndexAny(s, "eE"); e >= 0 {
		// Bound the exponent before big.Rat expands it: past ±1000 the
		// value is either far too wide for any decimal or rounds to zero.
		exp, err := strconv.Atoi(strings.TrimPrefix(s[e+1:], "+"))
		if err != nil || exp > 1000 {
			if strings.Trim(s[:e], "-0.") == "" {
				return c.decimal(n, "0")
			}
			return nil, false, nil
		}
		if exp < -1000 {
			return c.decimal(n, "0")
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false, mismatch("java.lang.NumberFormatException: For input string: %q", s)
	}
	// unscaled = round_half_up(r * 10^scale)
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Scale)), nil)))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	m.Abs(m).Lsh(m, 1)
	if m.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Precision)), nil)
	if new(big.Int).Abs(q).Cmp(limit) >= 0 {
		return nil, false, nil
	}
	out := c.arena.alloc(n.size)
	if q.IsInt64() {
		putInt64(out, q.Int64())
		return out, true, nil
	}
	// Two's complement of a negative big value: 2^(8*size) + q.
	if q.Sign() < 0 {
		q.Add(q, new(big.Int).Lsh(big.NewInt(1), uint(8*n.size)))
	}
	q.FillBytes(out)
	return out, true, nil
}

// putInt64 writes v big-endian into out, sign-extended to its length.
func putInt64(out []byte, v int64) {
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = byte(v)
		v >>= 8 // arithmetic shift: sign-extends
	}
}

// int96 is t as Hive's INT96 timestamp: nanoseconds of the day, then the
// Julian day.
func int96(t time.Time) deprecated.Int96 {
	const julianEpoch = 2440588 // Julian day of 1970-01-01
	secs := t.Unix()
	days := secs / 86400
	rem := secs % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	nanos := uint64(rem)*1e9 + uint64(t.Nanosecond())
	return deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(days + julianEpoch)}
}

// parseDate reads java.sql.Date.valueOf's yyyy-[m]m-[d]d as days since 1970-01-01.
func parseDate(s string) (int32, bool) {
	y, i, ok := digitsAt(s, 0, 4, 4)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, false
	}
	m, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, false
	}
	d, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i != len(s) || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return int32(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400), true
}

// mapKey converts a JSON object key for a map's key type.
func (c *Converter) mapKey(n *node, k []byte) (parquet.Value, error) {
	switch n.Kind {
	case String, Binary:
		return parquet.ByteArrayValue(k), nil
	case Char, Varchar:
		return parquet.ByteArrayValue(truncateRunes(k, n.Length)), nil
	case Boolean:
		return parquet.BooleanValue(string(lowerASCII(k)) == "true"), nil
	case Date:
		d, ok := parseDate(string(k))
		if !ok {
			return parquet.Value{}, mismatch("java.lang.IllegalArgumentException: Cannot parse %q as a date (yyyy-mm-dd)", k)
		}
		return parquet.Int32Value(d), nil
	case Timestamp:
		t, err := c.timestamp(k)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.Int96Value(int96(t)), nil
	}
	v, err := c.number(n, k)
	if err == nil && v.IsNull() {
		err = mismatch("map key %q does not fit %s", k, n.Type)
	}
	return v, err
}

// arena hands out byte slices that stay valid until reset: values whose
// bytes the converter makes wait in the row buffer until they are written.
type arena struct {
	blocks [][]byte
	cur    int
}

const arenaBlock = 64 << 10

func (a *arena) reset() {
	for i := range a.blocks {
		a.blocks[i] = a.blocks[i][:0]
	}
	a.cur = 0
}

func (a *arena) alloc(n int) []byte {
	if n > arenaBlock/4 {
		return make([]byte, n)
	}
	for a.cur < len(a.blocks) && cap(a.blocks[a.cur])-len(a.blocks[a.cur]) < n {
		a.cur++
	}
	if a.cur == len(a.blocks) {
		a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
	}
	b := a.blocks[a.cur]
	start := len(b)
	b = b[:start+n]
	a.blocks[a.cur] = b
	out := b[start : start+n : start+n]
	clear(out)
	return out
}

func (a *arena) copy(b []byte) []byte {
	out := a.alloc(len(b))
	copy(out, b)
	return out
}

// valueSize estimates the bytes a value takes in a row group, to cut row
// groups at BlockSizeBytes.
func valueSize(v parquet.Value) int {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return len(v.ByteArray()) + 4
	case parquet.Int96:
		return 12
	case parquet.Boolean:
		return 1
	case parquet.Int32, parquet.Float:
		return 4
	}
	return 8
}
