package delivery

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/protocol"
)

// FuzzParseTransformResponse feeds arbitrary function answers to the
// parser of the Lambda transform contract. It must never panic, and when it
// accepts an answer every input record has exactly one valid outcome.
func FuzzParseTransformResponse(f *testing.F) {
	ok := base64.StdEncoding.EncodeToString([]byte("HELLO\n"))
	f.Add(`{"records":[{"recordId":"1","result":"Ok","data":"`+ok+`"},{"recordId":"2","result":"Dropped"}]}`, "1,2")
	f.Add(`{"records":[{"recordId":"1","result":"ProcessingFailed"}]}`, "1")
	f.Add(`{"records":[{"recordId":"1","result":"Ok"}]}`, "1")
	f.Add(`{"records":[{"recordId":"1","result":"Ok","data":"!!"}]}`, "1")
	f.Add(`{"records":[{"recordId":"1","result":"Dropped"},{"recordId":"1","result":"Dropped"}]}`, "1")
	f.Add(`{"records":[{"recordId":"9","result":"Dropped"}]}`, "1")
	f.Add(`{"records":[]}`, "1")
	f.Add(`{"records":null}`, "")
	f.Add(`[]`, "")
	f.Add(`{"records":[{"result":"Ok"}]} trailing`, "1,,1")
	f.Fuzz(func(t *testing.T, out, idList string) {
		var ids []string
		if idList != "" {
			ids = strings.Split(idList, ",")
		}
		results, fail := parseTransformResponse([]byte(out), ids)
		if fail != nil {
			if results != nil || fail.code == "" || fail.message == "" {
				t.Fatalf("failure %+v with results %v", fail, results)
			}
			return
		}
		if len(results) != len(ids) {
			t.Fatalf("%d results for %d records", len(results), len(ids))
		}
		if !json.Valid([]byte(out)) && !strings.HasPrefix(strings.TrimSpace(out), "{") {
			t.Fatalf("accepted a non-JSON answer %q", out)
		}
		for i, r := range results {
			switch r.Status {
			case "Ok":
				if r.Data == nil {
					t.Fatalf("record %d: Ok without data", i)
				}
			case "Dropped", "ProcessingFailed":
			default:
				t.Fatalf("record %d: result %q", i, r.Status)
			}
		}
	})
}

// FuzzTransformScanMatches checks the fast reader of transform answers
// against encoding/json: whenever protocol.ScanTransformResponse accepts an answer,
// encoding/json decodes the same records from it.
func FuzzTransformScanMatches(f *testing.F) {
	bench, _ := benchTransformResponse()
	f.Add(string(bench[:2000]) + `]}`)
	for _, s := range []string{
		`{"records":[{"recordId":"1","result":"Ok","data":"SEVMTE8K"},{"recordId":"2","result":"Dropped"}]}`,
		`{"records":[]}`, `{"records":null}`, `{}`, `[]`, `{"records":[null]}`,
		`{"Records":[{"recordId":"1","result":"Ok","data":"SEVMTE8K"}]}`,
		`{"records":[{"RecordId":"1","result":"Ok"}]}`,
		`{"records":[{"recordId":"1","result":"Ok","result":"Dropped"}]}`,
		`{"records":[{"recordId":"1"}],"records":[{"result":"Ok"}]}`,
		`{"records":[{"recordId":"\u0031","result":"Ok","data":"SEVMTE8K"}]}`,
		`{"x":[1,-2.5e+3,true,false,null,{"a":"\"\\\/\b\f\n\r\t\u00e9"}],"records":[{"recordId":"1","result":"Ok","data":"SEVMTE8K","metadata":{"partitionKeys":{"k":"v"}}}]} trailing`,
		`{"records":[{"recordId":1,"result":"Ok"}]}`,
		`{"records":[{"recordId":"1","result":"Ok","data":"SEVM\nTE8K"}]}`,
		`{"records":[{"recordId":"1","x":01}]}`,
		` {"records" : [ { "recordId" : "1" , "result" : "Dropped" } ] } `,
		`{"records":[{"recordId":"1","metadata":{"partitionKeys":{"a":"x"},"partitionKeys":{"b":"y","a":"z"}},"metadata":{"partitionKeys":{}}}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		fast, ok := protocol.ScanTransformResponse([]byte(out))
		if !ok {
			return
		}
		slow, fail := decodeTransformResponse([]byte(out))
		if fail != nil {
			t.Fatalf("the fast path accepted %q; encoding/json: %s", out, fail.message)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%q: %d records fast, %d with encoding/json", out, len(fast), len(slow))
		}
		for i := range fast {
			a, b := fast[i], slow[i]
			if a.HasRecordID != b.HasRecordID || a.HasResult != b.HasResult || a.HasData != b.HasData ||
				string(a.RecordID) != string(b.RecordID) || string(a.Result) != string(b.Result) || string(a.Data) != string(b.Data) ||
				!maps.EqualFunc(a.PartitionKeys, b.PartitionKeys, func(x, y json.RawMessage) bool { return bytes.Equal(x, y) }) {
				t.Fatalf("%q: record %d fast %+v, encoding/json %+v", out, i, a, b)
			}
		}
	})
}

// The fast path takes the answers real handlers give and leaves the odd ones
// to encoding/json.
func TestTransformScanTakesCommonAnswers(t *testing.T) {
	bench, _ := benchTransformResponse()
	for _, c := range []struct {
		out  string
		fast bool
	}{
		{string(bench), true}, // aws-lambda-go, with metadata
		{`{"records": [{"recordId": "1", "result": "Ok", "data": "SEVMTE8K"}, {"recordId": "2", "result": "Dropped", "data": ""}]}`, true}, // Python's json.dumps
		{`{"x":[1,-2.5e+3,true,null,{"a":"\u00e9\n"}],"records":[]} trailing`, true},
		{`{"records":[{"recordId":"\u0031","result":"Ok","data":"SEVMTE8K"}]}`, false},
		{`{"Records":[]}`, false},
		{`{"records":[{"recordID":"1"}]}`, false},
		{`{"records":[{"recordId":null}]}`, false},
		{`{"records":[],"records":[]}`, false},
		{`{"records":null}`, false},
		{`{"records":[{"recordId":"1","x":01}]}`, false},
		{`{"records":[{"recordId":"é"}]}`, false},
		{`{"records":[{"recordId":"1","metadata":{"partitionKeys":{"a":"x","b":"y"},"z":[1]}}]}`, true},
		{`{"records":[{"recordId":"1","metadata":{"partitionKeys":{"a":1}}}]}`, false},
		{`{"records":[{"recordId":"1","metadata":null}]}`, true},
		{`{"records":[{"recordId":"1","metadata":"x"}]}`, false},
		{`{"records":[{"recordId":"1","metadata":{"partitionkeys":{}}}]}`, false},
	} {
		if _, ok := protocol.ScanTransformResponse([]byte(c.out)); ok != c.fast {
			t.Errorf("%.80s: fast path %v, want %v", c.out, ok, c.fast)
		}
	}
}
