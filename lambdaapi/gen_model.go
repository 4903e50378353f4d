//go:build ignore

// gen_model writes models/lambda-2015-03-31.json: the part of the botocore
// Lambda model that lambdaapi validates against. It keeps every operation's
// name and HTTP binding (to name the operations firehose-local refuses) and
// the shapes reachable from the inputs of the operations it serves, without
// documentation (internal/botomodel.StripDocs). Run it from this directory:
//
//	go run gen_model.go -in testdata/lambda-2015-03-31.json
//
// testdata/ keeps botocore's whole model (from shared/aws-models), which
// model_test.go checks the trimmed one against.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"

	"github.com/firehose-local/firehose-local/internal/botomodel"
)

// served are the operations whose inputs lambdaapi validates.
var served = []string{
	"CreateFunction", "GetFunction", "GetFunctionConfiguration", "ListFunctions",
	"DeleteFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "Invoke",
}

func main() {
	in := flag.String("in", "", "botocore lambda-2015-03-31.json")
	out := flag.String("out", "models/lambda-2015-03-31.json", "output file")
	flag.Parse()
	full, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	b, err := botomodel.StripDocs(full)
	if err != nil {
		log.Fatal(err)
	}
	var m struct {
		Version    string                    `json:"version"`
		Metadata   map[string]any            `json:"metadata"`
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		log.Fatal(err)
	}
	ops := map[string]any{}
	for name, op := range m.Operations {
		o := map[string]any{"name": name, "http": op["http"]}
		if in, ok := op["input"]; ok {
			o["input"] = in
		}
		ops[name] = o
	}
	shapes := map[string]any{}
	var visit func(name string)
	visit = func(name string) {
		if _, done := shapes[name]; done {
			return
		}
		s := m.Shapes[name]
		shapes[name] = s
		if mem, ok := s["members"].(map[string]any); ok {
			for _, ref := range mem {
				visit(ref.(map[string]any)["shape"].(string))
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			if ref, ok := s[k].(map[string]any); ok {
				visit(ref["shape"].(string))
			}
		}
	}
	for _, name := range served {
		visit(m.Operations[name]["input"].(map[string]any)["shape"].(string))
	}
	res, err := json.MarshalIndent(map[string]any{
		"version": m.Version, "metadata": m.Metadata, "operations": ops, "shapes": shapes,
	}, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(res, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}
