package builtin

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Type is a processor type.
type Type string

// The processor types (the model's ProcessorType), in the order Firehose
// runs them whatever their order in the request (spec §2.4).
const (
	TypeDecompression           Type = "Decompression"
	TypeCloudWatchLogProcessing Type = "CloudWatchLogProcessing"
	TypeRecordDeAggregation     Type = "RecordDeAggregation"
	TypeLambda                  Type = "Lambda"
	TypeMetadataExtraction      Type = "MetadataExtraction"
	TypeAppendDelimiterToRecord Type = "AppendDelimiterToRecord"
)

// effectiveOrder is the order of spec §2.4.
var effectiveOrder = [...]Type{
	TypeDecompression, TypeCloudWatchLogProcessing, TypeRecordDeAggregation,
	TypeLambda, TypeMetadataExtraction, TypeAppendDelimiterToRecord,
}

// Plan is a parsed ProcessingConfiguration: the processors it has, each
// ready to run, nil when absent. Run them in the order of Order (AWS's
// effective order, spec §2.4): Decompression, CloudWatchLogs,
// DeAggregation, Lambda, Metadata, AppendDelimiter.
type Plan struct {
	Order           []Type
	Decompression   *Decompressor
	CloudWatchLogs  *CloudWatchLogs
	DeAggregation   *DeAggregator
	Lambda          *LambdaParams
	Metadata        *MetadataExtractor
	AppendDelimiter *DelimiterAppender
}

// LambdaParams are a Lambda processor's parameters, defaults filled in.
type LambdaParams struct {
	ARN            string
	Retries        int
	BufferSize     int // bytes
	BufferInterval time.Duration
	RoleARN        string // "" when absent: the destination's role
}

// Lambda processor defaults (AWS documentation).
const (
	DefaultLambdaRetries        = 3
	DefaultLambdaBufferSize     = 1 << 20
	DefaultLambdaBufferInterval = 60 * time.Second
)

// The parameters each processor type takes.
var typeParams = map[Type][]string{
	TypeDecompression:           {"CompressionFormat"},
	TypeCloudWatchLogProcessing: {"DataMessageExtraction"},
	TypeRecordDeAggregation:     {"SubRecordType", "Delimiter"},
	TypeLambda:                  {"LambdaArn", "NumberOfRetries", "BufferSizeInMBs", "BufferIntervalInSeconds", "RoleArn"},
	TypeMetadataExtraction:      {"MetadataExtractionQuery", "JsonParsingEngine"},
	TypeAppendDelimiterToRecord: {"Delimiter"},
}

// AWS's messages (spec §1.2, §2.1, §2.2), and ours where AWS's are unknown
// (marked).
const (
	msgProcessorCount    = "A maximum of 5 and a minimum of 1 processor needs to be supplied when processing is enabled."
	msgTooManyLambdas    = "Cannot have more than 1 Lambda processor."
	msgLambdaArnRequired = "LambdaArn is required when Lambda processor is used."
	msgLambdaRetries     = "Number of retries for lambda must be between 0 and 300."
	msgLambdaBufferSize  = "BufferSizeInMBs for lambda processor must be between 0.2 and 3."
	msgLambdaInterval    = "BufferIntervalInSeconds for lambda processor must be between 0 and 900."
	msgLambdaBufferBoth  = "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor."
	msgSubRecordType     = "SubRecordType has to be one of JSON, DELIMITED"
	msgDelimiterRequired = "Delimiter should be present for DELIMITED"
	msgDataMessage       = "Invalid parameter value for DataMessageExtraction. Allowed values are True and False."
	msgCWLNeedsDecomp    = "CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor"
	msgJQEngine          = "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"
	msgDPOnly            = "class com.amazonaws.services.firehose.internal.model.%sProcessor can only be present when Dynamic Partitioning is enabled."
	// Ours, in the words of AWS's neighbouring messages.
	msgCompressionFormat = "CompressionFormat has to be one of GZIP"
	msgTooManyOfType     = "Cannot have more than 1 %s processor."
	// Ours, as delivery/lambda.go words them.
	msgDuplicateParam = "Processor parameter %s is specified more than once."
	msgParamNotValid  = "Processor parameter %s is not valid for processor type %s."
	msgInvalidValue   = "Processor parameter %s has invalid value %s: %s."
	msgUnknownType    = "Processor type %s is not supported."
)

