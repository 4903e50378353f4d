package protocol

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests use, whatever the machine has

	"github.com/firehose-local/firehose-local/protocol/javatime"
)

// prefixTestTime is the instant of the AWS documentation examples:
// 2018-08-27 10:30 UTC (plus nanoseconds for fraction tests).
var prefixTestTime = time.Date(2018, 8, 27, 10, 30, 0, 123456789, time.UTC)

// prefixTestZeroReader is an endless source of zero bytes.
type prefixTestZeroReader struct{}

func (prefixTestZeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func prefixTestLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err) // time/tzdata is linked in: it is always there
	}
	return loc
}

var prefixSpecCases = []struct {
	name      string
	prefix    string
	errPrefix string
	at        time.Time
	wantData  string
	wantError string // for error type processing-failed
}{
	{
		name:      "doc: Prefix unset, ErrorOutputPrefix with error-output-type",
		errPrefix: "myFirehoseFailures/!{firehose:error-output-type}/",
		at:        prefixTestTime,
		wantData:  "2018/08/27/10/",
		wantError: "myFirehoseFailures/processing-failed/",
	},
	{
		name:      "doc: year and month expressions",
		prefix:    "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/",
		errPrefix: "myErrorPrefix/!{firehose:error-output-type}/",
		at:        prefixTestTime,
		wantData:  "myPrefix/year=2018/month=08/",
		wantError: "myErrorPrefix/processing-failed/",
	},
	{
		name:      "doc: timestamp with slashes in both prefixes",
		prefix:    "!{timestamp:yyyy/MM/dd}",
		errPrefix: "myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}",
		at:        prefixTestTime,
		wantData:  "2018/08/27",
		wantError: "myFirehoseFailures/processing-failed/2018/08/27",
	},
	{
		name:      "doc: hive-style partitions",
		prefix:    "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
		errPrefix: "myErrorPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:error-output-type}",
		at:        prefixTestTime,
		wantData:  "myPrefix/year=2018/month=08/day=27/hour=10/",
		wantError: "myErrorPrefix/year=2018/month=08/day=27/hour=10/processing-failed",
	},
	{
		name:      "quoted dashes (aws cli gist)",
		prefix:    "test_hose/dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/",
		errPrefix: "test_hose/processing-failed/dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/!{firehose:error-output-type}",
		at:        prefixTestTime,
		wantData:  "test_hose/dt=2018-08-27/h=10/",
		wantError: "test_hose/processing-failed/dt=2018-08-27/h=10/processing-failed",
	},
	{
		name:      "spec 7.2: default prefix",
		at:        time.Date(2025, 3, 4, 11, 48, 32, 0, time.UTC),
		wantData:  "2025/03/04/11/",
		wantError: "processing-failed/2025/03/04/11/",
	},
	{
		name:      "spec 7.2: static prefix is concatenated without a slash",
		prefix:    "legacy",
		at:        time.Date(2026, 7, 13, 14, 5, 0, 0, time.UTC),
		wantData:  "legacy2026/07/13/14/",
		wantError: "legacyprocessing-failed/2026/07/13/14/",
	},
	{
		name:      "spec 6.5: real error key with static prefix and no ErrorOutputPrefix",
		prefix:    "ho-it-sec-test/retries/",
		at:        time.Date(2025, 3, 4, 11, 48, 32, 0, time.UTC),
		wantData:  "ho-it-sec-test/retries/2025/03/04/11/",
		wantError: "ho-it-sec-test/retries/processing-failed/2025/03/04/11/",
	},
	{
		name:      "static ErrorOutputPrefix gets the time path appended",
		prefix:    "data/!{timestamp:yyyy}/",
		errPrefix: "errors/",
		at:        prefixTestTime,
		wantData:  "data/2018/",
		wantError: "errors/2018/08/27/10/",
	},
	{
		name:      "error-output-type repeated",
		prefix:    "d/",
		errPrefix: "!{firehose:error-output-type}/x/!{firehose:error-output-type}/",
		at:        prefixTestTime,
		wantData:  "d/2018/08/27/10/",
		wantError: "processing-failed/x/processing-failed/",
	},
}

