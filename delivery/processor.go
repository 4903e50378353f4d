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

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/protocol"
)

// ErrFunctionNotFound is what invoking a transform returns (wrapped) for a
// function that does not exist.
var ErrFunctionNotFound = errors.New("function not found")

// Lambda processor defaults and limits (AWS documentation).
const (
	defaultProcRetries   = 3
	defaultProcSizeBytes = 1 << 20
	defaultProcInterval  = 60 * time.Second
	maxProcRetries       = 300
	// maxInvokePayload is Lambda's synchronous request limit; the
	// processor cuts its buffer before an event would pass it.
	maxInvokePayload = 6 << 20
	// perRecordEventOverhead bounds the JSON around one record's base64 data.
	perRecordEventOverhead = 128
)

// procConfig is a destination's Lambda processor.
type procConfig struct {
	lambdaARN string
	retries   int
	sizeLimit int
	interval  time.Duration
}

// parseProcessing reads a ProcessingConfiguration. It returns nil when
// processing is off, and refuses by name every processor firehose-local does
// not implement.
func parseProcessing(pc *protocol.ProcessingConfiguration, maxInterval time.Duration) (*procConfig, *protocol.Error) {
	if pc == nil || len(pc.Processors) == 0 || (pc.Enabled != nil && !*pc.Enabled) {
		return nil, nil
	}
	var cfg *procConfig
	for _, proc := range pc.Processors {
		if proc.Type != "Lambda" {
			return nil, protocol.Unsupported("the " + proc.Type + " processor")
		}
		if cfg != nil {
			return nil, protocol.NewError(protocol.ErrInvalidArgument, "Only one Lambda processor is supported per destination.")
		}
		cfg = &procConfig{retries: defaultProcRetries, sizeLimit: defaultProcSizeBytes, interval: defaultProcInterval}
		seen := map[string]bool{}
		for _, param := range proc.Parameters {
			name, v := param.ParameterName, strings.TrimSpace(param.ParameterValue)
			if seen[name] {
				return nil, protocol.NewError(protocol.ErrInvalidArgument, "Processor parameter %s is specified more than once.", name)
			}
			seen[name] = true
			bad := func(want string) *protocol.Error {
				return protocol.NewError(protocol.ErrInvalidArgument, "Processor parameter %s has invalid value %s: %s.", name, param.ParameterValue, want)
			}
			switch name {
			case "LambdaArn":
				if !strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":lambda:") || !strings.Contains(v, ":function:") {
					return nil, bad("expected a Lambda function ARN")
				}
				cfg.lambdaARN = v
			case "NumberOfRetries":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > maxProcRetries {
					return nil, bad(fmt.Sprintf("expected an integer from 0 to %d", maxProcRetries))
				}
				cfg.retries = n
			case "BufferSizeInMBs":
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0.2 || f > 3 {
					return nil, bad("expected a number of MB from 0.2 to 3")
				}
				cfg.sizeLimit = int(f * (1 << 20))
			case "BufferIntervalInSeconds":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 900 {
					return nil, bad("expected an integer from 0 to 900")
				}
				cfg.interval = time.Duration(n) * time.Second
			case "RoleArn":
				// IAM is not emulated: the role is accepted as the destination's is.
			default:
				return nil, protocol.NewError(protocol.ErrInvalidArgument, "Processor parameter %s is not valid for processor type Lambda.", name)
			}
		}
		if cfg.lambdaARN == "" {
			return nil, protocol.NewError(protocol.ErrInvalidArgument, "Processor parameter LambdaArn is required for processor type Lambda.")
		}
	}
	if maxInterval > 0 && cfg.interval > maxInterval {
		cfg.interval = maxInterval
	}
	return cfg, nil
}

// LambdaARN is the function a valid ProcessingConfiguration runs, "" when
// processing is off.
func LambdaARN(pc *protocol.ProcessingConfiguration) string {
	if c, _ := parseProcessing(pc, 0); c != nil {
		return c.lambdaARN
	}
	return ""
}

