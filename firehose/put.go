package firehose

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// putTarget finds an ACTIVE, Direct PUT stream to put records to.
// putTarget finds the stream a producer puts records into. Streams that
// decompress CloudWatch Logs' payloads refuse every producer but CloudWatch
// Logs (fromLogs).
func (s *Service) putTarget(region, name string, fromLogs bool) (*stream, bool, *awsjson.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, name)
	if err != nil {
		return nil, false, err
	}
	now := s.clock.Now()
	if st.typ != "DirectPut" {
		return nil, false, awsjson.NewError(awsjson.ErrInvalidArgument, "This operation is not permitted on %s delivery stream type.", st.typ)
	}
	if st.status(now) != StatusActive {
		// AWS's exact answer for a CREATING or DELETING stream is not
		// documented; see docs/differences.md.
		return nil, false, protocol.NotFound(name, s.account)
	}
	if !fromLogs && st.dest.LogsOnly() {
		return nil, false, awsjson.NewError(awsjson.ErrInvalidSource, "Only requests from CloudWatch Logs are supported when CloudWatch Logs decompression is enabled.")
	}
	return st, st.sse.status(now, s.cfg.TransitionDelay) == sseEnabled, nil
}

func (s *Service) putRecord(region string, body []byte) (any, *awsjson.Error) {
	name, data, err := protocol.DecodePutRecord(body)
	if err != nil {
		return nil, err
	}
	st, encrypted, err := s.putTarget(region, name, false)
	if err != nil {
		return nil, err
	}
	seq := s.ids.reserve(1)
	if err := s.putOneSeq(st, data, seq); err != nil {
		return nil, err
	}
	return protocol.PutRecordOutput{RecordId: s.ids.id(seq), Encrypted: encrypted}, nil
}

// putOne ingests one record into st and counts it (records from other
// sources).
func (s *Service) putOne(st *stream, data []byte) *awsjson.Error {
	return s.putOneSeq(st, data, 0)
}

// putOneSeq is putOne for a record whose RecordId has sequence number seq
// (0: none), for record lineage.
func (s *Service) putOneSeq(st *stream, data []byte, seq uint64) *awsjson.Error {
	m := st.pipe.Metrics()
	if s.draining() {
		m.Throttled.Add(1)
		return drainError()
	}
	var res [1]error
	s.ingestSeq(st, [][]byte{data}, nil, delivery.Seqs{Base: seq}, s.clock.Now(), res[:])
	if res[0] != nil {
		if res[0] == delivery.ErrSlowDown || res[0] == errDraining {
			m.Throttled.Add(1)
		}
		return putError(res[0])
	}
	m.IncomingRecords.Add(1)
	m.IncomingBytes.Add(int64(len(data)))
	return nil
}

// batchScratch is PutRecordBatch's working memory, reused: the decoded
// records are copied where they are kept (the pipeline's buffers, the
// write-ahead log) before putRecordBatch returns.
type batchScratch struct {
	protocol.BatchBuffers
	results []error
}

var batchScratches = sync.Pool{New: func() any { return new(batchScratch) }}

// maxPooledBatch bounds the buffers kept for reuse (a batch of 500
// 100-byte records takes 60 KiB).
const maxPooledBatch = 1 << 20

func (s *Service) putRecordBatch(region string, body []byte) (any, *awsjson.Error) {
	sc := batchScratches.Get().(*batchScratch)
	defer func() {
		sc.Reset()
		clear(sc.results)
		if sc.Size() <= maxPooledBatch {
			batchScratches.Put(sc)
		}
	}()
	name, records, err := protocol.DecodePutRecordBatchInto(body, &sc.BatchBuffers)
	if err != nil {
		return nil, err
	}
	st, encrypted, err := s.putTarget(region, name, false)
	if err != nil {
		return nil, err
	}
	// In drain-only mode nothing is accepted: the whole call is refused.
	if s.draining() {
		st.pipe.Metrics().Throttled.Add(int64(len(records)))
		return nil, drainError()
	}
	if cap(sc.results) < len(records) {
		sc.results = make([]error, protocol.MaxBatchRecords)
	}
	results := sc.results[:len(records)]
	// Record i's RecordId has sequence number base+i: the pipeline tracks
	// it by that number (record lineage).
	base := s.ids.reserve(len(records))
	s.ingestSeq(st, records, nil, delivery.Seqs{Base: base}, s.clock.Now(), results)
	var n, bytes int64
	for i, r := range results {
		if r == errDraining {
			st.pipe.Metrics().Throttled.Add(int64(len(records)))
			return nil, drainError()
		}
		if r == nil {
			n++
			bytes += int64(len(records[i]))
		}
	}
	// Accepted records' RecordIds are written with the answer (ids, base);
	// entries are stored only when a record was refused.
	out := &putRecordBatchOutput{PutRecordBatchOutput: protocol.PutRecordBatchOutput{
		FailedPutCount: len(records) - int(n),
		Encrypted:      encrypted,
	}, ids: s.ids, base: base, accepted: len(records)}
	var throttled int64
	if n < int64(len(records)) {
		out.accepted = 0
		out.RequestResponses = make([]protocol.PutRecordBatchResponseEntry, len(records))
		for i, r := range results {
			e := &out.RequestResponses[i]
			if r != nil {
				e.ErrorCode, e.ErrorMessage = putErrorText(r)
				if r == delivery.ErrSlowDown {
					throttled++
				}
			}
		}
	}
	m := st.pipe.Metrics()
	m.IncomingRecords.Add(n)
	m.IncomingBytes.Add(bytes)
	if throttled > 0 {
		m.Throttled.Add(throttled)
	}
	return out, nil
}

