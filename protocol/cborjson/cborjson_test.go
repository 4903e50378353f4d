package cborjson

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

var kinesisModel = sync.OnceValues(func() (*awsjson.Model, error) {
	b, err := os.ReadFile("testdata/kinesis-2013-12-02.json")
	if err != nil {
		return nil, err
	}
	return awsjson.ParseModel(b)
})

func model(t testing.TB) *awsjson.Model {
	t.Helper()
	m, err := kinesisModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func inputShape(t testing.TB, op string) string {
	t.Helper()
	return model(t).Operations[op].Input.Shape
}

func outputShape(t testing.TB, op string) string {
	t.Helper()
	return model(t).Operations[op].Output.Shape
}

// CBOR items written by hand, the way Jackson's CBORGenerator (under both
// Java SDKs) writes them: indefinite-length maps, definite strings.

func head(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n <= 0xFF:
		return []byte{major<<5 | 24, byte(n)}
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	case n <= 0xFFFFFFFF:
		return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	}
	return binary.BigEndian.AppendUint64([]byte{major<<5 | 27}, n)
}

func text(s string) []byte  { return append(head(3, uint64(len(s))), s...) }
func bstr(b []byte) []byte  { return append(head(2, uint64(len(b))), b...) }
func uint_(n uint64) []byte { return head(0, n) }
func tag1(ms uint64) []byte { return append(head(6, 1), uint_(ms)...) }

// imap is an indefinite-length map of key/value items.
func imap(kv ...[]byte) []byte {
	out := []byte{0xBF}
	for _, b := range kv {
		out = append(out, b...)
	}
	return append(out, 0xFF)
}

func iarray(items ...[]byte) []byte {
	out := []byte{0x9F}
	for _, b := range items {
		out = append(out, b...)
	}
	return append(out, 0xFF)
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRequestToJSONPutRecord(t *testing.T) {
	data := []byte{0, 1, 2, 0xFF, 'h', 'i'}
	body := imap(
		text("StreamName"), text("s1"),
		text("Data"), bstr(data),
		text("PartitionKey"), text("pk-1"),
	)
	got, err := RequestToJSON(model(t), inputShape(t, "PutRecord"), body)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `{"StreamName":"s1","Data":"`+base64.StdEncoding.EncodeToString(data)+`","PartitionKey":"pk-1"}`)
	// What the validator of this project makes of it.
	if _, err := model(t).DecodeAndValidate("PutRecord", got); err != nil {
		t.Fatalf("validation: %v", err)
	}
}

func TestRequestToJSONPutRecords(t *testing.T) {
	body := imap(
		text("Records"), iarray(
			imap(text("Data"), bstr([]byte("a")), text("PartitionKey"), text("k1")),
			imap(text("Data"), bstr(nil), text("PartitionKey"), text("k2"), text("ExplicitHashKey"), text("42")),
		),
		text("StreamARN"), text("arn:aws:kinesis:us-east-1:000000000000:stream/s1"),
	)
	got, err := RequestToJSON(model(t), inputShape(t, "PutRecords"), body)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `{"Records":[{"Data":"YQ==","PartitionKey":"k1"},{"Data":"","PartitionKey":"k2","ExplicitHashKey":"42"}],
		"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s1"}`)
}

