// Package protocol holds the wire contract of the APIs firehose-local serves:
// the Firehose JSON 1.1 request and response types, model-driven validation
// with AWS's exact error messages, error shapes, and the S3 prefix expression
// language. It performs no I/O.
package protocol
