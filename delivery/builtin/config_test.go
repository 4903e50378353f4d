package builtin

import (
	"reflect"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/protocol"
)

// proc builds a processor from a type and name, value pairs.
func proc(typ string, nv ...string) protocol.Processor {
	p := protocol.Processor{Type: typ}
	for i := 0; i+1 < len(nv); i += 2 {
		p.Parameters = append(p.Parameters, protocol.ProcessorParameter{ParameterName: nv[i], ParameterValue: nv[i+1]})
	}
	return p
}

func processing(ps ...protocol.Processor) *protocol.ProcessingConfiguration {
	on := true
	return &protocol.ProcessingConfiguration{Enabled: &on, Processors: ps}
}

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"

var (
	pLambda   = proc("Lambda", "LambdaArn", testARN)
	pDecomp   = proc("Decompression", "CompressionFormat", "GZIP")
	pCWL      = proc("CloudWatchLogProcessing", "DataMessageExtraction", "true")
	pDeAgg    = proc("RecordDeAggregation", "SubRecordType", "JSON")
	pMetadata = proc("MetadataExtraction", "MetadataExtractionQuery", "{a:.a}", "JsonParsingEngine", "JQ-1.6")
	pAppend   = proc("AppendDelimiterToRecord")
)

func TestParseProcessingOff(t *testing.T) {
	off := false
	for _, pc := range []*protocol.ProcessingConfiguration{
		nil,
		{},
		{Enabled: &off, Processors: []protocol.Processor{pLambda, pLambda, proc("Bogus")}},
	} {
		if plan, err := ParseProcessing(pc, false); plan != nil || err != nil {
			t.Errorf("ParseProcessing(%+v) = %+v, %v; want nil, nil", pc, plan, err)
		}
	}
	// Enabled absent with processors counts as on.
	plan, err := ParseProcessing(&protocol.ProcessingConfiguration{Processors: []protocol.Processor{pLambda}}, false)
	if err != nil || plan == nil || plan.Lambda == nil {
		t.Errorf("Enabled absent: %+v, %v", plan, err)
	}
}

