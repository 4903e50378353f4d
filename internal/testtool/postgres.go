package testtool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a PostgreSQL server of its own, started with initdb and
// pg_ctl in a temporary directory, listening on a free loopback port, with
// password authentication (scram-sha-256) for User.
type Postgres struct {
	Port                     int
	User, Password, Database string

	dir, bin string
	cred     *syscall.Credential // the non-root user it runs as; nil: this process's
}

// PostgresInstall says how to get PostgreSQL's programs.
const PostgresInstall = "apt-get install postgresql (Debian's postgresql package: initdb, pg_ctl, postgres)"

// postgresBin finds the directory with initdb, pg_ctl and postgres: PATH,
// else Debian's /usr/lib/postgresql/<version>/bin (newest version).
func postgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("initdb not found")
}

// StartPostgres starts a server for the test and stops it when the test
// ends. Without PostgreSQL the test is skipped, or fails under
// FIREHOSE_LOCAL_REQUIRE_TOOLS=1.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin, err := postgresBin()
	if err != nil {
		Missing(t, "PostgreSQL", PostgresInstall)
	}
	pg, err := StartPostgresIn(bin)
	if errors.Is(err, errNoPostgresUser) {
		Missing(t, "a postgres user to run PostgreSQL as (initdb refuses root)", "useradd --system postgres, or install Debian's postgresql package")
	}
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(pg.Stop)
	return pg
}

var errNoPostgresUser = errors.New("running as root, PostgreSQL needs a non-root user and there is no postgres user")

// FindPostgres returns the directory of PostgreSQL's programs.
func FindPostgres() (string, error) { return postgresBin() }

// StartPostgresIn starts a server with the programs in bin. initdb refuses
// to run as root: as root, the server runs as the postgres user.
func StartPostgresIn(bin string) (*Postgres, error) {
	dir, err := os.MkdirTemp("", "firehose-local-pg-")
	if err != nil {
		return nil, err
	}
	pg := &Postgres{User: "firehose", Password: "firehose-secret", Database: "dev", dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("%w: %v", errNoPostgresUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	fail := func(err error) (*Postgres, error) {
		pg.Stop()
		return nil, err
	}
	pwfile := filepath.Join(dir, "pwfile")
	if err := pg.writeFile(pwfile, pg.Password+"\n"); err != nil {
		return fail(err)
	}
	if out, err := pg.run("initdb", "-D", filepath.Join(dir, "data"), "-U", pg.User, "--pwfile", pwfile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		return fail(fmt.Errorf("initdb: %v: %s", err, out))
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		pg.Port = port
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
		out, err := pg.run("pg_ctl", "-D", filepath.Join(dir, "data"), "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			lastErr = nil
			break
		}
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		lastErr = fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	if lastErr != nil {
		return fail(lastErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.DSN("postgres"))
	if err != nil {
		return fail(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pg.Database); err != nil {
		return fail(err)
	}
	return pg, nil
}

// DSN is a connection string for database db ("" for Database).
func (pg *Postgres) DSN(db string) string {
	if db == "" {
		db = pg.Database
	}
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", pg.User, pg.Password, pg.Port, db)
}

// Connect opens a connection to Database; the test closes it at its end.
func (pg *Postgres) Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// Stop stops the server and removes its directory.
func (pg *Postgres) Stop() {
	if _, err := os.Stat(filepath.Join(pg.dir, "data", "postmaster.pid")); err == nil {
		_, _ = pg.run("pg_ctl", "-D", filepath.Join(pg.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	_ = os.RemoveAll(pg.dir)
}

func (pg *Postgres) run(prog string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(pg.bin, prog), args...)
	cmd.Dir = pg.dir
	cmd.Env = []string{"PATH=" + pg.bin + ":/usr/bin:/bin", "LANG=C", "LC_ALL=C"}
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (pg *Postgres) writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return err
	}
	if pg.cred != nil {
		return os.Chown(path, int(pg.cred.Uid), int(pg.cred.Gid))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PostmasterPID is the server's main process (its backends are its
// children), 0 if it is not running.
func (pg *Postgres) PostmasterPID() int {
	b, err := os.ReadFile(filepath.Join(pg.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}