func TestPrefixSpecExamples(t *testing.T) {
	for _, tc := range prefixSpecCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidatePrefixes(tc.prefix, tc.errPrefix, false); err != nil {
				t.Fatalf("ValidatePrefixes: %v", err)
			}
			got, err := DataKeyPrefix(tc.prefix, tc.at, nil, nil)
			if err != nil || got != tc.wantData {
				t.Errorf("DataKeyPrefix = %q, %v; want %q", got, err, tc.wantData)
			}
			got, err = ErrorKeyPrefix(tc.prefix, tc.errPrefix, "processing-failed", tc.at, nil, nil)
			if err != nil || got != tc.wantError {
				t.Errorf("ErrorKeyPrefix = %q, %v; want %q", got, err, tc.wantError)
			}
		})
	}
}

var prefixQuotedCases = []struct{ prefix, want string }{
	{"!{timestamp:yyyy'-'MM'-'dd}", "2018-08-27"},
	{"!{timestamp:'year='yyyy}/", "year=2018/"},
	{"!{timestamp:''yyyy''}", "'2018'"},
	{"!{timestamp:'it''s' yyyy}", "it's 2018"},
	{"!{timestamp:'yyyy'}", "yyyy"},
	{"!{timestamp:'dt='yyyy-MM-dd'/hr='HH}/", "dt=2018-08-27/hr=10/"},
	{"!{timestamp:yyyy'/'MM'/'dd'/'}", "2018/08/27/"},
	{"a!b{c}d/!{timestamp:yyyy}", "a!b{c}d/2018"},
	{"!!{timestamp:yyyy}!", "!2018!"},
}

func TestPrefixQuotedLiterals(t *testing.T) {
	for _, tc := range prefixQuotedCases {
		got, err := DataKeyPrefix(tc.prefix, prefixTestTime, nil, nil)
		if err != nil || got != tc.want {
			t.Errorf("DataKeyPrefix(%q) = %q, %v; want %q", tc.prefix, got, err, tc.want)
		}
	}
}

