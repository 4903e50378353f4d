package lambdaapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error types the Lambda API answers with. All but ValidationException and
// RequestEntityTooLargeException are exception shapes of the model;
// those two are what the real service sends for model-constraint violations
// and oversized control-plane requests.
const (
	errResourceNotFound      = "ResourceNotFoundException"
	errResourceConflict      = "ResourceConflictException"
	errInvalidParameterValue = "InvalidParameterValueException"
	errInvalidRequestContent = "InvalidRequestContentException"
	errRequestTooLarge       = "RequestTooLargeException"
	errRequestEntityTooLarge = "RequestEntityTooLargeException"
	errUnsupportedMediaType  = "UnsupportedMediaTypeException"
	errPreconditionFailed    = "PreconditionFailedException"
	errTooManyRequests       = "TooManyRequestsException"
	errService               = "ServiceException"
	errValidation            = "ValidationException"
	errUnknownOperation      = "UnknownOperationException"
	errMethodNotAllowed      = "MethodNotAllowedException"
)

// Lambda's limits and defaults.
const (
	maxCodeRequestBytes       = 70167211  // "Request must be smaller than 70167211 bytes for the CreateFunction operation" (recorded 2025-11-25: 50 MiB of base64 and 256 KiB)
	maxInvokeRequestBytes     = 6291456   // 6 MiB, synchronous Invoke
	maxEventPayloadBytes      = 1048576   // 1 MiB, asynchronous (Event) Invoke
	maxUnzippedBytes          = 262144000 // 250 MiB
	maxZippedBytes            = 52428800  // 50 MiB, ZipFile uploaded directly
	maxClientContextBytes     = 3583
	maxEnvironmentBytes       = 4096
	maxFunctionNameLength     = 64
	maxTimeoutSeconds         = 900
	maxMemorySizeMB           = 10240
	defaultTimeoutSeconds     = 3
	defaultMemorySizeMB       = 128
	defaultEphemeralStorageMB = 512
)

// MaxRequestBytes is the largest request body any Lambda operation accepts
// (CreateFunction and UpdateFunctionCode with a base64 ZipFile); a front end
// that reads bodies before this package (to check signatures) can stop there.
const MaxRequestBytes = maxCodeRequestBytes

// apiError is an error the Lambda API renders as a REST-JSON error:
// header X-Amzn-ErrorType: Type, body {"Type":"User","Message":..,"message":..}.
type apiError struct {
	Type       string
	Message    string
	Status     int
	RetryAfter string // Retry-After header (seconds) for TooManyRequestsException
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// statusOf is the HTTP status AWS uses for each error type.
var statusOf = map[string]int{
	errResourceNotFound:      http.StatusNotFound,
	errResourceConflict:      http.StatusConflict,
	errRequestTooLarge:       http.StatusRequestEntityTooLarge,
	errRequestEntityTooLarge: http.StatusRequestEntityTooLarge,
	errUnsupportedMediaType:  http.StatusUnsupportedMediaType,
	errPreconditionFailed:    http.StatusPreconditionFailed,
	errTooManyRequests:       http.StatusTooManyRequests,
	errService:               http.StatusInternalServerError,
	errMethodNotAllowed:      http.StatusMethodNotAllowed,
}

// newError builds an apiError with the status AWS uses for typ (400 unless
// listed in statusOf).
func newError(typ, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	status, ok := statusOf[typ]
	if !ok {
		status = http.StatusBadRequest
	}
	return &apiError{Type: typ, Message: msg, Status: status}
}

func invalidParam(format string, args ...any) *apiError {
	return newError(errInvalidParameterValue, format, args...)
}

// unsupported refuses configuration firehose-local cannot honour, by name, so
// that nothing is accepted and then silently ignored.
func unsupported(member string) *apiError {
	return invalidParam("firehose-local does not support %s yet.", member)
}

// notFound is AWS's answer for a function (or qualified function) that does
// not exist.
func notFound(arn string) *apiError {
	return newError(errResourceNotFound, "Function not found: %s", arn)
}

// errorBody renders e as the JSON body Lambda sends. Both casings of the
// message member are sent: the model uses Message for some exceptions and
// message for others, and clients read either.
func errorBody(e *apiError) []byte {
	kind := "User"
	if e.Status >= 500 {
		kind = "Service"
	}
	b, _ := json.Marshal(struct {
		Type     string `json:"Type"`
		Message  string `json:"Message"`
		Message2 string `json:"message"`
	}{kind, e.Message, e.Message})
	return b
}
