package cwlogs

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// TargetPrefix starts the X-Amz-Target header of every CloudWatch Logs
// request (JSON 1.1): route those to the API handler.
const TargetPrefix = "Logs_20140328."

// maxBody caps a request body. The largest valid request, a 1 MiB
// PutLogEvents batch, stays well under it even fully \u-escaped.
const maxBody = 8 << 20

// The botocore model is the authority on shapes and constraints. It is
// embedded without its documentation (internal/botomodel), every operation
// and shape kept; a test checks it against the whole one.
//
//go:generate go run ../internal/botomodel/cmd/botomodel strip ../internal/botomodel/testdata/logs-2014-03-28.json models/logs-2014-03-28.json
//go:embed models/logs-2014-03-28.json
var logsModelJSON []byte

var (
	modelOnce sync.Once
	logsModel *awsjson.Model
)

// Model returns the embedded CloudWatch Logs model, parsed once.
func Model() *awsjson.Model {
	modelOnce.Do(func() {
		m, err := awsjson.ParseModel(logsModelJSON)
		if err != nil {
			panic("cwlogs: embedded logs model: " + err.Error())
		}
		logsModel = m
	})
	return logsModel
}

// Error types CloudWatch Logs sends (exception shapes of the model, and
// the generic JSON 1.1 errors).
const (
	errInvalidParameter = "InvalidParameterException"
	errResourceNotFound = "ResourceNotFoundException"
	errAlreadyExists    = "ResourceAlreadyExistsException"
	errLimitExceeded    = "LimitExceededException"
	errValidation       = "ValidationException"
	errTooManyTags      = "TooManyTagsException"
)

func invalidParameter(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errInvalidParameter, format, args...)
}

var (
	errNoGroup      = awsjson.NewError(errResourceNotFound, "The specified log group does not exist.")
	errNoStream     = awsjson.NewError(errResourceNotFound, "The specified log stream does not exist.")
	errGroupDup     = awsjson.NewError(errAlreadyExists, "The specified log group already exists")
	errStreamDup    = awsjson.NewError(errAlreadyExists, "The specified log stream already exists")
	errBadToken     = awsjson.NewError(errInvalidParameter, "The specified nextToken is invalid.")
	errGroupLimit   = awsjson.NewError(errLimitExceeded, "Resource limit exceeded.")
	errNameOrID     = awsjson.NewError(errInvalidParameter, "Either logGroupName or logGroupIdentifier must be specified.")
	errNameAndID    = awsjson.NewError(errValidation, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	errProtectedDel = awsjson.NewError(errValidation, "The log group has deletion protection enabled. Disable deletion protection before deleting the log group.")
)

// APIOptions configures the API handler.
type APIOptions struct {
	// Region is used in ARNs when a request carries no SigV4 scope.
	// Default us-east-1.
	Region string
	// Account is the account ID in ARNs. Default 000000000000.
	Account string
	// Logger receives debug events (refused operations). Default: the
	// store's logger.
	Logger *slog.Logger
	// Bodies, if set, bounds the request body bytes read and not yet
	// answered, shared with the server's other APIs; past it a request is
	// refused with ThrottlingException.
	Bodies *reqbody.Budget
	// AnswerBeforeCommit makes a change (PutLogEvents, CreateLogGroup, ...)
	// to a Store from Open answer without waiting for the state store's
	// commit, which follows within 100 ms: faster, but a crash in between
	// loses it. By default a change answers once committed.
	AnswerBeforeCommit bool
}

// API serves the CloudWatch Logs JSON 1.1 API over a Store.
type API struct {
	store *Store
	opts  APIOptions
}

// NewAPI returns the CloudWatch Logs API over store. It serves POST
// requests whose X-Amz-Target starts with TargetPrefix.
func NewAPI(store *Store, opts APIOptions) *API {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = store.opts.Logger
	}
	// The model is parsed on first use: a server that never sees a Logs
	// request neither waits for nor holds it.
	return &API{store: store, opts: opts}
}

// call is one request being served.
type call struct {
	region string
	body   []byte
}

// decode unmarshals the (already validated) body into v.
func (c *call) decode(v any) *awsjson.Error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body: %s", err)
	}
	return nil
}

type opFunc func(*API, *call) (any, *awsjson.Error)