func TestPrefixTimeZones(t *testing.T) {
	tokyo := prefixTestLoc(t, "Asia/Tokyo")
	newYork := prefixTestLoc(t, "America/New_York")
	evening := time.Date(2018, 8, 27, 20, 30, 0, 0, time.UTC)
	winter := time.Date(2018, 1, 15, 3, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		prefix string
		at     time.Time
		loc    *time.Location
		want   string
	}{
		{"nil location is UTC", "", evening, nil, "2018/08/27/20/"},
		{"UTC input in another zone is converted to UTC", "", evening.In(tokyo), nil, "2018/08/27/20/"},
		{"Tokyo default path crosses midnight", "", evening, tokyo, "2018/08/28/05/"},
		{"Tokyo expression", "!{timestamp:yyyy-MM-dd HH:mm XXX z}/", evening, tokyo, "2018-08-28 05:30 +09:00 JST/"},
		{"Tokyo zone id", "!{timestamp:VV|ZZZZ|O}", evening, tokyo, "Asia/Tokyo|GMT+09:00|GMT+9"},
		{"New York summer (EDT)", "", evening, newYork, "2018/08/27/16/"},
		{"New York summer expression", "!{timestamp:HH:mm Z z}", evening, newYork, "16:30 -0400 EDT"},
		{"New York winter (EST) crosses midnight backwards", "", winter, newYork, "2018/01/14/22/"},
		{"New York winter expression", "!{timestamp:yyyy-MM-dd HH Z z xxx}", winter, newYork, "2018-01-14 22 -0500 EST -05:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DataKeyPrefix(tc.prefix, tc.at, tc.loc, nil)
			if err != nil || got != tc.want {
				t.Errorf("DataKeyPrefix = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// The error prefix uses the same zone, including the default time path.
	got, err := ErrorKeyPrefix("p/", "", "format-conversion-failed", evening, tokyo, nil)
	if want := "p/format-conversion-failed/2018/08/28/05/"; err != nil || got != want {
		t.Errorf("ErrorKeyPrefix = %q, %v; want %q", got, err, want)
	}
}

func TestPrefixSameInstant(t *testing.T) {
	p := "!{timestamp:HH:mm:ss.SSSSSSSSS}/!{timestamp:ss.SSSSSSSSS}/!{timestamp:HH:mm:ss.SSSSSSSSS}"
	got, err := DataKeyPrefix(p, prefixTestTime, nil, nil)
	if want := "10:30:00.123456789/00.123456789/10:30:00.123456789"; err != nil || got != want {
		t.Errorf("DataKeyPrefix = %q, %v; want %q", got, err, want)
	}
}

func TestPrefixRandomString(t *testing.T) {
	shape := regexp.MustCompile(`^r/([a-z0-9]{11})/([a-z0-9]{11})/$`)
	const p = "r/!{firehose:random-string}/!{firehose:random-string}/"
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		got, err := DataKeyPrefix(p, prefixTestTime, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := shape.FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("%q does not match %s", got, shape)
		}
		if m[1] == m[2] {
			t.Errorf("two occurrences got the same value %q", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct random strings in 50 evaluations", len(seen))
	}

	// A caller-supplied source makes the value deterministic.
	rnd := bytes.NewReader([]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98})
	got, err := ErrorKeyPrefix("", "e/!{firehose:error-output-type}/!{firehose:random-string}-!{firehose:random-string}", "splunk-failed", prefixTestTime, nil, rnd)
	if want := "e/splunk-failed/0123456789a-cdeffedcba9"; err != nil || got != want {
		t.Errorf("ErrorKeyPrefix = %q, %v; want %q", got, err, want)
	}

	// A failing source is reported.
	if _, err := DataKeyPrefix(p, prefixTestTime, nil, bytes.NewReader(nil)); !errors.Is(err, io.EOF) {
		t.Errorf("DataKeyPrefix with empty reader: err = %v, want io.EOF", err)
	}
}

const prefixTestLead = "Ths supplied prefix(es) do not satisfy the following constraint: "

var prefixValidateCases = []struct {
	name      string
	prefix    string
	errPrefix string
	dynamic   bool
	want      string // "" = valid
}{
	{name: "both empty"},
	{name: "static prefix without error prefix", prefix: "logs/"},
	{name: "static prefix with static error prefix", prefix: "logs/", errPrefix: "errors/"},
	{name: "expressions in both", prefix: "d/!{timestamp:yyyy}/", errPrefix: "e/!{firehose:error-output-type}/!{timestamp:yyyy}/"},
	{name: "expression prefix with static error prefix", prefix: "d/!{timestamp:yyyy}/", errPrefix: "errors/"},
	{name: "random-string in both", prefix: "!{firehose:random-string}/", errPrefix: "!{firehose:error-output-type}/!{firehose:random-string}/"},
	{
		name: "dynamic partitioning with keys", dynamic: true,
		prefix:    "customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromLambda:device}/year=!{timestamp:yyyy}/",
		errPrefix: "errors/!{firehose:error-output-type}/",
	},
	{
		name:   "AWS: expressions in Prefix need an ErrorOutputPrefix",
		prefix: "data/!{timestamp:yyyy}/",
		want:   "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
	},
	{
		name:   "random-string in Prefix needs an ErrorOutputPrefix",
		prefix: "data/!{firehose:random-string}/",
		want:   prefixTestLead + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
	},
	{
		name: "dynamic partitioning without ErrorOutputPrefix", dynamic: true,
		prefix: "!{partitionKeyFromQuery:customer_id}/",
		want:   prefixTestLead + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
	},
	{
		name:      "error-output-type in Prefix",
		prefix:    "data/!{firehose:error-output-type}/",
		errPrefix: "e/!{firehose:error-output-type}/",
		want:      prefixTestLead + "Prefix must not contain any occurrence of !{firehose:error-output-type}",
	},
	{
		name:      "error prefix with expressions but no error-output-type",
		prefix:    "d/!{timestamp:yyyy}/",
		errPrefix: "e/!{timestamp:yyyy}/",
		want:      prefixTestLead + "ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}",
	},
	{
		name:      "error prefix with only random-string",
		errPrefix: "e/!{firehose:random-string}/",
		want:      prefixTestLead + "ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}",
	},
	{
		name: "partition key in error prefix", dynamic: true,
		prefix:    "!{partitionKeyFromQuery:customer_id}/",
		errPrefix: "e/!{firehose:error-output-type}/!{partitionKeyFromQuery:customer_id}/",
		want:      prefixTestLead + "Dynamic Partitioning Namespaces can't be part of an error prefix expression",
	},
	{
		name:      "partition key without dynamic partitioning",
		prefix:    "year=!{timestamp:yyyy}/device=!{partitionKeyFromLambda:device}/",
		errPrefix: "e/!{firehose:error-output-type}/",
		want:      prefixTestLead + "Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.",
	},
	{
		name: "dynamic partitioning without partition keys", dynamic: true,
		prefix:    "year=!{timestamp:yyyy}/",
		errPrefix: "e/!{firehose:error-output-type}/",
		want:      prefixTestLead + "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled",
	},
	{
		name: "dynamic partitioning with empty prefix", dynamic: true,
		want: prefixTestLead + "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled",
	},
	{
		name:   "unterminated expression in Prefix",
		prefix: "data/!{timestamp:yyyy",
		want: prefixTestLead + "'!{' can only start a valid !{namespace:value} expression, but Prefix contains " +
			"the invalid expression '!{timestamp:yyyy': expression is not terminated by '}'",
	},
	{
		name:      "unknown namespace in ErrorOutputPrefix",
		errPrefix: "e/!{foo:bar}/",
		want: prefixTestLead + "'!{' can only start a valid !{namespace:value} expression, but ErrorOutputPrefix contains " +
			"the invalid expression '!{foo:bar}': unknown namespace 'foo' (expected timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda)",
	},
	{
		name:      "unknown firehose value",
		prefix:    "d/!{firehose:uuid}/",
		errPrefix: "e/",
		want: prefixTestLead + "'!{' can only start a valid !{namespace:value} expression, but Prefix contains " +
			"the invalid expression '!{firehose:uuid}': unknown firehose value 'uuid' (expected random-string or error-output-type)",
	},
	{
		name:      "invalid timestamp pattern",
		prefix:    "d/!{timestamp:yyyy-bb}/",
		errPrefix: "e/!{firehose:error-output-type}",
		want: prefixTestLead + "'!{' can only start a valid !{namespace:value} expression, but Prefix contains " +
			"the invalid expression '!{timestamp:yyyy-bb}': invalid timestamp pattern: unknown pattern letter: b",
	},
	{
		name:   "syntax is checked before the ErrorOutputPrefix rule",
		prefix: "!{:yyyy}",
		want: prefixTestLead + "'!{' can only start a valid !{namespace:value} expression, but Prefix contains " +
			"the invalid expression '!{:yyyy}': namespace is empty",
	},
}

func TestPrefixValidate(t *testing.T) {
	for _, tc := range prefixValidateCases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePrefixes(tc.prefix, tc.errPrefix, tc.dynamic)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("ValidatePrefixes(%q, %q, %v) = %v; want nil", tc.prefix, tc.errPrefix, tc.dynamic, err)
			case tc.want != "" && err == nil:
				t.Errorf("ValidatePrefixes(%q, %q, %v) = nil; want %q", tc.prefix, tc.errPrefix, tc.dynamic, tc.want)
			case tc.want != "" && err.Error() != tc.want:
				t.Errorf("ValidatePrefixes(%q, %q, %v):\n got  %s\n want %s", tc.prefix, tc.errPrefix, tc.dynamic, err, tc.want)
			}
		})
	}
}