func invalidArgument(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrInvalidArgument, format, args...)
}

// ParseProcessing validates a destination's ProcessingConfiguration and
// returns its Plan; nil, nil when processing is off: no configuration, no
// processors, or Enabled false (Enabled absent with processors counts as
// on, as in delivery/lambda.go; a disabled configuration is not checked).
// dynamicPartitioning is whether the destination's
// DynamicPartitioningConfiguration is enabled. Errors are the
// InvalidArgumentException CreateDeliveryStream and UpdateDestination
// answer with.
//
// The checks, in order: the processor count; a parameter named twice in a
// processor; more than one Lambda; then each processor in request order:
// MetadataExtraction and RecordDeAggregation only with dynamic
// partitioning, at most one of each type, parameters valid for the type,
// and their values; last, CloudWatchLogProcessing needs Decompression.
// Which check AWS makes first when several fail is unverified.
func ParseProcessing(pc *protocol.ProcessingConfiguration, dynamicPartitioning bool) (*Plan, *awsjson.Error) {
	if pc == nil || len(pc.Processors) == 0 && pc.Enabled == nil || pc.Enabled != nil && !*pc.Enabled {
		return nil, nil
	}
	if len(pc.Processors) < 1 || len(pc.Processors) > 5 {
		return nil, invalidArgument(msgProcessorCount)
	}
	lambdas := 0
	for _, p := range pc.Processors {
		seen := make(map[string]bool, len(p.Parameters))
		for _, param := range p.Parameters {
			if seen[param.ParameterName] {
				return nil, invalidArgument(msgDuplicateParam, param.ParameterName)
			}
			seen[param.ParameterName] = true
		}
		if Type(p.Type) == TypeLambda {
			lambdas++
		}
	}
	if lambdas > 1 {
		return nil, invalidArgument(msgTooManyLambdas)
	}
	plan := &Plan{}
	present := map[Type]bool{}
	for _, p := range pc.Processors {
		t := Type(p.Type)
		allowed, known := typeParams[t]
		if !known {
			return nil, invalidArgument(msgUnknownType, p.Type)
		}
		if !dynamicPartitioning && (t == TypeMetadataExtraction || t == TypeRecordDeAggregation) {
			return nil, invalidArgument(msgDPOnly, p.Type)
		}
		if present[t] {
			return nil, invalidArgument(msgTooManyOfType, p.Type)
		}
		present[t] = true
		params := map[string]string{}
		for _, param := range p.Parameters {
			if !slices.Contains(allowed, param.ParameterName) {
				return nil, invalidArgument(msgParamNotValid, param.ParameterName, p.Type)
			}
			params[param.ParameterName] = param.ParameterValue
		}
		var err *awsjson.Error
		switch t {
		case TypeDecompression:
			plan.Decompression, err = parseDecompression(params)
		case TypeCloudWatchLogProcessing:
			plan.CloudWatchLogs, err = parseCloudWatchLogs(params)
		case TypeRecordDeAggregation:
			plan.DeAggregation, err = parseDeAggregation(params)
		case TypeLambda:
			plan.Lambda, err = parseLambda(params)
		case TypeMetadataExtraction:
			plan.Metadata, err = parseMetadata(params)
		case TypeAppendDelimiterToRecord:
			plan.AppendDelimiter = parseAppendDelimiter(params)
		}
		if err != nil {
			return nil, err
		}
	}
	if plan.CloudWatchLogs != nil && plan.Decompression == nil {
		return nil, invalidArgument(msgCWLNeedsDecomp)
	}
	for _, t := range effectiveOrder {
		if present[t] {
			plan.Order = append(plan.Order, t)
		}
	}
	return plan, nil
}

// parseDecompression: CompressionFormat GZIP, the default (CDK's).
func parseDecompression(params map[string]string) (*Decompressor, *awsjson.Error) {
	if f, ok := params["CompressionFormat"]; ok && f != "GZIP" {
		return nil, invalidArgument(msgCompressionFormat)
	}
	return &Decompressor{MaxSize: MaxDecompressedSize}, nil
}

// parseCloudWatchLogs: DataMessageExtraction true or false in any case
// (the preflight rules compare it lower-cased), required.
func parseCloudWatchLogs(params map[string]string) (*CloudWatchLogs, *awsjson.Error) {
	switch strings.ToLower(params["DataMessageExtraction"]) {
	case "true":
		return &CloudWatchLogs{Extract: true}, nil
	case "false":
		return &CloudWatchLogs{}, nil
	}
	return nil, invalidArgument(msgDataMessage)
}

