// Package cborjson converts between the CBOR bodies of the AWS JSON 1.1
// APIs (content type application/x-amz-cbor-1.1) and the JSON documents the
// rest of firehose-local validates, decodes and writes. The AWS SDK for
// Java (v1 and v2) and the Kinesis Producer Library send Kinesis requests
// as CBOR by default and expect CBOR answers. It performs no I/O.
//
// What the Java SDKs put on the wire, from their sources:
//   - Timestamps are CBOR tag 1 around an integer of epoch milliseconds,
//     not the seconds RFC 8949 gives tag 1: SDK v1 SdkCborGenerator.writeValue
//     writes writeTag(1) then date.getTime(), SDK v2 SdkCborGenerator writes
//     writeTag(1) then instant.toEpochMilli() (aws-sdk-java-v2 issue #4661).
//     When reading, SDK v1 SimpleTypeCborUnmarshallers.DateCborUnmarshaller
//     takes getLongValue() as milliseconds; SDK v2 AwsCborProtocolFactory
//     makes UNIX_TIMESTAMP_MILLIS the payload format, parsed with
//     Long.parseLong, so a fractional number fails (localstack issue #3134)
//     and seconds read as a date in 1970 (aws-sdk-java-v2 PR #186, #979).
//     Jackson's CBOR parser skips the tag itself.
//   - Blobs are CBOR byte strings: SDK v1 ByteBufferCborUnmarshaller reads
//     getBinaryValue(), which Jackson allows on byte strings only.
//   - The SDKs start maps and arrays without giving a size, which Jackson's
//     CBOR generator may write as indefinite-length items (not checked
//     against a capture), so definite and indefinite lengths are accepted.
//   - Errors are a map with "__type" and "message", as kinesalite sends
//     them (index.js sendError); the SDKs read the type from __type and the
//     message from "message".
package cborjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// MaxDepth is how deeply maps, arrays and tags may nest in a request.
const MaxDepth = 32

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:          cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:    MaxDepth,
		IndefLength:        cbor.IndefLengthAllowed,
		TagsMd:             cbor.TagsAllowed,
		IntDec:             cbor.IntDecConvertNone,
		UTF8:               cbor.UTF8RejectInvalid,
		ByteStringToString: cbor.ByteStringToStringForbidden,
		DefaultMapType:     reflect.TypeOf(map[string]any(nil)),
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

var encMode = func() cbor.EncMode {
	em, err := cbor.EncOptions{Sort: cbor.SortBytewiseLexical, IndefLength: cbor.IndefLengthForbidden}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// RequestToJSON turns a CBOR request body into the JSON 1.1 document it
// stands for. inputShape names the operation's input shape in m (m nil or
// an unknown shape: no member is known). The body must be one map with
// text keys; byte strings become base64 strings (JSON 1.1's blobs); a
// timestamp, tag 1 anywhere or a plain number where the model has a
// timestamp, is read as epoch milliseconds and becomes a JSON number of
// epoch seconds; text, integers, finite floats, booleans, null (and
// undefined), arrays and maps are kept. Other tags, other simple values,
// NaN and infinities, duplicate keys, nesting deeper than MaxDepth and
// bytes after the map are refused with an error whose text suits a
// SerializationException.
func RequestToJSON(m *awsjson.Model, inputShape string, body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, errors.New("the CBOR body is empty")
	}
	if err := decMode.Wellformed(body); err != nil {
		return nil, fmt.Errorf("malformed CBOR: %w", unwrapLib(err))
	}
	if body[0]>>5 != 5 {
		return nil, errors.New("the CBOR body is not a map")
	}
	var buf bytes.Buffer
	c := converter{m: m}
	if err := c.value(&buf, body, c.shape(inputShape), 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unwrapLib drops the library's "cbor: " prefix.
func unwrapLib(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "cbor: "))
}

type converter struct {
	m *awsjson.Model
}

func (c converter) shape(name string) *awsjson.Shape {
	if c.m == nil || name == "" {
		return nil
	}
	return c.m.Shapes[name]
}

// member returns the shape of structure member name, nil if unknown.
func (c converter) member(s *awsjson.Shape, name string) *awsjson.Shape {
	if s == nil {
		return nil
	}
	switch s.Type {
	case "structure":
		for _, mem := range s.Members {
			if mem.Name == name {
				return c.shape(mem.Shape)
			}
		}
	case "map":
		if s.Value != nil {
			return c.shape(s.Value.Shape)
		}
	}
	return nil
}

func (c converter) element(s *awsjson.Shape) *awsjson.Shape {
	if s == nil || s.Type != "list" || s.Member == nil {
		return nil
	}
	return c.shape(s.Member.Shape)
}

