// Package redshiftcopy translates the COPY Firehose issues to a Redshift
// cluster into what a PostgreSQL server can load: it parses the
// destination's CopyOptions, and turns the staged objects into rows in
// PostgreSQL's COPY text format, applying the options (JSON 'auto',
// JSONPaths, CSV, DELIMITER, GZIP, TIMEFORMAT, ...) as Redshift would. No
// I/O.
package redshiftcopy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Format is the input data format of a COPY.
type Format int

const (
	Text Format = iota // delimited text, '|' by default
	CSV
	JSON
)

// Options are the CopyOptions of a Redshift destination, parsed.
type Options struct {
	Format     Format
	Delimiter  string // one character; "" for the format's default
	Quote      byte   // CSV quote character
	JSONPaths  string // s3://bucket/key of a JSONPaths file; "" for 'auto'
	IgnoreCase bool   // JSON 'auto ignorecase'
	GZIP       bool
	TimeFormat string // "", "auto", "epochsecs", "epochmillisecs" or a Redshift format
	DateFormat string // "", "auto" or a Redshift format

	IgnoreHeader     int
	Null             string // the NULL AS string; "\N" by default
	EmptyAsNull      bool
	BlanksAsNull     bool
	TrimBlanks       bool
	Escape           bool
	RemoveQuotes     bool
	FillRecord       bool
	IgnoreBlankLines bool
	TruncateColumns  bool
	// Accepted with no effect on the loaded rows: REGION (the staged
	// objects are read from the emulator's S3), COMPUPDATE and STATUPDATE
	// (Redshift's compression encodings and planner statistics).
	Region string
}

// Error is a CopyOptions string that cannot be used. Unsupported is true
// when Redshift would accept it but firehose-local does not implement it.
type Error struct {
	Option      string
	Unsupported bool
	Message     string
}

func (e *Error) Error() string { return e.Message }

// refusal lists options Redshift accepts that firehose-local refuses, with
// the reason.
var refusal = map[string]string{
	"MANIFEST":          "Firehose adds MANIFEST to the COPY it issues",
	"CREDENTIALS":       "Firehose adds CREDENTIALS to the COPY it issues",
	"IAM_ROLE":          "Firehose adds the role to the COPY it issues",
	"ACCESS_KEY_ID":     "Firehose adds the credentials to the COPY it issues",
	"SECRET_ACCESS_KEY": "Firehose adds the credentials to the COPY it issues",
	"SESSION_TOKEN":     "Firehose adds the credentials to the COPY it issues",
	"LZOP":              "not implemented",
	"BZIP2":             "not implemented",
	"ZSTD":              "not implemented",
	"AVRO":              "not implemented",
	"PARQUET":           "not implemented",
	"ORC":               "not implemented",
	"FIXEDWIDTH":        "not implemented",
	"SHAPEFILE":         "not implemented",
	"ENCRYPTED":         "not implemented",
	"ACCEPTINVCHARS":    "not implemented",
	"ACCEPTANYDATE":     "not implemented",
	"ROUNDEC":           "not implemented",
	"EXPLICIT_IDS":      "not implemented",
	"ENCODING":          "not implemented (the data must be UTF-8)",
	"NOLOAD":            "not implemented",
	"READRATIO":         "not implemented",
	"SSH":               "not implemented",
	"SERIALIZETOJSON":   "not implemented",
	"COLUMN":            "not implemented",
	"DATEFORMAT_AUTO":   "not implemented",
	"EXTERNAL":          "not implemented",
	"PARTITION":         "not implemented",
	"IGNOREALLERRORS":   "not implemented",
}

