package console

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/s3fake"
)

// Preview limits.
const (
	// maxStoredRead is how much of an object is read to preview it. Firehose
	// objects are at most 128 MiB; a compressed one past this is previewed
	// from its start where its format allows.
	maxStoredRead = 16 << 20
	// previewLimit is how much decoded data is shown.
	previewLimit = 256 << 10
	// maxPreviewRecords is how many JSON records are pretty-printed.
	maxPreviewRecords = 500
	// rawDataLimit is how much of an error document's rawData is shown.
	rawDataLimit = 2 << 10
)

// preview is what the object page shows of an object's content.
type preview struct {
	Format      compression.Format // how the object is stored
	Decoded     int                // decoded bytes shown
	Truncated   bool               // there is more than is shown
	DecodeError string             // the decoding stopped early

	// Kind is "json" (Records holds each JSON value pretty-printed and
	// Compact each on one line),
	// "parquet" (Parquet holds its schema and first rows), "text",
	// "binary" (Text is a hex dump) or "empty".
	Kind        string
	Parquet     parquetView
	Records     []string
	Compact     []string // Records, each on one line
	NDJSON      bool     // the records were separated by newlines
	MoreRecords bool
	Text        string

	// ErrorType is "processing-failed", "format-conversion-failed", an
	// OpenSearch kind's "AmazonOpenSearchService-failed" or "elasticsearch-failed", or
	// "http-endpoint-failed" or "splunk-failed" for
	// Firehose's error documents, which ErrorDocs then lists.
	ErrorType string
	ErrorDocs []errorDoc
}

// errorDoc is one record of an error document.
type errorDoc struct {
	Code, Message string
	Attempts      int
	Arrival       time.Time
	Target        string // the function (processing) or request data ID (endpoint)
	Raw           string // the record's data, decoded where it is text
	RawNote       string
}

// errorOutputType tells which kind of error document a key holds, from the
// !{firehose:error-output-type} part of its prefix.
func errorOutputType(key string) string {
	for _, t := range []string{"processing-failed", "format-conversion-failed", "http-endpoint-failed", "splunk-failed", "AmazonOpenSearchService-failed", "elasticsearch-failed"} {
		if strings.Contains(key, t+"/") || strings.HasPrefix(key, t) {
			return t
		}
	}
	return ""
}

// buildPreview decodes stored (the first bytes of an object of the given
// info) for display.
func buildPreview(key string, stored []byte, info s3fake.ObjectInfo) preview {
	p := preview{Format: compression.Detect(info.ContentEncoding, key, stored)}
	data, truncated, err := compression.Decompress(p.Format, stored, previewLimit)
	if err != nil {
		p.DecodeError = err.Error()
		if int64(len(stored)) < info.Size && p.Format != compression.Uncompressed {
			p.DecodeError = fmt.Sprintf("only the first %s of the object were read", humanBytes(int64(len(stored))))
		}
	}
	if p.Format == compression.Uncompressed && int64(len(stored)) < info.Size {
		truncated = true
	}
	p.Decoded, p.Truncated = len(data), truncated
	switch {
	case len(data) == 0:
		p.Kind = "empty"
	case p.Format == compression.Uncompressed && isParquet(stored) && int64(len(stored)) == info.Size:
		p.Kind, p.Parquet, p.Truncated = "parquet", readParquet(stored), false
	case p.Format == compression.Uncompressed && bytes.HasPrefix(stored, []byte("PAR1")) && int64(len(stored)) < info.Size:
		p.Kind, p.Truncated = "parquet", false
		p.Parquet.Error = "the Parquet object is larger than the " + humanBytes(maxStoredRead) + " the console reads; download it to read it"
	case jsonRecords(&p, data):
		p.Kind = "json"
		p.ErrorType = errorOutputType(key)
		if p.ErrorType != "" {
			p.ErrorDocs = errorDocs(data)
		}
	case utf8.Valid(trimPartialRune(data, truncated)):
		p.Kind, p.Text = "text", string(data)
	default:
		p.Kind, p.Text = "binary", hex.Dump(data[:min(len(data), 4096)])
	}
	return p
}

// trimPartialRune drops a UTF-8 sequence cut short at the end of a
// truncated preview, so cut text is still recognised as text.
func trimPartialRune(b []byte, truncated bool) []byte {
	if !truncated {
		return b
	}
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// jsonRecords fills p.Records when data is a sequence of JSON values
// (objects or arrays), concatenated as Firehose writes records, with or
// without newlines between them. The last value may be cut by truncation.
func jsonRecords(p *preview, data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var out, compact []string
	ndjson, prevEnd := true, int64(0)
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(out) > 0 && (p.Truncated || p.DecodeError != "") {
				break // the last record was cut where the preview stops
			}
			return false
		}
		if len(out) == maxPreviewRecords {
			p.MoreRecords = true
			break
		}
		var buf, line bytes.Buffer
		if json.Indent(&buf, raw, "", "  ") != nil || json.Compact(&line, raw) != nil {
			return false
		}
		end := dec.InputOffset()
		if len(out) > 0 && !bytes.Contains(data[prevEnd:end-int64(len(raw))], []byte("\n")) {
			ndjson = false
		}
		prevEnd = end
		out = append(out, buf.String())
		compact = append(compact, line.String())
	}
	if len(out) == 0 {
		return false
	}
	p.Records, p.Compact, p.NDJSON = out, compact, ndjson
	return true
}

// errorDocs reads the records of an error document.
func errorDocs(data []byte) []errorDoc {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []errorDoc
	for len(out) < maxPreviewRecords {
		var d struct {
			RawData          string `json:"rawData"`
			ErrorCode        string `json:"errorCode"`
			ErrorMessage     string `json:"errorMessage"`
			LastErrorCode    string `json:"lastErrorCode"` // format-conversion-failed documents
			LastErrorMessage string `json:"lastErrorMessage"`
			AttemptsMade     int    `json:"attemptsMade"`
			ArrivalTimestamp int64  `json:"arrivalTimestamp"`
			LambdaARN        string `json:"lambdaARN"`
			DataID           string `json:"dataId"`
			ESIndex          string `json:"esIndexName"` // OpenSearch failed documents
			OSIndex          string `json:"osIndexName"`
		}
		if err := dec.Decode(&d); err != nil {
			break
		}
		doc := errorDoc{Code: d.ErrorCode + d.LastErrorCode, Message: d.ErrorMessage + d.LastErrorMessage, Attempts: d.AttemptsMade, Target: d.LambdaARN}
		if doc.Target == "" {
			doc.Target = d.DataID + d.ESIndex + d.OSIndex
		}
		if d.ArrivalTimestamp > 0 {
			doc.Arrival = time.UnixMilli(d.ArrivalTimestamp).UTC()
		}
		raw, err := base64.StdEncoding.DecodeString(d.RawData)
		switch {
		case err != nil:
			doc.Raw, doc.RawNote = d.RawData, "not base64"
		case utf8.Valid(raw):
			doc.Raw = string(raw)
		default:
			doc.Raw, doc.RawNote = d.RawData, "binary data, base64"
		}
		if len(doc.Raw) > rawDataLimit {
			doc.Raw = string(trimPartialRune([]byte(doc.Raw[:rawDataLimit]), true))
			doc.RawNote = strings.TrimPrefix(doc.RawNote+"; first "+humanBytes(rawDataLimit), "; ")
		}
		out = append(out, doc)
	}
	return out
}

// humanBytes writes n as B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
