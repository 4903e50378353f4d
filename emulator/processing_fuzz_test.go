package emulator

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
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
			switch r.result {
			case "Ok":
				if r.data == nil {
					t.Fatalf("record %d: Ok without data", i)
				}
			case "Dropped", "ProcessingFailed":
			default:
				t.Fatalf("record %d: result %q", i, r.result)
			}
		}
	})
}