// Parse reads a CopyOptions string.
func Parse(s string) (*Options, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	o := &Options{Quote: '"', Null: `\N`}
	formatSet := false
	setFormat := func(f Format, name string) error {
		if formatSet {
			return &Error{Option: name, Message: "CopyOptions names more than one data format (" + name + ")."}
		}
		formatSet, o.Format = true, f
		return nil
	}
	i := 0
	next := func() (token, bool) {
		if i < len(toks) {
			i++
			return toks[i-1], true
		}
		return token{}, false
	}
	// optAs skips an optional AS.
	optAs := func() {
		if i < len(toks) && !toks[i].quoted && strings.EqualFold(toks[i].text, "AS") {
			i++
		}
	}
	quotedArg := func(name string) (string, error) {
		optAs()
		t, ok := next()
		if !ok || !t.quoted {
			return "", &Error{Option: name, Message: fmt.Sprintf("CopyOptions %s needs a quoted argument.", name)}
		}
		return t.text, nil
	}
	intArg := func(name string) (int, error) {
		optAs()
		t, ok := next()
		n, err := strconv.Atoi(t.text)
		if !ok || t.quoted || err != nil || n < 0 {
			return 0, &Error{Option: name, Message: fmt.Sprintf("CopyOptions %s needs a non-negative number.", name)}
		}
		return n, nil
	}
	for i < len(toks) {
		t, _ := next()
		if t.quoted {
			return nil, &Error{Option: t.text, Message: fmt.Sprintf("CopyOptions has an unexpected quoted string '%s'.", t.text)}
		}
		name := strings.ToUpper(t.text)
		if name == "FORMAT" {
			optAs()
			f, ok := next()
			if !ok || f.quoted {
				return nil, &Error{Option: name, Message: "CopyOptions FORMAT needs a format name."}
			}
			name = strings.ToUpper(f.text)
			switch name {
			case "CSV", "JSON":
			default:
				if why, ok := refusal[name]; ok {
					return nil, &Error{Option: "FORMAT AS " + name, Unsupported: true, Message: why}
				}
				return nil, &Error{Option: name, Message: fmt.Sprintf("CopyOptions FORMAT %s is not a COPY data format.", f.text)}
			}
		}
		switch name {
		case "CSV":
			if err := setFormat(CSV, name); err != nil {
				return nil, err
			}
			if i < len(toks) && !toks[i].quoted && strings.EqualFold(toks[i].text, "QUOTE") {
				i++
				q, err := quotedArg("QUOTE")
				if err != nil {
					return nil, err
				}
				if len(q) != 1 {
					return nil, &Error{Option: "QUOTE", Message: "CopyOptions QUOTE must be one character."}
				}
				o.Quote = q[0]
			}
		case "JSON":
			if err := setFormat(JSON, name); err != nil {
				return nil, err
			}
			arg := "auto"
			if i < len(toks) && (toks[i].quoted || strings.EqualFold(toks[i].text, "AS")) {
				var err error
				if arg, err = quotedArg("JSON"); err != nil {
					return nil, err
				}
			}
			switch low := strings.ToLower(arg); {
			case low == "auto":
			case low == "auto ignorecase":
				o.IgnoreCase = true
			case strings.HasPrefix(low, "s3://"):
				o.JSONPaths = arg
			case low == "noshred":
				return nil, &Error{Option: "JSON 'noshred'", Unsupported: true, Message: "not implemented"}
			default:
				return nil, &Error{Option: "JSON", Message: fmt.Sprintf("CopyOptions JSON '%s' is neither 'auto', 'auto ignorecase' nor an s3:// JSONPaths file.", arg)}
			}
		case "DELIMITER":
			d, err := quotedArg(name)
			if err != nil {
				return nil, err
			}
			if len([]rune(d)) != 1 || d == "\n" || d == "\r" {
				return nil, &Error{Option: name, Message: "CopyOptions DELIMITER must be one character other than a newline."}
			}
			o.Delimiter = d
		case "GZIP":
			o.GZIP = true
		case "TIMEFORMAT", "DATEFORMAT":
			f, err := quotedArg(name)
			if err != nil {
				return nil, err
			}
			if err := checkDateTimeFormat(name, f); err != nil {
				return nil, err
			}
			switch low := strings.ToLower(f); low {
			case "auto", "epochsecs", "epochmillisecs":
				f = low
			}
			if name == "TIMEFORMAT" {
				o.TimeFormat = f
			} else {
				o.DateFormat = f
			}
		case "IGNOREHEADER":
			n, err := intArg(name)
			if err != nil {
				return nil, err
			}
			o.IgnoreHeader = n
		case "NULL":
			n, err := quotedArg(name)
			if err != nil {
				return nil, err
			}
			o.Null = n
		case "EMPTYASNULL":
			o.EmptyAsNull = true
		case "BLANKSASNULL":
			o.BlanksAsNull = true
		case "TRIMBLANKS":
			o.TrimBlanks = true
		case "ESCAPE":
			o.Escape = true
		case "REMOVEQUOTES":
			o.RemoveQuotes = true
		case "FILLRECORD":
			o.FillRecord = true
		case "IGNOREBLANKLINES":
			o.IgnoreBlankLines = true
		case "TRUNCATECOLUMNS":
			o.TruncateColumns = true
		case "MAXERROR":
			n, err := intArg(name)
			if err != nil {
				return nil, err
			}
			if n != 0 {
				return nil, &Error{Option: "MAXERROR " + strconv.Itoa(n), Unsupported: true, Message: "not implemented: every row must load, or the COPY fails (MAXERROR 0)"}
			}
		case "REGION":
			r, err := quotedArg(name)
			if err != nil {
				return nil, err
			}
			o.Region = r
		case "COMPUPDATE", "STATUPDATE":
			if i < len(toks) && !toks[i].quoted {
				switch strings.ToUpper(toks[i].text) {
				case "ON", "OFF", "TRUE", "FALSE", "PRESET":
					i++
				}
			}
		default:
			if why, ok := refusal[name]; ok {
				return nil, &Error{Option: name, Unsupported: true, Message: why}
			}
			return nil, &Error{Option: t.text, Message: fmt.Sprintf("CopyOptions has an unknown option %s.", t.text)}
		}
	}
	if o.Format == CSV && (o.Escape || o.RemoveQuotes) {
		return nil, &Error{Option: "CSV", Message: "CopyOptions CSV cannot be used with ESCAPE or REMOVEQUOTES."}
	}
	if o.Format == JSON && (o.Delimiter != "" || o.Escape || o.RemoveQuotes || o.FillRecord || o.IgnoreHeader > 0) {
		return nil, &Error{Option: "JSON", Message: "CopyOptions JSON cannot be used with DELIMITER, ESCAPE, REMOVEQUOTES, FILLRECORD or IGNOREHEADER."}
	}
	return o, nil
}

