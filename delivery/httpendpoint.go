package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The HTTP endpoint delivery contract (AWS "HTTP endpoint delivery request
// and response specifications" and "Troubleshooting HTTP endpoints").
const (
	DefaultHTTPEndpointTimeout = 3 * time.Minute
	maxRequestRecords          = 10000
	maxRequestBody             = 64 << 20 // the JSON body, before compression
	maxResponseBody            = 1 << 20
	httpInitialBackoff         = time.Second
	httpMaxBackoff             = 2 * time.Minute
	httpBackoffJitter          = 0.15
	// requestOverhead bounds the JSON around the records:
	// {"requestId":"<36>","timestamp":<13 digits>,"records":[]}.
	requestOverhead = 96
	// recordOverhead is the JSON around one record's base64 data.
	recordOverhead = len(`{"data":""},`)
	// errorOutputHTTP is the error-output-type of records an endpoint never
	// accepted.
	errorOutputHTTP = "http-endpoint-failed"
)

// Error codes Firehose writes into http-endpoint-failed documents.
const (
	codeHTTPDestination     = "HttpEndpoint.DestinationException"
	codeHTTPInvalidResponse = "HttpEndpoint.InvalidResponseFromDestination"
	codeHTTPTimeout         = "HttpEndpoint.RequestTimeout"
	codeHTTPTooLarge        = "HttpEndpoint.ResponseTooLarge"
	codeHTTPConnection      = "HttpEndpoint.ConnectionFailed"
	codeHTTPReset           = "HttpEndpoint.ConnectionReset"
	codeHTTPSSL             = "HttpEndpoint.SSLHandshakeFailure"
)

// EndpointRewrite sends HTTP endpoint (and Splunk HEC) deliveries whose
// configured URL starts with From to To instead, followed by the rest of the URL. From matches
// whole URL parts: "https://a.example" matches "https://a.example/v1?x=1"
// but not "https://a.example.org". A trailing slash on either is ignored.
type EndpointRewrite struct {
	From, To string
}

// rewriteURL applies the first rule whose From matches u.
func rewriteURL(u string, rules []EndpointRewrite) string {
	for _, r := range rules {
		from, to := strings.TrimRight(r.From, "/"), strings.TrimRight(r.To, "/")
		rest, ok := strings.CutPrefix(u, from)
		if ok && (rest == "" || strings.ContainsRune("/?#", rune(rest[0]))) {
			return to + rest
		}
	}
	return u
}

// httpConfig is an HTTP endpoint destination as its deliveries need it.
type httpConfig struct {
	url        string // where requests go, after any EndpointRewrite
	logName    string // scheme://host of url, for logs (paths and queries can hold secrets)
	accessKey  string
	gzip       bool
	attributes string // X-Amz-Firehose-Common-Attributes; empty when none are configured
	retry      time.Duration
	allData    bool
}

func newHTTPConfig(h protocol.HttpEndpointDestinationConfiguration, rewrites []EndpointRewrite) *httpConfig {
	c := &httpConfig{
		retry:   time.Duration(HTTPRetrySeconds(h)) * time.Second,
		allData: h.S3BackupMode == "AllData",
	}
	if e := h.EndpointConfiguration; e != nil {
		c.url = rewriteURL(e.Url, rewrites)
		c.accessKey = deref(e.AccessKey)
	}
	c.logName = c.url
	if u, err := url.Parse(c.url); err == nil {
		c.logName = u.Scheme + "://" + u.Host
	}
	if rc := h.RequestConfiguration; rc != nil {
		c.gzip = rc.ContentEncoding == "GZIP"
		if len(rc.CommonAttributes) > 0 {
			c.attributes = commonAttributesHeader(rc.CommonAttributes)
		}
	}
	return c
}

// commonAttributesHeader renders {"commonAttributes":{"name":"value",...}}
// with the attributes in their configured order.
func commonAttributesHeader(attrs []protocol.HttpEndpointCommonAttribute) string {
	var sb strings.Builder
	sb.WriteString(`{"commonAttributes":{`)
	for i, a := range attrs {
		if i > 0 {
			sb.WriteByte(',')
		}
		k, _ := json.Marshal(a.AttributeName)
		v, _ := json.Marshal(a.AttributeValue)
		sb.Write(k)
		sb.WriteByte(':')
		sb.Write(v)
	}
	sb.WriteString(`}}`)
	return sb.String()
}

// CheckHTTP applies the rules AWS checks beyond the model's
// constraints to an HTTP endpoint destination (except the URL's, see
// CheckEndpointURL), and refuses by name what firehose-local does not
// implement.
func CheckHTTP(h *protocol.HttpEndpointDestinationConfiguration) *awsjson.Error {
	if h.EndpointConfiguration == nil || h.S3Configuration == nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "EndpointConfiguration and S3Configuration are required for an HTTP endpoint destination.")
	}
	if b := h.BufferingHints; b != nil && (b.SizeInMBs == nil) != (b.IntervalInSeconds == nil) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
	}
	if sm := h.SecretsManagerConfiguration; sm != nil && sm.Enabled != nil && *sm.Enabled {
		return protocol.Unsupported("SecretsManagerConfiguration with Enabled true")
	}
	if rc := h.RequestConfiguration; rc != nil {
		seen := map[string]bool{}
		for _, a := range rc.CommonAttributes {
			if seen[a.AttributeName] {
				return awsjson.NewError(awsjson.ErrInvalidArgument, "RequestConfiguration.CommonAttributes contains the attribute name %s more than once.", a.AttributeName)
			}
			seen[a.AttributeName] = true
		}
	}
	if _, err := parseProcessing(h.ProcessingConfiguration, 0, false); err != nil {
		return err
	}
	backup := S3Backup(*h)
	return CheckS3(&backup)
}

