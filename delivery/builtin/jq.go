package builtin

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/itchyny/gojq"
)

// The MetadataExtraction processor: a jq 1.6 query, compiled once, run on
// every record to give its partition keys (spec §1.3).
//
// gojq runs the query. Where gojq and jq 1.6 differ in ways that reach a
// key, the query runs in a prelude that makes gojq answer as jq 1.6 does:
//   - numbers: records are read as jq 1.6 reads them (every number a
//     double, 1e1000 an infinity printed as the largest double), and key
//     values, tostring,
//     tojson, string interpolation, @text and @json write numbers as jq 1.6
//     does (1e+16, 1e-05, 12345678901234567000), not as gojq does;
//   - builtins jq 1.6 lacks (abs, toboolean, trim, ltrim, rtrim, trimstr/1,
//     pick, add/1, debug/1, scan/2, skip/2) and if without else are refused
//     when the query is created, as jq 1.6 would not compile it; @urid
//     fails on every record, as in jq 1.6 (like @base32d, in both);
//   - jq 1.6 builtins gojq lacks are defined: keys_unsorted, leaf_paths,
//     recurse_down, scalars_or_empty, pow10, debug/0, stderr,
//     input_filename;
//   - jq 1.6's own definitions where gojq answers otherwise: join writes
//     numbers with tojson; limit(0; f) gives f's first output and a
//     negative limit all of them; index, rindex and indices on strings
//     count bytes, not characters, and skip overlapping matches; gmtime,
//     strftime and todate on negative times with a fraction truncate toward
//     zero; tonumber keeps "-0";
//   - localtime and strflocaltime are gmtime and strftime (Firehose's hosts
//     are assumed to run in UTC; unverified).
//
// Differences left (none changes the keys of a usual query):
//   - objects: gojq's keep no key order; keys_unsorted, to_entries, .[] and
//     tojson of an object go in sorted key order where jq 1.6 keeps the
//     record's order;
//   - regular expressions (test, match, capture, sub, gsub, split/2, splits,
//     scan) are Go's RE2, not Oniguruma: no look-around or backreferences;
//   - @csv, @tsv, @sh, @html and @uri write numbers as gojq does;
//   - strftime's rare glibc directives (%Ez, %+) and gojq-only ones (%f,
//     %:z); $__loc__, input_line_number, lgamma_r, get_search_list and the
//     module system are missing; env and $ENV are empty; input and inputs
//     find no more input, as in jq 1.6 on a single record;
//   - jq 1.6 reads some non-JSON (NaN, 01, .5, +1); records must be strict
//     JSON here (see Extract).

// Query limits. The query is the stream owner's, the records are not:
// MaxQuerySteps bounds the work one record can cost (a step is one of
// gojq's instructions; a usual key query takes a few hundred), and
// QueryTimeout bounds its time should single steps be slow.
const (
	MaxQuerySteps = 10_000_000
	QueryTimeout  = time.Second
	// MaxQueryKeys is how many keys a query may yield (CDK refuses more;
	// that AWS does too, with this message, is unverified).
	MaxQueryKeys = 50
)

// Key is one partition key from a record.
type Key struct {
	Name  string
	Value string
}

// MetadataExtractor runs one MetadataExtraction query. It is safe for
// concurrent use.
type MetadataExtractor struct {
	query  string
	code   *gojq.Code
	keys   []string // the keys of a static query, sorted
	static bool
	fields []fieldKey // a field-picking query's keys (jqfast.go), or nil
	noFast bool       // tests: always run gojq
	// MaxSteps and Timeout bound one record's run (MaxQuerySteps and
	// QueryTimeout by default).
	MaxSteps int
	Timeout  time.Duration
}

// prelude makes gojq answer as jq 1.6 (see the top of the file).
const prelude = `
def tostring: _jq16_tostring;
def tojson: _jq16_tojson;
def tonumber: _jq16_tonumber;
def keys_unsorted: keys;
def leaf_paths: paths(scalars);
def recurse_down: recurse;
def scalars_or_empty: select(. == null or . == true or . == false or type == "number" or type == "string" or ((type == "array" or type == "object") and length == 0));
def pow10: pow(10; .);
def debug: .;
def stderr: .;
def input_filename: null;
def _gojq_strftime(f): strftime(f);
def gmtime: _jq16_gmtime;
def strftime(f): if type == "number" then gmtime | _gojq_strftime(f) else _gojq_strftime(f) end;
def todate: strftime("%Y-%m-%dT%H:%M:%SZ");
def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
def localtime: gmtime;
def strflocaltime(f): strftime(f);
def _gojq_indices($i): indices($i);
def indices($i): if type == "string" and ($i|type) == "string" then _jq16_strindices($i) else _gojq_indices($i) end;
def index($i): indices($i) | .[0];
def rindex($i): indices($i) | .[-1:][0];
def join($x): reduce .[] as $i (null; (if . == null then "" else . + $x end) + ($i | if . == null then "" elif type == "boolean" or type == "number" then tojson else . end)) // "";
def _tourid: error("urid is not a valid format");
def limit($n; f): if $n < 0 then f else label $out | foreach f as $item (0; . + 1; $item, if . >= $n then break $out else empty end) end;
.`

