package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/firehose-local/firehose-local/internal/base64x"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Data-plane limits of PutRecord and PutRecordBatch.
const (
	MaxRecordSize     = 1024000 // bytes of one record, after base64 decoding
	MaxBatchRecords   = 500
	MaxBatchSize      = 4 << 20 // bytes of all records of one PutRecordBatch
	streamNamePattern = "[a-zA-Z0-9_.-]+"
)

// PutRecord and PutRecordBatch are the data plane: their bodies are decoded
// by a hand-written scanner instead of encoding/json and the model walk.
// The scanner reads the body once, decodes every record's base64 straight
// into one buffer shared by the whole batch, and allocates nothing per
// record.
//
// It follows the model validator (Model.DecodeAndValidate) on what it
// accepts and what it decodes: member names match exactly, the last of
// duplicate members wins, members outside the model are ignored, and Data
// must be a base64 string. Its error messages are the ones this package
// has always sent (encoding/json's for syntax errors, the same
// SerializationException and ValidationException texts). Deliberate
// differences from the model validator, where both reject the body:
//
//   - a null record in Records is reported as a record without data
//     ("Value null at 'records.N.member.data'"); the model walk skips it;
//   - a body of only whitespace is a syntax error, and a body of JSON null
//     counts as {} (the model walk does the opposite).
//
// PutRecordBatch also refuses a batch above MaxBatchSize, which the model
// does not express.

// Type names in SerializationException messages. They are the Go types
// that encoding/json used to name, kept so that messages do not change.
const (
	typePutRecordBatch = "protocol.putRecordBatchWire"
	typePutRecord      = "protocol.putRecordWire"
	typeRecordList     = "[]protocol.recordWire"
	typeRecord         = "protocol.recordWire"
	typeData           = "[]uint8"
	typeString         = "string"
)

// maxNestingDepth is encoding/json's limit on nested arrays and objects.
const maxNestingDepth = 10000

// DecodePutRecord decodes and validates a PutRecord body. It is the data
// plane's fast path and answers as the model-driven validator does.
func DecodePutRecord(body []byte) (stream string, data []byte, err *awsjson.Error) {
	d := decoder{b: body}
	var name nameMember
	var rec struct {
		present bool
		data    []byte // nil: null or missing
		err     typeErr
	}
	d.topObject(typePutRecord, func(key []byte, keyPlain bool) {
		switch {
		case d.keyIs(key, keyPlain, "DeliveryStreamName"):
			name.decode(&d)
		case d.keyIs(key, keyPlain, "Record"):
			rec.present, rec.data, rec.err = false, nil, typeErr{}
			switch d.peek() {
			case 'n':
				d.null()
			case '{':
				rec.present = true
				rec.data, rec.err = d.record(2, "Record.Data", nil)
			default:
				rec.err = d.typeError(1, "Record", typeRecord)
			}
		default:
			d.skipValue(1)
		}
	})
	if d.bad {
		return "", nil, d.syntaxError()
	}
	if e := firstError(d.top, name.err, rec.err); e != nil {
		return "", nil, e
	}
	var v []string
	stream = name.check(&v)
	if !rec.present {
		v = append(v, "Value null at 'record' failed to satisfy constraint: Member must not be null")
	} else if rec.data == nil {
		v = append(v, "Value null at 'record.data' failed to satisfy constraint: Member must not be null")
	} else {
		checkRecordSize(rec.data, "record.data", &v)
	}
	if len(v) > 0 {
		return "", nil, awsjson.ValidationError(v)
	}
	return stream, rec.data, nil
}

// DecodePutRecordBatch decodes and validates a PutRecordBatch body,
// including the 4 MiB limit on the batch. The records share one buffer.
func DecodePutRecordBatch(body []byte) (stream string, records [][]byte, err *awsjson.Error) {
	return DecodePutRecordBatchInto(body, nil)
}

