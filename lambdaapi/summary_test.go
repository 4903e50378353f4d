package lambdaapi_test

import (
	"path/filepath"
	"testing"
)

func TestFunctions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	if got := e.svc.Functions(); len(got) != 0 {
		t.Fatalf("no functions yet: %+v", got)
	}
	e.create("zed", "handler")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.py"), "def handler(event, context):\n    return event\n")
	if err := e.svc.RegisterLocal("eu-west-1", "local", dir, "python3.12", "app.handler", 0, nil); err != nil {
		t.Fatal(err)
	}
	e.create("alpha", "handler")
	got := e.svc.Functions()
	if len(got) != 3 {
		t.Fatalf("%d functions: %+v", len(got), got)
	}
	if got[0].Region != "eu-west-1" || got[0].Name != "local" || got[0].LocalDir != dir || got[0].ARN != arn("eu-west-1", "local") {
		t.Errorf("local function: %+v", got[0])
	}
	if got[1].Name != "alpha" || got[2].Name != "zed" || got[2].Runtime != "python3.12" || got[2].Handler != "app.handler" ||
		got[2].TimeoutSeconds != 3 || got[2].MemorySizeMB != 128 || got[2].LocalDir != "" || got[2].LastModified == "" {
		t.Errorf("API functions: %+v", got[1:])
	}
}
