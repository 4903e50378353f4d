package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The Splunk destination: each batch is one request to the HTTP Event
// Collector (HEC), Raw or Event, with the stream's token and request
// channel; Firehose then polls HEC's indexer acknowledgement until the
// request is acknowledged or HECAcknowledgmentTimeoutInSeconds passes.
// Failed requests are retried for RetryOptions, then the records go to
// S3Configuration as splunk-failed error documents.

// Defaults of the Splunk destination (API reference, Terraform docs).
const (
	DefaultSplunkRetrySeconds      = 300
	DefaultSplunkAckTimeoutSeconds = 180
	DefaultSplunkBufferMB          = 5
	DefaultSplunkBufferSeconds     = 60
	// DefaultSplunkLambdaBuffer is a Lambda processor's buffer in front of
	// Splunk when BufferSizeInMBs is not given: 0.25 MB, not 1 MB.
	DefaultSplunkLambdaBuffer = 256 << 10
	DefaultSplunkBackupMode   = "FailedEventsOnly"

	// SplunkAckPoll is how often Firehose asks HEC whether a request is
	// acknowledged (unverified: AWS says only that it polls).
	SplunkAckPoll = 5 * time.Second

	errorOutputSplunk = "splunk-failed"

	// HEC's paths under the configured endpoint.
	SplunkRawPath   = "/services/collector/raw"
	SplunkEventPath = "/services/collector/event"
	SplunkAckPath   = "/services/collector/ack"
)

// Error codes Firehose writes into splunk-failed documents and error logs.
const (
	codeSplunkProxy           = "Splunk.ProxyWithoutStickySessions"
	codeSplunkDisabledToken   = "Splunk.DisabledToken"
	codeSplunkInvalidToken    = "Splunk.InvalidToken"
	codeSplunkInvalidData     = "Splunk.InvalidDataFormat"
	codeSplunkInvalidIndex    = "Splunk.InvalidIndex"
	codeSplunkServerError     = "Splunk.ServerError"
	codeSplunkDisabledAck     = "Splunk.DisabledAck"
	codeSplunkAckTimeout      = "Splunk.AckTimeout"
	codeSplunkConnTimeout     = "Splunk.ConnectionTimeout"
	codeSplunkInvalidEndpoint = "Splunk.InvalidEndpoint"
	codeSplunkConnClosed      = "Splunk.ConnectionClosed"
	codeSplunkSSLUnverified   = "Splunk.SSLUnverified"
	codeSplunkSSLHandshake    = "Splunk.SSLHandshake"
)

// What each code says, before what HEC answered.
var splunkMessages = map[string]string{
	codeSplunkProxy:           "HEC did not recognise the request channel: a load balancer in front of HEC must keep each channel on one indexer (sticky sessions).",
	codeSplunkDisabledToken:   "The HEC token is disabled. Enable it so that Firehose can deliver to Splunk.",
	codeSplunkInvalidToken:    "The HEC token is not valid. Configure the destination with a valid HEC token.",
	codeSplunkInvalidData:     "HEC refused the data format. Raw endpoints take any data; Event endpoints take HEC event JSON objects.",
	codeSplunkInvalidIndex:    "The HEC token or input names an index that is not valid.",
	codeSplunkServerError:     "HEC answered with a server error. Firehose retries while the retry duration allows.",
	codeSplunkDisabledAck:     "Indexer acknowledgement is disabled for the HEC token. Firehose requires it: enable it on the token.",
	codeSplunkAckTimeout:      "Did not receive an acknowledgement from HEC before the HEC acknowledgement timeout expired. The data may still have been indexed; Firehose backs it up in Amazon S3.",
	codeSplunkConnTimeout:     "The connection to HEC timed out.",
	codeSplunkInvalidEndpoint: "Could not connect to the HEC endpoint. Make sure that the HEC endpoint URL is valid and reachable.",
	codeSplunkConnClosed:      "HEC closed the connection before a complete response.",
	codeSplunkSSLUnverified:   "HEC's certificate could not be verified.",
	codeSplunkSSLHandshake:    "The SSL handshake with HEC failed.",
}

// SplunkRetrySeconds is RetryOptions.DurationInSeconds, default 300.
func SplunkRetrySeconds(h protocol.SplunkDestinationConfiguration) int {
	if h.RetryOptions != nil && h.RetryOptions.DurationInSeconds != nil {
		return *h.RetryOptions.DurationInSeconds
	}
	return DefaultSplunkRetrySeconds
}

