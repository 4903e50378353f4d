package redshiftcopy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a target column's type means to COPY's options.
type Kind int

const (
	Other       Kind = iota
	Char             // CHAR, VARCHAR, TEXT: EMPTYASNULL, BLANKSASNULL, TRIMBLANKS, TRUNCATECOLUMNS
	Timestamp        // TIMEFORMAT
	TimestampTZ      // TIMEFORMAT
	Date             // DATEFORMAT
)

// Column is one column the COPY loads.
type Column struct {
	Name   string
	Kind   Kind
	MaxLen int // characters of a CHAR or VARCHAR; 0: unbounded
}

// KindOf classifies a PostgreSQL type as format_type names it, e.g.
// "character varying(20)", "timestamp without time zone".
func KindOf(typ string) (Kind, int) {
	t := strings.ToLower(typ)
	maxLen := 0
	if i := strings.IndexByte(t, '('); i >= 0 {
		if j := strings.IndexByte(t[i:], ')'); j > 0 {
			maxLen, _ = strconv.Atoi(t[i+1 : i+j])
		}
		t = strings.TrimSpace(t[:i]) + t[i+strings.IndexByte(t[i:], ')')+1:]
	}
	switch {
	case strings.HasPrefix(t, "character"), t == "text", t == "bpchar", t == "varchar", t == "char", t == "name":
		return Char, maxLen
	case strings.HasPrefix(t, "timestamp") && strings.Contains(t, "with time zone") && !strings.Contains(t, "without"):
		return TimestampTZ, 0
	case strings.HasPrefix(t, "timestamp"):
		return Timestamp, 0
	case t == "date":
		return Date, 0
	}
	return Other, 0
}

// RowError is data COPY cannot load (Redshift's stl_load_errors).
type RowError struct {
	Object string // s3://bucket/key
	Line   int    // 1-based line (text, CSV) or record (JSON)
	Column string // "" if not about one column
	Reason string
}

func (e *RowError) Error() string {
	where := fmt.Sprintf("%s, line %d", e.Object, e.Line)
	if e.Column != "" {
		where += ", column " + e.Column
	}
	return where + ": " + e.Reason
}

// JSONPathsError is a JSONPaths file COPY cannot use.
type JSONPathsError struct{ Reason string }

func (e *JSONPathsError) Error() string { return e.Reason }

// Translator turns staged objects into rows of PostgreSQL's COPY text
// format (tab-separated, \N for NULL), for COPY <table> (<columns>) FROM
// STDIN.
type Translator struct {
	o     *Options
	cols  []Column
	paths []pathSteps
	lower map[string]int // JSON 'auto ignorecase': lower-case name -> column
	index map[string]int // JSON 'auto': name -> column
	// Out receives the rows; with a sink (SetSink) it holds those not
	// yet written to it.
	Out  bytes.Buffer
	Rows int
	sink io.Writer

	row   []field
	delim []byte
}

type field struct {
	v    []byte
	null bool
}

// NewTranslator prepares a COPY of cols. jsonPaths is the JSONPaths
// file's content when the options name one.
func (o *Options) NewTranslator(cols []Column, jsonPaths []byte) (*Translator, error) {
	t := &Translator{o: o, cols: cols, row: make([]field, len(cols)), delim: []byte(o.FieldDelimiter())}
	if o.Format == JSON && o.JSONPaths != "" {
		paths, err := parseJSONPaths(jsonPaths)
		if err != nil {
			return nil, err
		}
		if len(paths) != len(cols) {
			return nil, &JSONPathsError{Reason: fmt.Sprintf("Number of jsonpaths (%d) and the number of columns (%d) should match.", len(paths), len(cols))}
		}
		t.paths = paths
	}
	t.index = make(map[string]int, len(cols))
	for i, c := range cols {
		t.index[c.Name] = i
	}
	if o.Format == JSON && o.IgnoreCase {
		t.lower = make(map[string]int, len(cols))
		for i, c := range cols {
			t.lower[strings.ToLower(c.Name)] = i
		}
	}
	return t, nil
}

// Add translates one staged object, named for errors.
func (t *Translator) Add(object string, data []byte) error {
	if t.o.GZIP {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return &RowError{Object: object, Line: 1, Reason: "gzip: " + err.Error()}
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return &RowError{Object: object, Line: 1, Reason: "gzip: " + err.Error()}
		}
		data = plain
	}
	switch t.o.Format {
	case JSON:
		if t.paths == nil {
			return t.addJSONAuto(object, data)
		}
		return t.addJSON(object, data)
	case CSV:
		return t.addDelimited(object, data, true)
	}
	return t.addDelimited(object, data, false)
}

