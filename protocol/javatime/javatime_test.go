package javatime

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests use, whatever the machine has
)

// testTime is the instant of the AWS prefix documentation examples,
// 2018-08-27 10:30 UTC, a Monday, plus nanoseconds for fraction tests.
var testTime = time.Date(2018, 8, 27, 10, 30, 0, 123456789, time.UTC)

func testLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err) // time/tzdata is linked in: it is always there
	}
	return loc
}

// TestFormat checks Format against the output of JDK 17's
// DateTimeFormatter.ofPattern(pattern, Locale.US).format(zonedDateTime).
func TestFormat(t *testing.T) {
	tokyo := testLoc(t, "Asia/Tokyo")
	newYork := testLoc(t, "America/New_York")
	kolkata := testLoc(t, "Asia/Kolkata")
	stJohns := testLoc(t, "America/St_Johns")
	doc := testTime // 2018-08-27T10:30:00.123456789Z, a Monday
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	cases := []struct {
		pattern string
		t       time.Time
		want    string
	}{
		{"yyyy/MM/dd/HH/", doc, "2018/08/27/10/"},
		{"y yy yyy yyyy yyyyy", doc, "2018 18 2018 2018 02018"},
		{"u uu uuuu", doc, "2018 18 2018"},
		{"M MM MMM MMMM MMMMM", doc, "8 08 Aug August A"},
		{"L LL LLL LLLL", doc, "8 08 Aug August"},
		{"d dd D DD DDD", doc, "27 27 239 239 239"},
		{"H HH h hh k kk K KK a", doc, "10 10 10 10 10 10 10 10 AM"},
		{"m mm s ss", doc, "30 30 0 00"},
		{"S SSS SSSSSS SSSSSSSSS", doc, "1 123 123456 123456789"},
		{"E EE EEE EEEE EEEEE", doc, "Mon Mon Mon Monday M"},
		{"e ee eee eeee c ccc", doc, "2 02 Mon Monday 2 Mon"},
		{"Q QQ QQQ QQQQ QQQQQ q", doc, "3 03 Q3 3rd quarter 3 3"},
		{"G GGGG GGGGG", doc, "AD Anno Domini A"},
		{"w ww W Y YY YYYY", doc, "35 35 5 2018 18 2018"},
		{"YYYY-'W'ww yyyy-MM-dd E", at(1546128000), "2019-W01 2018-12-30 Sun"},
		{"YYYY ww D", at(1546128000), "2019 01 364"},
		{"YYYY ww yyyy D", at(1483142400), "2016 53 2016 366"},
		{"A n N g", doc, "37800123 123456789 37800123456789 58357"},
		{"Z ZZZZ ZZZZZ X XX XXX XXXXX x xx xxx O OOOO VV z zzzz", doc,
			"+0000 GMT Z Z Z Z Z +00 +0000 +00:00 GMT GMT UTC UTC Coordinated Universal Time"},
		{"Z ZZZZ ZZZZZ X XX XXX XXXX XXXXX x xx xxx O OOOO VV z zzzz", doc.In(tokyo),
			"+0900 GMT+09:00 +09:00 +09 +0900 +09:00 +0900 +09:00 +09 +0900 +09:00 GMT+9 GMT+09:00 Asia/Tokyo JST Japan Standard Time"},
		{"Z ZZZZ ZZZZZ X XX XXX x xx xxx O OOOO VV z", doc.In(newYork),
			"-0400 GMT-04:00 -04:00 -04 -0400 -04:00 -04 -0400 -04:00 GMT-4 GMT-04:00 America/New_York EDT"},
		{"yyyy-MM-dd HH:mm Z z", at(1516000000).In(newYork), "2018-01-15 02:06 -0500 EST"},
		{"X XX XXX O OOOO z", doc.In(kolkata), "+0530 +0530 +05:30 GMT+5:30 GMT+05:30 IST"},
		{"X XX XXX O OOOO", doc.In(stJohns), "-0230 -0230 -02:30 GMT-2:30 GMT-02:30"},
		{"yyyy'-'MM'-'dd", doc, "2018-08-27"},
		{"''yyyy''", doc, "'2018'"},
		{"'it''s' yyyy", doc, "it's 2018"},
		{"'yyyy'", doc, "yyyy"},
		{"[yyyy][MM]", doc, "201808"},
		{"yyyy[-MM", doc, "2018-08"},
		{"/_-.=é ü", doc, "/_-.=é ü"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", doc.Truncate(time.Second), "2018-08-27T10:30:00.000Z"},
		{"hh:mm a", doc, "10:30 AM"},
		{"hh:mm a k K", at(1535322600), "10:30 PM 22 10"},
		{"h k K H a", at(1535328000), "12 24 0 0 AM"},
		{"G y u yy", at(-62135596800), "AD 1 1 01"},
		{"G y u yy GGGG", at(-62167219200), "BC 1 0 01 Before Christ"},
		{"G y u", at(-62198755200), "BC 2 -1"},
		{"yyyy y uuuu yyyyyy", at(327628800000), "+12352 12352 +12352 012352"},
		{"y yyy yyyy yy", at(-30610224000), "1000 1000 1000 00"},
		{"", doc, ""},
	}
	for _, tc := range cases {
		got, err := Format(tc.pattern, tc.t)
		if err != nil || got != tc.want {
			t.Errorf("Format(%q, %s) = %q, %v; want %q", tc.pattern, tc.t, got, err, tc.want)
		}
		// A compiled pattern gives the same text, also appended to a buffer.
		f, err := Compile(tc.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.pattern, err)
			continue
		}
		if got := f.Format(tc.t); got != tc.want {
			t.Errorf("Compile(%q).Format(%s) = %q; want %q", tc.pattern, tc.t, got, tc.want)
		}
		if got := string(f.Append([]byte("key/"), tc.t)); got != "key/"+tc.want {
			t.Errorf("Compile(%q).Append(%q, %s) = %q; want %q", tc.pattern, "key/", tc.t, got, "key/"+tc.want)
		}
		if f.String() != tc.pattern {
			t.Errorf("Compile(%q).String() = %q", tc.pattern, f.String())
		}
	}

	// Patterns DateTimeFormatter.ofPattern rejects (and letters not implemented).
	invalid := []struct{ pattern, want string }{
		{"b", "unknown pattern letter: b"},
		{"I", "unknown pattern letter: I"},
		{"yyyy#", "pattern includes reserved character: '#'"},
		{"yyyy{", "pattern includes reserved character: '{'"},
		{"'abc", "pattern ends with an incomplete string literal: 'abc"},
		{"]", "pattern invalid as it contains ] without previous ["},
		{"aa", "too many pattern letters: a"},
		{"ddd", "too many pattern letters: d"},
		{"DDDD", "too many pattern letters: D"},
		{"MMMMMM", "too many pattern letters: M"},
		{"ZZZZZZ", "too many pattern letters: Z"},
		{"zzzzz", "too many pattern letters: z"},
		{"ww www", "too many pattern letters: w"},
		{"WW", "too many pattern letters: W"},
		{"SSSSSSSSSS", "too many pattern letters: S"},
		{"V", "pattern letter count must be 2: V"},
		{"OO", "pattern letter count must be 1 or 4: O"},
		{"cc", `invalid pattern "cc"`},
		{"B", "unsupported pattern letter: B"},
		{"F", "unsupported pattern letter: F"},
		{"ppH", "unsupported pattern letter: p"},
		{"v", "unsupported pattern letter: v"},
	}
	for _, tc := range invalid {
		// The messages are exact: the prefix validation quotes them to clients.
		got, err := Format(tc.pattern, doc)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Format(%q) = %q, %v; want error %q", tc.pattern, got, err, tc.want)
		}
		f, err := Compile(tc.pattern)
		if f != nil || err == nil || err.Error() != tc.want {
			t.Errorf("Compile(%q) = %v, %v; want error %q", tc.pattern, f, err, tc.want)
		}
	}
}

