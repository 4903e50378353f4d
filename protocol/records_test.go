package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The decoders that DecodePutRecord and DecodePutRecordBatch replaced:
// encoding/json into these structs. They are kept here as the reference for
// error messages (their type names appear in SerializationException
// messages, which is why they keep their old names).
type putRecordWire struct {
	DeliveryStreamName *string     `json:"DeliveryStreamName"`
	Record             *recordWire `json:"Record"`
}

type putRecordBatchWire struct {
	DeliveryStreamName *string       `json:"DeliveryStreamName"`
	Records            *[]recordWire `json:"Records"`
}

type recordWire struct {
	Data *[]byte `json:"Data"`
}

func legacyDecodePutRecord(body []byte) (stream string, data []byte, err *awsjson.Error) {
	var in putRecordWire
	if e := legacyDecodeStrict(body, &in); e != nil {
		return "", nil, e
	}
	var v []string
	stream = checkStreamName(in.DeliveryStreamName, &v)
	if in.Record == nil {
		v = append(v, "Value null at 'record' failed to satisfy constraint: Member must not be null")
	} else if in.Record.Data == nil {
		v = append(v, "Value null at 'record.data' failed to satisfy constraint: Member must not be null")
	} else {
		data = *in.Record.Data
		checkRecordSize(data, "record.data", &v)
	}
	if len(v) > 0 {
		return "", nil, awsjson.ValidationError(v)
	}
	return stream, data, nil
}