// CheckEndpointURL enforces the model's https:// pattern, except that
// http:// is accepted for loopback and private hosts (a deliberate
// difference, for local receivers). path is the member's path in AWS's
// ValidationException, e.g. httpEndpointDestinationConfiguration.endpointConfiguration.url.
func CheckEndpointURL(raw, path string) *awsjson.Error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "EndpointConfiguration.Url %s is not a valid URL.", raw)
	}
	if u.Scheme == "https" || localHost(u.Hostname()) {
		return nil
	}
	return awsjson.ValidationError([]string{awsjson.Violation(raw, path, "satisfy regular expression pattern: https://.*")})
}

// localHost reports whether host is localhost, a loopback or private
// address, or a name that resolves only to such addresses.
func localHost(host string) bool {
	if isLocalhostName(host) {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() && !a.IP.IsPrivate() {
			return false
		}
	}
	return true
}

// useDestinationBuffer makes c, built from a destination's S3
// configuration by newS3DestConfig, the destination's: the S3 buffering
// hints stay for the S3 backup, and the destination's (sizeMB, intervalS;
// the interval at most maxInterval when that is set) cut its batches.
func (c *destConfig) useDestinationBuffer(sizeMB, intervalS int, maxInterval time.Duration) {
	c.backupSize, c.backupInterval = c.sizeLimit, c.interval
	c.sizeLimit, c.interval = sizeMB<<20, time.Duration(intervalS)*time.Second
	if maxInterval > 0 && c.interval > maxInterval {
		c.interval = maxInterval
	}
}

// setDestinationLogs sets the error log targets of a destination with an S3
// configuration (HTTP endpoint, Splunk, OpenSearch): the destination's
// (DestinationDelivery), and the S3 configuration's (BackupDelivery).
func (c *destConfig) setDestinationLogs(dest *protocol.CloudWatchLoggingOptions, s3 *protocol.S3DestinationConfiguration) {
	c.logDest = newLogTarget(dest, streamDestinationDelivery)
	if s3 != nil {
		c.logBackup = newLogTarget(s3.CloudWatchLoggingOptions, streamBackupDelivery)
	}
}

