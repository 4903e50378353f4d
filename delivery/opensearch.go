package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The OpenSearch Service, Elasticsearch and OpenSearch Serverless
// destinations: each batch is one _bulk request of index actions, signed
// with SigV4 (service es, or aoss for Serverless). Documents the cluster
// refuses are retried on their own until RetryOptions runs out, then written
// to the S3 configuration as error documents.

// OpenSearchKind is which of the three destinations a stream has.
type OpenSearchKind string

// The three kinds, named as their CloudWatch metrics name them
// (DeliveryTo<kind>.*).
const (
	OpenSearchService    OpenSearchKind = "AmazonOpenSearchService"
	Elasticsearch        OpenSearchKind = "Elasticsearch"
	OpenSearchServerless OpenSearchKind = "AmazonOpenSearchServerless"
)

// OpenSearchSpec is an OpenSearch-family destination as firehose-local keeps
// it: the configuration of its kind in the OpenSearch Service form (a
// Serverless CollectionEndpoint in ClusterEndpoint).
type OpenSearchSpec struct {
	Kind OpenSearchKind `json:"kind"`
	protocol.AmazonopensearchserviceDestinationConfiguration
}

// FromServerless keeps a Serverless configuration in the common form.
func FromServerless(c protocol.AmazonOpenSearchServerlessDestinationConfiguration) OpenSearchSpec {
	return OpenSearchSpec{Kind: OpenSearchServerless, AmazonopensearchserviceDestinationConfiguration: protocol.AmazonopensearchserviceDestinationConfiguration{
		RoleARN: c.RoleARN, ClusterEndpoint: c.CollectionEndpoint, IndexName: c.IndexName, BufferingHints: c.BufferingHints,
		RetryOptions: c.RetryOptions, S3BackupMode: c.S3BackupMode, S3Configuration: c.S3Configuration,
		ProcessingConfiguration: c.ProcessingConfiguration, CloudWatchLoggingOptions: c.CloudWatchLoggingOptions,
		VpcConfiguration: c.VpcConfiguration,
	}}
}

// Serverless is a Serverless destination's configuration as it was given.
func (s OpenSearchSpec) Serverless() protocol.AmazonOpenSearchServerlessDestinationConfiguration {
	c := s.AmazonopensearchserviceDestinationConfiguration
	return protocol.AmazonOpenSearchServerlessDestinationConfiguration{
		RoleARN: c.RoleARN, CollectionEndpoint: c.ClusterEndpoint, IndexName: c.IndexName, BufferingHints: c.BufferingHints,
		RetryOptions: c.RetryOptions, S3BackupMode: c.S3BackupMode, S3Configuration: c.S3Configuration,
		ProcessingConfiguration: c.ProcessingConfiguration, CloudWatchLoggingOptions: c.CloudWatchLoggingOptions,
		VpcConfiguration: c.VpcConfiguration,
	}
}

// Defaults of the three destinations (model docs, Terraform docs).
const (
	DefaultOpenSearchRetrySeconds = 300
	DefaultOpenSearchBackupMode   = "FailedDocumentsOnly"
	DefaultIndexRotation          = "OneDay"
	DefaultDocumentIDFormat       = "FIREHOSE_DEFAULT"
)

// RetrySeconds is RetryOptions.DurationInSeconds, default 300.
func (s OpenSearchSpec) RetrySeconds() int {
	if s.RetryOptions != nil && s.RetryOptions.DurationInSeconds != nil {
		return *s.RetryOptions.DurationInSeconds
	}
	return DefaultOpenSearchRetrySeconds
}

// BackupMode is S3BackupMode, default FailedDocumentsOnly.
func (s OpenSearchSpec) BackupMode() string {
	if s.S3BackupMode == "" {
		return DefaultOpenSearchBackupMode
	}
	return s.S3BackupMode
}

// Rotation is IndexRotationPeriod, default OneDay; Serverless has none.
func (s OpenSearchSpec) Rotation() string {
	switch {
	case s.Kind == OpenSearchServerless:
		return "NoRotation"
	case s.IndexRotationPeriod == "":
		return DefaultIndexRotation
	}
	return s.IndexRotationPeriod
}

// IDFormat is DocumentIdOptions.DefaultDocumentIdFormat, default
// FIREHOSE_DEFAULT; Serverless documents carry no _id.
func (s OpenSearchSpec) IDFormat() string {
	switch {
	case s.Kind == OpenSearchServerless:
		return "NO_DOCUMENT_ID"
	case s.DocumentIdOptions == nil || s.DocumentIdOptions.DefaultDocumentIdFormat == "":
		return DefaultDocumentIDFormat
	}
	return s.DocumentIdOptions.DefaultDocumentIdFormat
}

