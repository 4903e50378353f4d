package builtin

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzSplit: de-aggregation never panics, returns slices of the record,
// at most MaxSubRecords of them, and for JSON only valid objects.
func FuzzSplit(f *testing.F) {
	f.Add([]byte(`{"a":1}{"a":2}`), []byte("#"))
	f.Add([]byte("{\"a\":1}\n{\"b\":[1,2]}\n"), []byte("\n"))
	f.Add([]byte(`[{"a":1}]`), []byte("##"))
	f.Add([]byte("a####b####"), []byte("####"))
	f.Fuzz(func(t *testing.T, record, delim []byte) {
		for _, d := range []*DeAggregator{{}, {Delimiter: delim}} {
			if d.Delimiter != nil && len(d.Delimiter) == 0 {
				continue
			}
			pieces, ok := d.Split(nil, record)
			if !ok {
				if len(pieces) != 1 || !bytes.Equal(pieces[0], record) {
					t.Fatalf("not split but %d pieces", len(pieces))
				}
				continue
			}
			if len(pieces) > MaxSubRecords {
				t.Fatalf("%d pieces", len(pieces))
			}
			total := 0
			for _, p := range pieces {
				total += len(p)
				if len(p) == 0 {
					t.Fatal("an empty piece")
				}
				if d.Delimiter == nil && (p[0] != '{' || !json.Valid(p)) {
					t.Fatalf("piece %q is not a JSON object", p)
				}
				if d.Delimiter != nil && bytes.Contains(p, d.Delimiter) {
					t.Fatalf("piece %q holds the delimiter", p)
				}
			}
			if total > len(record) {
				t.Fatalf("pieces of %d bytes from %d", total, len(record))
			}
		}
	})
}

// FuzzExtractMessages: message extraction never panics, keeps dst on
// failure, and agrees with encoding/json on what the payload holds.
func FuzzExtractMessages(f *testing.F) {
	f.Add([]byte(controlMessage))
	f.Add(cwlPayload(3))
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a\u00e9\ud800"}]}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		out, fail := ExtractMessages([]byte("keep"), record)
		if fail != nil {
			if string(out) != "keep" {
				t.Fatalf("failure changed dst: %q", out)
			}
		} else if len(out)-4 > 3*len(record) {
			t.Fatalf("%d bytes out of %d", len(out)-4, len(record))
		}
		// What encoding/json makes of it (exact key names, last one wins).
		// Numbers stay text: a number too large for a float64 (1e700) is
		// still JSON, and the payload's numbers are not extracted.
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(record))
		dec.UseNumber()
		err := dec.Decode(&doc)
		if err == nil {
			// Only whitespace may follow, as json.Unmarshal requires.
			if _, tokErr := dec.Token(); tokErr != io.EOF {
				err = errors.New("data after the document")
			}
		}
		if err != nil {
			if fail == nil {
				t.Fatalf("encoding/json refuses %q: %v; we extracted %q", record, err, out)
			}
			return
		}
		want, ok := expectedMessages(doc)
		if ok != (fail == nil) {
			t.Fatalf("%q: ok=%v, ours %v", record, ok, fail)
		}
		if ok && string(out[4:]) != want {
			t.Fatalf("%q: got %q, want %q", record, out[4:], want)
		}
	})
}

func expectedMessages(doc map[string]any) (string, bool) {
	mt, ok := doc["messageType"].(string)
	if !ok {
		return "", false
	}
	events, ok := doc["logEvents"].([]any)
	if !ok {
		return "", false
	}
	var out []byte
	for _, e := range events {
		ev, ok := e.(map[string]any)
		if !ok {
			return "", false
		}
		m, ok := ev["message"].(string)
		if !ok {
			return "", false
		}
		out = append(append(out, m...), '\n')
	}
	switch mt {
	case "DATA_MESSAGE":
		return string(out), true
	case "CONTROL_MESSAGE":
		return "", true
	}
	return "", false
}

// FuzzDecompress: decompression never panics, never passes its bound, and
// agrees with compress/gzip on what both read.
func FuzzDecompress(f *testing.F) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(cwlPayload(5))
	zw.Close()
	f.Add(buf.Bytes())
	f.Add(append(bytes.Clone(buf.Bytes()), buf.Bytes()...))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"))
	const limit = 64 << 10
	d := &Decompressor{MaxSize: limit}
	f.Fuzz(func(t *testing.T, record []byte) {
		out, fail := d.Decompress([]byte("keep"), record)
		if fail != nil {
			if string(out) != "keep" {
				t.Fatalf("failure changed dst")
			}
		} else if len(out)-4 > limit {
			t.Fatalf("%d bytes past the limit", len(out)-4)
		}
		zr, err := gzip.NewReader(bytes.NewReader(record))
		if err != nil {
			return
		}
		want, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil || len(want) > limit {
			return
		}
		if fail != nil || !bytes.Equal(out[4:], want) {
			t.Fatalf("compress/gzip reads %d bytes, we: %v", len(want), fail)
		}
	})
}

// FuzzExtract: metadata extraction never panics, reads as JSON exactly
// what encoding/json does (but for jq 1.6's depth limit), and gives keys
// only from objects.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(`{"customer_id":"1","type":{"device":"d"},"event_timestamp":1565382027}`))
	f.Add([]byte(`{"customer_id":1e400,"type":{"device":[1]},"event_timestamp":-1.5}`))
	f.Add([]byte(`{"a":1}{"a":2}`))
	f.Add([]byte("\xef\xbb\xbf{\"customer_id\":\"\\ud800\"}"))
	m, cerr := CompileQuery(`{customer_id:.customer_id, device:.type.device, year:.event_timestamp|strftime("%Y"), s: "\(.customer_id)"}`)
	if cerr != nil {
		f.Fatal(cerr)
	}
	m.MaxSteps = 100_000
	fast := mustCompile(f, `{customer_id:.customer_id, device:.type.device}`)
	slow := mustCompile(f, `{customer_id:.customer_id, device:.type.device}`)
	slow.noFast = true
	f.Fuzz(func(t *testing.T, record []byte) {
		compareExtract(t, fast, slow, record)
		_, perr := parseDocument(record)
		valid := json.Valid(bytes.TrimPrefix(record, []byte("\xef\xbb\xbf")))
		if (perr == nil) != valid && !(valid && errors.Is(perr, errJSONDepth)) {
			t.Fatalf("%q: ours %v, encoding/json valid %v", record, perr, valid)
		}
		keys, fail := m.Extract(nil, record)
		if perr != nil && (fail == nil || fail.Message != MsgNonJSON) {
			t.Fatalf("%q: not JSON, got %v %v", record, keys, fail)
		}
		if fail == nil && len(keys) != 4 {
			t.Fatalf("%q: keys %v", record, keys)
		}
	})
}
