package emulator

import (
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/delivery/formatconv"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// glueSchemas reads the table of a record format conversion from the
// built-in Glue Data Catalog (delivery.Deps.Schemas).
func (s *Server) glueSchemas(region, catalogID, database, table, versionID string) (delivery.TableSchema, *awsjson.Error) {
	t, err := s.glue.Schema(region, catalogID, database, table, versionID)
	if err != nil {
		return delivery.TableSchema{}, err
	}
	out := delivery.TableSchema{CatalogID: t.CatalogID, Database: t.Database, Table: t.Table, Region: t.Region, VersionID: t.VersionID}
	for _, c := range t.Columns {
		out.Columns = append(out.Columns, formatconv.Column{Name: c.Name, Type: c.Type})
	}
	return out, nil
}
