package kinesis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
)

// PutRecord and PutRecords are the data plane: decodePut reads their
// bodies with a hand-written scanner instead of encoding/json into a map
// and the model walk, decodes every record's base64 straight into one
// buffer, and hashes partition keys, all before Call takes the service's
// lock.
//
// It accepts only bodies it is sure the model validator accepts, and
// decodes them to what the generic path would: a single JSON object of the
// operation's members other than StreamId, each once, strings of printable
// ASCII without escapes, every constraint of the model met (lengths,
// patterns, required members, 1 to 500 records), Data valid base64. For
// anything else (a syntax error, an escape, a null, a member outside these,
// a duplicate, a violated constraint) it declines, and Call takes the
// generic path, which answers the body as it always has: so the errors are
// the model validator's by construction.

// Bounds and patterns of the model's shapes (kinesis-2013-12-02.json).
const (
	maxStreamName   = 128
	maxStreamARN    = 2048
	maxPartitionKey = 256
	maxData         = 10 << 20 // Data: blob, max 10485760
	maxPutRecords   = 500
	maxHashDigits   = 39  // HashKey: 0|([1-9]\d{0,38})
	maxSeqDigits    = 129 // SequenceNumber: 0|([1-9]\d{0,128})
)

var streamARNPattern = regexp.MustCompile(`^(?:arn:aws.*:kinesis:.*:\d{12}:stream/\S+)$`)

// Members seen, to decline duplicates and check required ones.
const (
	seenName = 1 << iota
	seenARN
	seenRecords
	seenData
	seenKey
	seenHash
	seenSeq
)

// scanner reads a body; ok turns false at the first thing it declines.
type scanner struct {
	b  []byte
	i  int
	ok bool
}

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (d *scanner) next(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *scanner) expect(c byte) {
	if !d.next(c) {
		d.ok = false
	}
}

// str reads a string of printable ASCII without escapes and returns its
// bytes within the body.
func (d *scanner) str() []byte {
	if !d.ok || !d.next('"') {
		d.ok = false
		return nil
	}
	start := d.i
	end := bytes.IndexByte(d.b[start:], '"')
	if end < 0 {
		d.ok = false
		return nil
	}
	v := d.b[start : start+end]
	for _, c := range v {
		if c < 0x20 || c > 0x7e || c == '\\' {
			d.ok = false
			return nil
		}
	}
	d.i = start + end + 1
	return v
}

// object reads an object's members, calling member after each name and
// colon; member reads the value. Duplicates are declined through seen.
func (d *scanner) object(member func(name []byte)) {
	d.expect('{')
	if !d.ok || d.next('}') {
		return
	}
	for d.ok {
		name := d.str()
		d.expect(':')
		if !d.ok {
			return
		}
		member(name)
		if d.next(',') {
			continue
		}
		d.expect('}')
		return
	}
}

// once marks member bit in seen, declining a duplicate.
func (d *scanner) once(seen *int, bit int) {
	if *seen&bit != 0 {
		d.ok = false
	}
	*seen |= bit
}

// name reads a StreamName.
func (d *scanner) name() string {
	v := d.str()
	if len(v) < 1 || len(v) > maxStreamName {
		d.ok = false
		return ""
	}
	for _, c := range v {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			d.ok = false
			return ""
		}
	}
	return string(v)
}

// arn reads a StreamARN.
func (d *scanner) arn() string {
	v := d.str()
	if len(v) < 1 || len(v) > maxStreamARN || !streamARNPattern.Match(v) {
		d.ok = false
		return ""
	}
	return string(v)
}

// number reads a string of a decimal number without leading zeros and of
// at most max digits, as the HashKey and SequenceNumber patterns require.
func (d *scanner) number(max int) []byte {
	v := d.str()
	if len(v) < 1 || len(v) > max || len(v) > 1 && v[0] == '0' {
		d.ok = false
		return nil
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			d.ok = false
			return nil
		}
	}
	return v
}

// data reads a Data member, decoding it into the arena.
func (d *scanner) data(arena *[]byte) []byte {
	v := d.str()
	if !d.ok {
		return nil
	}
	a := *arena
	n, err := base64.StdEncoding.Decode(a[len(a):cap(a)], v)
	if err != nil || n > maxData {
		d.ok = false
		return nil
	}
	out := a[len(a) : len(a)+n : len(a)+n]
	*arena = a[:len(a)+n]
	return out
}

// fields is one record's members as read.
type fields struct {
	seen    int
	data    []byte
	key     []byte
	hash    []byte
	hasHash bool
}

// member reads a record member (of PutRecord's body or of a PutRecords
// entry) if name is one; it reports whether it was.
func (d *scanner) member(name []byte, f *fields, arena *[]byte) bool {
	switch string(name) {
	case "Data":
		d.once(&f.seen, seenData)
		f.data = d.data(arena)
	case "PartitionKey":
		d.once(&f.seen, seenKey)
		f.key = d.str()
		if len(f.key) < 1 || len(f.key) > maxPartitionKey {
			d.ok = false
		}
	case "ExplicitHashKey":
		d.once(&f.seen, seenHash)
		f.hash, f.hasHash = d.number(maxHashDigits), true
	default:
		return false
	}
	return true
}

