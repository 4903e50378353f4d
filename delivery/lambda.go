package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/google/uuid"
)

// The Lambda processor: Firehose's transformation contract. Records go to
// the function as one event, base64 in JSON; its answer gives each record
// back Ok (with new data), Dropped or ProcessingFailed. An invocation that
// fails is retried NumberOfRetries times.

// ErrFunctionNotFound is what invoking a transform returns (wrapped) for a
// function that does not exist.
var ErrFunctionNotFound = errors.New("function not found")

// Lambda processor limits (AWS documentation).
const (
	// maxInvokePayload is Lambda's synchronous request limit; the
	// processor cuts its buffer before an event would pass it.
	maxInvokePayload = 6 << 20
	// perRecordEventOverhead bounds the JSON around one record's base64 data.
	perRecordEventOverhead = 128
)

// LambdaARN is the function a valid ProcessingConfiguration runs, "" when
// processing is off.
func LambdaARN(pc *protocol.ProcessingConfiguration) string {
	if plan, _ := builtin.ParseProcessing(pc, true); plan != nil && plan.Lambda != nil {
		return plan.Lambda.ARN
	}
	return ""
}

// The error codes and messages Firehose writes into error documents.
const (
	codeFunctionError    = "Lambda.FunctionError"
	codeProcessingFailed = "Lambda.ProcessingFailedStatus"
	codeMissingRecordID  = "Lambda.MissingRecordId"
	codeDuplicatedID     = "Lambda.DuplicatedRecordId"
	codeJSONProcessing   = "Lambda.JsonProcessingException"
	codeNotFound         = "Lambda.ResourceNotFound"

	msgFunctionError    = "The Lambda function was successfully invoked but it returned an error result."
	msgProcessingFailed = "ProcessingFailed status set for record"
	msgMissingRecordID  = "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids."
	msgTimeout          = "Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes."
)

// invocationFailure is why one attempt did not produce usable results.
type invocationFailure struct{ code, message string }

var recordIDSeq atomic.Uint64

// lambdaProcessor invokes a Lambda function with each batch.
type lambdaProcessor struct {
	arn     string
	retries int
}

func (l *lambdaProcessor) Name() string { return l.arn }

// fitsEvent reports whether n record bytes in count records make an
// invocation event within Lambda's synchronous payload limit.
func fitsEvent(n, count int) bool {
	return (n+2)/3*4+count*perRecordEventOverhead+512 <= maxInvokePayload
}

// Process sends b through the function, retrying a failed invocation
// NumberOfRetries times.
func (l *lambdaProcessor) Process(ctx context.Context, p *Pipeline, b *Batch) (Outcome, bool) {
	n := len(b.ends)
	ids := make([]string, n)
	base := recordIDSeq.Add(uint64(n)) - uint64(n)
	event := protocol.TransformEvent{InvocationID: uuid.NewString(), DeliveryStreamArn: p.arn, SourceKinesisStreamArn: p.source,
		Region: p.region, Records: make([]protocol.TransformEventRecord, n)}
	var meta []protocol.KinesisRecordMetadata
	if b.kinesis != nil {
		meta = make([]protocol.KinesisRecordMetadata, n)
	}
	for i := range n {
		ids[i] = fmt.Sprintf("%s%020d", recordIDPrefix, base+uint64(i))
		event.Records[i] = protocol.TransformEventRecord{RecordID: ids[i], ApproximateArrivalTimestamp: b.arrivals[i], Data: record(b, i)}
		if m := metaAt(b.kinesis, i); m != nil && m.ShardID != "" {
			meta[i] = protocol.KinesisRecordMetadata{ShardID: m.ShardID, PartitionKey: m.PartitionKey,
				ApproximateArrivalTimestamp: m.Arrival, SequenceNumber: m.SequenceNumber, SubsequenceNumber: m.SubsequenceNumber}
			event.Records[i].KinesisRecordMetadata = &meta[i]
		}
	}
	payload, _ := json.Marshal(event)
	region := p.region
	if parts := strings.Split(l.arn, ":"); len(parts) > 3 && parts[3] != "" {
		region = parts[3]
	}
	var fail invocationFailure
	var calls []lineage.Attempt
	var spent time.Duration
	attempts := 0
	for attempts < 1+l.retries {
		attempts++
		start := p.d.Clock.Now()
		res, err := p.d.Invoke(ctx, region, l.arn, payload)
		out, fnErr := res.Payload, res.FunctionError
		p.m.ProcAttempts.Add(1)
		took := p.d.Clock.Now().Sub(start)
		if res.Duration > 0 {
			took = res.Duration
		}
		spent += took
		calls = append(calls, lineage.Attempt{RequestID: res.RequestID})
		p.m.ProcDuration.Observe(p.d.Clock.Now().Sub(start).Seconds())
		if err == nil && fnErr == "" {
			p.m.ProcSuccess.Add(1)
		}
		if ctx.Err() != nil {
			return Outcome{}, false
		}
		switch {
		case errors.Is(err, ErrFunctionNotFound):
			fail = invocationFailure{codeNotFound, fmt.Sprintf("The Lambda function %s was not found.", l.arn)}
		case err != nil:
			fail = invocationFailure{codeFunctionError, err.Error()}
		case fnErr != "":
			fail = invocationFailure{codeFunctionError, msgFunctionError}
			if res.Failure == lambdarunner.FailureTimeout {
				fail.message = msgTimeout
			}
			p.log.Warn("transform function returned an error", "function", l.arn, "attempt", attempts, "error", truncate(out, 2048))
		default:
			results, f := parseTransformResponse(out, ids)
			if f == nil {
				ok, dropped, failed := countResults(results)
				p.d.annotate(res.RequestID, p.arn, ids[0], attempts, ok, dropped, failed, "")
				return Outcome{Results: results, Attempts: attempts, Calls: calls, Duration: spent}, true
			}
			fail = *f
			p.d.annotate(res.RequestID, p.arn, ids[0], attempts, 0, 0, 0, fail.code+": "+fail.message)
			p.log.Warn("transform function response rejected", "function", l.arn, "attempt", attempts, "errorCode", fail.code, "error", fail.message)
		}
		if err != nil {
			p.log.Warn("transform function invocation failed", "function", l.arn, "attempt", attempts, "errorCode", fail.code, "error", fail.message)
			p.log.Debug("transform function invocation error", "function", l.arn, "error", err)
		}
		if err != nil || fnErr != "" {
			// The invocation history links even a failed call to its stream.
			p.d.annotate(res.RequestID, p.arn, ids[0], attempts, 0, 0, 0, fail.code+": "+fail.message)
		}
		calls[len(calls)-1].Error = fail.code + ": " + fail.message
		p.logError(b.cfg, false, fail.code, fail.message, l.arn)
	}
	return Outcome{Failure: &Failure{Code: fail.code, Message: fail.message}, Attempts: attempts, Calls: calls, Duration: spent}, true
}

