package glue_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/firehose-local/firehose-local/glue"
)

func TestDatabaseLifecycle(t *testing.T) {
	e := newEnv(t, glue.Options{})
	_, err := e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{
		DatabaseInput: &types.DatabaseInput{
			Name:        aws.String("Analytics"),
			Description: aws.String("clicks"),
			LocationUri: aws.String("s3://bucket/analytics/"),
			Parameters:  map[string]string{"owner": "team-a"},
		},
		Tags: map[string]string{"env": "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"analytics", "ANALYTICS", "Analytics"} {
		out, err := e.client.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String(name)})
		if err != nil {
			t.Fatalf("GetDatabase %s: %v", name, err)
		}
		d := out.Database
		if aws.ToString(d.Name) != "analytics" || aws.ToString(d.Description) != "clicks" ||
			aws.ToString(d.LocationUri) != "s3://bucket/analytics/" || d.Parameters["owner"] != "team-a" ||
			aws.ToString(d.CatalogId) != "000000000000" || !d.CreateTime.Equal(t0.Truncate(1e6)) {
			t.Fatalf("GetDatabase %s = %+v", name, d)
		}
		perms := d.CreateTableDefaultPermissions
		if len(perms) != 1 || aws.ToString(perms[0].Principal.DataLakePrincipalIdentifier) != "IAM_ALLOWED_PRINCIPALS" ||
			!slices.Equal(perms[0].Permissions, []types.Permission{types.PermissionAll}) {
			t.Fatalf("CreateTableDefaultPermissions = %+v", perms)
		}
	}
	// Given permissions (even none) are kept as given.
	_, err = e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
		Name: aws.String("lf"), CreateTableDefaultPermissions: []types.PrincipalPermissions{},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("lf")})
	if err != nil || len(out.Database.CreateTableDefaultPermissions) != 0 {
		t.Fatalf("GetDatabase lf = %+v, %v", out, err)
	}

	_, err = e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("ANALYTICS")}})
	wantErr(t, err, "AlreadyExistsException", "Database already exists.")

	e.createTable(t, "analytics", simpleTable("events", "a"))
	if _, err := e.client.DeleteDatabase(t.Context(), &awsglue.DeleteDatabaseInput{Name: aws.String("Analytics")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("analytics")})
	wantErr(t, err, "EntityNotFoundException", "Database analytics not found.")
	_, err = e.client.DeleteDatabase(t.Context(), &awsglue.DeleteDatabaseInput{Name: aws.String("analytics")})
	wantErr(t, err, "EntityNotFoundException", "Database analytics not found.")
	// Its tables went with it: a new database of the same name is empty.
	e.createDB(t, "analytics")
	tables, err := e.client.GetTables(t.Context(), &awsglue.GetTablesInput{DatabaseName: aws.String("analytics")})
	if err != nil || len(tables.TableList) != 0 {
		t.Fatalf("GetTables after re-create = %+v, %v", tables, err)
	}
}

func TestGetDatabasesPages(t *testing.T) {
	e := newEnv(t, glue.Options{})
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("db%02d", i)
		e.createDB(t, strings.ToUpper(name))
		want = append(want, name)
	}
	var got []string
	p := awsglue.NewGetDatabasesPaginator(e.client, &awsglue.GetDatabasesInput{MaxResults: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.DatabaseList) > 3 {
			t.Fatalf("page of %d", len(out.DatabaseList))
		}
		for _, d := range out.DatabaseList {
			got = append(got, aws.ToString(d.Name))
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("GetDatabases = %v in %d pages, want %v in 3", got, pages, want)
	}
	_, err := e.client.GetDatabases(t.Context(), &awsglue.GetDatabasesInput{NextToken: aws.String("!!not a token")})
	wantErr(t, err, "InvalidInputException", "NextToken")
	out, err := e.client.GetDatabases(t.Context(), &awsglue.GetDatabasesInput{})
	if err != nil || len(out.DatabaseList) != 7 || out.NextToken != nil {
		t.Fatalf("GetDatabases = %d, %v, %v", len(out.DatabaseList), out.NextToken, err)
	}
}

func TestRegionsAreSeparate(t *testing.T) {
	e := newEnv(t, glue.Options{})
	west := e.clientIn("eu-west-1")
	e.createDB(t, "shared")
	_, err := west.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("shared")})
	wantErr(t, err, "EntityNotFoundException", "Database shared not found.")
	if _, err := west.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("shared")}}); err != nil {
		t.Fatal(err)
	}
	if got := e.catalog.Databases("eu-west-1"); !slices.Equal(got, []string{"shared"}) {
		t.Fatalf("Databases(eu-west-1) = %v", got)
	}
	if _, err := e.client.DeleteDatabase(t.Context(), &awsglue.DeleteDatabaseInput{Name: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	if _, err := west.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("shared")}); err != nil {
		t.Fatalf("eu-west-1's database went with us-east-1's: %v", err)
	}
}