// procStage is the processor's buffer and queue; the pipeline's mutex
// guards it. Records wait here, are sent through the function in batches,
// and what the function returns Ok goes on to the destination buffer.
type procStage struct {
	buf      *Batch
	timer    clock.Timer
	queue    []*Batch
	inflight *Batch
	wake     chan struct{}
	closed   bool
}

func (p *Pipeline) procAppendLocked(r []byte, ms int64, arrival time.Time, h *Hold) {
	c := p.cfg.proc
	if b := p.proc.buf; b != nil && (len(b.data)+len(r) > c.sizeLimit || eventSize(len(b.data)+len(r), len(b.ends)+1) > maxInvokePayload) {
		p.procCutLocked()
	}
	if p.proc.buf == nil {
		b := &Batch{cfg: p.cfg, first: arrival, done: make(chan struct{})}
		p.proc.buf = b
		if c.interval > 0 {
			p.proc.timer = p.d.Clock.AfterFunc(c.interval, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.proc.buf == b {
					p.procCutLocked()
				}
			})
		}
	}
	b := p.proc.buf
	b.hold(h)
	b.data = append(b.data, r...)
	b.ends = append(b.ends, len(b.data))
	b.arrivals = append(b.arrivals, ms)
	if len(b.data) >= c.sizeLimit {
		p.procCutLocked()
	}
}

// eventSize bounds the size of the invocation event for n record bytes in
// count records.
func eventSize(n, count int) int {
	return (n+2)/3*4 + count*perRecordEventOverhead + 512
}

func (p *Pipeline) procCutLocked() {
	if p.proc.buf == nil {
		return
	}
	if p.proc.timer != nil {
		p.proc.timer.Stop()
		p.proc.timer = nil
	}
	p.proc.queue = append(p.proc.queue, p.proc.buf)
	p.proc.buf = nil
	if !p.proc.closed {
		select {
		case p.proc.wake <- struct{}{}:
		default:
		}
	}
}

// FlushProcessing cuts the processor's buffer and returns the batches still
// to be processed.
func (p *Pipeline) FlushProcessing() []*Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procCutLocked()
	return append([]*Batch(nil), p.proc.queue...)
}

// procDiscardLocked drops the processor's records (stream deleted) and
// returns how many there were.
func (p *Pipeline) procDiscardLocked() int {
	p.procCutLocked()
	n := 0
	for _, b := range p.proc.queue {
		n += len(b.ends)
		if b != p.proc.inflight {
			p.d.Pending.Release(len(b.data))
			p.releaseHolds(b)
			close(b.done)
		}
	}
	p.proc.queue = nil
	if !p.proc.closed {
		p.proc.closed = true
		close(p.proc.wake)
	}
	return n
}

// runProcessing sends processor batches through the function in order. When
// the stage is closed and drained it closes the delivery stage.
func (p *Pipeline) runProcessing() {
	defer p.d.WG.Done()
	defer p.closeDelivery()
	for {
		p.mu.Lock()
		if len(p.proc.queue) == 0 {
			closed := p.proc.closed
			p.mu.Unlock()
			if closed {
				return
			}
			<-p.proc.wake
			continue
		}
		b := p.proc.queue[0]
		p.proc.inflight = b
		p.mu.Unlock()
		p.process(b)
		p.mu.Lock()
		p.proc.inflight = nil
		if len(p.proc.queue) > 0 && p.proc.queue[0] == b {
			p.proc.queue = p.proc.queue[1:]
		}
		p.mu.Unlock()
	}
}

// Wire shapes of the Firehose transformation contract.
type (
	transformEvent struct {
		InvocationID      string           `json:"invocationId"`
		DeliveryStreamArn string           `json:"deliveryStreamArn"`
		Region            string           `json:"region"`
		Records           []transformInput `json:"records"`
	}
	transformInput struct {
		RecordID                    string `json:"recordId"`
		ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
		Data                        []byte `json:"data"`
	}
	transformResponse struct {
		Records []transformOutput `json:"records"`
	}
	transformOutput struct {
		RecordID *string `json:"recordId"`
		Result   *string `json:"result"`
		Data     *string `json:"data"`
	}
	// errorDocument is one line of a processing-failed object, with the keys
	// in the order real objects show them.
	errorDocument struct {
		RawData                string `json:"rawData"`
		ErrorCode              string `json:"errorCode"`
		ErrorMessage           string `json:"errorMessage"`
		AttemptsMade           int    `json:"attemptsMade"`
		ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
		AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
		LambdaARN              string `json:"lambdaARN"`
	}
)

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