// FieldDelimiter is the delimiter in force: DELIMITER, else ',' for CSV
// and '|' for text.
func (o *Options) FieldDelimiter() string {
	switch {
	case o.Delimiter != "":
		return o.Delimiter
	case o.Format == CSV:
		return ","
	}
	return "|"
}

type token struct {
	text   string
	quoted bool
}

// tokenize splits CopyOptions into words and single-quoted strings (with
// ” and \' for a quote, and \t, \n, \\ as in Redshift's literals). A
// trailing ';' ends the options.
func tokenize(s string) ([]token, error) {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c) || c == ',':
			i++
		case c == ';':
			for _, r := range rs[i+1:] {
				if !unicode.IsSpace(r) && r != ';' {
					return nil, &Error{Option: ";", Message: "CopyOptions has text after ';'."}
				}
			}
			return out, nil
		case c == '\'':
			var sb strings.Builder
			i++
			closed := false
			for i < len(rs) {
				if rs[i] == '\\' && i+1 < len(rs) {
					switch rs[i+1] {
					case 't':
						sb.WriteRune('\t')
					case 'n':
						sb.WriteRune('\n')
					case 'r':
						sb.WriteRune('\r')
					default:
						sb.WriteRune(rs[i+1])
					}
					i += 2
					continue
				}
				if rs[i] == '\'' {
					if i+1 < len(rs) && rs[i+1] == '\'' {
						sb.WriteRune('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				sb.WriteRune(rs[i])
				i++
			}
			if !closed {
				return nil, &Error{Option: "'", Message: "CopyOptions has an unterminated quoted string."}
			}
			out = append(out, token{text: sb.String(), quoted: true})
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '\'' && rs[j] != ';' && rs[j] != ',' {
				j++
			}
			out = append(out, token{text: string(rs[i:j])})
			i = j
		}
	}
	return out, nil
}
