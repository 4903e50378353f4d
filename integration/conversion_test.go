package integration_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// createTable creates the Glue database db (if new) and its table with
// the given columns (name, Hive type), as Terraform's
// aws_glue_catalog_table does for Firehose.
func createTable(t *testing.T, env *emulatortest.Env, db, table string, cols ...[2]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.Glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db)}); err != nil {
		if _, err := env.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(db)}}); err != nil {
			t.Fatalf("CreateDatabase: %v", err)
		}
	}
	var cs []gluetypes.Column
	for _, c := range cols {
		cs = append(cs, gluetypes.Column{Name: aws.String(c[0]), Type: aws.String(c[1])})
	}
	_, err := env.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: &gluetypes.TableInput{
		Name: aws.String(table), TableType: aws.String("EXTERNAL_TABLE"),
		Parameters: map[string]string{"EXTERNAL": "TRUE", "parquet.compression": "SNAPPY"},
		StorageDescriptor: &gluetypes.StorageDescriptor{
			Columns: cs, Location: aws.String("s3://deliveries/"),
			InputFormat:  aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
				Parameters: map[string]string{"serialization.format": "1"}},
		},
	}})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

// conversion is a record format conversion to Parquet with the table
// db.table and the OpenX JSON SerDe.
func conversion(db, table string) *types.DataFormatConversionConfiguration {
	return &types.DataFormatConversionConfiguration{
		SchemaConfiguration:       &types.SchemaConfiguration{RoleARN: aws.String(roleARN), DatabaseName: aws.String(db), TableName: aws.String(table)},
		InputFormatConfiguration:  &types.InputFormatConfiguration{Deserializer: &types.Deserializer{OpenXJsonSerDe: &types.OpenXJsonSerDe{}}},
		OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{ParquetSerDe: &types.ParquetSerDe{}}},
	}
}

// conversionDest is an S3 destination converting with db.table.
func conversionDest(db, table string) *types.ExtendedS3DestinationConfiguration {
	d := s3Dest()
	d.Prefix = aws.String("parquet/")
	d.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	d.BufferingHints = hints(64, 60)
	d.DataFormatConversionConfiguration = conversion(db, table)
	return d
}

// Every rule CreateDeliveryStream applies to a conversion, with AWS's
// words, in AWS's order; and a table Firehose cannot read.
func TestConversionValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createTable(t, env, "db", "t", [2]string{"a", "int"})
	ctx := context.Background()
	mod := func(f func(d *types.ExtendedS3DestinationConfiguration)) *types.ExtendedS3DestinationConfiguration {
		d := conversionDest("db", "t")
		f(d)
		return d
	}
	for _, c := range []struct {
		name      string
		dest      *types.ExtendedS3DestinationConfiguration
		code, msg string
	}{
		{"compressed", mod(func(d *types.ExtendedS3DestinationConfiguration) { d.CompressionFormat = types.CompressionFormatGzip }),
			"InvalidArgumentException", "The S3 destination's compression format must be set to UNCOMPRESSED when data format conversion is enabled"},
		{"small buffer", mod(func(d *types.ExtendedS3DestinationConfiguration) { d.BufferingHints = hints(5, 60) }),
			"InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled."},
		{"no input", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.InputFormatConfiguration = nil
		}),
			"InvalidArgumentException", "InputFormatConfiguration must not be null"},
		{"no output", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.OutputFormatConfiguration = nil
		}),
			"InvalidArgumentException", "OutputFormatConfiguration must not be null"},
		{"no schema", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.SchemaConfiguration = nil
		}),
			"InvalidArgumentException", "SchemaConfiguration must not be null"},
		{"no deserializer", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer = &types.Deserializer{}
		}), "InvalidArgumentException", "Deserializer must not be null"},
		{"two deserializers", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.HiveJsonSerDe = &types.HiveJsonSerDe{}
		}), "InvalidArgumentException", "More than one deserializer specified. Only one may be chosen."},
		{"no serializer", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer = nil
		}), "InvalidArgumentException", "Serializer must not be null"},
		{"two serializers", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.OrcSerDe = &types.OrcSerDe{}
		}), "InvalidArgumentException", "More than one serializer specified. Only one may be chosen."},
		{"no database", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.SchemaConfiguration.DatabaseName = nil
		}),
			"InvalidArgumentException", "DatabaseName must not be null"},
		{"cross-account role", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.SchemaConfiguration.RoleARN = aws.String("arn:aws:iam::111122223333:role/glue")
		}), "InvalidArgumentException", "Cross-account pass role is not allowed."},
		{"bad timestamp format", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer = &types.Deserializer{HiveJsonSerDe: &types.HiveJsonSerDe{TimestampFormats: []string{"yyyy-MM-dd'T", "millis"}}}
		}), "InvalidArgumentException", "One or more SerDe options are invalid for org.apache.hcatalog.data.JsonSerDe: [Key: timestamp.formats Value: yyyy-MM-dd'T,millis]"},
		{"model: small block", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.BlockSizeBytes = aws.Int32(1 << 20)
		}), "ValidationException", "blockSizeBytes' failed to satisfy constraint: Member must have value greater than or equal to 67108864"},
		{"model: ZSTD", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe.Compression = "ZSTD"
		}), "ValidationException", "Member must satisfy enum value set: [UNCOMPRESSED, GZIP, SNAPPY]"},
		{"missing table", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.SchemaConfiguration.TableName = aws.String("nope")
		}),
			"InvalidArgumentException", "Access was denied when calling Glue. Please ensure that the role specified in the data format conversion configuration has the necessary permissions. Table nope not found."},
		{"missing database", mod(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DataFormatConversionConfiguration.SchemaConfiguration.DatabaseName = aws.String("nodb")
		}), "InvalidArgumentException", "Access was denied when calling Glue. Please ensure that the role specified in the data format conversion configuration has the necessary permissions. Database nodb not found."},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("refused"), ExtendedS3DestinationConfiguration: c.dest})
			wantAPIError(t, err, c.code, c.msg)
		})
	}

	// Without BufferingHints the buffer is 128 MiB; Describe echoes the
	// conversion as given.
	d := conversionDest("db", "t")
	d.BufferingHints = nil
	d.DataFormatConversionConfiguration.InputFormatConfiguration.Deserializer.OpenXJsonSerDe.ColumnToJsonKeyMappings = map[string]string{"a": "A"}
	createStream(t, env.Firehose, "ok", d)
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("ok")})
	if err != nil {
		t.Fatal(err)
	}
	x := out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	if got := aws.ToInt32(x.BufferingHints.SizeInMBs); got != 128 {
		t.Errorf("SizeInMBs = %d, want 128 (the default with conversion)", got)
	}
	got, _ := json.Marshal(x.DataFormatConversionConfiguration)
	want, _ := json.Marshal(d.DataFormatConversionConfiguration)
	if string(got) != string(want) {
		t.Errorf("described conversion\n%s\nwant\n%s", got, want)
	}

	// UpdateDestination checks the merged conversion the same way.
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{
		DeliveryStreamName: aws.String("ok"), CurrentDeliveryStreamVersionId: out.DeliveryStreamDescription.VersionId,
		DestinationId: aws.String("destinationId-000000000001"),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{DataFormatConversionConfiguration: &types.DataFormatConversionConfiguration{
			SchemaConfiguration: &types.SchemaConfiguration{TableName: aws.String("gone")}}},
	})
	wantAPIError(t, err, "InvalidArgumentException", "Table gone not found.")
	if !strings.Contains(err.Error(), "Access was denied when calling Glue.") {
		t.Errorf("update: %v", err)
	}
}
