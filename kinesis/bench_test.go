package kinesis_test

import (
	"bytes"
	"encoding/base64"
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
