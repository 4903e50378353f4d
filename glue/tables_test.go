package glue_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/firehose-local/firehose-local/glue"
)

// firehoseTable is a table as Terraform's aws_glue_catalog_table creates
// it for Firehose's record format conversion to Parquet.
func firehoseTable(name string) *types.TableInput {
	col := func(n, typ, comment string) types.Column {
		c := types.Column{Name: aws.String(n), Type: aws.String(typ)}
		if comment != "" {
			c.Comment = aws.String(comment)
		}
		return c
	}
	return &types.TableInput{
		Name:        aws.String(name),
		Description: aws.String("Firehose conversion target"),
		Owner:       aws.String("terraform"),
		TableType:   aws.String("EXTERNAL_TABLE"),
		Retention:   0,
		Parameters:  map[string]string{"EXTERNAL": "TRUE", "parquet.compression": "SNAPPY"},
		PartitionKeys: []types.Column{
			col("year", "string", ""), col("month", "string", ""),
		},
		StorageDescriptor: &types.StorageDescriptor{
			Location:     aws.String("s3://firehose-bucket/parquet/"),
			InputFormat:  aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
			Compressed:   false,
			SerdeInfo: &types.SerDeInfo{
				Name:                 aws.String("ParquetHiveSerDe"),
				SerializationLibrary: aws.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
				Parameters:           map[string]string{"serialization.format": "1"},
			},
			Columns: []types.Column{
				col("id", "bigint", "primary key"),
				col("flag", "boolean", ""),
				col("tiny", "tinyint", ""),
				col("small", "smallint", ""),
				col("n", "int", ""),
				col("ratio", "float", ""),
				col("amount", "double", ""),
				col("price", "decimal(10,2)", ""),
				col("code", "char(3)", ""),
				col("label", "varchar(64)", ""),
				col("msg", "string", "free text"),
				col("day", "date", ""),
				col("ts", "timestamp", ""),
				col("blob", "binary", ""),
				col("tags", "array<string>", ""),
				col("attrs", "map<string,int>", ""),
				col("nested", "struct<a:int,b:array<string>>", ""),
			},
			BucketColumns:          []string{},
			SortColumns:            []types.Order{},
			Parameters:             map[string]string{"classification": "parquet"},
			StoredAsSubDirectories: false,
		},
	}
}

func TestFirehoseTableRoundTrips(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "firehose")
	in := firehoseTable("Clicks")
	e.createTable(t, "FIREHOSE", in)
	out, err := e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("FireHose"), Name: aws.String("CLICKS")})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Table
	if aws.ToString(got.Name) != "clicks" || aws.ToString(got.DatabaseName) != "firehose" ||
		aws.ToString(got.CatalogId) != "000000000000" || aws.ToString(got.VersionId) != "0" ||
		got.IsRegisteredWithLakeFormation || !got.CreateTime.Equal(t0.Truncate(time.Millisecond)) ||
		!got.UpdateTime.Equal(*got.CreateTime) {
		t.Fatalf("server-set members: %+v", got)
	}
	if aws.ToString(got.Description) != aws.ToString(in.Description) || aws.ToString(got.Owner) != "terraform" ||
		aws.ToString(got.TableType) != "EXTERNAL_TABLE" || got.Retention != 0 ||
		!reflect.DeepEqual(got.Parameters, in.Parameters) || !reflect.DeepEqual(got.PartitionKeys, in.PartitionKeys) {
		t.Fatalf("table members: %+v", got)
	}
	if !reflect.DeepEqual(got.StorageDescriptor, in.StorageDescriptor) {
		t.Fatalf("StorageDescriptor:\n got %+v\nwant %+v", got.StorageDescriptor, in.StorageDescriptor)
	}

	_, err = e.client.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String("firehose"), TableInput: simpleTable("CLICKS")})
	wantErr(t, err, "AlreadyExistsException", "Table already exists.")
	_, err = e.client.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String("nodb"), TableInput: simpleTable("x")})
	wantErr(t, err, "EntityNotFoundException", "Database nodb not found.")
	_, err = e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("firehose"), Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "Table nope not found.")
	_, err = e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("nodb"), Name: aws.String("clicks")})
	wantErr(t, err, "EntityNotFoundException", "Database nodb not found.")
}

// A table created with nothing but its name gets Glue's defaults, and no
// PartitionKeys or StorageDescriptor it was not given (as recorded: see
// integration/recordings_glue_test.go).
func TestMinimalTable(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "d")
	e.createTable(t, "d", &types.TableInput{Name: aws.String("bare")})
	out, err := e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("d"), Name: aws.String("bare")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Table.PartitionKeys != nil || out.Table.StorageDescriptor != nil || out.Table.Retention != 0 ||
		aws.ToString(out.Table.CreatedBy) != "arn:aws:iam::000000000000:root" || out.Table.IsMultiDialectView == nil || *out.Table.IsMultiDialectView {
		t.Fatalf("GetTable bare = %+v", out.Table)
	}
}