// BatchBuffers are the buffers a decoded PutRecordBatch's records live in:
// the records' bytes and the list of them. A caller that keeps nothing of
// the records once it is done with them reuses the buffers for the next
// batch (Reset first), instead of allocating and zeroing them each time.
// The zero value is ready to use.
type BatchBuffers struct {
	arena []byte
	list  [][]byte
}

// Reset forgets the records of the last batch (the list's references to
// them), keeping the buffers' memory.
func (b *BatchBuffers) Reset() {
	clear(b.list[:cap(b.list)])
	b.list = b.list[:0]
	b.arena = b.arena[:0]
}

// Size is the bytes the buffers hold on to.
func (b *BatchBuffers) Size() int { return cap(b.arena) + 24*cap(b.list) }

// DecodePutRecordBatchInto is DecodePutRecordBatch with the records in buf
// (nil: new buffers), which it grows as needed. The records are valid
// until buf is reused.
func DecodePutRecordBatchInto(body []byte, buf *BatchBuffers) (stream string, records [][]byte, err *awsjson.Error) {
	if buf == nil {
		buf = new(BatchBuffers)
	}
	d := decoder{b: body}
	var name nameMember
	var recs struct {
		present bool
		list    [][]byte // nil entries: records without data
		err     typeErr
	}
	// Every record's base64 text is part of the body, so the decoded
	// records of the whole batch fit in DecodedLen(len(body)) bytes: the
	// arena never moves while records are added.
	if n := base64.StdEncoding.DecodedLen(len(body)); cap(buf.arena) < n {
		buf.arena = make([]byte, 0, n)
	}
	arena := buf.arena[:0]
	defer func() { buf.arena, buf.list = arena[:0], recs.list[:0] }()
	recs.list = buf.list[:0]
	d.topObject(typePutRecordBatch, func(key []byte, keyPlain bool) {
		switch {
		case d.keyIs(key, keyPlain, "DeliveryStreamName"):
			name.decode(&d)
		case d.keyIs(key, keyPlain, "Records"):
			recs.present, recs.err = false, typeErr{}
			recs.list = recs.list[:0]
			switch d.peek() {
			case 'n':
				d.null()
			case '[':
				recs.present = true
				if cap(recs.list) == 0 {
					recs.list = make([][]byte, 0, min(len(body)/16+1, MaxBatchRecords))
				}
				d.array(2, func() {
					switch d.peek() {
					case 'n':
						d.null()
						recs.list = append(recs.list, nil)
					case '{':
						var data []byte
						var e typeErr
						data, e = d.record(3, "Records.Data", &arena)
						recs.err = recs.err.or(e)
						recs.list = append(recs.list, data)
					default:
						recs.err = recs.err.or(d.typeError(2, "Records", typeRecord))
					}
				})
			default:
				recs.err = d.typeError(1, "Records", typeRecordList)
			}
		default:
			d.skipValue(1)
		}
	})
	if d.bad {
		return "", nil, d.syntaxError()
	}
	if e := firstError(d.top, name.err, recs.err); e != nil {
		return "", nil, e
	}
	var v []string
	stream = name.check(&v)
	if !recs.present {
		v = append(v, "Value null at 'records' failed to satisfy constraint: Member must not be null")
	} else {
		n := len(recs.list)
		if n < 1 {
			v = append(v, awsjson.Violation(awsjson.JavaString([]any{}, nil), "records", "have length greater than or equal to 1"))
		} else if n > MaxBatchRecords {
			v = append(v, awsjson.Violation(fmt.Sprintf("[%d records]", n), "records", fmt.Sprintf("have length less than or equal to %d", MaxBatchRecords)))
		}
		for i, r := range recs.list {
			if r == nil {
				v = append(v, "Value null at 'records."+strconv.Itoa(i+1)+".member.data' failed to satisfy constraint: Member must not be null")
			} else if len(r) > MaxRecordSize {
				checkRecordSize(r, "records."+strconv.Itoa(i+1)+".member.data", &v)
			}
		}
	}
	if len(v) > 0 {
		return "", nil, awsjson.ValidationError(v)
	}
	total := 0
	for _, r := range recs.list {
		total += len(r)
	}
	if total > MaxBatchSize {
		return "", nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Records size exceeds 4 MB limit")
	}
	return stream, recs.list, nil
}

