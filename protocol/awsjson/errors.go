package awsjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/firehose-local/firehose-local/internal/reqbody"
)

// Error types of the AWS JSON 1.1 APIs firehose-local serves. The names are the exception
// shape names of the model (or the generic JSON 1.1 errors AWS sends).
const (
	ErrValidation             = "ValidationException"
	ErrInvalidArgument        = "InvalidArgumentException"
	ErrResourceNotFound       = "ResourceNotFoundException"
	ErrResourceInUse          = "ResourceInUseException"
	ErrLimitExceeded          = "LimitExceededException"
	ErrConcurrentModification = "ConcurrentModificationException"
	ErrServiceUnavailable     = "ServiceUnavailableException"
	ErrInvalidKMSResource     = "InvalidKMSResourceException"
	ErrSerialization          = "SerializationException"
	ErrUnknownOperation       = "UnknownOperationException"
	ErrInternalFailure        = "InternalFailure"
	ErrRequestEntityTooLarge  = "RequestEntityTooLargeException"
	ErrInvalidSource          = "InvalidSourceException"
)

// Error is an AWS JSON 1.1 error: it renders as
// {"__type": Type, "message": Message} with HTTP status Status.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// NewError builds an Error with the HTTP status AWS uses for typ: 503 for
// ServiceUnavailableException, 500 for InternalFailure, 413 for an oversized
// body, and 400 for every other (client) error.
func NewError(typ, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	status := http.StatusBadRequest
	switch typ {
	case ErrServiceUnavailable:
		status = http.StatusServiceUnavailable
	case ErrInternalFailure:
		status = http.StatusInternalServerError
	case ErrRequestEntityTooLarge:
		status = http.StatusRequestEntityTooLarge
	}
	return &Error{Type: typ, Message: msg, Status: status}
}

// MarshalError renders e as the JSON body AWS sends.
func MarshalError(e *Error) []byte {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	return b
}

// BodyError is the error of a request body that could not be read: too
// large (an *http.MaxBytesError), past the budget of bodies in flight
// (reqbody.ErrBusy: the API's throttling error, given), or unreadable.
func BodyError(err error, limit int64, throttle *Error) *Error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return NewError(ErrRequestEntityTooLarge, "Request body exceeds the limit of %d bytes.", limit)
	case errors.Is(err, reqbody.ErrBusy):
		return throttle
	}
	return NewError(ErrSerialization, "Could not read the request body: %s", err)
}
