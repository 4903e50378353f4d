package delivery

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

// A transform's answer for 500 records of about 100 bytes, as aws-lambda-go
// marshals it.
func benchTransformResponse() ([]byte, []string) {
	var b strings.Builder
	ids := make([]string, 500)
	data := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 99) + "\n"))
	b.WriteString(`{"records":[`)
	for i := range ids {
		ids[i] = "49546986683135544286507457936321625675700192471156785154" + strconv.Itoa(100000+i)
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"recordId":"` + ids[i] + `","result":"Ok","data":"` + data + `","metadata":{"partitionKeys":null}}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String()), ids
}

func BenchmarkParseTransformResponse(b *testing.B) {
	out, ids := benchTransformResponse()
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, fail := parseTransformResponse(out, ids); fail != nil {
			b.Fatal(fail.message)
		}
	}
}
