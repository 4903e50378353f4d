package firehose

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The hand-written PutRecordBatch response is byte for byte what
// encoding/json writes for the same value.
func TestPutRecordBatchAppendJSONMatchesEncodingJSON(t *testing.T) {
	ids := newRecordIDs()
	cases := map[string]protocol.PutRecordBatchOutput{
		"nil responses": {},
		"empty":         {RequestResponses: []protocol.PutRecordBatchResponseEntry{}},
		"accepted, encrypted": {Encrypted: true, RequestResponses: []protocol.PutRecordBatchResponseEntry{
			{RecordId: ids.next()}, {RecordId: ids.next()}}},
		"mixed": {FailedPutCount: 2, RequestResponses: []protocol.PutRecordBatchResponseEntry{
			{RecordId: ids.next()},
			{ErrorCode: awsjson.ErrServiceUnavailable, ErrorMessage: "Slow down."},
			{ErrorCode: awsjson.ErrInternalFailure, ErrorMessage: "firehose-local could not write the record to its write-ahead log; see its log."},
		}},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			got := (&putRecordBatchOutput{PutRecordBatchOutput: o}).AppendJSON(nil)
			if string(got) != string(want) {
				t.Fatalf("appendJSON:\n%s\nencoding/json:\n%s", got, want)
			}
		})
	}
}

// The answer writes the RecordId of sequence number base+i for accepted
// record i, as encoding/json would with the ids in place; a RecordId names
// its sequence number; other strings name none.
func TestRecordIDSequenceNumbers(t *testing.T) {
	ids := newRecordIDs()
	base := ids.reserve(3)
	refused := protocol.PutRecordBatchResponseEntry{ErrorCode: awsjson.ErrServiceUnavailable, ErrorMessage: "Slow down."}
	out := &putRecordBatchOutput{PutRecordBatchOutput: protocol.PutRecordBatchOutput{FailedPutCount: 1,
		RequestResponses: []protocol.PutRecordBatchResponseEntry{{}, refused, {}}}, ids: ids, base: base}
	checkWrites(t, "mixed", out, protocol.PutRecordBatchOutput{FailedPutCount: 1,
		RequestResponses: []protocol.PutRecordBatchResponseEntry{{RecordId: ids.id(base)}, refused, {RecordId: ids.id(base + 2)}}})
	// A batch accepted whole stores no entries: they are written from the
	// ids alone.
	checkWrites(t, "all accepted", &putRecordBatchOutput{ids: ids, base: base, accepted: 3}, protocol.PutRecordBatchOutput{
		RequestResponses: []protocol.PutRecordBatchResponseEntry{{RecordId: ids.id(base)}, {RecordId: ids.id(base + 1)}, {RecordId: ids.id(base + 2)}}})
	var parsed protocol.PutRecordBatchOutput
	if err := json.Unmarshal(out.AppendJSON(nil), &parsed); err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]uint64{0: base, 2: base + 2} {
		id := parsed.RequestResponses[i].RecordId
		if len(id) != recordIDLen {
			t.Errorf("record %d: %d characters", i, len(id))
		}
		if got, ok := ids.seqOf(id); !ok || got != want {
			t.Errorf("seqOf(record %d) = %d, %v; want %d", i, got, ok, want)
		}
	}
	other := newRecordIDs()
	other.reserve(10)
	for _, id := range []string{"", "x", other.id(1), ids.id(base + 5), ids.id(0), ids.id(base)[:recordIDLen-1] + "!"} {
		if seq, ok := ids.seqOf(id); ok {
			t.Errorf("seqOf(%q) = %d, want none", id, seq)
		}
	}
}

// The put path's RecordId suffix is what encoding/base64 writes.
func TestRecordIDSuffixMatchesEncodingBase64(t *testing.T) {
	ids := newRecordIDs()
	for _, seq := range []uint64{0, 1, 63, 64, 1<<24 - 1, 1 << 24, 1<<48 + 5, 0x0123456789abcdef, ^uint64(0)} {
		var b [9]byte
		b[0] = byte(len(ids.prefix))
		binary.BigEndian.PutUint64(b[1:], seq)
		var got [12]byte
		ids.suffix(&got, seq)
		if want := base64.StdEncoding.EncodeToString(b[:]); string(got[:]) != want {
			t.Errorf("seq %#x: %s, want %s", seq, got, want)
		}
	}
}

// checkWrites wants AppendJSON and encoding/json to write out as
// encoding/json writes want.
func checkWrites(t *testing.T, name string, out *putRecordBatchOutput, want protocol.PutRecordBatchOutput) {
	t.Helper()
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.AppendJSON(nil); string(got) != string(w) {
		t.Fatalf("%s, AppendJSON:\n%s\nwant:\n%s", name, got, w)
	}
	if got, err := json.Marshal(out); err != nil || string(got) != string(w) {
		t.Fatalf("%s, encoding/json: %v\n%s\nwant:\n%s", name, err, got, w)
	}
}
