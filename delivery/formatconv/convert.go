package formatconv

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Column is a table column: its name and Hive type string as Glue keeps it
// ("int", "decimal(10,2)", "array<struct<a:int,b:string>>", ...).
type Column struct{ Name, Type string }

// Options are the SerDe settings of a stream's DataFormatConversionConfiguration.
type Options struct {
	// Deserializer: HiveJSON false = OpenX JSON SerDe.
	HiveJSON bool
	// CaseInsensitive (OpenX) matches JSON keys to columns ignoring case.
	// Firehose's default is true; the caller passes it.
	CaseInsensitive bool
	// ConvertDotsInJSONKeysToUnderscores (OpenX) reads the key "a.b" as "a_b".
	ConvertDotsInJSONKeysToUnderscores bool
	// ColumnToJSONKeyMappings (OpenX) maps a column name to the JSON key
	// that fills it.
	ColumnToJSONKeyMappings map[string]string
	// TimestampFormats (Hive) are Joda-Time patterns or "millis".
	TimestampFormats []string

	// Serializer: Parquet.
	Compression                 string // "UNCOMPRESSED", "GZIP", "SNAPPY" (default), "ZSTD"
	BlockSizeBytes              int    // row group target size (default 256 MiB)
	PageSizeBytes               int    // page target size (default 1 MiB)
	EnableDictionaryCompression bool
	WriterVersion               string // "V1" (default) | "V2": data page version
}

// Failure is a record that could not be converted.
type Failure struct {
	Index         int // of the record in Convert's argument
	Code, Message string
}

// The error codes Firehose gives records it cannot convert.
const (
	CodeMalformedData = "DataFormatConversion.MalformedData"
	CodeParseError    = "DataFormatConversion.ParseError"
)

const (
	msgEmpty     = "The record was empty or contained only whitespace."
	msgMalformed = "Encountered malformed JSON. "
	msgMismatch  = "Data does not match the schema. "
	msgTextField = "One or more fields have incorrect format. Exception when validating field (root)"
)

const (
	defaultBlockSize = 256 << 20
	defaultPageSize  = 1 << 20
	// rowBatch is how many rows are handed to parquet-go at once.
	rowBatch = 4096
)

// Converter turns JSON records into Parquet files for one table. A
// Converter keeps buffers between calls: use it from one goroutine at a
// time (a Converter per stream).
type Converter struct {
	root   *node
	leaves int
	schema *parquet.Schema
	opts   Options
	hiveTS []timestampFormat
	writer []parquet.WriterOption
	w      *parquet.GenericWriter[any] // reused from call to call
	block  int

	p      jsonParser
	cols   [][]parquet.Value // pending values of each leaf column
	marks  []int             // len of each of cols when the current record began
	rep    []bool            // whether each leaf column is repeated
	rows   int               // pending rows
	arena  arena
	size   int
	text   []byte
	keyBuf []byte
}

// node is a compiled Hive type: where its values go in a Parquet row.
type node struct {
	Type
	lo, hi int // leaf columns under this node
	col    int // leaf column, for primitives
	rep    int // repetition level of the list or map's repeated group
	def    int // definition level when this node's value is present
	elem   *node
	key    *node
	fields []*node
	lookup map[string]int // normalised JSON key -> field
	keys   []string       // normalised JSON key of each field
	slots  []int32        // scratch: value of each field in the current object
	size   int            // decimal byte width
}

