package lambdarunner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// outcomeKind says how an invocation or an init phase ended.
type outcomeKind int

const (
	outcomeResponse      outcomeKind = iota + 1 // the runtime posted /response
	outcomeFunctionError                        // the runtime posted /error (or error trailers)
	outcomeTooLarge                             // the response exceeded maxPayloadSize
	outcomeTimeout                              // the deadline passed
	outcomeExit                                 // the process exited
	outcomeNoResponse                           // the runtime asked for the next event without answering
	outcomeInitError                            // the runtime posted /runtime/init/error
	outcomeEntrypoint                           // the process could not be started
)

// failure is the Failure an invocation that ended so reports.
func (k outcomeKind) failure() Failure {
	switch k {
	case outcomeResponse:
		return FailureNone
	case outcomeFunctionError:
		return FailureFunction
	case outcomeTooLarge:
		return FailureResponseTooLarge
	case outcomeTimeout:
		return FailureTimeout
	case outcomeExit:
		return FailureExit
	case outcomeNoResponse:
		return FailureNoResponse
	}
	return FailureInit // outcomeInitError, outcomeEntrypoint
}

// outcome is the end of an invocation or of an init phase.
type outcome struct {
	kind      outcomeKind
	body      []byte    // response or error body
	errorType string    // outcomeInitError, outcomeFunctionError
	size      int64     // outcomeTooLarge: the response size
	exitErr   error     // outcomeExit: what Wait returned
	msg       string    // outcomeEntrypoint
	at        time.Time // when it happened
}

// invState is the lifecycle of an invocation on its sandbox.
type invState int

const (
	statePending   invState = iota // dispatched (or about to be), not answered
	stateAnswering                 // a /response or /error is being read
	stateDone                      // claimed by an outcome; nothing can change it
)

// invocation is one request for a function.
type invocation struct {
	id            string
	payload       []byte
	arn           string
	traceID       string
	clientContext string
	identity      string
	timeout       time.Duration

	deadline   time.Time // set before the hand-off to a runtime
	dispatched time.Time // when it was handed to the runtime

	log    logBuffer // guarded by sandbox.logMu
	state  invState  // guarded by sandbox.mu
	out    outcome   // guarded by sandbox.mu; immutable once state is stateDone
	result Result    // written by seal before sealed is closed
	sealed chan struct{}
}

func newInvocation(fn *Function, payload []byte, opts InvokeOptions, id string) *invocation {
	arn := fn.ARN()
	if opts.Qualifier != "" {
		arn += ":" + opts.Qualifier
	}
	trace := opts.TraceID
	if trace == "" {
		trace = newTraceID(time.Now())
	}
	return &invocation{
		id:            id,
		payload:       payload,
		arn:           arn,
		traceID:       trace,
		clientContext: compactJSON(opts.ClientContext),
		identity:      compactJSON(opts.Identity),
		timeout:       fn.Timeout,
		sealed:        make(chan struct{}),
	}
}

// compactJSON removes insignificant whitespace (and so newlines, which
// cannot travel in a header) from valid JSON; other text is returned with
// line breaks replaced by spaces.
func compactJSON(s string) string {
	if s == "" {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) == nil {
		return b.String()
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// newTraceID returns an X-Ray trace header for an unsampled trace, as Lambda
// sends when active tracing is off.
func newTraceID(now time.Time) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0",
		now.Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}

// claim ends inv with o unless it already ended; only the claimer seals.
func (sb *sandbox) claim(inv *invocation, o outcome) bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if inv.state == stateDone {
		return false
	}
	inv.state = stateDone
	inv.out = o
	if sb.current == inv {
		sb.current = nil
	}
	return true
}

// complete waits for inv, dispatched on sb, to end (answer, timeout or
// process exit) and returns its result. It does not depend on the caller's
// context: an invocation always runs to its end, as in Lambda.
func (sb *sandbox) complete(inv *invocation) Result {
	ctx, cancel := context.WithDeadline(context.Background(), inv.deadline)
	defer cancel()
	select {
	case <-inv.sealed:
	case <-ctx.Done():
		if sb.claim(inv, outcome{kind: outcomeTimeout, at: time.Now()}) {
			sb.pool.recordTimeout(inv.id)
			sb.samplePeakMemory()
			sb.kill()
			waitFor(sb.drained, 2*logSyncTimeout)
			sb.seal(inv)
		}
	case <-sb.drained:
		if sb.claim(inv, outcome{kind: outcomeExit, exitErr: sb.exitError(), at: time.Now()}) {
			sb.seal(inv)
		}
	}
	<-inv.sealed
	return inv.result
}

