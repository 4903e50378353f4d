package glue

import (
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Column is a table column as its StorageDescriptor lists it.
type Column struct{ Name, Type, Comment string }

// TableSchema is what Firehose reads of a table version.
type TableSchema struct {
	CatalogID, Database, Table, Region, VersionID string
	Columns                                       []Column // StorageDescriptor.Columns, in order
}

// Schema returns the columns of a table version ("" or "LATEST": the
// newest) of the catalog catalogID ("" for the account's) in region (""
// for Options.Region). The error is an *awsjson.Error as GetTable or
// GetTableVersion would answer (EntityNotFoundException for a missing
// database, table or version, AccessDeniedException for another account's
// catalog).
func (c *Catalog) Schema(region, catalogID, database, table, versionID string) (TableSchema, *awsjson.Error) {
	if region == "" {
		region = c.opts.Region
	}
	if err := c.checkCatalogID("GetTableVersion", region, catalogID); err != nil {
		return TableSchema{}, err
	}
	if strings.EqualFold(versionID, "LATEST") {
		versionID = ""
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, t, err := c.lookupTable(region, database, table)
	if err != nil {
		return TableSchema{}, err
	}
	v, err := findVersion(t, versionID)
	if err != nil {
		return TableSchema{}, err
	}
	s := TableSchema{
		CatalogID: c.opts.Account,
		Database:  d.Name,
		Table:     t.Name,
		Region:    region,
		VersionID: strconv.FormatInt(v.ID, 10),
	}
	sd, _ := v.Input["StorageDescriptor"].(map[string]any)
	cols, _ := sd["Columns"].([]any)
	for _, col := range cols {
		m, _ := col.(map[string]any)
		name, _ := m["Name"].(string)
		typ, _ := m["Type"].(string)
		comment, _ := m["Comment"].(string)
		s.Columns = append(s.Columns, Column{Name: name, Type: typ, Comment: comment})
	}
	return s, nil
}