// SplunkAckTimeoutSeconds is HECAcknowledgmentTimeoutInSeconds, default 180.
func SplunkAckTimeoutSeconds(h protocol.SplunkDestinationConfiguration) int {
	if h.HECAcknowledgmentTimeoutInSeconds != nil {
		return *h.HECAcknowledgmentTimeoutInSeconds
	}
	return DefaultSplunkAckTimeoutSeconds
}

// SplunkBufferingHints returns the buffer size in MiB and interval in
// seconds, with the Splunk defaults of 5 MiB and 60 s.
func SplunkBufferingHints(h *protocol.SplunkBufferingHints) (sizeMB, intervalS int) {
	sizeMB, intervalS = DefaultSplunkBufferMB, DefaultSplunkBufferSeconds
	if h != nil && h.SizeInMBs != nil {
		sizeMB = *h.SizeInMBs
	}
	if h != nil && h.IntervalInSeconds != nil {
		intervalS = *h.IntervalInSeconds
	}
	return sizeMB, intervalS
}

// SplunkS3Backup is a Splunk destination's S3Configuration in the form S3
// destinations are kept.
func SplunkS3Backup(h protocol.SplunkDestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	return ExtendedS3(h.S3Configuration)
}

// LambdaBufferGiven reports whether pc's Lambda processor sets
// BufferSizeInMBs.
func LambdaBufferGiven(pc *protocol.ProcessingConfiguration) bool {
	if pc == nil {
		return false
	}
	for _, p := range pc.Processors {
		if p.Type != "Lambda" {
			continue
		}
		for _, param := range p.Parameters {
			if param.ParameterName == "BufferSizeInMBs" {
				return true
			}
		}
	}
	return false
}

const msgHECEndpoint = "Invalid HECEndpoint. Supported endpoint format is https://<domain>:<port>."

// CheckHECEndpoint applies AWS's rule for HECEndpoint (https://<domain>:<port>,
// nothing after it), except that http:// is accepted for loopback and
// private hosts (a deliberate difference, for local receivers). It may
// resolve the host name.
func CheckHECEndpoint(raw string) *awsjson.Error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery ||
		(u.Path != "" && u.Path != "/") || (u.Scheme != "https" && u.Scheme != "http") {
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgHECEndpoint)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return awsjson.NewError(awsjson.ErrInvalidArgument, msgHECEndpoint)
		}
	}
	if u.Scheme == "http" && !localHost(u.Hostname()) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgHECEndpoint)
	}
	return nil
}

// CheckSplunk applies the rules AWS checks beyond the model's constraints
// to a Splunk destination (except HECEndpoint's, see CheckHECEndpoint), and
// refuses by name what firehose-local does not implement.
func CheckSplunk(h *protocol.SplunkDestinationConfiguration) *awsjson.Error {
	if h.S3Configuration == nil || h.HECEndpoint == "" || h.HECEndpointType == "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "HECEndpoint, HECEndpointType and S3Configuration are required for a Splunk destination.")
	}
	if sm := h.SecretsManagerConfiguration; sm != nil && sm.Enabled != nil && *sm.Enabled {
		return protocol.Unsupported("SecretsManagerConfiguration with Enabled true")
	}
	if deref(h.HECToken) == "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "HECToken is required for a Splunk destination unless SecretsManagerConfiguration is enabled.")
	}
	if _, err := parseProcessing(h.ProcessingConfiguration, 0, false); err != nil {
		return err
	}
	backup := SplunkS3Backup(*h)
	return CheckS3(&backup)
}

// splunkConfig is a Splunk destination as its deliveries need it.
type splunkConfig struct {
	endpoint   string // HECEndpoint after any EndpointRewrite, without a trailing slash
	path       string // SplunkRawPath or SplunkEventPath
	token      string
	channel    string // this configuration's request channel, a GUID
	ackTimeout time.Duration
	logName    string // scheme://host of endpoint, for logs
}