// notInJQ16 are gojq's builtins jq 1.6 does not have (`jq -n builtins`).
var notInJQ16 = map[string]bool{
	"abs/0": true, "add/1": true, "debug/1": true, "ltrim/0": true, "pick/1": true, "rtrim/0": true,
	"scan/2": true, "skip/2": true, "toboolean/0": true, "trim/0": true, "trimstr/1": true,
}

var compileOptions = []gojq.CompilerOption{
	gojq.WithFunction("_jq16_tostring", 0, 0, func(v any, _ []any) any {
		if s, ok := v.(string); ok {
			return s
		}
		return string(appendJQJSON(nil, v))
	}),
	gojq.WithFunction("_jq16_tojson", 0, 0, func(v any, _ []any) any {
		return string(appendJQJSON(nil, v))
	}),
	gojq.WithFunction("_jq16_tonumber", 0, 0, jq16ToNumber),
	gojq.WithFunction("_jq16_gmtime", 0, 0, jq16Gmtime),
	gojq.WithFunction("_jq16_strindices", 1, 1, jq16StrIndices),
	// input and inputs compile, and find no more input.
	gojq.WithInputIter(gojq.NewIter[any]()),
}

// CompileQuery compiles a MetadataExtractionQuery, refusing what jq 1.6
// would not compile. Its error is the InvalidArgumentException
// CreateDeliveryStream answers with (the text is ours: AWS's is unknown).
func CompileQuery(query string) (*MetadataExtractor, *awsjson.Error) {
	invalid := func(why string) *awsjson.Error {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "MetaDataExtraction JQ Query is not valid: %s", why)
	}
	q, err := gojq.Parse(query)
	if err != nil {
		return nil, invalid(err.Error())
	}
	if why := jq16Refusal(q); why != "" {
		return nil, invalid(why)
	}
	keys, static := staticKeys(q)
	if static && len(keys) > MaxQueryKeys {
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "MetaDataExtraction JQ Query cannot have more than %d keys.", MaxQueryKeys)
	}
	fields := fieldKeys(q)
	p, err := gojq.Parse(prelude)
	if err != nil {
		panic("builtin: prelude: " + err.Error())
	}
	q.FuncDefs = append(p.FuncDefs, q.FuncDefs...)
	code, err := gojq.Compile(q, compileOptions...)
	if err != nil {
		return nil, invalid(err.Error())
	}
	return &MetadataExtractor{query: query, code: code, keys: keys, static: static, fields: fields, MaxSteps: MaxQuerySteps, Timeout: QueryTimeout}, nil
}

// Query is the query as configured.
func (m *MetadataExtractor) Query() string { return m.query }

// Keys returns the keys the query yields, sorted, and true, when they can
// be known without a record: the query's output is an object construction
// whose keys are names or plain strings ({a: .x, "b c": .y, $v}), possibly
// at the end of a pipe. Otherwise it returns nil, false.
func (m *MetadataExtractor) Keys() ([]string, bool) { return m.keys, m.static }

// CheckPrefixKeys refuses a static query with a key that the S3 Prefix
// does not use as !{partitionKeyFromQuery:key}; prefixKeys are the keys the
// prefix uses. A query whose keys are not static passes.
func (m *MetadataExtractor) CheckPrefixKeys(prefixKeys []string) *awsjson.Error {
	for _, k := range m.keys {
		if !slices.Contains(prefixKeys, k) {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression")
		}
	}
	return nil
}