var prefixParseValid = []struct {
	s    string
	expr bool
}{
	{"", false},
	{"plain/path/", false},
	{"!", false},
	{"{}", false},
	{"a!b{c}d", false},
	{"}{!", false},
	{"! {timestamp:yyyy}", false},
	{"!{timestamp:yyyy}", true},
	{"!!{firehose:random-string}", true},
	{"x/!{partitionKeyFromQuery:customer_id}/", true},
	{"x/!{partitionKeyFromLambda:k}/", true},
	{"!{firehose:error-output-type}", true},
	{"!{timestamp:yyyy}}", true},
	{"ü/!{timestamp:'ü'yyyy}/日本", true},
}

var prefixParseInvalid = []struct{ s, reason string }{
	{"!{", "expression is not terminated by '}'"},
	{"abc!{", "expression is not terminated by '}'"},
	{"data/!{timestamp:yyyy", "expression is not terminated by '}'"},
	{"!{timestamp:yyyy!{firehose:random-string}", "not terminated by '}' before the next '!{'"},
	{"!{timestamp:yyyy/!{firehose:random-string}}", "not terminated by '}' before the next '!{'"},
	{"!{}", "expected the form !{namespace:value}"},
	{"!{timestamp}", "expected the form !{namespace:value}"},
	{"!{:yyyy}", "namespace is empty"},
	{"!{timestamp:}", "value is empty"},
	{"!{firehose:}", "value is empty"},
	{"!{partitionKeyFromQuery:}", "value is empty"},
	{"!{foo:bar}", "unknown namespace 'foo'"},
	{"!{Timestamp:yyyy}", "unknown namespace 'Timestamp'"},
	{"!{ timestamp:yyyy}", "unknown namespace ' timestamp'"},
	{"!{firehose:uuid}", "unknown firehose value 'uuid'"},
	{"!{firehose:Random-String}", "unknown firehose value 'Random-String'"},
	{"!{timestamp:yyyy-bb}", "unknown pattern letter: b"},
	{"!{timestamp:yyyy'}", "incomplete string literal"},
	{"!{timestamp:dddd}", "too many pattern letters: d"},
	{"!{timestamp:yyyy#}", "reserved character: '#'"},
	{"!{timestamp:yyyy{}", "reserved character: '{'"},
	{"!{timestamp:]}", "] without previous ["},
	{"ok/!{timestamp:yyyy}/then/!{bad}", "expected the form"},
}

