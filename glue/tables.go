package glue

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// renderTable is a version of a table as a Table shape: the TableInput as
// received, with the members Glue sets. What Glue adds to a TableInput is
// as recorded (see integration/recordings_glue_test.go): Retention 0,
// CreatedBy, IsRegisteredWithLakeFormation and IsMultiDialectView false,
// and, in a StorageDescriptor, Compressed false, NumberOfBuckets 0,
// SortColumns [] and StoredAsSubDirectories false (aws/aws-cli's
// create-table and get-tables examples). PartitionKeys is not added: a
// table created without it is answered without it (the same example; AWS
// support's answer quoted in hashicorp/terraform-provider-aws#5206).
func (c *Catalog) renderTable(d *database, t *table, v *version) map[string]any {
	out := maps.Clone(v.Input)
	out["Name"] = t.Name
	out["DatabaseName"] = d.Name
	out["CreateTime"] = epoch(t.Created)
	out["UpdateTime"] = epoch(v.Updated)
	out["CatalogId"] = c.opts.Account
	out["VersionId"] = strconv.FormatInt(v.ID, 10)
	out["CreatedBy"] = c.caller()
	out["IsRegisteredWithLakeFormation"] = false
	out["IsMultiDialectView"] = false
	if _, ok := out["Retention"]; !ok {
		out["Retention"] = json.Number("0")
	}
	if sd, ok := out["StorageDescriptor"].(map[string]any); ok {
		sd = maps.Clone(sd)
		for k, def := range map[string]any{
			"Compressed": false, "NumberOfBuckets": json.Number("0"),
			"SortColumns": []any{}, "StoredAsSubDirectories": false,
		} {
			if _, given := sd[k]; !given {
				sd[k] = def
			}
		}
		out["StorageDescriptor"] = sd
	}
	return out
}

// tableInput splits a validated TableInput into its name (lower case) and
// the members kept as they are.
func tableInput(in map[string]any) (string, map[string]any) {
	ti := maps.Clone(in)
	name := strings.ToLower(ti["Name"].(string))
	delete(ti, "Name")
	return name, ti
}

// createTable creates a table; its first version is "0", as AWS numbers
// them (recorded with the AWS CLI in floci-io/floci#1183 and #1205:
// GetTable answers VersionId "0" after CreateTable, "1" after an update).
func (c *Catalog) createTable(region string, in map[string]any) (any, *awsjson.Error) {
	ti, ok := in["TableInput"].(map[string]any)
	if !ok {
		return nil, invalidInput("TableInput is required.")
	}
	name, input := tableInput(ti)
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookupDB(region, in["DatabaseName"].(string))
	if err != nil {
		return nil, err
	}
	if d.tables[name] != nil {
		return nil, errTableExists
	}
	now := c.now()
	t := &table{Name: name, Created: now, Versions: []*version{{ID: 0, Updated: now, Input: input}}}
	if err := c.commit(putTable(region, d.Name, t)); err != nil {
		return nil, err
	}
	d.tables[name] = t
	return struct{}{}, nil
}

func (c *Catalog) getTable(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, t, err := c.lookupTable(region, in["DatabaseName"].(string), in["Name"].(string))
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": c.renderTable(d, t, t.current())}, nil
}

// expression compiles GetTables' Expression: a regular expression on the
// whole table name, without regard to case, in which a '*' not after a '.'
// stands for any run of characters (Hive's wildcard, which Glue accepts).
func expression(expr string) (*regexp.Regexp, *awsjson.Error) {
	var b strings.Builder
	for i, r := range expr {
		if r == '*' && (i == 0 || expr[i-1] != '.') {
			b.WriteString(".*")
			continue
		}
		b.WriteRune(r)
	}
	re, err := regexp.Compile(`^(?i:` + b.String() + `)$`)
	if err != nil {
		return nil, invalidInput("Expression %s is not a valid regular expression.", expr)
	}
	return re, nil
}

