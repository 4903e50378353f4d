// Package glue serves the part of the AWS Glue Data Catalog that Firehose's
// record format conversion reads: databases, tables and table versions,
// over Glue's JSON 1.1 API (X-Amz-Target: AWSGlue.<Operation>), and as a Go
// API (Catalog.Schema) for the delivery pipeline.
//
// The operations are CreateDatabase, GetDatabase, GetDatabases,
// DeleteDatabase, CreateTable, GetTable, GetTables, UpdateTable,
// GetTableVersion, GetTableVersions and DeleteTable. Requests are checked
// against the embedded botocore model (models/, pruned to these
// operations) with AWS's ValidationException messages; every other
// AWSGlue operation answers UnknownOperationException naming it.
//
// What a client sends is kept as it sent it: a table's TableInput and a
// database's DatabaseInput are stored member by member (after validation)
// and answered back with the members Glue adds (CreateTime, UpdateTime,
// CatalogId, VersionId, ...), every structure's members in the model's
// order, as recorded answers list them (encode.go). Members the catalog cannot keep faithfully
// (transactions, partition indexes, open table formats, view definitions)
// are refused by name with InvalidInputException. As in Glue, database and
// table names are folded to lower case when stored and looked up without
// regard to case.
//
// The catalog is per region, and is one account's (Options.Account): a
// CatalogId naming another account is refused with AccessDeniedException,
// as IAM refuses a cross-account call no resource policy allows.
//
// With a statestore.Handle, every change is committed (synced) before the
// call that made it answers, and New reloads the catalog; keys live in the
// handle's bucket (see persist.go).
//
// Glue's errors carry "Message" with a capital M, unlike the other JSON
// APIs here: this package writes its own error bodies.
package glue

//go:generate go run ../internal/botomodel/cmd/botomodel prune ../internal/botomodel/testdata/glue-2017-03-31.json models/glue-2017-03-31.json CreateDatabase GetDatabase GetDatabases DeleteDatabase CreateTable GetTable GetTables UpdateTable GetTableVersion GetTableVersions DeleteTable