// putErrorText is the error code and message for a record that was not
// accepted. Neither needs escaping in JSON.
func putErrorText(err error) (code, message string) {
	if err == errNotLogged {
		return awsjson.ErrInternalFailure, "firehose-local could not write the record to its write-ahead log; see its log."
	}
	return awsjson.ErrServiceUnavailable, "Slow down."
}

func putError(err error) *awsjson.Error {
	if err == errDraining {
		return drainError()
	}
	code, msg := putErrorText(err)
	return awsjson.NewError(code, "%s", msg)
}

// putRecordBatchOutput is PutRecordBatch's response: the embedded
// protocol.PutRecordBatchOutput, where, with ids set, the RecordId of each
// entry without an ErrorCode is not stored but written with the answer
// (record i's has sequence number base+i), saving a string of 224
// characters a record. AppendJSON writes it without reflection, and
// MarshalJSON makes encoding/json write the same bytes.
type putRecordBatchOutput struct {
	protocol.PutRecordBatchOutput
	ids  *recordIDs
	base uint64
	// accepted, with RequestResponses nil, is the number of records, all
	// accepted: their entries are written from ids alone.
	accepted int
}

// MarshalJSON is AppendJSON, for encoding/json.
func (o *putRecordBatchOutput) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }

// AppendJSON appends the response as json.Marshal would encode the
// protocol.PutRecordBatchOutput with every RecordId in place. Every string
// in it is a base64 RecordId or one of the constant error texts, none of
// which needs escaping.
func (o *putRecordBatchOutput) AppendJSON(b []byte) []byte {
	b = append(b, `{"FailedPutCount":`...)
	b = strconv.AppendInt(b, int64(o.FailedPutCount), 10)
	b = append(b, `,"Encrypted":`...)
	b = strconv.AppendBool(b, o.Encrypted)
	b = append(b, `,"RequestResponses":`...)
	if o.RequestResponses == nil && o.accepted > 0 && o.ids != nil {
		b = append(b, '[')
		for i := range o.accepted {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.appendID(b, i)
		}
		return append(b, "]}"...)
	}
	if o.RequestResponses == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i, e := range o.RequestResponses {
		if i > 0 {
			b = append(b, ',')
		}
		if o.ids != nil && e.ErrorCode == "" {
			b = o.appendID(b, i)
			continue
		}
		b = append(b, '{')
		sep := false
		for _, f := range [...]struct{ name, val string }{{`"RecordId":"`, e.RecordId}, {`"ErrorCode":"`, e.ErrorCode}, {`"ErrorMessage":"`, e.ErrorMessage}} {
			if f.val == "" {
				continue
			}
			if sep {
				b = append(b, ',')
			}
			b = append(append(append(b, f.name...), f.val...), '"')
			sep = true
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendID appends entry i of an accepted record: {"RecordId":"…"}.
func (o *putRecordBatchOutput) appendID(b []byte, i int) []byte {
	var suffix [12]byte
	o.ids.suffix(&suffix, o.base+uint64(i))
	return append(append(append(append(b, `{"RecordId":"`...), o.ids.prefix...), suffix[:]...), '"', '}')
}

// recordIDLen is the length of a RecordId, as AWS's.
const recordIDLen = 224

// recordIDs makes RecordIds shaped like AWS's: 224 characters of base64.
// A random per-server block is followed by a sequence number, so IDs are
// unique and cheap.
type recordIDs struct {
	prefix string // base64 of 159 random bytes: 212 characters
	seq    atomic.Uint64
}

func newRecordIDs() *recordIDs {
	var b [159]byte
	_, _ = rand.Read(b[:])
	return &recordIDs{prefix: base64.StdEncoding.EncodeToString(b[:])}
}

func (r *recordIDs) next() string { return r.id(r.reserve(1)) }

// reserve takes n sequence numbers and returns the first.
func (r *recordIDs) reserve(n int) uint64 {
	return r.seq.Add(uint64(n)) - uint64(n) + 1
}

// last is the last sequence number reserved.
func (r *recordIDs) last() uint64 { return r.seq.Load() }

// id is the RecordId of sequence number seq.
func (r *recordIDs) id(seq uint64) string {
	var out [12]byte
	r.suffix(&out, seq)
	return r.prefix + string(out[:])
}

// b64Alphabet is standard base64's.
const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// suffix writes the last 12 characters of the RecordId of seq: the base64
// of 9 bytes, the prefix's length and seq big-endian (base64.StdEncoding
// writes the same; this is the put path's, without its generic loop).
func (r *recordIDs) suffix(out *[12]byte, seq uint64) {
	groups := [3]uint32{
		uint32(len(r.prefix))<<16 | uint32(seq>>48), // the length byte, then seq's top 2 bytes
		uint32(seq>>24) & 0xffffff,
		uint32(seq) & 0xffffff,
	}
	for g, v := range groups {
		out[4*g] = b64Alphabet[v>>18]
		out[4*g+1] = b64Alphabet[v>>12&63]
		out[4*g+2] = b64Alphabet[v>>6&63]
		out[4*g+3] = b64Alphabet[v&63]
	}
}

// seqOf is the sequence number of a RecordId this server issued; false for
// any other string.
func (r *recordIDs) seqOf(id string) (uint64, bool) {
	if len(id) != recordIDLen || id[:len(r.prefix)] != r.prefix {
		return 0, false
	}
	var b [9]byte
	if n, err := base64.StdEncoding.Decode(b[:], []byte(id[len(r.prefix):])); err != nil || n != 9 || b[0] != byte(len(r.prefix)) {
		return 0, false
	}
	seq := binary.BigEndian.Uint64(b[1:])
	if seq == 0 || seq > r.seq.Load() {
		return 0, false
	}
	return seq, true
}
