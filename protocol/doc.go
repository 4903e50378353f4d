// Package protocol holds Firehose's wire contract: the JSON 1.1 request and
// response types with the embedded botocore model (validated by
// protocol/awsjson, which every AWS JSON API here shares), the PutRecordBatch
// decoder, the Lambda transformation contract, the S3 prefix expression
// language (Java date patterns in protocol/javatime), and what
// firehose-local refuses by name. SigV4 verification is protocol/sigv4. It
// performs no I/O.
package protocol
