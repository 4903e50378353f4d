package integration_test

import (
	"context"
	"errors"
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