func TestGetTablesExpressionAndPages(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "d")
	names := []string{"Events_2024", "events_2025", "logs", "metrics_a", "metrics_b"}
	for _, n := range names {
		e.createTable(t, "d", simpleTable(n, "x"))
	}
	list := func(expr string, max int32) []string {
		t.Helper()
		in := &awsglue.GetTablesInput{DatabaseName: aws.String("D")}
		if expr != "" {
			in.Expression = aws.String(expr)
		}
		if max > 0 {
			in.MaxResults = aws.Int32(max)
		}
		var got []string
		p := awsglue.NewGetTablesPaginator(e.client, in)
		for p.HasMorePages() {
			out, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("GetTables %q: %v", expr, err)
			}
			for _, tb := range out.TableList {
				got = append(got, aws.ToString(tb.Name))
			}
		}
		return got
	}
	cases := []struct {
		expr string
		want []string
	}{
		{"", []string{"events_2024", "events_2025", "logs", "metrics_a", "metrics_b"}},
		{"events*", []string{"events_2024", "events_2025"}},
		{"EVENTS_.*", []string{"events_2024", "events_2025"}},
		{"*_b|logs", []string{"logs", "metrics_b"}},
		{"metrics_[a]", []string{"metrics_a"}},
		{"log", nil},
	}
	for _, c := range cases {
		if got := list(c.expr, 2); !slices.Equal(got, c.want) {
			t.Errorf("GetTables %q = %v, want %v", c.expr, got, c.want)
		}
	}
	_, err := e.client.GetTables(t.Context(), &awsglue.GetTablesInput{DatabaseName: aws.String("d"), Expression: aws.String("(")})
	wantErr(t, err, "InvalidInputException", "Expression")
	_, err = e.client.GetTables(t.Context(), &awsglue.GetTablesInput{DatabaseName: aws.String("none")})
	wantErr(t, err, "EntityNotFoundException", "Database none not found.")
	if got := e.catalog.Tables("us-east-1", "D"); !slices.Equal(got, cases[0].want) {
		t.Fatalf("Tables = %v", got)
	}
}

func TestTableVersions(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "d")
	e.createTable(t, "d", simpleTable("t", "v0"))
	update := func(version string, skip bool, cols ...string) error {
		in := &awsglue.UpdateTableInput{DatabaseName: aws.String("d"), TableInput: simpleTable("T", cols...)}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		if skip {
			in.SkipArchive = aws.Bool(true)
		}
		_, err := e.client.UpdateTable(t.Context(), in)
		return err
	}
	e.clock.Advance(time.Second)
	if err := update("0", false, "v1"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := update("", false, "v2"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, update("1", false, "stale"), "ConcurrentModificationException", "Update table failed due to concurrent modifications.")

	cur, err := e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("d"), Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cur.Table.VersionId) != "2" || aws.ToString(cur.Table.StorageDescriptor.Columns[0].Name) != "v2" ||
		!cur.Table.CreateTime.Equal(t0.Truncate(time.Millisecond)) || !cur.Table.UpdateTime.Equal(t0.Add(2*time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("GetTable after two updates = %+v", cur.Table)
	}
	version := func(id string) (string, string) {
		t.Helper()
		in := &awsglue.GetTableVersionInput{DatabaseName: aws.String("D"), TableName: aws.String("T")}
		if id != "" {
			in.VersionId = aws.String(id)
		}
		out, err := e.client.GetTableVersion(t.Context(), in)
		if err != nil {
			t.Fatalf("GetTableVersion %q: %v", id, err)
		}
		tv := out.TableVersion
		if aws.ToString(tv.VersionId) != aws.ToString(tv.Table.VersionId) {
			t.Fatalf("TableVersion %s holds table version %s", aws.ToString(tv.VersionId), aws.ToString(tv.Table.VersionId))
		}
		return aws.ToString(tv.VersionId), aws.ToString(tv.Table.StorageDescriptor.Columns[0].Name)
	}
	for id, col := range map[string]string{"0": "v0", "1": "v1", "2": "v2", "": "v2"} {
		if gotID, gotCol := version(id); gotCol != col || (id != "" && gotID != id) {
			t.Errorf("GetTableVersion %q = %s %s, want %s", id, gotID, gotCol, col)
		}
	}
	_, err = e.client.GetTableVersion(t.Context(), &awsglue.GetTableVersionInput{DatabaseName: aws.String("d"), TableName: aws.String("t"), VersionId: aws.String("9")})
	wantErr(t, err, "EntityNotFoundException", "Version 9 of table t not found.")

	versions := func(max int32) []string {
		t.Helper()
		var ids []string
		p := awsglue.NewGetTableVersionsPaginator(e.client, &awsglue.GetTableVersionsInput{
			DatabaseName: aws.String("d"), TableName: aws.String("t"), MaxResults: aws.Int32(max),
		})
		for p.HasMorePages() {
			out, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range out.TableVersions {
				ids = append(ids, aws.ToString(v.VersionId))
			}
		}
		return ids
	}
	if got := versions(2); !slices.Equal(got, []string{"2", "1", "0"}) {
		t.Fatalf("GetTableVersions = %v, want newest first", got)
	}
	// SkipArchive: the version replaced is not kept.
	if err := update("2", true, "v3"); err != nil {
		t.Fatal(err)
	}
	if got := versions(100); !slices.Equal(got, []string{"3", "1", "0"}) {
		t.Fatalf("GetTableVersions after SkipArchive = %v", got)
	}
	_, err = e.client.GetTableVersion(t.Context(), &awsglue.GetTableVersionInput{DatabaseName: aws.String("d"), TableName: aws.String("t"), VersionId: aws.String("2")})
	wantErr(t, err, "EntityNotFoundException", "Version 2 of table t not found.")
}