func legacyDecodePutRecordBatch(body []byte) (stream string, records [][]byte, err *awsjson.Error) {
	var in putRecordBatchWire
	if e := legacyDecodeStrict(body, &in); e != nil {
		return "", nil, e
	}
	var v []string
	stream = checkStreamName(in.DeliveryStreamName, &v)
	if in.Records == nil {
		v = append(v, "Value null at 'records' failed to satisfy constraint: Member must not be null")
	} else {
		recs := *in.Records
		n := len(recs)
		if n < 1 {
			v = append(v, awsjson.Violation(awsjson.JavaString([]any{}, nil), "records", "have length greater than or equal to 1"))
		} else if n > MaxBatchRecords {
			v = append(v, awsjson.Violation(fmt.Sprintf("[%d records]", n), "records", fmt.Sprintf("have length less than or equal to %d", MaxBatchRecords)))
		}
		records = make([][]byte, n)
		for i, r := range recs {
			path := fmt.Sprintf("records.%d.member.data", i+1)
			if r.Data == nil {
				v = append(v, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
				continue
			}
			records[i] = *r.Data
			checkRecordSize(records[i], path, &v)
		}
	}
	if len(v) > 0 {
		return "", nil, awsjson.ValidationError(v)
	}
	total := 0
	for _, r := range records {
		total += len(r)
	}
	if total > MaxBatchSize {
		return "", nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Records size exceeds 4 MB limit")
	}
	return stream, records, nil
}

func legacyDecodeStrict(body []byte, v any) *awsjson.Error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return awsjson.NewError(awsjson.ErrSerialization, "Unexpected value type at '%s': expected %s", typeErr.Field, typeErr.Type)
		}
		return awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body: %s", err)
	}
	return nil
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// decodeCases are bodies on which the scanner must answer exactly as the
// encoding/json decoder it replaced: same result, same error, same message.
var decodeCases = []string{
	``,
	`{}`,
	`null`,
	` {} `,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"s","Record":{"Data":"YQ=="}}`,
	"{\n\t\"DeliveryStreamName\" : \"s\" ,\r\n \"Records\" : [ { \"Data\" : \"YQ==\" } , {\"Data\":\"\"} ] ,\"Record\":{\"Data\":\"\"}}",
	`{"Records":[{"Data":"YQ=="}],"DeliveryStreamName":"s","Record":{"Data":"YWJj"}}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":null}]}`,
	`{"DeliveryStreamName":"s","Records":[]}`,
	`{"DeliveryStreamName":"s","Records":null,"Record":null}`,
	`{"DeliveryStreamName":"s","Record":{}}`,
	`{"DeliveryStreamName":"","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"bad name!","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"` + strings.Repeat("a", 65) + `","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"` + strings.Repeat("é", 33) + `","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"s\u0041\n","Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"s\ud800","Record":{"Data":"YQ=="}}`,
	"{\"DeliveryStreamName\":\"s\xff\",\"Record\":{\"Data\":\"YQ==\"}}",
	`{"DeliveryStreamName":"s","Records":[{"Data":"Y\u0051=="},{"Data":"YQ\/="}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ\n=="}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ"}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"!!!"}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ==","Other":[1,{"a":[true,false,null,-1.5e+3,"x"]}]}]}`,
	"{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"YQ=\xff\"}]}",
	`{"DeliveryStreamName":"s","Record":{"Data":"!!!"}}`,
	`{"DeliveryStreamName":5,"Records":[{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":{"a":1},"Records":[{"Data":5}]}`,
	`{"DeliveryStreamName":"s","Records":{"Data":"YQ=="}}`,
	`{"DeliveryStreamName":"s","Records":"YQ=="}`,
	`{"DeliveryStreamName":"s","Records":[5,{"Data":"YQ=="}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},[]]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":true}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"!!"},{"Data":5}]}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":5},{"Data":"!!"}]}`,
	`{"DeliveryStreamName":"s","Record":5}`,
	`{"DeliveryStreamName":"s","Record":{"Data":{}}}`,
	`[]`, `5`, `"x"`, `true`, `[{"DeliveryStreamName":"s"}]`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]} {}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}x`,
	"{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"YQ==\"}]}\x00",
	`{"DeliveryStreamName":"s",}`,
	`{"DeliveryStreamName":"s" "Records":[]}`,
	`{"DeliveryStreamName":'s'}`,
	`{DeliveryStreamName:"s"}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},]}`,
	`{"DeliveryStreamName":"s","X":01}`,
	`{"DeliveryStreamName":"s","X":1.}`,
	`{"DeliveryStreamName":"s","X":-}`,
	`{"DeliveryStreamName":"s","X":.5}`,
	`{"DeliveryStreamName":"s","X":1e}`,
	`{"DeliveryStreamName":"s","X":tru}`,
	`{"DeliveryStreamName":"s","X":nul}`,
	`{"DeliveryStreamName":nul}`,
	`{"DeliveryStreamName":"s","X":"\x"}`,
	`{"DeliveryStreamName":"s","X":"\u12"}`,
	"{\"DeliveryStreamName\":\"s\",\"X\":\"a\tb\"}",
	"{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"YQ\r\n==\"}]}",
	`{"DeliveryStreamName":"s","X":[1,2}`,
	`{"DeliveryStreamName":"s","X":{"a"}}`,
	`{"DeliveryStreamName":"s","X":{"a":1,}}`,
	`{"DeliveryStreamName":5,"X":[}`,
	`   `,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}],"Records":[{"Data":"Yg=="},{"Data":"Yw=="}]}`,
	`{"Records":[{"Data":"YQ=="}],"DeliveryStreamName":"a","DeliveryStreamName":"b"}`,
	`{"DeliveryStreamName":"s","Records":[{"Data":"YQ==","Data":"Yg=="}]}`,
	`{"Deliv\u0065ryStreamName":"s","Re\u0063ords":[{"D\u0061ta":"YQ=="}],"R\u0065cord":{"Data":"YQ=="}}`,
}

func sameRecords(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) || (a[i] == nil) != (b[i] == nil) {
			return false
		}
	}
	return true
}

