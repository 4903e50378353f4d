package formatconv

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

var fileCols = []Column{{"id", "bigint"}, {"kind", "string"}, {"tags", "array<string>"}, {"attrs", "map<string,double>"}}

func fileRecords(n int) ([][]byte, string) {
	records := make([][]byte, n)
	var want strings.Builder
	want.WriteByte('[')
	for i := range n {
		records[i] = fmt.Appendf(nil, `{"id":%d,"kind":"k%d","tags":["t%d","u"],"attrs":{"x":%d.5}}`, i, i%3, i%5, i)
		if i > 0 {
			want.WriteByte(',')
		}
		fmt.Fprintf(&want, `{"id":"%d","kind":"k%d","tags":["t%d","u"],"attrs":[["x",%d.5]]}`, i, i%3, i%5, i)
	}
	want.WriteByte(']')
	return records, want.String()
}

func TestCompressionCodecs(t *testing.T) {
	records, want := fileRecords(50)
	for _, codec := range []string{"UNCOMPRESSED", "GZIP", "SNAPPY", "ZSTD", ""} {
		t.Run(codec, func(t *testing.T) {
			r := read(t, mustConvert(t, fileCols, Options{CaseInsensitive: true, Compression: codec}, records))
			checkRows(t, r, want, "")
			wantCodec := codec
			if codec == "" {
				wantCodec = "SNAPPY" // Firehose's default
			}
			for _, ch := range r.DuckDB.Chunks {
				if ch.Compression != wantCodec {
					t.Errorf("chunk %s compressed %s, want %s", ch.Path, ch.Compression, wantCodec)
				}
			}
		})
	}
}

func TestRowGroupsByBlockSize(t *testing.T) {
	records, want := fileRecords(300)
	// BlockSizeBytes is taken as given; the 64 MiB floor is the control plane's.
	r := read(t, mustConvert(t, fileCols, Options{CaseInsensitive: true, BlockSizeBytes: 2000}, records))
	checkRows(t, r, want, "")
	total := 0
	for _, n := range r.Hyparquet.Groups {
		total += n
	}
	if len(r.Hyparquet.Groups) < 5 || total != 300 {
		t.Errorf("row groups %v: want several, 300 rows in all", r.Hyparquet.Groups)
	}
	groups := map[int]bool{}
	for _, ch := range r.DuckDB.Chunks {
		groups[ch.RowGroup] = true
	}
	if len(groups) != len(r.Hyparquet.Groups) {
		t.Errorf("DuckDB sees %d row groups, hyparquet %d", len(groups), len(r.Hyparquet.Groups))
	}

	r = read(t, mustConvert(t, fileCols, Options{CaseInsensitive: true}, records))
	if len(r.Hyparquet.Groups) != 1 {
		t.Errorf("default block size: row groups %v, want one", r.Hyparquet.Groups)
	}
}

func TestDictionary(t *testing.T) {
	records, want := fileRecords(100)
	for _, dict := range []bool{false, true} {
		for _, version := range []string{"V1", "V2"} {
			t.Run(fmt.Sprintf("dictionary=%v/%s", dict, version), func(t *testing.T) {
				r := read(t, mustConvert(t, fileCols, Options{CaseInsensitive: true, EnableDictionaryCompression: dict, WriterVersion: version}, records))
				checkRows(t, r, want, "")
				for _, ch := range r.DuckDB.Chunks {
					if ch.Dictionary != dict || strings.Contains(ch.Encodings, "DICTIONARY") != dict {
						t.Errorf("chunk %s: dictionary page %v, encodings %s; want dictionary %v", ch.Path, ch.Dictionary, ch.Encodings, dict)
					}
				}
			})
		}
	}
}

func TestPageVersionAndSize(t *testing.T) {
	records, want := fileRecords(2000)
	for _, version := range []string{"V1", "V2"} {
		t.Run(version, func(t *testing.T) {
			file := mustConvert(t, fileCols, Options{CaseInsensitive: true, WriterVersion: version, PageSizeBytes: 1024}, records)
			checkRows(t, read(t, file), want, "")
			types, pages := pageTypes(t, file)
			wantType := format.DataPage
			if version == "V2" {
				wantType = format.DataPageV2
			}
			if len(types) != 1 || !types[wantType] {
				t.Errorf("page types %v, want only %v", types, wantType)
			}
			if pages < 20 {
				t.Errorf("%d data pages for 2000 rows with 1 KiB pages, want many", pages)
			}
		})
	}
}

// pageTypes walks the data pages of file (with parquet-go's own reader of
// page headers) and returns their types and count.
func pageTypes(t *testing.T, file []byte) (map[format.PageType]bool, int) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	types := map[format.PageType]bool{}
	pages := 0
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			md := cc.MetaData
			off := md.DataPageOffset
			if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < off {
				off = md.DictionaryPageOffset
			}
			end := off + md.TotalCompressedSize
			for off < end {
				var h format.PageHeader
				r := bytes.NewReader(file[off:end])
				if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(r)).Decode(&h); err != nil {
					t.Fatalf("page header at %d: %v", off, err)
				}
				hlen := int64(len(file[off:end])) - int64(r.Len())
				off += hlen + int64(h.CompressedPageSize)
				if h.Type != format.DictionaryPage {
					types[h.Type] = true
					pages++
				}
			}
		}
	}
	return types, pages
}
