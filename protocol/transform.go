package protocol

import "encoding/json"

// A fast reader for a Lambda transform's answer, with the scanner of the
// PutRecordBatch decoder. encoding/json spends most of a transform's
// processing time on the answer (reflection, a string per field), so
// ScanTransformResponse reads the common shape directly:
//
//	{"records":[{"recordId":"…","result":"…","data":"…", other members…}, …], other members…}
//
// It gives up on anything else, and the caller then decodes with
// encoding/json: a member name with escapes or non-ASCII bytes, or one that
// differs from records, recordId, result or data only by case (encoding/json
// matches names case-insensitively); a recordId, result or data that is not
// a string of plain ASCII (null, escapes); a records member that is not an
// array of objects, or given twice; anything that is not valid JSON up to
// the end of the top-level object. So whenever it succeeds, encoding/json
// would have decoded the same values into
//
//	struct{ Records []struct{ RecordID, Result, Data *string } }
//
// (delivery's FuzzTransformScanMatches checks this). What follows the
// top-level object is not read, as json.Decoder.Decode does not read it.

// The Firehose data transformation contract: the event a Lambda transform
// is invoked with, the answer it returns, and the error document Firehose
// writes for a record that could not be transformed.
type (
	// TransformEvent is what a transform function is invoked with.
	// SourceKinesisStreamArn is the data stream a KinesisStreamAsSource
	// delivery stream reads; absent for other sources. The names and types
	// are aws-lambda-go's events.KinesisFirehoseEvent.
	TransformEvent struct {
		InvocationID           string                 `json:"invocationId"`
		DeliveryStreamArn      string                 `json:"deliveryStreamArn"`
		SourceKinesisStreamArn string                 `json:"sourceKinesisStreamArn,omitempty"`
		Region                 string                 `json:"region"`
		Records                []TransformEventRecord `json:"records"`
	}
	// TransformEventRecord is one record of a TransformEvent; Data is
	// base64 in JSON. KinesisRecordMetadata is there for records read from
	// a data stream only.
	TransformEventRecord struct {
		RecordID                    string                 `json:"recordId"`
		ApproximateArrivalTimestamp int64                  `json:"approximateArrivalTimestamp"`
		Data                        []byte                 `json:"data"`
		KinesisRecordMetadata       *KinesisRecordMetadata `json:"kinesisRecordMetadata,omitempty"`
	}
	// KinesisRecordMetadata is where a record of a KinesisStreamAsSource
	// delivery stream came from: its shard, partition key, arrival in the
	// data stream (Unix ms), sequence number, and, for a sub-record of a
	// KPL aggregate, its index in the aggregate (0 for other records).
	KinesisRecordMetadata struct {
		ShardID                     string `json:"shardId"`
		PartitionKey                string `json:"partitionKey"`
		ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
		SequenceNumber              string `json:"sequenceNumber"`
		SubsequenceNumber           int64  `json:"subsequenceNumber"`
	}
	// TransformResponse is a transform's answer, as encoding/json reads it
	// (ScanTransformResponse reads its common shape faster).
	TransformResponse struct {
		Records []TransformResponseRecord `json:"records"`
	}
	// TransformResponseRecord is one record of a TransformResponse: Result
	// Ok, Dropped or ProcessingFailed, and for Ok the new data in base64.
	TransformResponseRecord struct {
		RecordID *string `json:"recordId"`
		Result   *string `json:"result"`
		Data     *string `json:"data"`
		// Metadata carries the record's dynamic partitioning keys.
		Metadata *TransformMetadata `json:"metadata"`
	}
	// TransformMetadata is a transformed record's metadata: its partition
	// keys, for !{partitionKeyFromLambda:key}. Values are JSON strings in
	// AWS's contract; numbers and booleans are taken as their text.
	TransformMetadata struct {
		PartitionKeys map[string]json.RawMessage `json:"partitionKeys"`
	}
	// ProcessingErrorDocument is one line of a processing-failed object,
	// with the keys in the order real objects show them.
	ProcessingErrorDocument struct {
		RawData                string `json:"rawData"`
		ErrorCode              string `json:"errorCode"`
		ErrorMessage           string `json:"errorMessage"`
		AttemptsMade           int    `json:"attemptsMade"`
		ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
		AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
		LambdaARN              string `json:"lambdaARN,omitempty"` // the Lambda processor; absent for other failures
	}
	// FormatConversionErrorDocument is one line of a format-conversion-failed
	// object, with AWS's keys (the lastErrorCode form the captures show).
	// The sequence numbers belong to records read from a Kinesis data
	// stream; Direct PUT records have none.
	FormatConversionErrorDocument struct {
		AttemptsMade           int              `json:"attemptsMade"`
		ArrivalTimestamp       int64            `json:"arrivalTimestamp"`
		LastErrorCode          string           `json:"lastErrorCode"`
		LastErrorMessage       string           `json:"lastErrorMessage"`
		AttemptEndingTimestamp int64            `json:"attemptEndingTimestamp"`
		RawData                string           `json:"rawData"`
		SequenceNumber         string           `json:"sequenceNumber,omitempty"`
		SubSequenceNumber      *int64           `json:"subSequenceNumber,omitempty"` // a KPL sub-record's index, else 0
		DataCatalogTable       DataCatalogTable `json:"dataCatalogTable"`
	}
	// DataCatalogTable names the Glue table a conversion used.
	DataCatalogTable struct {
		CatalogID    string `json:"catalogId"`
		DatabaseName string `json:"databaseName"`
		TableName    string `json:"tableName"`
		Region       string `json:"region"`
		VersionID    string `json:"versionId"`
		CatalogARN   string `json:"catalogArn"`
	}
)

