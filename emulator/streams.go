package emulator

import (
	"sort"
	"strconv"
	"time"

	"github.com/firehose-local/firehose-local/protocol"
)

// Stream and encryption states, as the API reports them.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"

	sseEnabled   = "ENABLED"
	sseEnabling  = "ENABLING"
	sseDisabled  = "DISABLED"
	sseDisabling = "DISABLING"

	// DestinationID is the ID AWS gives a stream's only destination.
	DestinationID = "destinationId-000000000001"

	maxStreamsPerRegion = 5000
	maxTagsPerStream    = 50
	maxSSEToggles       = 25 // Start+StopDeliveryStreamEncryption per stream per 24 h
)

// stream is one delivery stream's control-plane state. The Server's mutex
// guards every field.
type stream struct {
	name, region, arn string
	incarnation       string // this creation of the stream, in the write-ahead log
	typ               string
	createdAt         time.Time
	updatedAt         time.Time // zero until the first UpdateDestination
	readyAt           time.Time // CREATING until then
	deleting          bool
	goneAt            time.Time // with deleting: removed at that time
	version           int
	dest              destination
	source            *protocol.DirectPutSourceConfiguration
	tags              map[string]*string
	sse               sseState
	pipe              *pipeline // records in, objects out
}

// sseState is the stream's server-side encryption. configured is false
// until SSE was first asked for, and then the target (enabled or not) is
// reached transitionDelay after changedAt.
type sseState struct {
	configured bool
	enabled    bool
	keyType    string
	keyARN     *string
	changedAt  time.Time
	toggles    []time.Time
}

func (s *stream) status(now time.Time) string {
	switch {
	case s.deleting:
		return StatusDeleting
	case now.Before(s.readyAt):
		return StatusCreating
	}
	return StatusActive
}

func (e *sseState) status(now time.Time, delay time.Duration) string {
	settled := !now.Before(e.changedAt.Add(delay))
	switch {
	case !e.configured:
		return sseDisabled
	case e.enabled && settled:
		return sseEnabled
	case e.enabled:
		return sseEnabling
	case settled:
		return sseDisabled
	}
	return sseDisabling
}

// describe renders the stream as DescribeDeliveryStream does, with every
// default materialised as AWS shows it.
func (s *stream) describe(now time.Time, delay time.Duration) protocol.DeliveryStreamDescription {
	d := protocol.DeliveryStreamDescription{
		DeliveryStreamName:   s.name,
		DeliveryStreamARN:    s.arn,
		DeliveryStreamStatus: s.status(now),
		DeliveryStreamType:   s.typ,
		VersionId:            strconv.Itoa(s.version),
		CreateTimestamp:      protocol.Epoch(s.createdAt),
		Destinations:         []protocol.DestinationDescription{s.dest.describe()},
	}
	if !s.updatedAt.IsZero() {
		d.LastUpdateTimestamp = protocol.Epoch(s.updatedAt)
	}
	if s.source != nil {
		d.Source = &protocol.SourceDescription{DirectPutSourceDescription: s.source}
	}
	enc := &protocol.DeliveryStreamEncryptionConfiguration{Status: s.sse.status(now, delay)}
	if s.sse.configured {
		enc.KeyType = s.sse.keyType
		enc.KeyARN = s.sse.keyARN
	}
	d.DeliveryStreamEncryptionConfiguration = enc
	return d
}

// destination is a stream's one destination, as configured: exactly one
// member is set.
type destination struct {
	S3   *protocol.ExtendedS3DestinationConfiguration
	HTTP *protocol.HttpEndpointDestinationConfiguration
}

func (d destination) describe() protocol.DestinationDescription {
	if d.HTTP != nil {
		return describeHTTP(*d.HTTP)
	}
	return describeS3(*d.S3)
}

// s3Backup is an HTTP endpoint destination's S3Configuration (where failed
// and, with AllData, all records go) in the form S3 destinations are kept.
func s3Backup(h protocol.HttpEndpointDestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	return extendedS3(h.S3Configuration)
}

// extendedS3 is a (legacy) S3DestinationConfiguration in the form S3
// destinations are kept.
func extendedS3(c *protocol.S3DestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	if c == nil {
		return protocol.ExtendedS3DestinationConfiguration{}
	}
	return protocol.ExtendedS3DestinationConfiguration{
		RoleARN: c.RoleARN, BucketARN: c.BucketARN, Prefix: c.Prefix, ErrorOutputPrefix: c.ErrorOutputPrefix,
		BufferingHints: c.BufferingHints, CompressionFormat: c.CompressionFormat,
		EncryptionConfiguration: c.EncryptionConfiguration, CloudWatchLoggingOptions: c.CloudWatchLoggingOptions,
	}
}

// Defaults of the HTTP endpoint destination (API reference, Terraform docs).
const (
	defaultHTTPRetrySeconds = 300
	defaultHTTPBackupMode   = "FailedDataOnly"
)

