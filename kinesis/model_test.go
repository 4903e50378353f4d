package kinesis_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/firehose-local/firehose-local/kinesis"
)

// The embedded model is the shared botocore model, whole.
func TestEmbeddedModelIsShared(t *testing.T) {
	want, err := os.ReadFile("../../shared/aws-models/kinesis-2013-12-02.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("the Kinesis model is not at ../../shared/aws-models")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("models/kinesis-2013-12-02.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("models/kinesis-2013-12-02.json is not the shared model: copy it again")
	}
	if _, err := os.Stat("models/LICENSE.txt"); err != nil {
		t.Fatal("the model's license must be beside it:", err)
	}
}

// Every operation of the model is served or refused by name; none is
// unknown.
func TestEveryModelOperationServedOrRefused(t *testing.T) {
	m := kinesis.Model()
	if m.Metadata.TargetPrefix+"." != kinesis.TargetPrefix {
		t.Fatalf("target prefix %q", m.Metadata.TargetPrefix)
	}
	served := map[string]bool{}
	for _, op := range kinesis.Operations() {
		served[op] = true
		if _, ok := m.Operations[op]; !ok {
			t.Errorf("operation %s is not in the model", op)
		}
	}
	svc, err := kinesis.New(kinesis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for op := range m.Operations {
		_, err := svc.Call("", op, []byte(`{}`))
		refused := err != nil && err.Type == "InvalidArgumentException" && err.Message == "firehose-local does not support "+op+" yet."
		if served[op] == refused {
			t.Errorf("operation %s: served %v, answer %v", op, served[op], err)
		}
	}
	if _, err := svc.Call("", "NoSuchOp", nil); err == nil || err.Type != "UnknownOperationException" {
		t.Errorf("NoSuchOp: %v", err)
	}
}
