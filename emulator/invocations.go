package emulator

import (
	"sort"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/lambdarunner"
)

// invocationHistory is how many recent invocations are kept per function.
const invocationHistory = 50

// Invocation is one recent run of a Lambda function, through the Lambda API
// or as a Firehose transform.
type Invocation struct {
	Function  string // function ARN
	RequestID string
	Start     time.Time
	Duration  time.Duration
	// FunctionError is Lambda's X-Amz-Function-Error: "" when the function
	// returned normally.
	FunctionError string
	// Error is an emulator-side failure (the process could not start, the
	// invocation was cancelled); "" otherwise.
	Error string
	// Log is the invocation's log, START to REPORT.
	Log string
	// Stream is the delivery stream ARN when the invocation was a transform.
	Stream string
	// Batch identifies a transform's processor batch (its first record's
	// ID): the attempts of one batch share it. Attempt counts from 1.
	Batch   string
	Attempt int
	// Transform results, when Stream is set and the response was valid.
	Ok, Dropped, ProcessingFailed int
	// ResponseError is why Firehose rejected a transform response
	// (Lambda.MissingRecordId and the like); "" otherwise.
	ResponseError string
}

// invocations keeps the recent invocations of every function, newest last.
type invocations struct {
	mu    sync.Mutex
	byFn  map[string][]*Invocation
	byReq map[string]*Invocation // the ones still kept, by request ID
}

func newInvocations() *invocations {
	return &invocations{byFn: map[string][]*Invocation{}, byReq: map[string]*Invocation{}}
}

// record is the lambdarunner's OnInvoke hook.
func (iv *invocations) record(fn *lambdarunner.Function, res lambdarunner.Result, err error, now time.Time) {
	inv := &Invocation{
		Function:      fn.ARN(),
		RequestID:     res.RequestID,
		Start:         now.Add(-res.Duration),
		Duration:      res.Duration,
		FunctionError: res.FunctionError,
		Log:           string(res.Log),
	}
	if err != nil {
		inv.Error = err.Error()
	}
	iv.mu.Lock()
	defer iv.mu.Unlock()
	list := append(iv.byFn[inv.Function], inv)
	if len(list) > invocationHistory {
		if old := list[0]; old.RequestID != "" {
			delete(iv.byReq, old.RequestID)
		}
		list = append(list[:0:0], list[1:]...)
	}
	iv.byFn[inv.Function] = list
	if inv.RequestID != "" {
		iv.byReq[inv.RequestID] = inv
	}
}

// annotate adds what the Firehose processor made of a transform's response.
func (iv *invocations) annotate(requestID, stream, batch string, attempt, ok, dropped, failed int, responseError string) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if inv := iv.byReq[requestID]; inv != nil {
		inv.Stream, inv.Batch, inv.Attempt = stream, batch, attempt
		inv.Ok, inv.Dropped, inv.ProcessingFailed = ok, dropped, failed
		inv.ResponseError = responseError
	}
}

// RecentInvocations returns copies of the recent invocations of every
// function, by function ARN, newest first.
func (s *Server) RecentInvocations() map[string][]Invocation {
	iv := s.invocations
	iv.mu.Lock()
	defer iv.mu.Unlock()
	out := make(map[string][]Invocation, len(iv.byFn))
	for fn, list := range iv.byFn {
		cp := make([]Invocation, len(list))
		for i, inv := range list {
			cp[len(list)-1-i] = *inv
		}
		out[fn] = cp
	}
	return out
}

// InvokedFunctions lists the ARNs of the functions with recent invocations,
// sorted.
func (s *Server) InvokedFunctions() []string {
	iv := s.invocations
	iv.mu.Lock()
	defer iv.mu.Unlock()
	out := make([]string, 0, len(iv.byFn))
	for fn := range iv.byFn {
		out = append(out, fn)
	}
	sort.Strings(out)
	return out
}