// emit writes t.row as one output row, applying the column options.
func (t *Translator) emit(object string, line int) error {
	out := &t.Out
	for i := range t.row {
		if i > 0 {
			out.WriteByte('\t')
		}
		f := t.row[i]
		c := t.cols[i]
		v := f.v
		if !f.null {
			switch c.Kind {
			case Char:
				blank := t.o.BlanksAsNull && len(v) > 0 && len(bytes.TrimSpace(v)) == 0
				if t.o.TrimBlanks {
					v = bytes.TrimRightFunc(v, unicode.IsSpace)
				}
				if (t.o.EmptyAsNull && len(v) == 0 && !blank) || blank {
					f.null = true
				} else if t.o.TruncateColumns && c.MaxLen > 0 && utf8.RuneCount(v) > c.MaxLen {
					n, cut := 0, 0
					for cut < len(v) && n < c.MaxLen {
						_, size := utf8.DecodeRune(v[cut:])
						cut += size
						n++
					}
					v = v[:cut]
				}
			default:
				// Empty fields of other types are always loaded as NULL.
				if len(v) == 0 || (t.o.BlanksAsNull && len(bytes.TrimSpace(v)) == 0) {
					f.null = true
				} else if c.Kind != Other {
					format := t.o.TimeFormat
					if c.Kind == Date {
						format = t.o.DateFormat
					}
					if format != "" && !(format == "auto" && isoLocal(v)) {
						s, ok := convertTime(string(v), format, c.Kind == Date, c.Kind == TimestampTZ)
						if !ok {
							return &RowError{Object: object, Line: line, Column: c.Name, Reason: fmt.Sprintf("Invalid timestamp format or value [%s] for the format '%s'.", v, format)}
						}
						v = []byte(s)
					}
				}
			}
		}
		if f.null {
			out.WriteString(`\N`)
			continue
		}
		writeEscaped(out, v)
	}
	out.WriteByte('\n')
	t.Rows++
	if t.sink != nil && out.Len() >= sinkChunk {
		return t.Flush()
	}
	return nil
}

// sinkChunk is how much output a translator with a sink buffers.
const sinkChunk = 256 << 10

// SetSink makes the translator write its rows to w as it goes, in chunks
// (so that the server can load while the rest is translated); Flush writes
// the rest.
func (t *Translator) SetSink(w io.Writer) { t.sink = w }

// Flush writes the buffered rows to the sink.
func (t *Translator) Flush() error {
	if t.sink == nil || t.Out.Len() == 0 {
		return nil
	}
	_, err := t.sink.Write(t.Out.Bytes())
	t.Out.Reset()
	if err != nil {
		return &SinkError{err}
	}
	return nil
}

// SinkError is a failed write to the sink: not the data's fault.
type SinkError struct{ Err error }

func (e *SinkError) Error() string { return e.Err.Error() }
func (e *SinkError) Unwrap() error { return e.Err }

// writeEscaped writes v in PostgreSQL's COPY text format.
func writeEscaped(out *bytes.Buffer, v []byte) {
	start := 0
	for i, c := range v {
		var esc string
		switch c {
		case '\\':
			esc = `\\`
		case '\t':
			esc = `\t`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		default:
			continue
		}
		out.Write(v[start:i])
		out.WriteString(esc)
		start = i + 1
	}
	out.Write(v[start:])
}

// addDelimited reads delimited text (csv: RFC 4180 quoting with the QUOTE
// character) one line at a time.
func (t *Translator) addDelimited(object string, data []byte, csv bool) error {
	line, skip := 0, t.o.IgnoreHeader
	var fields []field
	for len(data) > 0 {
		line++
		var err error
		var consumed, lines int
		fields, consumed, lines, err = t.splitLine(fields[:0], data, csv)
		if err != nil {
			return &RowError{Object: object, Line: line, Reason: err.Error()}
		}
		raw := data[:consumed]
		data = data[consumed:]
		line += lines
		if skip > 0 {
			skip--
			continue
		}
		if len(bytes.TrimRight(raw, "\r\n")) == 0 && (t.o.IgnoreBlankLines || len(data) == 0) {
			continue
		}
		switch {
		case len(fields) > len(t.cols):
			return &RowError{Object: object, Line: line, Reason: "Extra column(s) found"}
		case len(fields) < len(t.cols) && !t.o.FillRecord:
			return &RowError{Object: object, Line: line, Reason: "Delimiter not found"}
		}
		for i := range t.row {
			if i < len(fields) {
				t.row[i] = fields[i]
			} else {
				t.row[i] = field{null: true}
			}
		}
		if err := t.emit(object, line); err != nil {
			return err
		}
	}
	return nil
}

