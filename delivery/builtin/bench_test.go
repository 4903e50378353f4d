package builtin

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/klauspost/compress/gzip"
)

var benchRecord = []byte(`{"type":{"device":"mobile","event":"user_clicked_submit_button"},"customer_id":"1234567890","event_timestamp":1565382027,"region":"sample_region","payload":{"items":[1,2,3],"note":"some text in the record"}}`)

func benchExtract(b *testing.B, query string) {
	m := mustCompile(b, query)
	var keys []Key
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		var f *Failure
		if keys, f = m.Extract(keys[:0], benchRecord); f != nil {
			b.Fatal(f)
		}
	}
}

// BenchmarkExtractTwoKeys is the issue's two-key query.
func BenchmarkExtractTwoKeys(b *testing.B) {
	benchExtract(b, `{customer_id:.customer_id,device:.type.device}`)
}

func BenchmarkExtractStrftime(b *testing.B) {
	benchExtract(b, `{customer_id:.customer_id,year:.event_timestamp|strftime("%Y"),month:.event_timestamp|strftime("%m"),day:.event_timestamp|strftime("%d")}`)
}

func BenchmarkParseDocument(b *testing.B) {
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseDocument(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitJSON(b *testing.B) {
	record := bytes.Repeat(append(bytes.Clone(benchRecord), '\n'), 100)
	d := &DeAggregator{}
	var pieces [][]byte
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		pieces, _ = d.Split(pieces[:0], record)
	}
}

func BenchmarkSplitDelimited(b *testing.B) {
	record := bytes.Repeat(append(bytes.Clone(benchRecord), "####"...), 100)
	d := &DeAggregator{Delimiter: []byte("####")}
	var pieces [][]byte
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		pieces, _ = d.Split(pieces[:0], record)
	}
}

func BenchmarkExtractMessages(b *testing.B) {
	record := cwlPayload(100)
	var out []byte
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		var f *Failure
		if out, f = ExtractMessages(out[:0], record); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkDecompress(b *testing.B) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, 6)
	payload := cwlPayload(100)
	zw.Write(payload)
	zw.Close()
	d := &Decompressor{MaxSize: MaxDecompressedSize}
	var out []byte
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var f *Failure
		if out, f = d.Decompress(out[:0], buf.Bytes()); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkAppendJQNumber(b *testing.B) {
	nums := []float64{1565382027, 1.5, 1e-5, 12345678901234567890}
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range nums {
			out = appendJQNumber(out[:0], n)
		}
	}
}

func ExampleMetadataExtractor_Extract() {
	m, err := CompileQuery(`{customer_id: .customer_id, year: .ts | strftime("%Y")}`)
	if err != nil {
		panic(err)
	}
	keys, f := m.Extract(nil, []byte(`{"customer_id": "42", "ts": 1565382027}`))
	fmt.Println(keys, f)
	_, f = m.Extract(nil, []byte(`{"customer_id": "42"}{"customer_id": "43"}`))
	fmt.Println(f.Code, f.Message, f.OutputType)
	// Output:
	// [{customer_id 42} {year 2019}] <nil>
	// DynamicPartitioning.MetadataExtractionFailed Non JSON record provided metadata-extraction-failed
}
