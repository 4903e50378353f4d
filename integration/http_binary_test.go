package integration_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// Both sides from the shell: `firehose-local receiver` prints what a
// stream configured for Datadog delivers, through --endpoint-rewrite.
func TestBinaryReceiverAndEndpointRewrite(t *testing.T) {
	rcv := startReceiverBinary(t, nil, "--access-key", "dd-key", "--records")
	receiverURL, next := rcv.url, rcv.next

	p := startBinary(t, nil, "--endpoint-rewrite", "https://aws-kinesis-http-intake.logs.datadoghq.com="+receiverURL)
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	dest := httpDest("https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input")
	dest.EndpointConfiguration.AccessKey = aws.String("dd-key")
	dest.BufferingHints = &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}
	dest.RequestConfiguration = &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip}
	createHTTPStream(t, fh, "dd", dest)
	putBatch(t, fh, "dd", []byte(`{"message":"one"}`), []byte(`{"message":"two"}`))
	if out, err := exec.Command(firehoseBinary(t), "flush", "--stream", "dd", "--endpoint", p.url).CombinedOutput(); err != nil {
		t.Fatalf("flush: %v %s", err, out)
	}
	var got struct {
		Method, URI, RequestID, SourceARN, ContentEncoding string
		Status, Records                                    int
		Data                                               []string
	}
	line := next()
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	if got.Method != "POST" || got.URI != "/v1/input" || got.Status != 200 || got.Records != 2 || got.ContentEncoding != "gzip" ||
		got.SourceARN != "arn:aws:firehose:us-east-1:000000000000:deliverystream/dd" || strings.Join(got.Data, ",") != `{"message":"one"},{"message":"two"}` {
		t.Fatalf("receiver printed %s", line)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("server exit %d: %s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "HTTP endpoint deliveries are rewritten") {
		t.Fatalf("the rewrite was not logged: %s", p.stderr)
	}
	if code := rcv.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("receiver exit %d: %s", code, rcv.stderr.String())
	}
}

// receiverProc is a `firehose-local receiver` process.
type receiverProc struct {
	url    string           // where it listens
	next   func() string    // waits for its next line of output
	stderr *strings.Builder // what it logged
	cmd    *exec.Cmd
	exited chan struct{}
}

// stop sends sig and returns the exit code.
func (r *receiverProc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	_ = r.cmd.Process.Signal(sig)
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(20 * time.Second):
		t.Fatalf("the receiver did not stop on %v", sig)
	}
	return -1
}

// startReceiverBinary runs `firehose-local receiver --listen 127.0.0.1:0`
// with args and only env (and PATH) in its environment.
func startReceiverBinary(t *testing.T, env []string, args ...string) *receiverProc {
	t.Helper()
	cmd := exec.Command(firehoseBinary(t), append([]string{"receiver", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stdout, _ := cmd.StdoutPipe()
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	next := testtool.Lines(t, stdout, "the receiver", stderr, 20*time.Second)
	const prefix = "firehose-local receiver listening on "
	first := next()
	if !strings.HasPrefix(first, prefix) {
		t.Fatalf("first line %q", first)
	}
	return &receiverProc{url: strings.TrimPrefix(first, prefix), next: next, stderr: stderr, cmd: cmd, exited: exited}
}
