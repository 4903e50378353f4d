package protocol

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// prefixTestRnd returns a fresh deterministic random source whose bytes are
// not all equal, so that two evaluations can be compared.
func prefixTestRnd() *bytes.Reader {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	return bytes.NewReader(b)
}

// prefixResult is a comparable form of an evaluation's outcome.
func prefixResult(s string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok: " + s
}

// prefixCheckParsedOnce checks that ParseKeyPrefixes(prefix, errPrefix)
// evaluated at every time and location gives what DataKeyPrefix and
// ErrorKeyPrefix give, and that when it fails, its error is the one the
// function that parses the failing prefix returns.
func prefixCheckParsedOnce(t testing.TB, prefix, errPrefix string, times []time.Time, locs []*time.Location) {
	t.Helper()
	k, err := ParseKeyPrefixes(prefix, errPrefix)
	if err != nil {
		var got, want string
		if _, perr := ParsePrefix(prefix); perr != nil {
			got, want = prefixResult("", err), prefixResult(DataKeyPrefix(prefix, prefixTestTime, nil, prefixTestRnd()))
		} else {
			got, want = prefixResult("", err), prefixResult(ErrorKeyPrefix(prefix, errPrefix, "processing-failed", prefixTestTime, nil, prefixTestRnd()))
		}
		if got != want {
			t.Errorf("ParseKeyPrefixes(%q, %q):\n got  %s\n want %s", prefix, errPrefix, got, want)
		}
		return
	}
	for _, at := range times {
		for _, loc := range locs {
			got := prefixResult(k.Data(at, loc, prefixTestRnd()))
			if want := prefixResult(DataKeyPrefix(prefix, at, loc, prefixTestRnd())); got != want {
				t.Errorf("ParseKeyPrefixes(%q, %q).Data(%s, %v):\n got  %s\n want %s", prefix, errPrefix, at, loc, got, want)
			}
			for _, errorType := range []string{"processing-failed", "splunk-failed", ""} {
				got := prefixResult(k.Error(errorType, at, loc, prefixTestRnd()))
				want := prefixResult(ErrorKeyPrefix(prefix, errPrefix, errorType, at, loc, prefixTestRnd()))
				if got != want {
					t.Errorf("ParseKeyPrefixes(%q, %q).Error(%q, %s, %v):\n got  %s\n want %s", prefix, errPrefix, errorType, at, loc, got, want)
				}
			}
		}
	}
	// A failing random source fails both the same way.
	got := prefixResult(k.Data(prefixTestTime, nil, bytes.NewReader(nil)))
	if want := prefixResult(DataKeyPrefix(prefix, prefixTestTime, nil, bytes.NewReader(nil))); got != want {
		t.Errorf("ParseKeyPrefixes(%q, %q).Data with an empty reader:\n got  %s\n want %s", prefix, errPrefix, got, want)
	}
}