func TestRequestToJSONTimestamps(t *testing.T) {
	// GetShardIterator AT_TIMESTAMP as the Java SDK v2 sends it: tag 1
	// around 1787036486712 epoch milliseconds (c1 1b 000001a013accc38).
	ts := []byte{0xC1, 0x1B, 0x00, 0x00, 0x01, 0xA0, 0x13, 0xAC, 0xCC, 0x38}
	body := imap(text("StreamName"), text("s"), text("ShardId"), text("shardId-000000000000"),
		text("ShardIteratorType"), text("AT_TIMESTAMP"), text("Timestamp"), ts)
	got, err := RequestToJSON(model(t), inputShape(t, "GetShardIterator"), body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"Timestamp":1787036486.712`) {
		t.Fatalf("got %s", got)
	}
	if _, err := model(t).DecodeAndValidate("GetShardIterator", got); err != nil {
		t.Fatalf("validation: %v", err)
	}
	cases := []struct {
		name string
		item []byte
		want string
	}{
		{"whole seconds", tag1(1700000000000), "1700000000"},
		{"untagged millis in a timestamp member", uint_(1700000000123), "1700000000.123"},
		{"negative", append(head(6, 1), head(1, 1499)...), "-1.5"},
		{"float millis", append(head(6, 1), 0xFB, 0x42, 0x78, 0xBC, 0xFE, 0x56, 0x80, 0x00, 0x00), "1700000000"}, // 1.7e12
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := imap(text("StreamCreationTimestamp"), c.item)
			got, err := RequestToJSON(model(t), inputShape(t, "ListShards"), body)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, got, `{"StreamCreationTimestamp":`+c.want+`}`)
		})
	}
	// Without a model a tag 1 is still milliseconds; an untagged number
	// stays a number.
	got, err = RequestToJSON(nil, "", imap(text("a"), tag1(2500), text("b"), uint_(2500)))
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `{"a":2.5,"b":2500}`)
}

func TestRequestToJSONScalars(t *testing.T) {
	body := imap(
		text("t"), []byte{0xF5}, text("f"), []byte{0xF4}, text("n"), []byte{0xF6}, text("u"), []byte{0xF7},
		text("neg"), head(1, 9), text("big"), uint_(1<<63), text("small"), head(1, 1<<63+5),
		text("half"), []byte{0xF9, 0x3E, 0x00},
		text("list"), append(append(head(4, 2), text("x")...), uint_(2)...),
		text("nested"), append(append(head(5, 1), text("k")...), uint_(1)...),
		text("chunked"), []byte{0x5F, 0x41, 'a', 0x41, 'b', 0xFF}, // indefinite byte string "ab"
		[]byte{0x7F, 0x61, 'k', 0x61, 'y', 0xFF}, []byte{0x7F, 0x62, 'v', 'a', 0x61, 'l', 0xFF}, // indefinite text key and value
	)
	got, err := RequestToJSON(nil, "", body)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `{"t":true,"f":false,"n":null,"u":null,"neg":-10,"big":9223372036854775808,"small":-9223372036854775814,
		"half":1.5,"list":["x",2],"nested":{"k":1},"chunked":"YWI=","ky":"val"}`)
}

func TestRequestToJSONRefused(t *testing.T) {
	deep := text("x")
	for range MaxDepth + 1 {
		deep = append(head(4, 1), deep...)
	}
	justDeepEnough := text("x")
	for range MaxDepth - 2 {
		justDeepEnough = append(head(4, 1), justDeepEnough...)
	}
	if _, err := RequestToJSON(nil, "", imap(text("a"), justDeepEnough)); err != nil {
		t.Fatalf("%d levels: %v", MaxDepth, err)
	}
	cases := map[string][]byte{
		"empty":            nil,
		"not a map":        iarray(text("a")),
		"text":             text("a"),
		"trailing bytes":   append(imap(text("a"), uint_(1)), 0x00),
		"two maps":         append(imap(), imap()...),
		"truncated":        imap(text("a"), text("b"))[:5],
		"unterminated":     imap(text("a"), text("b"))[:7],
		"integer key":      imap(uint_(1), text("b")),
		"byte string key":  imap(bstr([]byte("a")), text("b")),
		"array key":        imap(iarray(), text("b")),
		"duplicate key":    imap(text("a"), uint_(1), text("a"), uint_(2)),
		"too deep":         imap(text("a"), deep),
		"other tag":        imap(text("a"), append(head(6, 0), text("2020-01-01T00:00:00Z")...)),
		"bignum tag":       imap(text("a"), append(head(6, 2), bstr([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0})...)),
		"tag 1 on text":    imap(text("a"), append(head(6, 1), text("x")...)),
		"NaN":              imap(text("a"), []byte{0xF9, 0x7E, 0x00}),
		"infinity":         imap(text("a"), []byte{0xF9, 0x7C, 0x00}),
		"simple value":     imap(text("a"), []byte{0xF0}),
		"invalid UTF-8":    imap(text("a"), []byte{0x61, 0xFF}),
		"reserved info":    imap(text("a"), []byte{0x1C}),
		"break outside":    []byte{0xFF},
		"top-level tag":    append(head(6, 1), imap()...),
		"NaN timestamp":    imap(text("StreamCreationTimestamp"), append(head(6, 1), 0xF9, 0x7E, 0x00)),
		"nested tag 1 map": imap(text("a"), append(head(6, 1), imap()...)),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := RequestToJSON(model(t), inputShape(t, "ListShards"), body)
			if err == nil {
				t.Fatalf("accepted: %s", got)
			}
			if strings.Contains(err.Error(), "cbor: ") {
				t.Errorf("library prefix in %q", err)
			}
		})
	}
}

func decodeCBOR(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := cbor.Unmarshal(b, &v); err != nil {
		t.Fatalf("not CBOR: %v", err)
	}
	return v
}

func TestResponseToCBORGetRecords(t *testing.T) {
	data := []byte{0xF3, 0x89, 0x9A, 0xC2, 0}
	body := `{"Records":[{"SequenceNumber":"49546986683135544286507457936321625675700192471156785154",
		"ApproximateArrivalTimestamp":1700000000.123,"Data":"` + base64.StdEncoding.EncodeToString(data) + `",
		"PartitionKey":"pk","EncryptionType":"NONE"}],
		"NextShardIterator":"AAAA","MillisBehindLatest":0}`
	out, err := ResponseToCBOR(model(t), outputShape(t, "GetRecords"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	// The timestamp is tag 1 (0xC1) around an integer of milliseconds:
	// 1700000000123 is 0x18BCFE5687B.
	if !bytes.Contains(out, []byte{0xC1, 0x1B, 0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B}) {
		t.Fatalf("no tag 1 millisecond timestamp in % x", out)
	}
	// Data is a byte string (major type 2) of the record's bytes.
	if !bytes.Contains(out, append([]byte{0x45}, data...)) {
		t.Fatalf("no byte string in % x", out)
	}
	v := decodeCBOR(t, out).(map[any]any)
	rec := v["Records"].([]any)[0].(map[any]any)
	if !bytes.Equal(rec["Data"].([]byte), data) || rec["PartitionKey"] != "pk" || v["MillisBehindLatest"] != uint64(0) {
		t.Fatalf("decoded %#v", v)
	}
}

func TestResponseToCBORDescribeStream(t *testing.T) {
	body := `{"StreamDescription":{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s",
		"StreamStatus":"ACTIVE","Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0",
		"EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}}],
		"HasMoreShards":false,"RetentionPeriodHours":24,"StreamCreationTimestamp":1.7e9,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}]}}`
	out, err := ResponseToCBOR(model(t), outputShape(t, "DescribeStream"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	d := decodeCBOR(t, out).(map[any]any)["StreamDescription"].(map[any]any)
	// fxamacker decodes tag 1 into time.Time reading the content as
	// seconds; read the raw tag instead.
	var raw struct {
		SD struct {
			TS cbor.RawTag `cbor:"StreamCreationTimestamp"`
		} `cbor:"StreamDescription"`
	}
	if err := cbor.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	var ms int64
	if err := cbor.Unmarshal(raw.SD.TS.Content, &ms); raw.SD.TS.Number != 1 || err != nil || ms != 1700000000000 {
		t.Fatalf("timestamp tag %d content % x (%v)", raw.SD.TS.Number, []byte(raw.SD.TS.Content), err)
	}
	if d["HasMoreShards"] != false || d["RetentionPeriodHours"] != uint64(24) || d["StreamStatus"] != "ACTIVE" {
		t.Fatalf("decoded %#v", d)
	}
}

func TestResponseToCBORPutRecords(t *testing.T) {
	body := `{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"},
		{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000001 in stream s under account 111111111111."}],
		"EncryptionType":"NONE"}`
	out, err := ResponseToCBOR(model(t), outputShape(t, "PutRecords"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	// Back through RequestToJSON (no shape: nothing to convert).
	back, err := RequestToJSON(nil, "", out)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, back, body)
}

// TestRoundTrip: a response turned into CBOR reads back as the same JSON
// document, blobs and timestamps included.
func TestRoundTrip(t *testing.T) {
	body := `{"Records":[{"SequenceNumber":"7","ApproximateArrivalTimestamp":1699999999.5,"Data":"AAECAw==","PartitionKey":"p"},
		{"SequenceNumber":"8","ApproximateArrivalTimestamp":-0.001,"Data":"","PartitionKey":"q"}],"MillisBehindLatest":12}`
	out, err := ResponseToCBOR(model(t), outputShape(t, "GetRecords"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	back, err := RequestToJSON(model(t), outputShape(t, "GetRecords"), out)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, back, body)
}

func TestResponseToCBORMisc(t *testing.T) {
	if out, err := ResponseToCBOR(model(t), outputShape(t, "GetRecords"), []byte(" \n")); err != nil || out != nil {
		t.Fatalf("empty body: % x, %v", out, err)
	}
	bad := map[string]string{
		"not JSON":        `{"a":`,
		"trailing":        `{} {}`,
		"bad base64":      `{"Records":[{"Data":"***"}]}`,
		"huge timestamp":  `{"Records":[{"ApproximateArrivalTimestamp":1e300}]}`,
		"bignum exponent": `{"Records":[{"ApproximateArrivalTimestamp":1e999999999}]}`,
	}
	for name, body := range bad {
		if out, err := ResponseToCBOR(model(t), outputShape(t, "GetRecords"), []byte(body)); err == nil {
			t.Errorf("%s: accepted: % x", name, out)
		}
	}
	// Rounding to the nearest millisecond.
	for in, want := range map[string]int64{"1.0004": 1000, "1.0005": 1001, "-1.0005": -1001, "2e3": 2000000} {
		if got, err := secondsToMillis(in); err != nil || got != want {
			t.Errorf("secondsToMillis(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestErrorToCBOR(t *testing.T) {
	b := ErrorToCBOR("ResourceNotFoundException", "Stream s under account 000000000000 not found.")
	want := append(append(append(append(head(5, 2), text("__type")...), text("ResourceNotFoundException")...),
		text("message")...), text("Stream s under account 000000000000 not found.")...)
	if !bytes.Equal(b, want) {
		t.Fatalf("got % x\nwant % x", b, want)
	}
	if got := ErrorToCBOR("SerializationException", ""); !bytes.Equal(got, append(append(head(5, 1), text("__type")...), text("SerializationException")...)) {
		t.Fatalf("without message: % x", got)
	}
}

// FuzzRequestToJSON: no input panics; what is accepted is JSON, and JSON
// that ResponseToCBOR turns back into CBOR the converter accepts again.
func FuzzRequestToJSON(f *testing.F) {
	f.Add(imap(text("StreamName"), text("s1"), text("Data"), bstr([]byte{1, 2}), text("PartitionKey"), text("k")))
	f.Add(imap(text("Records"), iarray(imap(text("Data"), bstr(nil), text("PartitionKey"), text("k")))))
	f.Add(imap(text("StreamCreationTimestamp"), tag1(1700000000123)))
	f.Add([]byte{0xBF, 0x9F, 0x9F, 0xFF})
	f.Fuzz(func(t *testing.T, body []byte) {
		m := model(t)
		for _, op := range []string{"PutRecords", "ListShards"} {
			out, err := RequestToJSON(m, m.Operations[op].Input.Shape, body)
			if err != nil {
				continue
			}
			if !json.Valid(out) {
				t.Fatalf("not JSON: %s", out)
			}
			cb, err := ResponseToCBOR(m, m.Operations[op].Input.Shape, out)
			if err != nil {
				continue // e.g. a blob member that was text, not base64
			}
			if _, err := RequestToJSON(m, m.Operations[op].Input.Shape, cb); err != nil {
				t.Fatalf("re-encoded %s: %v", out, err)
			}
		}
	})
}

// FuzzResponseToCBOR: no JSON input panics.
func FuzzResponseToCBOR(f *testing.F) {
	f.Add([]byte(`{"Records":[{"Data":"AAE=","ApproximateArrivalTimestamp":1.5}]}`))
	f.Add([]byte(`{"a":[1,-2,3.5e10,"x",null,true]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m := model(t)
		out, err := ResponseToCBOR(m, m.Operations["GetRecords"].Output.Shape, body)
		if err == nil && out != nil {
			if _, err := RequestToJSON(m, m.Operations["GetRecords"].Output.Shape, out); err != nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
				t.Fatalf("%s: CBOR % x not read back: %v", body, out, err)
			}
		}
	})
}
