package integration_test

//lint:file-ignore SA1019 these tests exercise deprecated AWS members on purpose: clients still send them

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

const (
	roleARN   = "arn:aws:iam::000000000000:role/firehose"
	bucketARN = "arn:aws:s3:::deliveries"
)

// newEnv starts an emulator with the "deliveries" bucket every test stream
// delivers to.
func newEnv(t *testing.T, cfg emulator.Config) *emulatortest.Env {
	t.Helper()
	env := emulatortest.New(t, cfg)
	if _, err := env.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return env
}

func s3Dest() *types.ExtendedS3DestinationConfiguration {
	return &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}
}

func createStream(t *testing.T, fh *firehose.Client, name string, dest *types.ExtendedS3DestinationConfiguration) string {
	t.Helper()
	out, err := fh.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String(name),
		ExtendedS3DestinationConfiguration: dest,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

// wantAPIError checks that err is the AWS error code with a message
// containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("want %s message containing %q, got %q", code, msg, ae.ErrorMessage())
	}
}

func TestCreateDescribeDefaults(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	arn := createStream(t, env.Firehose, "orders", s3Dest())
	if arn != "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders" {
		t.Fatalf("ARN = %s", arn)
	}
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.DeliveryStreamDescription
	if d.DeliveryStreamStatus != types.DeliveryStreamStatusActive || aws.ToString(d.VersionId) != "1" ||
		d.DeliveryStreamType != types.DeliveryStreamTypeDirectPut || aws.ToBool(d.HasMoreDestinations) {
		t.Fatalf("description = %+v", d)
	}
	if d.CreateTimestamp == nil || time.Since(*d.CreateTimestamp) > time.Minute {
		t.Fatalf("CreateTimestamp = %v", d.CreateTimestamp)
	}
	if d.DeliveryStreamEncryptionConfiguration == nil || d.DeliveryStreamEncryptionConfiguration.Status != types.DeliveryStreamEncryptionStatusDisabled {
		t.Fatalf("encryption = %+v", d.DeliveryStreamEncryptionConfiguration)
	}
	if len(d.Destinations) != 1 || aws.ToString(d.Destinations[0].DestinationId) != "destinationId-000000000001" {
		t.Fatalf("destinations = %+v", d.Destinations)
	}
	x := d.Destinations[0].ExtendedS3DestinationDescription
	if x == nil || d.Destinations[0].S3DestinationDescription == nil {
		t.Fatal("want both ExtendedS3DestinationDescription and S3DestinationDescription")
	}
	if aws.ToInt32(x.BufferingHints.SizeInMBs) != 5 || aws.ToInt32(x.BufferingHints.IntervalInSeconds) != 300 ||
		x.CompressionFormat != types.CompressionFormatUncompressed ||
		x.EncryptionConfiguration.NoEncryptionConfig != types.NoEncryptionConfigNoEncryption ||
		x.S3BackupMode != types.S3BackupModeDisabled || aws.ToString(x.Prefix) != "" ||
		x.CloudWatchLoggingOptions == nil || aws.ToBool(x.CloudWatchLoggingOptions.Enabled) ||
		aws.ToString(x.BucketARN) != bucketARN || aws.ToString(x.RoleARN) != roleARN || x.ErrorOutputPrefix != nil {
		t.Fatalf("defaults not materialised: %+v", x)
	}
}

