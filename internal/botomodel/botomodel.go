// Package botomodel prepares the botocore service models the services
// embed, from the whole ones (testdata/ keeps those of Firehose, Kinesis,
// CloudWatch Logs and Glue, copies of those in ../shared/aws-models; its
// command, cmd/botomodel, is what the services' go:generate lines run):
//
//   - StripDocs drops a model's documentation, three quarters of its bytes,
//     which firehose-local never shows: the embedded model is smaller in the
//     binary and parses in half the time (Firehose, Kinesis, CloudWatch
//     Logs; Lambda's gen_model.go strips its model with it before cutting
//     it down).
//   - PruneWithoutDocs cuts a model down to some of its operations and the
//     shapes they reach (Prune), then strips it, so that a service embeds
//     only what it serves (Glue).
package botomodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// StripDocs returns the JSON document full without its "documentation"
// members, at any depth, and otherwise unchanged: every other member in its
// order (validation reports violations in the model's member order), the
// values as they were written, without white space between tokens, and a
// final newline.
func StripDocs(full []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	var out bytes.Buffer
	if err := copyValue(dec, &out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("botomodel: data after the model")
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// copyValue copies the next value of dec to out, objects without their
// documentation members.
func copyValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			out.WriteByte('{')
			first := true
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if key == "documentation" {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return err
					}
					continue
				}
				if !first {
					out.WriteByte(',')
				}
				first = false
				writeJSON(out, key)
				out.WriteByte(':')
				if err := copyValue(dec, out); err != nil {
					return err
				}
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := copyValue(dec, out); err != nil {
					return err
				}
			}
			out.WriteByte(']')
		default:
			return fmt.Errorf("botomodel: unexpected %v", t)
		}
		_, err := dec.Token() // the closing delimiter
		return err
	case nil:
		out.WriteString("null")
	default:
		writeJSON(out, t)
	}
	return nil
}

// writeJSON writes a string, number or boolean as encoding/json does,
// without escaping HTML characters.
func writeJSON(out *bytes.Buffer, v any) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)           // cannot fail for these types
	out.Truncate(out.Len() - 1) // Encode's newline
}
