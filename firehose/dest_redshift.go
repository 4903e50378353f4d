package firehose

import (
	"net"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The Redshift destination's control plane: its checks at create and
// update, its update merge, and its description.

const defaultRedshiftBackupMode = "Disabled"

// checkRedshiftCreate checks a RedshiftDestinationConfiguration.
func checkRedshiftCreate(r *protocol.RedshiftDestinationConfiguration) *awsjson.Error {
	if err := delivery.CheckRedshift(r); err != nil {
		return err
	}
	return delivery.CheckJDBCURL(r.ClusterJDBCURL, "redshiftDestinationConfiguration.clusterJDBCURL")
}

// mergeRedshift applies a RedshiftDestinationUpdate to the stream's
// destination. Changing another destination to Redshift needs every member
// a new Redshift destination needs.
func (s *Service) mergeRedshift(st *stream, update map[string]any) (destination, *awsjson.Error) {
	var next destination
	cur := protocol.RedshiftDestinationConfiguration{}
	if st.dest.Redshift != nil {
		cur = *st.dest.Redshift
	} else {
		for _, path := range [][]string{{"RoleARN"}, {"ClusterJDBCURL"}, {"CopyCommand", "DataTableName"}, {"Username"}, {"Password"}, {"S3Update", "RoleARN"}, {"S3Update", "BucketARN"}} {
			if !hasMembers(update, path...) {
				return next, awsjson.NewError(awsjson.ErrInvalidArgument,
					"Changing the destination of Firehose %s to Redshift requires RedshiftDestinationUpdate with RoleARN, ClusterJDBCURL, CopyCommand, Username, Password and S3Update with RoleARN and BucketARN.", st.name)
			}
		}
	}
	merged, err := mergeUpdate[protocol.RedshiftDestinationConfiguration](cur, update,
		map[string]string{"S3Update": "S3Configuration", "S3BackupUpdate": "S3BackupConfiguration"})
	if err != nil {
		return next, err
	}
	if err := delivery.CheckRedshift(&merged); err != nil {
		return next, err
	}
	if st.dest.Redshift != nil && st.dest.Redshift.S3BackupMode == "Enabled" && merged.S3BackupMode != "Enabled" {
		return next, awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupMode cannot be changed from Enabled to Disabled.")
	}
	next.Redshift = &merged
	return next, nil
}

// describeRedshift renders a Redshift destination with its defaults
// materialised, without the write-only Password.
func describeRedshift(r protocol.RedshiftDestinationConfiguration) protocol.DestinationDescription {
	retry := delivery.RedshiftRetrySeconds(r)
	backup := r.S3BackupMode
	if backup == "" {
		backup = defaultRedshiftBackupMode
	}
	var cc *protocol.CopyCommand
	if r.CopyCommand != nil {
		c := *r.CopyCommand
		cc = &c
	}
	return protocol.DestinationDescription{
		DestinationId: DestinationID,
		RedshiftDestinationDescription: &protocol.RedshiftDestinationDescription{
			RoleARN:                     r.RoleARN,
			ClusterJDBCURL:              r.ClusterJDBCURL,
			CopyCommand:                 cc,
			Username:                    r.Username,
			RetryOptions:                &protocol.RedshiftRetryOptions{DurationInSeconds: &retry},
			S3DestinationDescription:    describeS3(delivery.ExtendedS3(r.S3Configuration)).S3DestinationDescription,
			ProcessingConfiguration:     describeProcessing(r.ProcessingConfiguration, r.RoleARN),
			S3BackupMode:                backup,
			S3BackupDescription:         describeBackup(r.S3BackupConfiguration),
			CloudWatchLoggingOptions:    loggingOptions(r.CloudWatchLoggingOptions),
			SecretsManagerConfiguration: r.SecretsManagerConfiguration,
		},
	}
}

// jdbcHost is the JDBC URL's scheme, host and port, for the console.
func jdbcHost(raw string) string {
	j, err := delivery.ParseJDBC(raw)
	if err != nil {
		return ""
	}
	return j.Scheme + "://" + net.JoinHostPort(j.Host, j.Port) + "/" + j.Database
}
