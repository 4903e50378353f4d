package delivery

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/s3fake"
)

// Firehose's own error events in CloudWatch Logs. With a destination's
// CloudWatchLoggingOptions enabled, every failed delivery attempt, failed
// transform invocation and failed backup write becomes one JSON event in
// the configured log group and stream:
//
//	{"deliveryStreamARN":"arn:aws:firehose:…","destination":"arn:aws:s3:::bucket",
//	 "deliveryStreamVersionId":1,"message":"…","errorCode":"S3.NoSuchBucket",
//	 "processor":"arn:aws:lambda:…"}
//
// (processor only for transform errors). Destination errors go to the
// destination's options (conventionally stream DestinationDelivery); S3
// backup writes of an HTTP endpoint destination to its S3Configuration's
// (BackupDelivery).

// logTarget is where one destination's error events go; nil: logging off.
type logTarget struct{ group, stream string }

// Defaults when logging is enabled without names (the console's choice).
const (
	defaultLogGroupPrefix     = "/aws/kinesisfirehose/"
	streamDestinationDelivery = "DestinationDelivery"
	streamBackupDelivery      = "BackupDelivery"
)

func newLogTarget(o *protocol.CloudWatchLoggingOptions, defaultStream string) *logTarget {
	if o == nil || o.Enabled == nil || !*o.Enabled {
		return nil
	}
	t := &logTarget{group: deref(o.LogGroupName), stream: deref(o.LogStreamName)}
	if t.stream == "" {
		t.stream = defaultStream
	}
	return t
}

// errorEvent is the JSON of one error event, keys in AWS's order.
type errorEvent struct {
	DeliveryStreamARN       string `json:"deliveryStreamARN"`
	Destination             string `json:"destination"`
	DeliveryStreamVersionID int    `json:"deliveryStreamVersionId"`
	Message                 string `json:"message"`
	ErrorCode               string `json:"errorCode"`
	Processor               string `json:"processor,omitempty"`
}

// logError writes one error event for a batch of cfg, to the backup's
// target when backup is true, else the destination's. It does nothing when
// that logging is off.
// noteFailure records a failed delivery attempt of b: the batch's error,
// and the destination's error log entry.
func (p *Pipeline) noteFailure(b *Batch, code, message, processor string) {
	p.mu.Lock()
	b.err = errors.New(code + ": " + message)
	p.mu.Unlock()
	p.linError(b, code, message)
	p.logError(b.cfg, false, code, message, processor)
}

// processorName is the name of cfg's Lambda processor, or "" without one.
func processorName(cfg destConfig) string {
	if cfg.proc != nil {
		return cfg.proc.processor.Name()
	}
	return ""
}

func (p *Pipeline) logError(cfg destConfig, backup bool, code, message, processor string) {
	t := cfg.logDest
	if backup {
		t = cfg.logBackup
	}
	if t == nil {
		return
	}
	group := t.group
	if group == "" {
		group = defaultLogGroupPrefix + p.stream
	}
	dest := "arn:aws:s3:::" + cfg.bucket
	if cfg.http != nil && !backup {
		dest = cfg.http.logName
	}
	if cfg.os != nil && !backup {
		dest = cfg.os.logName
	}
	if cfg.redshift != nil && !backup {
		dest = cfg.redshift.logName
	}
	b, _ := marshalNoEscape(errorEvent{
		DeliveryStreamARN:       p.arn,
		Destination:             dest,
		DeliveryStreamVersionID: cfg.version,
		Message:                 message,
		ErrorCode:               code,
		Processor:               processor,
	})
	p.d.Logs.Append(group, t.stream, cwlogs.Event{Message: string(b), Timestamp: p.d.Clock.Now()})
}

func marshalNoEscape(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// s3ErrorCode names an S3 write failure as Firehose's error events do
// (S3.<S3 error code>), with AWS's message where it is known.
func s3ErrorCode(err error) (code, message string) {
	var apiErr smithy.APIError
	switch {
	case errors.Is(err, s3fake.ErrNoSuchBucket):
		return "S3.NoSuchBucket", "The specified bucket does not exist."
	case errors.As(err, &apiErr):
		code := apiErr.ErrorCode()
		switch code {
		case "NoSuchBucket":
			return "S3.NoSuchBucket", "The specified bucket does not exist."
		case "AccessDenied":
			return "S3.AccessDenied", "Access was denied. Ensure that the trust policy for the provided IAM role allows Firehose to assume the role, and the access policy allows access to the S3 bucket."
		}
		return "S3." + code, apiErr.ErrorMessage()
	}
	return "S3.InternalError", err.Error()
}
