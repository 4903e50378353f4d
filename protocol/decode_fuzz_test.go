package protocol

import "testing"

// FuzzDecodeRequest throws arbitrary bodies at every operation's decoder:
// it must never panic, and must answer either a document or an AWS error.
func FuzzDecodeRequest(f *testing.F) {
	m := FirehoseModel()
	ops := make([]string, 0, len(m.Operations))
	for op := range m.Operations {
		ops = append(ops, op)
	}
	f.Add(uint8(0), []byte(`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}`))
	f.Add(uint8(1), []byte(`{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{"RoleARN":"r","BucketARN":"b","BufferingHints":{"SizeInMBs":1e3}}}`))
	f.Add(uint8(2), []byte(`{"Tags":[null,{"Key":5}]}`))
	f.Add(uint8(3), []byte(`[`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := ops[int(which)%len(ops)]
		doc, err := m.DecodeAndValidate(op, body)
		if (doc == nil) == (err == nil) {
			t.Fatalf("%s: doc=%v err=%v", op, doc, err)
		}
		if err != nil && err.Status != 400 {
			t.Fatalf("%s: status %d for client input", op, err.Status)
		}
		_, _, perr := DecodePutRecordBatch(body)
		_ = perr
		_, _, perr = DecodePutRecord(body)
		_ = perr
	})
}