// process sends one processor batch through the function, retrying a failed
// invocation NumberOfRetries times, and hands the outcome on: Ok records to
// the destination buffer, ProcessingFailed records (or the whole batch, when
// every attempt failed) to the error output. Nothing is dropped silently.
func (p *Pipeline) process(b *Batch) {
	cfg := b.cfg.proc
	n := len(b.ends)
	ids := make([]string, n)
	base := recordIDSeq.Add(uint64(n)) - uint64(n)
	event := transformEvent{InvocationID: uuid.NewString(), DeliveryStreamArn: p.arn, Region: p.region, Records: make([]transformInput, n)}
	for i := range n {
		ids[i] = fmt.Sprintf("%s%020d", recordIDPrefix, base+uint64(i))
		event.Records[i] = transformInput{RecordID: ids[i], ApproximateArrivalTimestamp: b.arrivals[i], Data: record(b, i)}
	}
	payload, _ := json.Marshal(event)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.discarded:
		case <-p.d.Abort.Done():
		case <-ctx.Done():
		}
		cancel()
	}()
	region := p.region
	if parts := strings.Split(cfg.lambdaARN, ":"); len(parts) > 3 && parts[3] != "" {
		region = parts[3]
	}
	var fail invocationFailure
	attempts := 0
	for attempts < 1+cfg.retries {
		attempts++
		start := p.d.Clock.Now()
		res, err := p.d.Invoke(ctx, region, cfg.lambdaARN, payload)
		out, fnErr := res.Payload, res.FunctionError
		p.m.ProcAttempts.Add(1)
		p.m.ProcDuration.Observe(p.d.Clock.Now().Sub(start).Seconds())
		if err == nil && fnErr == "" {
			p.m.ProcSuccess.Add(1)
		}
		if ctx.Err() != nil {
			// Stream deleted: the records are discarded. Shutdown abandoned
			// them: with --data-dir they are processed after the next start.
			if p.isDiscarded() {
				p.d.Pending.Release(len(b.data))
				p.releaseHolds(b)
				close(b.done)
			}
			return
		}
		switch {
		case errors.Is(err, ErrFunctionNotFound):
			fail = invocationFailure{codeNotFound, fmt.Sprintf("The Lambda function %s was not found.", cfg.lambdaARN)}
		case err != nil:
			fail = invocationFailure{codeFunctionError, err.Error()}
		case fnErr != "":
			fail = invocationFailure{codeFunctionError, msgFunctionError}
			if res.Failure == lambdarunner.FailureTimeout {
				fail.message = msgTimeout
			}
			p.log.Warn("transform function returned an error", "function", cfg.lambdaARN, "attempt", attempts, "error", truncate(out, 2048))
		default:
			results, f := parseTransformResponse(out, ids)
			if f == nil {
				ok, dropped, failed := countResults(results)
				p.d.annotate(res.RequestID, p.arn, ok, dropped, failed, "")
				p.applyResults(b, results, attempts, cfg.lambdaARN)
				return
			}
			fail = *f
			p.d.annotate(res.RequestID, p.arn, 0, 0, 0, fail.code+": "+fail.message)
			p.log.Warn("transform function response rejected", "function", cfg.lambdaARN, "attempt", attempts, "errorCode", fail.code, "error", fail.message)
		}
		if err != nil {
			p.log.Warn("transform function invocation failed", "function", cfg.lambdaARN, "attempt", attempts, "error", err)
		}
		p.logError(b.cfg, false, fail.code, fail.message, cfg.lambdaARN)
	}
	// Every attempt failed: the whole batch goes to the error output.
	docs := make([]failedRecord, n)
	for i := range n {
		docs[i] = failedRecord{index: i, code: fail.code, message: fail.message}
	}
	p.log.Error("transform failed after all retries: records written to the error output", "function", cfg.lambdaARN, "attempts", attempts, "records", n, "errorCode", fail.code)
	p.finishProcessing(b, nil, docs, attempts, cfg.lambdaARN)
}