func TestParseProcessingErrors(t *testing.T) {
	big := processing(pLambda, pDecomp, pCWL, pAppend, pDecomp, pAppend)
	tests := []struct {
		name string
		pc   *protocol.ProcessingConfiguration
		dp   bool
		want string
	}{
		{"no processors", processing(), false, "A maximum of 5 and a minimum of 1 processor needs to be supplied when processing is enabled."},
		{"six processors", big, false, "A maximum of 5 and a minimum of 1 processor needs to be supplied when processing is enabled."},
		{"two lambdas", processing(pLambda, pLambda), false, "Cannot have more than 1 Lambda processor."},
		{"duplicate parameter first", processing(pLambda, pLambda, proc("Lambda", "NumberOfRetries", "1", "NumberOfRetries", "2")), false, "Processor parameter NumberOfRetries is specified more than once."},
		{"lambda arn missing", processing(proc("Lambda", "NumberOfRetries", "1")), false, "LambdaArn is required when Lambda processor is used."},
		{"lambda arn shape", processing(proc("Lambda", "LambdaArn", "fn")), false, "Processor parameter LambdaArn has invalid value fn: expected a Lambda function ARN."},
		{"retries range", processing(proc("Lambda", "LambdaArn", testARN, "NumberOfRetries", "301")), false, "Number of retries for lambda must be between 0 and 300."},
		{"retries not a number", processing(proc("Lambda", "LambdaArn", testARN, "NumberOfRetries", "x")), false, "Number of retries for lambda must be between 0 and 300."},
		{"size range", processing(proc("Lambda", "LambdaArn", testARN, "BufferSizeInMBs", "0.1", "BufferIntervalInSeconds", "60")), false, "BufferSizeInMBs for lambda processor must be between 0.2 and 3."},
		{"size NaN", processing(proc("Lambda", "LambdaArn", testARN, "BufferSizeInMBs", "NaN", "BufferIntervalInSeconds", "60")), false, "BufferSizeInMBs for lambda processor must be between 0.2 and 3."},
		{"interval range", processing(proc("Lambda", "LambdaArn", testARN, "BufferSizeInMBs", "1", "BufferIntervalInSeconds", "901")), false, "BufferIntervalInSeconds for lambda processor must be between 0 and 900."},
		{"size without interval", processing(proc("Lambda", "LambdaArn", testARN, "BufferSizeInMBs", "1")), false, "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor."},
		{"interval without size", processing(proc("Lambda", "LambdaArn", testARN, "BufferIntervalInSeconds", "60")), false, "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor."},
		{"lambda bad parameter", processing(proc("Lambda", "LambdaArn", testARN, "SubRecordType", "JSON")), false, "Processor parameter SubRecordType is not valid for processor type Lambda."},
		{"metadata without DP", processing(pMetadata), false, "class com.amazonaws.services.firehose.internal.model.MetadataExtractionProcessor can only be present when Dynamic Partitioning is enabled."},
		{"deaggregation without DP", processing(pDeAgg), false, "class com.amazonaws.services.firehose.internal.model.RecordDeAggregationProcessor can only be present when Dynamic Partitioning is enabled."},
		{"engine missing", processing(proc("MetadataExtraction", "MetadataExtractionQuery", "{a:.a}")), true, "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"},
		{"engine wrong", processing(proc("MetadataExtraction", "MetadataExtractionQuery", "{a:.a}", "JsonParsingEngine", "JQ-1.7")), true, "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"},
		{"query missing", processing(proc("MetadataExtraction", "JsonParsingEngine", "JQ-1.6")), true, "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"},
		{"query invalid", processing(proc("MetadataExtraction", "MetadataExtractionQuery", "{a:", "JsonParsingEngine", "JQ-1.6")), true, "MetaDataExtraction JQ Query is not valid: unexpected EOF"},
		{"metadata bad parameter", processing(proc("MetadataExtraction", "MetadataExtractionQuery", "{a:.a}", "JsonParsingEngine", "JQ-1.6", "Delimiter", "Cg==")), true, "Processor parameter Delimiter is not valid for processor type MetadataExtraction."},
		{"subrecord missing", processing(proc("RecordDeAggregation")), true, "SubRecordType has to be one of JSON, DELIMITED"},
		{"subrecord wrong", processing(proc("RecordDeAggregation", "SubRecordType", "json")), true, "SubRecordType has to be one of JSON, DELIMITED"},
		{"delimiter missing", processing(proc("RecordDeAggregation", "SubRecordType", "DELIMITED")), true, "Delimiter should be present for DELIMITED"},
		{"delimiter not base64", processing(proc("RecordDeAggregation", "SubRecordType", "DELIMITED", "Delimiter", "###")), true, "Processor parameter Delimiter has invalid value ###: expected the base64 encoding of the delimiter."},
		{"compression format", processing(proc("Decompression", "CompressionFormat", "ZIP")), false, "CompressionFormat has to be one of GZIP"},
		{"compression case", processing(proc("Decompression", "CompressionFormat", "gzip")), false, "CompressionFormat has to be one of GZIP"},
		{"data message missing", processing(pDecomp, proc("CloudWatchLogProcessing")), false, "Invalid parameter value for DataMessageExtraction. Allowed values are True and False."},
		{"data message wrong", processing(pDecomp, proc("CloudWatchLogProcessing", "DataMessageExtraction", "yes")), false, "Invalid parameter value for DataMessageExtraction. Allowed values are True and False."},
		{"cwl without decompression", processing(pCWL), false, "CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor"},
		{"cwl bad parameter", processing(pDecomp, proc("CloudWatchLogProcessing", "DataMessageExtraction", "true", "CompressionFormat", "GZIP")), false, "Processor parameter CompressionFormat is not valid for processor type CloudWatchLogProcessing."},
		{"append bad parameter", processing(proc("AppendDelimiterToRecord", "LambdaArn", testARN)), false, "Processor parameter LambdaArn is not valid for processor type AppendDelimiterToRecord."},
		{"two decompressions", processing(pDecomp, pDecomp), false, "Cannot have more than 1 Decompression processor."},
		{"unknown type", processing(proc("Bogus")), false, "Processor type Bogus is not supported."},
	}
	for _, tt := range tests {
		plan, err := ParseProcessing(tt.pc, tt.dp)
		if err == nil || err.Type != "InvalidArgumentException" || err.Status != 400 || err.Message != tt.want {
			t.Errorf("%s: ParseProcessing = %+v, %v; want InvalidArgumentException %q", tt.name, plan, err, tt.want)
		}
	}
}

