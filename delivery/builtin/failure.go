package builtin

// Failure is why a built-in processor could not process one record: what
// Firehose writes into the record's error document and the folder it goes
// to. Functions return a nil *Failure on success.
type Failure struct {
	// Code is the document's errorCode.
	Code string
	// Message is the document's errorMessage.
	Message string
	// OutputType is the !{firehose:error-output-type} of the object the
	// record's error document goes to.
	OutputType string
}

func (f *Failure) Error() string { return f.Code + ": " + f.Message }

// Error codes and error-output-types of the built-in processors.
const (
	// CodeMetadataExtractionFailed and OutputMetadataExtractionFailed are
	// AWS's (spec §1.3).
	CodeMetadataExtractionFailed   = "DynamicPartitioning.MetadataExtractionFailed"
	OutputMetadataExtractionFailed = "metadata-extraction-failed"

	// OutputDecompressionFailed is AWS's folder (spec §2.3); the code is
	// ours: AWS documents that the document has one, not which.
	CodeDecompressionFailed   = "Decompression.Failed"
	OutputDecompressionFailed = "decompression-failed"

	// CodeCloudWatchLogsFailed is ours, for a record that is not a
	// CloudWatch Logs subscription payload. AWS refuses puts from any other
	// source on such a stream (InvalidSourceException), so it documents no
	// such failure; the record goes where other processing failures go.
	CodeCloudWatchLogsFailed   = "CloudWatchLogProcessing.MalformedData"
	OutputCloudWatchLogsFailed = "processing-failed"

	// MsgNonJSON is AWS's message for a record that is not one JSON value.
	MsgNonJSON = "Non JSON record provided"
)

var failNonJSON = &Failure{Code: CodeMetadataExtractionFailed, Message: MsgNonJSON, OutputType: OutputMetadataExtractionFailed}

func metadataFailure(msg string) *Failure {
	return &Failure{Code: CodeMetadataExtractionFailed, Message: msg, OutputType: OutputMetadataExtractionFailed}
}