// recordIDPrefix makes the record IDs of one server look like AWS's long
// numeric IDs; IDs are unique within the process.
var recordIDPrefix = strconv.FormatInt(time.Now().UnixNano(), 10)

func record(b *Batch, i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.data[start:b.ends[i]]
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// transformResult is one input record's outcome, in input order.
type transformResult struct {
	result string
	data   []byte
}

// parseTransformResponse checks a function's answer the way Firehose does:
// every record ID returned exactly once, no unknown IDs, a known result, and
// base64 data for Ok records.
func parseTransformResponse(out []byte, ids []string) ([]transformResult, *invocationFailure) {
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
	results := make([]transformResult, len(ids))
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
			results[i] = transformResult{result: "Ok", data: data[:n:n]}
		case "Dropped":
			results[i] = transformResult{result: "Dropped"}
		case "ProcessingFailed":
			results[i] = transformResult{result: "ProcessingFailed"}
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
	var resp transformResponse
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
	}
	return recs, nil
}

func countResults(results []transformResult) (ok, dropped, failed int) {
	for _, r := range results {
		switch r.result {
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

type failedRecord struct {
	index         int
	code, message string
}

// applyResults hands a successful invocation's records on.
func (p *Pipeline) applyResults(b *Batch, results []transformResult, attempts int, lambdaARN string) {
	var failed []failedRecord
	for i, r := range results {
		if r.result == "ProcessingFailed" {
			failed = append(failed, failedRecord{index: i, code: codeProcessingFailed, message: msgProcessingFailed})
		}
	}
	p.finishProcessing(b, results, failed, attempts, lambdaARN)
}

// finishProcessing moves Ok records into the destination buffer (with their
// original arrival times) and failed records into an error-output object,
// then marks the processor batch done.
func (p *Pipeline) finishProcessing(b *Batch, results []transformResult, failed []failedRecord, attempts int, lambdaARN string) {
	now := p.d.Clock.Now().UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer close(b.done)
	p.d.Pending.Release(len(b.data))
	// The source records are done in the write-ahead log once every batch
	// their results went to is: those batches take over b's holds.
	defer p.releaseHolds(b)
	if p.closed {
		return
	}
	var last *Batch
	for i, r := range results {
		if r.result == "Ok" {
			p.d.Pending.Add(int64(len(r.data)))
			if ob := p.appendLocked(r.data, b.arrivals[i], time.UnixMilli(b.arrivals[i])); ob != last {
				ob.inherit(b.holds)
				last = ob
			}
			p.m.ProcOKRecords.Add(1)
			p.m.ProcOKBytes.Add(int64(len(r.data)))
		}
	}
	if len(failed) == 0 {
		return
	}
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for _, f := range failed {
		_ = enc.Encode(errorDocument{
			RawData:                base64.StdEncoding.EncodeToString(record(b, f.index)),
			ErrorCode:              f.code,
			ErrorMessage:           f.message,
			AttemptsMade:           attempts,
			ArrivalTimestamp:       b.arrivals[f.index],
			AttemptEndingTimestamp: now,
			LambdaARN:              lambdaARN,
		})
	}
	eb := &Batch{cfg: p.cfg, data: lines.Bytes(), first: time.UnixMilli(b.arrivals[failed[0].index]),
		done: make(chan struct{}), retryNow: make(chan struct{}, 1), errorType: "processing-failed"}
	eb.ends = []int{len(eb.data)}
	eb.arrivals = []int64{b.arrivals[failed[0].index]}
	eb.inherit(b.holds)
	p.d.Pending.Add(int64(len(eb.data)))
	// Error output goes ahead of the open destination buffer, in order with
	// the other cut batches.
	p.queue = append(p.queue, eb)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