func sameErr(a, b *awsjson.Error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestDecodeMatchesLegacyDecoder(t *testing.T) {
	big := `{"DeliveryStreamName":"s","Records":[` + strings.Repeat(`{"Data":"YQ=="},`, 500) + `{"Data":"YQ=="}]}`
	huge := `{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{"Data":"` + strings.Repeat("A", 1365336) + `"}]}`
	four := `{"DeliveryStreamName":"s","Records":[` + strings.Repeat(`{"Data":"`+strings.Repeat("A", 1333332)+`"},`, 3) + `{"Data":"AAAA"}]}`
	bigNull := `{"DeliveryStreamName":"s","Records":[` + strings.Repeat(`{},`, 501) + `null]}`
	hugeRecord := `{"DeliveryStreamName":"s","Record":{"Data":"` + strings.Repeat("A", 1365336) + `"}}`
	for _, body := range append(decodeCases, big, huge, four, bigNull, hugeRecord) {
		s1, r1, e1 := DecodePutRecordBatch([]byte(body))
		s2, r2, e2 := legacyDecodePutRecordBatch([]byte(body))
		if s1 != s2 || !sameRecords(r1, r2) || !sameErr(e1, e2) {
			t.Errorf("PutRecordBatch %.100q:\n got %q %d records %v\nwant %q %d records %v", body, s1, len(r1), e1, s2, len(r2), e2)
		}
		s1, d1, e1 := DecodePutRecord([]byte(body))
		s2, d2, e2 := legacyDecodePutRecord([]byte(body))
		if s1 != s2 || !bytes.Equal(d1, d2) || (d1 == nil) != (d2 == nil) || !sameErr(e1, e2) {
			t.Errorf("PutRecord %.100q:\n got %q %q %v\nwant %q %q %v", body, s1, d1, e1, s2, d2, e2)
		}
	}
}

// Where the old decoder followed encoding/json's struct rules (member names
// matched without regard to case, the first type error of duplicate
// members kept, arrays of numbers accepted as bytes), the scanner follows
// the model validator, as AWS does.
func TestDecodeFollowsModelWhereLegacyDidNot(t *testing.T) {
	cases := []struct {
		body   string
		accept bool
	}{
		{`{"deliverystreamname":"s","records":[{"data":"YQ=="}]}`, false},
		{`{"DeliveryStreamName":"s","Records":[{"data":"YQ=="}]}`, false},
		{`{"DeliveryStreamName":"s","Records":[{"Data":[97]}]}`, false},
		{`{"DeliveryStreamName":5,"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}`, true},
		{`{"DeliveryStreamName":"s","Records":[{"Data":5,"Data":"YQ=="}]}`, true},
		{`{"DeliveryStreamName":"s","Records":[{"Data":"!"}],"Records":[{"Data":"YQ=="}]}`, true},
		{`{"records":5,"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}`, true},
	}
	for _, c := range cases {
		_, recs, err := DecodePutRecordBatch([]byte(c.body))
		_, merr := FirehoseModel().DecodeAndValidate("PutRecordBatch", []byte(c.body))
		if (err == nil) != c.accept || (merr == nil) != c.accept {
			t.Errorf("%s: scanner %v, model %v, want accepted=%v", c.body, err, merr, c.accept)
		}
		if c.accept && (len(recs) != 1 || string(recs[0]) != "a") {
			t.Errorf("%s: records %q", c.body, recs)
		}
	}
}

func TestDecodeNestingDepth(t *testing.T) {
	for _, depth := range []int{9997, 9998, 9999, 10000, 10001} {
		// The top-level object is one level, the extra member's arrays the rest.
		body := `{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}],"X":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
		_, _, err := DecodePutRecordBatch([]byte(body))
		jsonErr := json.Unmarshal([]byte(body), new(json.RawMessage))
		if (err == nil) != (jsonErr == nil) {
			t.Errorf("depth %d: scanner %v, encoding/json %v", depth, err, jsonErr)
		}
		inRecord := `{"DeliveryStreamName":"s","Records":[{"Data":"YQ==","X":` + strings.Repeat("[", depth-3) + strings.Repeat("]", depth-3) + `}]}`
		_, _, err = DecodePutRecordBatch([]byte(inRecord))
		jsonErr = json.Unmarshal([]byte(inRecord), new(json.RawMessage))
		if (err == nil) != (jsonErr == nil) {
			t.Errorf("depth %d in a record: scanner %v, encoding/json %v", depth, err, jsonErr)
		}
	}
}

// Records share one buffer; appending to one must not overwrite the next.
func TestDecodedRecordsDoNotOverlap(t *testing.T) {
	_, recs, err := DecodePutRecordBatch([]byte(`{"DeliveryStreamName":"s","Records":[{"Data":"` + b64("abc") + `"},{"Data":"` + b64("def") + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(recs[0], 'X')
	if string(recs[1]) != "def" {
		t.Fatalf("second record %q after appending to the first", recs[1])
	}
}

// FuzzDecodePutRecordBatch checks the scanner against the model-driven
// validator: the same bodies accepted, the same stream and records decoded,
// and the same kind of error, apart from the documented differences (see
// records.go). On ordinary bodies its messages are the old decoder's.
func FuzzDecodePutRecordBatch(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"deliverystreamname":"s","records":[{"data":"YQ=="}]}`))
	f.Add([]byte(`{"DeliveryStreamName":"s","Records":[null,{"Data":"YQ=="}]}`))
	// reused holds the buffers of every earlier body: decoding into them
	// answers as decoding into new ones.
	var reused BatchBuffers
	f.Fuzz(func(t *testing.T, body []byte) {
		stream, recs, err := DecodePutRecordBatch(body)
		reused.Reset()
		s2, r2, e2 := DecodePutRecordBatchInto(body, &reused)
		if s2 != stream || !sameRecords(r2, recs) || !sameErr(e2, err) {
			t.Fatalf("reused buffers: %q %q %v, new ones %q %q %v", s2, r2, e2, stream, recs, err)
		}
		doc, merr := FirehoseModel().DecodeAndValidate("PutRecordBatch", body)
		checkAgainstModel(t, body, doc, merr, err, func(doc map[string]any) {
			list := doc["Records"].([]any)
			want := make([][]byte, len(list))
			total := 0
			for i, e := range list {
				if e == nil {
					if err == nil || err.Type != awsjson.ErrValidation || !strings.Contains(err.Message, fmt.Sprintf("Value null at 'records.%d.member.data'", i+1)) {
						t.Fatalf("null record %d: %v", i+1, err)
					}
					return
				}
				want[i], _ = base64.StdEncoding.DecodeString(e.(map[string]any)["Data"].(string))
				total += len(want[i])
			}
			if total > MaxBatchSize {
				if err == nil || err.Type != awsjson.ErrInvalidArgument {
					t.Fatalf("batch of %d bytes: %v", total, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("model accepts, scanner: %v", err)
			}
			if stream != doc["DeliveryStreamName"] || !sameRecords(recs, want) {
				t.Fatalf("decoded %q %q, model %q %q", stream, recs, doc["DeliveryStreamName"], want)
			}
		})
		if ordinary(body) {
			s2, r2, e2 := legacyDecodePutRecordBatch(body)
			if stream != s2 || !sameRecords(recs, r2) || !sameErr(err, e2) {
				t.Fatalf("old decoder: %q %q %v, scanner %q %q %v", s2, r2, e2, stream, recs, err)
			}
		}
	})
}

// FuzzDecodePutRecord is FuzzDecodePutRecordBatch for PutRecord.
func FuzzDecodePutRecord(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		stream, data, err := DecodePutRecord(body)
		doc, merr := FirehoseModel().DecodeAndValidate("PutRecord", body)
		checkAgainstModel(t, body, doc, merr, err, func(doc map[string]any) {
			if err != nil {
				t.Fatalf("model accepts, scanner: %v", err)
			}
			want, _ := base64.StdEncoding.DecodeString(doc["Record"].(map[string]any)["Data"].(string))
			if stream != doc["DeliveryStreamName"] || !bytes.Equal(data, want) || data == nil {
				t.Fatalf("decoded %q %q, model %q %q", stream, data, doc["DeliveryStreamName"], want)
			}
		})
		if ordinary(body) {
			s2, d2, e2 := legacyDecodePutRecord(body)
			if stream != s2 || !bytes.Equal(data, d2) || !sameErr(err, e2) {
				t.Fatalf("old decoder: %q %q %v, scanner %q %q %v", s2, d2, e2, stream, data, err)
			}
		}
	})
}

// checkAgainstModel compares a scanner's error with the model's verdict;
// accepted runs the checks for a body the model accepts.
func checkAgainstModel(t *testing.T, body []byte, doc map[string]any, merr, err *awsjson.Error, accepted func(map[string]any)) {
	t.Helper()
	if len(body) > 0 && !json.Valid(body) {
		// Not JSON. The model walk reads the first value with a
		// json.Decoder and lets a stray } or ] after it pass (dec.More),
		// so it may even accept the body.
		if err == nil || err.Type != awsjson.ErrSerialization {
			t.Fatalf("invalid JSON: scanner %v (model %v)", err, merr)
		}
		return
	}
	if merr == nil {
		accepted(doc)
		return
	}
	if err == nil {
		t.Fatalf("model rejects (%v), scanner accepts", merr)
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0 && len(body) > 0:
		// Whitespace: a syntax error here, {} for the model.
		if err.Type != awsjson.ErrSerialization {
			t.Fatalf("whitespace body: %v", err)
		}
	case string(trimmed) == "null":
		// JSON null: {} here, not an object for the model.
		if err.Type != awsjson.ErrValidation {
			t.Fatalf("null body: %v", err)
		}
	case err.Type != merr.Type:
		t.Fatalf("scanner %v, model %v", err, merr)
	}
}

// ordinary reports whether the old decoder read body as the model does: no
// member name that differs from a known one only in case, no duplicate
// members, no Data given as an array.
func ordinary(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	known := []string{"DeliveryStreamName", "Records", "Record", "Data"}
	type frame struct {
		obj  bool
		seen map[string]bool
		key  bool // the next token in this object is a key
		last string
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return true // a syntax error: both decoders use encoding/json's message
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top != nil && top.obj && top.key {
			for _, n := range known {
				if k != n && strings.EqualFold(k, n) {
					return false
				}
			}
			if top.seen[k] {
				return false
			}
			top.seen[k] = true
			top.key, top.last = false, k
			continue
		}
		if top != nil && top.obj {
			if top.last == "Data" && tok == json.Delim('[') {
				return false
			}
			top.key = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, seen: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].key = true
			}
		}
	}
}

// BenchmarkDecodePutRecordBatch compares the scanner with the decoder it
// replaced on the body the AWS SDK sends for 500 records of 100 bytes:
//
//	go test ./protocol -run '^$' -bench DecodePutRecordBatch -benchmem
func BenchmarkDecodePutRecordBatch(b *testing.B) {
	var body bytes.Buffer
	body.WriteString(`{"DeliveryStreamName":"bench","Records":[`)
	for i := range 500 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"Data":"%s"}`, b64(strings.Repeat(string(rune('a'+i%26)), 99)+"\n"))
	}
	body.WriteString(`]}`)
	for _, c := range []struct {
		name   string
		decode func([]byte) (string, [][]byte, *awsjson.Error)
	}{{"scanner", DecodePutRecordBatch}, {"legacy", legacyDecodePutRecordBatch}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(body.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if _, recs, err := c.decode(body.Bytes()); err != nil || len(recs) != 500 {
					b.Fatal(err)
				}
			}
		})
	}
}