// recordIDPrefix makes the record IDs of one server look like AWS's long
// numeric IDs; IDs are unique within the process.
var recordIDPrefix = strconv.FormatInt(time.Now().UnixNano(), 10)

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// parseTransformResponse checks a function's answer the way Firehose does:
// every record ID returned exactly once, no unknown IDs, a known result, and
// base64 data for Ok records.
func parseTransformResponse(out []byte, ids []string) ([]Result, *invocationFailure) {
	recs, ok := protocol.ScanTransformResponse(out)
	if !ok {
		var fail *invocationFailure
		if recs, fail = decodeTransformResponse(out); fail != nil {
			return nil, fail
		}
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	results := make([]Result, len(ids))
	seen := make([]bool, len(ids))
	for _, r := range recs {
		if !r.HasRecordID {
			return nil, &invocationFailure{codeJSONProcessing, "A record in the Lambda response has no recordId."}
		}
		i, ok := index[string(r.RecordID)]
		if !ok {
			return nil, &invocationFailure{codeJSONProcessing, fmt.Sprintf("The Lambda response contains record Id %q, which was not in the request.", r.RecordID)}
		}
		if seen[i] {
			return nil, &invocationFailure{codeDuplicatedID, fmt.Sprintf("Record Id %s was returned more than once by the Lambda function.", r.RecordID)}
		}
		seen[i] = true
		switch result := string(r.Result); result {
		case "Ok":
			if !r.HasData {
				return nil, &invocationFailure{codeJSONProcessing, fmt.Sprintf("Record %s has result Ok but no data.", r.RecordID)}
			}
			data := make([]byte, base64.StdEncoding.DecodedLen(len(r.Data)))
			n, err := base64.StdEncoding.Decode(data, r.Data)
			if err != nil {
				return nil, &invocationFailure{codeJSONProcessing, fmt.Sprintf("The data of record %s is not valid base64: %v.", r.RecordID, err)}
			}
			results[i] = Result{Status: "Ok", Data: data[:n:n], PartitionKeys: partitionKeys(r.PartitionKeys)}
		case "Dropped":
			results[i] = Result{Status: "Dropped"}
		case "ProcessingFailed":
			results[i] = Result{Status: "ProcessingFailed", Code: codeProcessingFailed, Message: msgProcessingFailed}
		default:
			return nil, &invocationFailure{codeJSONProcessing, fmt.Sprintf("Record %s has result %q; it must be Ok, Dropped or ProcessingFailed.", r.RecordID, result)}
		}
	}
	for _, s := range seen {
		if !s {
			return nil, &invocationFailure{codeMissingRecordID, msgMissingRecordID}
		}
	}
	return results, nil
}

// decodeTransformResponse reads a transform's answer with encoding/json,
// for what protocol.ScanTransformResponse leaves to it.
func decodeTransformResponse(out []byte) ([]protocol.TransformRecord, *invocationFailure) {
	var resp protocol.TransformResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&resp); err != nil || resp.Records == nil {
		msg := "The response from the Lambda function is not valid JSON with a records array"
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, &invocationFailure{codeJSONProcessing, msg + "."}
	}
	recs := make([]protocol.TransformRecord, len(resp.Records))
	for i, r := range resp.Records {
		if r.RecordID != nil {
			recs[i].RecordID, recs[i].HasRecordID = []byte(*r.RecordID), true
		}
		if r.Result != nil {
			recs[i].Result, recs[i].HasResult = []byte(*r.Result), true
		}
		if r.Data != nil {
			recs[i].Data, recs[i].HasData = []byte(*r.Data), true
		}
		if r.Metadata != nil {
			recs[i].PartitionKeys = r.Metadata.PartitionKeys
		}
	}
	return recs, nil
}

// partitionKeys reads a record's metadata.partitionKeys: strings as they
// are, numbers and booleans as their JSON text (as a Java Map<String,String>
// would take them). null, objects and arrays are left out, so a Prefix that
// uses such a key sends the record to the error output.
func partitionKeys(raw map[string]json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case '"':
			var str string
			if json.Unmarshal(v, &str) == nil {
				out[k] = str
			}
		case '{', '[', 'n':
		default:
			out[k] = string(v)
		}
	}
	return out
}

func countResults(results []Result) (ok, dropped, failed int) {
	for _, r := range results {
		switch r.Status {
		case "Ok":
			ok++
		case "Dropped":
			dropped++
		default:
			failed++
		}
	}
	return ok, dropped, failed
}