// value writes the JSON for the well-formed CBOR data item raw.
func (c converter) value(buf *bytes.Buffer, raw []byte, s *awsjson.Shape, depth int) error {
	if depth >= MaxDepth {
		return fmt.Errorf("CBOR nested deeper than %d levels", MaxDepth)
	}
	switch raw[0] >> 5 {
	case 4:
		var items []cbor.RawMessage
		if err := decMode.Unmarshal(raw, &items); err != nil {
			return unwrapLib(err)
		}
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := c.value(buf, it, c.element(s), depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case 5:
		var members map[string]cbor.RawMessage
		if err := decMode.Unmarshal(raw, &members); err != nil {
			return fmt.Errorf("map keys must be distinct text strings: %w", unwrapLib(err))
		}
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := c.value(buf, members[k], c.member(s, k), depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case 6:
		var tag cbor.RawTag
		if err := decMode.Unmarshal(raw, &tag); err != nil {
			return unwrapLib(err)
		}
		if tag.Number != 1 {
			return fmt.Errorf("CBOR tag %d is not supported", tag.Number)
		}
		var v any
		if err := decMode.Unmarshal(tag.Content, &v); err != nil {
			return unwrapLib(err)
		}
		return writeMillis(buf, v)
	}
	var v any
	if err := decMode.Unmarshal(raw, &v); err != nil {
		return unwrapLib(err)
	}
	if s != nil && s.Type == "timestamp" {
		switch v.(type) {
		case int64, uint64, float64:
			return writeMillis(buf, v)
		case big.Int:
			return errors.New("a timestamp is out of range")
		}
	}
	return writeScalar(buf, v)
}

// writeMillis writes epoch milliseconds v as a JSON number of seconds.
func writeMillis(buf *bytes.Buffer, v any) error {
	switch n := v.(type) {
	case uint64:
		buf.WriteString(millisText(false, n))
	case int64:
		if n < 0 {
			buf.WriteString(millisText(true, uint64(-(n+1))+1))
		} else {
			buf.WriteString(millisText(false, uint64(n)))
		}
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return errors.New("a timestamp is not a finite number")
		}
		buf.WriteString(strconv.FormatFloat(n/1000, 'f', -1, 64))
	default:
		return errors.New("a timestamp must be a number of epoch milliseconds")
	}
	return nil
}

// millisText is the exact decimal of abs/1000 seconds, negative if neg.
func millisText(neg bool, abs uint64) string {
	s := strconv.FormatUint(abs/1000, 10)
	if frac := abs % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

func writeScalar(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case string:
		writeString(buf, x)
	case []byte:
		buf.WriteByte('"')
		buf.WriteString(base64.StdEncoding.EncodeToString(x))
		buf.WriteByte('"')
	case uint64:
		buf.WriteString(strconv.FormatUint(x, 10))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case big.Int: // a negative integer below math.MinInt64
		buf.WriteString(x.String())
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return errors.New("NaN and infinities are not numbers JSON can carry")
		}
		b, _ := json.Marshal(x)
		buf.Write(b)
	case cbor.SimpleValue:
		if x == 23 { // undefined
			buf.WriteString("null")
			return nil
		}
		return fmt.Errorf("CBOR simple value %d is not supported", x)
	default:
		return fmt.Errorf("CBOR value of Go type %T is not supported", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// ResponseToCBOR turns a JSON 1.1 response body into CBOR for the Java
// SDKs. outputShape names the operation's output shape in m. Members the
// model says are blobs (base64 strings in JSON) become byte strings;
// timestamps (JSON numbers of epoch seconds) become tag 1 around integer
// epoch milliseconds, rounded to the nearest. Maps are written with sorted
// keys and definite lengths. An empty body stays empty.
func ResponseToCBOR(m *awsjson.Model, outputShape string, jsonBody []byte) ([]byte, error) {
	if len(bytes.TrimSpace(jsonBody)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(jsonBody))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("response is not JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("response has data after its JSON value")
	}
	c := converter{m: m}
	v, err := c.toCBOR(doc, c.shape(outputShape))
	if err != nil {
		return nil, err
	}
	return encMode.Marshal(v)
}

// toCBOR returns what to encode for the decoded JSON value v of shape s.
func (c converter) toCBOR(v any, s *awsjson.Shape) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ce, err := c.toCBOR(e, c.member(s, k))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = ce
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		el := c.element(s)
		for i, e := range x {
			ce, err := c.toCBOR(e, el)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	case string:
		if s != nil && s.Type == "blob" {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("blob is not base64: %w", err)
			}
			return b, nil
		}
		return x, nil
	case json.Number:
		if s != nil && s.Type == "timestamp" {
			ms, err := secondsToMillis(string(x))
			if err != nil {
				return nil, err
			}
			return cbor.Tag{Number: 1, Content: ms}, nil
		}
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return f, nil
	}
	return v, nil // bool, nil
}

// secondsToMillis converts a JSON number of epoch seconds to integer
// milliseconds, exactly up to the rounding of a fraction of a millisecond.
func secondsToMillis(num string) (int64, error) {
	// Bound the exponent before big.Rat expands it.
	if f, err := strconv.ParseFloat(num, 64); err != nil || math.Abs(f) > 1e15 {
		return 0, fmt.Errorf("timestamp %s is out of range", num)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("timestamp %s is not a number", num)
	}
	r.Mul(r, big.NewRat(1000, 1))
	// Round half away from zero: (2n + d) / 2d, truncated, with the sign.
	n, d := new(big.Int).Abs(r.Num()), r.Denom()
	q := new(big.Int).Quo(new(big.Int).Add(new(big.Int).Lsh(n, 1), d), new(big.Int).Lsh(d, 1))
	if r.Sign() < 0 {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("timestamp %s is out of range", num)
	}
	return q.Int64(), nil
}

// cborError is the body of an error: kinesalite's sendError map.
type cborError struct {
	Type    string `cbor:"__type"`
	Message string `cbor:"message,omitempty"`
}

// ErrorToCBOR is the CBOR body of an AWS error of type typ, a map with
// "__type" and, unless empty, "message".
func ErrorToCBOR(typ, message string) []byte {
	b, err := encMode.Marshal(cborError{Type: typ, Message: message})
	if err != nil {
		panic(err) // two strings always encode
	}
	return b
}