// seal writes the platform lines that end inv, stops attributing output to
// it and publishes its Result. It is called once, by the claimer.
func (sb *sandbox) seal(inv *invocation) {
	o := inv.out // stateDone: immutable
	dur := max(o.at.Sub(inv.dispatched), 0)
	peak := sb.samplePeakMemory()

	sb.mu.Lock()
	var initDur time.Duration
	first := !sb.initReported
	if first {
		sb.initReported = true
		initDur = sb.initDur
	}
	sb.mu.Unlock()

	payload, status := invocationPayload(inv.id, o, dur)
	var lines []string
	switch o.kind {
	case outcomeTimeout:
		lines = append(lines, fmt.Sprintf("%s %s Task timed out after %.2f seconds",
			lambdaTimestamp(o.at), inv.id, truncSeconds(dur)))
	case outcomeExit:
		lines = append(lines, "RequestId: "+inv.id+" Error: "+exitReason(o.exitErr), "Runtime.ExitError")
	}
	lines = append(lines, endLine(inv.id),
		reportLine(inv.id, dur, sb.fn.MemoryMB, peak, initDur, status))

	sb.logMu.Lock()
	if sb.logTarget == &inv.log {
		sb.logTarget, sb.logReqID = nil, ""
	}
	for _, l := range lines {
		inv.log.add(l)
	}
	log := inv.log.bytes()
	if first {
		log = append(sb.initLog.bytes(), log...)
	}
	sb.logMu.Unlock()
	for _, l := range lines {
		sb.pool.platformLog(sb.logStream, inv.id, l)
	}
	switch o.kind {
	case outcomeResponse, outcomeFunctionError, outcomeTooLarge:
		// The runtime is expected back in GET /next any moment.
		sb.pool.setSettling(sb)
	}

	inv.result = Result{
		RequestID: inv.id,
		Payload:   payload,
		Log:       log,
		Duration:  dur,
	}
	if o.kind != outcomeResponse {
		inv.result.FunctionError = "Unhandled"
		inv.result.Failure = o.kind.failure()
	}
	close(inv.sealed)
}

// invocationPayload returns what the invoker receives for o and the REPORT
// status suffix.
func invocationPayload(id string, o outcome, dur time.Duration) ([]byte, string) {
	switch o.kind {
	case outcomeResponse, outcomeFunctionError:
		return o.body, ""
	case outcomeTooLarge:
		return errorJSON("Function.ResponseSizeTooLarge", fmt.Sprintf(
				"Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", o.size, maxPayloadSize)),
			"Status: error\tError Type: Function.ResponseSizeTooLarge"
	case outcomeTimeout:
		return timeoutJSON(id, o.at, dur), "Status: timeout"
	case outcomeExit:
		return errorJSON("Runtime.ExitError", "RequestId: "+id+" Error: "+exitReason(o.exitErr)),
			"Status: error\tError Type: Runtime.ExitError"
	case outcomeNoResponse:
		return errorJSON("Runtime.NoResponse", "RequestId: "+id+
				" Error: Runtime requested the next invocation without answering this one"),
			"Status: error\tError Type: Runtime.NoResponse"
	}
	return errorJSON("Runtime.Unknown", "RequestId: "+id+" Error: unknown failure"), "Status: error"
}

// exitReason renders a process exit like Lambda: "Runtime exited with error:
// exit status 3", "... signal: killed", or "Runtime exited without providing
// a reason" for a clean exit.
func exitReason(err error) string {
	if err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + err.Error()
}

// truncSeconds returns d in seconds truncated to two decimals, so that a
// timer firing a little late still prints "3.00".
func truncSeconds(d time.Duration) float64 {
	return float64(d/(10*time.Millisecond)) / 100
}

// timeoutJSON is Lambda's timeout payload: {"errorType":
// "Sandbox.Timedout", "errorMessage": "RequestId: <id> Error: Task timed
// out after N.NN seconds"} (recorded 2025-11-25: LocalStack's
// test_lambda_invoke_with_timeout; the log line keeps the timestamped form).
func timeoutJSON(id string, _ time.Time, dur time.Duration) []byte {
	return errorJSON("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, truncSeconds(dur)))
}

// errorJSON is the {"errorType","errorMessage"} body platform errors use.
func errorJSON(typ, msg string) []byte {
	return marshalNoEscape(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{typ, msg})
}

// marshalNoEscape is json.Marshal without HTML escaping and trailing newline.
func marshalNoEscape(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// waitFor waits until ch is closed or timeout passed.
func waitFor(ch <-chan struct{}, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