// nameMember is a decoded DeliveryStreamName.
type nameMember struct {
	present bool
	val     string
	err     typeErr
}

func (n *nameMember) decode(d *decoder) {
	*n = nameMember{}
	switch d.peek() {
	case 'n':
		d.null()
	case '"':
		s, e, plain := d.scanString()
		if d.bad {
			return
		}
		n.present = true
		if plain {
			n.val = string(d.b[s:e])
		} else {
			n.val = unquote(d.b[s-1 : e+1])
		}
	default:
		n.err = d.typeError(1, "DeliveryStreamName", typeString)
	}
}

func (n *nameMember) check(v *[]string) string {
	if !n.present {
		return checkStreamName(nil, v)
	}
	return checkStreamName(&n.val, v)
}

// typeErr is a SerializationException found at offset off of the body.
// Like encoding/json, the decoder reports the first one in the body.
type typeErr struct {
	off int
	err *awsjson.Error
}

func (a typeErr) or(b typeErr) typeErr {
	if a.err == nil || b.err != nil && b.off < a.off {
		return b
	}
	return a
}

func firstError(errs ...typeErr) *awsjson.Error {
	var first typeErr
	for _, e := range errs {
		first = first.or(e)
	}
	return first.err
}

// decoder scans a JSON body. Any syntax error sets bad; the scan then
// stops and encoding/json is asked for its message.
type decoder struct {
	b   []byte
	i   int
	bad bool
	top typeErr // the body is not an object
}

func (d *decoder) fail() { d.bad = true; d.i = len(d.b) }

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte (0 at the end).
func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) expect(c byte) bool {
	if d.peek() != c {
		d.fail()
		return false
	}
	d.i++
	return true
}

func (d *decoder) null() {
	if !bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.fail()
		return
	}
	d.i += 4
}

// typeError records a value of the wrong type at the current position and
// skips it.
// depth is that of the enclosing container.
func (d *decoder) typeError(depth int, field, typ string) typeErr {
	e := typeErr{off: d.i, err: awsjson.NewError(awsjson.ErrSerialization, "Unexpected value type at '%s': expected %s", field, typ)}
	d.skipValue(depth)
	return e
}

// topObject scans the body's top-level object, calling member for each
// member with the scanner on its value. An empty body counts as {} and a
// JSON null as an empty object, as they always have.
func (d *decoder) topObject(typ string, member func(key []byte, keyPlain bool)) {
	if len(d.b) == 0 {
		return
	}
	switch d.peek() {
	case '{':
		d.object(1, member)
	case 'n':
		d.null()
	default:
		d.top = d.typeError(0, "", typ)
	}
	if d.ws(); d.i < len(d.b) {
		d.fail() // data after the top-level value
	}
}

