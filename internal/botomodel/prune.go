package botomodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Prune returns full (a botocore model) with only the operations ops and
// the shapes reachable from their inputs, outputs and errors. Everything
// kept is copied as it is (documentation included); the output is indented
// JSON with its keys sorted, so the same input always gives the same bytes.
func Prune(full []byte, ops []string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(full, &m); err != nil {
		return nil, err
	}
	var allOps, allShapes map[string]json.RawMessage
	if err := json.Unmarshal(m["operations"], &allOps); err != nil {
		return nil, fmt.Errorf("operations: %w", err)
	}
	if err := json.Unmarshal(m["shapes"], &allShapes); err != nil {
		return nil, fmt.Errorf("shapes: %w", err)
	}
	keptOps := map[string]json.RawMessage{}
	keptShapes := map[string]json.RawMessage{}
	var visit func(name string) error
	visit = func(name string) error {
		if _, done := keptShapes[name]; done {
			return nil
		}
		raw, ok := allShapes[name]
		if !ok {
			return fmt.Errorf("shape %s is not in the model", name)
		}
		keptShapes[name] = raw
		for _, ref := range shapeRefs(raw) {
			if err := visit(ref); err != nil {
				return err
			}
		}
		return nil
	}
	for _, op := range ops {
		raw, ok := allOps[op]
		if !ok {
			return nil, fmt.Errorf("operation %s is not in the model", op)
		}
		keptOps[op] = raw
		for _, ref := range shapeRefs(raw) {
			if err := visit(ref); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	out["operations"] = keptOps
	out["shapes"] = keptShapes
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PruneWithoutDocs is Prune, then StripDocs: what a service that serves
// some of a model's operations embeds.
func PruneWithoutDocs(full []byte, ops []string) ([]byte, error) {
	pruned, err := Prune(full, ops)
	if err != nil {
		return nil, err
	}
	return StripDocs(pruned)
}

// shapeRefs lists the shapes an operation or a shape refers to: its input,
// output and errors, or its members, list member, map key and value.
func shapeRefs(raw json.RawMessage) []string {
	type ref struct {
		Shape string `json:"shape"`
	}
	var d struct {
		Input   *ref           `json:"input"`
		Output  *ref           `json:"output"`
		Errors  []ref          `json:"errors"`
		Members map[string]ref `json:"members"`
		Member  *ref           `json:"member"`
		Key     *ref           `json:"key"`
		Value   *ref           `json:"value"`
	}
	if json.Unmarshal(raw, &d) != nil {
		return nil
	}
	var refs []string
	for _, r := range []*ref{d.Input, d.Output, d.Member, d.Key, d.Value} {
		if r != nil && r.Shape != "" {
			refs = append(refs, r.Shape)
		}
	}
	for _, r := range d.Errors {
		refs = append(refs, r.Shape)
	}
	for _, r := range d.Members {
		refs = append(refs, r.Shape)
	}
	slices.Sort(refs)
	return refs
}