// staticKeys finds the keys of a query whose output is an object
// construction with constant keys.
func staticKeys(q *gojq.Query) ([]string, bool) {
	for q != nil {
		switch {
		case q.Op == gojq.OpPipe:
			q = q.Right
		case q.Op == 0 && q.Term != nil && len(q.Term.SuffixList) == 0 && q.Term.Type == gojq.TermTypeQuery:
			q = q.Term.Query
		case q.Op == 0 && q.Term != nil && len(q.Term.SuffixList) == 0 && q.Term.Type == gojq.TermTypeObject:
			keys := []string{}
			for _, kv := range q.Term.Object.KeyVals {
				var k string
				switch {
				case kv.Key != "" && kv.Key[0] == '$':
					k = kv.Key[1:]
				case kv.Key != "" && kv.Key[0] != '@':
					k = kv.Key
				case kv.KeyString != nil && kv.KeyString.Queries == nil:
					k = kv.KeyString.Str
				default:
					return nil, false
				}
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			return keys, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// jq16Refusal says why jq 1.6 would not compile q, or "".
func jq16Refusal(q *gojq.Query) string {
	defined := map[string]bool{}
	var calls []string
	why := ""
	walkAST(reflect.ValueOf(q), func(v any) {
		switch n := v.(type) {
		case *gojq.FuncDef:
			defined[fmt.Sprintf("%s/%d", n.Name, len(n.Args))] = true
		case *gojq.Func:
			calls = append(calls, fmt.Sprintf("%s/%d", n.Name, len(n.Args)))
		case *gojq.If:
			if n.Else == nil && why == "" {
				why = "if without else is not jq 1.6 syntax"
			}
		}
	})
	if why != "" {
		return why
	}
	for _, c := range calls {
		if notInJQ16[c] && !defined[c] {
			return c + " is not defined"
		}
	}
	return ""
}

// walkAST calls f with every pointer to a struct in the tree under v.
func walkAST(v reflect.Value, f func(any)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().Kind() == reflect.Struct {
			f(v.Interface())
		}
		walkAST(v.Elem(), f)
	case reflect.Struct:
		for i := range v.NumField() {
			walkAST(v.Field(i), f)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkAST(v.Index(i), f)
		}
	}
}

// errQueryLimit is what a run past its bounds ends with.
var errQueryLimit = errors.New("query limit reached")

// runContext is the context a query runs under: gojq asks its Done channel
// before every instruction, which is where the steps are counted and the
// clock is read (every 4096 steps). It belongs to one run, on one
// goroutine.
type runContext struct {
	steps, max int
	deadline   time.Time
	done       chan struct{}
	err        error
}

func (c *runContext) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *runContext) Err() error                  { return c.err }
func (c *runContext) Value(any) any               { return nil }
func (c *runContext) Done() <-chan struct{} {
	c.steps++
	if c.err == nil && (c.steps > c.max || c.steps&4095 == 0 && time.Now().After(c.deadline)) {
		c.err = errQueryLimit
		close(c.done)
	}
	return c.done
}

var runContexts = sync.Pool{New: func() any { return &runContext{done: make(chan struct{})} }}

// Extract runs the query on record and appends its keys, sorted by name,
// to dst. The record must be exactly one JSON value (RFC 8259, whitespace
// and a UTF-8 byte order mark around it allowed); the query must yield
// exactly one object, whose values must be strings (used as they are),
// numbers (as jq 1.6 prints them) or booleans. Anything else is a Failure
// with AWS's code DynamicPartitioning.MetadataExtractionFailed; its
// messages are ours except AWS's "Non JSON record provided".
func (m *MetadataExtractor) Extract(dst []Key, record []byte) ([]Key, *Failure) {
	if m.fields != nil && !m.noFast {
		if out, f, handled := extractFields(dst, record, m.fields); handled {
			return out, f
		}
	}
	input, err := parseDocument(record)
	if err != nil {
		return dst, failNonJSON
	}
	rc := runContexts.Get().(*runContext)
	defer func() {
		if rc.err != nil {
			rc.done = make(chan struct{})
			rc.err = nil
		}
		runContexts.Put(rc)
	}()
	rc.steps, rc.max, rc.deadline = 0, m.MaxSteps, time.Now().Add(m.Timeout)
	iter := m.code.RunWithContext(rc, input)
	out, ok := iter.Next()
	if f := m.runFailure(rc, out, ok); f != nil {
		return dst, f
	}
	if more, ok := iter.Next(); ok {
		if f := m.runFailure(rc, more, ok); f != nil {
			return dst, f
		}
		return dst, metadataFailure("The MetadataExtractionQuery produced more than one result for the record.")
	}
	if rc.err != nil {
		return dst, m.limitFailure()
	}
	obj, isObj := out.(map[string]any)
	if !isObj {
		return dst, metadataFailure("The MetadataExtractionQuery produced " + jqType(out) + ", not an object.")
	}
	// Keys in name order, so that of several bad values the same one is
	// named every time.
	start := len(dst)
	for name := range obj {
		dst = append(dst, Key{Name: name})
	}
	keys := dst[start:]
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	for i := range keys {
		name := keys[i].Name
		switch v := obj[name].(type) {
		case string:
			keys[i].Value = v
		case bool:
			keys[i].Value = "false"
			if v {
				keys[i].Value = "true"
			}
		default:
			f, isNum := toFloat(v)
			switch {
			case v == nil || isNum && math.IsNaN(f): // jq 1.6 outputs NaN as null
				return dst[:start], metadataFailure("The value of partition key " + name + " is null: the record has no such field, or it is null.")
			case !isNum:
				return dst[:start], metadataFailure("The value of partition key " + name + " is " + jqType(v) + ", not a string, number or boolean.")
			}
			var buf [32]byte
			keys[i].Value = string(appendJQNumber(buf[:0], f))
		}
	}
	return dst, nil
}

// jq16ToNumber is jq 1.6's tonumber: a number as it is, a string read as
// a number literal (whitespace around it, and jq 1.6's leniencies: 01, .5,
// +1, NaN, inf), "-0" staying -0 (gojq's tonumber makes it 0).
func jq16ToNumber(v any, _ []any) any {
	s, ok := v.(string)
	if !ok {
		if _, isNum := toFloat(v); isNum {
			return v
		}
		return fmt.Errorf("%s (%s) cannot be parsed as a number", jqTypeName(v), appendJQJSON(nil, v))
	}
	t := strings.Trim(s, " \t\r\n")
	lower := strings.ToLower(t)
	if t != "" && t != "NaN" && !strings.Contains(lower, "nan") && !strings.Contains(lower, "x") && !strings.Contains(t, "_") {
		if f, err := strconv.ParseFloat(t, 64); err == nil || math.IsInf(f, 0) {
			return f
		}
	}
	if t == "NaN" {
		return math.NaN()
	}
	return fmt.Errorf("invalid numeric literal (while parsing '%s')", s)
}

// jq16Gmtime is jq 1.6's gmtime: the broken-down UTC time of whole seconds
// truncated toward zero, the fraction then added back to the seconds (so
// -1.5 is 23:59:59.5, where gojq says 23:59:58.5).
func jq16Gmtime(v any, _ []any) any {
	f, ok := toFloat(v)
	if !ok {
		return errors.New("gmtime() requires a number")
	}
	// jq 1.6's own message, typo included, when glibc's struct tm cannot
	// hold the year.
	tooFar := errors.New("errror converting number of seconds since epoch to datetime")
	if math.IsNaN(f) || math.Abs(f) > 1e18 {
		return tooFar
	}
	t := time.Unix(int64(math.Trunc(f)), 0).UTC()
	if y := int64(t.Year()) - 1900; y > math.MaxInt32 || y < math.MinInt32 {
		return tooFar
	}
	return []any{
		float64(t.Year()), float64(t.Month() - 1), float64(t.Day()), float64(t.Hour()), float64(t.Minute()),
		float64(t.Second()) + (f - math.Floor(f)), float64(t.Weekday()), float64(t.YearDay() - 1),
	}
}

// jq16StrIndices is jq 1.6's _strindices: the byte offsets (not the
// character offsets gojq gives) of the occurrences of the needle that do
// not overlap.
func jq16StrIndices(v any, args []any) any {
	s, needle := v.(string), args[0].(string) // the prelude checks both
	if needle == "" {
		return errors.New("cannot allocate memory") // jq 1.6 runs out of memory
	}
	out := []any{}
	for i := 0; ; {
		k := strings.Index(s[i:], needle)
		if k < 0 {
			return out
		}
		out = append(out, i+k)
		i += k + len(needle)
	}
}

// runFailure is the Failure of a query result that is an error or none.
func (m *MetadataExtractor) runFailure(rc *runContext, out any, ok bool) *Failure {
	if rc.err != nil {
		return m.limitFailure()
	}
	if !ok {
		return metadataFailure("The MetadataExtractionQuery produced no result for the record.")
	}
	if err, isErr := out.(error); isErr {
		return metadataFailure("The MetadataExtractionQuery failed on the record: " + err.Error())
	}
	return nil
}

func (m *MetadataExtractor) limitFailure() *Failure {
	return metadataFailure(fmt.Sprintf("The MetadataExtractionQuery ran too long on the record (more than %d steps or %v).", m.MaxSteps, m.Timeout))
}

// jqTypeName is v's jq type.
func jqTypeName(v any) string {
	if _, ok := toFloat(v); ok {
		return "number"
	}
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// jqType names v's jq type with its article.
func jqType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	if _, ok := toFloat(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