func (f *fields) complete() bool { return f.seen&seenData != 0 && f.seen&seenKey != 0 }

func (f *fields) entry(key string) putEntry {
	var explicit any
	if f.hasHash {
		explicit = string(f.hash)
	}
	return newEntry(key, explicit, f.data)
}

// decodePut decodes a PutRecord or PutRecords body, or declines it (false)
// for the generic path.
func decodePut(op string, body []byte) (*putRequest, bool) {
	d := scanner{b: body, ok: true}
	req := &putRequest{}
	seen := 0
	// Every record's base64 text is part of the body, so the decoded
	// records fit in DecodedLen(len(body)) bytes.
	arena := make([]byte, 0, base64.StdEncoding.DecodedLen(len(body)))
	var recs []fields
	if op == "PutRecords" {
		// A body as the SDKs write it names PartitionKey once a record.
		recs = make([]fields, 0, min(maxPutRecords, bytes.Count(body, []byte(`"PartitionKey"`))))
	}
	var one fields
	top := func(name []byte) {
		switch string(name) {
		case "StreamName":
			d.once(&seen, seenName)
			req.name = d.name()
		case "StreamARN":
			d.once(&seen, seenARN)
			req.arn, req.hasARN = d.arn(), true
		case "Records":
			if op != "PutRecords" {
				d.ok = false
				return
			}
			d.once(&seen, seenRecords)
			recs = d.records(recs[:0], &arena)
		case "SequenceNumberForOrdering":
			if op != "PutRecord" {
				d.ok = false
				return
			}
			d.once(&seen, seenSeq)
			d.number(maxSeqDigits)
		default:
			if op != "PutRecord" || !d.member(name, &one, &arena) {
				d.ok = false
			}
		}
	}
	d.object(top)
	d.ws()
	if !d.ok || d.i != len(d.b) {
		return nil, false
	}
	if op == "PutRecord" {
		if !one.complete() {
			return nil, false
		}
		req.entries = []putEntry{one.entry(string(one.key))}
		return req, true
	}
	if seen&seenRecords == 0 {
		return nil, false
	}
	// The partition keys share one string.
	size := 0
	for i := range recs {
		size += len(recs[i].key)
	}
	keys := make([]byte, 0, size)
	for i := range recs {
		keys = append(keys, recs[i].key...)
	}
	all := string(keys)
	req.entries = make([]putEntry, len(recs))
	at := 0
	for i := range recs {
		n := len(recs[i].key)
		req.entries[i] = recs[i].entry(all[at : at+n])
		at += n
	}
	return req, true
}

// records reads a PutRecords Records list: 1 to 500 entries, each an
// object with Data and PartitionKey.
func (d *scanner) records(recs []fields, arena *[]byte) []fields {
	d.expect('[')
	if !d.ok || d.next(']') {
		d.ok = false // fewer than 1 record
		return nil
	}
	for d.ok {
		if len(recs) == maxPutRecords {
			d.ok = false
			return nil
		}
		var f fields
		d.object(func(name []byte) {
			if !d.member(name, &f, arena) {
				d.ok = false
			}
		})
		if !f.complete() {
			d.ok = false
		}
		recs = append(recs, f)
		if d.next(',') {
			continue
		}
		d.expect(']')
		break
	}
	return recs
}

// putRecordsOut is PutRecords' answer. It writes its own JSON, the same
// encoding/json writes, without reflection: see appendJSON.
type putRecordsOut struct {
	FailedRecordCount int
	Records           []putResult
	EncryptionType    string `json:",omitempty"`
}

// MarshalJSON is for callers of Call that encode its answer.
func (o putRecordsOut) MarshalJSON() ([]byte, error) { return o.appendJSON(nil), nil }

// appendJSON appends the answer's JSON to b, as encoding/json writes it.
func (o putRecordsOut) appendJSON(b []byte) []byte {
	b = append(b, `{"FailedRecordCount":`...)
	b = strconv.AppendInt(b, int64(o.FailedRecordCount), 10)
	b = append(b, `,"Records":`...)
	if o.Records == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range o.Records {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			b = appendMember(b, n, "SequenceNumber", r.SequenceNumber)
			b = appendMember(b, n, "ShardId", r.ShardID)
			b = appendMember(b, n, "ErrorCode", r.ErrorCode)
			b = appendMember(b, n, "ErrorMessage", r.ErrorMessage)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if o.EncryptionType != "" {
		b = append(b, `,"EncryptionType":`...)
		b = appendString(b, o.EncryptionType)
	}
	return append(b, '}')
}

// appendMember appends an omitempty string member of an object begun at
// start.
func appendMember(b []byte, start int, name, v string) []byte {
	if v == "" {
		return b
	}
	if len(b) > start {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendString(b, v)
}

// appendString appends a JSON string as encoding/json writes it: plain
// when nothing in it needs escaping, else through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