func newSplunkDestConfig(h protocol.SplunkDestinationConfiguration, version int, maxInterval time.Duration, rewrites []EndpointRewrite) destConfig {
	c := newS3DestConfig(SplunkS3Backup(h), version, maxInterval)
	size, interval := SplunkBufferingHints(h.BufferingHints)
	c.useDestinationBuffer(size, interval, maxInterval)
	// The configuration was checked when it was accepted.
	pc, _ := parseProcessing(h.ProcessingConfiguration, maxInterval, false)
	if pc != nil && pc.proc != nil && !LambdaBufferGiven(h.ProcessingConfiguration) {
		pc.proc.sizeLimit = DefaultSplunkLambdaBuffer
	}
	c.setProcessing(pc)
	s := &splunkConfig{
		endpoint:   strings.TrimRight(rewriteURL(h.HECEndpoint, rewrites), "/"),
		path:       SplunkRawPath,
		token:      deref(h.HECToken),
		channel:    uuid.NewString(),
		ackTimeout: time.Duration(SplunkAckTimeoutSeconds(h)) * time.Second,
	}
	if h.HECEndpointType == "Event" {
		s.path = SplunkEventPath
	}
	s.logName = s.endpoint
	if u, err := url.Parse(s.endpoint); err == nil {
		s.logName = u.Scheme + "://" + u.Host
	}
	c.splunk = s
	// What every destination with an S3Configuration shares with the HTTP
	// endpoint: its name in logs, the retry duration, AllEvents backup.
	c.http = &httpConfig{logName: s.logName, retry: time.Duration(SplunkRetrySeconds(h)) * time.Second, allData: h.S3BackupMode == "AllEvents"}
	c.dest = splunkDestination{}
	c.setDestinationLogs(h.CloudWatchLoggingOptions, h.S3Configuration)
	return c
}

// splunkDestination sends each batch to HEC, its failures to the S3
// backup.
type splunkDestination struct{}

func (splunkDestination) Deliver(p *Pipeline, b *Batch) bool { return p.deliverSplunk(b) }
func (splunkDestination) Name(b *Batch) string               { return b.cfg.splunk.logName }

// splunkFailure is why one attempt (the request and its acknowledgement)
// did not succeed; abandoned when the stream was deleted or shutdown gave
// up.
type splunkFailure struct {
	code, message string
	abandoned     bool
}

func splunkFail(code, detail string) *splunkFailure {
	msg := splunkMessages[code]
	if detail != "" {
		msg += " " + detail
	}
	return &splunkFailure{code: code, message: msg}
}

// deliverSplunk sends one batch to HEC as one request and waits for its
// acknowledgement. A failed attempt is retried with jittered exponential
// backoff until RetryOptions.DurationInSeconds has passed on the server
// clock, counted from the first failure and leaving out the time spent
// waiting for responses and acknowledgements; then the records go to the
// S3 backup. It reports false if shutdown abandoned the batch (not when
// the stream was deleted: its records are dropped).
func (p *Pipeline) deliverSplunk(b *Batch) bool {
	if p.client == nil {
		p.client = newEndpointClient()
	}
	s := b.cfg.splunk
	ctx, stop := p.batchContext(context.Background(), true)
	defer stop()
	retry := newRetryBackoff()
	attempts := 0
	var fail *splunkFailure
	for {
		attempts++
		sent := p.d.Clock.Now()
		fail = p.splunkAttempt(ctx, b, s)
		p.m.DelivAttempts.Add(1)
		if ctx.Err() != nil || (fail != nil && fail.abandoned) {
			p.log.Error("Splunk delivery abandoned (stream deleted or shutdown deadline reached): records not delivered",
				"endpoint", s.logName, "records", len(b.ends))
			// A deleted stream's records are dropped, as AWS drops them;
			// at shutdown they stay in the write-ahead log.
			return p.isDiscarded()
		}
		if fail == nil {
			p.m.DelivSuccess.Add(1)
			p.m.DelivRecords.Add(int64(len(b.ends)))
			p.m.DelivBytes.Add(int64(len(b.data)))
			p.m.SplunkAckLatency.Observe(p.d.Clock.Now().Sub(sent).Seconds())
			p.log.Debug("delivered to Splunk", "endpoint", s.logName, "records", len(b.ends), "attempts", attempts)
			return true
		}
		p.noteFailure(b, fail.code, fail.message, processorName(b.cfg))
		remaining := b.cfg.http.retry - retry.elapsed
		p.log.Warn("Splunk delivery failed", "endpoint", s.logName, "attempt", attempts, "records", len(b.ends),
			"errorCode", fail.code, "error", fail.message, "retryTimeLeft", max(remaining, 0))
		if remaining <= 0 {
			break
		}
		if !retry.wait(p, b, remaining) {
			return p.isDiscarded()
		}
	}
	return p.backupSplunkFailed(b, attempts, fail)
}

// hecAnswer is HEC's JSON answer to an event request.
type hecAnswer struct {
	Text  string `json:"text"`
	Code  *int   `json:"code"`
	AckID *int64 `json:"ackId"`
}

