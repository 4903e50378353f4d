// Package awsjson is what every AWS JSON 1.1 API that firehose-local serves
// shares: error shapes, botocore models and the validation of requests
// against them with AWS's exact messages, and reading a request's region.
// It performs no I/O.
package awsjson

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// The botocore service model is the authority on shapes and constraints. It
// is embedded so that validation follows it member by member.
//

// Model is a parsed botocore service model.
type Model struct {
	Metadata   ModelMetadata             `json:"metadata"`
	Operations map[string]ModelOperation `json:"operations"`
	Shapes     map[string]*Shape         `json:"shapes"`
	// ListMembersAtList reports a list's string members that fail their
	// constraints as one violation at the list's path, as Lambda does
	// ("Value '[X86_64]' at 'architectures' failed to satisfy constraint:
	// Member must satisfy constraint: [Member must satisfy enum value set:
	// [x86_64, arm64], Member must not be null]"), rather than one per
	// member at 'path.N.member'.
	ListMembersAtList bool `json:"-"`
}

// ModelMetadata is the model's metadata block.
type ModelMetadata struct {
	TargetPrefix string `json:"targetPrefix"`
	APIVersion   string `json:"apiVersion"`
}

// ModelOperation names an operation's input and output shapes.
type ModelOperation struct {
	Name   string `json:"name"`
	Input  *Ref   `json:"input"`
	Output *Ref   `json:"output"`
}

// Ref points at a shape by name.
type Ref struct {
	Shape string `json:"shape"`
}

