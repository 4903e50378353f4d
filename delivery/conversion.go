package delivery

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/delivery/formatconv"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Record format conversion (DataFormatConversionConfiguration): at
// delivery, a batch of JSON records becomes one Parquet object with the
// columns of a Glue table, read from the Data Catalog (Deps.Schemas) when
// the batch is delivered. Records that do not convert go to the error
// output as format-conversion-failed documents; the rest are written.

// TableSchema is what record format conversion reads of a Glue table
// version.
type TableSchema struct {
	CatalogID, Database, Table, Region, VersionID string
	Columns                                       []formatconv.Column
}

// SchemaSource reads a table version from the Data Catalog in region
// (versionID "" or "LATEST": the newest). Its errors are Glue's answers
// (EntityNotFoundException...).
type SchemaSource func(region, catalogID, database, table, versionID string) (TableSchema, *awsjson.Error)

const (
	errTypeConversion = "format-conversion-failed"
	// The codes and texts AWS writes for a table it cannot read
	// (firehose-pipeline.md §4.4; the whole batch fails).
	codeEntityNotFound  = "DataFormatConversion.EntityNotFound"
	textEntityNotFound  = "The specified table/database could not be found. Please ensure that the table/database exists and that the values provided in the schema configuration are correct, especially with regards to casing."
	codeInvalidSchema   = "DataFormatConversion.InvalidSchema"
	codeConversionError = "DataFormatConversion.ConversionFailureException"
	// DefaultConversionBufferMB is the buffer size when conversion is on
	// and BufferingHints are not given.
	DefaultConversionBufferMB = 128
)

// ConversionEnabled reports whether d converts records: a
// DataFormatConversionConfiguration whose Enabled is not false.
func ConversionEnabled(d protocol.ExtendedS3DestinationConfiguration) bool {
	c := d.DataFormatConversionConfiguration
	return c != nil && (c.Enabled == nil || *c.Enabled)
}

// convConfig is a destination's conversion: the table it reads, the
// SerDes' options, and the converter of the schema it last read. Only the
// delivery goroutine uses it, one batch at a time.
type convConfig struct {
	dfcc *protocol.DataFormatConversionConfiguration
	opts formatconv.Options

	schema *TableSchema          // the schema conv was made for
	conv   *formatconv.Converter // nil until a batch is converted
}

func newConvConfig(c *protocol.DataFormatConversionConfiguration) *convConfig {
	return &convConfig{dfcc: c, opts: ConversionOptions(c)}
}

// ConversionOptions are the SerDes' options of c with AWS's defaults: the
// OpenX SerDe is case-insensitive, Parquet pages are SNAPPY-compressed,
// 1 MiB, in row groups of 256 MiB, written as V1 pages. AWS states no
// default for EnableDictionaryCompression; unset, it is on, as in the
// Parquet writer Hive's SerDe uses.
func ConversionOptions(c *protocol.DataFormatConversionConfiguration) formatconv.Options {
	o := formatconv.Options{
		CaseInsensitive: true, Compression: "SNAPPY", BlockSizeBytes: 256 << 20, PageSizeBytes: 1 << 20,
		WriterVersion: "V1", EnableDictionaryCompression: true,
	}
	if in := c.InputFormatConfiguration; in != nil && in.Deserializer != nil {
		if x := in.Deserializer.OpenXJsonSerDe; x != nil {
			if x.CaseInsensitive != nil {
				o.CaseInsensitive = *x.CaseInsensitive
			}
			if x.ConvertDotsInJsonKeysToUnderscores != nil {
				o.ConvertDotsInJSONKeysToUnderscores = *x.ConvertDotsInJsonKeysToUnderscores
			}
			o.ColumnToJSONKeyMappings = x.ColumnToJsonKeyMappings
		}
		if h := in.Deserializer.HiveJsonSerDe; h != nil {
			o.HiveJSON = true
			o.TimestampFormats = h.TimestampFormats
		}
	}
	if out := c.OutputFormatConfiguration; out != nil && out.Serializer != nil && out.Serializer.ParquetSerDe != nil {
		p := out.Serializer.ParquetSerDe
		if p.Compression != nil {
			o.Compression = *p.Compression
		}
		if p.BlockSizeBytes != nil {
			o.BlockSizeBytes = *p.BlockSizeBytes
		}
		if p.PageSizeBytes != nil {
			o.PageSizeBytes = *p.PageSizeBytes
		}
		if p.EnableDictionaryCompression != nil {
			o.EnableDictionaryCompression = *p.EnableDictionaryCompression
		}
		if p.WriterVersion != nil {
			o.WriterVersion = *p.WriterVersion
		}
	}
	return o
}