// splunkAttempt sends the batch once and waits for its acknowledgement.
func (p *Pipeline) splunkAttempt(ctx context.Context, b *Batch, s *splunkConfig) *splunkFailure {
	status, body, fail := p.hecCall(ctx, s, s.path, b.data)
	if fail != nil {
		return fail
	}
	var ans hecAnswer
	if status != http.StatusOK {
		return hecFailure(status, body)
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Code == nil {
		return splunkFail(codeSplunkInvalidEndpoint, fmt.Sprintf("The answer is not HEC's: %d %s", status, truncate(body, maxQuotedResponse)))
	}
	if *ans.Code != 0 {
		return hecFailure(status, body)
	}
	if ans.AckID == nil {
		return splunkFail(codeSplunkDisabledAck, fmt.Sprintf("HEC answered without an ackId: %s", truncate(body, maxQuotedResponse)))
	}
	return p.awaitAck(ctx, b, s, *ans.AckID)
}

// awaitAck polls HEC's acknowledgement endpoint every SplunkAckPoll until
// ackID is acknowledged or the acknowledgement timeout, counted from the
// send, has passed.
func (p *Pipeline) awaitAck(ctx context.Context, b *Batch, s *splunkConfig, ackID int64) *splunkFailure {
	deadline := p.d.Clock.Now().Add(s.ackTimeout)
	query := []byte(`{"acks":[` + strconv.FormatInt(ackID, 10) + `]}`)
	key := strconv.FormatInt(ackID, 10)
	for {
		now := p.d.Clock.Now()
		if !now.Before(deadline) {
			return splunkFail(codeSplunkAckTimeout, "")
		}
		if !p.wait(b, min(SplunkAckPoll, deadline.Sub(now))) {
			return &splunkFailure{abandoned: true}
		}
		status, body, fail := p.hecCall(ctx, s, SplunkAckPath, query)
		if fail != nil {
			return fail
		}
		if status != http.StatusOK {
			return hecFailure(status, body)
		}
		var ans struct {
			Acks map[string]bool `json:"acks"`
		}
		if err := json.Unmarshal(body, &ans); err != nil || ans.Acks == nil {
			return splunkFail(codeSplunkInvalidEndpoint, fmt.Sprintf("The acknowledgement answer is not HEC's: %d %s", status, truncate(body, maxQuotedResponse)))
		}
		if ans.Acks[key] {
			return nil
		}
	}
}

// hecCall POSTs body to path under the endpoint with the token and the
// channel, and returns the answer's status and body.
func (p *Pipeline) hecCall(ctx context.Context, s *splunkConfig, path string, body []byte) (int, []byte, *splunkFailure) {
	timeout := p.d.HTTPEndpointTimeout
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, s.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, splunkFail(codeSplunkInvalidEndpoint, err.Error())
	}
	req.Header.Set("Authorization", "Splunk "+s.token)
	req.Header.Set("X-Splunk-Request-Channel", s.channel)
	req.Header.Set("Content-Type", "application/json")
	if path == SplunkRawPath {
		req.Header.Set("Content-Type", "text/plain")
	}
	resp, data, err := p.exchange(req, maxResponseBody)
	if err != nil {
		return 0, nil, splunkTransportFailure(err, actx, timeout)
	}
	return resp.StatusCode, data, nil
}

// hecFailure names a HEC error answer by its HEC code, or by its status
// when the body carries none.
func hecFailure(status int, body []byte) *splunkFailure {
	var ans hecAnswer
	_ = json.Unmarshal(body, &ans)
	code := -1
	if ans.Code != nil {
		code = *ans.Code
	}
	detail := fmt.Sprintf("HEC answered %d: %s", status, truncate(body, maxQuotedResponse))
	switch code {
	case 1:
		return splunkFail(codeSplunkDisabledToken, detail)
	case 2, 3, 4:
		return splunkFail(codeSplunkInvalidToken, detail)
	case 5, 6, 12, 13, 15:
		return splunkFail(codeSplunkInvalidData, detail)
	case 7:
		return splunkFail(codeSplunkInvalidIndex, detail)
	case 10, 11:
		return splunkFail(codeSplunkProxy, detail)
	case 14:
		return splunkFail(codeSplunkDisabledAck, detail)
	}
	switch {
	case status >= 500:
		return splunkFail(codeSplunkServerError, detail)
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return splunkFail(codeSplunkInvalidToken, detail)
	case status == http.StatusBadRequest:
		return splunkFail(codeSplunkInvalidData, detail)
	case status == http.StatusOK:
		return splunkFail(codeSplunkServerError, detail)
	}
	return splunkFail(codeSplunkInvalidEndpoint, detail)
}