// parseDeAggregation: SubRecordType JSON or DELIMITED (exact case), and
// for DELIMITED a Delimiter in base64. A Delimiter with JSON is ignored
// (unverified).
func parseDeAggregation(params map[string]string) (*DeAggregator, *awsjson.Error) {
	switch params["SubRecordType"] {
	case "JSON":
		return &DeAggregator{}, nil
	case "DELIMITED":
		enc, ok := params["Delimiter"]
		if !ok {
			return nil, invalidArgument(msgDelimiterRequired)
		}
		d, err := base64.StdEncoding.Strict().DecodeString(enc)
		if err != nil || len(d) == 0 {
			return nil, invalidArgument(msgInvalidValue, "Delimiter", enc, "expected the base64 encoding of the delimiter")
		}
		return &DeAggregator{Delimiter: d}, nil
	}
	return nil, invalidArgument(msgSubRecordType)
}

// parseLambda: the rules and messages of spec §2.1, with
// delivery/lambda.go's check of the ARN's shape.
func parseLambda(params map[string]string) (*LambdaParams, *awsjson.Error) {
	lp := &LambdaParams{Retries: DefaultLambdaRetries, BufferSize: DefaultLambdaBufferSize, BufferInterval: DefaultLambdaBufferInterval}
	arn, ok := params["LambdaArn"]
	arn = strings.TrimSpace(arn)
	if !ok || arn == "" {
		return nil, invalidArgument(msgLambdaArnRequired)
	}
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":lambda:") || !strings.Contains(arn, ":function:") {
		return nil, invalidArgument(msgInvalidValue, "LambdaArn", params["LambdaArn"], "expected a Lambda function ARN")
	}
	lp.ARN = arn
	if v, ok := params["NumberOfRetries"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 300 {
			return nil, invalidArgument(msgLambdaRetries)
		}
		lp.Retries = n
	}
	size, hasSize := params["BufferSizeInMBs"]
	interval, hasInterval := params["BufferIntervalInSeconds"]
	if hasSize {
		f, err := strconv.ParseFloat(strings.TrimSpace(size), 64)
		if err != nil || !(f >= 0.2 && f <= 3) {
			return nil, invalidArgument(msgLambdaBufferSize)
		}
		lp.BufferSize = int(f * (1 << 20))
	}
	if hasInterval {
		n, err := strconv.Atoi(strings.TrimSpace(interval))
		if err != nil || n < 0 || n > 900 {
			return nil, invalidArgument(msgLambdaInterval)
		}
		lp.BufferInterval = time.Duration(n) * time.Second
	}
	if hasSize != hasInterval {
		return nil, invalidArgument(msgLambdaBufferBoth)
	}
	lp.RoleARN = strings.TrimSpace(params["RoleArn"])
	return lp, nil
}

// parseMetadata: JsonParsingEngine JQ-1.6 and a query, both required.
func parseMetadata(params map[string]string) (*MetadataExtractor, *awsjson.Error) {
	query, ok := params["MetadataExtractionQuery"]
	if params["JsonParsingEngine"] != "JQ-1.6" || !ok {
		return nil, invalidArgument(msgJQEngine)
	}
	return CompileQuery(query)
}

// parseAppendDelimiter: the delimiter is "\n" unless a Delimiter parameter
// is the base64 of another (unverified). Configurations in the wild pass a
// backslash and an n ("\\n" in HCL), which is not base64: such a value is
// accepted and means "\n".
func parseAppendDelimiter(params map[string]string) *DelimiterAppender {
	if enc, ok := params["Delimiter"]; ok {
		if d, err := base64.StdEncoding.Strict().DecodeString(enc); err == nil && len(d) > 0 {
			return &DelimiterAppender{Delimiter: d}
		}
	}
	return &DelimiterAppender{Delimiter: []byte{'\n'}}
}

// DelimiterAppender is the AppendDelimiterToRecord processor.
type DelimiterAppender struct {
	Delimiter []byte
}

// Append appends record and the delimiter to dst.
func (a *DelimiterAppender) Append(dst, record []byte) []byte {
	return append(append(dst, record...), a.Delimiter...)
}