// S3 is the S3Configuration in the form S3 destinations are kept.
func (s OpenSearchSpec) S3() protocol.ExtendedS3DestinationConfiguration {
	return ExtendedS3(s.S3Configuration)
}

// ErrorOutputType is the error-output-type (and folder) of the documents
// the cluster never accepted: elasticsearch-failed for an Elasticsearch
// destination, AmazonOpenSearchService-failed for the other two.
func (k OpenSearchKind) ErrorOutputType() string {
	if k == Elasticsearch {
		return "elasticsearch-failed"
	}
	return "AmazonOpenSearchService-failed"
}

// signingService is the SigV4 service name of the kind's requests.
func (k OpenSearchKind) signingService() string {
	if k == OpenSearchServerless {
		return "aoss"
	}
	return "es"
}

// codePrefix starts the error codes of the kind's failed attempts.
func (k OpenSearchKind) codePrefix() string {
	if k == Elasticsearch {
		return "ES."
	}
	return "OS."
}

// Endpoint is where the destination's requests go before any
// EndpointRewrite: ClusterEndpoint (CollectionEndpoint), or for a DomainARN
// https://<domain>.<region>.es.localhost, a name that resolves to this
// machine (see DomainEndpoint).
func (s OpenSearchSpec) Endpoint() string {
	if s.ClusterEndpoint != nil && *s.ClusterEndpoint != "" {
		return *s.ClusterEndpoint
	}
	return DomainEndpoint(deref(s.DomainARN))
}

// DomainEndpoint is the local stand-in of a domain's endpoint:
// arn:aws:es:us-east-1:123456789012:domain/logs becomes
// https://logs.us-east-1.es.localhost (port 443). A domain cannot be looked
// up locally; --endpoint-rewrite sends this URL to a local cluster, e.g.
// https://logs.us-east-1.es.localhost=http://127.0.0.1:9200.
func DomainEndpoint(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	domain, _ := strings.CutPrefix(parts[5], "domain/")
	return "https://" + domain + "." + parts[3] + ".es.localhost"
}

// DomainRegion is the region of a domain ARN, "" if it has none.
func DomainRegion(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[3]
	}
	return ""
}

// Error texts of the three destinations' CreateDeliveryStream rules.
const (
	msgEndpointAndARN     = "Cannot provide both Elasticsearch cluster endpoint and domain ARN. Provide either the cluster endpoint or domain arn."
	msgEndpointOrARN      = "Provide either the Elasticsearch cluster endpoint or domain arn."
	msgCollectionEndpoint = "Must specify collection endpoint for delivery to OpenSearch serverless."
	msgTypesDeprecated    = "Types are deprecated in Elasticsearch version 7+ and all OpenSearch versions. TypeName must be empty."
)

// CheckOpenSearch applies the rules AWS checks beyond the model's
// constraints to an OpenSearch-family destination (except its endpoint
// URL's scheme, see CheckOpenSearchEndpoint), and refuses by name what
// firehose-local does not implement.
func CheckOpenSearch(s *OpenSearchSpec) *awsjson.Error {
	if s.S3Configuration == nil || s.IndexName == "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "IndexName and S3Configuration are required for an %s destination.", s.Kind)
	}
	hasEndpoint, hasARN := s.ClusterEndpoint != nil && *s.ClusterEndpoint != "", s.DomainARN != nil && *s.DomainARN != ""
	switch {
	case s.Kind == OpenSearchServerless && !hasEndpoint:
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgCollectionEndpoint)
	case hasEndpoint && hasARN:
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgEndpointAndARN)
	case !hasEndpoint && !hasARN:
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgEndpointOrARN)
	}
	if s.Kind == OpenSearchService && s.TypeName != nil && *s.TypeName != "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, msgTypesDeprecated)
	}
	if b := s.BufferingHints; b != nil && (b.SizeInMBs == nil) != (b.IntervalInSeconds == nil) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
	}
	if _, err := parseProcessing(s.ProcessingConfiguration, 0, false); err != nil {
		return err
	}
	backup := s.S3()
	return CheckS3(&backup)
}