// splunkTransportFailure classifies an error that left no complete answer.
func splunkTransportFailure(err error, actx context.Context, timeout time.Duration) *splunkFailure {
	kind, err := classifyTransport(err, actx)
	switch kind {
	case transportTimeout:
		return splunkFail(codeSplunkConnTimeout, fmt.Sprintf("No answer within %s.", timeout))
	case transportCertificate:
		return splunkFail(codeSplunkSSLUnverified, err.Error())
	case transportHandshake:
		return splunkFail(codeSplunkSSLHandshake, err.Error())
	case transportReset:
		return splunkFail(codeSplunkConnClosed, err.Error())
	}
	return splunkFail(codeSplunkInvalidEndpoint, err.Error())
}

// splunkErrorDocument is one line of a splunk-failed object, with the keys
// in the order of AWS's documented example (EventId capitalised as there).
type splunkErrorDocument struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                string `json:"rawData"`
	EventID                string `json:"EventId"`
}

// backupSplunkFailed writes the records of b, which HEC never accepted or
// acknowledged, to the S3 backup as splunk-failed error documents. It
// reports false if shutdown abandoned them.
func (p *Pipeline) backupSplunkFailed(b *Batch, attempts int, f *splunkFailure) bool {
	now := p.d.Clock.Now().UnixMilli()
	n := len(b.ends)
	base := recordIDSeq.Add(uint64(n)) - uint64(n)
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	enc.SetEscapeHTML(false)
	for i := range n {
		_ = enc.Encode(splunkErrorDocument{
			AttemptsMade:           attempts,
			ArrivalTimestamp:       b.arrivals[i],
			ErrorCode:              f.code,
			ErrorMessage:           f.message,
			AttemptEndingTimestamp: now,
			RawData:                base64.StdEncoding.EncodeToString(record(b, i)),
			EventID:                fmt.Sprintf("%s%020d.0", recordIDPrefix, base+uint64(i)),
		})
	}
	eb := errorBatch(b, lines.Bytes(), b.arrivals[0], errorOutputSplunk)
	p.log.Error("Splunk retry duration exhausted: records written to the S3 backup as splunk-failed",
		"endpoint", b.cfg.splunk.logName, "attempts", attempts, "records", n, "bucket", b.cfg.bucket, "errorCode", f.code)
	return p.deliverS3(eb) && !p.isDiscarded()
}

// isSplunk reports whether the destination in force is Splunk.
func (p *Pipeline) isSplunk() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.splunk != nil
}

var (
	descSplunkRecords   = streamDesc("firehose_delivery_to_splunk_records_total", "Records delivered to Splunk and acknowledged (CloudWatch DeliveryToSplunk.Records).")
	descSplunkBytes     = streamDesc("firehose_delivery_to_splunk_bytes_total", "Bytes delivered to Splunk and acknowledged (CloudWatch DeliveryToSplunk.Bytes).")
	descSplunkSuccess   = streamDesc("firehose_delivery_to_splunk_success_total", "Splunk requests sent and acknowledged (CloudWatch DeliveryToSplunk.Success is this over attempts).")
	descSplunkAttempts  = streamDesc("firehose_delivery_to_splunk_attempts_total", "Splunk requests attempted, acknowledged or not.")
	descSplunkFreshness = streamDesc("firehose_delivery_to_splunk_data_freshness_seconds", "Age of the oldest record not yet delivered to Splunk (CloudWatch DeliveryToSplunk.DataFreshness); 0 when none waits.")
)

// collectSplunk sends a Splunk destination's metrics: DeliveryToSplunk.*,
// and DeliveryToS3.* for its S3 backup and error output, as AWS counts them.
func (p *Pipeline) collectSplunk(ch chan<- prometheus.Metric, l []string, freshness float64) {
	m := p.m
	counter := func(d *prometheus.Desc, v *atomic.Int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v.Load()), l...)
	}
	counter(descSplunkRecords, &m.DelivRecords)
	counter(descSplunkBytes, &m.DelivBytes)
	counter(descSplunkSuccess, &m.DelivSuccess)
	counter(descSplunkAttempts, &m.DelivAttempts)
	ch <- prometheus.MustNewConstMetric(descSplunkFreshness, prometheus.GaugeValue, freshness, l...)
	m.SplunkAckLatency.Collect(ch)
	counter(descS3Records, &m.BackupRecords)
	counter(descS3Bytes, &m.BackupBytes)
	counter(descS3Success, &m.BackupSuccess)
	counter(descS3Attempts, &m.BackupAttempts)
}
