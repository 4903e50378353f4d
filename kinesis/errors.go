package kinesis

import (
	"net/http"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Error types Kinesis sends that awsjson does not name.
const (
	errExpiredIterator = "ExpiredIteratorException"
	errInternal        = "InternalFailureException"
)

// Sources of the texts below (AWS's own, as third-party emulators
// reproduce them; see the spec, section 5.2):
//
//   - "Stream <name> under account <acct> not found." and "... already
//     exists.", "Invalid ShardIterator.", the expired-iterator text with
//     its date format (Thu Jan 22 01:22:02 UTC 2015), "Shard <id> in stream
//     <name> under account <acct> does not exist", and the ExplicitHashKey
//     range text: mhart/kinesalite.
//   - The retention period texts, the closed-shard text of SplitShard and
//     MergeShards, and the NewStartingHashKey text: getmoto/moto's Kinesis
//     tests, which assert AWS's messages.
//
// The others (a missing stream name, shards that are not adjacent, bad
// sequence numbers and tokens, refused operations and members) are
// firehose-local's, not recorded from AWS.

func streamNotFound(name, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceNotFound, "Stream %s under account %s not found.", name, account)
}

func streamExists(name, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceInUse, "Stream %s under account %s already exists.", name, account)
}

func shardNotFound(id, stream, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceNotFound, "Shard %s in stream %s under account %s does not exist", id, stream, account)
}

func invalidArgument(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrInvalidArgument, format, args...)
}

func shardClosed(id, stream, account string) *awsjson.Error {
	return invalidArgument("Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.", id, stream, account)
}

var (
	errBadIterator = invalidArgument("Invalid ShardIterator.")
	errBadToken    = invalidArgument("The NextToken is not valid.")
	errNoStream    = invalidArgument("Either StreamName or StreamARN must be given.")
)

// amzTime renders t as the expired-iterator message does:
// "Thu Jan 22 01:22:02 UTC 2015".
func amzTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
}

func expiredIterator(created, now int64) *awsjson.Error {
	return awsjson.NewError(errExpiredIterator,
		"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of 300000 milliseconds.",
		amzTime(created), amzTime(now))
}

// notSupported refuses an operation of the model that firehose-local does
// not serve.
func notSupported(op string) *awsjson.Error {
	return invalidArgument("firehose-local does not support %s yet.", op)
}

// internalError is a failure of the state store: the change was not made.
func internalError(err error) *awsjson.Error {
	e := awsjson.NewError(errInternal, "firehose-local could not save the change: %s", err)
	e.Status = http.StatusInternalServerError
	return e
}

// unknownOperation is the answer to an operation the model does not have.
func unknownOperation(target string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrUnknownOperation, "Unknown operation %s.", target)
}
