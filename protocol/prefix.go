package protocol

// S3 custom prefix expression language (spec §7.2, §7.3; AWS doc "Understand
// custom prefixes for Amazon S3 objects").
//
// A prefix is literal text with embedded expressions of the form
// !{namespace:value}:
//
//	!{timestamp:<Java DateTimeFormatter pattern>}   e.g. !{timestamp:yyyy'-'MM'-'dd}
//	!{firehose:random-string}                       11 random characters, new per occurrence
//	!{firehose:error-output-type}                   e.g. processing-failed (ErrorOutputPrefix only)
//	!{partitionKeyFromQuery:key}                    dynamic partitioning only (Prefix only)
//	!{partitionKeyFromLambda:key}                   dynamic partitioning only (Prefix only)
//
// Design choices where AWS behaviour is not documented:
//   - An expression ends at the first '}' after "!{"; a '}' can therefore not
//     appear inside an expression, not even quoted in a timestamp pattern.
//   - "!{" may only start a valid expression: an unterminated expression, a
//     "!{" inside an expression, a missing ':', an empty namespace or value,
//     an unknown namespace or firehose value are all syntax errors. A '!' or
//     '{' or '}' on its own is literal text.
//   - The timestamp pattern follows java.time.format.DateTimeFormatter.ofPattern
//     with Locale.US: English month/day names, AM/PM, and week fields (Y, w, W,
//     e, c) of WeekFields.of(Locale.US): weeks start on Sunday and the week
//     containing January 1 is week 1. Supported letters: G u y Y Q q M L w W D
//     d E e c a h K k H m s S A n N g V z O X x Z, quotes and [optional]
//     sections (always printed when formatting). Unknown letters and the
//     reserved characters # { } are errors, as in Java; B, F (its meaning
//     changed in JDK 19), p and v are valid in Java but rejected here. Output
//     was checked against JDK 17 and JDK 25 for every letter and count; the
//     only known differences are zone names (z), which come from Go's tzdata
//     abbreviations (numeric ones print as GMT+hh:mm like JDK 25; historical
//     LMT names and most "zzzz" long names differ from Java).
//   - !{firehose:random-string} yields 11 lowercase hexadecimal characters,
//     like the AWS documentation example "5abf82daaa5".
//   - The 512-character limit applies to the whole evaluated prefix, including
//     an appended default time path, counted in UTF-16 code units as Java does.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// prefixMaxEvaluatedLen is the maximum length of an evaluated prefix.
const prefixMaxEvaluatedLen = 512

// prefixConstraintLeadIn starts every message ValidatePrefixes returns; the
// typo "Ths" is AWS's own (spec §1.3).
const prefixConstraintLeadIn = "Ths supplied prefix(es) do not satisfy the following constraint: "

// prefixMsgErrorPrefixRequired is the exact message AWS sends when Prefix has
// expressions but ErrorOutputPrefix is null or empty.
const prefixMsgErrorPrefixRequired = prefixConstraintLeadIn +
	"ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"

// Namespaces and firehose values.
const (
	prefixNSTimestamp       = "timestamp"
	prefixNSFirehose        = "firehose"
	prefixNSPartitionQuery  = "partitionKeyFromQuery"
	prefixNSPartitionLambda = "partitionKeyFromLambda"
	prefixValRandomString   = "random-string"
	prefixValErrorType      = "error-output-type"
	prefixExprErrorType     = "!{firehose:error-output-type}"
	prefixRandomStringLen   = 11
	prefixDefaultTimeLayout = "yyyy/MM/dd/HH/"
)

type tmplSegKind uint8

const (
	tmplSegLiteral tmplSegKind = iota
	tmplSegTimestamp
	tmplSegRandom
	tmplSegErrorType
	tmplSegPartitionQuery
	tmplSegPartitionLambda
)

// tmplSegment is one piece of a parsed prefix: literal text or an expression.
type tmplSegment struct {
	kind  tmplSegKind
	text  string   // literal text, or the expression source "!{ns:value}"
	value string   // the expression value (pattern, firehose value, key)
	ops   []tmplOp // compiled timestamp pattern
}

// PrefixTemplate is a parsed Prefix or ErrorOutputPrefix.
type PrefixTemplate struct {
	src  string
	segs []tmplSegment
	expr int // number of expression segments
}

