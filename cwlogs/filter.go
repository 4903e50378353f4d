package cwlogs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// filterPattern is a parsed filter pattern for unstructured log events
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
//
//	(empty) or " "         every event
//	ERROR Exception        events containing every term
//	"Task timed out"       a quoted phrase, matched as a whole
//	?ERROR ?WARN           events containing at least one of the ?-terms
//	ERROR -Retrying        events containing ERROR but not Retrying
//	%colou?r%              a regular expression, on its own
//
// Matching is case-sensitive. A term matches only as whole words: ERROR
// matches "[ERROR] x" but not "ERRORS" (use a regular expression for
// substrings). Unquoted terms may hold only letters, digits and
// underscores; anything else must be quoted, or the pattern is refused as
// AWS refuses it ("Invalid character(s) in term '...'"). JSON patterns
// ({ $.x = ... }) and space-delimited patterns ([a, b]) are refused as not
// supported yet.
type filterPattern struct {
	all  []string // every one must occur
	any  []string // when non-empty, at least one must occur
	none []string // none may occur
	re   *regexp.Regexp
}

// errFilterPattern is a pattern AWS would refuse.
type errFilterPattern struct{ msg string }

func (e *errFilterPattern) Error() string { return e.msg }

// errFilterUnsupported is a valid AWS pattern firehose-local does not
// implement.
type errFilterUnsupported struct{ what string }

func (e *errFilterUnsupported) Error() string { return e.what }

func invalidChars(s string) error {
	return &errFilterPattern{fmt.Sprintf("Invalid character(s) in term '%s'", s)}
}

// regexAllowed are the characters a %regex% pattern may use besides
// letters and digits: AWS's supported symbols and operators.
const regexAllowed = ":_#=@/;,-^$?[]{}|\\*+."

// parseFilterPattern parses a FilterLogEvents filterPattern.
func parseFilterPattern(p string) (*filterPattern, error) {
	s := strings.TrimFunc(p, isSpace)
	f := &filterPattern{}
	if s == "" {
		return f, nil
	}
	switch s[0] {
	case '{':
		return nil, &errFilterUnsupported{"JSON filter patterns ({ $.field ... })"}
	case '[':
		return nil, &errFilterUnsupported{"space-delimited filter patterns ([field, ...])"}
	case '%':
		return parseRegexPattern(s)
	}
	for i := 0; i < len(s); {
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		if i == len(s) {
			break
		}
		mod := byte(0)
		if s[i] == '?' || s[i] == '-' {
			mod = s[i]
			i++
		}
		var term string
		switch {
		case i == len(s) || isSpaceByte(s[i]):
			return nil, invalidChars(string(mod))
		case s[i] == '"':
			end, text, err := parseQuoted(s, i)
			if err != nil {
				return nil, err
			}
			i = end
			if i < len(s) && !isSpaceByte(s[i]) {
				// Text glued to the closing quote.
				return nil, invalidChars(`"`)
			}
			term = text
		default:
			j := i
			for j < len(s) && !isSpaceByte(s[j]) {
				j++
			}
			term = s[i:j]
			if k := strings.IndexFunc(term, func(r rune) bool { return !isWordRune(r) }); k >= 0 {
				return nil, invalidChars(badRun(term[k:]))
			}
			i = j
		}
		if strings.TrimFunc(term, isSpace) == "" {
			// " " matches every event: the term is no constraint (and
			// excludes everything after a minus).
			term = ""
		}
		switch mod {
		case '?':
			f.any = append(f.any, term)
		case '-':
			f.none = append(f.none, term)
		default:
			f.all = append(f.all, term)
		}
	}
	return f, nil
}

// parseQuoted reads the quoted phrase starting at s[i] == '"', with \" and
// \\ as escapes. It returns the index after the closing quote.
func parseQuoted(s string, i int) (int, string, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; c {
		case '\\':
			if j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
				j++
				b.WriteByte(s[j])
				continue
			}
			b.WriteByte(c)
		case '"':
			return j + 1, b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return 0, "", &errFilterPattern{"Unterminated quoted phrase in filter pattern: " + s[i:]}
}

// badRun is the run of characters, from the first, that AWS quotes in its
// "Invalid character(s)" message.
func badRun(s string) string {
	end := 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if isWordRune(r) || isSpace(r) {
			break
		}
		end += size
	}
	if end == 0 {
		_, end = utf8.DecodeRuneInString(s)
	}
	return s[:end]
}

func parseRegexPattern(s string) (*filterPattern, error) {
	if len(s) < 2 || s[len(s)-1] != '%' {
		return nil, &errFilterPattern{"A regular expression in a filter pattern must be enclosed in %: " + s}
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return nil, &errFilterPattern{"Empty regular expression in filter pattern"}
	}
	for i, r := range body {
		if r > unicode.MaxASCII || !(isASCIIAlnum(r) || strings.ContainsRune(regexAllowed, r)) {
			_, size := utf8.DecodeRuneInString(body[i:])
			return nil, invalidChars(body[i : i+size])
		}
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, &errFilterPattern{"Invalid regular expression in filter pattern: " + body}
	}
	return &filterPattern{re: re}, nil
}

// match reports whether msg matches the pattern.
func (f *filterPattern) match(msg string) bool {
	if f.re != nil {
		return f.re.MatchString(msg)
	}
	for _, t := range f.all {
		if !containsTerm(msg, t) {
			return false
		}
	}
	for _, t := range f.none {
		if containsTerm(msg, t) {
			return false
		}
	}
	if len(f.any) == 0 {
		return true
	}
	for _, t := range f.any {
		if containsTerm(msg, t) {
			return true
		}
	}
	return false
}

// containsTerm reports whether t occurs in msg as whole words: where t
// starts (ends) with a word character, the character before (after) it in
// msg is not one.
func containsTerm(msg, t string) bool {
	if t == "" {
		return true
	}
	first, _ := utf8.DecodeRuneInString(t)
	last, _ := utf8.DecodeLastRuneInString(t)
	for off := 0; off <= len(msg)-len(t); {
		i := strings.Index(msg[off:], t)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(t)
		before, _ := utf8.DecodeLastRuneInString(msg[:i])
		after, _ := utf8.DecodeRuneInString(msg[j:])
		if (i == 0 || !isWordRune(first) || !isWordRune(before)) &&
			(j == len(msg) || !isWordRune(last) || !isWordRune(after)) {
			return true
		}
		off = i + 1
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isASCIIAlnum(r rune) bool {
	return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func isSpaceByte(c byte) bool { return isSpace(rune(c)) }
