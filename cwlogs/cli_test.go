package cwlogs_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// awsCLIv2 finds an AWS CLI version 2 (`aws logs tail` is v2 only), or
// skips the test.
func awsCLIv2(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("FIREHOSE_LOCAL_AWS_CLI_V2"), "aws", "/usr/local/bin/aws", "/usr/bin/aws"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		out, err := exec.CommandContext(t.Context(), path, "--version").Output()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			return path
		}
	}
	testtool.Missing(t, "the AWS CLI v2", "Debian: apt-get install awscli; or set FIREHOSE_LOCAL_AWS_CLI_V2")
	return ""
}

// cliCommand prepares `aws logs tail ...` against e, isolated from the
// user's AWS configuration.
func cliCommand(ctx context.Context, t *testing.T, cli string, e *env, args ...string) *exec.Cmd {
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, cli, append([]string{"logs", "tail", "--endpoint-url", e.url, "--color", "off"}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "PYTHONUNBUFFERED=1",
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

const lambdaStream = "2026/03/14/[$LATEST]5296e3a1084f411d9fb73b258393f30c"

func TestAWSLogsTail(t *testing.T) {
	t.Parallel()
	cli := awsCLIv2(t)
	e := newEnv(t, cwlogs.Options{Now: time.Now}) // the CLI's --since uses the real clock
	sink := e.store.LambdaSink()
	sink("orders", lambdaStream, "START RequestId: 1 Version: $LATEST")
	sink("orders", lambdaStream, "processing order 42")
	sink("orders", lambdaStream, "END RequestId: 1")
	sink("orders", lambdaStream, "REPORT RequestId: 1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t")
	sink("orders", "2026/03/14/[$LATEST]ffffffffffffffffffffffffffffffff", "other process")
	// Older than the default --since 10m.
	e.store.Append("/aws/lambda/orders", lambdaStream, cwlogs.Event{Timestamp: time.Now().Add(-time.Hour), Message: "an hour ago\n"})

	run := func(args ...string) []string {
		t.Helper()
		out, err := cliCommand(t.Context(), t, cli, e, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("aws logs tail %v: %v\n%s", args, err, out)
		}
		return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	}
	lines := run("/aws/lambda/orders")
	want := []string{"START RequestId: 1 Version: $LATEST", "processing order 42", "END RequestId: 1", "REPORT RequestId: 1", "other process"}
	if len(lines) != len(want) {
		t.Fatalf("tail printed %q", lines)
	}
	for i, l := range lines {
		// detailed format: TIMESTAMP STREAM MESSAGE
		if !strings.Contains(l, " 2026/03/14/[$LATEST]") || !strings.Contains(l, want[i]) {
			t.Fatalf("line %d = %q, want %q", i, l, want[i])
		}
	}
	if lines := run("/aws/lambda/orders", "--since", "2h", "--format", "short", "--log-stream-names", lambdaStream, "--filter-pattern", "?START ?hour"); len(lines) != 2 ||
		!strings.HasSuffix(lines[0], " an hour ago") || !strings.HasSuffix(lines[1], " START RequestId: 1 Version: $LATEST") {
		t.Fatalf("filtered tail printed %q", lines)
	}

	// A missing group is the CLI's ResourceNotFoundException.
	out, err := cliCommand(t.Context(), t, cli, e, "/aws/lambda/nope").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "ResourceNotFoundException") || !strings.Contains(string(out), "The specified log group does not exist.") {
		t.Fatalf("missing group: %v\n%s", err, out)
	}
}

func TestAWSLogsTailFollow(t *testing.T) {
	t.Parallel()
	cli := awsCLIv2(t)
	e := newEnv(t, cwlogs.Options{Now: time.Now})
	sink := e.store.LambdaSink()
	sink("orders", lambdaStream, "first line")

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := cliCommand(ctx, t, cli, e, "/aws/lambda/orders", "--follow", "--format", "short")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("aws logs tail --follow exited: %s", stderr.String())
			}
			return l
		case <-ctx.Done():
			t.Fatalf("aws logs tail --follow printed nothing in time: %s", stderr.String())
		}
		return ""
	}
	if l := next(); !strings.HasSuffix(l, " first line") {
		t.Fatalf("first line %q", l)
	}
	// Written while it follows: printed at its next poll (every 5 s).
	sink("orders", lambdaStream, "second line")
	sink("orders", lambdaStream, "third line")
	if l := next(); !strings.HasSuffix(l, " second line") {
		t.Fatalf("second line %q", l)
	}
	if l := next(); !strings.HasSuffix(l, " third line") {
		t.Fatalf("third line %q", l)
	}
	cancel() // the only way to stop --follow
	for l := range lines {
		t.Errorf("unexpected line %q", l)
	}
	_ = cmd.Wait()
}