// New checks the schema (every type parses; uniontype and unknown types are
// refused) and the options (a bad Hive timestamp pattern is an error).
func New(cols []Column, o Options) (*Converter, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("formatconv: the table has no columns")
	}
	c := &Converter{opts: o}
	root := Type{Kind: Struct}
	seen := map[string]bool{}
	for _, col := range cols {
		t, err := ParseType(col.Type)
		if err != nil {
			return nil, fmt.Errorf("formatconv: column %q: %w", col.Name, err)
		}
		if col.Name == "" {
			return nil, fmt.Errorf("formatconv: a column has no name")
		}
		if seen[strings.ToLower(col.Name)] {
			return nil, fmt.Errorf("formatconv: column %q appears twice", col.Name)
		}
		seen[strings.ToLower(col.Name)] = true
		if o.HiveJSON && strings.Contains(col.Name, ".") {
			return nil, fmt.Errorf("formatconv: column %q: the Hive JSON SerDe does not accept dots in column names", col.Name)
		}
		root.Fields = append(root.Fields, Field{Name: col.Name, Type: t})
	}
	if o.HiveJSON {
		for _, f := range o.TimestampFormats {
			tf, err := compileTimestampFormat(f)
			if err != nil {
				return nil, fmt.Errorf("formatconv: timestamp format %q: %w", f, err)
			}
			c.hiveTS = append(c.hiveTS, tf)
		}
	}
	c.root = c.compile(&root, 0, 0, true)
	c.cols = make([][]parquet.Value, c.leaves)
	c.marks = make([]int, c.leaves)
	c.rep = make([]bool, c.leaves)
	c.markRepeated(c.root, false)

	var codec compress.Codec
	switch strings.ToUpper(o.Compression) {
	case "", "SNAPPY":
		codec = &snappy.Codec{}
	case "UNCOMPRESSED":
		codec = &uncompressed.Codec{}
	case "GZIP":
		codec = &gzip.Codec{}
	case "ZSTD":
		codec = &zstd.Codec{}
	default:
		return nil, fmt.Errorf("formatconv: unknown compression %q", o.Compression)
	}
	version := 1
	switch strings.ToUpper(o.WriterVersion) {
	case "", "V1":
	case "V2":
		version = 2
	default:
		return nil, fmt.Errorf("formatconv: unknown writer version %q", o.WriterVersion)
	}
	enc := encodings{dict: o.EnableDictionaryCompression, plain: version == 1}
	c.schema = parquet.NewSchema("hive_schema", requiredNode(&root, enc))
	page := o.PageSizeBytes
	if page <= 0 {
		page = defaultPageSize
	}
	c.block = o.BlockSizeBytes
	if c.block <= 0 {
		c.block = defaultBlockSize
	}
	c.writer = []parquet.WriterOption{
		c.schema,
		parquet.Compression(codec),
		parquet.PageBufferSize(page),
		parquet.DataPageVersion(version),
		parquet.CreatedBy("firehose-local", "", ""),
	}
	return c, nil
}

// compile lays out t: leaf column numbers in schema order and the
// repetition and definition levels of each node.
func (c *Converter) compile(t *Type, rep, def int, top bool) *node {
	n := &node{Type: *t, lo: c.leaves, rep: rep, def: def}
	if !top {
		n.def = def + 1 // every value Hive writes is optional
	}
	switch t.Kind {
	case Array:
		n.rep = rep + 1
		// LIST group present (def), repeated group (def+1), element (def+2).
		n.elem = c.compile(t.Elem, rep+1, n.def+1, false)
	case Map:
		n.rep = rep + 1
		k := &node{Type: *t.Key, lo: c.leaves, col: c.leaves, rep: rep + 1, def: n.def + 1}
		c.leaves++
		k.hi = c.leaves
		k.size = decimalSize(max(t.Key.Precision, 1))
		n.key = k
		n.elem = c.compile(t.Elem, rep+1, n.def+1, false)
	case Struct:
		n.lookup = map[string]int{}
		n.slots = make([]int32, len(t.Fields))
		for i := range t.Fields {
			f := c.compile(&t.Fields[i].Type, rep, n.def, false)
			n.fields = append(n.fields, f)
			name := t.Fields[i].Name
			if top {
				if k, ok := c.opts.ColumnToJSONKeyMappings[name]; ok && !c.opts.HiveJSON {
					name = k
				}
			}
			n.lookup[c.normalise(name)] = i
			n.keys = append(n.keys, c.normalise(name))
		}
	default:
		n.col = c.leaves
		c.leaves++
		if t.Kind == Decimal {
			n.size = decimalSize(t.Precision)
		}
	}
	n.hi = c.leaves
	return n
}

// caseless reports whether JSON keys are matched ignoring case: always for
// the Hive SerDe, as set for OpenX.
func (c *Converter) caseless() bool { return c.opts.HiveJSON || c.opts.CaseInsensitive }

