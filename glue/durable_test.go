package glue_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/firehose-local/firehose-local/glue"
	"github.com/firehose-local/firehose-local/statestore"
)

// openState opens the state store of dir, closed at the end of the test
// or by the returned function, whichever comes first.
func openState(t *testing.T, dir string) (*statestore.Handle, func()) {
	t.Helper()
	db, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeDB := func() {
		if !closed {
			closed = true
			if err := db.Close(); err != nil {
				t.Errorf("closing the state store: %v", err)
			}
		}
	}
	t.Cleanup(closeDB)
	return db.Handle("glue"), closeDB
}

func TestCatalogSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	h, closeDB := openState(t, dir)
	e := newEnv(t, glue.Options{State: h})
	west := e.clientIn("eu-west-1")
	e.createDB(t, "Keep")
	e.createDB(t, "gone")
	if _, err := west.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
		Name: aws.String("west"), Description: aws.String("eu"),
	}}); err != nil {
		t.Fatal(err)
	}
	e.createTable(t, "keep", firehoseTable("clicks"))
	e.createTable(t, "keep", simpleTable("dropped", "a"))
	e.createTable(t, "gone", simpleTable("orphan", "a"))
	if _, err := e.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("keep"), TableInput: simpleTable("clicks", "only")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteTable(t.Context(), &awsglue.DeleteTableInput{DatabaseName: aws.String("keep"), Name: aws.String("dropped")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteDatabase(t.Context(), &awsglue.DeleteDatabaseInput{Name: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	before, err := e.client.GetTableVersions(t.Context(), &awsglue.GetTableVersionsInput{DatabaseName: aws.String("keep"), TableName: aws.String("clicks")})
	if err != nil {
		t.Fatal(err)
	}
	closeDB()

	h2, _ := openState(t, dir)
	e2 := newEnv(t, glue.Options{State: h2})
	after, err := e2.client.GetTableVersions(t.Context(), &awsglue.GetTableVersionsInput{DatabaseName: aws.String("keep"), TableName: aws.String("clicks")})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before.TableVersions, after.TableVersions) || len(after.TableVersions) != 2 {
		t.Fatalf("versions after restart:\n got %+v\nwant %+v", after.TableVersions, before.TableVersions)
	}
	if got := e2.catalog.Databases("us-east-1"); !reflect.DeepEqual(got, []string{"keep"}) {
		t.Fatalf("Databases = %v", got)
	}
	if got := e2.catalog.Tables("us-east-1", "keep"); !reflect.DeepEqual(got, []string{"clicks"}) {
		t.Fatalf("Tables = %v", got)
	}
	out, err := e2.clientIn("eu-west-1").GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("west")})
	if err != nil || aws.ToString(out.Database.Description) != "eu" || !out.Database.CreateTime.Equal(t0.Truncate(1e6)) {
		t.Fatalf("GetDatabase west after restart = %+v, %v", out, err)
	}
	// The deleted database's table did not come back with a new database
	// of the same name.
	e2.createDB(t, "gone")
	_, err = e2.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("gone"), Name: aws.String("orphan")})
	wantErr(t, err, "EntityNotFoundException", "Table orphan not found.")
	// Versions go on from where they were.
	if _, err := e2.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("keep"), VersionId: aws.String("1"), TableInput: simpleTable("clicks", "again")}); err != nil {
		t.Fatal(err)
	}
	s, aerr := e2.catalog.Schema("", "", "keep", "clicks", "LATEST")
	if aerr != nil || s.VersionID != "2" {
		t.Fatalf("Schema = %+v, %v", s, aerr)
	}
}

// A change the state store cannot take is not made, and the call says so.
func TestFailedCommitChangesNothing(t *testing.T) {
	h, closeDB := openState(t, t.TempDir())
	e := newEnv(t, glue.Options{State: h})
	e.createDB(t, "d")
	closeDB()
	_, err := e.client.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String("d"), TableInput: simpleTable("t", "a")})
	wantErr(t, err, "InternalServiceException", "could not save the change")
	_, err = e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("d"), Name: aws.String("t")})
	wantErr(t, err, "EntityNotFoundException", "Table t not found.")
	_, err = e.client.DeleteDatabase(t.Context(), &awsglue.DeleteDatabaseInput{Name: aws.String("d")})
	wantErr(t, err, "InternalServiceException", "could not save the change")
	if got := e.catalog.Databases("us-east-1"); !reflect.DeepEqual(got, []string{"d"}) {
		t.Fatalf("Databases = %v", got)
	}
}
