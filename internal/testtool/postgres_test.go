package testtool

import (
	"context"
	"testing"
)

func TestStartPostgres(t *testing.T) {
	pg := StartPostgres(t)
	conn := pg.Connect(t)
	var v string
	if err := conn.QueryRow(context.Background(), "SELECT current_user || '@' || current_database()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "firehose@dev" {
		t.Fatalf("connected as %q", v)
	}
}
