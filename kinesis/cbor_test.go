package kinesis_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/firehose-local/firehose-local/kinesis"
)

// cborPost sends a CBOR request as the Java SDKs and the KPL do and
// decodes the CBOR answer.
func (e *env) cborPost(t *testing.T, op string, in any) (int, map[string]any) {
	t.Helper()
	body, err := cbor.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	status, out := e.post(t, kinesis.TargetPrefix+op, "application/x-amz-cbor-1.1", string(body))
	var m map[string]any
	if err := cbor.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: the answer is not CBOR (%d): %q: %v", op, status, out, err)
	}
	return status, m
}

// A record put in CBOR, its Data a byte string, comes back from GetRecords
// in CBOR: Data a byte string, ApproximateArrivalTimestamp tag 1 around
// epoch milliseconds (what the Java SDKs read); errors are CBOR maps.
func TestCBORAsTheJavaSDKSendsIt(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	e.create(t, "java", 1)
	status, put := e.cborPost(t, "PutRecord", map[string]any{"StreamName": "java", "PartitionKey": "k", "Data": []byte{0, 1, 2, 0xff}})
	if status != http.StatusOK || put["ShardId"] != "shardId-000000000000" {
		t.Fatalf("PutRecord: %d %v", status, put)
	}
	status, it := e.cborPost(t, "GetShardIterator", map[string]any{"StreamName": "java", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})
	if status != http.StatusOK {
		t.Fatalf("GetShardIterator: %d %v", status, it)
	}
	status, got := e.cborPost(t, "GetRecords", map[string]any{"ShardIterator": it["ShardIterator"]})
	if status != http.StatusOK {
		t.Fatalf("GetRecords: %d %v", status, got)
	}
	recs, _ := got["Records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("GetRecords: %v", got)
	}
	r := recs[0].(map[any]any)
	if d, ok := r["Data"].([]byte); !ok || !bytes.Equal(d, []byte{0, 1, 2, 0xff}) {
		t.Errorf("Data = %#v, want the byte string put", r["Data"])
	}
	// The decoder reads tag 1 as epoch seconds; its content is milliseconds,
	// so the second count it gives is the arrival's millisecond count.
	if ts, ok := r["ApproximateArrivalTimestamp"].(time.Time); !ok || ts.Unix() != e.clock.Now().UnixMilli() {
		t.Errorf("ApproximateArrivalTimestamp = %#v, want tag 1 around %d (epoch milliseconds)", r["ApproximateArrivalTimestamp"], e.clock.Now().UnixMilli())
	}
	status, fail := e.cborPost(t, "DescribeStream", map[string]any{"StreamName": "nope"})
	if status != http.StatusBadRequest || fail["__type"] != "ResourceNotFoundException" || fail["message"] != "Stream nope under account 000000000000 not found." {
		t.Errorf("DescribeStream of a missing stream: %d %v", status, fail)
	}
	status, fail = e.cborPost(t, "ListStreams", []any{"not a map"})
	if status != http.StatusBadRequest || fail["__type"] != "SerializationException" {
		t.Errorf("a CBOR array: %d %v", status, fail)
	}
}
