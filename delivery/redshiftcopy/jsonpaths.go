package redshiftcopy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// A JSONPaths file: {"jsonpaths": ["$.a", "$['b']", "$.c[0]", ...]}, one
// expression per column, in the bracket or dot notation Redshift accepts.

type pathStep struct {
	key   string
	index int // >= 0: an array element; -1: a key
}

func parseJSONPaths(b []byte) ([]pathSteps, error) {
	var f struct {
		JSONPaths *[]string `json:"jsonpaths"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil || f.JSONPaths == nil {
		return nil, &JSONPathsError{Reason: `Invalid JSONPaths file: it must be a JSON object with a "jsonpaths" array of strings.`}
	}
	out := make([]pathSteps, len(*f.JSONPaths))
	for i, p := range *f.JSONPaths {
		steps, err := parsePath(p)
		if err != nil {
			return nil, &JSONPathsError{Reason: fmt.Sprintf("Invalid JSONPath format %q: %s", p, err)}
		}
		out[i] = steps
	}
	return out, nil
}

func parsePath(p string) ([]pathStep, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("it must start with $")
	}
	var steps []pathStep
	s := p[1:]
	for len(s) > 0 {
		switch s[0] {
		case '.':
			j := 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == 1 {
				return nil, fmt.Errorf("empty member name")
			}
			steps = append(steps, pathStep{key: s[1:j], index: -1})
			s = s[j:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			in := s[1:end]
			if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
				steps = append(steps, pathStep{key: in[1 : len(in)-1], index: -1})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("[%s] is neither a quoted name nor an array index", in)
				}
				steps = append(steps, pathStep{index: n})
			}
			s = s[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q", s[0])
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("it names no member")
	}
	return steps, nil
}

// eval finds the path's value in doc; ok is false when it is absent.
func (p pathSteps) eval(doc map[string]json.RawMessage) (json.RawMessage, bool, error) {
	first := p[0]
	if first.index >= 0 {
		return nil, false, nil
	}
	v, ok := doc[first.key]
	if !ok {
		return nil, false, nil
	}
	for _, st := range p[1:] {
		v = bytes.TrimSpace(v)
		if st.index >= 0 {
			var arr []json.RawMessage
			if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &arr) != nil || st.index >= len(arr) {
				return nil, false, nil
			}
			v = arr[st.index]
			continue
		}
		var obj map[string]json.RawMessage
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &obj) != nil {
			return nil, false, nil
		}
		if v, ok = obj[st.key]; !ok {
			return nil, false, nil
		}
	}
	return v, true, nil
}

type pathSteps []pathStep