func (c *Catalog) getTables(region string, in map[string]any) (any, *awsjson.Error) {
	var match *regexp.Regexp
	if expr, ok := in["Expression"].(string); ok && expr != "" {
		re, err := expression(expr)
		if err != nil {
			return nil, err
		}
		match = re
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, err := c.lookupDB(region, in["DatabaseName"].(string))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range slices.Sorted(maps.Keys(d.tables)) {
		if match == nil || match.MatchString(n) {
			names = append(names, n)
		}
	}
	page, next, err := pageOfNames(names, in)
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(page))
	for _, n := range page {
		t := d.tables[n]
		list = append(list, c.renderTable(d, t, t.current()))
	}
	out := map[string]any{"TableList": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// updateTable replaces a table's definition by a new version. VersionId, if
// given, must be the current version's; SkipArchive drops the version
// replaced from the table's history.
func (c *Catalog) updateTable(region string, in map[string]any) (any, *awsjson.Error) {
	ti, ok := in["TableInput"].(map[string]any)
	if !ok {
		return nil, invalidInput("TableInput is required.")
	}
	name, input := tableInput(ti)
	if n, ok := in["Name"].(string); ok && strings.ToLower(n) != name {
		return nil, invalidInput("firehose-local does not support renaming table %s to %s with UpdateTable.", n, ti["Name"])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d, t, err := c.lookupTable(region, in["DatabaseName"].(string), ti["Name"].(string))
	if err != nil {
		return nil, err
	}
	cur := t.current()
	if want, ok := in["VersionId"].(string); ok && want != strconv.FormatInt(cur.ID, 10) {
		return nil, errStaleUpdate
	}
	next := &table{Name: t.Name, Created: t.Created, Versions: slices.Clone(t.Versions)}
	if skip, _ := in["SkipArchive"].(bool); skip {
		next.Versions = next.Versions[:len(next.Versions)-1]
	}
	next.Versions = append(next.Versions, &version{ID: cur.ID + 1, Updated: c.now(), Input: input})
	if err := c.commit(putTable(region, d.Name, next)); err != nil {
		return nil, err
	}
	d.tables[t.Name] = next
	return struct{}{}, nil
}

// findVersion returns the version id of t; "" is the current one.
func findVersion(t *table, id string) (*version, *awsjson.Error) {
	if id == "" {
		return t.current(), nil
	}
	n, perr := strconv.ParseInt(id, 10, 64)
	if perr == nil {
		for _, v := range t.Versions {
			if v.ID == n {
				return v, nil
			}
		}
	}
	return nil, versionNotFound(t.Name, id)
}

func (c *Catalog) getTableVersion(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, t, err := c.lookupTable(region, in["DatabaseName"].(string), in["TableName"].(string))
	if err != nil {
		return nil, err
	}
	id, _ := in["VersionId"].(string)
	v, err := findVersion(t, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"TableVersion": c.renderVersion(d, t, v)}, nil
}

func (c *Catalog) renderVersion(d *database, t *table, v *version) map[string]any {
	return map[string]any{"Table": c.renderTable(d, t, v), "VersionId": strconv.FormatInt(v.ID, 10)}
}

// getTableVersions lists a table's versions, newest first.
func (c *Catalog) getTableVersions(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, t, err := c.lookupTable(region, in["DatabaseName"].(string), in["TableName"].(string))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(t.Versions))
	byID := map[string]*version{}
	for i := len(t.Versions) - 1; i >= 0; i-- {
		id := strconv.FormatInt(t.Versions[i].ID, 10)
		ids = append(ids, id)
		byID[id] = t.Versions[i]
	}
	page, next, err := page(ids, in, func(a, b string) bool {
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return x < y
	})
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(page))
	for _, id := range page {
		list = append(list, c.renderVersion(d, t, byID[id]))
	}
	out := map[string]any{"TableVersions": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (c *Catalog) deleteTable(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, t, err := c.lookupTable(region, in["DatabaseName"].(string), in["Name"].(string))
	if err != nil {
		return nil, err
	}
	if err := c.commit(deleteTable(region, d.Name, t.Name)); err != nil {
		return nil, err
	}
	delete(d.tables, t.Name)
	return struct{}{}, nil
}
