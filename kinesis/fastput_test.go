package kinesis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// genericPut decodes a body as the generic path does: the model validator,
// the refused members, then the entries putRecord or putRecords make.
func genericPut(op string, body []byte) (*putRequest, bool) {
	in, err := Model().DecodeAndValidate(op, body)
	if err != nil {
		return nil, false
	}
	for _, m := range refusedMembers {
		if in[m] != nil {
			return nil, false
		}
	}
	if op == "PutRecord" {
		e := newEntry([]byte(str(in, "PartitionKey")), in["ExplicitHashKey"], decodeData(in["Data"]))
		return putRequestOf(in, []putEntry{e}), true
	}
	list, _ := in["Records"].([]any)
	entries := make([]putEntry, len(list))
	for i, e := range list {
		m, _ := e.(map[string]any)
		entries[i] = newEntry([]byte(str(m, "PartitionKey")), m["ExplicitHashKey"], decodeData(m["Data"]))
	}
	return putRequestOf(in, entries), true
}

// checkSamePut checks that the fast path takes only bodies the generic
// path accepts, and decodes them to the same request: every error is then
// the generic path's.
func checkSamePut(t *testing.T, op string, body []byte) (fast bool) {
	t.Helper()
	got, ok := decodePut(op, body)
	if !ok {
		return false
	}
	want, wantOK := genericPut(op, body)
	if !wantOK {
		_, err := Model().DecodeAndValidate(op, body)
		t.Fatalf("%s %q: the fast path accepts what the generic path refuses (%v)", op, body, err)
	}
	got.hashKeys()
	want.hashKeys()
	if len(got.entries) != len(want.entries) {
		t.Fatalf("%s %q: %d entries, generic %d", op, body, len(got.entries), len(want.entries))
	}
	for i := range got.entries {
		g, w := got.entries[i], want.entries[i]
		if !bytes.Equal(g.data, w.data) {
			t.Fatalf("%s %q: entry %d data %q, generic %q", op, body, i, g.data, w.data)
		}
		g.data, w.data = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s %q: entry %d %+v, generic %+v", op, body, i, g, w)
		}
	}
	got.entries, want.entries, got.arena = nil, nil, nil
	got.keys, want.keys, got.sums, want.sums = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: %+v, generic %+v", op, body, got, want)
	}
	return true
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestFastPutMatchesGenericPath(t *testing.T) {
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	many := func(n int) string {
		return `{"StreamName":"s","Records":[` + strings.Repeat(`{"Data":"eA==","PartitionKey":"k"},`, n-1) + `{"Data":"eA==","PartitionKey":"k"}]}`
	}
	for _, c := range []struct {
		op, body string
		fast     bool // the fast path takes it
	}{
		// Valid bodies the fast path takes.
		{"PutRecords", many(1), true},
		{"PutRecords", many(500), true},
		{"PutRecords", ` { "Records" : [ { "PartitionKey" : "k" , "Data" : "` + b64("hello") + `" } ] , "StreamARN" : "` + arn + `" } `, true},
		{"PutRecords", `{"StreamName":"s","StreamARN":"` + arn + `","Records":[{"Data":"","PartitionKey":"k","ExplicitHashKey":"0"}]}`, true},
		{"PutRecords", `{"Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211455"}]}`, true},
		{"PutRecords", `{"Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211456"}]}`, true}, // refused by routing, not the model
		{"PutRecords", `{"Records":[{"Data":"eA==","PartitionKey":"` + strings.Repeat("k", 256) + `"}]}`, true},
		{"PutRecords", `{"StreamName":"` + strings.Repeat("a", 128) + `","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, true},
		{"PutRecord", `{"StreamName":"s","Data":"` + b64("one") + `","PartitionKey":"k"}`, true},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","ExplicitHashKey":"12","SequenceNumberForOrdering":"49"}`, true},
		{"PutRecord", `{"Data":"eA==","PartitionKey":"k"}`, true},
		// Records in the SDKs' compact form and next to it (compactRecord
		// reads the first, object the others).
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"},{"Data":"eA==","ExplicitHashKey":"1","PartitionKey":"k"},{"PartitionKey":"k","Data":"eA=="},{"Data":"eA==" ,"PartitionKey":"k"},{"Data":"eA==","PartitionKey":"k" }]}`, true},

		// Valid bodies it leaves to the generic path.
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"\u006b"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"ключ"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Other":1,"Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","X":null}]}`, false},
		{"PutRecords", `{"StreamName":"s","StreamName":"t","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":null,"Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","Records":[]}`, false},

		// Invalid bodies: all the generic path's.
		{"PutRecords", ``, false},
		{"PutRecords", `{}`, false},
		{"PutRecords", `null`, false},
		{"PutRecords", `[]`, false},
		{"PutRecords", `{"StreamName":"s","Records":[]}`, false},
		{"PutRecords", many(501), false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"}]} x`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"}],}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"},]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"}]`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA=","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"e A==","PartitionKey":"k"}]}`, false},
		// Data is not checked as other strings are: the decoder refuses
		// what they would, or skips it (CR, LF) and decodes too little.
		{"PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"eA==\n\",\"PartitionKey\":\"k\"}]}", false},
		{"PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"eA\r\n==\",\"PartitionKey\":\"k\"}]}", false},
		{"PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"eHh4\r\n\r\neA==\",\"PartitionKey\":\"k\"}]}", false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA\u003d=","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA\"==","PartitionKey":"k"}]}`, false},
		{"PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"eA=\x00\",\"PartitionKey\":\"k\"}]}", false},
		{"PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"eA=\xc3\xa9\",\"PartitionKey\":\"k\"}]}", false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":7,"PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA=="}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":""}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"` + strings.Repeat("k", 257) + `"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"01"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"-1"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"` + strings.Repeat("9", 40) + `"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[null]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","Data":"eA=="}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"},{"Data":"eA==","PartitionKey":"k"]}`, false},
		{"PutRecords", `{"StreamName":"s","Records":{}}`, false},
		{"PutRecords", `{"StreamName":"","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"a/b","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamName":"` + strings.Repeat("a", 129) + `","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamARN":"arn:aws:kinesis:us-east-1:0:stream/s","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamARN":"","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecords", `{"StreamId":"abcdefghij0123456789-abc","Records":[{"Data":"eA==","PartitionKey":"k"}]}`, false},
		{"PutRecord", `{"StreamName":"s","Data":"eA=="}`, false},
		{"PutRecord", `{"StreamName":"s","PartitionKey":"k"}`, false},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","SequenceNumberForOrdering":"x"}`, false},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"k","SequenceNumberForOrdering":"` + strings.Repeat("9", 130) + `"}`, false},
	} {
		if got := checkSamePut(t, c.op, []byte(c.body)); got != c.fast {
			t.Errorf("%s %.80q: fast path %v, want %v", c.op, c.body, got, c.fast)
		}
	}
}

// TestFastPutAnswersAsGenericPath puts the same bodies through Call on two
// services, one of them with the fast path, and compares the answers.
func TestFastPutAnswersAsGenericPath(t *testing.T) {
	newSvc := func() *Service {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, e := s.Call("", "CreateStream", []byte(`{"StreamName":"s","ShardCount":3}`)); e != nil {
			t.Fatal(e)
		}
		return s
	}
	fast, generic := newSvc(), newSvc()
	bodies := []struct{ op, body string }{
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"a"},{"Data":"eXk=","PartitionKey":"b"},{"Data":"","PartitionKey":"c","ExplicitHashKey":"340282366920938463463374607431768211455"}]}`},
		{"PutRecords", `{"StreamName":"nope","Records":[{"Data":"eA==","PartitionKey":"a"}]}`},
		{"PutRecords", `{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/t","Records":[{"Data":"eA==","PartitionKey":"a"}]}`},
		{"PutRecords", `{"StreamARN":"arn:aws:kinesis:eu-west-1:000000000000:stream/s","Records":[{"Data":"eA==","PartitionKey":"a"}]}`},
		{"PutRecords", `{"Records":[{"Data":"eA==","PartitionKey":"a"}]}`},
		{"PutRecords", `{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"a","ExplicitHashKey":"340282366920938463463374607431768211456"}]}`},
		{"PutRecord", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Data":"eA==","PartitionKey":"p"}`},
		{"PutRecord", `{"StreamName":"s","Data":"eA==","PartitionKey":"p","ExplicitHashKey":"1"}`},
	}
	for _, b := range bodies {
		want, wantErr := func() (any, any) {
			in, verr := Model().DecodeAndValidate(b.op, []byte(b.body))
			if verr != nil {
				return nil, verr
			}
			generic.mu.Lock()
			defer generic.mu.Unlock()
			out, err := operations[b.op](generic, "us-east-1", in)
			return out, err
		}()
		got, gotErr := fast.Call("", b.op, []byte(b.body))
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(any(gotErr), wantErr) {
			t.Errorf("%s %s:\n got %+v %v\nwant %+v %v", b.op, b.body, got, gotErr, want, wantErr)
		}
	}
}