func TestCreateErrors(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createStream(t, env.Firehose, "dup", s3Dest())
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("dup"), ExtendedS3DestinationConfiguration: s3Dest()})
	wantAPIError(t, err, "ResourceInUseException", "dup")

	cases := []struct {
		name string
		in   *firehose.CreateDeliveryStreamInput
		code string
		msg  string
	}{
		{"no destination", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a")},
			"InvalidArgumentException", "Exactly one destination configuration"},
		{"two destinations", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"), ExtendedS3DestinationConfiguration: s3Dest(),
			S3DestinationConfiguration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}},
			"InvalidArgumentException", "Exactly one destination configuration"},
		{"name pattern", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("bad name!"), ExtendedS3DestinationConfiguration: s3Dest()},
			"ValidationException", "1 validation error detected: Value 'bad name!' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"name length", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(strings.Repeat("a", 65)), ExtendedS3DestinationConfiguration: s3Dest()},
			"ValidationException", "at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bucket ARN pattern", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String("mybucket")}},
			"ValidationException", "Value 'mybucket' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}"},
		{"buffer range and compression enum", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
				BufferingHints:    &types.BufferingHints{SizeInMBs: aws.Int32(129), IntervalInSeconds: aws.Int32(901)},
				CompressionFormat: "BROTLI"}},
			"ValidationException", "3 validation errors detected: Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128; Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900; Value 'BROTLI' at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]"},
		{"processor type enum (1-based list path)", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
				ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{Type: "NotLambda"}}}}},
			"ValidationException", "at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [RecordDeAggregation, Decompression, CloudWatchLogProcessing, Lambda, MetadataExtraction, AppendDelimiterToRecord]"},
		{"tag key aws: prefix", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"), ExtendedS3DestinationConfiguration: s3Dest(),
			Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("v")}}},
			"ValidationException", "Value 'aws:reserved' at 'tags.1.member.key'"},
		{"prefix expressions need an error prefix", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
				Prefix: aws.String("year=!{timestamp:yyyy}/")}},
			"InvalidArgumentException", "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"},
		{"buffering hints together", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
				BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1)}}},
			"InvalidArgumentException", "must be specified together"},
		{"bad time zone", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
			ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
				CustomTimeZone: aws.String("Mars/Olympus")}},
			"InvalidArgumentException", "CustomTimeZone Mars/Olympus"},
		{"customer key needs KeyARN", &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"), ExtendedS3DestinationConfiguration: s3Dest(),
			DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk}},
			"InvalidArgumentException", "KeyARN is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.Firehose.CreateDeliveryStream(ctx, c.in)
			wantAPIError(t, err, c.code, c.msg)
		})
	}
}

// Every destination, source and feature firehose-local does not implement
// yet is refused by name, never accepted and ignored.
func TestCreateRefusesUnsupported(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	s3cfg := &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}
	cases := []struct {
		name string
		in   firehose.CreateDeliveryStreamInput
		want string
	}{
		{"redshift LZOP", firehose.CreateDeliveryStreamInput{RedshiftDestinationConfiguration: &types.RedshiftDestinationConfiguration{
			RoleARN: aws.String(roleARN), ClusterJDBCURL: aws.String("jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/db"),
			Username: aws.String("u"), Password: aws.String("secret1"),
			CopyCommand: &types.CopyCommand{DataTableName: aws.String("t"), CopyOptions: aws.String("delimiter '\\t' lzop")}, S3Configuration: s3cfg}},
			"the COPY option LZOP in CopyCommand.CopyOptions"},
		{"iceberg", firehose.CreateDeliveryStreamInput{IcebergDestinationConfiguration: &types.IcebergDestinationConfiguration{
			RoleARN: aws.String(roleARN), CatalogConfiguration: &types.CatalogConfiguration{CatalogARN: aws.String("arn:aws:glue:us-east-1:000000000000:catalog")},
			S3Configuration: s3cfg}}, "IcebergDestinationConfiguration"},
		{"http endpoint secret", firehose.CreateDeliveryStreamInput{HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://example.com")}, S3Configuration: s3cfg,
			SecretsManagerConfiguration: &types.SecretsManagerConfiguration{Enabled: aws.Bool(true), SecretARN: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:s")}}},
			"SecretsManagerConfiguration with Enabled true"},
		{"snowflake", firehose.CreateDeliveryStreamInput{SnowflakeDestinationConfiguration: &types.SnowflakeDestinationConfiguration{
			AccountUrl: aws.String("account.us-east-1.snowflakecomputing.com"), Database: aws.String("d"), Schema: aws.String("s"), Table: aws.String("t"),
			RoleARN: aws.String(roleARN), S3Configuration: s3cfg}}, "SnowflakeDestinationConfiguration"},
		{"msk source type", firehose.CreateDeliveryStreamInput{DeliveryStreamType: types.DeliveryStreamTypeMSKAsSource, ExtendedS3DestinationConfiguration: s3Dest()}, "DeliveryStreamType MSKAsSource"},
		{"ORC output", firehose.CreateDeliveryStreamInput{ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
			DataFormatConversionConfiguration: &types.DataFormatConversionConfiguration{
				SchemaConfiguration:       &types.SchemaConfiguration{RoleARN: aws.String(roleARN), DatabaseName: aws.String("db"), TableName: aws.String("t")},
				InputFormatConfiguration:  &types.InputFormatConfiguration{Deserializer: &types.Deserializer{OpenXJsonSerDe: &types.OpenXJsonSerDe{}}},
				OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{OrcSerDe: &types.OrcSerDe{}}},
			}}},
			"ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.OrcSerDe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.DeliveryStreamName = aws.String("refused")
			_, err := env.Firehose.CreateDeliveryStream(ctx, &in)
			wantAPIError(t, err, "InvalidArgumentException", "firehose-local does not support "+c.want)
		})
	}
	// Nothing was created by any refused request.
	out, err := env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil || len(out.DeliveryStreamNames) != 0 {
		t.Fatalf("list after refusals = %v, %v", out.DeliveryStreamNames, err)
	}
}

