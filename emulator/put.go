package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"sync/atomic"

	"github.com/firehose-local/firehose-local/protocol"
)

// putTarget finds an ACTIVE, Direct PUT stream to put records to.
func (s *Server) putTarget(region, name string) (*stream, bool, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, name)
	if err != nil {
		return nil, false, err
	}
	now := s.clock.Now()
	if st.typ != "DirectPut" {
		return nil, false, protocol.NewError(protocol.ErrInvalidArgument, "This operation is not permitted on %s delivery stream type.", st.typ)
	}
	if st.status(now) != StatusActive {
		// AWS's exact answer for a CREATING or DELETING stream is not
		// documented; see docs/differences.md.
		return nil, false, protocol.NotFound(name, s.account)
	}
	return st, st.sse.status(now, s.cfg.TransitionDelay) == sseEnabled, nil
}

func (s *Server) putRecord(region string, body []byte) (any, *protocol.Error) {
	name, data, err := protocol.DecodePutRecord(body)
	if err != nil {
		return nil, err
	}
	st, encrypted, err := s.putTarget(region, name)
	if err != nil {
		return nil, err
	}
	var res [1]error
	st.pipe.put([][]byte{data}, s.clock.Now(), res[:])
	if res[0] != nil {
		return nil, protocol.NewError(protocol.ErrServiceUnavailable, "Slow down.")
	}
	s.metrics.incomingRecords.Add(1)
	s.metrics.incomingBytes.Add(int64(len(data)))
	return protocol.PutRecordOutput{RecordId: s.ids.next(), Encrypted: encrypted}, nil
}

func (s *Server) putRecordBatch(region string, body []byte) (any, *protocol.Error) {
	name, records, err := protocol.DecodePutRecordBatch(body)
	if err != nil {
		return nil, err
	}
	st, encrypted, err := s.putTarget(region, name)
	if err != nil {
		return nil, err
	}
	results := make([]error, len(records))
	st.pipe.put(records, s.clock.Now(), results)
	out := protocol.PutRecordBatchOutput{Encrypted: encrypted, RequestResponses: make([]protocol.PutRecordBatchResponseEntry, len(records))}
	var n, bytes int64
	for i, r := range results {
		if r != nil {
			out.FailedPutCount++
			out.RequestResponses[i] = protocol.PutRecordBatchResponseEntry{ErrorCode: protocol.ErrServiceUnavailable, ErrorMessage: "Slow down."}
			continue
		}
		n++
		bytes += int64(len(records[i]))
		out.RequestResponses[i].RecordId = s.ids.next()
	}
	s.metrics.incomingRecords.Add(n)
	s.metrics.incomingBytes.Add(bytes)
	return out, nil
}

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

func (r *recordIDs) next() string {
	var b [9]byte
	binary.BigEndian.PutUint64(b[1:], r.seq.Add(1))
	b[0] = byte(len(r.prefix))
	var out [12]byte
	base64.StdEncoding.Encode(out[:], b[:])
	return r.prefix + string(out[:])
}
