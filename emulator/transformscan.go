package emulator

// A fast path for reading a transform's answer. encoding/json spends most of
// a transform's processing time on it (reflection, a string per field), so
// scanTransformResponse reads the common shape directly:
//
//	{"records":[{"recordId":"…","result":"…","data":"…", other members…}, …], other members…}
//
// It gives up — and parseTransformResponse falls back to encoding/json —
// on anything else: a member name that differs from these only by case (which
// encoding/json would match), a recordId, result or data that is not a plain
// string (null, escapes, control characters, bytes outside ASCII), a
// records member that is not an array of objects, or anything that is not
// valid JSON up to the end of the top-level object. So whenever it succeeds,
// encoding/json would have decoded the same values (FuzzTransformScanMatches
// checks this); its errors are always encoding/json's.

// rawOutput is one record of a transform's answer; the slices point into
// the answer.
type rawOutput struct {
	id, result, data          []byte
	hasID, hasResult, hasData bool
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes, and
// returns its contents.
func (s *scanner) plainString() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			s.i = j + 1
			return s.b[start:j], true
		}
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return nil, false
		}
	}
	return nil, false
}

// skipString skips any valid JSON string.
func (s *scanner) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(s.b) {
				return false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[j+1 : j+5] {
					if !isHex(h) {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipNumber skips a number in JSON's grammar.
func (s *scanner) skipNumber() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// skipValue skips any valid JSON value, nested at most depth deep.
func (s *scanner) skipValue(depth int) bool {
	s.ws()
	if s.i >= len(s.b) || depth > 64 {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		s.i++
		if s.consume('}') {
			return true
		}
		for {
			s.ws()
			if !s.skipString() || !s.consume(':') || !s.skipValue(depth+1) {
				return false
			}
			if s.consume('}') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skipValue(depth + 1) {
				return false
			}
			if s.consume(']') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case c == '-' || isDigit(c):
		return s.skipNumber()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return true
			}
		}
		return false
	}
}

// memberName reads an object member's name and the colon after it.
func (s *scanner) memberName() ([]byte, bool) {
	name, ok := s.plainString()
	if !ok || !s.consume(':') {
		return nil, false
	}
	return name, true
}

// caseFoldsTo reports whether name would match one of want's members in
// encoding/json without being it exactly (it matches names
// case-insensitively).
func caseFoldsTo(name []byte, want ...string) bool {
	for _, w := range want {
		if len(name) == len(w) && string(name) != w && asciiEqualFold(name, w) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a []byte, b string) bool {
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// scanTransformResponse reads the records of a transform's answer, or
// reports false to send it to encoding/json.
func scanTransformResponse(b []byte) ([]rawOutput, bool) {
	s := &scanner{b: b}
	if !s.consume('{') {
		return nil, false
	}
	var recs []rawOutput
	found := false
	if s.consume('}') {
		return nil, false // no records member: encoding/json's error
	}
	for {
		name, ok := s.memberName()
		if !ok {
			return nil, false
		}
		switch {
		case string(name) == "records":
			if found {
				return nil, false // encoding/json would decode the second over the first
			}
			if recs, ok = s.records(nil); !ok {
				return nil, false
			}
			found = true
		case caseFoldsTo(name, "records"):
			return nil, false
		default:
			if !s.skipValue(0) {
				return nil, false
			}
		}
		if s.consume('}') {
			break
		}
		if !s.consume(',') {
			return nil, false
		}
	}
	// What follows the object is not read, as json.Decoder.Decode does not.
	return recs, found
}

// records reads the array of the records member into recs.
func (s *scanner) records(recs []rawOutput) ([]rawOutput, bool) {
	if !s.consume('[') {
		return nil, false // null or not an array: encoding/json decides
	}
	if recs == nil {
		recs = make([]rawOutput, 0, 64)
	}
	if s.consume(']') {
		return recs, true
	}
	for {
		if !s.consume('{') {
			return nil, false
		}
		var r rawOutput
		if !s.consume('}') {
			for {
				name, ok := s.memberName()
				if !ok {
					return nil, false
				}
				switch string(name) {
				case "recordId":
					r.id, r.hasID = s.plainString()
					ok = r.hasID
				case "result":
					r.result, r.hasResult = s.plainString()
					ok = r.hasResult
				case "data":
					r.data, r.hasData = s.plainString()
					ok = r.hasData
				default:
					ok = !caseFoldsTo(name, "recordId", "result", "data") && s.skipValue(1)
				}
				if !ok {
					return nil, false
				}
				if s.consume('}') {
					break
				}
				if !s.consume(',') {
					return nil, false
				}
			}
		}
		recs = append(recs, r)
		if s.consume(']') {
			return recs, true
		}
		if !s.consume(',') {
			return nil, false
		}
	}
}
