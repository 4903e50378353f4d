package integration_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// The binary with --auth sigv4 and a credentials file: the file's keys
// sign requests, the flush subcommand signs with AWS_* variables, and
// nothing else gets in.
func TestBinaryAuth(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDBIN\naws_secret_access_key = bin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--auth", "sigv4", "--credentials", file)
	ctx := context.Background()
	call := func(key, secret string) error {
		cfg := emulatortest.Config(p.url, "us-east-1")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
		cfg.RetryMaxAttempts = 1
		_, err := firehose.NewFromConfig(cfg).ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
		return err
	}
	if err := call("AKIDBIN", "bin-secret"); err != nil {
		t.Fatalf("the file's credentials: %v", err)
	}
	var ae smithy.APIError
	if err := call("AKIDBIN", "wrong"); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := call("AKIDEXAMPLE", "secret"); !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	flush := func(env ...string) (int, string) {
		cmd := exec.Command(firehoseBinary(t), "flush", "--endpoint", p.url)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := flush("AWS_ACCESS_KEY_ID=AKIDBIN", "AWS_SECRET_ACCESS_KEY=bin-secret"); code != 0 {
		t.Fatalf("signed flush: exit %d: %s", code, out)
	}
	if code, out := flush(); code != 1 || !strings.Contains(out, "UnrecognizedClientException") {
		t.Fatalf("flush without credentials: exit %d: %s", code, out)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 || strings.Contains(p.stderr.String(), "WARNING") {
		t.Fatalf("exit %d: %s", code, p.stderr)
	}

	// Without credentials --auth sigv4 refuses to start, naming the flag.
	cmd := exec.Command(firehoseBinary(t), "--auth", "sigv4")
	cmd.Env = []string{"HOME=" + t.TempDir()}
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "--auth") || !strings.Contains(string(out), "--credentials FILE") {
		t.Fatalf("--auth sigv4 without credentials: exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

// Listening beyond loopback without authentication prints a warning.
func TestBinaryExposureWarning(t *testing.T) {
	p := startBinary(t, nil, "--listen", "0.0.0.0:0")
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "firehose-local: WARNING: listening on 0.0.0.0:") {
		t.Fatalf("no warning:\n%s", p.stderr)
	}
	p = startBinary(t, []string{"AWS_ACCESS_KEY_ID=AKIDBIN", "AWS_SECRET_ACCESS_KEY=bin-secret"}, "--listen", "0.0.0.0:0", "--auth", "sigv4")
	if code := p.stop(t, syscall.SIGTERM); code != 0 || strings.Contains(p.stderr.String(), "WARNING") {
		t.Fatalf("exit %d, with --auth sigv4:\n%s", code, p.stderr)
	}
}

// The AWS CLI (botocore's signer, written independently of the Go SDK's)
// against --auth sigv4: every API, an S3 upload and download, a presigned
// URL; and a wrong secret refused by each.
func TestAWSCLIWithAuth(t *testing.T) {
	awsCLI := testtool.LookPath(t, "aws", "apt-get install awscli")
	p := startBinary(t, []string{"AWS_ACCESS_KEY_ID=AKIDCLI", "AWS_SECRET_ACCESS_KEY=cli-secret"}, "--auth", "sigv4")
	// AWS CLI v1 presigns S3 URLs with Signature Version 2 unless told
	// otherwise; SigV2 is refused, as by S3 buckets made since 2020.
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[default]\ns3 =\n    signature_version = s3v4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(secret string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", p.url, "--region", "us-east-1", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDCLI", "AWS_SECRET_ACCESS_KEY="+secret, "AWS_PAGER=",
			"AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE="+config, "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	ok := func(args ...string) string {
		t.Helper()
		out, err := run("cli-secret", args...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return out
	}
	ok("s3api", "create-bucket", "--bucket", "cli-auth")
	file := filepath.Join(t.TempDir(), "payload")
	payload := strings.Repeat("signed by botocore\n", 50000) // about 1 MB
	if err := os.WriteFile(file, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	ok("s3", "cp", file, "s3://cli-auth/dir/a b+c.txt")
	got := filepath.Join(t.TempDir(), "got")
	ok("s3", "cp", "s3://cli-auth/dir/a b+c.txt", got)
	if b, _ := os.ReadFile(got); string(b) != payload {
		t.Fatalf("downloaded %d bytes, uploaded %d", len(b), len(payload))
	}
	url := strings.TrimSpace(ok("s3", "presign", "s3://cli-auth/dir/a b+c.txt", "--expires-in", "60"))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != payload {
		t.Fatalf("presigned GET %s: %d, %.300s", url, resp.StatusCode, body)
	}
	ok("firehose", "list-delivery-streams")
	ok("logs", "create-log-group", "--log-group-name", "/cli/auth")
	ok("lambda", "list-functions")

	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"s3api", "list-objects-v2", "--bucket", "cli-auth"}, "SignatureDoesNotMatch"},
		{[]string{"firehose", "list-delivery-streams"}, "InvalidSignatureException"},
		{[]string{"logs", "describe-log-groups"}, "InvalidSignatureException"},
		{[]string{"lambda", "list-functions"}, "InvalidSignatureException"},
	} {
		out, err := run("wrong-secret", c.args...)
		if err == nil || !strings.Contains(out, c.code) {
			t.Errorf("aws %v with a wrong secret: %v\n%s", c.args, err, out)
		}
	}
}
