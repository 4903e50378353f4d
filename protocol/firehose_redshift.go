package protocol

// The Redshift destination's wire shapes (RedshiftDestination* in the
// Firehose model). Password is write-only: the description has no such
// member. Serverless workgroups are not a member of their own: their
// ClusterJDBCURL names a host under .redshift-serverless.

// CopyCommand is the COPY Firehose issues: the table, its columns (a comma
// list; empty: all) and the options appended to the command.
type CopyCommand struct {
	DataTableName    string  `json:"DataTableName"`
	DataTableColumns *string `json:"DataTableColumns,omitempty"`
	CopyOptions      *string `json:"CopyOptions,omitempty"`
}

// RedshiftRetryOptions is how long a failed COPY is retried.
type RedshiftRetryOptions struct {
	DurationInSeconds *int `json:"DurationInSeconds,omitempty"`
}

// RedshiftDestinationConfiguration is the Redshift destination: records
// are staged in S3Configuration's bucket, then COPYed into the table.
type RedshiftDestinationConfiguration struct {
	RoleARN                     string                       `json:"RoleARN"`
	ClusterJDBCURL              string                       `json:"ClusterJDBCURL"`
	CopyCommand                 *CopyCommand                 `json:"CopyCommand,omitempty"`
	Username                    *string                      `json:"Username,omitempty"`
	Password                    *string                      `json:"Password,omitempty"`
	RetryOptions                *RedshiftRetryOptions        `json:"RetryOptions,omitempty"`
	S3Configuration             *S3DestinationConfiguration  `json:"S3Configuration,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                string                       `json:"S3BackupMode,omitempty"`
	S3BackupConfiguration       *S3DestinationConfiguration  `json:"S3BackupConfiguration,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// RedshiftDestinationUpdate is UpdateDestination's Redshift update.
type RedshiftDestinationUpdate struct {
	RoleARN                     *string                      `json:"RoleARN,omitempty"`
	ClusterJDBCURL              *string                      `json:"ClusterJDBCURL,omitempty"`
	CopyCommand                 *CopyCommand                 `json:"CopyCommand,omitempty"`
	Username                    *string                      `json:"Username,omitempty"`
	Password                    *string                      `json:"Password,omitempty"`
	RetryOptions                *RedshiftRetryOptions        `json:"RetryOptions,omitempty"`
	S3Update                    *S3DestinationUpdate         `json:"S3Update,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                *string                      `json:"S3BackupMode,omitempty"`
	S3BackupUpdate              *S3DestinationUpdate         `json:"S3BackupUpdate,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// RedshiftDestinationDescription describes the Redshift destination,
// without its password.
type RedshiftDestinationDescription struct {
	RoleARN                     string                       `json:"RoleARN"`
	ClusterJDBCURL              string                       `json:"ClusterJDBCURL"`
	CopyCommand                 *CopyCommand                 `json:"CopyCommand"`
	Username                    *string                      `json:"Username,omitempty"`
	RetryOptions                *RedshiftRetryOptions        `json:"RetryOptions,omitempty"`
	S3DestinationDescription    *S3DestinationDescription    `json:"S3DestinationDescription"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                string                       `json:"S3BackupMode,omitempty"`
	S3BackupDescription         *S3DestinationDescription    `json:"S3BackupDescription,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// ClusterJDBCURLShape is the model shape of a Redshift destination's JDBC
// URL, whose pattern admits only hosts under .redshift. or
// .redshift-serverless.
const ClusterJDBCURLShape = "ClusterJDBCURL"
