package cwlogs

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFilterPatternMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{"", []string{"anything", "x"}, nil},
		{"   ", []string{"anything"}, nil},
		{`" "`, []string{"anything", "nospace"}, nil},
		{"ERROR", []string{"[ERROR] x", "ERROR", "an ERROR: here", "x-ERROR-y", "ERROR\n"},
			[]string{"error", "ERRORS", "MYERROR", "ERROR_1", "[Error]"}},
		{"ERROR ARGUMENTS", []string{"[ERROR 419] MISSING ARGUMENTS", "ARGUMENTS ERROR"}, []string{"[ERROR 400] BAD REQUEST"}},
		{"?ERROR ?WARN", []string{"ERROR", "WARN x", "ERROR WARN"}, []string{"INFO"}},
		{"ERROR -ARGUMENTS", []string{"[ERROR 400] BAD REQUEST"}, []string{"[ERROR 419] MISSING ARGUMENTS", "INFO"}},
		{"-ERROR", []string{"INFO", ""}, []string{"ERROR"}},
		{`"INTERNAL SERVER ERROR"`, []string{"[ERROR 500] INTERNAL SERVER ERROR"}, []string{"INTERNAL  SERVER ERROR", "INTERNAL SERVER ERRORS"}},
		{`"Task timed out"`, []string{"2026-03-14T15:09:26.535Z 1234 Task timed out after 3.00 seconds"}, []string{"Task timed  out"}},
		{`"ERROR:"`, []string{"x ERROR: y", "ERROR:y"}, []string{"xERROR: y", "ERROR y"}},
		{`"say \"hi\""`, []string{`they say "hi" loudly`}, []string{"say hi"}},
		{`"a\\b"`, []string{`x a\b y`}, []string{"a b"}},
		{"  ?a   ?b  c ", []string{"a c", "b c"}, []string{"a b", "c"}},
		{"héllo 42", []string{"say héllo to 42"}, []string{"héllo42", "héllos 42"}},
		{"%colou?r%", []string{"color", "colour", "xcolorx"}, []string{"colr"}},
		{"%^[hc]at$%", []string{"hat", "cat"}, []string{"that", "cats"}},
		{"%10\\.0\\.0\\.1%", []string{"from 10.0.0.1"}, []string{"10x0x0x1"}},
	} {
		f, err := parseFilterPattern(tc.pattern)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		for _, m := range tc.match {
			if !f.match(m) {
				t.Errorf("%q does not match %q", tc.pattern, m)
			}
		}
		for _, m := range tc.noMatch {
			if f.match(m) {
				t.Errorf("%q matches %q", tc.pattern, m)
			}
		}
	}
}

func TestFilterPatternErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, msg string
		unsupported  bool
	}{
		{"Status: timeout", "Invalid character(s) in term ':'", false},
		{"a*", "Invalid character(s) in term '*'", false},
		{"f(x)", "Invalid character(s) in term '('", false},
		{`$."sc-status"`, `Invalid character(s) in term '$."'`, false},
		{"`x", "Invalid character(s) in term '`'", false},
		{"?", "Invalid character(s) in term '?'", false},
		{"a - b", "Invalid character(s) in term '-'", false},
		{"a-b", "Invalid character(s) in term '-'", false},
		{"--a", "Invalid character(s) in term '-'", false},
		{`"abc"def`, `Invalid character(s) in term '"'`, false},
		{`"abc`, "Unterminated quoted phrase", false},
		{`a "b`, "Unterminated quoted phrase", false},
		{"%a b%", "Invalid character(s) in term ' '", false},
		{"%(a)%", "Invalid character(s) in term '('", false},
		{"%é%", "Invalid character(s) in term 'é'", false},
		{"%abc", "must be enclosed in %", false},
		{"%%", "Empty regular expression", false},
		{"%a{2,1}%", "Invalid regular expression", false},
		{"{ $.level = 1 }", "JSON filter patterns", true},
		{"[ip, user]", "space-delimited filter patterns", true},
	} {
		_, err := parseFilterPattern(tc.pattern)
		var unsupported *errFilterUnsupported
		if err == nil || !strings.Contains(err.Error(), tc.msg) || errors.As(err, &unsupported) != tc.unsupported {
			t.Errorf("%q: error %v, want %q", tc.pattern, err, tc.msg)
		}
	}
}

// FuzzFilterPattern checks that no pattern and no message can crash the
// parser or the matcher, and that a pattern made only of quoted terms
// matches a message made of those terms.
func FuzzFilterPattern(f *testing.F) {
	for _, seed := range []struct{ pattern, msg string }{
		{"ERROR", "[ERROR] boom"},
		{`?"a b" -c "d\"e"`, `a b d"e`},
		{"%^a.*[0-9]{2,3}$%", "abc123"},
		{`"unterminated`, ""},
		{"{ $.x = 1 }", "{}"},
		{"? - \"\" ", "\x00\xff"},
		{"héllo wörld", "héllo wörld"},
	} {
		f.Add(seed.pattern, seed.msg)
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		p, err := parseFilterPattern(pattern)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", pattern)
			}
			return
		}
		p.match(msg)
		p.match("")
		p.match(pattern)
		// Every term, quoted, matches itself.
		if !utf8.ValidString(msg) || strings.TrimFunc(msg, isSpace) == "" {
			return
		}
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(msg) + `"`
		q, err := parseFilterPattern(quoted)
		if err != nil {
			t.Fatalf("quoted %q: %v", quoted, err)
		}
		if !q.match(msg) {
			t.Fatalf("%q does not match %q", quoted, msg)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, p := range []pos{{0, 0}, {1, 2}, {1773500966535, 42}, {math.MaxInt64, math.MaxUint64}} {
		for _, fwd := range []bool{true, false} {
			tok := streamToken(fwd, p)
			gf, gp, ok := parseStreamToken(tok)
			if !ok || gf != fwd || gp != p {
				t.Errorf("stream token %q → %v %v %v", tok, gf, gp, ok)
			}
			ft := filterToken(fwd, p)
			ga, fp, ok := parseFilterToken(ft)
			if !ok || ga != fwd || fp != p {
				t.Errorf("filter token %q → %v %v %v", ft, ga, fp, ok)
			}
		}
		if cmpPos(p.prev(), p) > 0 || cmpPos(p.next(), p) < 0 {
			t.Errorf("prev/next of %v", p)
		}
	}
	for _, bad := range []string{"", "f/", "f/1/s", "x/00000000000000000000000000000000000000000000000000000000/s",
		"f/99999999999999999999000000000000000000000000000000000000/s", "f/00000000000000000000999999999999999999999999999999999999/s",
		"f/0000000000000000000000000000000000000000000000000000000a/s"} {
		if _, _, ok := parseStreamToken(bad); ok {
			t.Errorf("stream token %q accepted", bad)
		}
	}
	if _, _, ok := parseFilterToken("!!"); ok {
		t.Error("bad filter token accepted")
	}
}
