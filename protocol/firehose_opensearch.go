package protocol

// The OpenSearch Service, Elasticsearch and OpenSearch Serverless
// destinations. AmazonopensearchserviceDestinationConfiguration and
// ElasticsearchDestinationConfiguration have the same members in the model
// (and their Update and Description shapes too), so one Go type serves
// both; the Serverless shapes have fewer members and types of their own, so
// that a member the model does not give them is ignored, as AWS ignores it.

// OpenSearchBufferingHints are the three destinations' buffering hints
// (SizeInMBs 1–100, IntervalInSeconds 0–900); the members are
// BufferingHints'.
type OpenSearchBufferingHints = BufferingHints

// OpenSearchRetryOptions is how long failed documents are retried
// (DurationInSeconds 0–7200, default 300).
type OpenSearchRetryOptions = HttpEndpointRetryOptions

// VpcConfiguration is the VPC a destination is reached through. It is kept
// as configuration only: firehose-local reaches every endpoint directly.
type VpcConfiguration struct {
	SubnetIds        []string `json:"SubnetIds"`
	RoleARN          string   `json:"RoleARN"`
	SecurityGroupIds []string `json:"SecurityGroupIds"`
}

// VpcConfigurationDescription describes a VpcConfiguration with its VPC.
type VpcConfigurationDescription struct {
	SubnetIds        []string `json:"SubnetIds"`
	RoleARN          string   `json:"RoleARN"`
	SecurityGroupIds []string `json:"SecurityGroupIds"`
	VpcId            string   `json:"VpcId"`
}

// DocumentIdOptions chooses the documents' _id: FIREHOSE_DEFAULT (an id
// Firehose generates, stable across retries) or NO_DOCUMENT_ID (none).
type DocumentIdOptions struct {
	DefaultDocumentIdFormat string `json:"DefaultDocumentIdFormat"`
}

// AmazonopensearchserviceDestinationConfiguration is the OpenSearch Service
// destination, and (as ElasticsearchDestinationConfiguration) the
// Elasticsearch one. It is also the form in which firehose-local stores all
// three kinds (a Serverless CollectionEndpoint in ClusterEndpoint).
type AmazonopensearchserviceDestinationConfiguration struct {
	RoleARN                  string                      `json:"RoleARN"`
	DomainARN                *string                     `json:"DomainARN,omitempty"`
	ClusterEndpoint          *string                     `json:"ClusterEndpoint,omitempty"`
	IndexName                string                      `json:"IndexName"`
	TypeName                 *string                     `json:"TypeName,omitempty"`
	IndexRotationPeriod      string                      `json:"IndexRotationPeriod,omitempty"`
	BufferingHints           *OpenSearchBufferingHints   `json:"BufferingHints,omitempty"`
	RetryOptions             *OpenSearchRetryOptions     `json:"RetryOptions,omitempty"`
	S3BackupMode             string                      `json:"S3BackupMode,omitempty"`
	S3Configuration          *S3DestinationConfiguration `json:"S3Configuration,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration    `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions   `json:"CloudWatchLoggingOptions,omitempty"`
	VpcConfiguration         *VpcConfiguration           `json:"VpcConfiguration,omitempty"`
	DocumentIdOptions        *DocumentIdOptions          `json:"DocumentIdOptions,omitempty"`
}

// ElasticsearchDestinationConfiguration has the OpenSearch Service
// destination's members.
type ElasticsearchDestinationConfiguration = AmazonopensearchserviceDestinationConfiguration

// AmazonopensearchserviceDestinationUpdate is UpdateDestination's
// OpenSearch Service (and, as ElasticsearchDestinationUpdate,
// Elasticsearch) update.
type AmazonopensearchserviceDestinationUpdate struct {
	RoleARN                  *string                   `json:"RoleARN,omitempty"`
	DomainARN                *string                   `json:"DomainARN,omitempty"`
	ClusterEndpoint          *string                   `json:"ClusterEndpoint,omitempty"`
	IndexName                *string                   `json:"IndexName,omitempty"`
	TypeName                 *string                   `json:"TypeName,omitempty"`
	IndexRotationPeriod      *string                   `json:"IndexRotationPeriod,omitempty"`
	BufferingHints           *OpenSearchBufferingHints `json:"BufferingHints,omitempty"`
	RetryOptions             *OpenSearchRetryOptions   `json:"RetryOptions,omitempty"`
	S3Update                 *S3DestinationUpdate      `json:"S3Update,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration  `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
	DocumentIdOptions        *DocumentIdOptions        `json:"DocumentIdOptions,omitempty"`
}