// Shape is one shape of the model with the constraints validation needs.
type Shape struct {
	Type      string          `json:"type"`
	Required  []string        `json:"required"`
	Members   orderedMembers  `json:"members"`
	Member    *Ref            `json:"member"`
	Key       *Ref            `json:"key"`
	Value     *Ref            `json:"value"`
	Min       *float64        `json:"min"`
	Max       *float64        `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Exception bool            `json:"exception"`
	pat       *pattern        // Pattern, compiled on first use
	required  map[string]bool // Required as a set
}

// pattern is a shape's Pattern compiled to RE2. A model has dozens of
// patterns and the requests of a run use few of them; compiled all at
// once, they held 1.3 MiB of an idle emulator's memory (the Firehose
// model's 57).
type pattern struct {
	once      sync.Once
	re        *regexp.Regexp // full-match form of Pattern
	notPrefix *regexp.Regexp // a leading (?!...) lookahead, which RE2 lacks
	err       error
}

// Member is a structure member, kept in model order.
type Member struct {
	Name  string
	Shape string
}

type orderedMembers []Member

// UnmarshalJSON keeps the members in the order the model lists them, so that
// validation errors come out in a stable, model-like order. The members are
// decoded as a map (encoding/json has already checked b) and put in order
// by a scan of the object's keys: a token-by-token json.Decoder took 40 %
// of a model's parse.
func (m *orderedMembers) UnmarshalJSON(b []byte) error {
	var refs map[string]Ref
	if err := json.Unmarshal(b, &refs); err != nil {
		return err
	}
	names, err := objectKeys(b)
	if err != nil {
		return err
	}
	*m = make(orderedMembers, 0, len(names))
	for _, name := range names {
		*m = append(*m, Member{Name: name, Shape: refs[name].Shape})
	}
	return nil
}

// objectKeys returns the keys of the JSON object b, which must be valid
// JSON, in the order they appear.
func objectKeys(b []byte) ([]string, error) {
	var keys []string
	depth, key := 0, false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			depth++
			key = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			key = depth == 1
		case '"':
			j, escaped := i+1, false
			for ; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					j++
					escaped = true
				}
			}
			if j >= len(b) {
				return nil, fmt.Errorf("unterminated string in %.40q", b)
			}
			if key {
				k := string(b[i+1 : j])
				if escaped {
					if err := json.Unmarshal(b[i:j+1], &k); err != nil {
						return nil, err
					}
				}
				keys = append(keys, k)
				key = false
			}
			i = j
		}
	}
	return keys, nil
}

// ParseModel parses a botocore model. Its patterns are compiled when a
// value is first checked against them; CompilePatterns compiles them all.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, s := range m.Shapes {
		s.required = make(map[string]bool, len(s.Required))
		for _, r := range s.Required {
			s.required[r] = true
		}
		if s.Pattern != "" {
			s.pat = new(pattern)
		}
	}
	return &m, nil
}

// CompilePatterns compiles every pattern of the model now, and reports the
// first that RE2 cannot take. The tests call it on every embedded model, so
// that the lazy compilation at validation never meets such a pattern.
func (m *Model) CompilePatterns() error {
	for _, name := range slices.Sorted(maps.Keys(m.Shapes)) {
		if p := m.Shapes[name].compiled(); p != nil && p.err != nil {
			return fmt.Errorf("shape %s: %w", name, p.err)
		}
	}
	return nil
}

// compilePattern turns the model's Java regular expression into Go RE2,
// matched against the whole value (the Smithy model anchors them). RE2 has
// no lookaround: a leading negative lookahead becomes a separate check, and
// the one pattern with inner lookarounds (Redshift's JDBC URL) is rewritten
// to the equivalent without them.
func compilePattern(p string) (re, notPrefix *regexp.Regexp, err error) {
	p = strings.ReplaceAll(p, `((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+`, `([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+`)
	p = javaSurrogatePair().ReplaceAllStringFunc(p, func(pair string) string {
		hi, _ := strconv.ParseUint(pair[2:6], 16, 16)
		lo, _ := strconv.ParseUint(pair[8:12], 16, 16)
		return fmt.Sprintf(`\x{%X}`, utf16.DecodeRune(rune(hi), rune(lo)))
	})
	p = javaUnicodeEscape().ReplaceAllString(p, `\x{$1}`)
	if strings.HasPrefix(p, "^(?!") {
		end := strings.Index(p, ")")
		// The lookahead bodies in the model contain no parentheses.
		look := p[len("^(?!"):end]
		if notPrefix, err = regexp.Compile(`^(?:` + look + `)`); err != nil {
			return nil, nil, err
		}
		p = "^" + p[end+1:]
	}
	if re, err = regexp.Compile(`^(?:` + p + `)$`); err != nil {
		return nil, nil, err
	}
	return re, notPrefix, nil
}

// compiled returns the shape's compiled pattern, compiling it on first
// use, or nil if it has none.
func (s *Shape) compiled() *pattern {
	p := s.pat
	if p == nil {
		return nil
	}
	p.once.Do(func() { p.re, p.notPrefix, p.err = compilePattern(s.Pattern) })
	return p
}

var javaUnicodeEscape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`) })

// javaSurrogatePair is a supplementary character written as its UTF-16
// surrogates, as Java patterns may (Glue's "[\u0020-\uD7FF...\uD800\uDC00-\uDBFF\uDFFF]"
// means every code point up to U+10FFFF): RE2 needs the code point itself.
var javaSurrogatePair = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\\u[dD][89abAB][0-9A-Fa-f]{2}\\u[dD][c-fC-F][0-9A-Fa-f]{2}`)
})

// matchPattern reports whether v satisfies the shape's pattern.
func (s *Shape) matchPattern(v string) bool {
	p := s.compiled()
	if p == nil || p.err != nil { // (no embedded model's: see CompilePatterns)
		return true
	}
	if p.notPrefix != nil && p.notPrefix.MatchString(v) {
		return false
	}
	return p.re.MatchString(v)
}

// Matches reports whether v satisfies the shape's pattern (true when it
// has none).
func (s *Shape) Matches(v string) bool { return s.matchPattern(v) }

// WithPattern returns a copy of s whose values must match re instead of the
// model's pattern (messages still quote the model's).
func (s *Shape) WithPattern(re *regexp.Regexp) *Shape {
	c := *s
	c.pat = new(pattern)
	c.pat.once.Do(func() { c.pat.re = re })
	return &c
}