// CheckOpenSearchEndpoint enforces the model's https: pattern on a cluster
// or collection endpoint, except that http:// is accepted for loopback and
// private hosts (a deliberate difference, for local clusters). path is the
// member's path in AWS's ValidationException.
func CheckOpenSearchEndpoint(raw, path string) *awsjson.Error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		if strings.HasPrefix(raw, "https:") {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "The endpoint %s is not a valid URL.", raw)
		}
		return awsjson.ValidationError([]string{awsjson.Violation(raw, path, "satisfy regular expression pattern: https:.*")})
	}
	if u.Scheme == "https" || localHost(u.Hostname()) {
		return nil
	}
	return awsjson.ValidationError([]string{awsjson.Violation(raw, path, "satisfy regular expression pattern: https:.*")})
}

// osConfig is an OpenSearch-family destination as its deliveries need it.
type osConfig struct {
	kind     OpenSearchKind
	url      string // the _bulk URL, after any EndpointRewrite
	logName  string // the domain ARN or the endpoint's scheme://host, for logs
	region   string // the signing region; "" for the stream's
	index    string
	rotation string
	typeName string
	noID     bool
	retry    time.Duration
	allDocs  bool
}

func newOpenSearchConfig(s OpenSearchSpec, rewrites []EndpointRewrite) *osConfig {
	c := &osConfig{
		kind: s.Kind, index: s.IndexName, rotation: s.Rotation(), typeName: deref(s.TypeName),
		noID: s.IDFormat() == "NO_DOCUMENT_ID", retry: time.Duration(s.RetrySeconds()) * time.Second,
		allDocs: s.BackupMode() == "AllDocuments",
	}
	if s.Kind == OpenSearchServerless {
		c.typeName = ""
	}
	endpoint := s.Endpoint()
	c.url = bulkURL(rewriteURL(endpoint, rewrites))
	if u, err := url.Parse(endpoint); err == nil {
		c.logName = u.Scheme + "://" + u.Host
		c.region = hostRegion(u.Hostname())
	}
	if arn := deref(s.DomainARN); arn != "" {
		c.logName = arn
		c.region = DomainRegion(arn)
	}
	return c
}

// bulkURL is endpoint's _bulk URL: its path (if any) followed by /_bulk,
// without the endpoint's query or fragment.
func bulkURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return strings.TrimRight(endpoint, "/") + "/_bulk"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/_bulk"
	u.RawPath, u.RawQuery, u.Fragment, u.RawFragment = "", "", "", ""
	return u.String()
}

// hostRegion reads the region of an AWS endpoint name such as
// search-x.us-east-1.es.amazonaws.com or id.eu-west-1.aoss.amazonaws.com
// (or the same under .localhost); "" for other names.
func hostRegion(host string) string {
	labels := strings.Split(host, ".")
	for i := 1; i+1 < len(labels); i++ {
		if labels[i+1] == "es" || labels[i+1] == "aoss" {
			return labels[i]
		}
	}
	return ""
}

// openSearch delivers each batch to an OpenSearch-family cluster.
type openSearch struct{}

func (openSearch) Deliver(p *Pipeline, b *Batch) bool { return p.deliverOpenSearch(b) }
func (openSearch) Name(b *Batch) string               { return b.cfg.os.logName }

// DefaultSigningCredentials are what OpenSearch requests are signed with
// when Deps.Credentials is nil: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN from the environment, else the fixed pair
// AKIAFIREHOSELOCAL000 / firehose-local (Firehose signs with the role it
// assumes, which firehose-local cannot do).
func DefaultSigningCredentials() aws.Credentials {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id != "" && secret != "" {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN"), Source: "environment"}
	}
	return aws.Credentials{AccessKeyID: "AKIAFIREHOSELOCAL000", SecretAccessKey: "firehose-local", Source: "firehose-local"}
}

// osDoc is one record on its way to the cluster.
type osDoc struct {
	index, id string
	line      []byte // the document line; nil: not a single-line JSON document
	failure   *osFailure
}

// osFailure is why a document (or a whole request) was not indexed.
type osFailure struct{ code, message string }

// indexName is index with the rotation suffix of the arrival time (UTC):
// OneHour -2016-02-25-13, OneDay -2016-02-25, OneWeek -2016-w08 (ISO week
// number of the calendar year, as AWS's example shows), OneMonth -2016-02.
func indexName(index, rotation string, arrivalMs int64) string {
	t := time.UnixMilli(arrivalMs).UTC()
	switch rotation {
	case "OneHour":
		return index + t.Format("-2006-01-02-15")
	case "OneDay":
		return index + t.Format("-2006-01-02")
	case "OneWeek":
		_, w := t.ISOWeek()
		return fmt.Sprintf("%s-%d-w%02d", index, t.Year(), w)
	case "OneMonth":
		return index + t.Format("-2006-01")
	}
	return index
}

