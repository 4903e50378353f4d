package protocol

import (
	"strconv"
	"time"
)

// The Go types below mirror the model's shapes for the parts of the API that
// firehose-local implements. Members of the model that a type here lacks are
// refused by CheckSupported, so a configuration is never accepted and then
// ignored. JSON names are the model's member names.

// Tag is a delivery stream tag.
type Tag struct {
	Key   string  `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

// BufferingHints are the S3 destination's buffering hints.
type BufferingHints struct {
	SizeInMBs         *int `json:"SizeInMBs,omitempty"`
	IntervalInSeconds *int `json:"IntervalInSeconds,omitempty"`
}

// KMSEncryptionConfig names the KMS key for S3 server-side encryption.
type KMSEncryptionConfig struct {
	AWSKMSKeyARN string `json:"AWSKMSKeyARN"`
}

// EncryptionConfiguration is the S3 destination's object encryption.
type EncryptionConfiguration struct {
	NoEncryptionConfig  string               `json:"NoEncryptionConfig,omitempty"`
	KMSEncryptionConfig *KMSEncryptionConfig `json:"KMSEncryptionConfig,omitempty"`
}

// CloudWatchLoggingOptions configures error logging to CloudWatch Logs.
type CloudWatchLoggingOptions struct {
	Enabled       *bool   `json:"Enabled,omitempty"`
	LogGroupName  *string `json:"LogGroupName,omitempty"`
	LogStreamName *string `json:"LogStreamName,omitempty"`
}

// ProcessorParameter is one processor parameter; values are strings.
type ProcessorParameter struct {
	ParameterName  string `json:"ParameterName"`
	ParameterValue string `json:"ParameterValue"`
}

// Processor is one data processor.
type Processor struct {
	Type       string               `json:"Type"`
	Parameters []ProcessorParameter `json:"Parameters,omitempty"`
}

// ProcessingConfiguration is the destination's data processing.
type ProcessingConfiguration struct {
	Enabled    *bool       `json:"Enabled,omitempty"`
	Processors []Processor `json:"Processors,omitempty"`
}

// S3DestinationConfiguration is the deprecated plain S3 destination.
type S3DestinationConfiguration struct {
	RoleARN                  string                    `json:"RoleARN"`
	BucketARN                string                    `json:"BucketARN"`
	Prefix                   *string                   `json:"Prefix,omitempty"`
	ErrorOutputPrefix        *string                   `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           *BufferingHints           `json:"BufferingHints,omitempty"`
	CompressionFormat        string                    `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration  `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// ExtendedS3DestinationConfiguration is the S3 destination. It is also the
// form in which firehose-local stores every S3 destination.
type ExtendedS3DestinationConfiguration struct {
	RoleARN                  string                      `json:"RoleARN"`
	BucketARN                string                      `json:"BucketARN"`
	Prefix                   *string                     `json:"Prefix,omitempty"`
	ErrorOutputPrefix        *string                     `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           *BufferingHints             `json:"BufferingHints,omitempty"`
	CompressionFormat        string                      `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration    `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions   `json:"CloudWatchLoggingOptions,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration    `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode             string                      `json:"S3BackupMode,omitempty"`
	S3BackupConfiguration    *S3DestinationConfiguration `json:"S3BackupConfiguration,omitempty"`
	FileExtension            *string                     `json:"FileExtension,omitempty"`
	CustomTimeZone           *string                     `json:"CustomTimeZone,omitempty"`

	DynamicPartitioningConfiguration  *DynamicPartitioningConfiguration  `json:"DynamicPartitioningConfiguration,omitempty"`
	DataFormatConversionConfiguration *DataFormatConversionConfiguration `json:"DataFormatConversionConfiguration,omitempty"`
}

// DataFormatConversionConfiguration is record format conversion: JSON
// records converted to Parquet (or ORC) with a Glue table's schema.
type DataFormatConversionConfiguration struct {
	Enabled                   *bool                      `json:"Enabled,omitempty"`
	SchemaConfiguration       *SchemaConfiguration       `json:"SchemaConfiguration,omitempty"`
	InputFormatConfiguration  *InputFormatConfiguration  `json:"InputFormatConfiguration,omitempty"`
	OutputFormatConfiguration *OutputFormatConfiguration `json:"OutputFormatConfiguration,omitempty"`
}

// SchemaConfiguration names the Glue table whose columns are the schema.
type SchemaConfiguration struct {
	RoleARN      *string `json:"RoleARN,omitempty"`
	CatalogId    *string `json:"CatalogId,omitempty"`
	DatabaseName *string `json:"DatabaseName,omitempty"`
	TableName    *string `json:"TableName,omitempty"`
	Region       *string `json:"Region,omitempty"`
	VersionId    *string `json:"VersionId,omitempty"`
}

// InputFormatConfiguration holds the deserializer of the JSON records.
type InputFormatConfiguration struct {
	Deserializer *Deserializer `json:"Deserializer,omitempty"`
}

// Deserializer is one of the two JSON SerDes.
type Deserializer struct {
	OpenXJsonSerDe *OpenXJsonSerDe `json:"OpenXJsonSerDe,omitempty"`
	HiveJsonSerDe  *HiveJsonSerDe  `json:"HiveJsonSerDe,omitempty"`
}

// OpenXJsonSerDe is the OpenX JSON SerDe's options.
type OpenXJsonSerDe struct {
	ConvertDotsInJsonKeysToUnderscores *bool             `json:"ConvertDotsInJsonKeysToUnderscores,omitempty"`
	CaseInsensitive                    *bool             `json:"CaseInsensitive,omitempty"`
	ColumnToJsonKeyMappings            map[string]string `json:"ColumnToJsonKeyMappings,omitempty"`
}

// HiveJsonSerDe is the Hive JSON SerDe's options.
type HiveJsonSerDe struct {
	TimestampFormats []string `json:"TimestampFormats,omitempty"`
}

// OutputFormatConfiguration holds the serializer of the converted objects.
type OutputFormatConfiguration struct {
	Serializer *Serializer `json:"Serializer,omitempty"`
}

// Serializer is Parquet or ORC.
type Serializer struct {
	ParquetSerDe *ParquetSerDe `json:"ParquetSerDe,omitempty"`
	OrcSerDe     *OrcSerDe     `json:"OrcSerDe,omitempty"`
}

// ParquetSerDe is the Parquet serializer's options.
type ParquetSerDe struct {
	BlockSizeBytes              *int    `json:"BlockSizeBytes,omitempty"`
	PageSizeBytes               *int    `json:"PageSizeBytes,omitempty"`
	Compression                 *string `json:"Compression,omitempty"`
	EnableDictionaryCompression *bool   `json:"EnableDictionaryCompression,omitempty"`
	MaxPaddingBytes             *int    `json:"MaxPaddingBytes,omitempty"`
	WriterVersion               *string `json:"WriterVersion,omitempty"`
}

// OrcSerDe is the ORC serializer's options. The control plane refuses it
// by name (no independent ORC reader can check what would be written).
type OrcSerDe struct {
	StripeSizeBytes                     *int     `json:"StripeSizeBytes,omitempty"`
	BlockSizeBytes                      *int     `json:"BlockSizeBytes,omitempty"`
	RowIndexStride                      *int     `json:"RowIndexStride,omitempty"`
	EnablePadding                       *bool    `json:"EnablePadding,omitempty"`
	PaddingTolerance                    *float64 `json:"PaddingTolerance,omitempty"`
	Compression                         *string  `json:"Compression,omitempty"`
	BloomFilterColumns                  []string `json:"BloomFilterColumns,omitempty"`
	BloomFilterFalsePositiveProbability *float64 `json:"BloomFilterFalsePositiveProbability,omitempty"`
	DictionaryKeyThreshold              *float64 `json:"DictionaryKeyThreshold,omitempty"`
	FormatVersion                       *string  `json:"FormatVersion,omitempty"`
}

// DynamicPartitioningConfiguration turns dynamic partitioning on (only when
// the stream is created) with its S3 retry duration.
type DynamicPartitioningConfiguration struct {
	Enabled      *bool                     `json:"Enabled,omitempty"`
	RetryOptions *HttpEndpointRetryOptions `json:"RetryOptions,omitempty"`
}

// S3DestinationUpdate is UpdateDestination's plain S3 update.
type S3DestinationUpdate struct {
	RoleARN                  *string                   `json:"RoleARN,omitempty"`
	BucketARN                *string                   `json:"BucketARN,omitempty"`
	Prefix                   *string                   `json:"Prefix,omitempty"`
	ErrorOutputPrefix        *string                   `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           *BufferingHints           `json:"BufferingHints,omitempty"`
	CompressionFormat        *string                   `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration  `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// ExtendedS3DestinationUpdate is UpdateDestination's S3 update.
type ExtendedS3DestinationUpdate struct {
	S3DestinationUpdate
	ProcessingConfiguration *ProcessingConfiguration `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode            *string                  `json:"S3BackupMode,omitempty"`
	S3BackupUpdate          *S3DestinationUpdate     `json:"S3BackupUpdate,omitempty"`
	FileExtension           *string                  `json:"FileExtension,omitempty"`
	CustomTimeZone          *string                  `json:"CustomTimeZone,omitempty"`

	DynamicPartitioningConfiguration  *DynamicPartitioningConfiguration  `json:"DynamicPartitioningConfiguration,omitempty"`
	DataFormatConversionConfiguration *DataFormatConversionConfiguration `json:"DataFormatConversionConfiguration,omitempty"`
}

// HttpEndpointConfiguration is the HTTP endpoint a destination delivers to.
// AccessKey is write-only: HttpEndpointDescription has no such member.
type HttpEndpointConfiguration struct {
	Url       string  `json:"Url"`
	Name      *string `json:"Name,omitempty"`
	AccessKey *string `json:"AccessKey,omitempty"`
}

// HttpEndpointDescription describes the HTTP endpoint, without its access key.
type HttpEndpointDescription struct {
	Url  string  `json:"Url,omitempty"`
	Name *string `json:"Name,omitempty"`
}

// HttpEndpointCommonAttribute is one attribute of the
// X-Amz-Firehose-Common-Attributes header.
type HttpEndpointCommonAttribute struct {
	AttributeName  string `json:"AttributeName"`
	AttributeValue string `json:"AttributeValue"`
}

// HttpEndpointRequestConfiguration shapes the requests sent to the endpoint.
type HttpEndpointRequestConfiguration struct {
	ContentEncoding  string                        `json:"ContentEncoding,omitempty"`
	CommonAttributes []HttpEndpointCommonAttribute `json:"CommonAttributes,omitempty"`
}

// HttpEndpointRetryOptions is how long failed requests are retried.
type HttpEndpointRetryOptions struct {
	DurationInSeconds *int `json:"DurationInSeconds,omitempty"`
}

// SecretsManagerConfiguration names a secret holding the destination's
// credentials.
type SecretsManagerConfiguration struct {
	SecretARN *string `json:"SecretARN,omitempty"`
	RoleARN   *string `json:"RoleARN,omitempty"`
	Enabled   *bool   `json:"Enabled,omitempty"`
}

// HttpEndpointDestinationConfiguration is the HTTP endpoint destination. It
// is also the form in which firehose-local stores it. BufferingHints has the
// HttpEndpointBufferingHints shape, whose members are BufferingHints'.
type HttpEndpointDestinationConfiguration struct {
	EndpointConfiguration       *HttpEndpointConfiguration        `json:"EndpointConfiguration,omitempty"`
	BufferingHints              *BufferingHints                   `json:"BufferingHints,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions         `json:"CloudWatchLoggingOptions,omitempty"`
	RequestConfiguration        *HttpEndpointRequestConfiguration `json:"RequestConfiguration,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration          `json:"ProcessingConfiguration,omitempty"`
	RoleARN                     *string                           `json:"RoleARN,omitempty"`
	RetryOptions                *HttpEndpointRetryOptions         `json:"RetryOptions,omitempty"`
	S3BackupMode                string                            `json:"S3BackupMode,omitempty"`
	S3Configuration             *S3DestinationConfiguration       `json:"S3Configuration,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration      `json:"SecretsManagerConfiguration,omitempty"`
}

// HttpEndpointDestinationUpdate is UpdateDestination's HTTP endpoint update.
type HttpEndpointDestinationUpdate struct {
	EndpointConfiguration       *HttpEndpointConfiguration        `json:"EndpointConfiguration,omitempty"`
	BufferingHints              *BufferingHints                   `json:"BufferingHints,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions         `json:"CloudWatchLoggingOptions,omitempty"`
	RequestConfiguration        *HttpEndpointRequestConfiguration `json:"RequestConfiguration,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration          `json:"ProcessingConfiguration,omitempty"`
	RoleARN                     *string                           `json:"RoleARN,omitempty"`
	RetryOptions                *HttpEndpointRetryOptions         `json:"RetryOptions,omitempty"`
	S3BackupMode                *string                           `json:"S3BackupMode,omitempty"`
	S3Update                    *S3DestinationUpdate              `json:"S3Update,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration      `json:"SecretsManagerConfiguration,omitempty"`
}

// HttpEndpointDestinationDescription describes the HTTP endpoint destination.
type HttpEndpointDestinationDescription struct {
	EndpointConfiguration       *HttpEndpointDescription          `json:"EndpointConfiguration,omitempty"`
	BufferingHints              *BufferingHints                   `json:"BufferingHints,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions         `json:"CloudWatchLoggingOptions,omitempty"`
	RequestConfiguration        *HttpEndpointRequestConfiguration `json:"RequestConfiguration,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration          `json:"ProcessingConfiguration,omitempty"`
	RoleARN                     *string                           `json:"RoleARN,omitempty"`
	RetryOptions                *HttpEndpointRetryOptions         `json:"RetryOptions,omitempty"`
	S3BackupMode                string                            `json:"S3BackupMode,omitempty"`
	S3DestinationDescription    *S3DestinationDescription         `json:"S3DestinationDescription,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration      `json:"SecretsManagerConfiguration,omitempty"`
}

// DirectPutSourceConfiguration is the optional Direct PUT throughput hint.
type DirectPutSourceConfiguration struct {
	ThroughputHintInMBs int `json:"ThroughputHintInMBs"`
}

// DeliveryStreamEncryptionConfigurationInput asks for server-side encryption.
type DeliveryStreamEncryptionConfigurationInput struct {
	KeyARN  *string `json:"KeyARN,omitempty"`
	KeyType string  `json:"KeyType"`
}

// CreateDeliveryStreamInput is CreateDeliveryStream's request.
type CreateDeliveryStreamInput struct {
	DeliveryStreamName                         string                                      `json:"DeliveryStreamName"`
	DeliveryStreamType                         string                                      `json:"DeliveryStreamType,omitempty"`
	DirectPutSourceConfiguration               *DirectPutSourceConfiguration               `json:"DirectPutSourceConfiguration,omitempty"`
	KinesisStreamSourceConfiguration           *KinesisStreamSourceConfiguration           `json:"KinesisStreamSourceConfiguration,omitempty"`
	DeliveryStreamEncryptionConfigurationInput *DeliveryStreamEncryptionConfigurationInput `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
	S3DestinationConfiguration                 *S3DestinationConfiguration                 `json:"S3DestinationConfiguration,omitempty"`
	ExtendedS3DestinationConfiguration         *ExtendedS3DestinationConfiguration         `json:"ExtendedS3DestinationConfiguration,omitempty"`
	HttpEndpointDestinationConfiguration       *HttpEndpointDestinationConfiguration       `json:"HttpEndpointDestinationConfiguration,omitempty"`
	SplunkDestinationConfiguration             *SplunkDestinationConfiguration             `json:"SplunkDestinationConfiguration,omitempty"`
	RedshiftDestinationConfiguration           *RedshiftDestinationConfiguration           `json:"RedshiftDestinationConfiguration,omitempty"`
	Tags                                       []Tag                                       `json:"Tags,omitempty"`

	// OpenSearch destinations: firehose_opensearch.go.
	AmazonopensearchserviceDestinationConfiguration    *AmazonopensearchserviceDestinationConfiguration    `json:"AmazonopensearchserviceDestinationConfiguration,omitempty"`
	ElasticsearchDestinationConfiguration              *ElasticsearchDestinationConfiguration              `json:"ElasticsearchDestinationConfiguration,omitempty"`
	AmazonOpenSearchServerlessDestinationConfiguration *AmazonOpenSearchServerlessDestinationConfiguration `json:"AmazonOpenSearchServerlessDestinationConfiguration,omitempty"`
}

// CreateDeliveryStreamOutput is CreateDeliveryStream's response.
type CreateDeliveryStreamOutput struct {
	DeliveryStreamARN string `json:"DeliveryStreamARN"`
}

// DescribeDeliveryStreamInput is DescribeDeliveryStream's request.
type DescribeDeliveryStreamInput struct {
	DeliveryStreamName          string  `json:"DeliveryStreamName"`
	Limit                       *int    `json:"Limit,omitempty"`
	ExclusiveStartDestinationId *string `json:"ExclusiveStartDestinationId,omitempty"`
}

// DeliveryStreamEncryptionConfiguration is the described SSE state.
type DeliveryStreamEncryptionConfiguration struct {
	KeyARN  *string `json:"KeyARN,omitempty"`
	KeyType string  `json:"KeyType,omitempty"`
	Status  string  `json:"Status"`
}

// S3DestinationDescription describes a plain S3 destination.
type S3DestinationDescription struct {
	RoleARN                  string                    `json:"RoleARN"`
	BucketARN                string                    `json:"BucketARN"`
	Prefix                   *string                   `json:"Prefix,omitempty"`
	ErrorOutputPrefix        *string                   `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           BufferingHints            `json:"BufferingHints"`
	CompressionFormat        string                    `json:"CompressionFormat"`
	EncryptionConfiguration  EncryptionConfiguration   `json:"EncryptionConfiguration"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// ExtendedS3DestinationDescription describes the S3 destination.
type ExtendedS3DestinationDescription struct {
	S3DestinationDescription
	ProcessingConfiguration *ProcessingConfiguration  `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode            string                    `json:"S3BackupMode,omitempty"`
	S3BackupDescription     *S3DestinationDescription `json:"S3BackupDescription,omitempty"`
	FileExtension           *string                   `json:"FileExtension,omitempty"`
	CustomTimeZone          *string                   `json:"CustomTimeZone,omitempty"`

	DynamicPartitioningConfiguration  *DynamicPartitioningConfiguration  `json:"DynamicPartitioningConfiguration,omitempty"`
	DataFormatConversionConfiguration *DataFormatConversionConfiguration `json:"DataFormatConversionConfiguration,omitempty"`
}

// DestinationDescription describes one destination.
type DestinationDescription struct {
	DestinationId                      string                              `json:"DestinationId"`
	S3DestinationDescription           *S3DestinationDescription           `json:"S3DestinationDescription,omitempty"`
	ExtendedS3DestinationDescription   *ExtendedS3DestinationDescription   `json:"ExtendedS3DestinationDescription,omitempty"`
	HttpEndpointDestinationDescription *HttpEndpointDestinationDescription `json:"HttpEndpointDestinationDescription,omitempty"`
	SplunkDestinationDescription       *SplunkDestinationDescription       `json:"SplunkDestinationDescription,omitempty"`

	// OpenSearch destinations: firehose_opensearch.go.
	AmazonopensearchserviceDestinationDescription    *AmazonopensearchserviceDestinationDescription    `json:"AmazonopensearchserviceDestinationDescription,omitempty"`
	ElasticsearchDestinationDescription              *ElasticsearchDestinationDescription              `json:"ElasticsearchDestinationDescription,omitempty"`
	AmazonOpenSearchServerlessDestinationDescription *AmazonOpenSearchServerlessDestinationDescription `json:"AmazonOpenSearchServerlessDestinationDescription,omitempty"`
	RedshiftDestinationDescription                   *RedshiftDestinationDescription                   `json:"RedshiftDestinationDescription,omitempty"`
}

// KinesisStreamSourceConfiguration is the data stream a
// KinesisStreamAsSource delivery stream reads.
type KinesisStreamSourceConfiguration struct {
	KinesisStreamARN string `json:"KinesisStreamARN"`
	RoleARN          string `json:"RoleARN"`
}

// KinesisStreamSourceDescription describes a KinesisStreamAsSource
// delivery stream's source; DeliveryStartTimestamp is when it started
// reading.
type KinesisStreamSourceDescription struct {
	KinesisStreamARN       string        `json:"KinesisStreamARN"`
	RoleARN                string        `json:"RoleARN"`
	DeliveryStartTimestamp *EpochSeconds `json:"DeliveryStartTimestamp,omitempty"`
}

// SourceDescription describes the stream's source.
type SourceDescription struct {
	DirectPutSourceDescription     *DirectPutSourceConfiguration   `json:"DirectPutSourceDescription,omitempty"`
	KinesisStreamSourceDescription *KinesisStreamSourceDescription `json:"KinesisStreamSourceDescription,omitempty"`
}

// DeliveryStreamDescription is DescribeDeliveryStream's payload.
type DeliveryStreamDescription struct {
	DeliveryStreamName                    string                                 `json:"DeliveryStreamName"`
	DeliveryStreamARN                     string                                 `json:"DeliveryStreamARN"`
	DeliveryStreamStatus                  string                                 `json:"DeliveryStreamStatus"`
	DeliveryStreamEncryptionConfiguration *DeliveryStreamEncryptionConfiguration `json:"DeliveryStreamEncryptionConfiguration,omitempty"`
	DeliveryStreamType                    string                                 `json:"DeliveryStreamType"`
	VersionId                             string                                 `json:"VersionId"`
	CreateTimestamp                       *EpochSeconds                          `json:"CreateTimestamp,omitempty"`
	LastUpdateTimestamp                   *EpochSeconds                          `json:"LastUpdateTimestamp,omitempty"`
	Source                                *SourceDescription                     `json:"Source,omitempty"`
	Destinations                          []DestinationDescription               `json:"Destinations"`
	HasMoreDestinations                   bool                                   `json:"HasMoreDestinations"`
}

// DescribeDeliveryStreamOutput is DescribeDeliveryStream's response.
type DescribeDeliveryStreamOutput struct {
	DeliveryStreamDescription DeliveryStreamDescription `json:"DeliveryStreamDescription"`
}

// ListDeliveryStreamsInput is ListDeliveryStreams' request.
type ListDeliveryStreamsInput struct {
	Limit                            *int    `json:"Limit,omitempty"`
	DeliveryStreamType               *string `json:"DeliveryStreamType,omitempty"`
	ExclusiveStartDeliveryStreamName *string `json:"ExclusiveStartDeliveryStreamName,omitempty"`
}

// ListDeliveryStreamsOutput is ListDeliveryStreams' response.
type ListDeliveryStreamsOutput struct {
	DeliveryStreamNames    []string `json:"DeliveryStreamNames"`
	HasMoreDeliveryStreams bool     `json:"HasMoreDeliveryStreams"`
}

// DeleteDeliveryStreamInput is DeleteDeliveryStream's request.
type DeleteDeliveryStreamInput struct {
	DeliveryStreamName string `json:"DeliveryStreamName"`
	AllowForceDelete   *bool  `json:"AllowForceDelete,omitempty"`
}

// UpdateDestinationInput is UpdateDestination's request.
type UpdateDestinationInput struct {
	DeliveryStreamName             string                         `json:"DeliveryStreamName"`
	CurrentDeliveryStreamVersionId string                         `json:"CurrentDeliveryStreamVersionId"`
	DestinationId                  string                         `json:"DestinationId"`
	S3DestinationUpdate            *S3DestinationUpdate           `json:"S3DestinationUpdate,omitempty"`
	ExtendedS3DestinationUpdate    *ExtendedS3DestinationUpdate   `json:"ExtendedS3DestinationUpdate,omitempty"`
	HttpEndpointDestinationUpdate  *HttpEndpointDestinationUpdate `json:"HttpEndpointDestinationUpdate,omitempty"`
	SplunkDestinationUpdate        *SplunkDestinationUpdate       `json:"SplunkDestinationUpdate,omitempty"`

	// OpenSearch destinations: firehose_opensearch.go.
	AmazonopensearchserviceDestinationUpdate    *AmazonopensearchserviceDestinationUpdate    `json:"AmazonopensearchserviceDestinationUpdate,omitempty"`
	ElasticsearchDestinationUpdate              *ElasticsearchDestinationUpdate              `json:"ElasticsearchDestinationUpdate,omitempty"`
	AmazonOpenSearchServerlessDestinationUpdate *AmazonOpenSearchServerlessDestinationUpdate `json:"AmazonOpenSearchServerlessDestinationUpdate,omitempty"`
	RedshiftDestinationUpdate                   *RedshiftDestinationUpdate                   `json:"RedshiftDestinationUpdate,omitempty"`
}

// TagDeliveryStreamInput is TagDeliveryStream's request.
type TagDeliveryStreamInput struct {
	DeliveryStreamName string `json:"DeliveryStreamName"`
	Tags               []Tag  `json:"Tags"`
}

// UntagDeliveryStreamInput is UntagDeliveryStream's request.
type UntagDeliveryStreamInput struct {
	DeliveryStreamName string   `json:"DeliveryStreamName"`
	TagKeys            []string `json:"TagKeys"`
}

// ListTagsForDeliveryStreamInput is ListTagsForDeliveryStream's request.
type ListTagsForDeliveryStreamInput struct {
	DeliveryStreamName   string  `json:"DeliveryStreamName"`
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey,omitempty"`
	Limit                *int    `json:"Limit,omitempty"`
}

// ListTagsForDeliveryStreamOutput is ListTagsForDeliveryStream's response.
type ListTagsForDeliveryStreamOutput struct {
	Tags        []Tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}

// StartDeliveryStreamEncryptionInput is StartDeliveryStreamEncryption's request.
type StartDeliveryStreamEncryptionInput struct {
	DeliveryStreamName                         string                                      `json:"DeliveryStreamName"`
	DeliveryStreamEncryptionConfigurationInput *DeliveryStreamEncryptionConfigurationInput `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
}

// StopDeliveryStreamEncryptionInput is StopDeliveryStreamEncryption's request.
type StopDeliveryStreamEncryptionInput struct {
	DeliveryStreamName string `json:"DeliveryStreamName"`
}

// PutRecordOutput is PutRecord's response.
type PutRecordOutput struct {
	RecordId  string `json:"RecordId"`
	Encrypted bool   `json:"Encrypted"`
}

// PutRecordBatchResponseEntry is one entry of PutRecordBatch's response.
type PutRecordBatchResponseEntry struct {
	RecordId     string `json:"RecordId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutRecordBatchOutput is PutRecordBatch's response.
type PutRecordBatchOutput struct {
	FailedPutCount   int                           `json:"FailedPutCount"`
	Encrypted        bool                          `json:"Encrypted"`
	RequestResponses []PutRecordBatchResponseEntry `json:"RequestResponses"`
}

// EpochSeconds is a timestamp on the wire: a JSON number of epoch seconds
// with millisecond precision.
type EpochSeconds time.Time

// MarshalJSON renders the timestamp as epoch seconds.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}

// Epoch returns t as an *EpochSeconds.
func Epoch(t time.Time) *EpochSeconds {
	e := EpochSeconds(t)
	return &e
}
