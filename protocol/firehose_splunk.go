package protocol

// SplunkBufferingHints are a Splunk destination's buffering hints (1–5 MB,
// 0–60 s); their members are BufferingHints'.
type SplunkBufferingHints = BufferingHints

// SplunkRetryOptions is how long failed deliveries to Splunk are retried.
type SplunkRetryOptions = HttpEndpointRetryOptions

// SplunkDestinationConfiguration is the Splunk destination. It is also the
// form in which firehose-local stores it.
type SplunkDestinationConfiguration struct {
	HECEndpoint                       string                       `json:"HECEndpoint"`
	HECEndpointType                   string                       `json:"HECEndpointType"`
	HECToken                          *string                      `json:"HECToken,omitempty"`
	HECAcknowledgmentTimeoutInSeconds *int                         `json:"HECAcknowledgmentTimeoutInSeconds,omitempty"`
	RetryOptions                      *SplunkRetryOptions          `json:"RetryOptions,omitempty"`
	S3BackupMode                      string                       `json:"S3BackupMode,omitempty"`
	S3Configuration                   *S3DestinationConfiguration  `json:"S3Configuration,omitempty"`
	ProcessingConfiguration           *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions          *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	BufferingHints                    *SplunkBufferingHints        `json:"BufferingHints,omitempty"`
	SecretsManagerConfiguration       *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// SplunkDestinationUpdate is UpdateDestination's Splunk update.
type SplunkDestinationUpdate struct {
	HECEndpoint                       *string                      `json:"HECEndpoint,omitempty"`
	HECEndpointType                   *string                      `json:"HECEndpointType,omitempty"`
	HECToken                          *string                      `json:"HECToken,omitempty"`
	HECAcknowledgmentTimeoutInSeconds *int                         `json:"HECAcknowledgmentTimeoutInSeconds,omitempty"`
	RetryOptions                      *SplunkRetryOptions          `json:"RetryOptions,omitempty"`
	S3BackupMode                      *string                      `json:"S3BackupMode,omitempty"`
	S3Update                          *S3DestinationUpdate         `json:"S3Update,omitempty"`
	ProcessingConfiguration           *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions          *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	BufferingHints                    *SplunkBufferingHints        `json:"BufferingHints,omitempty"`
	SecretsManagerConfiguration       *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// SplunkDestinationDescription describes the Splunk destination.
type SplunkDestinationDescription struct {
	HECEndpoint                       string                       `json:"HECEndpoint,omitempty"`
	HECEndpointType                   string                       `json:"HECEndpointType,omitempty"`
	HECToken                          *string                      `json:"HECToken,omitempty"`
	HECAcknowledgmentTimeoutInSeconds *int                         `json:"HECAcknowledgmentTimeoutInSeconds,omitempty"`
	RetryOptions                      *SplunkRetryOptions          `json:"RetryOptions,omitempty"`
	S3BackupMode                      string                       `json:"S3BackupMode,omitempty"`
	S3DestinationDescription          *S3DestinationDescription    `json:"S3DestinationDescription,omitempty"`
	ProcessingConfiguration           *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	CloudWatchLoggingOptions          *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	BufferingHints                    *SplunkBufferingHints        `json:"BufferingHints,omitempty"`
	SecretsManagerConfiguration       *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}