func (c *Converter) normalise(k string) string {
	if c.caseless() {
		k = strings.ToLower(k)
	}
	if !c.opts.HiveJSON && c.opts.ConvertDotsInJSONKeysToUnderscores {
		k = strings.ReplaceAll(k, ".", "_")
	}
	return k
}

// keyIs reports whether key, read from a record, normalises to want (a
// normalised key), without copying an ASCII key.
func (c *Converter) keyIs(key []byte, want string) bool {
	lower, dots := c.caseless(), !c.opts.HiveJSON && c.opts.ConvertDotsInJSONKeysToUnderscores
	for _, b := range key {
		if b >= 0x80 {
			return string(c.normaliseKey(key)) == want
		}
	}
	if len(key) != len(want) {
		return false
	}
	for i, b := range key {
		if lower && b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		if dots && b == '.' {
			b = '_'
		}
		if b != want[i] {
			return false
		}
	}
	return true
}

// normaliseKey is normalise for a key read from a record, without
// allocating for ASCII keys.
func (c *Converter) normaliseKey(k []byte) []byte {
	lower, dots := c.caseless(), !c.opts.HiveJSON && c.opts.ConvertDotsInJSONKeysToUnderscores
	if !lower && !dots {
		return k
	}
	change := false
	for _, b := range k {
		if b >= 0x80 || lower && b >= 'A' && b <= 'Z' || dots && b == '.' {
			change = true
			break
		}
	}
	if !change {
		return k
	}
	c.keyBuf = c.keyBuf[:0]
	for _, b := range k {
		if b >= 0x80 {
			s := string(k)
			if lower {
				s = strings.ToLower(s)
			}
			if dots {
				s = strings.ReplaceAll(s, ".", "_")
			}
			return []byte(s)
		}
		if lower && b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		if dots && b == '.' {
			b = '_'
		}
		c.keyBuf = append(c.keyBuf, b)
	}
	return c.keyBuf
}

// Convert converts records to one Parquet file. Each record holds one
// JSON object or several concatenated ({"a":1}{"a":2}), each a row.
// Records that cannot be converted are left out and reported with AWS's
// error code and message; file is nil when no row was written. err is
// for failures of the writer itself.
func (c *Converter) Convert(records [][]byte) (file []byte, failed []Failure, err error) {
	buf := new(bytes.Buffer)
	if c.w == nil {
		c.w = parquet.NewGenericWriter[any](buf, c.writer...)
	} else {
		c.w.Reset(buf)
	}
	w := c.w
	written := 0
	c.size = 0
	c.rows = 0
	for i := range c.cols {
		c.cols[i] = c.cols[i][:0]
	}
	c.arena.reset()
	for i, rec := range records {
		for col := range c.cols {
			c.marks[col] = len(c.cols[col])
		}
		rows, sizeMark := c.rows, c.size
		if f := c.record(rec); f != nil {
			f.Index = i
			failed = append(failed, *f)
			for col := range c.cols {
				c.cols[col] = c.cols[col][:c.marks[col]]
			}
			c.rows, c.size = rows, sizeMark
			continue
		}
		if c.rows >= rowBatch || c.size >= c.block {
			n, err := c.flush(w)
			written += n
			if err != nil {
				c.w = nil
				return nil, nil, err
			}
			if c.size >= c.block {
				if err := w.Flush(); err != nil {
					c.w = nil
					return nil, nil, err
				}
				c.size = 0
			}
		}
	}
	n, err := c.flush(w)
	written += n
	if err != nil {
		c.w = nil
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		c.w = nil
		return nil, nil, err
	}
	if written == 0 {
		return nil, failed, nil
	}
	return buf.Bytes(), failed, nil
}

// writeChunk is how many rows are handed to a column writer at once: as
// parquet-go's row path does, so that pages are cut where it cuts them
// (a page ends after the write that fills it).
const writeChunk = 64

