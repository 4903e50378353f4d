package firehose

import (
	"strconv"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The Splunk destination's control plane: its checks at create and update,
// the merge of SplunkDestinationUpdate, and its description.

// checkSplunk checks a Splunk destination as CreateDeliveryStream does. It
// may resolve the HEC endpoint's host name: call it without s.mu.
func checkSplunk(h *protocol.SplunkDestinationConfiguration) *awsjson.Error {
	if err := delivery.CheckSplunk(h); err != nil {
		return err
	}
	return delivery.CheckHECEndpoint(h.HECEndpoint)
}

// mergeSplunkUpdate applies a SplunkDestinationUpdate. An update of a
// Splunk destination merges into it member by member (S3Update into
// S3Configuration); one that changes another destination to Splunk must
// carry every required member. S3BackupMode may go from FailedEventsOnly
// to AllEvents, never back.
func mergeSplunkUpdate(st *stream, update map[string]any) (destination, *awsjson.Error) {
	var next destination
	cur := protocol.SplunkDestinationConfiguration{}
	if st.dest.Splunk != nil {
		cur = *st.dest.Splunk
	} else if !hasMembers(update, "HECEndpoint") || !hasMembers(update, "HECEndpointType") ||
		!hasMembers(update, "S3Update", "RoleARN") || !hasMembers(update, "S3Update", "BucketARN") {
		return next, awsjson.NewError(awsjson.ErrInvalidArgument,
			"Changing the destination of Firehose %s to Splunk requires SplunkDestinationUpdate.HECEndpoint, HECEndpointType and S3Update with RoleARN and BucketARN.", st.name)
	}
	merged, err := mergeUpdate[protocol.SplunkDestinationConfiguration](cur, update, s3UpdateRenames)
	if err != nil {
		return next, err
	}
	if err := delivery.CheckSplunk(&merged); err != nil {
		return next, err
	}
	if st.dest.Splunk != nil && st.dest.Splunk.S3BackupMode == "AllEvents" && merged.S3BackupMode != "AllEvents" {
		return next, awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupMode cannot be changed from AllEvents to FailedEventsOnly.")
	}
	next.Splunk = &merged
	return next, nil
}

// describeSplunk renders a Splunk destination with its defaults
// materialised and the S3 backup nested as S3DestinationDescription.
func describeSplunk(h protocol.SplunkDestinationConfiguration) protocol.DestinationDescription {
	size, interval := delivery.SplunkBufferingHints(h.BufferingHints)
	retry := delivery.SplunkRetrySeconds(h)
	ack := delivery.SplunkAckTimeoutSeconds(h)
	backup := h.S3BackupMode
	if backup == "" {
		backup = delivery.DefaultSplunkBackupMode
	}
	role := ""
	if h.S3Configuration != nil {
		role = h.S3Configuration.RoleARN
	}
	pc := describeProcessing(h.ProcessingConfiguration, role)
	if pc != nil && !delivery.LambdaBufferGiven(h.ProcessingConfiguration) {
		// Splunk's Lambda buffer default is 0.25 MB.
		for i, p := range pc.Processors {
			if p.Type != "Lambda" {
				continue
			}
			params := append([]protocol.ProcessorParameter(nil), p.Parameters...)
			for j := range params {
				if params[j].ParameterName == "BufferSizeInMBs" {
					params[j].ParameterValue = strconv.FormatFloat(float64(delivery.DefaultSplunkLambdaBuffer)/(1<<20), 'f', -1, 64)
				}
			}
			pc.Processors[i].Parameters = params
		}
	}
	return protocol.DestinationDescription{
		DestinationId: DestinationID,
		SplunkDestinationDescription: &protocol.SplunkDestinationDescription{
			HECEndpoint:                       h.HECEndpoint,
			HECEndpointType:                   h.HECEndpointType,
			HECToken:                          h.HECToken,
			HECAcknowledgmentTimeoutInSeconds: &ack,
			RetryOptions:                      &protocol.SplunkRetryOptions{DurationInSeconds: &retry},
			S3BackupMode:                      backup,
			S3DestinationDescription:          describeS3(delivery.SplunkS3Backup(h)).S3DestinationDescription,
			ProcessingConfiguration:           pc,
			CloudWatchLoggingOptions:          loggingOptions(h.CloudWatchLoggingOptions),
			BufferingHints:                    &protocol.SplunkBufferingHints{SizeInMBs: &size, IntervalInSeconds: &interval},
			SecretsManagerConfiguration:       h.SecretsManagerConfiguration,
		},
	}
}