func FuzzFastPut(f *testing.F) {
	for _, s := range []string{
		`{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"}]}`,
		`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Records":[{"Data":"","PartitionKey":"k","ExplicitHashKey":"7"}]}`,
		`{"StreamName":"s","Data":"eA==","PartitionKey":"k","SequenceNumberForOrdering":"1"}`,
		`{"Records":[{"Data":"eA=","PartitionKey":""}]}`,
	} {
		f.Add(false, []byte(s))
		f.Add(true, []byte(s))
	}
	f.Fuzz(func(t *testing.T, many bool, body []byte) {
		op := "PutRecord"
		if many {
			op = "PutRecords"
		}
		checkSamePut(t, op, body)
	})
}

func TestPutRecordsAnswerJSON(t *testing.T) {
	// What encoding/json writes of the answer with its records' sequence
	// numbers and shard ids as strings.
	type result struct {
		SequenceNumber string `json:",omitempty"`
		ShardID        string `json:"ShardId,omitempty"`
		ErrorCode      string `json:",omitempty"`
		ErrorMessage   string `json:",omitempty"`
	}
	type plain struct {
		FailedRecordCount int
		Records           []result
		EncryptionType    string `json:",omitempty"`
	}
	plainOf := func(o putRecordsOut) plain {
		p := plain{FailedRecordCount: o.FailedRecordCount, EncryptionType: o.EncryptionType}
		if o.Records != nil {
			p.Records = []result{}
		}
		for _, r := range o.Records {
			if r.err != nil {
				p.Records = append(p.Records, result{ErrorCode: r.err.Type, ErrorMessage: r.err.Message})
				continue
			}
			p.Records = append(p.Records, result{SequenceNumber: sequence(r.shard, r.counter), ShardID: shardID(r.shard)})
		}
		return p
	}
	for _, o := range []putRecordsOut{
		{},
		{Records: []putResult{}},
		{FailedRecordCount: 0, Records: []putResult{{shard: 0, counter: 0}}, EncryptionType: "KMS"},
		{FailedRecordCount: 0, Records: []putResult{{shard: 3, counter: 1}, {shard: 999_999_999_999, counter: 1<<64 - 1},
			{shard: 1e12, counter: 12}, {shard: 12, counter: 1234567890123}}},
		{FailedRecordCount: 2, Records: []putResult{
			{err: rateExceeded("shardId-000000000001", "a.b-c_d", "000000000000")},
			{shard: 1, counter: 7},
			{err: &awsjson.Error{Type: "X", Message: "quote \" backslash \\ <tag> & é \x01 \u2028"}},
		}},
	} {
		want, err := json.Marshal(plainOf(o))
		if err != nil {
			t.Fatal(err)
		}
		if got := o.appendJSON(nil); string(got) != string(want) {
			t.Errorf("appendJSON\n got %s\nwant %s", got, want)
		}
		if got, _ := json.Marshal(o); string(got) != string(want) {
			t.Errorf("json.Marshal\n got %s\nwant %s", got, want)
		}
	}
}