func TestListDeliveryStreamsPaging(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	for _, n := range []string{"c", "a", "e", "b", "d", "f", "g", "h", "i", "j", "k", "l"} {
		createStream(t, env.Firehose, n, s3Dest())
	}
	out, err := env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.DeliveryStreamNames, ","); got != "a,b,c,d,e,f,g,h,i,j" || !aws.ToBool(out.HasMoreDeliveryStreams) {
		t.Fatalf("default page = %s more=%v", got, aws.ToBool(out.HasMoreDeliveryStreams))
	}
	out, err = env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{Limit: aws.Int32(3), ExclusiveStartDeliveryStreamName: aws.String("j")})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.DeliveryStreamNames, ","); got != "k,l" || aws.ToBool(out.HasMoreDeliveryStreams) {
		t.Fatalf("last page = %s more=%v", got, aws.ToBool(out.HasMoreDeliveryStreams))
	}
	out, err = env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource})
	if err != nil || len(out.DeliveryStreamNames) != 0 {
		t.Fatalf("type filter = %v, %v", out.DeliveryStreamNames, err)
	}
	_, err = env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{Limit: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

func TestRegionsAreSeparate(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	west := firehose.NewFromConfig(env.AWS, func(o *firehose.Options) { o.Region = "eu-west-1" })
	out, err := west.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("s"), ExtendedS3DestinationConfiguration: s3Dest()})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.DeliveryStreamARN) != "arn:aws:firehose:eu-west-1:000000000000:deliverystream/s" {
		t.Fatalf("ARN = %s", aws.ToString(out.DeliveryStreamARN))
	}
	_, err = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose s under account 000000000000 not found.")
}

func TestDeleteDeliveryStream(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createStream(t, env.Firehose, "gone", s3Dest())
	if _, err := env.Firehose.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	_, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose gone under account 000000000000 not found.")
	_, err = env.Firehose.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	wantAPIError(t, err, "ResourceNotFoundException", "not found")
	// The name can be used again.
	createStream(t, env.Firehose, "gone", s3Dest())
}

// With a transition delay, streams go CREATING → ACTIVE and DELETING → gone,
// and encryption ENABLING → ENABLED and DISABLING → DISABLED, on the clock.
func TestLifecycleTransitions(t *testing.T) {
	clock := emulator.NewFakeClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	env := newEnv(t, emulator.Config{TransitionDelay: 5 * time.Second, Clock: clock})
	ctx := context.Background()
	status := func() (types.DeliveryStreamStatus, types.DeliveryStreamEncryptionStatus) {
		t.Helper()
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		d := out.DeliveryStreamDescription
		return d.DeliveryStreamStatus, d.DeliveryStreamEncryptionConfiguration.Status
	}
	createStream(t, env.Firehose, "s", s3Dest())
	if st, _ := status(); st != types.DeliveryStreamStatusCreating {
		t.Fatalf("status = %s, want CREATING", st)
	}
	_, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "not found")
	_, err = env.Firehose.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceInUseException", "CREATING")
	clock.Advance(5 * time.Second)
	if st, _ := status(); st != types.DeliveryStreamStatusActive {
		t.Fatalf("status = %s, want ACTIVE", st)
	}

	if _, err := env.Firehose.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, enc := status(); enc != types.DeliveryStreamEncryptionStatusEnabling {
		t.Fatalf("encryption = %s, want ENABLING", enc)
	}
	_, err = env.Firehose.StopDeliveryStreamEncryption(ctx, &firehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceInUseException", "encryption")
	clock.Advance(5 * time.Second)
	if _, enc := status(); enc != types.DeliveryStreamEncryptionStatusEnabled {
		t.Fatalf("encryption = %s, want ENABLED", enc)
	}
	put, err := env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("x")}})
	if err != nil || !aws.ToBool(put.Encrypted) {
		t.Fatalf("PutRecord on an encrypted stream = %+v, %v; want Encrypted true", put, err)
	}
	batch, err := env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: []types.Record{{Data: []byte("x")}}})
	if err != nil || !aws.ToBool(batch.Encrypted) {
		t.Fatalf("PutRecordBatch on an encrypted stream = %+v, %v; want Encrypted true", batch, err)
	}
	if _, err := env.Firehose.StopDeliveryStreamEncryption(ctx, &firehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, enc := status(); enc != types.DeliveryStreamEncryptionStatusDisabling {
		t.Fatalf("encryption = %s, want DISABLING", enc)
	}
	clock.Advance(5 * time.Second)
	if _, enc := status(); enc != types.DeliveryStreamEncryptionStatusDisabled {
		t.Fatalf("encryption = %s, want DISABLED", enc)
	}
	put, err = env.Firehose.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("x")}})
	if err != nil || aws.ToBool(put.Encrypted) {
		t.Fatalf("PutRecord after encryption stopped = %+v, %v; want Encrypted false", put, err)
	}
	batch, err = env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: []types.Record{{Data: []byte("x")}}})
	if err != nil || aws.ToBool(batch.Encrypted) {
		t.Fatalf("PutRecordBatch after encryption stopped = %+v, %v; want Encrypted false", batch, err)
	}

	if _, err := env.Firehose.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(); st != types.DeliveryStreamStatusDeleting {
		t.Fatalf("status = %s, want DELETING", st)
	}
	clock.Advance(5 * time.Second)
	_, err = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceNotFoundException", "not found")
}

