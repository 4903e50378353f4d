package lambdaapi

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/firehose-local/firehose-local/internal/botomodel"
)

// TestEmbeddedModel checks that the embedded model is a faithful extract of
// the botocore model (when the shared copy is available) and that every
// operation lambdaapi serves has its synthetic body and parameter shapes.
func TestEmbeddedModel(t *testing.T) {
	am, err := loadModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range servedOps {
		for _, part := range []string{".Body", ".Params"} {
			if _, ok := am.m.Operations[op+part]; !ok {
				t.Errorf("operation %s%s missing", op, part)
			}
		}
	}
	if got := am.operationFor("POST", []string{"functions", "f", "versions"}); got != "PublishVersion" {
		t.Errorf("POST functions/f/versions is %q, want PublishVersion", got)
	}
	if len(am.runtimes) == 0 {
		t.Error("no runtimes in the model")
	}
	// Patterns compile on first use; the model as prepared (its
	// lookbehinds rewritten) must hold none that RE2 refuses.
	if err := am.m.CompilePatterns(); err != nil {
		t.Error(err)
	}

	// testdata holds botocore's whole Lambda model, the one gen_model.go
	// trims into models/.
	whole, err := os.ReadFile("testdata/lambda-2015-03-31.json")
	if err != nil {
		t.Fatal(err)
	}
	src, err := botomodel.StripDocs(whole)
	if err != nil {
		t.Fatal(err)
	}
	var full, embedded struct {
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	if err := json.Unmarshal(src, &full); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lambdaModelJSON, &embedded); err != nil {
		t.Fatal(err)
	}
	if len(embedded.Operations) != len(full.Operations) {
		t.Errorf("embedded model has %d operations, botocore %d: run go generate", len(embedded.Operations), len(full.Operations))
	}
	for name, shape := range embedded.Shapes {
		if !reflect.DeepEqual(shape, full.Shapes[name]) {
			t.Errorf("shape %s differs from botocore's: run go generate", name)
		}
	}
}