// prefixSyntaxError describes a malformed expression.
type prefixSyntaxError struct {
	offset int    // byte offset of "!{" in the prefix
	expr   string // the offending expression text
	reason string
}

func (e *prefixSyntaxError) Error() string {
	return fmt.Sprintf("invalid prefix expression '%s' at offset %d: %s", e.expr, e.offset, e.reason)
}

// ParsePrefix parses a Prefix or ErrorOutputPrefix. It checks syntax only:
// well-formed !{namespace:value} expressions, known namespaces and firehose
// values, valid timestamp patterns. The placement rules are checked by
// ValidatePrefixes.
func ParsePrefix(s string) (*PrefixTemplate, error) {
	t := &PrefixTemplate{src: s}
	if n := strings.Count(s, "!{"); n > 0 {
		t.segs = make([]tmplSegment, 0, 2*n+1)
	}
	rest, off := s, 0
	for {
		i := strings.Index(rest, "!{")
		if i < 0 {
			if rest != "" {
				t.segs = append(t.segs, tmplSegment{kind: tmplSegLiteral, text: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.segs = append(t.segs, tmplSegment{kind: tmplSegLiteral, text: rest[:i]})
		}
		start := off + i
		body := rest[i+2:]
		end := strings.IndexByte(body, '}')
		scope := body
		if end >= 0 {
			scope = body[:end]
		}
		if nested := strings.Index(scope, "!{"); nested >= 0 {
			return nil, &prefixSyntaxError{start, prefixShorten(rest[i : i+2+nested]), "expression is not terminated by '}' before the next '!{'"}
		}
		if end < 0 {
			return nil, &prefixSyntaxError{start, prefixShorten(rest[i:]), "expression is not terminated by '}'"}
		}
		exprText := rest[i : i+2+end+1]
		seg, reason := tmplParseExpression(body[:end])
		if reason != "" {
			return nil, &prefixSyntaxError{start, prefixShorten(exprText), reason}
		}
		seg.text = exprText
		t.segs = append(t.segs, seg)
		t.expr++
		consumed := i + 2 + end + 1
		rest = rest[consumed:]
		off += consumed
	}
}

// tmplParseExpression parses the inside of !{...}; it returns a non-empty
// reason when the expression is invalid.
func tmplParseExpression(inner string) (tmplSegment, string) {
	colon := strings.IndexByte(inner, ':')
	if colon < 0 {
		return tmplSegment{}, "expected the form !{namespace:value}"
	}
	ns, val := inner[:colon], inner[colon+1:]
	if ns == "" {
		return tmplSegment{}, "namespace is empty"
	}
	if val == "" {
		return tmplSegment{}, "value is empty"
	}
	switch ns {
	case prefixNSTimestamp:
		ops, err := tmplCompileJava(val)
		if err != nil {
			return tmplSegment{}, "invalid timestamp pattern: " + err.Error()
		}
		return tmplSegment{kind: tmplSegTimestamp, value: val, ops: ops}, ""
	case prefixNSFirehose:
		switch val {
		case prefixValRandomString:
			return tmplSegment{kind: tmplSegRandom, value: val}, ""
		case prefixValErrorType:
			return tmplSegment{kind: tmplSegErrorType, value: val}, ""
		}
		return tmplSegment{}, "unknown firehose value '" + val + "' (expected random-string or error-output-type)"
	case prefixNSPartitionQuery:
		return tmplSegment{kind: tmplSegPartitionQuery, value: val}, ""
	case prefixNSPartitionLambda:
		return tmplSegment{kind: tmplSegPartitionLambda, value: val}, ""
	}
	return tmplSegment{}, "unknown namespace '" + ns + "' (expected timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda)"
}

// prefixShorten keeps error messages bounded for very long inputs.
func prefixShorten(s string) string {
	const limit = 100
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// HasExpressions reports whether the template contains any !{...} expression.
func (t *PrefixTemplate) HasExpressions() bool { return t != nil && t.expr > 0 }

// first returns the first expression segment with one of the given kinds.
func (t *PrefixTemplate) tmplFirst(kinds ...tmplSegKind) (tmplSegment, bool) {
	for _, s := range t.segs {
		for _, k := range kinds {
			if s.kind == k {
				return s, true
			}
		}
	}
	return tmplSegment{}, false
}

// ValidatePrefixes applies AWS's create/update-time rules to a destination's
// Prefix and ErrorOutputPrefix. It returns a non-nil error whose Error() is
// the exact message AWS sends in InvalidArgumentException.
//
// Rules, checked in this order (AWS does not document an order):
//  1. each prefix is syntactically valid ("!{" only starts a valid expression);
//  2. Prefix does not contain !{firehose:error-output-type};
//  3. ErrorOutputPrefix does not contain partitionKeyFrom* expressions;
//  4. Prefix contains partitionKeyFrom* expressions only with dynamic partitioning;
//  5. ErrorOutputPrefix is non-empty when Prefix contains expressions (exact AWS text);
//  6. with dynamic partitioning, Prefix contains a partitionKeyFrom* expression
//     (together with rule 5 this also makes ErrorOutputPrefix mandatory);
//  7. a non-empty ErrorOutputPrefix with expressions contains
//     !{firehose:error-output-type} at least once.
//
// Only the message of rule 5 is known verbatim from AWS; the others use the
// same lead-in and name the offending expression.
func ValidatePrefixes(prefix, errorOutputPrefix string, dynamicPartitioning bool) error {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return prefixSyntaxRuleError("Prefix", err)
	}
	e, err := ParsePrefix(errorOutputPrefix)
	if err != nil {
		return prefixSyntaxRuleError("ErrorOutputPrefix", err)
	}
	if s, ok := p.tmplFirst(tmplSegErrorType); ok {
		return errors.New(prefixConstraintLeadIn + "Prefix cannot contain " + s.text +
			"; it is only valid in ErrorOutputPrefix")
	}
	if s, ok := e.tmplFirst(tmplSegPartitionQuery, tmplSegPartitionLambda); ok {
		return errors.New(prefixConstraintLeadIn + "ErrorOutputPrefix cannot contain " + s.text +
			"; partitionKeyFromQuery and partitionKeyFromLambda expressions are only valid in Prefix")
	}
	pk, hasPK := p.tmplFirst(tmplSegPartitionQuery, tmplSegPartitionLambda)
	if hasPK && !dynamicPartitioning {
		return errors.New(prefixConstraintLeadIn + "Prefix cannot contain " + pk.text +
			" when dynamic partitioning is not enabled")
	}
	if p.HasExpressions() && errorOutputPrefix == "" {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixMsgErrorPrefixRequired)
	}
	if dynamicPartitioning && !hasPK {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixConstraintLeadIn + "Prefix must contain at least one " +
			"!{partitionKeyFromQuery:key} or !{partitionKeyFromLambda:key} expression when dynamic partitioning is enabled")
	}
	if e.HasExpressions() {
		if _, ok := e.tmplFirst(tmplSegErrorType); !ok {
			s, _ := e.tmplFirst(tmplSegTimestamp, tmplSegRandom)
			return errors.New(prefixConstraintLeadIn + "ErrorOutputPrefix contains the expression " + s.text +
				" but no " + prefixExprErrorType + "; an ErrorOutputPrefix that contains expressions must include " +
				prefixExprErrorType + " at least once")
		}
	}
	return nil
}

func prefixSyntaxRuleError(field string, err error) error {
	var se *prefixSyntaxError
	if errors.As(err, &se) {
		return errors.New(prefixConstraintLeadIn + "'!{' can only start a valid !{namespace:value} expression, but " +
			field + " contains the invalid expression '" + se.expr + "': " + se.reason)
	}
	return errors.New(prefixConstraintLeadIn + field + " is invalid: " + err.Error())
}

// DataKeyPrefix returns the evaluated S3 key prefix for delivered data. When
// the prefix has no expressions the default time path yyyy/MM/dd/HH/ is
// appended by plain concatenation ("legacy" -> "legacy2026/07/13/14/"; an
// empty prefix gives just the time path). loc is the CustomTimeZone (nil =
// UTC); rnd feeds !{firehose:random-string} (nil = crypto/rand).
func DataKeyPrefix(prefix string, t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	tm := prefixIn(t, loc)
	buf := make([]byte, 0, len(prefix)+len(prefixDefaultTimeLayout)+8)
	if !strings.Contains(prefix, "!{") {
		buf = append(buf, prefix...)
		buf = tmplFormat(buf, tmplDefaultTimePath, tm)
		return prefixFinish(buf)
	}
	p, err := ParsePrefix(prefix)
	if err != nil {
		return "", err
	}
	buf, err = p.tmplEval(buf, tm, "", rnd)
	if err != nil {
		return "", err
	}
	return prefixFinish(buf)
}

// ErrorKeyPrefix returns the evaluated key prefix for error output of the
// given type (e.g. "processing-failed"):
//
//   - ErrorOutputPrefix empty (only valid when Prefix has no expressions):
//     <Prefix><errorType>/yyyy/MM/dd/HH/ — the layout recommended by spec §7.3
//     and seen in a real key (".../retries/processing-failed/2025/03/04/11/...").
//   - ErrorOutputPrefix without expressions: <ErrorOutputPrefix>yyyy/MM/dd/HH/.
//     AWS does not document this case; we assume the default time path is
//     appended exactly as for a static Prefix, and that the error type is not
//     inserted (a static ErrorOutputPrefix need not contain it).
//   - ErrorOutputPrefix with expressions: evaluated as-is; every
//     !{firehose:error-output-type} becomes errorType.
func ErrorKeyPrefix(prefix, errorOutputPrefix, errorType string, t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	if errorType == "" {
		return "", errors.New("error output type must not be empty")
	}
	tm := prefixIn(t, loc)
	if errorOutputPrefix == "" {
		if strings.Contains(prefix, "!{") {
			if _, err := ParsePrefix(prefix); err != nil {
				return "", err
			}
			return "", errors.New("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
		}
		buf := make([]byte, 0, len(prefix)+len(errorType)+len(prefixDefaultTimeLayout)+8)
		buf = append(buf, prefix...)
		buf = append(buf, errorType...)
		buf = append(buf, '/')
		buf = tmplFormat(buf, tmplDefaultTimePath, tm)
		return prefixFinish(buf)
	}
	buf := make([]byte, 0, len(errorOutputPrefix)+len(errorType)+len(prefixDefaultTimeLayout)+8)
	if !strings.Contains(errorOutputPrefix, "!{") {
		buf = append(buf, errorOutputPrefix...)
		buf = tmplFormat(buf, tmplDefaultTimePath, tm)
		return prefixFinish(buf)
	}
	e, err := ParsePrefix(errorOutputPrefix)
	if err != nil {
		return "", err
	}
	buf, err = e.tmplEval(buf, tm, errorType, rnd)
	if err != nil {
		return "", err
	}
	return prefixFinish(buf)
}

// FormatJavaTime formats t (in its own location) with a Java
// DateTimeFormatter pattern, e.g. "yyyy/MM/dd" or "yyyy'-'MM'-'dd".
func FormatJavaTime(pattern string, t time.Time) (string, error) {
	ops, err := tmplCompileJava(pattern)
	if err != nil {
		return "", err
	}
	return string(tmplFormat(make([]byte, 0, len(pattern)+16), ops, t)), nil
}

func prefixIn(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

func prefixFinish(buf []byte) (string, error) {
	if n := prefixJavaLen(buf); n > prefixMaxEvaluatedLen {
		return "", fmt.Errorf("evaluated prefix is %d characters long, more than the maximum of %d", n, prefixMaxEvaluatedLen)
	}
	return string(buf), nil
}

// prefixJavaLen counts UTF-16 code units, as Java's String.length does.
func prefixJavaLen(b []byte) int {
	n := 0
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			n++
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}

// eval appends the evaluated template to buf. tm is already in the stream's
// time zone; every timestamp expression uses this same instant.
func (t *PrefixTemplate) tmplEval(buf []byte, tm time.Time, errorType string, rnd io.Reader) ([]byte, error) {
	for _, s := range t.segs {
		switch s.kind {
		case tmplSegLiteral:
			buf = append(buf, s.text...)
		case tmplSegTimestamp:
			buf = tmplFormat(buf, s.ops, tm)
		case tmplSegRandom:
			var err error
			if buf, err = prefixAppendRandom(buf, rnd); err != nil {
				return nil, err
			}
		case tmplSegErrorType:
			if errorType == "" {
				return nil, errors.New(prefixExprErrorType + " is only valid in ErrorOutputPrefix")
			}
			buf = append(buf, errorType...)
		case tmplSegPartitionQuery, tmplSegPartitionLambda:
			return nil, errors.New("cannot evaluate " + s.text + ": dynamic partitioning is not supported")
		}
	}
	return buf, nil
}

// prefixAppendRandom appends 11 random lowercase hexadecimal characters.
func prefixAppendRandom(buf []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [(prefixRandomStringLen + 1) / 2]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return nil, fmt.Errorf("random-string: %w", err)
	}
	const hex = "0123456789abcdef"
	for i := 0; i < prefixRandomStringLen; i++ {
		v := b[i/2]
		if i%2 == 0 {
			v >>= 4
		}
		buf = append(buf, hex[v&0x0f])
	}
	return buf, nil
}

// ---------------------------------------------------------------------------
// Java DateTimeFormatter patterns.

// tmplOp is one compiled element of a Java pattern: a literal (letter == 0)
// or a field letter repeated count times.
type tmplOp struct {
	letter byte
	count  int
	lit    string
}

var tmplDefaultTimePath = func() []tmplOp {
	ops, err := tmplCompileJava(prefixDefaultTimeLayout)
	if err != nil {
		panic(err)
	}
	return ops
}()

// tmplCompileJava compiles a DateTimeFormatter pattern, rejecting what
// DateTimeFormatter.ofPattern rejects (unknown letters, too many letters,
// unterminated quotes, reserved characters #{}, an unmatched ']') and the
// rarely used letters this emulator does not implement.
func tmplCompileJava(p string) ([]tmplOp, error) {
	var ops []tmplOp
	addLit := func(s string) {
		if n := len(ops); n > 0 && ops[n-1].letter == 0 {
			ops[n-1].lit += s
			return
		}
		ops = append(ops, tmplOp{lit: s})
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
			if err := tmplCheckLetter(c, count); err != nil {
				return nil, err
			}
			ops = append(ops, tmplOp{letter: c, count: count})
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

// tmplCheckLetter validates a pattern letter and its repeat count, following
// DateTimeFormatterBuilder.appendPattern (JDK 11+).
func tmplCheckLetter(c byte, n int) error {
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

var (
	tmplQuarterFull = [4]string{"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"}
	// tmplZoneFull maps common zone abbreviations to the long names Java prints
	// for "zzzz"; other zones fall back to the abbreviation.
	tmplZoneFull = map[string]string{
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

// tmplFormat appends t formatted with compiled ops.
func tmplFormat(buf []byte, ops []tmplOp, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	nanos := t.Nanosecond()
	for _, op := range ops {
		n := op.count
		switch op.letter {
		case 0:
			buf = append(buf, op.lit...)
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
			buf = tmplAppendYear(buf, int64(year), n)
		case 'y':
			yoe := year
			if yoe <= 0 {
				yoe = 1 - yoe
			}
			buf = tmplAppendYear(buf, int64(yoe), n)
		case 'Y':
			wby, _ := tmplWeekUS(t)
			buf = tmplAppendYear(buf, int64(wby), n)
		case 'w':
			_, w := tmplWeekUS(t)
			buf = tmplAppendPadded(buf, int64(w), n)
		case 'D':
			buf = tmplAppendPadded(buf, int64(t.YearDay()), n)
		case 'M', 'L':
			buf = tmplAppendText(buf, int64(month), n, month.String())
		case 'Q', 'q':
			q := (int(month)-1)/3 + 1
			switch n {
			case 3:
				buf = append(buf, 'Q')
				buf = strconv.AppendInt(buf, int64(q), 10)
			case 4:
				buf = append(buf, tmplQuarterFull[q-1]...)
			case 5:
				buf = strconv.AppendInt(buf, int64(q), 10)
			default:
				buf = tmplAppendPadded(buf, int64(q), n)
			}
		case 'd':
			buf = tmplAppendPadded(buf, int64(day), n)
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
				buf = tmplAppendPadded(buf, int64(t.Weekday())+1, n)
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
			buf = tmplAppendPadded(buf, int64((day-1+first)/7+1), n)
		case 'g':
			// Modified Julian Day of the local date.
			days := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix()/86400 + 40587
			if days < 0 {
				buf = append(buf, '-')
				days = -days
			}
			buf = tmplAppendPadded(buf, days, n)
		case 'a':
			if hour < 12 {
				buf = append(buf, "AM"...)
			} else {
				buf = append(buf, "PM"...)
			}
		case 'H':
			buf = tmplAppendPadded(buf, int64(hour), n)
		case 'k':
			h := hour
			if h == 0 {
				h = 24
			}
			buf = tmplAppendPadded(buf, int64(h), n)
		case 'K':
			buf = tmplAppendPadded(buf, int64(hour%12), n)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			buf = tmplAppendPadded(buf, int64(h), n)
		case 'm':
			buf = tmplAppendPadded(buf, int64(minute), n)
		case 's':
			buf = tmplAppendPadded(buf, int64(sec), n)
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
			buf = tmplAppendPadded(buf, ms, n)
		case 'n':
			buf = tmplAppendPadded(buf, int64(nanos), n)
		case 'N':
			ns := int64(hour*3600+minute*60+sec)*1e9 + int64(nanos)
			buf = tmplAppendPadded(buf, ns, n)
		case 'V':
			buf = append(buf, t.Location().String()...)
		case 'z':
			// Go has tzdata abbreviations only. Numeric ones ("+04") print as
			// the localized offset, as recent JDKs (CLDR 42+) do ("GMT+04:00").
			name, off := t.Zone()
			if name == "" || name[0] == '+' || name[0] == '-' {
				buf = tmplAppendLocalizedOffset(buf, off, true)
				break
			}
			if n == 4 {
				if full, ok := tmplZoneFull[name]; ok {
					name = full
				}
			}
			buf = append(buf, name...)
		case 'O':
			_, off := t.Zone()
			buf = tmplAppendLocalizedOffset(buf, off, n == 4)
		case 'Z':
			_, off := t.Zone()
			switch {
			case n == 4:
				buf = tmplAppendLocalizedOffset(buf, off, true)
			case n == 5:
				buf = tmplAppendOffset(buf, off, 6, "Z")
			default:
				buf = tmplAppendOffset(buf, off, 3, "+0000")
			}
		case 'X', 'x':
			_, off := t.Zone()
			typ := n + 1
			if n == 1 {
				typ = 1
			}
			zero := "Z"
			if op.letter == 'x' {
				switch {
				case n == 1:
					zero = "+00"
				case n%2 == 0:
					zero = "+0000"
				default:
					zero = "+00:00"
				}
			}
			buf = tmplAppendOffset(buf, off, typ, zero)
		}
	}
	return buf
}

// tmplAppendYear formats a year field like DateTimeFormatterBuilder: two
// letters print the last two digits; fewer than four use SignStyle.NORMAL;
// four or more use SignStyle.EXCEEDS_PAD ('+' when wider than the pattern).
func tmplAppendYear(buf []byte, v int64, n int) []byte {
	if n == 2 {
		if v < 0 {
			v = -v
		}
		return tmplAppendPadded(buf, v%100, 2)
	}
	if v < 0 {
		buf = append(buf, '-')
		return tmplAppendPadded(buf, -v, n)
	}
	if n >= 4 && tmplDigits(v) > n {
		buf = append(buf, '+')
	}
	return tmplAppendPadded(buf, v, n)
}

func tmplDigits(v int64) int {
	d := 1
	for v >= 10 {
		v /= 10
		d++
	}
	return d
}

// tmplAppendPadded appends a non-negative v zero-padded to width digits.
func tmplAppendPadded(buf []byte, v int64, width int) []byte {
	for d := tmplDigits(v); d < width; d++ {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, v, 10)
}

// tmplAppendText formats a number/text field (M, L): 1-2 letters numeric,
// 3 short text, 4 full text, 5 narrow text.
func tmplAppendText(buf []byte, v int64, n int, full string) []byte {
	switch n {
	case 3:
		return append(buf, full[:3]...)
	case 4:
		return append(buf, full...)
	case 5:
		return append(buf, full[0])
	}
	return tmplAppendPadded(buf, v, n)
}

// tmplWeekUS returns the week-based-year and week-of-week-based-year of
// WeekFields.of(Locale.US): weeks run Sunday..Saturday and week 1 is the
// week that contains January 1.
func tmplWeekUS(t time.Time) (int, int) {
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

// tmplAppendOffset implements OffsetIdPrinterParser. typ indexes the JDK
// pattern table: 1 "+HHmm", 3 "+HHMM", 4 "+HH:MM", 5 "+HHMMss", 6 "+HH:MM:ss".
func tmplAppendOffset(buf []byte, total, typ int, zero string) []byte {
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

// tmplAppendLocalizedOffset implements "O" (short: GMT+9, GMT+5:30) and
// "OOOO"/"ZZZZ" (full: GMT+09:00); a zero offset prints "GMT".
func tmplAppendLocalizedOffset(buf []byte, total int, full bool) []byte {
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