// httpEndpoint sends each batch to an HTTP endpoint in AWS's request
// contract, its failures to the S3 backup.
type httpEndpoint struct{}

func (httpEndpoint) Deliver(p *Pipeline, b *Batch) bool { return p.deliverHTTP(b) }
func (httpEndpoint) Name(b *Batch) string               { return b.cfg.http.logName }

// httpFailure is why one request attempt did not succeed.
type httpFailure struct {
	code, message string
	permanent     bool // 413: not retried, not backed up
}

// deliverHTTP sends one batch to the endpoint as requests of at most 10,000
// records and 64 MiB of JSON each, in order. Each request is retried on its
// own; records the endpoint never accepts go to the S3 backup. It reports
// false if shutdown abandoned the batch.
func (p *Pipeline) deliverHTTP(b *Batch) bool {
	if p.client == nil {
		p.client = newEndpointClient()
	}
	for start := 0; start < len(b.ends); {
		end := requestEnd(b, start)
		if !p.sendRequest(b, start, end) {
			return p.isDiscarded()
		}
		start = end
	}
	return true
}

func newEndpointClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// The response must not be content-encoded: see it as it is.
	tr.DisableCompression = true
	tr.DialContext = DialContext
	return &http.Client{
		Transport: tr,
		// Firehose does not follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// requestEnd returns the end of the request that starts at record start.
func requestEnd(b *Batch, start int) int {
	size, end := requestOverhead, start
	for end < len(b.ends) && end-start < maxRequestRecords {
		n := base64.StdEncoding.EncodedLen(len(record(b, end))) + recordOverhead
		if end > start && size+n > maxRequestBody {
			break
		}
		size += n
		end++
	}
	return end
}

// requestBody renders {"requestId":…,"timestamp":…,"records":[{"data":…},…]}.
func requestBody(id string, ms int64, b *Batch, start, end int) []byte {
	n := requestOverhead
	for i := start; i < end; i++ {
		n += base64.StdEncoding.EncodedLen(len(record(b, i))) + recordOverhead
	}
	buf := make([]byte, 0, n)
	buf = append(buf, `{"requestId":"`...)
	buf = append(buf, id...)
	buf = append(buf, `","timestamp":`...)
	buf = strconv.AppendInt(buf, ms, 10)
	buf = append(buf, `,"records":[`...)
	for i := start; i < end; i++ {
		if i > start {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"data":"`...)
		buf = base64.StdEncoding.AppendEncode(buf, record(b, i))
		buf = append(buf, `"}`...)
	}
	return append(buf, "]}"...)
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// sendRequest delivers records [start, end) of b as one request, keeping
// its request ID across retries. Failed attempts are retried with jittered
// exponential backoff until RetryOptions.DurationInSeconds has passed on the
// server clock, counted from the first failure and leaving out the time
// spent waiting for responses; then the records go to the S3 backup. It
// returns false when the stream was deleted or shutdown gave up waiting.
func (p *Pipeline) sendRequest(b *Batch, start, end int) bool {
	h := b.cfg.http
	id := uuid.NewString()
	body := requestBody(id, p.d.Clock.Now().UnixMilli(), b, start, end)
	bytesIn := len(body)
	if h.gzip {
		body = gzipBytes(body)
	}
	ctx, stop := p.batchContext(context.Background(), true)
	defer stop()
	records := end - start
	retry := newRetryBackoff()
	attempts := 0
	var fail *httpFailure
	for {
		attempts++
		fail = p.attempt(ctx, h, id, body)
		p.m.DelivAttempts.Add(1)
		if ctx.Err() != nil {
			p.log.Error("HTTP endpoint delivery abandoned (stream deleted or shutdown deadline reached): records not delivered",
				"endpoint", h.logName, "requestId", id, "records", len(b.ends)-start)
			return false
		}
		if fail == nil {
			p.m.DelivSuccess.Add(1)
			p.m.DelivRecords.Add(int64(records))
			p.m.DelivBytes.Add(int64(bytesIn))
			p.log.Debug("delivered to the HTTP endpoint", "endpoint", h.logName, "requestId", id, "records", records, "attempts", attempts)
			return true
		}
		p.noteFailure(b, fail.code, fail.message, processorName(b.cfg))
		if fail.permanent {
			p.log.Error("HTTP endpoint answered 413: a permanent failure, so the records are neither retried nor backed up, as on AWS",
				"endpoint", h.logName, "requestId", id, "records", records, "error", fail.message)
			p.linDropped(b, start, end, fail.code+": "+fail.message+" (413: not retried, not backed up)")
			return true
		}
		remaining := h.retry - retry.elapsed
		p.log.Warn("HTTP endpoint delivery failed", "endpoint", h.logName, "requestId", id, "attempt", attempts,
			"records", records, "errorCode", fail.code, "error", fail.message, "retryTimeLeft", max(remaining, 0))
		if remaining <= 0 {
			break
		}
		if !retry.wait(p, b, remaining) {
			return false
		}
	}
	return p.backupFailed(b, start, end, attempts, fail, id)
}

// retryBackoff is the jittered exponential backoff between the attempts of
// an HTTP endpoint, Splunk or OpenSearch delivery, and the time spent
// waiting in it: what counts against RetryOptions.DurationInSeconds.
type retryBackoff struct {
	next    time.Duration
	elapsed time.Duration
}

func newRetryBackoff() retryBackoff { return retryBackoff{next: httpInitialBackoff} }

// wait waits the next backoff, jittered and at most remaining, adds the
// time waited to elapsed, and doubles the next backoff up to the maximum.
// It reports false when p.wait does: the batch was abandoned.
func (r *retryBackoff) wait(p *Pipeline, b *Batch, remaining time.Duration) bool {
	wait := min(jitter(r.next), remaining)
	before := p.d.Clock.Now()
	if !p.wait(b, wait) {
		return false
	}
	r.elapsed += p.d.Clock.Now().Sub(before)
	r.next = min(r.next*2, httpMaxBackoff)
	return true
}

// jitter spreads d by ±15%, capped at the maximum backoff.
func jitter(d time.Duration) time.Duration {
	f := 1 - httpBackoffJitter + 2*httpBackoffJitter*rand.Float64()
	return min(time.Duration(float64(d)*f), httpMaxBackoff)
}

// attempt makes one request and judges the response as Firehose does.
func (p *Pipeline) attempt(ctx context.Context, h *httpConfig, id string, body []byte) *httpFailure {
	timeout := p.d.HTTPEndpointTimeout
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return &httpFailure{code: codeHTTPConnection, message: "The endpoint URL cannot be used: " + err.Error()}
	}
	hd := req.Header
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Amz-Firehose-Protocol-Version", "1.0")
	hd.Set("X-Amz-Firehose-Request-Id", id)
	hd.Set("X-Amz-Firehose-Source-Arn", p.arn)
	if h.accessKey != "" {
		hd.Set("X-Amz-Firehose-Access-Key", h.accessKey)
	}
	if h.attributes != "" {
		hd.Set("X-Amz-Firehose-Common-Attributes", h.attributes)
	}
	if h.gzip {
		hd.Set("Content-Encoding", "gzip")
	}
	resp, data, err := p.exchange(req, maxResponseBody)
	if err != nil {
		return transportFailure(err, actx, timeout)
	}
	if len(data) > maxResponseBody {
		return &httpFailure{code: codeHTTPTooLarge, message: "The response received from the endpoint is larger than 1 MiB."}
	}
	return judgeResponse(resp, data, id)
}

// exchange sends req through p.client and reads the answer's body, at most
// limit+1 bytes of it (more than limit: too large, for the caller to say).
// An error is the transport's, for the caller to classify.
func (p *Pipeline) exchange(req *http.Request, limit int) (*http.Response, []byte, error) {
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, nil, err
	}
	return resp, data, nil
}

// transportKind is what went wrong with a request that left no complete
// answer.
type transportKind int

const (
	transportOther       transportKind = iota
	transportTimeout                   // no answer within the timeout
	transportCertificate               // the server's certificate was not accepted
	transportHandshake                 // another TLS failure
	transportConnect                   // the name did not resolve, or the dial failed
	transportReset                     // the connection was reset or closed before a complete answer
)

// classifyTransport says what kind of failure err, from a request made
// under actx, is. It returns err without its url.Error wrapping: the URL
// may hold secrets (it is in the configuration anyway).
func classifyTransport(err error, actx context.Context) (transportKind, error) {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var (
		recordErr tls.RecordHeaderError
		verifyErr *tls.CertificateVerificationError
		authErr   x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		certErr   x509.CertificateInvalidError
		opErr     *net.OpError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.Is(actx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return transportTimeout, err
	case errors.As(err, &verifyErr), errors.As(err, &authErr), errors.As(err, &hostErr), errors.As(err, &certErr):
		return transportCertificate, err
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "tls: "):
		return transportHandshake, err
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return transportConnect, err
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return transportReset, err
	}
	return transportOther, err
}

// transportFailure classifies an error that left no complete response.
func transportFailure(err error, actx context.Context, timeout time.Duration) *httpFailure {
	kind, err := classifyTransport(err, actx)
	switch kind {
	case transportTimeout:
		return &httpFailure{code: codeHTTPTimeout, message: fmt.Sprintf("The endpoint did not respond within %s.", timeout)}
	case transportCertificate, transportHandshake:
		return &httpFailure{code: codeHTTPSSL, message: "The SSL handshake with the endpoint failed: " + err.Error()}
	case transportReset:
		return &httpFailure{code: codeHTTPReset, message: "The endpoint reset or closed the connection before a complete response: " + err.Error()}
	}
	return &httpFailure{code: codeHTTPConnection, message: "Firehose could not connect to the endpoint: " + err.Error()}
}

// maxQuotedResponse bounds the part of a response quoted in an error.
const maxQuotedResponse = 8192

// judgeResponse applies the response specification: only a 200 with
// Content-Type application/json, no Content-Encoding, a Content-Length, and
// a JSON body of exactly requestId (this request's), timestamp (a number)
// and optionally errorMessage is a success. 413 is a permanent failure;
// every other answer is retried.
func judgeResponse(resp *http.Response, body []byte, id string) *httpFailure {
	quoted := truncate(body, maxQuotedResponse)
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		if problem := invalidSuccess(resp, body, id); problem != "" {
			return &httpFailure{code: codeHTTPInvalidResponse, message: fmt.Sprintf(
				"The response received from the specified endpoint is invalid. Contact the owner of the endpoint to resolve the issue. Response for request %s %s. Raw response received: %d %s",
				id, problem, code, quoted)}
		}
		return nil
	case code == http.StatusRequestEntityTooLarge:
		return &httpFailure{code: codeHTTPDestination, permanent: true,
			message: fmt.Sprintf("The following response was received from the endpoint destination. %d: %s", code, quoted)}
	case code >= 200 && code < 300, code >= 400 && code < 600:
		return &httpFailure{code: codeHTTPDestination,
			message: fmt.Sprintf("The following response was received from the endpoint destination. %d: %s", code, quoted)}
	default:
		return &httpFailure{code: codeHTTPInvalidResponse, message: fmt.Sprintf(
			"The response received from the specified endpoint is invalid. Contact the owner of the endpoint to resolve the issue. Response for request %s has status %d; only 2XX, 4XX and 5XX are valid and redirects are not followed. Raw response received: %d %s",
			id, code, code, quoted)}
	}
}

