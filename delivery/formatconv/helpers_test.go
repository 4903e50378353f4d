package formatconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// recs turns strings into records.
func recs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, r := range s {
		out[i] = []byte(r)
	}
	return out
}

// mustConvert converts records with a new Converter and expects no failure.
func mustConvert(t *testing.T, cols []Column, o Options, records [][]byte) []byte {
	t.Helper()
	c, err := New(cols, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	file, failed, err := c.Convert(records)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if len(failed) > 0 {
		t.Fatalf("Convert failed records: %+v", failed)
	}
	if file == nil {
		t.Fatal("Convert wrote no file")
	}
	return file
}

// read writes file to disk and reads it back with DuckDB and hyparquet,
// failing if either reader failed.
func read(t *testing.T, file []byte) testtool.ParquetReadout {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.parquet")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	r := testtool.ReadParquet(t, path)
	if r.DuckDB.Error != "" {
		t.Fatalf("DuckDB could not read the file: %s", r.DuckDB.Error)
	}
	if r.Hyparquet.Error != "" {
		t.Fatalf("hyparquet could not read the file: %s", r.Hyparquet.Error)
	}
	return r
}

// normal re-decodes v from its JSON so that expectations written as JSON
// text compare equal to the readers' output.
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, string(b))
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var out any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return out
}

// checkRows compares both readers' rows with want, JSON text of a list of
// objects. The readers render values alike (see parquet.mjs); where they
// cannot, wantHy overrides want for hyparquet (empty: same as want).
func checkRows(t *testing.T, r testtool.ParquetReadout, want, wantHy string) {
	t.Helper()
	if wantHy == "" {
		wantHy = want
	}
	for _, c := range []struct {
		name string
		rows []map[string]any
		want string
	}{{"DuckDB", r.DuckDB.Rows, want}, {"hyparquet", r.Hyparquet.Rows, wantHy}} {
		got := normal(t, c.rows)
		if w := decode(t, c.want); !reflect.DeepEqual(got, w) {
			gb, _ := json.Marshal(got)
			t.Errorf("%s rows:\n got %s\nwant %s", c.name, gb, c.want)
		}
	}
}

// checkSchema compares DuckDB's column types with want (name, type, ...).
func checkSchema(t *testing.T, r testtool.ParquetReadout, want ...string) {
	t.Helper()
	var got []string
	for _, c := range r.DuckDB.Schema {
		got = append(got, c[0], c[1])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DuckDB schema:\n got %q\nwant %q", got, want)
	}
}
