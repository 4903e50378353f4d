package glue_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/firehose-local/firehose-local/glue"
	"github.com/firehose-local/firehose-local/internal/botomodel"
)

// The embedded model is the whole botocore model (kept in
// internal/botomodel/testdata) pruned to the operations served, without its
// documentation: doing that again gives the same bytes (else run go
// generate ./glue).
func TestEmbeddedModelIsPrunedFull(t *testing.T) {
	full, err := os.ReadFile("../internal/botomodel/testdata/glue-2017-03-31.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := botomodel.PruneWithoutDocs(full, glue.Operations())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("models/glue-2017-03-31.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("models/glue-2017-03-31.json is not the full model pruned to glue.Operations() without documentation: run go generate ./glue")
	}
	if _, err := os.Stat("models/LICENSE.txt"); err != nil {
		t.Fatal("the model's license must be beside it:", err)
	}
}

func TestModelServesEveryOperation(t *testing.T) {
	m := glue.Model()
	if m.Metadata.TargetPrefix+"." != glue.TargetPrefix {
		t.Fatalf("target prefix %q", m.Metadata.TargetPrefix)
	}
	for _, op := range glue.Operations() {
		if _, ok := m.Operations[op]; !ok {
			t.Errorf("operation %s is not in the embedded model", op)
		}
	}
	c, err := glue.New(glue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range glue.Operations() {
		if _, err := c.Call("", op, []byte(`{}`)); err != nil && err.Type == "UnknownOperationException" {
			t.Errorf("operation %s is listed but not served", op)
		}
	}
	if len(m.Operations) != len(glue.Operations()) {
		t.Errorf("the embedded model has %d operations, %d served", len(m.Operations), len(glue.Operations()))
	}
}
