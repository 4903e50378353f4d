package firehose

import (
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
			got := (&putRecordBatchOutput{o}).AppendJSON(nil)
			if string(got) != string(want) {
				t.Fatalf("appendJSON:\n%s\nencoding/json:\n%s", got, want)
			}
		})
	}
}