func TestPrefixParse(t *testing.T) {
	for _, tc := range prefixParseValid {
		p, err := ParsePrefix(tc.s)
		if err != nil {
			t.Errorf("ParsePrefix(%q): %v", tc.s, err)
			continue
		}
		if p.HasExpressions() != tc.expr {
			t.Errorf("ParsePrefix(%q).HasExpressions() = %v, want %v", tc.s, p.HasExpressions(), tc.expr)
		}
	}

	for _, tc := range prefixParseInvalid {
		p, err := ParsePrefix(tc.s)
		if err == nil {
			t.Errorf("ParsePrefix(%q) = %+v; want error containing %q", tc.s, p, tc.reason)
			continue
		}
		if !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("ParsePrefix(%q) error %q does not contain %q", tc.s, err, tc.reason)
		}
		if _, err := DataKeyPrefix(tc.s, prefixTestTime, nil, nil); err == nil {
			t.Errorf("DataKeyPrefix(%q) accepted an invalid prefix", tc.s)
		}
	}

	// The offset and expression are named.
	_, err := ParsePrefix("abc/!{nope:x}/")
	if want := "invalid prefix expression '!{nope:x}' at offset 4: unknown namespace 'nope'"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v; want prefix %q", err, want)
	}
}

func TestPrefixPartitionKeys(t *testing.T) {
	k, err := ParseKeyPrefixes("c=!{partitionKeyFromQuery:customer}/d=!{partitionKeyFromLambda:device}/!{timestamp:yyyy}/!{partitionKeyFromQuery:customer}/", "e/")
	if err != nil {
		t.Fatal(err)
	}
	q, l := k.PartitionKeyNames()
	if !slices.Equal(q, []string{"customer"}) || !slices.Equal(l, []string{"device"}) {
		t.Fatalf("PartitionKeyNames = %q, %q", q, l)
	}
	got, err := k.Partition(prefixTestTime, nil, nil, &PartitionKeys{Query: map[string]string{"customer": "a/b"}, Lambda: map[string]string{"device": "mobile"}})
	if want := "c=a/b/d=mobile/" + prefixTestTime.UTC().Format("2006") + "/a/b/"; err != nil || got != want {
		t.Fatalf("Partition = %q, %v; want %q", got, err, want)
	}
	if _, err := k.Partition(prefixTestTime, nil, nil, &PartitionKeys{Query: map[string]string{"customer": "x"}}); err == nil {
		t.Fatal("a missing Lambda key evaluated")
	}
}