func TestOtherCatalogIsDenied(t *testing.T) {
	e := newEnv(t, glue.Options{Account: "123456789012"})
	_, err := e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{
		CatalogId: aws.String("123456789012"), DatabaseInput: &types.DatabaseInput{Name: aws.String("mine")},
	})
	if err != nil {
		t.Fatalf("the account's own catalog id: %v", err)
	}
	_, err = e.client.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{CatalogId: aws.String("111122223333"), Name: aws.String("mine")})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:root is not authorized to perform: glue:GetDatabase on resource: arn:aws:glue:us-east-1:111122223333:catalog")
	_, err = e.client.GetTable(t.Context(), &awsglue.GetTableInput{CatalogId: aws.String("111122223333"), DatabaseName: aws.String("mine"), Name: aws.String("t")})
	wantErr(t, err, "AccessDeniedException", "glue:GetTable")
	out, err := e.client.GetDatabase(t.Context(), &awsglue.GetDatabaseInput{Name: aws.String("mine")})
	if err != nil || aws.ToString(out.Database.CatalogId) != "123456789012" {
		t.Fatalf("GetDatabase = %+v, %v", out, err)
	}
}

// Errors have Glue's body, {"__type", "Message"}, on the wire.
func TestWireErrors(t *testing.T) {
	e := newEnv(t, glue.Options{})
	check := func(target, ctype, body string, status int, typ, msg string) {
		t.Helper()
		code, got, h := e.post(t, target, ctype, body)
		var doc map[string]string
		if err := json.Unmarshal([]byte(got), &doc); err != nil {
			t.Fatalf("%s: body %q: %v", target, got, err)
		}
		if code != status || doc["__type"] != typ || !strings.Contains(doc["Message"], msg) || len(doc) != 2 {
			t.Fatalf("%s %s: %d %s, want %d %s with Message containing %q", target, body, code, got, status, typ, msg)
		}
		if h.Get("x-amzn-RequestId") == "" || h.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Fatalf("%s: headers %v", target, h)
		}
	}
	const ct = "application/x-amz-json-1.1"
	check("AWSGlue.GetDatabase", ct, `{"Name":"nope"}`, 400, "EntityNotFoundException", "Database nope not found.")
	check("AWSGlue.GetTable", ct, `{"DatabaseName":"NoPe","Name":"T"}`, 400, "EntityNotFoundException", "Database nope not found.")
	check("AWSGlue.StartCrawler", ct, `{"Name":"c"}`, 400, "UnknownOperationException", "AWSGlue.StartCrawler")
	check("AWSGlue.NoSuchThing", ct, `{}`, 400, "UnknownOperationException", "AWSGlue.NoSuchThing")
	check("AWSGlue.GetDatabase", "text/plain", `{"Name":"x"}`, 400, "SerializationException", "Content-Type")
	check("AWSGlue.GetDatabase", ct, `{"Name":`, 400, "SerializationException", "")
	check("AWSGlue.GetDatabase", ct, `{}`, 400, "ValidationException",
		"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	check("AWSGlue.GetDatabase", ct, `{"Name":"`+strings.Repeat("n", 256)+`"}`, 400, "ValidationException",
		"at 'name' failed to satisfy constraint: Member must have length less than or equal to 255")
	check("AWSGlue.GetDatabase", ct, `{"Name":"a\nb"}`, 400, "ValidationException",
		`at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*`)
	check("AWSGlue.GetTables", ct, `{"DatabaseName":"d","MaxResults":101}`, 400, "ValidationException",
		"at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")
	check("AWSGlue.GetTable", ct, `{"DatabaseName":"d","Name":"t","TransactionId":"x"}`, 400, "InvalidInputException", "TransactionId")
	check("AWSGlue.CreateTable", ct, `{"DatabaseName":"d","TableInput":{"Name":"v","ViewDefinition":{}}}`, 400, "InvalidInputException", "TableInput.ViewDefinition")

	// A supplementary character is a valid name character (the model's
	// surrogate pair), as in AWS.
	code, body, _ := e.post(t, "AWSGlue.CreateDatabase", ct, `{"DatabaseInput":{"Name":"emoji😀"}}`)
	if code != http.StatusOK || body != "{}" {
		t.Fatalf("CreateDatabase emoji: %d %s", code, body)
	}
}

// Through the SDK, a model violation is a ValidationException too.
func TestValidationThroughSDK(t *testing.T) {
	e := newEnv(t, glue.Options{})
	_, err := e.client.CreateDatabase(t.Context(), &awsglue.CreateDatabaseInput{
		DatabaseInput: &types.DatabaseInput{Name: aws.String("d"), Description: aws.String(strings.Repeat("x", 2049))},
	})
	wantErr(t, err, "ValidationException", "at 'databaseInput.description' failed to satisfy constraint: Member must have length less than or equal to 2048")
}