// documentLine is a record as one NDJSON line: a JSON record with its line
// breaks taken out (the same document), or the record itself when it is one
// line already. A record that is neither, or is blank, cannot be sent in a
// bulk request (nil).
func documentLine(r []byte) []byte {
	if len(bytes.TrimSpace(r)) == 0 {
		return nil // an empty line would end the bulk request's pairs
	}
	if json.Valid(r) {
		if bytes.ContainsAny(r, "\r\n") {
			var out bytes.Buffer
			_ = json.Compact(&out, r)
			return out.Bytes()
		}
		return r
	}
	if bytes.ContainsAny(r, "\r\n") {
		return nil
	}
	return r
}

// bulkBody renders the action and document lines of docs[i] for i in
// pending.
func bulkBody(c *osConfig, docs []osDoc, pending []int) []byte {
	n := 0
	for _, i := range pending {
		n += len(docs[i].line) + len(docs[i].index) + len(docs[i].id) + len(c.typeName) + 48
	}
	buf := make([]byte, 0, n)
	for _, i := range pending {
		d := docs[i]
		buf = append(buf, `{"index":{"_index":`...)
		buf = appendJSONString(buf, d.index)
		if c.typeName != "" {
			buf = append(buf, `,"_type":`...)
			buf = appendJSONString(buf, c.typeName)
		}
		if d.id != "" {
			buf = append(buf, `,"_id":`...)
			buf = appendJSONString(buf, d.id)
		}
		buf = append(buf, "}}\n"...)
		buf = append(buf, d.line...)
		buf = append(buf, '\n')
	}
	return buf
}

func appendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(buf, b...)
}

// deliverOpenSearch sends one batch as a _bulk request. Documents the
// cluster refuses, and every document of a request that fails as a whole,
// are sent again (only they) with jittered exponential backoff until
// RetryOptions.DurationInSeconds has passed on the server clock, counted
// from the first failure; then they go to the S3 configuration as error
// documents. It reports false if shutdown abandoned the batch (a deleted
// stream's batch is dropped, as AWS drops it).
func (p *Pipeline) deliverOpenSearch(b *Batch) bool {
	c := b.cfg.os
	if p.client == nil {
		p.client = newEndpointClient()
	}
	n := len(b.ends)
	docs := make([]osDoc, n)
	base := recordIDSeq.Add(uint64(n)) - uint64(n)
	pending := make([]int, 0, n)
	for i := range n {
		docs[i].index = indexName(c.index, c.rotation, b.arrivals[i])
		if !c.noID {
			// Stable across retries, as FIREHOSE_DEFAULT ids are.
			docs[i].id = fmt.Sprintf("%s%020d.0", recordIDPrefix, base+uint64(i))
		}
		docs[i].line = documentLine(record(b, i))
		if docs[i].line == nil {
			docs[i].failure = &osFailure{code: "400", message: "The record is not a single-line JSON document, so it cannot be sent in a bulk request."}
			continue
		}
		pending = append(pending, i)
	}
	ctx, stop := p.batchContext(context.Background(), true)
	defer stop()
	processor := processorName(b.cfg)
	retry := newRetryBackoff()
	attempts := 0
	for len(pending) > 0 {
		attempts++
		body := bulkBody(c, docs, pending)
		items, fail := p.bulkAttempt(ctx, c, body, len(pending))
		p.m.DelivAttempts.Add(int64(len(pending)))
		if ctx.Err() != nil {
			p.log.Error("OpenSearch delivery abandoned (stream deleted or shutdown deadline reached): documents not delivered",
				"destination", c.logName, "documents", len(pending))
			return p.isDiscarded()
		}
		var still []int
		if fail != nil {
			for _, i := range pending {
				docs[i].failure = fail
			}
			still = pending
		} else {
			for k, i := range pending {
				if f := items[k]; f != nil {
					docs[i].failure = f
					still = append(still, i)
					continue
				}
				p.m.DelivSuccess.Add(1)
				p.m.DelivRecords.Add(1)
				p.m.DelivBytes.Add(int64(len(record(b, i))))
			}
		}
		pending = still
		if len(pending) == 0 {
			break
		}
		first := docs[pending[0]].failure
		p.noteFailure(b, first.code, first.message, processor)
		remaining := c.retry - retry.elapsed
		p.log.Warn("OpenSearch delivery failed", "destination", c.logName, "attempt", attempts, "failedDocuments", len(pending),
			"errorCode", first.code, "error", first.message, "retryTimeLeft", max(remaining, 0))
		if remaining <= 0 {
			break
		}
		if !retry.wait(p, b, remaining) {
			return p.isDiscarded()
		}
	}
	isLost := make([]bool, n)
	for _, i := range pending {
		isLost[i] = true
	}
	var lost []int
	for i := range docs {
		if isLost[i] || docs[i].line == nil {
			lost = append(lost, i)
		}
	}
	if len(lost) == 0 {
		p.log.Debug("delivered to OpenSearch", "destination", c.logName, "documents", n, "attempts", attempts)
		return true
	}
	return p.writeFailedDocuments(b, docs, lost, attempts)
}