// SchemaTarget is the table a conversion reads, with the defaults filled
// in: the stream's region, its account's catalog, the newest version.
func SchemaTarget(c *protocol.DataFormatConversionConfiguration, region, account string) (tableRegion, catalogID, database, table, versionID string) {
	s := c.SchemaConfiguration
	tableRegion, catalogID, versionID = deref(s.Region), deref(s.CatalogId), deref(s.VersionId)
	if tableRegion == "" {
		tableRegion = region
	}
	if catalogID == "" {
		catalogID = account
	}
	if versionID == "" {
		versionID = "LATEST"
	}
	return tableRegion, catalogID, deref(s.DatabaseName), deref(s.TableName), versionID
}

// converter returns the converter of the table's schema as it is now,
// and the table as error documents name it; or, when the table cannot be
// read or converted to, the error code and message of every record.
func (c *convConfig) converter(p *Pipeline) (conv *formatconv.Converter, table protocol.DataCatalogTable, code, msg string) {
	region, catalog, db, name, version := SchemaTarget(c.dfcc, p.region, accountOf(p.arn))
	table = protocol.DataCatalogTable{
		CatalogID: catalog, DatabaseName: db, TableName: name, Region: region, VersionID: version,
		CatalogARN: "arn:aws:glue:" + region + ":" + catalog + ":catalog",
	}
	if p.d.Schemas == nil {
		return nil, table, codeEntityNotFound, textEntityNotFound
	}
	s, err := p.d.Schemas(region, catalog, db, name, version)
	if err != nil {
		return nil, table, codeEntityNotFound, textEntityNotFound
	}
	table.VersionID = s.VersionID
	if c.conv != nil && slices.Equal(c.schema.Columns, s.Columns) {
		return c.conv, table, "", ""
	}
	conv, cerr := formatconv.New(s.Columns, c.opts)
	if cerr != nil {
		return nil, table, codeInvalidSchema, "The schema is invalid. " + cerr.Error()
	}
	c.conv, c.schema = conv, &s
	return conv, table, "", ""
}

// accountOf is the account of an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// convertBatch converts b's records into the body of its object. Records
// that do not convert go to the error output; if none converts there is
// no object to write (ok false).
func (p *Pipeline) convertBatch(b *Batch) (body []byte, ok bool) {
	c := b.cfg.conv
	recs := make([][]byte, len(b.ends))
	for i := range recs {
		recs[i] = record(b, i)
	}
	conv, table, code, msg := c.converter(p)
	var failed []formatconv.Failure
	if conv != nil {
		var err error
		body, failed, err = conv.Convert(recs)
		if err != nil {
			conv, code, msg = nil, codeConversionError, err.Error()
		}
	}
	if conv == nil { // the whole batch fails
		body, failed = nil, make([]formatconv.Failure, len(recs))
		for i := range failed {
			failed[i] = formatconv.Failure{Index: i, Code: code, Message: msg}
		}
	}
	m := p.m
	failedBytes := 0
	for _, f := range failed {
		failedBytes += len(recs[f.Index])
	}
	m.ConversionFailedRecords.Add(int64(len(failed)))
	m.ConversionFailedBytes.Add(int64(failedBytes))
	m.ConversionOKRecords.Add(int64(len(recs) - len(failed)))
	m.ConversionOKBytes.Add(int64(len(b.data) - failedBytes))
	if len(failed) > 0 {
		p.conversionFailed(b, table, recs, failed)
	}
	return body, body != nil
}

