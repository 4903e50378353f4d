package integration_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// readmeBlock is one ```sh block of README.md.
type readmeBlock struct {
	heading string // the section it is in
	body    string
	skip    string // the reason given by a "<!-- readme-test: skip (…) -->" line just before it
}

var readmeSkip = regexp.MustCompile(`^<!-- readme-test: skip \((.+)\) -->$`)

// readmeBlocks returns the sh blocks of a README in order.
func readmeBlocks(text string) []readmeBlock {
	var out []readmeBlock
	var heading, skip, body string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case in && line == "```":
			out = append(out, readmeBlock{heading, body, skip})
			in, skip, body = false, "", ""
		case in:
			body += line + "\n"
		case line == "```sh":
			in = true
		case strings.HasPrefix(line, "#"):
			heading, skip = line, ""
		case readmeSkip.MatchString(line):
			skip = readmeSkip.FindStringSubmatch(line)[1]
		case strings.TrimSpace(line) != "":
			skip = "" // a directive applies to the block right after it
		}
	}
	return out
}

// serverArgs reports whether line starts the server, as the README writes
// it: `go run .` or `firehose-local` with flags only (no subcommand), maybe
// with a comment; args are the flags.
func serverArgs(line string) (args string, ok bool) {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	for _, cmd := range []string{"go run .", "firehose-local"} {
		rest, found := strings.CutPrefix(line, cmd)
		if !found || (rest != "" && !strings.HasPrefix(rest, " -")) {
			continue
		}
		return rest, true
	}
	return "", false
}

// readmeScript turns the README's sh blocks into one bash script: a line that
// starts the server restarts it (start_server, in the background, on addr),
// `go run .` elsewhere is the built binary (firehose-local on PATH), and
// each 127.0.0.1:PORT is the free port ports gives it (127.0.0.1:4566: addr,
// the server's).
func readmeScript(t *testing.T, blocks []readmeBlock, addr string, ports map[string]string) string {
	var sb strings.Builder
	sb.WriteString(`set -euo pipefail
PS4='+ $(date +%T.%N | cut -c1-12) '
set -x
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=; fi
}
start_server() {
  stop_server
  echo "== start_server $*" >>"$SERVER_LOG"
  firehose-local --listen ` + addr + ` "$@" >>"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    if curl -sf http://` + addr + `/_local/health >/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the server did not start" >&2; return 1
}
trap stop_server EXIT
start_server
`)
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("README block under %q skipped: %s", b.heading, b.skip)
			continue
		}
		fmt.Fprintf(&sb, "echo %q\n", "### "+b.heading)
		for _, line := range strings.Split(strings.TrimSuffix(b.body, "\n"), "\n") {
			if args, ok := serverArgs(line); ok {
				line = "start_server" + args
			} else {
				line = strings.ReplaceAll(line, "go run . ", "firehose-local ")
			}
			line = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllStringFunc(line, func(a string) string { return ports[a] })
			sb.WriteString(line + "\n")
		}
	}
	return sb.String()
}

// awsCLIv2 finds an AWS CLI v2 anywhere on PATH (a v1 may come first) or
// where Debian's package puts it.
func awsCLIv2(t *testing.T) string {
	t.Helper()
	var candidates []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		candidates = append(candidates, filepath.Join(dir, "aws"))
	}
	candidates = append(candidates, "/usr/bin/aws", "/usr/local/bin/aws")
	for _, c := range candidates {
		out, err := exec.Command(c, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			return c
		}
	}
	testtool.Missing(t, "the AWS CLI v2", "apt-get install awscli")
	return ""
}

// The README's shell blocks, taken from README.md itself, run in order
// against the built binary with the AWS CLI v2, so the README cannot drift:
// every command must succeed, and what they print must be what the README
// says they do. Blocks marked "readme-test: skip" say why they cannot run
// here.
func TestREADMECommands(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "python3"} {
		testtool.LookPath(t, tool, "apt-get install "+tool)
	}
	awsCLI := awsCLIv2(t)
	bin := firehoseBinary(t)
	root := testtool.RepoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(readme))
	if len(blocks) < 8 {
		t.Fatalf("found %d sh blocks in README.md", len(blocks))
	}

	// A free loopback port for every start of the server in the script.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// And one for each other local port the README uses (the receivers').
	ports := map[string]string{"127.0.0.1:4566": addr}
	for _, m := range regexp.MustCompile(`127\.0\.0\.1:\d+`).FindAllString(string(readme), -1) {
		if ports[m] == "" {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ports[m] = l.Addr().String()
			l.Close()
		}
	}

	// The commands run where the README's relative paths hold: a directory
	// with this repository's examples.
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	for name, target := range map[string]string{"aws": awsCLI, "firehose-local": bin} {
		if err := os.Symlink(target, filepath.Join(binDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(t.TempDir(), "readme.sh")
	if err := os.WriteFile(script, []byte(readmeScript(t, blocks, addr, ports)), 0o644); err != nil {
		t.Fatal(err)
	}
	serverLog := filepath.Join(t.TempDir(), "server.log")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = work
	cmd.Env = []string{
		"PATH=" + binDir + string(filepath.ListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(), "AWS_PAGER=",
		"SERVER_LOG=" + serverLog,
		// The subcommands' default endpoint is the README's 127.0.0.1:4566.
		"FIREHOSE_LOCAL_ENDPOINT=http://" + addr,
	}
	// The script and the servers it starts are one process group, killed
	// whole if the commands hang.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out testtool.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	logs, _ := os.ReadFile(serverLog)
	if runErr != nil {
		t.Fatalf("the README's commands failed: %v\n--- output:\n%s\n--- server log:\n%s", runErr, out.String(), logs)
	}
	// What the README says the commands show.
	for _, want := range []string{
		"### ## Use it from the AWS CLI", " 2026/", "/orders-1-",
		"HELLO\n",
		`"result": "Dropped"`, "record record2: Dropped\n", "The answer keeps the transform contract: 1 Ok, 1 Dropped, 0 ProcessingFailed.",
		"customer=acme/", ".parquet", "from-kinesis/",
		"sent 50 records to orders", `"objects":1`,
		`"uri":"/services/collector/raw","kind":"raw"`, "logs-" + time.Now().UTC().Format("2006-01-02"), `"data":["hello\n"]`, `"errorCode":"S3.NoSuchBucket"`, "REPORT RequestId:",
		"State    buffered", "State    delivered", "Written  s3://traced/", `"records":[]}`,
		"### ## CloudWatch Logs subscriptions",
	} {
		if want == " 2026/" {
			want = " " + time.Now().UTC().Format("2006") + "/"
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if t.Failed() || os.Getenv("README_TEST_VERBOSE") != "" {
		t.Logf("--- output:\n%s\n--- server log:\n%s", out.String(), logs)
	}
}
