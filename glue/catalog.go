package glue

import (
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// Options configures a Catalog.
type Options struct {
	// Account is the account ID, the only catalog served. Default
	// 000000000000.
	Account string
	// Region is the region of a call that names none. Default us-east-1.
	Region string
	// State, if set, is where the catalog lives durably; nil keeps it in
	// memory only.
	State *statestore.Handle
	// Logger receives debug events. Default: discarded.
	Logger *slog.Logger
	// Now is the clock of CreateTime and UpdateTime. Default time.Now.
	Now func() time.Time
}

// Catalog is the Glue Data Catalog of one account, in every region.
type Catalog struct {
	opts    Options
	mu      sync.RWMutex
	regions map[string]map[string]*database // region, database name
}

// database is one database as stored.
type database struct {
	Name string `json:"name"` // lower case
	// Input is the DatabaseInput as received (Name aside).
	Input map[string]any `json:"input"`
	// Tags are CreateDatabase's tags, kept but not served.
	Tags    map[string]any `json:"tags,omitempty"`
	Created int64          `json:"created"` // Unix milliseconds

	tables map[string]*table
}

// table is one table with its versions.
type table struct {
	Name     string     `json:"name"` // lower case
	Created  int64      `json:"created"`
	Versions []*version `json:"versions"` // oldest first: the last is current
}

// version is one version of a table.
type version struct {
	ID      int64 `json:"id"`
	Updated int64 `json:"updated"`
	// Input is the TableInput as received (Name aside).
	Input map[string]any `json:"input"`
}

func (t *table) current() *version { return t.Versions[len(t.Versions)-1] }

// New returns the catalog, reloaded from opts.State if set.
func New(opts Options) (*Catalog, error) {
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Catalog{opts: opts, regions: map[string]map[string]*database{}}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

type opFunc func(c *Catalog, region string, in map[string]any) (any, *awsjson.Error)

var operations = map[string]opFunc{
	"CreateDatabase":   (*Catalog).createDatabase,
	"GetDatabase":      (*Catalog).getDatabase,
	"GetDatabases":     (*Catalog).getDatabases,
	"DeleteDatabase":   (*Catalog).deleteDatabase,
	"CreateTable":      (*Catalog).createTable,
	"GetTable":         (*Catalog).getTable,
	"GetTables":        (*Catalog).getTables,
	"UpdateTable":      (*Catalog).updateTable,
	"GetTableVersion":  (*Catalog).getTableVersion,
	"GetTableVersions": (*Catalog).getTableVersions,
	"DeleteTable":      (*Catalog).deleteTable,
}

// Call runs the operation op (without TargetPrefix) on the catalog of
// region ("" for Options.Region) with the JSON request body, and returns
// the response to encode or the error Glue would send. A change is
// committed to the state store before Call returns.
func (c *Catalog) Call(region, op string, body []byte) (any, *awsjson.Error) {
	fn, ok := operations[op]
	if !ok {
		c.opts.Logger.Debug("glue: refusing an operation firehose-local does not serve", "operation", op)
		return nil, unknownOperation(TargetPrefix + op)
	}
	in, verr := Model().DecodeAndValidate(op, body)
	if verr != nil {
		return nil, gluePaths(verr)
	}
	for _, m := range refused[op] {
		if in[m] != nil {
			return nil, unsupported(op, m)
		}
	}
	if ti, ok := in["TableInput"].(map[string]any); ok {
		for _, m := range refusedTableInput {
			if ti[m] != nil {
				return nil, unsupported(op, "TableInput."+m)
			}
		}
	}
	if err := c.checkCatalog(op, region, in); err != nil {
		return nil, err
	}
	if region == "" {
		region = c.opts.Region
	}
	return fn(c, region, in)
}

// gluePaths renames TableInput "table" in a validation message's member
// paths, as Glue does: recorded messages name
// 'table.storageDescriptor.columns.5.member.comment' (boto3's CreateTable in
// moj-analytical-services/etl_manager#90) and
// 'table.storageDescriptor.columns.N.member.type' (crawlers' CreateTable
// and UpdateTable).
func gluePaths(e *awsjson.Error) *awsjson.Error {
	if e.Type != awsjson.ErrValidation {
		return e
	}
	out := *e
	out.Message = strings.NewReplacer("'tableInput.", "'table.", "'tableInput'", "'table'").Replace(e.Message)
	return &out
}

// checkCatalog refuses a CatalogId other than the account's. AWS answers a
// call on another account's catalog that no resource policy allows with
// AccessDeniedException in IAM's words; firehose-local holds one account,
// so it answers every other catalog the same way (rather than
// EntityNotFoundException, which would suggest the catalog exists empty).
func (c *Catalog) checkCatalog(op, region string, in map[string]any) *awsjson.Error {
	id, _ := in["CatalogId"].(string)
	return c.checkCatalogID(op, region, id)
}

func (c *Catalog) checkCatalogID(op, region, id string) *awsjson.Error {
	if id == "" || id == c.opts.Account {
		return nil
	}
	if region == "" {
		region = c.opts.Region
	}
	return awsjson.NewError(errAccessDenied,
		"User: %s is not authorized to perform: glue:%s on resource: arn:aws:glue:%s:%s:catalog because no resource-based policy allows the glue:%s action",
		c.caller(), op, region, id, op)
}

// caller is the principal a table's CreatedBy names. AWS names the caller
// (an IAM user's or an assumed role's ARN); firehose-local has no IAM and
// treats every caller as the account's root, as checkCatalogID's refusal
// does.
func (c *Catalog) caller() string { return "arn:aws:iam::" + c.opts.Account + ":root" }

// region returns the databases of region, created if asked.
func (c *Catalog) region(region string, create bool) map[string]*database {
	dbs := c.regions[region]
	if dbs == nil && create {
		dbs = map[string]*database{}
		c.regions[region] = dbs
	}
	return dbs
}

// lookupDB finds a database by name, in any case. The error names it in
// lower case, as stored and looked up (AWS's recorded texts all name
// lower-case names, so which case Glue echoes is not known).
func (c *Catalog) lookupDB(region, name string) (*database, *awsjson.Error) {
	name = strings.ToLower(name)
	if d := c.region(region, false)[name]; d != nil {
		return d, nil
	}
	return nil, dbNotFound(name)
}

// lookupTable finds a table by database and table name, in any case.
func (c *Catalog) lookupTable(region, db, name string) (*database, *table, *awsjson.Error) {
	d, err := c.lookupDB(region, db)
	if err != nil {
		return nil, nil, err
	}
	name = strings.ToLower(name)
	if t := d.tables[name]; t != nil {
		return d, t, nil
	}
	return nil, nil, tableNotFound(name)
}

// now is the clock in Unix milliseconds, the precision kept.
func (c *Catalog) now() int64 { return c.opts.Now().UnixMilli() }

// epoch renders Unix milliseconds as JSON 1.1 renders a timestamp: epoch
// seconds, with a fraction.
func epoch(ms int64) json.Number {
	return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
}

// Databases lists the names of the databases of region, sorted.
func (c *Catalog) Databases(region string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.region(region, false)))
}

// Tables lists the names of the tables of a database of region, sorted
// (none if there is no such database).
func (c *Catalog) Tables(region, database string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.region(region, false)[strings.ToLower(database)]
	if d == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(d.tables))
}