func TestPrefixEvaluationErrors(t *testing.T) {
	cases := []struct {
		name string
		eval func() (string, error)
		want string
	}{
		{"partition key cannot be evaluated", func() (string, error) {
			return DataKeyPrefix("!{partitionKeyFromQuery:id}/", prefixTestTime, nil, nil)
		}, "the record has no partition key id"},
		{"error-output-type in a data prefix", func() (string, error) {
			return DataKeyPrefix("!{firehose:error-output-type}/", prefixTestTime, nil, nil)
		}, "only valid in ErrorOutputPrefix"},
		{"empty error type", func() (string, error) {
			return ErrorKeyPrefix("", "e/!{firehose:error-output-type}/", "", prefixTestTime, nil, nil)
		}, "error output type must not be empty"},
		{"expression Prefix without ErrorOutputPrefix", func() (string, error) {
			return ErrorKeyPrefix("d/!{timestamp:yyyy}/", "", "processing-failed", prefixTestTime, nil, nil)
		}, "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"},
		{"invalid ErrorOutputPrefix", func() (string, error) {
			return ErrorKeyPrefix("", "e/!{firehose:error-output-type", "processing-failed", prefixTestTime, nil, nil)
		}, "not terminated"},
	}
	for _, tc := range cases {
		got, err := tc.eval()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %q, %v; want error containing %q", tc.name, got, err, tc.want)
		}
	}
}

const prefixTestTimePath = "2018/08/27/10/" // 14 characters
var prefixMaxLengthCases = []struct {
	name   string
	prefix string
	ok     bool
}{
	{"static prefix + time path = 512", strings.Repeat("a", 512-len(prefixTestTimePath)), true},
	{"static prefix + time path = 513", strings.Repeat("a", 513-len(prefixTestTimePath)), false},
	{"expression prefix = 512", strings.Repeat("a", 508) + "!{timestamp:yyyy}", true},
	{"expression prefix = 513", strings.Repeat("a", 509) + "!{timestamp:yyyy}", false},
	{"random strings push it over", strings.Repeat("a", 500) + "!{firehose:random-string}!{firehose:random-string}", false},
	{"BMP runes count once", strings.Repeat("é", 508) + "!{timestamp:yyyy}", true},
	{"supplementary runes count twice (UTF-16)", strings.Repeat("😀", 254) + "!{timestamp:yyyyy}", false},
	{"supplementary runes at the limit", strings.Repeat("😀", 254) + "!{timestamp:yyyy}", true},
}

func TestPrefixMaxLength(t *testing.T) {
	for _, tc := range prefixMaxLengthCases {
		got, err := DataKeyPrefix(tc.prefix, prefixTestTime, nil, prefixTestZeroReader{})
		if tc.ok && err != nil {
			t.Errorf("%s: unexpected error %v", tc.name, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "more than the maximum of 512")) {
			t.Errorf("%s: got %d bytes, err %v; want length error", tc.name, len(got), err)
		}
	}
	long := strings.Repeat("e", 500) + "/!{firehose:error-output-type}/"
	if _, err := ErrorKeyPrefix("", long, "processing-failed", prefixTestTime, nil, nil); err == nil {
		t.Error("ErrorKeyPrefix: over-long evaluated error prefix accepted")
	}
	if _, err := ErrorKeyPrefix(strings.Repeat("p", 490), "", "processing-failed", prefixTestTime, nil, nil); err == nil {
		t.Error("ErrorKeyPrefix: over-long default error prefix accepted")
	}
}