// describeHTTP renders an HTTP endpoint destination with its defaults
// materialised, the S3 backup nested as S3DestinationDescription, and
// without the write-only AccessKey.
func describeHTTP(h protocol.HttpEndpointDestinationConfiguration) protocol.DestinationDescription {
	size, interval := bufferingHints(h.BufferingHints)
	retry := httpRetrySeconds(h)
	backup := h.S3BackupMode
	if backup == "" {
		backup = defaultHTTPBackupMode
	}
	req := &protocol.HttpEndpointRequestConfiguration{ContentEncoding: "NONE"}
	if rc := h.RequestConfiguration; rc != nil {
		if rc.ContentEncoding != "" {
			req.ContentEncoding = rc.ContentEncoding
		}
		req.CommonAttributes = rc.CommonAttributes
	}
	var endpoint *protocol.HttpEndpointDescription
	if e := h.EndpointConfiguration; e != nil {
		endpoint = &protocol.HttpEndpointDescription{Url: e.Url, Name: e.Name}
	}
	return protocol.DestinationDescription{
		DestinationId: DestinationID,
		HttpEndpointDestinationDescription: &protocol.HttpEndpointDestinationDescription{
			EndpointConfiguration:       endpoint,
			BufferingHints:              &protocol.BufferingHints{SizeInMBs: &size, IntervalInSeconds: &interval},
			CloudWatchLoggingOptions:    loggingOptions(h.CloudWatchLoggingOptions),
			RequestConfiguration:        req,
			ProcessingConfiguration:     h.ProcessingConfiguration,
			RoleARN:                     h.RoleARN,
			RetryOptions:                &protocol.HttpEndpointRetryOptions{DurationInSeconds: &retry},
			S3BackupMode:                backup,
			S3DestinationDescription:    describeS3(s3Backup(h)).S3DestinationDescription,
			SecretsManagerConfiguration: h.SecretsManagerConfiguration,
		},
	}
}

// httpRetrySeconds is RetryOptions.DurationInSeconds, default 300.
func httpRetrySeconds(h protocol.HttpEndpointDestinationConfiguration) int {
	if h.RetryOptions != nil && h.RetryOptions.DurationInSeconds != nil {
		return *h.RetryOptions.DurationInSeconds
	}
	return defaultHTTPRetrySeconds
}

func loggingOptions(l *protocol.CloudWatchLoggingOptions) *protocol.CloudWatchLoggingOptions {
	if l == nil {
		f := false
		l = &protocol.CloudWatchLoggingOptions{Enabled: &f}
	}
	return l
}

func describeS3(c protocol.ExtendedS3DestinationConfiguration) protocol.DestinationDescription {
	size, interval := bufferingHints(c.BufferingHints)
	enc := protocol.EncryptionConfiguration{NoEncryptionConfig: "NoEncryption"}
	if c.EncryptionConfiguration != nil && c.EncryptionConfiguration.KMSEncryptionConfig != nil {
		enc = protocol.EncryptionConfiguration{KMSEncryptionConfig: c.EncryptionConfiguration.KMSEncryptionConfig}
	}
	logging := loggingOptions(c.CloudWatchLoggingOptions)
	prefix := c.Prefix
	if prefix == nil {
		prefix = new(string)
	}
	base := protocol.S3DestinationDescription{
		RoleARN:                  c.RoleARN,
		BucketARN:                c.BucketARN,
		Prefix:                   prefix,
		ErrorOutputPrefix:        c.ErrorOutputPrefix,
		BufferingHints:           protocol.BufferingHints{SizeInMBs: &size, IntervalInSeconds: &interval},
		CompressionFormat:        compressionFormat(c),
		EncryptionConfiguration:  enc,
		CloudWatchLoggingOptions: logging,
	}
	backup := c.S3BackupMode
	if backup == "" {
		backup = "Disabled"
	}
	legacy := base
	return protocol.DestinationDescription{
		DestinationId:            DestinationID,
		S3DestinationDescription: &legacy,
		ExtendedS3DestinationDescription: &protocol.ExtendedS3DestinationDescription{
			S3DestinationDescription: base,
			ProcessingConfiguration:  c.ProcessingConfiguration,
			S3BackupMode:             backup,
			FileExtension:            c.FileExtension,
			CustomTimeZone:           c.CustomTimeZone,
		},
	}
}

// bufferingHints returns the destination's buffer size in MiB and interval
// in seconds, with AWS's defaults of 5 MiB and 300 s.
func bufferingHints(h *protocol.BufferingHints) (sizeMB, intervalS int) {
	sizeMB, intervalS = 5, 300
	if h != nil && h.SizeInMBs != nil {
		sizeMB = *h.SizeInMBs
	}
	if h != nil && h.IntervalInSeconds != nil {
		intervalS = *h.IntervalInSeconds
	}
	return sizeMB, intervalS
}

func compressionFormat(c protocol.ExtendedS3DestinationConfiguration) string {
	if c.CompressionFormat == "" {
		return "UNCOMPRESSED"
	}
	return c.CompressionFormat
}

// sortedTags returns the stream's tags ordered by key.
func (s *stream) sortedTags() []protocol.Tag {
	keys := make([]string, 0, len(s.tags))
	for k := range s.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]protocol.Tag, len(keys))
	for i, k := range keys {
		out[i] = protocol.Tag{Key: k, Value: s.tags[k]}
	}
	return out
}
