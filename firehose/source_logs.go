package firehose

import (
	"strings"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Source is a producer that puts records into a stream other than through
// PutRecord and PutRecordBatch.
type Source int

// SourceCloudWatchLogs is CloudWatch Logs delivering for a subscription
// filter. (Streams with the Decompression processor accept only this
// source; other producers get InvalidSourceException.)
const SourceCloudWatchLogs Source = 1

// maxRecordSize is Firehose's record limit, before base64.
const maxRecordSize = 1_000 * 1024

// PutFrom puts one record into the Direct PUT stream streamARN as src
// does: CloudWatch Logs' subscription deliveries. It is counted as an
// incoming record, like PutRecord's. The error is the one AWS would give
// the producer: ResourceNotFoundException for a stream that does not exist
// (or is not ACTIVE, or is in another account), ServiceUnavailableException
// ("Slow down.") when it is throttled, which the caller may retry.
func (s *Service) PutFrom(src Source, streamARN string, record []byte) error {
	if src != SourceCloudWatchLogs {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "unknown record source %d", src)
	}
	region, name, ok := s.parseStreamARN(streamARN)
	if !ok {
		return protocol.NotFound(streamARN, s.account)
	}
	if len(record) > maxRecordSize {
		return awsjson.NewError(awsjson.ErrValidation, "Record size %d exceeds the limit of %d bytes.", len(record), maxRecordSize)
	}
	st, _, err := s.putTarget(region, name, true)
	if err != nil {
		return err
	}
	if err := s.putOne(st, record); err != nil {
		return err
	}
	return nil
}

// parseStreamARN splits arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME,
// for this service's account.
func (s *Service) parseStreamARN(arn string) (region, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "firehose" || parts[3] == "" || parts[4] != s.account {
		return "", "", false
	}
	name, ok = strings.CutPrefix(parts[5], "deliverystream/")
	return parts[3], name, ok && name != ""
}
