package testtool

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ParquetReadout is what integration/readers/parquet.mjs printed for a
// Parquet file: what DuckDB and hyparquet each read from it.
type ParquetReadout struct {
	DuckDB    ParquetReader `json:"duckdb"`
	Hyparquet ParquetReader `json:"hyparquet"`
}

// ParquetReader is one reader's view of a file. Values are decoded with
// json.Number for numbers; the script renders 64-bit integers and
// decimals as strings, dates as "YYYY-MM-DD", timestamps as ISO 8601 UTC,
// binary as base64 and maps as [[key, value], ...] lists.
type ParquetReader struct {
	// Error is set, and the rest empty, when the reader failed.
	Error string `json:"error"`
	// Schema is the top-level columns as [name, type]: DuckDB's type names,
	// or hyparquet's physical/logical rendering.
	Schema [][2]string      `json:"schema"`
	Rows   []map[string]any `json:"rows"`
	Chunks []ParquetChunk   `json:"chunks"`    // DuckDB only
	Groups []int            `json:"rowGroups"` // hyparquet only: rows per row group
}

// ParquetChunk is a column chunk as DuckDB's parquet_metadata() gives it.
type ParquetChunk struct {
	RowGroup    int    `json:"rowGroup"`
	Rows        int    `json:"rows"`
	Path        string `json:"path"`
	Compression string `json:"compression"`
	Encodings   string `json:"encodings"`
	Dictionary  bool   `json:"dictionary"`
}

// RepoRoot is the directory holding go.mod, found upward from the working
// directory of the test.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ReadParquet reads the Parquet file at path with DuckDB and hyparquet
// (node integration/readers/parquet.mjs). Node and the readers' packages
// are tools: when missing the test is skipped, or fails under
// FIREHOSE_LOCAL_REQUIRE_TOOLS=1.
func ReadParquet(t testing.TB, path string) ParquetReadout {
	t.Helper()
	node := LookPath(t, "node", "install Node.js 20 or later")
	dir := filepath.Join(RepoRoot(t), "integration", "readers")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		Missing(t, "the Parquet readers' npm packages", "run npm ci in integration/readers")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "hyparquet")); err != nil {
		Missing(t, "the Parquet readers' npm packages", "run npm ci in integration/readers")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "parquet.mjs"), abs)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("parquet.mjs %s: %v\n%s", path, err, stderr.String())
	}
	var r ParquetReadout
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("parquet.mjs %s printed no readout: %v\n%s", path, err, out)
	}
	return r
}
