package kinesis_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/firehose-local/firehose-local/kinesis"
)

// putRecordsBody is a PutRecords body of n records of size bytes each, as
// the SDKs send it.
func putRecordsBody(stream string, n, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'x'}, size))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Data":"` + data + `","PartitionKey":"key-` + strconv.Itoa(i) + `"}`)
	}
	b.WriteString(`],"StreamName":"` + stream + `"}`)
	return b.Bytes()
}

// BenchmarkPutRecords is the in-process cost of a PutRecords call of 500
// records of 100 bytes into a stream of 4 shards.
func BenchmarkPutRecords(b *testing.B) {
	svc, err := kinesis.New(kinesis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, e := svc.Call("", "CreateStream", []byte(`{"StreamName":"bench","ShardCount":4}`)); e != nil {
		b.Fatal(e)
	}
	body := putRecordsBody("bench", 500, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, e := svc.Call("", "PutRecords", body); e != nil {
			b.Fatal(e)
		}
	}
}

// BenchmarkPutRecordsAPI is BenchmarkPutRecords through the API handler,
// with the answer written (no network).
func BenchmarkPutRecordsAPI(b *testing.B) {
	svc, err := kinesis.New(kinesis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, e := svc.Call("", "CreateStream", []byte(`{"StreamName":"bench","ShardCount":4}`)); e != nil {
		b.Fatal(e)
	}
	api := kinesis.NewAPI(svc, kinesis.APIOptions{})
	body := putRecordsBody("bench", 500, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", kinesis.TargetPrefix+"PutRecords")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