// TransformRecord is one record of a transform's answer. The slices point
// into the answer; the Has fields say whether the member was there.
type TransformRecord struct {
	RecordID, Result, Data          []byte
	HasRecordID, HasResult, HasData bool
	// PartitionKeys is metadata.partitionKeys, raw JSON values (only
	// encoding/json's path fills it: the scanner leaves metadata to it).
	PartitionKeys map[string]json.RawMessage
}

// ScanTransformResponse reads the records of a transform's answer, or
// reports false to leave the answer to encoding/json.
func ScanTransformResponse(b []byte) ([]TransformRecord, bool) {
	d := &decoder{b: b}
	if d.peek() != '{' {
		return nil, false
	}
	var recs []TransformRecord
	found := false
	d.object(1, func(key []byte, plain bool) {
		switch {
		case !plain || foldsTo(key, "records"):
			d.fail()
		case string(key) == "records":
			if found || d.peek() != '[' {
				d.fail() // given twice, null or not an array: encoding/json decides
				return
			}
			found = true
			recs = make([]TransformRecord, 0, 64)
			d.array(2, func() {
				if d.peek() != '{' {
					d.fail()
					return
				}
				var r TransformRecord
				d.object(3, func(key []byte, plain bool) {
					switch {
					case !plain || foldsTo(key, "recordId", "result", "data", "metadata"):
						d.fail()
					case string(key) == "metadata":
						r.PartitionKeys = d.metadata(r.PartitionKeys)
					case string(key) == "recordId":
						r.RecordID, r.HasRecordID = d.plainString()
					case string(key) == "result":
						r.Result, r.HasResult = d.plainString()
					case string(key) == "data":
						r.Data, r.HasData = d.plainString()
					default:
						d.skipValue(3)
					}
				})
				recs = append(recs, r)
			})
		default:
			d.skipValue(1)
		}
	})
	if d.bad || !found {
		return nil, false
	}
	return recs, true
}

// metadata scans a record's metadata object for its partitionKeys, an
// object of plain strings, and adds them (raw JSON, quotes included) to
// keys. null is nothing, as for encoding/json; anything else (escapes,
// other values) fails the scan.
func (d *decoder) metadata(keys map[string]json.RawMessage) map[string]json.RawMessage {
	if d.peek() == 'n' {
		d.skipValue(4)
		return keys
	}
	if d.peek() != '{' {
		d.fail()
		return keys
	}
	d.object(4, func(key []byte, plain bool) {
		switch {
		case !plain || foldsTo(key, "partitionKeys"):
			d.fail()
		case string(key) == "partitionKeys":
			if d.peek() == 'n' {
				d.skipValue(5)
				return
			}
			if d.peek() != '{' {
				d.fail()
				return
			}
			d.object(5, func(key []byte, plain bool) {
				start := d.i
				if !plain {
					d.fail()
					return
				}
				if _, ok := d.plainString(); !ok {
					return
				}
				if keys == nil {
					keys = map[string]json.RawMessage{}
				}
				keys[string(key)] = d.b[start:d.i:d.i]
			})
		default:
			d.skipValue(4)
		}
	})
	return keys
}

// plainString scans a string value without escapes or non-ASCII bytes and
// returns its contents; anything else fails the scan.
func (d *decoder) plainString() ([]byte, bool) {
	if d.peek() != '"' {
		d.fail()
		return nil, false
	}
	s, e, plain := d.scanString()
	if d.bad || !plain {
		d.fail()
		return nil, false
	}
	return d.b[s:e], true
}

// foldsTo reports whether the plain member name key would match one of
// names in encoding/json without being it exactly: encoding/json matches
// names case-insensitively.
func foldsTo(key []byte, names ...string) bool {
	for _, n := range names {
		if len(key) != len(n) || string(key) == n {
			continue
		}
		same := true
		for i := range key {
			if lower(key[i]) != lower(n[i]) {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