// conversionFailed writes the records that did not convert to the error
// output, as AWS's format-conversion-failed documents, and logs the first
// failure to CloudWatch Logs.
func (p *Pipeline) conversionFailed(b *Batch, table protocol.DataCatalogTable, recs [][]byte, failed []formatconv.Failure) {
	p.log.Warn("records failed format conversion: written to the error output", "records", len(failed), "code", failed[0].Code, "message", failed[0].Message)
	p.logError(b.cfg, false, failed[0].Code, failed[0].Message, "")
	now := p.d.Clock.Now().UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	var eb *Batch
	for _, f := range failed {
		d := protocol.FormatConversionErrorDocument{
			AttemptsMade: 1, ArrivalTimestamp: b.arrivals[f.Index],
			LastErrorCode: f.Code, LastErrorMessage: f.Message, AttemptEndingTimestamp: now,
			RawData: base64.StdEncoding.EncodeToString(recs[f.Index]), DataCatalogTable: table,
		}
		if s, ok := b.seqAt(f.Index); ok {
			d.SequenceNumber, d.SubSequenceNumber = s.seq, &s.sub
		}
		doc, _ := json.Marshal(d)
		p.lin = b.linAt(f.Index)
		eb = p.errorDocLocked(errTypeConversion, doc, b.arrivals[f.Index])
		p.d.Lineage.SetCode(p.lin, f.Code)
	}
	p.lin = 0
	eb.inherit(b.holds)
	p.queueErrorsLocked()
}

// checkConversion applies AWS's rules to an enabled conversion, in the
// order AWS checks them (firehose-pipeline.md §4.2): the compression
// format, the buffer size, the three blocks, then their members. A
// disabled one is kept as it is, unchecked, as AWS keeps it.
func checkConversion(d *protocol.ExtendedS3DestinationConfiguration) *awsjson.Error {
	if !ConversionEnabled(*d) {
		return nil
	}
	c := d.DataFormatConversionConfiguration
	invalid := func(format string, args ...any) *awsjson.Error {
		return awsjson.NewError(awsjson.ErrInvalidArgument, format, args...)
	}
	if CompressionFormat(*d) != "UNCOMPRESSED" {
		return invalid("The S3 destination's compression format must be set to UNCOMPRESSED when data format conversion is enabled")
	}
	if h := d.BufferingHints; h != nil && h.SizeInMBs != nil && *h.SizeInMBs < 64 {
		return invalid("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled.")
	}
	switch {
	case c.InputFormatConfiguration == nil:
		return invalid("InputFormatConfiguration must not be null")
	case c.OutputFormatConfiguration == nil:
		return invalid("OutputFormatConfiguration must not be null")
	case c.SchemaConfiguration == nil:
		return invalid("SchemaConfiguration must not be null")
	}
	in, out, s := c.InputFormatConfiguration.Deserializer, c.OutputFormatConfiguration.Serializer, c.SchemaConfiguration
	switch {
	case in == nil || (in.OpenXJsonSerDe == nil && in.HiveJsonSerDe == nil):
		return invalid("Deserializer must not be null")
	case in.OpenXJsonSerDe != nil && in.HiveJsonSerDe != nil:
		return invalid("More than one deserializer specified. Only one may be chosen.")
	case out == nil || (out.ParquetSerDe == nil && out.OrcSerDe == nil):
		return invalid("Serializer must not be null")
	case out.ParquetSerDe != nil && out.OrcSerDe != nil:
		return invalid("More than one serializer specified. Only one may be chosen.")
	case s.RoleARN == nil:
		return invalid("RoleARN must not be null")
	case s.DatabaseName == nil:
		return invalid("DatabaseName must not be null")
	case s.TableName == nil:
		return invalid("TableName must not be null")
	case accountOf(*s.RoleARN) != accountOf(d.RoleARN):
		return invalid("Cross-account pass role is not allowed.")
	}
	if h := in.HiveJsonSerDe; h != nil {
		for _, f := range h.TimestampFormats {
			if formatconv.CheckTimestampFormat(f) != nil {
				return invalid("One or more SerDe options are invalid for org.apache.hcatalog.data.JsonSerDe: [Key: timestamp.formats Value: %s]", strings.Join(h.TimestampFormats, ","))
			}
		}
	}
	if out.OrcSerDe != nil {
		return protocol.Unsupported("ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.OrcSerDe (ORC output: no independent ORC reader is available here to check what would be written; see docs/differences.md)")
	}
	return nil
}