// object scans an object at the given depth (d.b[d.i] is '{'). member must
// consume the value.
func (d *decoder) object(depth int, member func(key []byte, keyPlain bool)) {
	if depth > maxNestingDepth {
		d.fail()
		return
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return
	}
	for !d.bad {
		if d.peek() != '"' {
			d.fail()
			return
		}
		s, e, plain := d.scanString()
		if d.bad || !d.expect(':') {
			return
		}
		d.ws()
		member(d.b[s:e], plain)
		if d.bad {
			return
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

// array scans an array at the given depth (d.b[d.i] is '['). elem must
// consume one element.
func (d *decoder) array(depth int, elem func()) {
	if depth > maxNestingDepth {
		d.fail()
		return
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return
	}
	for !d.bad {
		d.ws()
		elem()
		if d.bad {
			return
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

// keyIs reports whether a member name (raw, between its quotes) is name.
func (d *decoder) keyIs(key []byte, plain bool, name string) bool {
	if plain {
		return string(key) == name
	}
	// Escaped or non-ASCII: compare the decoded name.
	return unquote(key[:len(key):len(key)]) == name
}

// record scans a Record object at depth (d.b[d.i] is '{') and returns its
// decoded Data: nil if it has none. With arena, Data is decoded into it.
func (d *decoder) record(depth int, field string, arena *[]byte) ([]byte, typeErr) {
	var data []byte
	var err typeErr
	d.object(depth, func(key []byte, keyPlain bool) {
		if !d.keyIs(key, keyPlain, "Data") {
			d.skipValue(depth)
			return
		}
		data, err = nil, typeErr{}
		switch d.peek() {
		case 'n':
			d.null()
		case '"':
			data, err = d.blob(arena)
		default:
			err = d.typeError(depth, field, typeData)
		}
	})
	return data, err
}

// blob decodes a base64 string value (d.b[d.i] is '"').
func (d *decoder) blob(arena *[]byte) ([]byte, typeErr) {
	start := d.i
	// Fast path: no escapes, the text is all base64. A backslash, control
	// character or non-ASCII byte is not base64, so one Decode
	// both validates the JSON string and decodes it (base64x: StdEncoding's
	// results, faster). StdEncoding skips
	// \r and \n, which JSON does not allow raw: a length that is not a
	// multiple of 4, or a short result, means one was there, and the
	// careful path below reports it.
	if q := bytes.IndexByte(d.b[start+1:], '"'); q >= 0 {
		text := d.b[start+1 : start+1+q]
		dst, inArena := take(arena, base64.StdEncoding.DecodedLen(len(text)))
		if n, err := base64x.Decode(dst, text); err == nil && len(text)%4 == 0 && n == decodedLen(text) {
			d.i = start + 1 + q + 1
			if inArena {
				*arena = (*arena)[:len(*arena)+n]
			}
			return dst[:n:n], typeErr{}
		}
	}
	s, e, plain := d.scanString()
	if d.bad {
		return nil, typeErr{}
	}
	text := d.b[s:e]
	if !plain {
		text = []byte(unquote(d.b[s-1 : e+1]))
	}
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(dst, text)
	if err != nil {
		return nil, typeErr{off: start, err: awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body: %s", err)}
	}
	return dst[:n:n], typeErr{}
}

// decodedLen is the length of padded base64 text without line breaks.
func decodedLen(text []byte) int {
	n := len(text) / 4 * 3
	if len(text) > 0 && text[len(text)-1] == '=' {
		n--
		if len(text) > 1 && text[len(text)-2] == '=' {
			n--
		}
	}
	return n
}

// take returns n bytes of free space in the arena, or a new buffer if the
// arena has no room.
func take(arena *[]byte, n int) (buf []byte, inArena bool) {
	if arena == nil || cap(*arena)-len(*arena) < n {
		return make([]byte, n), false
	}
	a := *arena
	return a[len(a) : len(a)+n], true
}

// scanString scans a string (d.b[d.i] is '"') and returns the bounds of
// its raw text. plain means no escapes and only ASCII: the raw text is the
// value.
func (d *decoder) scanString() (start, end int, plain bool) {
	b := d.b
	i := d.i + 1
	start, plain = i, true
	for i < len(b) {
		if plainByte[b[i]] {
			i++
			continue
		}
		c := b[i]
		switch {
		case c == '"':
			d.i = i + 1
			return start, i, plain
		case c == '\\':
			plain = false
			if i+1 >= len(b) {
				d.fail()
				return
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					d.fail()
					return
				}
				i += 6
			default:
				d.fail()
				return
			}
		case c < 0x20:
			d.fail()
			return
		case c >= 0x80:
			plain = false
			i++
		default:
			i++
		}
	}
	d.fail()
	return
}

// plainByte marks the bytes a JSON string holds as they are: ASCII from
// the space up, but for the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unquote decodes a JSON string exactly as encoding/json does (escapes,
// surrogates, invalid UTF-8). quoted includes the quotes and is known to
// be a valid JSON string.
func unquote(quoted []byte) string {
	if len(quoted) == 0 || quoted[0] != '"' {
		// A raw member name, without its quotes.
		quoted = append(append([]byte{'"'}, quoted...), '"')
	}
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// skipValue scans and discards one value, checking its syntax. depth is
// that of the enclosing container.
func (d *decoder) skipValue(depth int) {
	var closers []byte // the open containers inside this value
	for !d.bad {
		// A value.
		switch c := d.peek(); {
		case c == '{' || c == '[':
			if depth+len(closers)+1 > maxNestingDepth {
				d.fail()
				return
			}
			d.i++
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			if d.peek() == close {
				d.i++
				break
			}
			closers = append(closers, close)
			if close == '}' && !d.memberName() {
				return
			}
			continue
		case c == '"':
			d.scanString()
		case c == 't':
			d.literal("true")
		case c == 'f':
			d.literal("false")
		case c == 'n':
			d.literal("null")
		default:
			d.number()
		}
		// After a value: close containers or go on to the next value.
		for !d.bad {
			if len(closers) == 0 {
				return
			}
			close := closers[len(closers)-1]
			c := d.peek()
			if c == ',' {
				d.i++
				if close == '}' && !d.memberName() {
					return
				}
				break
			}
			if c != close {
				d.fail()
				return
			}
			d.i++
			closers = closers[:len(closers)-1]
		}
	}
}

// memberName scans `"name":` inside an object being skipped.
func (d *decoder) memberName() bool {
	if d.peek() != '"' {
		d.fail()
		return false
	}
	d.scanString()
	return !d.bad && d.expect(':')
}

func (d *decoder) literal(lit string) {
	if !bytes.HasPrefix(d.b[d.i:], []byte(lit)) {
		d.fail()
		return
	}
	d.i += len(lit)
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() {
	b, i := d.b, d.i
	digits := func() bool {
		s := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		digits()
	default:
		d.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			d.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			d.fail()
			return
		}
	}
	d.i = i
}

// syntaxError is the SerializationException for a body that is not JSON,
// with encoding/json's description of the problem.
func (d *decoder) syntaxError() *awsjson.Error {
	var raw json.RawMessage
	err := json.Unmarshal(d.b, &raw)
	if err == nil {
		// The scanner and encoding/json disagree; say so rather than guess.
		return awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body")
	}
	return awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body: %s", err)
}

func checkStreamName(name *string, v *[]string) string {
	if name == nil {
		*v = append(*v, "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null")
		return ""
	}
	n := awsjson.JavaLength(*name)
	if n < 1 {
		*v = append(*v, awsjson.Violation(*name, "deliveryStreamName", "have length greater than or equal to 1"))
	}
	if n > 64 {
		*v = append(*v, awsjson.Violation(*name, "deliveryStreamName", "have length less than or equal to 64"))
	}
	if !validStreamName(*name) {
		*v = append(*v, awsjson.Violation(*name, "deliveryStreamName", "satisfy regular expression pattern: "+streamNamePattern))
	}
	return *name
}

// validStreamName matches [a-zA-Z0-9_.-]+ without a regexp.
func validStreamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func checkRecordSize(data []byte, path string, v *[]string) {
	if len(data) > MaxRecordSize {
		*v = append(*v, awsjson.Violation(awsjson.JavaString(awsjson.BlobLen(len(data)), nil), path, fmt.Sprintf("have length less than or equal to %d", MaxRecordSize)))
	}
}