func TestMustCompile(t *testing.T) {
	if got := MustCompile("yyyy/MM/dd/HH/").Format(testTime); got != "2018/08/27/10/" {
		t.Errorf("MustCompile(yyyy/MM/dd/HH/).Format = %q", got)
	}
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "unknown pattern letter: b") {
			t.Errorf("MustCompile(b) panicked with %v; want the Compile error", r)
		}
	}()
	MustCompile("b")
}

func TestWeekFieldsUS(t *testing.T) {
	// WeekFields.of(Locale.US): Sunday-first weeks, week 1 contains January 1.
	cases := []struct {
		date time.Time
		want string // "YYYY ww W e"
	}{
		{time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), "2016 01 1 6"},   // Friday
		{time.Date(2016, 1, 3, 0, 0, 0, 0, time.UTC), "2016 02 2 1"},   // Sunday starts week 2
		{time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), "2016 53 5 7"}, // Saturday, same week-year
		{time.Date(2017, 12, 31, 0, 0, 0, 0, time.UTC), "2018 01 6 1"}, // Sunday in the week of Jan 1 2018
		{time.Date(2018, 12, 30, 0, 0, 0, 0, time.UTC), "2019 01 6 1"},
		{time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC), "2021 01 1 7"},
	}
	for _, tc := range cases {
		got, err := Format("YYYY ww W e", tc.date)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.date.Format("2006-01-02"), got, err, tc.want)
		}
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		"", "yyyy/MM/dd/HH/", "yyyy'-'MM'-'dd", "''", "'", "[yyyy]]", "YYYY ww W e c ccc g A n N S",
		"Z ZZZZ ZZZZZ X XX XXX XXXX XXXXX x xx xxx O OOOO VV z zzzz", "G GGGG GGGGG u y yy Y",
		"uuuuuuuuuuuuuuuuuuu", "'日本'yyyy 😀",
	} {
		f.Add(s, int64(1535365800), int32(123456789), int32(0))
	}
	f.Add("G y u yy", int64(-62198755200), int32(0), int32(-(3*3600 + 30*60)))
	f.Fuzz(func(t *testing.T, pattern string, sec int64, nsec, offset int32) {
		// Years Go's time can represent; offsets within a day, to the second.
		sec %= 1 << 40
		at := time.Unix(sec, int64(nsec)%1e9).In(time.FixedZone("", int(offset)%(24*3600)))
		want, err := Format(pattern, at)
		c, cerr := Compile(pattern)
		if (err == nil) != (cerr == nil) || err != nil && err.Error() != cerr.Error() {
			t.Fatalf("Format(%q) error %v, Compile error %v", pattern, err, cerr)
		}
		if err != nil {
			return
		}
		if got := string(c.Append(nil, at)); got != want {
			t.Fatalf("Compile(%q).Append = %q, Format = %q", pattern, got, want)
		}
	})
}
