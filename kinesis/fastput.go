package kinesis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"sync"

	"github.com/firehose-local/firehose-local/internal/base64x"
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

var streamARNPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:arn:aws.*:kinesis:.*:\d{12}:stream/\S+)$`) })

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
// It finds the closing quote in the same pass (partition keys are short:
// a call of bytes.IndexByte costs more than the loop).
func (d *scanner) str() []byte {
	if !d.ok || !d.next('"') {
		d.ok = false
		return nil
	}
	start := d.i
	for i, c := range d.b[start:] {
		if c == '"' {
			d.i = start + i + 1
			return d.b[start : start+i]
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			break
		}
	}
	d.ok = false
	return nil
}

// raw reads a string up to the next quote without looking at its bytes
// (the caller checks them) and returns them within the body.
func (d *scanner) raw() []byte {
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
	d.i = start + end + 1
	return d.b[start : start+end]
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
	if len(v) < 1 || len(v) > maxStreamARN || !streamARNPattern().Match(v) {
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
//
// Its text is not checked for escapes and control characters as str
// checks: the decoder refuses every byte outside the base64 alphabet but
// CR and LF, which it skips. Valid text without them is whole quanta of 4
// characters that decode to 3 bytes each, less one per = at the end; text
// with skipped characters decodes to less (what is left must be whole
// quanta too, so at least 4 were skipped).
func (d *scanner) data(arena *[]byte) []byte {
	v := d.raw()
	if !d.ok {
		return nil
	}
	a := *arena
	n, err := base64x.Decode(a[len(a):cap(a)], v)
	if err != nil || n > maxData || len(v)%4 != 0 || n != len(v)/4*3-padding(v) {
		d.ok = false
		return nil
	}
	out := a[len(a) : len(a)+n : len(a)+n]
	*arena = a[:len(a)+n]
	return out
}

// padding counts the = at the end of a base64 text (at most 2 in valid
// text).
func padding(v []byte) int {
	n := 0
	for n < 2 && n < len(v) && v[len(v)-1-n] == '=' {
		n++
	}
	return n
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

func (f *fields) entry() putEntry {
	var explicit any
	if f.hasHash {
		explicit = string(f.hash)
	}
	return newEntry(f.key, explicit, f.data)
}

// putRequests are requests the fast path decoded, for reuse with their
// buffers.
var putRequests = sync.Pool{New: func() any { return new(putRequest) }}

// maxPooledArena bounds the data buffer of a request kept for reuse.
const maxPooledArena = 1 << 20

// release returns a request decodePut made for reuse, once nothing refers
// to its entries (put copies what it keeps).
func (r *putRequest) release() {
	if cap(r.arena) > maxPooledArena {
		return
	}
	clear(r.entries) // they point into the body
	*r = putRequest{entries: r.entries[:0], arena: r.arena[:0], keys: r.keys[:0], sums: r.sums}
	putRequests.Put(r)
}

// decodePut decodes a PutRecord or PutRecords body, or declines it (false)
// for the generic path. The entries' keys are parts of the body; the
// caller releases the request when done.
func decodePut(op string, body []byte) (*putRequest, bool) {
	d := scanner{b: body, ok: true}
	req := putRequests.Get().(*putRequest)
	seen := 0
	// Every record's base64 text is part of the body, so the decoded
	// records fit in DecodedLen(len(body)) bytes.
	if need := base64.StdEncoding.DecodedLen(len(body)); cap(req.arena) < need {
		req.arena = make([]byte, 0, need)
	}
	arena := req.arena[:0]
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
			req.entries = d.records(req.entries[:0], &arena)
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
	req.arena = arena
	switch {
	case !d.ok || d.i != len(d.b):
	case op == "PutRecord" && one.complete():
		req.entries = append(req.entries[:0], one.entry())
		return req, true
	case op == "PutRecords" && seen&seenRecords != 0:
		return req, true
	}
	req.release()
	return nil, false
}

// records reads a PutRecords Records list: 1 to 500 entries, each an
// object with Data and PartitionKey.
func (d *scanner) records(recs []putEntry, arena *[]byte) []putEntry {
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
		if !d.compactRecord(&f, arena) {
			d.object(func(name []byte) {
				if !d.member(name, &f, arena) {
					d.ok = false
				}
			})
		}
		if !f.complete() {
			d.ok = false
			return nil
		}
		if f.hasHash {
			recs = append(recs, f.entry())
		} else {
			// The common record, built in place (newEntry's result would
			// be copied twice).
			recs = append(recs, putEntry{key: f.key, data: f.data})
		}
		if d.next(',') {
			continue
		}
		d.expect(']')
		break
	}
	return recs
}

// Member names of a record as the AWS SDKs write it, without white
// space: Data, then PartitionKey.
var (
	dataMember = []byte(`{"Data":`)
	keyMember  = []byte(`,"PartitionKey":`)
)

// compactRecord reads a record written as the SDKs write it,
// {"Data":"…","PartitionKey":"…"}, through member without reading the
// member names one by one. For any other record (white space, another
// order, ExplicitHashKey, a value member declines) it reports false and
// leaves the scanner and the arena as they were, for object.
func (d *scanner) compactRecord(f *fields, arena *[]byte) bool {
	i, used := d.i, len(*arena)
	if bytes.HasPrefix(d.b[d.i:], dataMember) {
		d.i += len(dataMember)
		d.member([]byte("Data"), f, arena)
		if d.ok && bytes.HasPrefix(d.b[d.i:], keyMember) {
			d.i += len(keyMember)
			d.member([]byte("PartitionKey"), f, arena)
			if d.ok && d.i < len(d.b) && d.b[d.i] == '}' {
				d.i++
				return true
			}
		}
	}
	d.i, d.ok, *arena = i, true, (*arena)[:used]
	*f = fields{}
	return false
}

// putRecordsOut is PutRecords' answer. It writes its own JSON, the same
// encoding/json writes, without reflection: see appendJSON.
type putRecordsOut struct {
	FailedRecordCount int
	Records           []putResult
	EncryptionType    string `json:",omitempty"`
}

// release returns the answer's records for reuse once it is written.
func (o putRecordsOut) release() { releaseResults(o.Records) }

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
		// The records of a call go to a few shards, in any order.
		var t [8]putTemplate
		for i, r := range o.Records {
			if i > 0 {
				b = append(b, ',')
			}
			if r.err == nil {
				b = t[uint(r.shard)%uint(len(t))].append(b, r.shard, r.counter)
				continue
			}
			b = append(b, '{')
			n := len(b)
			b = appendMember(b, n, "ErrorCode", r.err.Type)
			b = appendMember(b, n, "ErrorMessage", r.err.Message)
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

// putTemplate appends the answers of records put:
//
//	{"SequenceNumber":"<sequence(shard, counter)>","ShardId":"<shardID(shard)>"}
//
// from a copy of a shard's answer with counter 0 (the last shard's it
// appended for), whose counter digits it then writes in place.
type putTemplate struct {
	shard int
	ok    bool // b holds the shard's template
	b     [putAnswerLen]byte
}

const (
	putHead      = `{"SequenceNumber":"` + seqPrefix
	putMid       = `","ShardId":"shardId-`
	putTail      = `"}`
	putAnswerLen = len(putHead) + seqIndexLen + seqCountLen + len(putMid) + seqIndexLen + len(putTail)
	putCountEnd  = len(putHead) + seqIndexLen + seqCountLen // where the counter's digits end
)

func (t *putTemplate) append(b []byte, shard int, counter uint64) []byte {
	if shard < 0 || shard >= 1e12 {
		b = append(b, `{"SequenceNumber":"`...)
		b = append(b, sequence(shard, counter)...)
		b = append(b, `","ShardId":"`...)
		b = append(b, shardID(shard)...)
		return append(b, `"}`...)
	}
	if !t.ok || t.shard != shard {
		t.shard, t.ok = shard, true
		w := append(t.b[:0], putHead...)
		w = append(w, make([]byte, seqIndexLen+seqCountLen)...)
		putDigits(w[len(putHead):len(putHead)+seqIndexLen], uint64(shard))
		putDigits(w[len(putHead)+seqIndexLen:], 0)
		w = append(w, putMid...)
		w = append(w, w[len(putHead):len(putHead)+seqIndexLen]...)
		_ = append(w, putTail...)
	}
	n := len(b)
	b = append(b, t.b[:]...)
	// The template's counter is all zeros: only the significant digits
	// are written.
	w := b[n : n+putCountEnd]
	i := len(w)
	for counter >= 100 {
		q := counter / 100
		r := counter - q*100
		i -= 2
		w[i], w[i+1] = decimalPairs[2*r], decimalPairs[2*r+1]
		counter = q
	}
	if counter >= 10 {
		i -= 2
		w[i], w[i+1] = decimalPairs[2*counter], decimalPairs[2*counter+1]
	} else if counter > 0 {
		w[i-1] = byte('0' + counter)
	}
	return b
}

// decimalPairs holds "00" to "99".
const decimalPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// putDigits writes n in decimal, zero-padded, filling b (n must fit).
func putDigits(b []byte, n uint64) {
	i := len(b)
	for n >= 100 && i >= 2 {
		q := n / 100
		r := n - q*100
		i -= 2
		b[i], b[i+1] = decimalPairs[2*r], decimalPairs[2*r+1]
		n = q
	}
	for i > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
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
