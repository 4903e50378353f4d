package kinesis_test

import (
	"os"
	"testing"

	"github.com/firehose-local/firehose-local/kinesis"
)

// The embedded model is the shared botocore model without its
// documentation (internal/botomodel's test compares the two), with the
// model's license beside it.
func TestEmbeddedModelLicense(t *testing.T) {
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
