package protocol

import "github.com/firehose-local/firehose-local/protocol/awsjson"

// NotFound is AWS's ResourceNotFoundException for a delivery stream.
func NotFound(name, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceNotFound, "Firehose %s under account %s not found.", name, account)
}

// Unsupported refuses a configuration firehose-local does not implement yet,
// naming it, so that nothing is accepted and then silently ignored.
func Unsupported(what string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrInvalidArgument, "firehose-local does not support %s yet.", what)
}
