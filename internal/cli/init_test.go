package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --init takes a file, a directory, or (in FIREHOSE_LOCAL_INIT) the JSON
// itself; a file that is no init file is a configuration error naming the
// flag and the variable.
func TestInitFlag(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := LoadConfig(nil, env(map[string]string{"FIREHOSE_LOCAL_INIT": ` {"buckets":[{"Bucket":"a-bucket"}],"logGroups":[{"logGroupName":"g"}]}`}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Init == nil || len(cfg.Init.Entries) != 2 || cfg.Init.Entries[0].Kind != "buckets" || cfg.Init.Entries[1].Name() != "g" {
		t.Fatalf("init from the variable: %+v", cfg.Init)
	}
	dir := t.TempDir()
	for name, doc := range map[string]string{"b.json": `{"logGroups":[{"logGroupName":"second"}]}`, "a.json": `{"logGroups":[{"logGroupName":"first"}]}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err = LoadConfig([]string{"--init", dir}, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Init.Entries) != 2 || cfg.Init.Entries[0].Name() != "first" || cfg.Init.Entries[1].Name() != "second" || len(cfg.Init.Files) != 2 {
		t.Fatalf("init from a directory: %+v", cfg.Init)
	}
	bad := filepath.Join(dir, "c.json")
	if err := os.WriteFile(bad, []byte(`{"streams":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--init", bad}, {"--init", filepath.Join(dir, "missing.json")}} {
		_, err := LoadConfig(args, env(nil), nil)
		if err == nil || !strings.Contains(err.Error(), "for --init (FIREHOSE_LOCAL_INIT)") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := LoadConfig([]string{"--init", bad}, env(nil), nil); err == nil || !strings.Contains(err.Error(), `unknown list "streams"`) {
		t.Errorf("unknown list: %v", err)
	}
}
