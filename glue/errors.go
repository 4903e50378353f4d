package glue

import (
	"encoding/json"
	"net/http"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Error types Glue sends (exception shapes of its model).
const (
	errEntityNotFound         = "EntityNotFoundException"
	errAlreadyExists          = "AlreadyExistsException"
	errInvalidInput           = "InvalidInputException"
	errConcurrentModification = "ConcurrentModificationException"
	errAccessDenied           = "AccessDeniedException"
	errInternalService        = "InternalServiceException"
)

// The texts below are Glue's own, as clients recorded them:
//
//   - "Database <name> not found." (EntityNotFoundException): GetDatabase
//     in hashicorp/terraform-provider-aws#5136 ("Database temp not found."),
//     GetTables in dbt-labs/dbt-athena#247 ("Database db_name not found.").
//   - "Table <name> not found." (EntityNotFoundException):
//     hashicorp/terraform-provider-aws#34132 ("Table image_metadata not
//     found.").
//   - "Database already exists." (AlreadyExistsException):
//     moj-analytical-services/etl_manager#71, a boto3 traceback of
//     CreateDatabase.
//   - "Table already exists." (AlreadyExistsException): estuary/connectors
//     #1685, a boto3 traceback of CreateTable.
//   - "Update table failed due to concurrent modifications."
//     (ConcurrentModificationException): UpdateTable with a stale VersionId,
//     recorded with the AWS CLI in floci-io/floci#1205 (also
//     apache/iceberg#8636).
//
// The others (a missing table version, refused members, bad tokens) are
// firehose-local's, not recorded from AWS.

func dbNotFound(name string) *awsjson.Error {
	return awsjson.NewError(errEntityNotFound, "Database %s not found.", name)
}

func tableNotFound(name string) *awsjson.Error {
	return awsjson.NewError(errEntityNotFound, "Table %s not found.", name)
}

func versionNotFound(table, id string) *awsjson.Error {
	return awsjson.NewError(errEntityNotFound, "Version %s of table %s not found.", id, table)
}

func invalidInput(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errInvalidInput, format, args...)
}

var (
	errDBExists    = awsjson.NewError(errAlreadyExists, "Database already exists.")
	errTableExists = awsjson.NewError(errAlreadyExists, "Table already exists.")
	errStaleUpdate = awsjson.NewError(errConcurrentModification, "Update table failed due to concurrent modifications.")
	errBadToken    = invalidInput("The NextToken is not valid.")
)

// unsupported refuses a member the catalog cannot keep faithfully.
func unsupported(op, member string) *awsjson.Error {
	return invalidInput("firehose-local does not support %s in %s yet.", member, op)
}

// internalError is a failure of the state store: the change was not made.
func internalError(err error) *awsjson.Error {
	e := awsjson.NewError(errInternalService, "firehose-local could not save the change: %s", err)
	e.Status = http.StatusInternalServerError
	return e
}

// unknownOperation is the answer to an operation the catalog does not
// serve. AWS's JSON services send UnknownOperationException; firehose-local
// names the operation in the message.
func unknownOperation(target string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrUnknownOperation, "Unknown operation %s.", target)
}

// marshalError renders e as Glue does: {"__type": ..., "Message": ...}.
func marshalError(e *awsjson.Error) []byte {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}{e.Type, e.Message})
	return b
}