// splitLine splits the first line of data into fields. It returns the
// bytes consumed (the line and its newline) and how many newlines inside
// quoted fields (or escaped) it also consumed.
func (t *Translator) splitLine(fields []field, data []byte, csv bool) ([]field, int, int, error) {
	o := t.o
	delim := t.delim
	// Fast path: no quoting or escaping to do.
	if !csv && !o.Escape && !o.RemoveQuotes {
		end := bytes.IndexByte(data, '\n')
		consumed := end + 1
		if end < 0 {
			end, consumed = len(data), len(data)
		}
		l := data[:end]
		for {
			i := bytes.Index(l, delim)
			if i < 0 {
				fields = append(fields, t.textField(l, false))
				break
			}
			fields = append(fields, t.textField(l[:i], false))
			l = l[i+len(delim):]
		}
		return fields, consumed, 0, nil
	}
	var cur []byte
	quotedField, inQuotes, started := false, false, false
	extra := 0
	i, start := 0, 0
	flush := func() {
		// The NULL AS string is matched against the field as written,
		// before its escapes are undone.
		if !quotedField && !csv && string(data[start:i]) == o.Null {
			fields = append(fields, field{null: true})
		} else if csv || o.RemoveQuotes {
			fields = append(fields, t.textField(cur, quotedField))
		} else {
			fields = append(fields, field{v: cur})
		}
		cur, quotedField, started = nil, false, false
	}
	q := o.Quote
	if !csv {
		q = '"'
	}
	for i < len(data) {
		c := data[i]
		switch {
		case inQuotes:
			if csv && c == q {
				if i+1 < len(data) && data[i+1] == q {
					cur = append(cur, q)
					i += 2
					continue
				}
				inQuotes = false
				i++
				continue
			}
			if !csv && o.Escape && c == '\\' && i+1 < len(data) {
				if data[i+1] == '\n' {
					extra++
				}
				cur = append(cur, data[i+1])
				i += 2
				continue
			}
			if !csv && c == q {
				inQuotes = false
				i++
				continue
			}
			if c == '\n' {
				extra++
			}
			cur = append(cur, c)
			i++
		case !started && c == q && (csv || o.RemoveQuotes):
			inQuotes, quotedField, started = true, true, true
			i++
		case !csv && o.Escape && c == '\\' && i+1 < len(data):
			if data[i+1] == '\n' {
				extra++
			}
			cur = append(cur, data[i+1])
			started = true
			i += 2
		case c == '\n':
			flush()
			return fields, i + 1, extra, nil
		case bytes.HasPrefix(data[i:], delim):
			flush()
			i += len(delim)
			start = i
		default:
			if c == '\r' && csv && i+1 < len(data) && data[i+1] == '\n' {
				i++
				continue
			}
			cur = append(cur, c)
			started = true
			i++
		}
	}
	if inQuotes {
		return nil, 0, 0, errUnterminated
	}
	flush()
	return fields, len(data), extra, nil
}

// errUnterminated is Redshift's stl_load_errors reason, capitalised as
// Redshift writes it.
var errUnterminated = errors.New("Unterminated quoted field") //lint:ignore ST1005 Redshift's text

// textField is a delimited field: NULL when it is the NULL AS string
// (and not quoted).
func (t *Translator) textField(v []byte, quoted bool) field {
	if !quoted && string(v) == t.o.Null {
		return field{null: true}
	}
	return field{v: v}
}

// addJSON reads a sequence of JSON objects (Redshift's JSON input: objects
// one after another, any whitespace between).
func (t *Translator) addJSON(object string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for n := 1; ; n++ {
		var doc map[string]json.RawMessage
		err := dec.Decode(&doc)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &RowError{Object: object, Line: n, Reason: "Invalid JSON object or array: " + err.Error()}
		}
		if doc == nil {
			return &RowError{Object: object, Line: n, Reason: "Invalid JSONPath format: the record is not a JSON object"}
		}
		for i := range t.row {
			t.row[i] = field{null: true}
		}
		switch {
		case t.paths != nil:
			for i, p := range t.paths {
				v, ok, err := p.eval(doc)
				if err != nil {
					return &RowError{Object: object, Line: n, Column: t.cols[i].Name, Reason: err.Error()}
				}
				if ok {
					t.row[i] = jsonField(v)
				}
			}
		case t.lower != nil:
			for k, v := range doc {
				if i, ok := t.lower[strings.ToLower(k)]; ok {
					t.row[i] = jsonField(v)
				}
			}
		default:
			for i, c := range t.cols {
				if v, ok := doc[c.Name]; ok {
					t.row[i] = jsonField(v)
				}
			}
		}
		if err := t.emit(object, n); err != nil {
			return err
		}
	}
}

// jsonField is a JSON value as COPY loads it: a string's content, a
// number or boolean as written, null as NULL, an object or array as its
// compact JSON text.
func jsonField(v json.RawMessage) field {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return field{null: true}
	}
	switch v[0] {
	case 'n':
		return field{null: true}
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return field{v: v}
		}
		return field{v: []byte(s)}
	case '{', '[':
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			return field{v: buf.Bytes()}
		}
	}
	return field{v: v}
}
