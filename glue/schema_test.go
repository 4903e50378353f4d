package glue_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/firehose-local/firehose-local/glue"
)

func TestSchema(t *testing.T) {
	e := newEnv(t, glue.Options{Region: "eu-central-1"})
	central := e.clientIn("eu-central-1")
	if _, err := central.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{DatabaseInput: firehoseDB("Firehose")}); err != nil {
		t.Fatal(err)
	}
	if _, err := central.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String("firehose"), TableInput: firehoseTable("Clicks")}); err != nil {
		t.Fatal(err)
	}
	if _, err := central.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("firehose"), TableInput: simpleTable("clicks", "a", "b")}); err != nil {
		t.Fatal(err)
	}
	s, err := e.catalog.Schema("", "", "FIREHOSE", "clicks", "0")
	if err != nil {
		t.Fatal(err)
	}
	if s.CatalogID != "000000000000" || s.Database != "firehose" || s.Table != "clicks" || s.Region != "eu-central-1" || s.VersionID != "0" {
		t.Fatalf("Schema = %+v", s)
	}
	if len(s.Columns) != 17 || s.Columns[0] != (glue.Column{Name: "id", Type: "bigint", Comment: "primary key"}) ||
		s.Columns[16] != (glue.Column{Name: "nested", Type: "struct<a:int,b:array<string>>"}) {
		t.Fatalf("Columns = %+v", s.Columns)
	}
	for _, latest := range []string{"", "LATEST"} {
		s, err := e.catalog.Schema("eu-central-1", "000000000000", "firehose", "CLICKS", latest)
		want := []glue.Column{{Name: "a", Type: "string"}, {Name: "b", Type: "string"}}
		if err != nil || s.VersionID != "1" || !reflect.DeepEqual(s.Columns, want) {
			t.Fatalf("Schema %q = %+v, %v", latest, s, err)
		}
	}
	errs := []struct {
		region, catalog, db, table, version, typ, msg string
	}{
		{"us-east-1", "", "firehose", "clicks", "", "EntityNotFoundException", "Database firehose not found."},
		{"", "", "firehose", "nope", "", "EntityNotFoundException", "Table nope not found."},
		{"", "", "firehose", "clicks", "7", "EntityNotFoundException", "Version 7 of table clicks not found."},
		{"", "999999999999", "firehose", "clicks", "", "AccessDeniedException", "glue:GetTableVersion"},
	}
	for _, c := range errs {
		_, err := e.catalog.Schema(c.region, c.catalog, c.db, c.table, c.version)
		if err == nil || err.Type != c.typ || err.Message == "" || !contains(err.Message, c.msg) {
			t.Errorf("Schema %+v: %v", c, err)
		}
	}
}