// flush hands the pending rows to the writer's columns.
func (c *Converter) flush(w *parquet.GenericWriter[any]) (int, error) {
	if c.rows == 0 {
		return 0, nil
	}
	for col, cw := range w.ColumnWriters() {
		vals := c.cols[col]
		for len(vals) > 0 {
			end := min(writeChunk, len(vals))
			if c.rep[col] {
				// A row starts at each value of repetition level 0.
				rows := 0
				end = len(vals)
				for j := range vals {
					if vals[j].RepetitionLevel() == 0 {
						if rows == writeChunk {
							end = j
							break
						}
						rows++
					}
				}
			}
			if _, err := cw.WriteRowValues(vals[:end]); err != nil {
				return 0, err
			}
			vals = vals[end:]
		}
		clear(c.cols[col]) // drop the references to record bytes
		c.cols[col] = c.cols[col][:0]
	}
	n := c.rows
	c.rows = 0
	c.arena.reset()
	return n, nil
}

// markRepeated records which leaf columns are under a list or map.
func (c *Converter) markRepeated(n *node, rep bool) {
	switch n.Kind {
	case Array:
		c.markRepeated(n.elem, true)
	case Map:
		c.rep[n.key.col] = true
		c.markRepeated(n.elem, true)
	case Struct:
		for _, f := range n.fields {
			c.markRepeated(f, rep)
		}
	default:
		c.rep[n.col] = rep
	}
}

// record converts one record into pending rows, or says why it cannot.
func (c *Converter) record(rec []byte) *Failure {
	if len(bytes.TrimLeft(rec, " \t\r\n\f\v")) == 0 {
		return &Failure{Code: CodeMalformedData, Message: msgEmpty}
	}
	c.p.reset(rec)
	var tops []int32
	for {
		v, ok, err := c.p.next()
		if err != nil {
			return &Failure{Code: CodeParseError, Message: msgMalformed + err.Error()}
		}
		if !ok {
			break
		}
		tops = append(tops, v)
	}
	for _, v := range tops {
		if c.p.vals[v].kind != jObject {
			return &Failure{Code: CodeMalformedData, Message: msgMismatch + "java.io.IOException: Start of Object expected"}
		}
		if err := c.object(c.root, v, 0); err != nil {
			return &Failure{Code: CodeMalformedData, Message: err.Error()}
		}
		c.rows++
	}
	return nil
}

type mismatchError struct{ msg string }

func (e *mismatchError) Error() string { return e.msg }

func mismatch(format string, args ...any) error {
	return &mismatchError{msgMismatch + fmt.Sprintf(format, args...)}
}

// nulls writes a null at repetition level r and definition level d to
// every leaf under n.
func (c *Converter) nulls(n *node, r, d int) {
	for col := n.lo; col < n.hi; col++ {
		c.cols[col] = append(c.cols[col], parquet.NullValue().Level(r, d, col))
	}
	c.size += n.hi - n.lo
}

// value writes JSON value v (-1 for missing) of node n at repetition r.
func (c *Converter) value(n *node, v int32, r int) error {
	if v < 0 || c.p.vals[v].kind == jNull {
		c.nulls(n, r, n.def-1)
		return nil
	}
	switch n.Kind {
	case Struct:
		return c.object(n, v, r)
	case Array:
		val := &c.p.vals[v]
		if val.kind != jArray {
			return mismatch("java.io.IOException: Start of Array expected")
		}
		if val.n == 0 {
			c.nulls(n, r, n.def)
			return nil
		}
		for i := int32(0); i < val.n; i++ {
			rr := r
			if i > 0 {
				rr = n.rep
			}
			if err := c.value(n.elem, c.p.kids[val.first+i], rr); err != nil {
				return err
			}
		}
		return nil
	case Map:
		return c.mapValue(n, v, r)
	default:
		return c.leaf(n, v, r)
	}
}

