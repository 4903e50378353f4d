package cli

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
)

func TestLoadConfig(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "flags", args: []string{"--listen", "0.0.0.0:9000", "--data-dir", "/tmp/x", "--region", "eu-west-1", "--log-level", "debug", "--max-buffer-interval", "5s", "--transition-delay", "1s", "--s3-endpoint", "http://127.0.0.1:9001"},
			want: Config{Listen: "0.0.0.0:9000", DataDir: "/tmp/x", Fsync: emulator.FsyncAlways, Region: "eu-west-1", LogLevel: slog.LevelDebug, MaxBufferInterval: 5 * time.Second, TransitionDelay: time.Second, S3Endpoint: "http://127.0.0.1:9001"}},
		{name: "environment", env: map[string]string{"FIREHOSE_LOCAL_LISTEN": "127.0.0.1:1234", "FIREHOSE_LOCAL_DATA_DIR": "/data", "FIREHOSE_LOCAL_REGION": "ap-northeast-1", "FIREHOSE_LOCAL_LOG_LEVEL": "warn"},
			want: Config{Listen: "127.0.0.1:1234", DataDir: "/data", Fsync: emulator.FsyncAlways, Region: "ap-northeast-1", LogLevel: slog.LevelWarn}},
		{name: "fsync interval", args: []string{"--data-dir", "/data", "--fsync", "interval"},
			want: Config{Listen: "127.0.0.1:4566", DataDir: "/data", Fsync: emulator.FsyncInterval, Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "fsync from env", env: map[string]string{"FIREHOSE_LOCAL_DATA_DIR": "/data", "FIREHOSE_LOCAL_FSYNC": "always"},
			want: Config{Listen: "127.0.0.1:4566", DataDir: "/data", Fsync: emulator.FsyncAlways, Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "lineage off", args: []string{"--lineage-records", "0"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, LineageRecords: -1}},
		{name: "lineage size from env", env: map[string]string{"FIREHOSE_LOCAL_LINEAGE_RECORDS": "5000"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, LineageRecords: 5000}},
		{name: "bad lineage size", args: []string{"--lineage-records", "-3"}, wantErr: `invalid value "-3" for --lineage-records (FIREHOSE_LOCAL_LINEAGE_RECORDS): want a number of records from 0 (off) to 100000000`},
		{name: "bad fsync", args: []string{"--data-dir", "/data", "--fsync", "never"}, wantErr: `invalid value "never" for --fsync (FIREHOSE_LOCAL_FSYNC): want always or interval`},
		{name: "fsync without data dir", env: map[string]string{"FIREHOSE_LOCAL_FSYNC": "interval"}, wantErr: `invalid value "interval" for --fsync (FIREHOSE_LOCAL_FSYNC): it applies only with --data-dir`},
		{name: "wal segment size", args: []string{"--data-dir", "/data", "--wal-segment-size", "256KiB"},
			want: Config{Listen: "127.0.0.1:4566", DataDir: "/data", Fsync: emulator.FsyncAlways, WALSegmentSize: 256 << 10, Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "wal segment size from env", env: map[string]string{"FIREHOSE_LOCAL_DATA_DIR": "/data", "FIREHOSE_LOCAL_WAL_SEGMENT_SIZE": "16MiB"},
			want: Config{Listen: "127.0.0.1:4566", DataDir: "/data", Fsync: emulator.FsyncAlways, WALSegmentSize: 16 << 20, Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "bad wal segment size", args: []string{"--data-dir", "/data", "--wal-segment-size", "1KiB"}, wantErr: `invalid value "1KiB" for --wal-segment-size (FIREHOSE_LOCAL_WAL_SEGMENT_SIZE): want a size from 64KiB to 1024MiB, such as 16MiB`},
		{name: "wal segment size without data dir", args: []string{"--wal-segment-size", "1MiB"}, wantErr: `invalid value "1MiB" for --wal-segment-size (FIREHOSE_LOCAL_WAL_SEGMENT_SIZE): it applies only with --data-dir`},
		{name: "body limits", args: []string{"--max-body-bytes-in-flight", "64MiB", "--body-read-timeout", "2s"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, MaxBodyBytesInFlight: 64 << 20, BodyReadTimeout: 2 * time.Second}},
		{name: "body limits from env", env: map[string]string{"FIREHOSE_LOCAL_MAX_BODY_BYTES_IN_FLIGHT": "1024KiB", "FIREHOSE_LOCAL_BODY_READ_TIMEOUT": "1m"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, MaxBodyBytesInFlight: 1 << 20, BodyReadTimeout: time.Minute}},
		{name: "bad max body bytes", args: []string{"--max-body-bytes-in-flight", "1KiB"}, wantErr: `invalid value "1KiB" for --max-body-bytes-in-flight (FIREHOSE_LOCAL_MAX_BODY_BYTES_IN_FLIGHT): want a size of at least 64KiB, such as 256MiB`},
		{name: "bad body read timeout", args: []string{"--body-read-timeout", "0s"}, wantErr: `invalid value "0s" for --body-read-timeout (FIREHOSE_LOCAL_BODY_READ_TIMEOUT): want a positive duration such as 30s`},
		{name: "flag wins over environment", args: []string{"--listen=127.0.0.1:5555"}, env: map[string]string{"FIREHOSE_LOCAL_LISTEN": "127.0.0.1:1234"},
			want: Config{Listen: "127.0.0.1:5555", Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "bad listen", args: []string{"--listen", "4566"}, wantErr: `invalid value "4566" for --listen (FIREHOSE_LOCAL_LISTEN)`},
		{name: "bad region from env", env: map[string]string{"FIREHOSE_LOCAL_REGION": "moon"}, wantErr: `invalid value "moon" for --region (FIREHOSE_LOCAL_REGION)`},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: `invalid value "loud" for --log-level`},
		{name: "bad duration", args: []string{"--max-buffer-interval", "soon"}, wantErr: `invalid value "soon" for --max-buffer-interval`},
		{name: "bad s3 endpoint", args: []string{"--s3-endpoint", "minio:9000"}, wantErr: `invalid value "minio:9000" for --s3-endpoint`},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined: -nope"},
		{name: "stray argument", args: []string{"serve"}, wantErr: `unexpected argument "serve"`},
		{name: "function spec", args: []string{"--function", "upper"}, wantErr: "NAME=DIR:RUNTIME:HANDLER"},
		{name: "function dir missing", args: []string{"--function", "upper=/does/not/exist:python3.12:app.handler"}, wantErr: `invalid value "upper=/does/not/exist:python3.12:app.handler" for --function (FIREHOSE_LOCAL_FUNCTIONS): the directory /does/not/exist does not exist`},
		{name: "function runtime", args: []string{"--function", "upper=/tmp:cobol85:app.handler"}, wantErr: `invalid value "upper=/tmp:cobol85:app.handler" for --function (FIREHOSE_LOCAL_FUNCTIONS): unsupported runtime cobol85; supported: nodejs18.x`},
		{name: "functions from env", env: map[string]string{"FIREHOSE_LOCAL_FUNCTIONS": "a=/tmp:python3.12:app.handler; b=/tmp:nodejs20.x:index.handler"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, Functions: []emulator.LocalFunction{
				{Name: "a", Dir: "/tmp", Runtime: "python3.12", Handler: "app.handler"}, {Name: "b", Dir: "/tmp", Runtime: "nodejs20.x", Handler: "index.handler"}}}},
		{name: "endpoint rewrites", args: []string{"--endpoint-rewrite", "https://aws-kinesis-http-intake.logs.datadoghq.com=http://127.0.0.1:4567",
			"--endpoint-rewrite=https://a.example/x?k=v=http://10.0.0.2:80/in",
			"--endpoint-rewrite", "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439=jdbc:postgresql://127.0.0.1:5432"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, EndpointRewrites: []emulator.EndpointRewrite{
				{From: "https://aws-kinesis-http-intake.logs.datadoghq.com", To: "http://127.0.0.1:4567"}, {From: "https://a.example/x?k=v", To: "http://10.0.0.2:80/in"},
				{From: "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439", To: "jdbc:postgresql://127.0.0.1:5432"}}}},
		{name: "endpoint rewrites from env", env: map[string]string{"FIREHOSE_LOCAL_ENDPOINT_REWRITE": "https://a.example=http://127.0.0.1:1; https://b.example=http://127.0.0.1:2"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, EndpointRewrites: []emulator.EndpointRewrite{
				{From: "https://a.example", To: "http://127.0.0.1:1"}, {From: "https://b.example", To: "http://127.0.0.1:2"}}}},
		{name: "cors origins and allowed hosts", args: []string{"--cors-origins", "http://localhost:3000/, https://app.example.test:8443", "--allowed-hosts", "firehose.test,*.dev.test"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo,
				CORSOrigins: []string{"http://localhost:3000", "https://app.example.test:8443"}, AllowedHosts: []string{"firehose.test", "*.dev.test"}}},
		{name: "cors origins from env", env: map[string]string{"FIREHOSE_LOCAL_CORS_ORIGINS": "*", "FIREHOSE_LOCAL_ALLOWED_HOSTS": "*"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, CORSOrigins: []string{"*"}, AllowedHosts: []string{"*"}}},
		{name: "bad cors origin", args: []string{"--cors-origins", "localhost:3000"}, wantErr: `invalid value "localhost:3000" for --cors-origins (FIREHOSE_LOCAL_CORS_ORIGINS)`},
		{name: "cors origin with a path", args: []string{"--cors-origins", "http://localhost:3000/app"}, wantErr: `invalid value "http://localhost:3000/app" for --cors-origins`},
		{name: "bad allowed host", args: []string{"--allowed-hosts", "firehose.test:4566"}, wantErr: `invalid value "firehose.test:4566" for --allowed-hosts (FIREHOSE_LOCAL_ALLOWED_HOSTS)`},
		{name: "kinesis limits", args: []string{"--kinesis-limits"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, KinesisLimits: true}},
		{name: "kinesis limits from env", env: map[string]string{"FIREHOSE_LOCAL_KINESIS_LIMITS": "true"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo, KinesisLimits: true}},
		{name: "kinesis limits flag wins", args: []string{"--kinesis-limits=false"}, env: map[string]string{"FIREHOSE_LOCAL_KINESIS_LIMITS": "1"},
			want: Config{Listen: "127.0.0.1:4566", Region: "us-east-1", LogLevel: slog.LevelInfo}},
		{name: "bad kinesis limits", env: map[string]string{"FIREHOSE_LOCAL_KINESIS_LIMITS": "sometimes"},
			wantErr: `invalid value "sometimes" for --kinesis-limits (FIREHOSE_LOCAL_KINESIS_LIMITS): want true or false`},
		{name: "bad endpoint rewrite", args: []string{"--endpoint-rewrite", "datadog=local"}, wantErr: "want FROM=TO with two http(s) URLs"},
		{name: "endpoint rewrite from JDBC to HTTP", args: []string{"--endpoint-rewrite", "jdbc:redshift://c.redshift.amazonaws.com:5439=http://127.0.0.1:5432"}, wantErr: "or two JDBC URLs"},
		{name: "bad endpoint rewrite from env", env: map[string]string{"FIREHOSE_LOCAL_ENDPOINT_REWRITE": "https://a.example=ftp://x"},
			wantErr: `invalid value "https://a.example=ftp://x" for --endpoint-rewrite (FIREHOSE_LOCAL_ENDPOINT_REWRITE)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if c.wantErr != "" {
				if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want usage error containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("config = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRunExitsTwoOnBadValue(t *testing.T) {
	var stderr strings.Builder
	code := Run([]string{"--region", "nowhere"}, func(string) string { return "" }, io.Discard, &stderr, nil)
	if code != 2 || !strings.Contains(stderr.String(), `--region`) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestRunUsage follows what a newcomer types: a bad flag is reported once,
// without the whole usage; help and --help print every command, demo
// included, on stdout; --version and version print the version.
func TestRunUsage(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		code := Run(args, func(string) string { return "" }, &stdout, &stderr, nil)
		return code, stdout.String(), stderr.String()
	}
	code, stdout, stderr := run("--bogus")
	if code != 2 || stdout != "" ||
		stderr != "firehose-local: flag provided but not defined: -bogus\nRun 'firehose-local --help' for the commands and flags.\n" {
		t.Errorf("--bogus: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, stdout, stderr := run(args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: firehose-local [flags]") {
			t.Errorf("%v: exit %d, stderr %q, stdout %.80q", args, code, stderr, stdout)
		}
		for _, want := range []string{"firehose-local demo", "firehose-local receiver", "firehose-local event", "firehose-local version", "-data-dir"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v: the usage lacks %q", args, want)
			}
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := run(args...)
		if code != 0 || stderr != "" || !regexp.MustCompile(`^firehose-local \S+ \(commit \S+, go1\.\d+`).MatchString(stdout) {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, stderr, stdout)
		}
	}
}