// invalidSuccess says what is wrong with a 200 response, or "".
func invalidSuccess(resp *http.Response, body []byte, id string) string {
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		return "is content-encoded (Content-Encoding: " + ce + "), which is not allowed"
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Sprintf("does not have the content-type application/json (it has %q)", resp.Header.Get("Content-Type"))
	}
	if len(body) > 0 && resp.ContentLength < 0 {
		return "has a body but no Content-Length header"
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.Decode(&struct{}{}) != io.EOF {
		return "is not recognized as valid JSON or has unexpected fields"
	}
	for k := range fields {
		if k != "requestId" && k != "timestamp" && k != "errorMessage" {
			return "is not recognized as valid JSON or has unexpected fields"
		}
	}
	var got *string
	if err := json.Unmarshal(fields["requestId"], &got); err != nil || got == nil {
		return "does not contain a requestId"
	}
	if *got != id {
		return fmt.Sprintf("has requestId %q, which does not match the request", *got)
	}
	ts := bytes.TrimSpace(fields["timestamp"])
	if len(ts) == 0 || (ts[0] != '-' && (ts[0] < '0' || ts[0] > '9')) {
		return "does not contain a timestamp that is a number"
	}
	return ""
}

// httpErrorDocument is one line of an http-endpoint-failed object, with the
// keys in the order AWS's documented example shows them.
type httpErrorDocument struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                string `json:"rawData"`
	SubsequenceNumber      int64  `json:"subsequenceNumber"`
	DataID                 string `json:"dataId"`
}

