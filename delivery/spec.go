package delivery

import (
	"context"
	"strings"

	"github.com/firehose-local/firehose-local/protocol"
)

// Spec is a stream's one destination, as configured: exactly one member is
// set. (A new destination adds its configuration here, and a file that
// implements Destination.)
type Spec struct {
	S3     *protocol.ExtendedS3DestinationConfiguration
	HTTP   *protocol.HttpEndpointDestinationConfiguration
	Splunk *protocol.SplunkDestinationConfiguration
	// OpenSearch is the OpenSearch Service, Elasticsearch or OpenSearch
	// Serverless destination (opensearch.go).
	OpenSearch *OpenSearchSpec
	// Redshift: redshift.go
	Redshift *protocol.RedshiftDestinationConfiguration
}

// ObjectStore is where delivered objects go: the built-in S3, or an
// external S3-compatible store.
type ObjectStore interface {
	// PutObject writes body under bucket/key. body is handed over: the
	// store may keep it without copying it (the built-in S3 keeps it as the
	// object's content), so the caller never changes it afterwards, whether
	// the put succeeded or not; a retry passes the same bytes again. The
	// pipeline keeps to this: a batch's bytes (its records, or what
	// compression or format conversion made of them) are not written to
	// once the batch is cut.
	PutObject(ctx context.Context, bucket, key string, body []byte, meta ObjectMeta) error
}

// ObjectMeta is what Firehose sets on a delivered object.
type ObjectMeta struct {
	ContentType     string
	ContentEncoding string
	KMSKeyARN       string // server-side encryption with this key, where the store supports it
}

// S3Backup is an HTTP endpoint destination's S3Configuration (where failed
// and, with AllData, all records go) in the form S3 destinations are kept.
func S3Backup(h protocol.HttpEndpointDestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	return ExtendedS3(h.S3Configuration)
}

// ExtendedS3 is a (legacy) S3DestinationConfiguration in the form S3
// destinations are kept.
func ExtendedS3(c *protocol.S3DestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	if c == nil {
		return protocol.ExtendedS3DestinationConfiguration{}
	}
	return protocol.ExtendedS3DestinationConfiguration{
		RoleARN: c.RoleARN, BucketARN: c.BucketARN, Prefix: c.Prefix, ErrorOutputPrefix: c.ErrorOutputPrefix,
		BufferingHints: c.BufferingHints, CompressionFormat: c.CompressionFormat,
		EncryptionConfiguration: c.EncryptionConfiguration, CloudWatchLoggingOptions: c.CloudWatchLoggingOptions,
	}
}

// DefaultHTTPRetrySeconds is an HTTP endpoint destination's default
// RetryOptions.DurationInSeconds.
const DefaultHTTPRetrySeconds = 300

// HTTPRetrySeconds is RetryOptions.DurationInSeconds, default 300.
func HTTPRetrySeconds(h protocol.HttpEndpointDestinationConfiguration) int {
	if h.RetryOptions != nil && h.RetryOptions.DurationInSeconds != nil {
		return *h.RetryOptions.DurationInSeconds
	}
	return DefaultHTTPRetrySeconds
}

// BufferingHints returns the destination's buffer size in MiB and interval
// in seconds, with AWS's defaults of 5 MiB and 300 s.
func BufferingHints(h *protocol.BufferingHints) (sizeMB, intervalS int) {
	sizeMB, intervalS = 5, 300
	if h != nil && h.SizeInMBs != nil {
		sizeMB = *h.SizeInMBs
	}
	if h != nil && h.IntervalInSeconds != nil {
		intervalS = *h.IntervalInSeconds
	}
	return sizeMB, intervalS
}

// CompressionFormat is the destination's compression, UNCOMPRESSED by
// default.
func CompressionFormat(c protocol.ExtendedS3DestinationConfiguration) string {
	if c.CompressionFormat == "" {
		return "UNCOMPRESSED"
	}
	return c.CompressionFormat
}

// BucketFromARN is the bucket name of an S3 bucket ARN.
func BucketFromARN(arn string) string {
	if i := strings.Index(arn, ":::"); i >= 0 {
		return arn[i+3:]
	}
	return arn
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// LogsOnly reports whether only CloudWatch Logs may put records into a
// stream with this destination: its processing decompresses CloudWatch
// Logs' payloads (the Decompression processor).
func (d Spec) LogsOnly() bool {
	pc := (*protocol.ProcessingConfiguration)(nil)
	switch {
	case d.S3 != nil:
		pc = d.S3.ProcessingConfiguration
	case d.HTTP != nil:
		pc = d.HTTP.ProcessingConfiguration
	case d.Splunk != nil:
		pc = d.Splunk.ProcessingConfiguration
	case d.OpenSearch != nil:
		pc = d.OpenSearch.ProcessingConfiguration
	case d.Redshift != nil:
		pc = d.Redshift.ProcessingConfiguration
	}
	if pc == nil || (pc.Enabled != nil && !*pc.Enabled) {
		return false
	}
	for _, p := range pc.Processors {
		if p.Type == "Decompression" {
			return true
		}
	}
	return false
}
