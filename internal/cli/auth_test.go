package cli

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

func TestParseCredentialsFile(t *testing.T) {
	got, err := parseCredentialsFile([]byte(`
# comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret/with+chars=
aws_session_token = ignored
region = eu-west-1

[profile ci]
AWS_ACCESS_KEY_ID=AKIDCI
AWS_SECRET_ACCESS_KEY=ci-secret
; an SSO profile without keys is skipped
[sso]
sso_start_url = https://example.awsapps.com/start
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["AKIDDEFAULT"] != "secret/with+chars=" || got["AKIDCI"] != "ci-secret" {
		t.Fatalf("got %v", got)
	}
	for text, want := range map[string]string{
		"[a]\naws_access_key_id = X\n":     "has aws_access_key_id but no aws_secret_access_key",
		"[a]\naws_secret_access_key = X\n": "has aws_secret_access_key but no aws_access_key_id",
		"aws_access_key_id = X\n":          "outside any [profile] section",
		"[a\n":                             "unterminated section header",
		"[a]\njunk\n":                      "want KEY = VALUE",
		"[sso]\nregion = x\n":              "no profile has both",
		"[a]\naws_access_key_id=K\naws_secret_access_key=1\n[b]\naws_access_key_id=K\naws_secret_access_key=2\n": "appears twice",
	} {
		if _, err := parseCredentialsFile([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
}

func TestLoadConfigAuth(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envCreds := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    map[string]string
		wantErr string
	}{
		{name: "off by default", env: envCreds},
		{name: "sigv4 from the environment", args: []string{"--auth", "sigv4"}, env: envCreds, want: map[string]string{"AKIDENV": "env-secret"}},
		{name: "sigv4 from a file", args: []string{"--auth=sigv4", "--credentials", file}, env: envCreds, want: map[string]string{"AKIDFILE": "file-secret"}},
		{name: "sigv4 from FIREHOSE_LOCAL_ variables", env: map[string]string{"FIREHOSE_LOCAL_AUTH": "sigv4", "FIREHOSE_LOCAL_CREDENTIALS": file},
			want: map[string]string{"AKIDFILE": "file-secret"}},
		{name: "sigv4 without credentials", args: []string{"--auth", "sigv4"}, env: map[string]string{"AWS_ACCESS_KEY_ID": "only-the-id"},
			wantErr: `invalid value "sigv4" for --auth (FIREHOSE_LOCAL_AUTH): no credentials to verify signatures with: give --credentials FILE`},
		{name: "missing file", args: []string{"--auth", "sigv4", "--credentials", "/nonexistent"}, wantErr: `invalid value "/nonexistent" for --credentials (FIREHOSE_LOCAL_CREDENTIALS)`},
		{name: "credentials without auth", args: []string{"--credentials", file}, wantErr: "only used with --auth sigv4"},
		{name: "console-open without auth", args: []string{"--console-open"}, wantErr: "only used with --auth sigv4"},
		{name: "console-open bad variable", env: map[string]string{"FIREHOSE_LOCAL_CONSOLE_OPEN": "yes"}, wantErr: `invalid value "yes" for --console-open`},
		{name: "bad auth", args: []string{"--auth", "iam"}, wantErr: `invalid value "iam" for --auth (FIREHOSE_LOCAL_AUTH): want off or sigv4`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if c.wantErr != "" {
				if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Credentials) != len(c.want) || (c.want == nil) != (got.Credentials == nil) {
				t.Fatalf("credentials %v, want %v", got.Credentials, c.want)
			}
			for k, v := range c.want {
				if got.Credentials[k] != v {
					t.Fatalf("credentials %v, want %v", got.Credentials, c.want)
				}
			}
		})
	}
}

func TestExposureWarning(t *testing.T) {
	for _, c := range []struct {
		addr string
		auth bool
		warn bool
	}{
		{"127.0.0.1:4566", false, false},
		{"[::1]:4566", false, false},
		{"0.0.0.0:4566", false, true},
		{"[::]:4566", false, true},
		{"192.168.1.10:4566", false, true},
		{"0.0.0.0:4566", true, false},
	} {
		addr, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := exposureWarning(c.addr, addr, c.auth); (got != "") != c.warn {
			t.Errorf("%s auth=%v: %q", c.addr, c.auth, got)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runServer runs the server with args until it listens, stops it, and
// returns what it wrote to stderr.
func runServer(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	sig := make(chan os.Signal, 1)
	done := make(chan int)
	go func() {
		done <- Run(args, func(k string) string { return env[k] }, pw, &stderr, sig)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "firehose-local listening on ") {
		t.Fatalf("first line %q; stderr %s", sc.Text(), stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	sig <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	return stderr.String()
}

func TestRunWarnsWhenExposed(t *testing.T) {
	if got := runServer(t, nil, "--listen", "0.0.0.0:0"); !strings.Contains(got, "WARNING: listening on 0.0.0.0:") ||
		!strings.Contains(got, "without authentication") {
		t.Fatalf("no warning on 0.0.0.0: %s", got)
	}
	if got := runServer(t, nil, "--listen", "127.0.0.1:0"); strings.Contains(got, "WARNING") {
		t.Fatalf("warning on loopback: %s", got)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}
	if got := runServer(t, env, "--listen", "0.0.0.0:0", "--auth", "sigv4"); strings.Contains(got, "WARNING") {
		t.Fatalf("warning with --auth sigv4: %s", got)
	}
}

// The flush and invoke subcommands sign with the AWS_* credentials, so they
// work against a server with --auth sigv4.
func TestClientCommandsSign(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDCLI": "cli-secret"}}})
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": "cli-secret"}
	getenv := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var out, errOut strings.Builder
	if code := flushCommand([]string{"--endpoint", env.URL}, getenv(creds), &out, &errOut); code != 0 {
		t.Fatalf("signed flush: exit %d: %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := flushCommand([]string{"--endpoint", env.URL}, getenv(nil), &out, &errOut); code != 1 || !strings.Contains(out.String(), "UnrecognizedClientException") {
		t.Fatalf("flush with dummy credentials: exit %d: %s", code, out.String())
	}
	errOut.Reset()
	code := invokeCommand([]string{"nosuchfn", "--endpoint", env.URL}, getenv(creds), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "ResourceNotFoundException") {
		t.Fatalf("signed invoke of a missing function: exit %d: %s", code, errOut.String())
	}
}

func TestConsoleOpenFlag(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}
	for _, c := range []struct {
		args []string
		env  string
		want bool
	}{
		{[]string{"--auth", "sigv4"}, "", false},
		{[]string{"--auth", "sigv4", "--console-open"}, "", true},
		{[]string{"--auth", "sigv4"}, "true", true},
		{[]string{"--auth", "sigv4", "--console-open=false"}, "true", false},
	} {
		e := map[string]string{"FIREHOSE_LOCAL_CONSOLE_OPEN": c.env}
		for k, v := range env {
			e[k] = v
		}
		got, err := LoadConfig(c.args, func(k string) string { return e[k] }, io.Discard)
		if err != nil || got.ConsoleOpen != c.want {
			t.Fatalf("%v with env %q: ConsoleOpen %v, err %v; want %v", c.args, c.env, got.ConsoleOpen, err, c.want)
		}
	}
}