// ElasticsearchDestinationUpdate has the OpenSearch Service update's members.
type ElasticsearchDestinationUpdate = AmazonopensearchserviceDestinationUpdate

// AmazonopensearchserviceDestinationDescription describes an OpenSearch
// Service (or, as ElasticsearchDestinationDescription, Elasticsearch)
// destination.
type AmazonopensearchserviceDestinationDescription struct {
	RoleARN                     *string                      `json:"RoleARN,omitempty"`
	DomainARN                   *string                      `json:"DomainARN,omitempty"`
	ClusterEndpoint             *string                      `json:"ClusterEndpoint,omitempty"`
	IndexName                   *string                      `json:"IndexName,omitempty"`
	TypeName                    *string                      `json:"TypeName,omitempty"`
	IndexRotationPeriod         string                       `json:"IndexRotationPeriod,omitempty"`
	BufferingHints              *OpenSearchBufferingHints    `json:"BufferingHints,omitempty"`
	RetryOptions                *OpenSearchRetryOptions      `json:"RetryOptions,omitempty"`
	S3BackupMode                string                       `json:"S3BackupMode,omitempty"`
	S3DestinationDescription    *S3DestinationDescription    `json:"S3DestinationDescription,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	VpcConfigurationDescription *VpcConfigurationDescription `json:"VpcConfigurationDescription,omitempty"`
	DocumentIdOptions           *DocumentIdOptions           `json:"DocumentIdOptions,omitempty"`
}

// ElasticsearchDestinationDescription has the OpenSearch Service
// description's members.
type ElasticsearchDestinationDescription = AmazonopensearchserviceDestinationDescription

// AmazonOpenSearchServerlessDestinationConfiguration is the OpenSearch
// Serverless destination: no DomainARN, TypeName, IndexRotationPeriod or
// DocumentIdOptions.
type AmazonOpenSearchServerlessDestinationConfiguration struct {
	RoleARN                  string                      `json:"RoleARN"`
	CollectionEndpoint       *string                     `json:"CollectionEndpoint,omitempty"`
	IndexName                string                      `json:"IndexName"`
	BufferingHints           *OpenSearchBufferingHints   `json:"BufferingHints,omitempty"`
	RetryOptions             *OpenSearchRetryOptions     `json:"RetryOptions,omitempty"`
	S3BackupMode             string                      `json:"S3BackupMode,omitempty"`
	S3Configuration          *S3DestinationConfiguration `json:"S3Configuration,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration    `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions   `json:"CloudWatchLoggingOptions,omitempty"`
	VpcConfiguration         *VpcConfiguration           `json:"VpcConfiguration,omitempty"`
}

// AmazonOpenSearchServerlessDestinationUpdate is UpdateDestination's
// OpenSearch Serverless update.
type AmazonOpenSearchServerlessDestinationUpdate struct {
	RoleARN                  *string                   `json:"RoleARN,omitempty"`
	CollectionEndpoint       *string                   `json:"CollectionEndpoint,omitempty"`
	IndexName                *string                   `json:"IndexName,omitempty"`
	BufferingHints           *OpenSearchBufferingHints `json:"BufferingHints,omitempty"`
	RetryOptions             *OpenSearchRetryOptions   `json:"RetryOptions,omitempty"`
	S3Update                 *S3DestinationUpdate      `json:"S3Update,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration  `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// AmazonOpenSearchServerlessDestinationDescription describes an OpenSearch
// Serverless destination.
type AmazonOpenSearchServerlessDestinationDescription struct {
	RoleARN                     *string                      `json:"RoleARN,omitempty"`
	CollectionEndpoint          *string                      `json:"CollectionEndpoint,omitempty"`
	IndexName                   *string                      `json:"IndexName,omitempty"`
	BufferingHints              *OpenSearchBufferingHints    `json:"BufferingHints,omitempty"`
	RetryOptions                *OpenSearchRetryOptions      `json:"RetryOptions,omitempty"`
	S3BackupMode                string                       `json:"S3BackupMode,omitempty"`
	S3DestinationDescription    *S3DestinationDescription    `json:"S3DestinationDescription,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	VpcConfigurationDescription *VpcConfigurationDescription `json:"VpcConfigurationDescription,omitempty"`
}

// OpenSearchEndpointShapes are the model shapes of the three destinations'
// endpoints, whose pattern is https:.*; LocalFirehoseModel relaxes them to
// accept http: too, for loopback and private hosts only (the caller checks).
var OpenSearchEndpointShapes = []string{
	"AmazonopensearchserviceClusterEndpoint", "ElasticsearchClusterEndpoint", "AmazonOpenSearchServerlessCollectionEndpoint",
}
