package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Data-plane limits of PutRecord and PutRecordBatch.
const (
	MaxRecordSize     = 1024000 // bytes of one record, after base64 decoding
	MaxBatchRecords   = 500
	MaxBatchSize      = 4 << 20 // bytes of all records of one PutRecordBatch
	streamNamePattern = "[a-zA-Z0-9_.-]+"
)

type putRecordWire struct {
	DeliveryStreamName *string     `json:"DeliveryStreamName"`
	Record             *recordWire `json:"Record"`
}

type putRecordBatchWire struct {
	DeliveryStreamName *string       `json:"DeliveryStreamName"`
	Records            *[]recordWire `json:"Records"`
}

type recordWire struct {
	Data *[]byte `json:"Data"`
}

// DecodePutRecord decodes and validates a PutRecord body. It is the data
// plane's fast path and answers exactly as the model-driven validator does.
func DecodePutRecord(body []byte) (stream string, data []byte, err *Error) {
	var in putRecordWire
	if e := decodeStrict(body, &in); e != nil {
		return "", nil, e
	}
	var v []string
	stream = checkStreamName(in.DeliveryStreamName, &v)
	if in.Record == nil {
		v = append(v, "Value null at 'record' failed to satisfy constraint: Member must not be null")
	} else if in.Record.Data == nil {
		v = append(v, "Value null at 'record.data' failed to satisfy constraint: Member must not be null")
	} else {
		data = *in.Record.Data
		checkRecordSize(data, "record.data", &v)
	}
	if len(v) > 0 {
		return "", nil, ValidationError(v)
	}
	return stream, data, nil
}

// DecodePutRecordBatch decodes and validates a PutRecordBatch body,
// including the 4 MiB limit on the batch.
func DecodePutRecordBatch(body []byte) (stream string, records [][]byte, err *Error) {
	var in putRecordBatchWire
	if e := decodeStrict(body, &in); e != nil {
		return "", nil, e
	}
	var v []string
	stream = checkStreamName(in.DeliveryStreamName, &v)
	if in.Records == nil {
		v = append(v, "Value null at 'records' failed to satisfy constraint: Member must not be null")
	} else {
		recs := *in.Records
		n := len(recs)
		if n < 1 {
			v = append(v, Violation(javaString([]any{}, nil), "records", "have length greater than or equal to 1"))
		} else if n > MaxBatchRecords {
			v = append(v, Violation(fmt.Sprintf("[%d records]", n), "records", fmt.Sprintf("have length less than or equal to %d", MaxBatchRecords)))
		}
		records = make([][]byte, n)
		for i, r := range recs {
			path := fmt.Sprintf("records.%d.member.data", i+1)
			if r.Data == nil {
				v = append(v, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
				continue
			}
			records[i] = *r.Data
			checkRecordSize(records[i], path, &v)
		}
	}
	if len(v) > 0 {
		return "", nil, ValidationError(v)
	}
	total := 0
	for _, r := range records {
		total += len(r)
	}
	if total > MaxBatchSize {
		return "", nil, NewError(ErrInvalidArgument, "Records size exceeds 4 MB limit")
	}
	return stream, records, nil
}

func checkStreamName(name *string, v *[]string) string {
	if name == nil {
		*v = append(*v, "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null")
		return ""
	}
	n := javaLength(*name)
	if n < 1 {
		*v = append(*v, Violation(*name, "deliveryStreamName", "have length greater than or equal to 1"))
	}
	if n > 64 {
		*v = append(*v, Violation(*name, "deliveryStreamName", "have length less than or equal to 64"))
	}
	if !validStreamName(*name) {
		*v = append(*v, Violation(*name, "deliveryStreamName", "satisfy regular expression pattern: "+streamNamePattern))
	}
	return *name
}

// validStreamName matches [a-zA-Z0-9_.-]+ without a regexp.
func validStreamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func checkRecordSize(data []byte, path string, v *[]string) {
	if len(data) > MaxRecordSize {
		*v = append(*v, Violation(javaString(blobLen(len(data)), nil), path, fmt.Sprintf("have length less than or equal to %d", MaxRecordSize)))
	}
}

// decodeStrict decodes a JSON object body into v, mapping syntax and type
// errors to SerializationException.
func decodeStrict(body []byte, v any) *Error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return NewError(ErrSerialization, "Unexpected value type at '%s': expected %s", typeErr.Field, typeErr.Type)
		}
		return NewError(ErrSerialization, "Could not parse the request body: %s", err)
	}
	return nil
}