// errorBatch is a batch of one object, lines (error documents for b's
// records, the earliest of which arrived at arrival), for the error output
// of errorType.
func errorBatch(b *Batch, lines []byte, arrival int64, errorType string) *Batch {
	return &Batch{cfg: b.cfg, data: lines, ends: []int{len(lines)}, arrivals: []int64{arrival},
		first: time.UnixMilli(arrival), done: make(chan struct{}), retryNow: b.retryNow, errorType: errorType}
}

// backupFailed writes records [start, end) of b, which the endpoint never
// accepted, to the S3 backup as http-endpoint-failed error documents. It
// reports false if shutdown abandoned them.
func (p *Pipeline) backupFailed(b *Batch, start, end, attempts int, f *httpFailure, id string) bool {
	now := p.d.Clock.Now().UnixMilli()
	n := end - start
	base := recordIDSeq.Add(uint64(n)) - uint64(n)
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	enc.SetEscapeHTML(false)
	var linEnds []int
	for i := start; i < end; i++ {
		d := httpErrorDocument{
			AttemptsMade:           attempts,
			ArrivalTimestamp:       b.arrivals[i],
			ErrorCode:              f.code,
			ErrorMessage:           f.message,
			AttemptEndingTimestamp: now,
			RawData:                base64.StdEncoding.EncodeToString(record(b, i)),
			DataID:                 fmt.Sprintf("%s%020d.0", recordIDPrefix, base+uint64(i-start)),
		}
		// A record read from a data stream is named by where it was there.
		if s, ok := b.seqAt(i); ok {
			d.SubsequenceNumber, d.DataID = s.sub, s.seq+"."+strconv.FormatInt(s.sub, 10)
		}
		_ = enc.Encode(d)
		linEnds = append(linEnds, lines.Len())
	}
	eb := errorBatch(b, lines.Bytes(), b.arrivals[start], errorOutputHTTP)
	if b.lin != nil {
		p.linErrorDocs(eb, b.lin[start:end], linEnds)
		for _, s := range b.lin[start:end] {
			p.d.Lineage.SetCode(s, f.code)
		}
	}
	p.log.Error("HTTP endpoint retry duration exhausted: records written to the S3 backup as http-endpoint-failed",
		"endpoint", b.cfg.http.logName, "requestId", id, "attempts", attempts, "records", n, "bucket", b.cfg.bucket, "errorCode", f.code)
	written := p.deliverS3(eb)
	if written && !p.isDiscarded() {
		p.linWritten(eb)
	}
	return written && !p.isDiscarded()
}
