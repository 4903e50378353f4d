package botomodel_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/firehose-local/firehose-local/internal/botomodel"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Documentation goes at every depth; everything else stays, in order, with
// its value.
func TestStripDocs(t *testing.T) {
	in := `{
  "version": "2.0",
  "documentation": "<p>The service.</p>",
  "shapes": {
    "Z": {"type": "structure", "documentation": "x", "members": {"B": {"shape": "S", "documentation": "b"}, "A": {"shape": "S"}}, "required": ["B"]},
    "S": {"type": "string", "min": 1, "max": 2.5e3, "pattern": "[\\w<>&]+\\.\\d", "enum": ["é", "\u2028"], "deprecated": true, "box": null},
    "L": {"type": "list", "member": {"shape": "S", "documentation": ["odd", {"documentation": 1}]}}
  }
}`
	want := `{"version":"2.0","shapes":{"Z":{"type":"structure","members":{"B":{"shape":"S"},"A":{"shape":"S"}},"required":["B"]},"S":{"type":"string","min":1,"max":2.5e3,"pattern":"[\\w<>&]+\\.\\d","enum":["é","\u2028"],"deprecated":true,"box":null},"L":{"type":"list","member":{"shape":"S"}}}}` + "\n"
	got, err := botomodel.StripDocs([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []string{`{"a":`, `{"a":1} {}`, `[1,]`} {
		if _, err := botomodel.StripDocs([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// The whole botocore models the embedded ones are written from, kept here
// so that the check below runs wherever the repository is.
var wholeModels = []struct{ whole, embedded string }{
	{"testdata/firehose-2015-08-04.json", "../../protocol/models/firehose-2015-08-04.json"},
	{"testdata/kinesis-2013-12-02.json", "../../kinesis/models/kinesis-2013-12-02.json"},
	{"testdata/logs-2014-03-28.json", "../../cwlogs/models/logs-2014-03-28.json"},
}

// The embedded models are the whole ones without their documentation (go
// generate refreshes them), and parse to the same model as the whole ones:
// shapes, members in order, constraints and operations.
func TestEmbeddedModelsAreWholeWithoutDocs(t *testing.T) {
	for _, m := range wholeModels {
		full, err := os.ReadFile(m.whole)
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := os.ReadFile(m.embedded)
		if err != nil {
			t.Fatal(err)
		}
		stripped, err := botomodel.StripDocs(full)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(embedded, stripped) {
			t.Errorf("%s is not %s without documentation: run go generate", m.embedded, m.whole)
		}
		if bytes.Contains(embedded, []byte(`"documentation"`)) {
			t.Errorf("%s still has documentation", m.embedded)
		}
		var parsed [2]*awsjson.Model // whole, embedded
		for i, b := range [][]byte{full, embedded} {
			if parsed[i], err = awsjson.ParseModel(b); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(parsed[0], parsed[1]) {
			t.Errorf("%s parses to another model than %s", m.embedded, m.whole)
		}
		t.Logf("%s: %d bytes, %d whole", m.embedded, len(embedded), len(full))
	}
	if _, err := os.Stat("testdata/LICENSE.txt"); err != nil {
		t.Fatal("the models' license must be beside them:", err)
	}
}

// The whole models here are the ones in ../shared/aws-models, when that
// directory is beside the repository (copy them again, then go generate,
// when botocore's are updated there).
func TestWholeModelsAreShared(t *testing.T) {
	wholes, err := filepath.Glob("testdata/*.json")
	if err != nil || len(wholes) != len(wholeModels)+1 { // and Glue's, pruned by glue's test
		t.Fatalf("testdata holds %v (%v): the list above or this test is out of date", wholes, err)
	}
	for _, whole := range wholes {
		shared, err := os.ReadFile("../../../shared/aws-models/" + filepath.Base(whole))
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf("the shared models are not at ../../../shared/aws-models (%v)", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		here, err := os.ReadFile(whole)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(here, shared) {
			t.Errorf("%s is not the shared model", whole)
		}
	}
}