func TestParseProcessingPlan(t *testing.T) {
	plan, err := ParseProcessing(processing(
		proc("MetadataExtraction", "JsonParsingEngine", "JQ-1.6", "MetadataExtractionQuery", "{b:.b, a:.a}"),
		proc("Lambda", "LambdaArn", " "+testARN+" ", "NumberOfRetries", "0", "BufferSizeInMBs", "0.5", "BufferIntervalInSeconds", "0", "RoleArn", "arn:aws:iam::123456789012:role/r"),
		proc("RecordDeAggregation", "SubRecordType", "DELIMITED", "Delimiter", "IyMjIw=="),
		proc("Decompression"),
		proc("CloudWatchLogProcessing", "DataMessageExtraction", "TRUE"),
	), true)
	if err != nil {
		t.Fatal(err)
	}
	want := []Type{TypeDecompression, TypeCloudWatchLogProcessing, TypeRecordDeAggregation, TypeLambda, TypeMetadataExtraction}
	if !reflect.DeepEqual(plan.Order, want) {
		t.Errorf("Order = %v, want %v", plan.Order, want)
	}
	if plan.Decompression == nil || plan.Decompression.MaxSize != MaxDecompressedSize {
		t.Errorf("Decompression = %+v", plan.Decompression)
	}
	if plan.CloudWatchLogs == nil || !plan.CloudWatchLogs.Extract {
		t.Errorf("CloudWatchLogs = %+v", plan.CloudWatchLogs)
	}
	if plan.DeAggregation == nil || string(plan.DeAggregation.Delimiter) != "####" {
		t.Errorf("DeAggregation = %+v", plan.DeAggregation)
	}
	wantLambda := LambdaParams{ARN: testARN, Retries: 0, BufferSize: 512 << 10, BufferInterval: 0, RoleARN: "arn:aws:iam::123456789012:role/r"}
	if plan.Lambda == nil || *plan.Lambda != wantLambda {
		t.Errorf("Lambda = %+v, want %+v", plan.Lambda, wantLambda)
	}
	if keys, ok := plan.Metadata.Keys(); !ok || !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Errorf("Metadata keys = %v, %v", keys, ok)
	}
	if plan.AppendDelimiter != nil {
		t.Errorf("AppendDelimiter = %+v, want nil", plan.AppendDelimiter)
	}

	plan, err = ParseProcessing(processing(pLambda, pAppend, pDecomp, pCWL), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Type{TypeDecompression, TypeCloudWatchLogProcessing, TypeLambda, TypeAppendDelimiterToRecord}; !reflect.DeepEqual(plan.Order, want) {
		t.Errorf("Order = %v, want %v", plan.Order, want)
	}
	wantLambda = LambdaParams{ARN: testARN, Retries: 3, BufferSize: 1 << 20, BufferInterval: 60 * time.Second}
	if *plan.Lambda != wantLambda {
		t.Errorf("Lambda defaults = %+v, want %+v", *plan.Lambda, wantLambda)
	}
	if plan.DeAggregation != nil || plan.Metadata != nil {
		t.Errorf("unexpected processors: %+v", plan)
	}
	if plan, err := ParseProcessing(processing(proc("RecordDeAggregation", "SubRecordType", "JSON", "Delimiter", "IyMjIw==")), true); err != nil || plan.DeAggregation.Delimiter != nil {
		t.Errorf("JSON with a Delimiter: %+v, %v", plan, err)
	}
}

func TestAppendDelimiter(t *testing.T) {
	for _, tt := range []struct {
		params []string
		want   string
	}{
		{nil, "\n"},
		{[]string{"Delimiter", `\n`}, "\n"}, // "\\n" in HCL, as configurations in the wild pass it
		{[]string{"Delimiter", "Cg=="}, "\n"},
		{[]string{"Delimiter", "LA=="}, ","},
		{[]string{"Delimiter", "IyMjIw=="}, "####"},
	} {
		plan, err := ParseProcessing(processing(proc("AppendDelimiterToRecord", tt.params...)), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(plan.AppendDelimiter.Append([]byte("a"), []byte(`{"x":1}`))); got != `a{"x":1}`+tt.want {
			t.Errorf("%v: Append = %q", tt.params, got)
		}
	}
}