func TestUpdateAndDeleteErrors(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "d")
	_, err := e.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("d"), TableInput: simpleTable("missing")})
	wantErr(t, err, "EntityNotFoundException", "Table missing not found.")
	_, err = e.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("nodb"), TableInput: simpleTable("t")})
	wantErr(t, err, "EntityNotFoundException", "Database nodb not found.")
	_, err = e.client.GetTableVersions(t.Context(), &awsglue.GetTableVersionsInput{DatabaseName: aws.String("d"), TableName: aws.String("missing")})
	wantErr(t, err, "EntityNotFoundException", "Table missing not found.")

	e.createTable(t, "d", simpleTable("t", "a"))
	_, err = e.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("d"), Name: aws.String("t"), TableInput: simpleTable("other")})
	wantErr(t, err, "InvalidInputException", "renaming")
	if _, err := e.client.DeleteTable(t.Context(), &awsglue.DeleteTableInput{DatabaseName: aws.String("D"), Name: aws.String("T")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeleteTable(t.Context(), &awsglue.DeleteTableInput{DatabaseName: aws.String("d"), Name: aws.String("t")})
	wantErr(t, err, "EntityNotFoundException", "Table t not found.")
	_, err = e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("d"), Name: aws.String("t")})
	wantErr(t, err, "EntityNotFoundException", "Table t not found.")
	// A table of the same name starts its history anew.
	e.createTable(t, "d", simpleTable("t", "b"))
	out, err := e.client.GetTable(t.Context(), &awsglue.GetTableInput{DatabaseName: aws.String("d"), Name: aws.String("t")})
	if err != nil || aws.ToString(out.Table.VersionId) != "0" {
		t.Fatalf("GetTable = %+v, %v", out, err)
	}
	for i := range 3 {
		_, err = e.client.CreateTable(t.Context(), &awsglue.CreateTableInput{DatabaseName: aws.String("d"), TableInput: simpleTable(fmt.Sprint("more", i))})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Concurrent updates of one table each get a version of their own, and
// readers see whole versions.
func TestConcurrentUpdates(t *testing.T) {
	e := newEnv(t, glue.Options{})
	e.createDB(t, "d")
	e.createTable(t, "d", simpleTable("t", "c"))
	const n = 8
	errs := make(chan error, 2*n)
	for i := range n {
		go func() {
			_, err := e.client.UpdateTable(t.Context(), &awsglue.UpdateTableInput{DatabaseName: aws.String("d"), TableInput: simpleTable("t", fmt.Sprint("c", i))})
			errs <- err
		}()
		go func() {
			_, err := e.catalog.Schema("", "", "d", "t", "")
			if err != nil {
				errs <- err
				return
			}
			errs <- nil
		}()
	}
	for range 2 * n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.client.GetTableVersions(t.Context(), &awsglue.GetTableVersionsInput{DatabaseName: aws.String("d"), TableName: aws.String("t")})
	if err != nil || len(out.TableVersions) != n+1 || aws.ToString(out.TableVersions[0].VersionId) != fmt.Sprint(n) {
		t.Fatalf("GetTableVersions = %d versions, %v", len(out.TableVersions), err)
	}
}