func TestEncryptionRulesAndLimit(t *testing.T) {
	clock := emulator.NewFakeClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	env := newEnv(t, emulator.Config{Clock: clock})
	ctx := context.Background()
	createStream(t, env.Firehose, "s", s3Dest())
	keyARN := "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	_, err := env.Firehose.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s"),
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk, KeyARN: aws.String(keyARN)}})
	wantAPIError(t, err, "InvalidArgumentException", "KeyARN must not be specified")
	_, err = env.Firehose.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s"),
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: aws.String("arn:aws:kms:us-east-1:000000000000:alias/x")}})
	wantAPIError(t, err, "ValidationException", "deliveryStreamEncryptionConfigurationInput.keyARN")
	_, err = env.Firehose.StartDeliveryStreamEncryption(ctx, &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose nope under account 000000000000 not found.")

	for i := 0; i < 25; i++ {
		in := &firehose.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s"),
			DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: aws.String(keyARN)}}
		if i%2 == 0 {
			_, err = env.Firehose.StartDeliveryStreamEncryption(ctx, in)
		} else {
			_, err = env.Firehose.StopDeliveryStreamEncryption(ctx, &firehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")})
		}
		if err != nil {
			t.Fatalf("toggle %d: %v", i, err)
		}
		clock.Advance(time.Minute)
	}
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	enc := out.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration
	if enc.Status != types.DeliveryStreamEncryptionStatusEnabled || enc.KeyType != types.KeyTypeCustomerManagedCmk || aws.ToString(enc.KeyARN) != keyARN {
		t.Fatalf("encryption = %+v", enc)
	}
	_, err = env.Firehose.StopDeliveryStreamEncryption(ctx, &firehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")})
	wantAPIError(t, err, "LimitExceededException", "25")
	clock.Advance(24 * time.Hour)
	if _, err = env.Firehose.StopDeliveryStreamEncryption(ctx, &firehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("s")}); err != nil {
		t.Fatalf("after 24 h: %v", err)
	}
}

func TestTags(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("s"), ExtendedS3DestinationConfiguration: s3Dest(),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}})
	if err != nil {
		t.Fatal(err)
	}
	var tags []types.Tag
	for i := 0; i < 49; i++ {
		tags = append(tags, types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")})
	}
	if _, err := env.Firehose.TagDeliveryStream(ctx, &firehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("s"), Tags: tags}); err != nil {
		t.Fatal(err)
	}
	_, err = env.Firehose.TagDeliveryStream(ctx, &firehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("s"), Tags: []types.Tag{{Key: aws.String("one-too-many")}}})
	wantAPIError(t, err, "LimitExceededException", "50")
	// Replacing an existing key does not count against the limit.
	if _, err := env.Firehose.TagDeliveryStream(ctx, &firehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("s"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}); err != nil {
		t.Fatal(err)
	}
	page, err := env.Firehose.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("s"), Limit: aws.Int32(10), ExclusiveStartTagKey: aws.String("k44")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tg := range page.Tags {
		keys = append(keys, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if got := strings.Join(keys, ","); got != "k45=v,k46=v,k47=v,k48=v,team=platform" || aws.ToBool(page.HasMoreTags) {
		t.Fatalf("tags page = %s more=%v", got, aws.ToBool(page.HasMoreTags))
	}
	page, _ = env.Firehose.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("s"), Limit: aws.Int32(2)})
	if len(page.Tags) != 2 || !aws.ToBool(page.HasMoreTags) {
		t.Fatalf("limited page = %d tags, more=%v", len(page.Tags), aws.ToBool(page.HasMoreTags))
	}
	if _, err := env.Firehose.UntagDeliveryStream(ctx, &firehose.UntagDeliveryStreamInput{DeliveryStreamName: aws.String("s"), TagKeys: []string{"team", "not-there"}}); err != nil {
		t.Fatal(err)
	}
	page, _ = env.Firehose.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	if len(page.Tags) != 49 {
		t.Fatalf("after untag: %d tags", len(page.Tags))
	}
	_, err = env.Firehose.UntagDeliveryStream(ctx, &firehose.UntagDeliveryStreamInput{DeliveryStreamName: aws.String("s"), TagKeys: []string{}})
	wantAPIError(t, err, "ValidationException", "at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1")
	_, err = env.Firehose.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose nope under account 000000000000 not found.")
}