// bulkAttempt sends one _bulk request of count documents. It returns the
// failure of each document (nil: indexed) when the cluster answered with
// per-item results, or the failure of the whole request.
func (p *Pipeline) bulkAttempt(ctx context.Context, c *osConfig, body []byte, count int) ([]*osFailure, *osFailure) {
	prefix := c.kind.codePrefix()
	timeout := p.d.HTTPEndpointTimeout
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &osFailure{code: prefix + "ConnectionFailed", message: "The endpoint URL cannot be used: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := p.signingCredentials(actx)
	if err != nil {
		return nil, &osFailure{code: prefix + "AccessDenied", message: "No credentials to sign the request with: " + err.Error()}
	}
	region := c.region
	if region == "" {
		region = p.region
	}
	if err := v4.NewSigner().SignHTTP(actx, creds, req, hash, c.kind.signingService(), region, p.d.Clock.Now()); err != nil {
		return nil, &osFailure{code: prefix + "AccessDenied", message: "Signing the request failed: " + err.Error()}
	}
	resp, data, err := p.exchange(req, maxBulkResponse)
	if err != nil {
		f := transportFailure(err, actx, timeout)
		return nil, &osFailure{code: prefix + strings.TrimPrefix(f.code, "HttpEndpoint."), message: f.message}
	}
	if len(data) > maxBulkResponse {
		return nil, &osFailure{code: prefix + "InvalidResponse", message: "The bulk response is larger than 64 MiB."}
	}
	quoted := truncate(data, maxQuotedResponse)
	switch code := resp.StatusCode; {
	case code == http.StatusForbidden || code == http.StatusUnauthorized:
		return nil, &osFailure{code: prefix + "AccessDenied", message: fmt.Sprintf("The cluster refused the request (%d): %s", code, quoted)}
	case code < 200 || code > 299:
		return nil, &osFailure{code: strconv.Itoa(code), message: quoted}
	}
	return parseBulkResponse(data, count, prefix)
}

// parseBulkResponse reads a 2xx _bulk answer: the failure of each of the
// count documents (nil: indexed), or the failure of the whole request when
// the answer is not one item per document.
func parseBulkResponse(data []byte, count int, prefix string) ([]*osFailure, *osFailure) {
	var res bulkResponse
	if err := json.Unmarshal(data, &res); err != nil || len(res.Items) != count {
		return nil, &osFailure{code: prefix + "InvalidResponse", message: fmt.Sprintf(
			"The bulk response is not a JSON object with one item per document (%d documents sent): %s", count, truncate(data, maxQuotedResponse))}
	}
	out := make([]*osFailure, count)
	for k, item := range res.Items {
		var r *bulkItem
		for _, v := range item {
			r = v
		}
		switch {
		case r == nil || len(item) != 1:
			out[k] = &osFailure{code: prefix + "InvalidResponse", message: "The bulk response item has no single action result."}
		case r.Status < 200 || r.Status > 299:
			msg := string(bytes.TrimSpace(r.Error))
			if msg == "" || msg == "null" {
				msg = "The document was not indexed."
			}
			out[k] = &osFailure{code: strconv.Itoa(r.Status), message: msg}
		}
	}
	return out, nil
}

// maxBulkResponse bounds the bulk response read: one item per document.
const maxBulkResponse = 64 << 20

// bulkResponse is the part of a _bulk answer Firehose reads.
type bulkResponse struct {
	Errors bool                   `json:"errors"`
	Items  []map[string]*bulkItem `json:"items"`
}

type bulkItem struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// signingCredentials are the credentials requests are signed with.
func (p *Pipeline) signingCredentials(ctx context.Context) (aws.Credentials, error) {
	if p.d.Credentials != nil {
		return p.d.Credentials.Retrieve(ctx)
	}
	return DefaultSigningCredentials(), nil
}

// osErrorDocument is one line of an AmazonOpenSearchService-failed (or
// elasticsearch-failed) object, keys in the documented order.
type osErrorDocument struct {
	AttemptsMade           int     `json:"attemptsMade"`
	ArrivalTimestamp       int64   `json:"arrivalTimestamp"`
	ErrorCode              string  `json:"errorCode"`
	ErrorMessage           string  `json:"errorMessage"`
	AttemptEndingTimestamp int64   `json:"attemptEndingTimestamp"`
	EsDocumentID           *string `json:"esDocumentId"`
	EsIndexName            string  `json:"esIndexName"`
	EsTypeName             *string `json:"esTypeName"`
	RawData                string  `json:"rawData"`
}

// ossErrorDocument is the Serverless form: os* names and no type.
type ossErrorDocument struct {
	AttemptsMade           int     `json:"attemptsMade"`
	ArrivalTimestamp       int64   `json:"arrivalTimestamp"`
	ErrorCode              string  `json:"errorCode"`
	ErrorMessage           string  `json:"errorMessage"`
	AttemptEndingTimestamp int64   `json:"attemptEndingTimestamp"`
	OsDocumentID           *string `json:"osDocumentId"`
	OsIndexName            string  `json:"osIndexName"`
	RawData                string  `json:"rawData"`
}

// writeFailedDocuments writes the documents lost (indexes into docs) to the
// S3 configuration as error documents. It reports false if shutdown
// abandoned them.
func (p *Pipeline) writeFailedDocuments(b *Batch, docs []osDoc, lost []int, attempts int) bool {
	c := b.cfg.os
	now := p.d.Clock.Now().UnixMilli()
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	enc.SetEscapeHTML(false)
	var typeName *string
	if c.typeName != "" {
		typeName = &c.typeName
	}
	first := b.arrivals[lost[0]]
	for _, i := range lost {
		d := docs[i]
		var id *string
		if d.id != "" {
			id = &d.id
		}
		raw := base64.StdEncoding.EncodeToString(record(b, i))
		made := attempts
		if d.line == nil {
			made = 0 // never sent
		}
		if c.kind == OpenSearchServerless {
			_ = enc.Encode(ossErrorDocument{AttemptsMade: made, ArrivalTimestamp: b.arrivals[i], ErrorCode: d.failure.code,
				ErrorMessage: d.failure.message, AttemptEndingTimestamp: now, OsDocumentID: id, OsIndexName: d.index, RawData: raw})
		} else {
			_ = enc.Encode(osErrorDocument{AttemptsMade: made, ArrivalTimestamp: b.arrivals[i], ErrorCode: d.failure.code,
				ErrorMessage: d.failure.message, AttemptEndingTimestamp: now, EsDocumentID: id, EsIndexName: d.index, EsTypeName: typeName, RawData: raw})
		}
		first = min(first, b.arrivals[i])
	}
	eb := errorBatch(b, lines.Bytes(), first, c.kind.ErrorOutputType())
	p.log.Error("OpenSearch retry duration exhausted: documents written to S3 as "+c.kind.ErrorOutputType(),
		"destination", c.logName, "attempts", attempts, "documents", len(lost), "bucket", b.cfg.bucket)
	return p.deliverS3(eb) && !p.isDiscarded()
}

// newOpenSearchDestConfig is an OpenSearch-family destination's
// configuration: the S3 configuration's (bucket, prefixes, compression of
// error documents, and of all documents with AllDocuments) with the
// destination's buffering hints, processing and logging.
func newOpenSearchDestConfig(s OpenSearchSpec, version int, maxInterval time.Duration, rewrites []EndpointRewrite) destConfig {
	c := newS3DestConfig(s.S3(), version, maxInterval)
	size, interval := BufferingHints(s.BufferingHints)
	c.useDestinationBuffer(size, interval, maxInterval)
	// The configuration was checked when it was accepted.
	pc, _ := parseProcessing(s.ProcessingConfiguration, maxInterval, false)
	c.setProcessing(pc)
	c.os = newOpenSearchConfig(s, rewrites)
	c.dest = openSearch{}
	c.setDestinationLogs(s.CloudWatchLoggingOptions, s.S3Configuration)
	return c
}