// TestKeyPrefixesParsedOnce evaluates the prefixes of the other prefix tests
// through ParseKeyPrefixes and through DataKeyPrefix and ErrorKeyPrefix.
func TestKeyPrefixesParsedOnce(t *testing.T) {
	times := []time.Time{
		prefixTestTime,
		time.Date(2018, 8, 27, 20, 30, 0, 0, time.UTC), // the next day in Tokyo
		time.Date(2018, 1, 15, 3, 0, 0, 0, time.UTC),   // the day before in New York
		time.Date(2016, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	locs := []*time.Location{nil, prefixTestLoc(t, "Asia/Tokyo"), prefixTestLoc(t, "America/New_York")}
	pairs := [][2]string{
		// TestPrefixEvaluationErrors, TestPrefixRandomString, TestPrefixTimeZones,
		// TestPrefixSameInstant, TestPrefixMaxLength.
		{"!{partitionKeyFromQuery:id}/", ""},
		{"!{firehose:error-output-type}/", ""},
		{"", "e/!{firehose:error-output-type}/"},
		{"d/!{timestamp:yyyy}/", ""},
		{"", "e/!{firehose:error-output-type"},
		{"r/!{firehose:random-string}/!{firehose:random-string}/", ""},
		{"", "e/!{firehose:error-output-type}/!{firehose:random-string}-!{firehose:random-string}"},
		{"!{timestamp:yyyy-MM-dd HH:mm XXX z}/", "e/!{firehose:error-output-type}/!{timestamp:VV|ZZZZ|O}"},
		{"!{timestamp:HH:mm Z z}", "!{timestamp:yyyy-MM-dd HH Z z xxx}/!{firehose:error-output-type}"},
		{"p/", ""},
		{"!{timestamp:HH:mm:ss.SSSSSSSSS}/!{timestamp:ss.SSSSSSSSS}/!{timestamp:HH:mm:ss.SSSSSSSSS}", "e/"},
		{"", strings.Repeat("e", 500) + "/!{firehose:error-output-type}/"},
		{strings.Repeat("p", 490), ""},
		// An invalid Prefix fails ParseKeyPrefixes and DataKeyPrefix alike.
		{"!{bad", "e/!{firehose:error-output-type}/"},
	}
	for _, tc := range prefixSpecCases {
		pairs = append(pairs, [2]string{tc.prefix, tc.errPrefix})
	}
	for _, tc := range prefixQuotedCases {
		pairs = append(pairs, [2]string{tc.prefix, ""}, [2]string{"", tc.prefix})
	}
	for _, tc := range prefixValidateCases {
		pairs = append(pairs, [2]string{tc.prefix, tc.errPrefix})
	}
	for _, tc := range prefixParseValid {
		pairs = append(pairs, [2]string{tc.s, ""}, [2]string{"", tc.s}, [2]string{tc.s, tc.s})
	}
	for _, tc := range prefixParseInvalid {
		pairs = append(pairs, [2]string{tc.s, ""}, [2]string{"x/", tc.s})
	}
	for _, tc := range prefixMaxLengthCases {
		pairs = append(pairs, [2]string{tc.prefix, ""}, [2]string{"", tc.prefix})
	}
	for _, p := range pairs {
		prefixCheckParsedOnce(t, p[0], p[1], times, locs)
	}

	// The expected values of the tables, through the parsed-once path.
	for _, tc := range prefixSpecCases {
		k, err := ParseKeyPrefixes(tc.prefix, tc.errPrefix)
		if err != nil {
			t.Fatalf("ParseKeyPrefixes(%q, %q): %v", tc.prefix, tc.errPrefix, err)
		}
		if got, err := k.Data(tc.at, nil, nil); err != nil || got != tc.wantData {
			t.Errorf("%s: Data = %q, %v; want %q", tc.name, got, err, tc.wantData)
		}
		if got, err := k.Error("processing-failed", tc.at, nil, nil); err != nil || got != tc.wantError {
			t.Errorf("%s: Error = %q, %v; want %q", tc.name, got, err, tc.wantError)
		}
	}
	for _, tc := range prefixQuotedCases {
		k, err := ParseKeyPrefixes(tc.prefix, "")
		if err != nil {
			t.Fatalf("ParseKeyPrefixes(%q): %v", tc.prefix, err)
		}
		if got, err := k.Data(prefixTestTime, nil, nil); err != nil || got != tc.want {
			t.Errorf("ParseKeyPrefixes(%q).Data = %q, %v; want %q", tc.prefix, got, err, tc.want)
		}
	}
}

// TestKeyPrefixesConcurrent evaluates one KeyPrefixes from many goroutines
// (for the race detector).
func TestKeyPrefixesConcurrent(t *testing.T) {
	k, err := ParseKeyPrefixes("d/!{timestamp:yyyy/MM/dd}/!{firehose:random-string}/", "e/!{firehose:error-output-type}/!{timestamp:HH}/")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got, err := k.Data(prefixTestTime, nil, nil); err != nil || !strings.HasPrefix(got, "d/2018/08/27/") || len(got) != len("d/2018/08/27/")+prefixRandomStringLen+1 {
					t.Errorf("Data = %q, %v", got, err)
					return
				}
				if got, err := k.Error("processing-failed", prefixTestTime, nil, nil); err != nil || got != "e/processing-failed/10/" {
					t.Errorf("Error = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
