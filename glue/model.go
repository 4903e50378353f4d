package glue

import (
	_ "embed"
	"sync"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// TargetPrefix starts the X-Amz-Target header of every Glue request (JSON
// 1.1): route those to the API handler.
const TargetPrefix = "AWSGlue."

// The botocore model, pruned to the operations served (go generate
// refreshes it from the full model; a test checks it still matches).
//
//go:embed models/glue-2017-03-31.json
var glueModelJSON []byte

var (
	modelOnce sync.Once
	glueModel *awsjson.Model
)

// Model returns the embedded Glue model, parsed once.
func Model() *awsjson.Model {
	modelOnce.Do(func() {
		m, err := awsjson.ParseModel(glueModelJSON)
		if err != nil {
			panic("glue: embedded model: " + err.Error())
		}
		glueModel = m
	})
	return glueModel
}

// Operations lists the operations served: databases, then tables.
func Operations() []string {
	return []string{
		"CreateDatabase", "GetDatabase", "GetDatabases", "DeleteDatabase",
		"CreateTable", "GetTable", "GetTables", "UpdateTable",
		"GetTableVersion", "GetTableVersions", "DeleteTable",
	}
}

// refused are the request members each operation refuses by name: the
// catalog has nothing faithful to do with them.
var refused = map[string][]string{
	"CreateTable":  {"TransactionId", "PartitionIndexes", "OpenTableFormatInput"},
	"UpdateTable":  {"TransactionId", "ViewUpdateAction", "UpdateOpenTableFormatInput"},
	"GetTable":     {"TransactionId", "QueryAsOfTime"},
	"GetTables":    {"TransactionId", "QueryAsOfTime", "AttributesToGet"},
	"DeleteTable":  {"TransactionId"},
	"GetDatabases": {"ResourceShareType", "AttributesToGet"},
}

// refusedTableInput are the TableInput members refused: a Table answers
// ViewDefinition in another shape than TableInput's.
var refusedTableInput = []string{"ViewDefinition"}