// leaf writes JSON value v (not null) of primitive node n at repetition
// r. The common cases are converted here; scalar has the rest and every
// error.
func (c *Converter) leaf(n *node, v int32, r int) error {
	val := &c.p.vals[v]
	var pv parquet.Value
	size := 8
	switch {
	case val.kind == jString && (n.Kind == String || n.Kind == Binary):
		b := c.p.text(val)
		pv, size = parquet.ByteArrayValue(b), len(b)+4
	case val.kind == jNumber && (n.Kind == Int || n.Kind == BigInt):
		i, ok := parseInt64(c.p.text(val))
		switch {
		case ok && n.Kind == BigInt:
			pv = parquet.Int64Value(i)
		case ok && i >= math.MinInt32 && i <= math.MaxInt32:
			pv, size = parquet.Int32Value(int32(i)), 4
		default:
			return c.leafSlow(n, v, r)
		}
	case val.kind == jNumber && n.Kind == Double:
		f, err := strconv.ParseFloat(bytesView(c.p.text(val)), 64)
		if err != nil {
			return c.leafSlow(n, v, r)
		}
		pv = parquet.DoubleValue(f)
	case val.kind <= jTrue && val.kind >= jFalse && n.Kind == Boolean:
		pv, size = parquet.BooleanValue(val.kind == jTrue), 1
	default:
		return c.leafSlow(n, v, r)
	}
	c.put(n.col, pv, r, n.def)
	c.size += size
	return nil
}

// put appends pv at levels r and d to column col. The value is stored in
// place: appending the result of Level copies it through the stack, which
// stalls on store forwarding.
func (c *Converter) put(col int, pv parquet.Value, r, d int) {
	s := c.cols[col]
	if len(s) == cap(s) {
		s = append(s, parquet.Value{})
	} else {
		s = s[:len(s)+1]
	}
	s[len(s)-1] = pv.Level(r, d, col)
	c.cols[col] = s
}

func (c *Converter) leafSlow(n *node, v int32, r int) error {
	pv, err := c.scalar(n, v)
	if err != nil {
		return err
	}
	if pv.IsNull() {
		c.nulls(n, r, n.def-1)
		return nil
	}
	c.cols[n.col] = append(c.cols[n.col], pv.Level(r, n.def, n.col))
	c.size += valueSize(pv)
	return nil
}

// object writes a JSON object into struct node n (the root included).
func (c *Converter) object(n *node, v int32, r int) error {
	val := &c.p.vals[v]
	if val.kind != jObject {
		return mismatch("java.io.IOException: Start of Object expected")
	}
	for i := range n.slots {
		n.slots[i] = -1
	}
	next := 0 // members usually come in column order: try the next field first
	for i := int32(0); i < val.n; i += 2 {
		raw := c.p.text(&c.p.vals[c.p.kids[val.first+i]])
		f, ok := next, next < len(n.keys) && c.keyIs(raw, n.keys[next])
		if !ok {
			f, ok = n.lookup[string(c.normaliseKey(raw))]
		}
		if ok {
			n.slots[f] = c.p.kids[val.first+i+1] // the last of duplicate keys wins
			next = f + 1
		}
	}
	// The slots are read before recursing: nested values of the same
	// struct type cannot occur (types are trees), but copy to be safe.
	var small [16]int32
	slots := append(small[:0], n.slots...)
	for i, f := range n.fields {
		if err := c.value(f, slots[i], r); err != nil {
			return err
		}
	}
	return nil
}

func (c *Converter) mapValue(n *node, v int32, r int) error {
	val := &c.p.vals[v]
	if val.kind != jObject {
		return mismatch("java.io.IOException: Start of Object expected")
	}
	first := true
	for i := int32(0); i < val.n; i += 2 {
		kv := c.p.kids[val.first+i]
		if c.laterKey(val, i) {
			continue // a later duplicate key replaces this entry
		}
		kp, err := c.mapKey(n.key, c.p.text(&c.p.vals[kv]))
		if err != nil {
			return err
		}
		rr := n.rep
		if first {
			rr, first = r, false
		}
		c.cols[n.key.col] = append(c.cols[n.key.col], kp.Level(rr, n.key.def, n.key.col))
		c.size += valueSize(kp)
		if err := c.value(n.elem, c.p.kids[val.first+i+1], rr); err != nil {
			return err
		}
	}
	if first {
		c.nulls(n, r, n.def) // an empty map
	}
	return nil
}

// laterKey reports whether the key at member i of object val appears again
// later in it.
func (c *Converter) laterKey(val *jval, i int32) bool {
	k := c.p.text(&c.p.vals[c.p.kids[val.first+i]])
	for j := i + 2; j < val.n; j += 2 {
		if bytes.Equal(k, c.p.text(&c.p.vals[c.p.kids[val.first+j]])) {
			return true
		}
	}
	return false
}