func FuzzParsePrefix(f *testing.F) {
	seeds := []string{
		"", "logs/", "legacy", "!{", "!{}", "!{:}", "!{timestamp:}", "}{!",
		"!{timestamp:yyyy/MM/dd/HH/}", "!{timestamp:yyyy'-'MM'-'dd}", "!{timestamp:''}",
		"!{timestamp:YYYY ww W e c ccc g A n N S}", "!{timestamp:Z ZZZZ ZZZZZ X x O OOOO VV z zzzz}",
		"!{firehose:random-string}", "!{firehose:error-output-type}", "!{firehose:nope}",
		"!{partitionKeyFromQuery:id}", "!{partitionKeyFromLambda:k}/", "!{foo:bar}",
		"a/!{timestamp:yyyy!{firehose:random-string}}", "!{timestamp:[yyyy]]}", "!{timestamp:'}",
		"ü/!{timestamp:'日本'yyyy}/😀",
	}
	for _, s := range seeds {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, dynamic bool) {
		at := time.Date(2018, 8, 27, 10, 30, 0, 123456789, time.UTC)
		p, err := ParsePrefix(s)
		if err == nil && p.HasExpressions() != strings.Contains(s, "!{") {
			t.Fatalf("HasExpressions() = %v for %q", p.HasExpressions(), s)
		}
		verr := ValidatePrefixes(s, s, dynamic)
		if err != nil && verr == nil {
			t.Fatalf("ValidatePrefixes accepted %q that ParsePrefix rejects: %v", s, err)
		}
		if verr != nil && !strings.HasPrefix(verr.Error(), "Ths supplied prefix(es) do not satisfy the following constraint: ") {
			t.Fatalf("ValidatePrefixes(%q) message %q lacks the AWS lead-in", s, verr)
		}
		_ = ValidatePrefixes(s, "", dynamic)
		_ = ValidatePrefixes("", s, dynamic)
		data, derr := DataKeyPrefix(s, at, nil, prefixTestZeroReader{})
		if err == nil && !p.HasExpressions() {
			want := s + "2018/08/27/10/"
			if derr == nil && data != want {
				t.Fatalf("DataKeyPrefix(%q) = %q, want %q", s, data, want)
			}
		}
		if derr == nil && prefixJavaLen([]byte(data)) > 512 {
			t.Fatalf("DataKeyPrefix(%q) returned %d characters", s, len(data))
		}
		_, _ = ErrorKeyPrefix(s, s, "processing-failed", at, nil, prefixTestZeroReader{})
		_, _ = ErrorKeyPrefix(s, "", "processing-failed", at, nil, prefixTestZeroReader{})
		_, _ = javatime.Format(s, at)
		for _, pair := range [][2]string{{s, s}, {s, ""}, {"", s}} {
			prefixCheckParsedOnce(t, pair[0], pair[1], []time.Time{at}, []*time.Location{nil})
		}
	})
}

func BenchmarkPrefixDataKey(b *testing.B) {
	b.Run("static", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DataKeyPrefix("logs/", prefixTestTime, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("expressions", func(b *testing.B) {
		b.ReportAllocs()
		const p = "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:random-string}/"
		for b.Loop() {
			if _, err := DataKeyPrefix(p, prefixTestTime, nil, prefixTestZeroReader{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("expressions-parsed-once", func(b *testing.B) {
		b.ReportAllocs()
		k, err := ParseKeyPrefixes("myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:random-string}/", "")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := k.Data(prefixTestTime, nil, prefixTestZeroReader{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
