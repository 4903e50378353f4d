package glue

import (
	"maps"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// defaultPermissions is the CreateTableDefaultPermissions Glue gives a
// database created without any: IAM access control, everything to
// IAM_ALLOWED_PRINCIPALS.
func defaultPermissions() []any {
	return []any{map[string]any{
		"Principal":   map[string]any{"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
		"Permissions": []any{"ALL"},
	}}
}

// render is the database as a Database shape.
func (c *Catalog) renderDB(d *database) map[string]any {
	out := maps.Clone(d.Input)
	out["Name"] = d.Name
	out["CreateTime"] = epoch(d.Created)
	out["CatalogId"] = c.opts.Account
	if _, given := out["CreateTableDefaultPermissions"]; !given {
		out["CreateTableDefaultPermissions"] = defaultPermissions()
	}
	return out
}

func (c *Catalog) createDatabase(region string, in map[string]any) (any, *awsjson.Error) {
	input := maps.Clone(in["DatabaseInput"].(map[string]any))
	name := strings.ToLower(input["Name"].(string))
	delete(input, "Name")
	tags, _ := in["Tags"].(map[string]any)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.region(region, false)[name] != nil {
		return nil, errDBExists
	}
	d := &database{Name: name, Input: input, Tags: tags, Created: c.now(), tables: map[string]*table{}}
	if err := c.commit(putDB(region, d)); err != nil {
		return nil, err
	}
	c.region(region, true)[name] = d
	return struct{}{}, nil
}

func (c *Catalog) getDatabase(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, err := c.lookupDB(region, in["Name"].(string))
	if err != nil {
		return nil, err
	}
	return map[string]any{"Database": c.renderDB(d)}, nil
}

func (c *Catalog) getDatabases(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	dbs := c.region(region, false)
	names := slices.Sorted(maps.Keys(dbs))
	page, next, err := pageOfNames(names, in)
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(page))
	for _, n := range page {
		list = append(list, c.renderDB(dbs[n]))
	}
	out := map[string]any{"DatabaseList": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// deleteDatabase removes the database and its tables (Glue removes the
// tables of a deleted database "asynchronously"; here they go at once).
func (c *Catalog) deleteDatabase(region string, in map[string]any) (any, *awsjson.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookupDB(region, in["Name"].(string))
	if err != nil {
		return nil, err
	}
	if err := c.commit(deleteDB(region, d.Name)); err != nil {
		return nil, err
	}
	delete(c.regions[region], d.Name)
	return struct{}{}, nil
}
