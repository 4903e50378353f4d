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
//     with Locale.US, as package javatime implements it (see its
//     documentation for the letters supported and the known differences).
//   - !{firehose:random-string} yields 11 lowercase hexadecimal characters,
//     like the AWS documentation example "5abf82daaa5".
//   - The 512-character limit applies to the whole evaluated prefix, including
//     an appended default time path, counted in UTF-16 code units as Java does.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firehose-local/firehose-local/protocol/javatime"
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
	text  string              // literal text, or the expression source "!{ns:value}"
	value string              // the expression value (pattern, firehose value, key)
	time  *javatime.Formatter // compiled timestamp pattern
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
		f, err := javatime.Compile(val)
		if err != nil {
			return tmplSegment{}, "invalid timestamp pattern: " + err.Error()
		}
		return tmplSegment{kind: tmplSegTimestamp, value: val, time: f}, ""
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
// The message of rule 5 is known verbatim from AWS; the constraints of the
// others are the texts quoted from the service by third-party preflight rules
// (firehose-pipeline spec §1.2), after the same lead-in (an assumption).
func ValidatePrefixes(prefix, errorOutputPrefix string, dynamicPartitioning bool) error {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return prefixSyntaxRuleError("Prefix", err)
	}
	e, err := ParsePrefix(errorOutputPrefix)
	if err != nil {
		return prefixSyntaxRuleError("ErrorOutputPrefix", err)
	}
	if _, ok := p.tmplFirst(tmplSegErrorType); ok {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixConstraintLeadIn + "Prefix must not contain any occurrence of " + prefixExprErrorType)
	}
	if _, ok := e.tmplFirst(tmplSegPartitionQuery, tmplSegPartitionLambda); ok {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixConstraintLeadIn + "Dynamic Partitioning Namespaces can't be part of an error prefix expression")
	}
	_, hasPK := p.tmplFirst(tmplSegPartitionQuery, tmplSegPartitionLambda)
	if hasPK && !dynamicPartitioning {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixConstraintLeadIn + "Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.")
	}
	if p.HasExpressions() && errorOutputPrefix == "" {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixMsgErrorPrefixRequired)
	}
	if dynamicPartitioning && !hasPK {
		//lint:ignore ST1005 AWS's own message, word for word
		return errors.New(prefixConstraintLeadIn + "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled")
	}
	if e.HasExpressions() {
		if _, ok := e.tmplFirst(tmplSegErrorType); !ok {
			//lint:ignore ST1005 AWS's own message, word for word
			return errors.New(prefixConstraintLeadIn + "ErrorOutputPrefix must contain at least one occurrence of " + prefixExprErrorType)
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

// prefixDefaultTimePath is the time path appended to a prefix without
// expressions.
var prefixDefaultTimePath = javatime.MustCompile(prefixDefaultTimeLayout)

// KeyPrefixes is a destination's Prefix and ErrorOutputPrefix, parsed once
// by ParseKeyPrefixes and evaluated for each object by Data and Error. It is
// immutable and safe for concurrent use.
type KeyPrefixes struct {
	data     keyPrefix // Prefix
	errorOut keyPrefix // ErrorOutputPrefix
}

// keyPrefix is one parsed prefix: static text (tmpl nil) or a template with
// expressions.
type keyPrefix struct {
	src  string
	tmpl *PrefixTemplate
}

// parseKeyPrefix parses s unless it is static text.
func parseKeyPrefix(s string) (keyPrefix, error) {
	if !strings.Contains(s, "!{") {
		return keyPrefix{src: s}, nil
	}
	t, err := ParsePrefix(s)
	if err != nil {
		return keyPrefix{}, err
	}
	return keyPrefix{src: s, tmpl: t}, nil
}

// ParseKeyPrefixes parses a destination's Prefix and ErrorOutputPrefix for
// Data and Error. It checks syntax only, as ParsePrefix does, and returns
// ParsePrefix's error for Prefix, then for ErrorOutputPrefix: unlike
// ErrorKeyPrefix, which parses only the prefix it evaluates, it fails when
// either is invalid. The placement rules are ValidatePrefixes's; a Prefix with
// expressions and an empty ErrorOutputPrefix parses, and Error then fails as
// ErrorKeyPrefix does.
//
// Evaluating the result gives exactly what DataKeyPrefix and ErrorKeyPrefix
// give for the same prefixes, without parsing them again.
func ParseKeyPrefixes(prefix, errorOutputPrefix string) (*KeyPrefixes, error) {
	d, err := parseKeyPrefix(prefix)
	if err != nil {
		return nil, err
	}
	e, err := parseKeyPrefix(errorOutputPrefix)
	if err != nil {
		return nil, err
	}
	return &KeyPrefixes{data: d, errorOut: e}, nil
}

// DataKeyPrefix returns the evaluated S3 key prefix for delivered data. When
// the prefix has no expressions the default time path yyyy/MM/dd/HH/ is
// appended by plain concatenation ("legacy" -> "legacy2026/07/13/14/"; an
// empty prefix gives just the time path). loc is the CustomTimeZone (nil =
// UTC); rnd feeds !{firehose:random-string} (nil = crypto/rand).
//
// It parses prefix on every call; ParseKeyPrefixes and Data do it once.
func DataKeyPrefix(prefix string, t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	d, err := parseKeyPrefix(prefix)
	if err != nil {
		return "", err
	}
	k := KeyPrefixes{data: d}
	return k.Data(t, loc, rnd)
}

// Data returns the evaluated S3 key prefix for delivered data at t, as
// DataKeyPrefix does.
func (k *KeyPrefixes) Data(t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	return k.Partition(t, loc, rnd, nil)
}

// PartitionKeys are the dynamic partitioning keys of one partition: the
// values of !{partitionKeyFromQuery:k} and !{partitionKeyFromLambda:k}.
type PartitionKeys struct {
	Query, Lambda map[string]string
}

// Partition returns the evaluated S3 key prefix for the data of the
// partition with keys at t. A key the prefix uses and keys lacks is an error.
func (k *KeyPrefixes) Partition(t time.Time, loc *time.Location, rnd io.Reader, keys *PartitionKeys) (string, error) {
	tm := prefixIn(t, loc)
	buf := make([]byte, 0, len(k.data.src)+len(prefixDefaultTimeLayout)+8)
	if k.data.tmpl == nil {
		buf = append(buf, k.data.src...)
		buf = prefixDefaultTimePath.Append(buf, tm)
		return prefixFinish(buf)
	}
	buf, err := k.data.tmpl.tmplEval(buf, tm, "", rnd, keys)
	if err != nil {
		return "", err
	}
	return prefixFinish(buf)
}

// PartitionKeyNames lists the keys Prefix uses, by namespace, each once, in
// order of appearance.
func (k *KeyPrefixes) PartitionKeyNames() (query, lambda []string) {
	if k.data.tmpl == nil {
		return nil, nil
	}
	for _, s := range k.data.tmpl.segs {
		switch {
		case s.kind == tmplSegPartitionQuery && !slices.Contains(query, s.value):
			query = append(query, s.value)
		case s.kind == tmplSegPartitionLambda && !slices.Contains(lambda, s.value):
			lambda = append(lambda, s.value)
		}
	}
	return query, lambda
}

// errPrefixNoErrorType is the error of ErrorKeyPrefix and KeyPrefixes.Error for an
// empty error type.
var errPrefixNoErrorType = errors.New("error output type must not be empty")

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
//
// It parses only the prefix it uses (Prefix when ErrorOutputPrefix is empty,
// else ErrorOutputPrefix), on every call; ParseKeyPrefixes and KeyPrefixes.Error parse
// both once.
func ErrorKeyPrefix(prefix, errorOutputPrefix, errorType string, t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	if errorType == "" {
		return "", errPrefixNoErrorType
	}
	var k KeyPrefixes
	var err error
	if errorOutputPrefix == "" {
		k.data, err = parseKeyPrefix(prefix)
	} else {
		k.errorOut, err = parseKeyPrefix(errorOutputPrefix)
	}
	if err != nil {
		return "", err
	}
	return k.Error(errorType, t, loc, rnd)
}

// Error returns the evaluated key prefix for error output of the given type
// at t, as ErrorKeyPrefix does.
func (k *KeyPrefixes) Error(errorType string, t time.Time, loc *time.Location, rnd io.Reader) (string, error) {
	if errorType == "" {
		return "", errPrefixNoErrorType
	}
	tm := prefixIn(t, loc)
	e := k.errorOut
	if e.src == "" {
		if k.data.tmpl != nil {
			return "", errors.New("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
		}
		buf := make([]byte, 0, len(k.data.src)+len(errorType)+len(prefixDefaultTimeLayout)+8)
		buf = append(buf, k.data.src...)
		buf = append(buf, errorType...)
		buf = append(buf, '/')
		buf = prefixDefaultTimePath.Append(buf, tm)
		return prefixFinish(buf)
	}
	buf := make([]byte, 0, len(e.src)+len(errorType)+len(prefixDefaultTimeLayout)+8)
	if e.tmpl == nil {
		buf = append(buf, e.src...)
		buf = prefixDefaultTimePath.Append(buf, tm)
		return prefixFinish(buf)
	}
	buf, err := e.tmpl.tmplEval(buf, tm, errorType, rnd, nil)
	if err != nil {
		return "", err
	}
	return prefixFinish(buf)
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
func (t *PrefixTemplate) tmplEval(buf []byte, tm time.Time, errorType string, rnd io.Reader, keys *PartitionKeys) ([]byte, error) {
	for _, s := range t.segs {
		switch s.kind {
		case tmplSegLiteral:
			buf = append(buf, s.text...)
		case tmplSegTimestamp:
			buf = s.time.Append(buf, tm)
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
			var m map[string]string
			if keys != nil {
				m = keys.Query
				if s.kind == tmplSegPartitionLambda {
					m = keys.Lambda
				}
			}
			v, ok := m[s.value]
			if !ok {
				return nil, errors.New("cannot evaluate " + s.text + ": the record has no partition key " + s.value)
			}
			buf = append(buf, v...)
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

// String shows the keys as name=value pairs, query keys first, for logs
// and the console.
func (k *PartitionKeys) String() string {
	var sb strings.Builder
	for _, m := range []map[string]string{k.Query, k.Lambda} {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(n + "=" + m[n])
		}
	}
	return sb.String()
}
