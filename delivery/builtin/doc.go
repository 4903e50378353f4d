// Package builtin holds the record-level work of Firehose's built-in
// processors, for the delivery pipeline to call per record: the parsing
// and validation of a ProcessingConfiguration (ParseProcessing, with AWS's
// messages) into a Plan in AWS's effective order, and Decompression
// (GZIP), CloudWatchLogProcessing (message extraction), RecordDeAggregation
// (JSON, DELIMITED), MetadataExtraction (jq 1.6 queries on gojq) and
// AppendDelimiterToRecord. It does no I/O and starts no goroutine.
//
// The per-record functions append to caller-provided slices and return a
// *Failure, nil on success, that carries the error document's code and
// message and the error-output-type folder.
//
// Choices where the spec marks AWS's behaviour unverified, or says
// nothing (docs/differences.md lists them):
//   - Processors run in the fixed order of spec §2.4 whatever their order
//     in the request; at most one processor of each type (AWS's message is
//     known for Lambda only).
//   - AppendDelimiterToRecord is accepted without dynamic partitioning, and
//     appends "\n" after each record, or the bytes of a base64 Delimiter
//     parameter; a Delimiter that is not base64 (configurations in the
//     wild pass a backslash and an n) is accepted and means "\n".
//   - RecordDeAggregation: DELIMITED drops the delimiter and empty pieces;
//     JSON ignores whitespace between objects and keeps each object's
//     bytes as they are; a record that is not JSON objects, or that would
//     make more than 500 sub-records, passes on whole (AWS: "misbehaves";
//     MetadataExtraction then fails it as "Non JSON record provided"). A
//     Delimiter with SubRecordType JSON is ignored.
//   - Decompression: code Decompression.Failed (AWS's code is unknown);
//     concatenated gzip members are all decompressed, bytes after the last
//     member ignored (as Java's GZIPInputStream does); a record that
//     inflates past MaxDecompressedSize (16 MiB) fails. CompressionFormat
//     defaults to GZIP; another value fails with "CompressionFormat has to
//     be one of GZIP" (ours).
//   - CloudWatchLogProcessing with DataMessageExtraction true: each message
//     followed by "\n"; a CONTROL_MESSAGE, or a DATA_MESSAGE without
//     events, becomes an empty record (the pipeline drops it); a record
//     that is not a subscription payload fails with our code
//     CloudWatchLogProcessing.MalformedData under processing-failed.
//   - MetadataExtraction: a record must be one strict RFC 8259 JSON value
//     (jq 1.6 itself also reads NaN, 01, .5 and +1); a JSON value that is
//     not an object is run through the query like any (jq's errors then
//     fail it). The query must yield exactly one object; values that are
//     null (or NaN), missing, objects or arrays fail the record; numbers
//     are written as jq 1.6 prints them. Messages other than AWS's "Non JSON
//     record provided" are ours. A query with more than 50 static keys is
//     refused ("cannot have more than 50 keys", ours, CDK's limit), a query
//     that does not compile with "MetaDataExtraction JQ Query is not valid:
//     …" (ours). A record's query run is bounded by MaxQuerySteps and
//     QueryTimeout.
//   - Validation order when several rules fail; messages for parameters
//     not valid for a type, repeated parameters and bad values follow
//     delivery/lambda.go; a configuration with Enabled false is not checked.
//
// jq 1.6 versus gojq: see the top of jq.go.
package builtin
