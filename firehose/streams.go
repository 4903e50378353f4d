package firehose

import (
	"sort"
	"strconv"
	"time"

	"github.com/firehose-local/firehose-local/delivery"
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
	pipe              *delivery.Pipeline // records in, objects out
	kinesis           *kinesisPoller     // KinesisStreamAsSource: what reads its data stream
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
		Destinations:         []protocol.DestinationDescription{describeDestination(s.dest)},
	}
	if !s.updatedAt.IsZero() {
		d.LastUpdateTimestamp = protocol.Epoch(s.updatedAt)
	}
	if s.source != nil {
		d.Source = &protocol.SourceDescription{DirectPutSourceDescription: s.source}
	}
	if k := s.kinesis; k != nil {
		d.Source = &protocol.SourceDescription{KinesisStreamSourceDescription: &protocol.KinesisStreamSourceDescription{
			KinesisStreamARN: k.src.StreamARN, RoleARN: k.src.RoleARN, DeliveryStartTimestamp: protocol.Epoch(k.src.StartedAt),
		}}
	}
	if s.kinesis != nil {
		// No server-side encryption of Firehose's own on a Kinesis
		// source: AWS describes none (recorded 2022-09-14: LocalStack's
		// CloudFormation test_firehose_stack_with_kinesis_as_source).
		return d
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
type destination = delivery.Spec

func describeDestination(d destination) protocol.DestinationDescription {
	if d.OpenSearch != nil {
		return describeOpenSearch(*d.OpenSearch)
	}
	if d.HTTP != nil {
		return describeHTTP(*d.HTTP)
	}
	if d.Splunk != nil {
		return describeSplunk(*d.Splunk)
	}
	if d.Redshift != nil {
		return describeRedshift(*d.Redshift)
	}
	return describeS3(*d.S3)
}

// Defaults of the HTTP endpoint destination (API reference, Terraform docs).
const defaultHTTPBackupMode = "FailedDataOnly"

// describeHTTP renders an HTTP endpoint destination with its defaults
// materialised, the S3 backup nested as S3DestinationDescription, and
// without the write-only AccessKey.
func describeHTTP(h protocol.HttpEndpointDestinationConfiguration) protocol.DestinationDescription {
	size, interval := delivery.BufferingHints(h.BufferingHints)
	retry := delivery.HTTPRetrySeconds(h)
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
			ProcessingConfiguration:     describeProcessing(h.ProcessingConfiguration, deref(h.RoleARN)),
			RoleARN:                     h.RoleARN,
			RetryOptions:                &protocol.HttpEndpointRetryOptions{DurationInSeconds: &retry},
			S3BackupMode:                backup,
			S3DestinationDescription:    describeS3(delivery.S3Backup(h)).S3DestinationDescription,
			SecretsManagerConfiguration: h.SecretsManagerConfiguration,
		},
	}
}

func loggingOptions(l *protocol.CloudWatchLoggingOptions) *protocol.CloudWatchLoggingOptions {
	if l == nil {
		f := false
		l = &protocol.CloudWatchLoggingOptions{Enabled: &f}
	}
	return l
}

func describeS3(c protocol.ExtendedS3DestinationConfiguration) protocol.DestinationDescription {
	size, interval := delivery.BufferingHints(c.BufferingHints)
	if c.BufferingHints == nil && delivery.ConversionEnabled(c) {
		size = delivery.DefaultConversionBufferMB
	}
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
		CompressionFormat:        delivery.CompressionFormat(c),
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
			S3DestinationDescription:          base,
			ProcessingConfiguration:           describeProcessing(c.ProcessingConfiguration, c.RoleARN),
			S3BackupMode:                      backup,
			S3BackupDescription:               describeBackup(c.S3BackupConfiguration),
			FileExtension:                     c.FileExtension,
			CustomTimeZone:                    c.CustomTimeZone,
			DynamicPartitioningConfiguration:  describeDynamicPartitioning(c.DynamicPartitioningConfiguration),
			DataFormatConversionConfiguration: c.DataFormatConversionConfiguration,
		},
	}
}

// describeBackup describes an S3 destination's S3BackupConfiguration.
func describeBackup(b *protocol.S3DestinationConfiguration) *protocol.S3DestinationDescription {
	if b == nil {
		return nil
	}
	return describeS3(delivery.ExtendedS3(b)).S3DestinationDescription
}

// describeDynamicPartitioning echoes the configuration with RetryOptions'
// default filled in, as AWS does.
func describeDynamicPartitioning(c *protocol.DynamicPartitioningConfiguration) *protocol.DynamicPartitioningConfiguration {
	if c == nil {
		return nil
	}
	out := *c
	if out.Enabled == nil {
		out.Enabled = new(bool)
	}
	if *out.Enabled && (out.RetryOptions == nil || out.RetryOptions.DurationInSeconds == nil) {
		retry := delivery.DefaultPartitionRetrySeconds
		out.RetryOptions = &protocol.HttpEndpointRetryOptions{DurationInSeconds: &retry}
	}
	return &out
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

// lambdaParamOrder is the order in which AWS describes a Lambda
// processor's parameters, every one of them, defaults filled in.
var lambdaParamOrder = []string{"LambdaArn", "NumberOfRetries", "RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds"}

// describeProcessing is a ProcessingConfiguration as AWS describes it: a
// Lambda processor with all five parameters, in AWS's order, those not
// given at their defaults (3 retries, the destination's role, 1 MB, 60 s);
// other processors as they were given.
func describeProcessing(pc *protocol.ProcessingConfiguration, roleARN string) *protocol.ProcessingConfiguration {
	if pc == nil {
		return nil
	}
	out := *pc
	out.Processors = make([]protocol.Processor, len(pc.Processors))
	for i, p := range pc.Processors {
		out.Processors[i] = p
		if p.Type != "Lambda" {
			continue
		}
		given := map[string]string{}
		for _, param := range p.Parameters {
			given[param.ParameterName] = param.ParameterValue
		}
		defaults := map[string]string{"NumberOfRetries": "3", "RoleArn": roleARN, "BufferSizeInMBs": "1", "BufferIntervalInSeconds": "60"}
		params := make([]protocol.ProcessorParameter, 0, len(lambdaParamOrder))
		for _, name := range lambdaParamOrder {
			v, ok := given[name]
			if !ok {
				v, ok = defaults[name]
			}
			if ok && v != "" {
				params = append(params, protocol.ProcessorParameter{ParameterName: name, ParameterValue: v})
			}
		}
		out.Processors[i].Parameters = params
	}
	return &out
}