func TestSequenceFormat(t *testing.T) {
	for _, c := range []struct {
		index   int
		counter uint64
	}{{0, 0}, {1, 1}, {7, 1234567890}, {123_456, 1<<64 - 1}} {
		want := seqPrefix + pad(uint64(c.index), seqIndexLen) + pad(c.counter, seqCountLen)
		if got := sequence(c.index, c.counter); got != want {
			t.Errorf("sequence(%d, %d) = %s, want %s", c.index, c.counter, got, want)
		}
		if i, n, ok := parseSequence(want); !ok || i != c.index || n != c.counter {
			t.Errorf("parseSequence(%s) = %d, %d, %v", want, i, n, ok)
		}
	}
}

// TestPutKeepsNothingOfTheBody puts through the API handler, whose body
// buffers are reused, and checks the records afterwards.
func TestPutKeepsNothingOfTheBody(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, e := s.Call("", "CreateStream", []byte(`{"StreamName":"s","ShardCount":2}`)); e != nil {
		t.Fatal(e)
	}
	api := NewAPI(s, APIOptions{})
	want := map[string]string{} // partition key: data
	for round, c := range []string{"a", "b", "c"} {
		var b strings.Builder
		b.WriteString(`{"StreamName":"s","Records":[`)
		for i := range 20 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, d := c+strings.Repeat("k", i+1), strings.Repeat(c, i+round)
			if round < 2 {
				want[k] = d
			}
			b.WriteString(`{"PartitionKey":"` + k + `","Data":"` + b64(d) + `"}`)
		}
		b.WriteString(`]}`)
		op := "PutRecords"
		if round == 2 { // and PutRecord
			op, want["p"] = "PutRecord", "q"
			b.Reset()
			b.WriteString(`{"StreamName":"s","PartitionKey":"p","Data":"` + b64("q") + `"}`)
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(b.String()))
		req.Header.Set("X-Amz-Target", TargetPrefix+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatal(w.Code, w.Body.String())
		}
	}
	got := map[string]string{}
	for _, sh := range s.streams[streamKey("us-east-1", "s")].Shards {
		for i := range sh.log.len() {
			r := sh.log.record(i)
			got[r.Key] = string(r.Data)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
}
