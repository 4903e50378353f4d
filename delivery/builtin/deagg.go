package builtin

import "bytes"

// MaxSubRecords is how many sub-records de-aggregation makes of one record
// at most (AWS documentation).
const MaxSubRecords = 500

// DeAggregator is the RecordDeAggregation processor: SubRecordType JSON
// (Delimiter nil) or DELIMITED. It is safe for concurrent use.
type DeAggregator struct {
	// Delimiter is the decoded delimiter of DELIMITED, nil for JSON.
	Delimiter []byte
}

// Split appends the sub-records of record to dst, as slices of record (no
// copy), and reports whether it could split it.
//
// JSON: the record is JSON objects back to back, whitespace (newlines
// included) between them ignored; each sub-record is one object's bytes as
// they are. DELIMITED: the pieces between delimiters, delimiters removed,
// empty pieces dropped (unverified), so a record of delimiters only has no
// sub-records.
//
// A record that cannot be split, because it is not JSON objects (an array,
// a scalar, invalid JSON, nothing but whitespace) or because it would make
// more than MaxSubRecords sub-records, is passed on whole as its one
// sub-record and Split reports false. AWS says a record over the limit
// makes de-aggregation "misbehave", the Lambda getting the whole blob
// (spec §2.2); the same for a record that is not JSON objects is
// unverified. Such a record then fails MetadataExtraction as "Non JSON
// record provided".
func (d *DeAggregator) Split(dst [][]byte, record []byte) ([][]byte, bool) {
	start := len(dst)
	if d.Delimiter != nil {
		rest := record
		for len(rest) > 0 {
			piece := rest
			if k := bytes.Index(rest, d.Delimiter); k >= 0 {
				piece, rest = rest[:k], rest[k+len(d.Delimiter):]
			} else {
				rest = nil
			}
			if len(piece) == 0 {
				continue
			}
			if len(dst)-start == MaxSubRecords {
				return append(dst[:start], record), false
			}
			dst = append(dst, piece)
		}
		return dst, true
	}
	i := skipSpace(record, 0)
	if i == len(record) {
		return append(dst, record), false
	}
	for i < len(record) {
		if record[i] != '{' || len(dst)-start == MaxSubRecords {
			return append(dst[:start], record), false
		}
		j, err := skipValue(record, i, 0)
		if err != nil {
			return append(dst[:start], record), false
		}
		dst = append(dst, record[i:j])
		i = skipSpace(record, j)
	}
	return dst, true
}
