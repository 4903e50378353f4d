package delivery

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPGQuote(t *testing.T) {
	for _, v := range []string{`plain`, `a'b`, `back\slash`, `sp ace=x`, `''\\'`, ``} {
		cfg, err := pgx.ParseConfig("host=h port=5432 dbname=d user=u password=" + pgQuote(v) + " sslmode=disable")
		if err != nil || cfg.Password != v {
			t.Errorf("%q: parsed %q, %v", v, cfg.Password, err)
		}
	}
}

func TestParseJDBC(t *testing.T) {
	for raw, want := range map[string]JDBCURL{
		"jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev": {"jdbc:redshift", "c.abc.us-east-1.redshift.amazonaws.com", "5439", "dev"},
		"jdbc:postgresql://127.0.0.1:5432/my_db?ssl=true":                 {"jdbc:postgresql", "127.0.0.1", "5432", "my_db"},
		"jdbc:postgresql://[::1]:5432/dev":                                {"jdbc:postgresql", "::1", "5432", "dev"},
	} {
		if got, err := ParseJDBC(raw); err != nil || got != want {
			t.Errorf("%s: %+v, %v", raw, got, err)
		}
	}
	for _, bad := range []string{"redshift://h:1/d", "jdbc:mysql://h:1/d", "jdbc:redshift://h/d", "jdbc:redshift://h:99999/d", "jdbc:redshift://h:1/", "jdbc:redshift://u:p@h:1/d"} {
		if _, err := ParseJDBC(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