func TestUpdateDestination(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	dest := s3Dest()
	dest.Prefix = aws.String("raw/")
	dest.CompressionFormat = types.CompressionFormatGzip
	createStream(t, env.Firehose, "s", dest)
	update := func(version string, u *types.ExtendedS3DestinationUpdate) error {
		_, err := env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("s"),
			CurrentDeliveryStreamVersionId: aws.String(version), DestinationId: aws.String("destinationId-000000000001"), ExtendedS3DestinationUpdate: u})
		return err
	}
	if err := update("1", &types.ExtendedS3DestinationUpdate{BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}}); err != nil {
		t.Fatal(err)
	}
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.DeliveryStreamDescription
	x := d.Destinations[0].ExtendedS3DestinationDescription
	if aws.ToString(d.VersionId) != "2" || d.LastUpdateTimestamp == nil {
		t.Fatalf("version = %s, LastUpdateTimestamp = %v", aws.ToString(d.VersionId), d.LastUpdateTimestamp)
	}
	if aws.ToInt32(x.BufferingHints.SizeInMBs) != 1 || aws.ToInt32(x.BufferingHints.IntervalInSeconds) != 60 ||
		aws.ToString(x.Prefix) != "raw/" || x.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("merge lost values: %+v", x)
	}
	err = update("1", &types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")})
	wantAPIError(t, err, "ConcurrentModificationException", "version")
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("s"),
		CurrentDeliveryStreamVersionId: aws.String("2"), DestinationId: aws.String("destinationId-000000000009"), ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{}})
	wantAPIError(t, err, "InvalidArgumentException", "destinationId-000000000009")
	err = update("2", &types.ExtendedS3DestinationUpdate{DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}})
	wantAPIError(t, err, "InvalidArgumentException", "Dynamic Partitioning can only be enabled when the Firehose stream is created.")
	err = update("2", &types.ExtendedS3DestinationUpdate{Prefix: aws.String("p/!{timestamp:yyyy}/")})
	wantAPIError(t, err, "InvalidArgumentException", "ErrorOutputPrefix cannot be null or empty")
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("s"),
		CurrentDeliveryStreamVersionId: aws.String("2"), DestinationId: aws.String("destinationId-000000000001"),
		HttpEndpointDestinationUpdate: &types.HttpEndpointDestinationUpdate{}})
	// Another destination type needs its required members (AWS does not merge across types).
	wantAPIError(t, err, "InvalidArgumentException", "requires HttpEndpointDestinationUpdate.EndpointConfiguration and S3Update with RoleARN and BucketARN")
	// The legacy S3 update merges into the same destination.
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("s"),
		CurrentDeliveryStreamVersionId: aws.String("2"), DestinationId: aws.String("destinationId-000000000001"),
		S3DestinationUpdate: &types.S3DestinationUpdate{Prefix: aws.String("legacy/")}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	x = out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	if aws.ToString(out.DeliveryStreamDescription.VersionId) != "3" || aws.ToString(x.Prefix) != "legacy/" || x.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("after S3DestinationUpdate: version %s, %+v", aws.ToString(out.DeliveryStreamDescription.VersionId), x)
	}
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("nope"),
		CurrentDeliveryStreamVersionId: aws.String("1"), DestinationId: aws.String("destinationId-000000000001"), ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{}})
	wantAPIError(t, err, "ResourceNotFoundException", "not found")
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// ctxFor is a context that ends after d or with the test.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}