// operations are the operations the API implements. Every other operation
// of the model is refused with InvalidParameterException naming it (see
// the package documentation).
var operations = map[string]opFunc{
	"CreateLogGroup":                (*API).createLogGroup,
	"DeleteLogGroup":                (*API).deleteLogGroup,
	"DescribeLogGroups":             (*API).describeLogGroups,
	"CreateLogStream":               (*API).createLogStream,
	"DeleteLogStream":               (*API).deleteLogStream,
	"DescribeLogStreams":            (*API).describeLogStreams,
	"PutLogEvents":                  (*API).putLogEvents,
	"GetLogEvents":                  (*API).getLogEvents,
	"FilterLogEvents":               (*API).filterLogEvents,
	"PutRetentionPolicy":            (*API).putRetentionPolicy,
	"DeleteRetentionPolicy":         (*API).deleteRetentionPolicy,
	"PutLogGroupDeletionProtection": (*API).putDeletionProtection,
	"ListTagsForResource":           (*API).listTagsForResource,
	"TagResource":                   (*API).tagResource,
	"UntagResource":                 (*API).untagResource,
	"ListTagsLogGroup":              (*API).listTagsLogGroup,
	"TagLogGroup":                   (*API).tagLogGroup,
	"UntagLogGroup":                 (*API).untagLogGroup,
	"PutSubscriptionFilter":         (*API).putSubscriptionFilter,
	"DescribeSubscriptionFilters":   (*API).describeSubscriptionFilters,
	"DeleteSubscriptionFilter":      (*API).deleteSubscriptionFilter,
}

// nameTooLong reports whether a validation message of op is about a log
// group or stream name over 512 characters, which CreateLogGroup and
// CreateLogStream answer with a message of their own (recorded from AWS).
func nameTooLong(op, msg string) bool {
	return (op == "CreateLogGroup" || op == "CreateLogStream") &&
		(strings.Contains(msg, "at 'logGroupName' failed") || strings.Contains(msg, "at 'logStreamName' failed")) &&
		strings.Contains(msg, "Member must have length less than or equal to 512")
}

// Operations lists the operations the API implements, sorted.
func Operations() []string { return slices.Sorted(maps.Keys(operations)) }

// ServeHTTP serves one CloudWatch Logs request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, TargetPrefix)
	if !ok {
		writeError(w, awsjson.NewError(awsjson.ErrUnknownOperation, "Unknown operation %s.", target))
		return
	}
	if err := awsjson.CheckRequest(r, "CloudWatch Logs"); err != nil {
		writeError(w, err)
		return
	}
	rb, err := a.opts.Bodies.ReadRequest(w, r, maxBody)
	if err != nil {
		writeError(w, awsjson.BodyError(err, maxBody, awsjson.NewError(errThrottling, "Rate exceeded")))
		return
	}
	defer rb.Release()
	body := rb.Bytes
	if _, inModel := Model().Operations[op]; !inModel {
		writeError(w, awsjson.NewError(awsjson.ErrUnknownOperation, "Unknown operation %s.", target))
		return
	}
	if _, verr := Model().DecodeAndValidate(op, body); verr != nil {
		if verr.Type == awsjson.ErrValidation {
			// CloudWatch Logs reports constraint violations as
			// InvalidParameterException, with the usual message.
			verr = invalidParameter("%s", verr.Message)
			if nameTooLong(op, verr.Message) {
				verr = invalidParameter("Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
			}
		}
		writeError(w, verr)
		return
	}
	fn, ok := operations[op]
	if !ok {
		a.opts.Logger.Debug("cwlogs: refusing an operation firehose-local does not implement", "operation", op)
		writeError(w, invalidParameter("firehose-local does not support the CloudWatch Logs operation %s yet.", op))
		return
	}
	out, apiErr := fn(a, &call{region: awsjson.RequestRegion(r, a.opts.Region), body: body})
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	if !readOnly(op) && !a.opts.AnswerBeforeCommit {
		a.store.sync() // a change answers once it is in the state store
	}
	writeJSON(w, out)
}

// readOnly reports whether the operation op changes nothing.
func readOnly(op string) bool {
	for _, p := range []string{"Describe", "Get", "Filter", "List"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, awsjson.NewError(awsjson.ErrInternalFailure, "encoding the response: %s", err))
		return
	}
	awsjson.WriteResponse(w, http.StatusOK, b)
}

// errThrottling is the error of a request refused because too many request
// body bytes are in flight.
const errThrottling = "ThrottlingException"

func writeError(w http.ResponseWriter, e *awsjson.Error) {
	awsjson.WriteError(w, e, awsjson.MarshalError(e))
}

// groupARN is a log group's ARN as DescribeLogGroups' logGroupArn (and
// tagging) uses it; the "arn" member adds ":*".
func (a *API) groupARN(region, name string) string {
	return "arn:aws:logs:" + region + ":" + a.opts.Account + ":log-group:" + name
}

// groupNameFromIdentifier accepts a log group name or ARN (with or without
// the trailing ":*").
func groupNameFromIdentifier(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	_, rest, ok := strings.Cut(id, ":log-group:")
	if !ok {
		return id
	}
	return strings.TrimSuffix(rest, ":*")
}

// groupName resolves the logGroupName / logGroupIdentifier pair that most
// read operations take: exactly one must be given.
func groupName(name, id *string) (string, *awsjson.Error) {
	switch {
	case name != nil && id != nil:
		return "", errNameAndID
	case name != nil:
		return *name, nil
	case id != nil:
		return groupNameFromIdentifier(*id), nil
	}
	return "", errNameOrID
}
