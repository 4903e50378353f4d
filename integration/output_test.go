package integration_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// maxEventMessage is the longest message Lambda's log events carry: a
// piece of at most 256 KiB - 26 bytes of an output line, plus its "\n".
const maxEventMessage = 256*1024 - 26 + 1

// lockedCounter counts the bytes a logger writes and keeps its lines
// holding "suppressed".
type lockedCounter struct {
	mu      sync.Mutex
	n       int
	summary []string
}

func (c *lockedCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += len(p)
	if strings.Contains(string(p), "suppressed") {
		c.summary = append(c.summary, string(p))
	}
	return len(p), nil
}

// A function printing 100 MiB without a newline, over HTTP: the
// invocation completes, LogType=Tail returns the last 4 KB, the log
// group's events are no larger than Lambda's, and the server's own log
// gets a bounded share of it plus a summary.
func TestFunctionPrinting100MBOverHTTP(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	serverLog := &lockedCounter{}
	env := emulatortest.New(t, emulator.Config{
		Logger: slog.New(slog.NewTextHandler(serverLog, nil)),
		// The rate limit runs on this clock, which never moves: what the
		// server log gets is the burst.
		Clock: emulator.NewFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)),
	})
	createFunction(t, env, "flood", "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": "testdata/flood/app.py"}), nil)
	ctx := context.Background()
	out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("flood"), Payload: []byte(`{"mib":100}`), LogType: ltypes.LogTypeTail})
	if err != nil || out.FunctionError != nil || string(out.Payload) != `{"printed": 104857600}` {
		t.Fatalf("Invoke: %v %s", err, out.Payload)
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || len(tail) > 4096 || !strings.Contains(string(tail), "after the flood\nEND RequestId: ") ||
		!strings.HasPrefix(string(tail[strings.LastIndex(string(tail), "REPORT "):]), "REPORT RequestId: ") {
		t.Fatalf("LogResult: %d bytes, %v:\n%s", len(tail), err, tail)
	}

	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	streams, err := logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/flood")})
	if err != nil || len(streams.LogStreams) != 1 {
		t.Fatalf("DescribeLogStreams: %v %v", streams, err)
	}
	// The newest events (a page is at most 1 MB): the last pieces of the
	// line, the line after it and the platform lines.
	page, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/flood"), LogStreamName: streams.LogStreams[0].LogStreamName})
	if err != nil || len(page.Events) < 4 {
		t.Fatalf("GetLogEvents: %v, %v", page, err)
	}
	pieces := 0
	for _, e := range page.Events {
		m := aws.ToString(e.Message)
		if len(m) > maxEventMessage {
			t.Fatalf("event of %d bytes", len(m))
		}
		if strings.Trim(m, "x\n") == "" {
			pieces++
		}
	}
	if pieces == 0 {
		t.Fatal("no piece of the long line among the newest events")
	}

	serverLog.mu.Lock()
	defer serverLog.mu.Unlock()
	if serverLog.n > 2<<20 || len(serverLog.summary) == 0 || !strings.Contains(serverLog.summary[0], "function=flood") {
		t.Fatalf("server log: %d bytes, summaries %q", serverLog.n, serverLog.summary)
	}
	t.Logf("server log: %d bytes; %s", serverLog.n, serverLog.summary[0])
}

// The binary: functions printing 100 MiB twice leave a bounded stderr.
func TestBinaryStderrBoundedUnderFunctionFlood(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir, err := filepath.Abs("testdata/flood")
	if err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--function", "flood="+dir+":python3.12:app.handler")
	lc := lambda.NewFromConfig(emulatortest.Config(p.url, "us-east-1"))
	for range 2 {
		out, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("flood"), Payload: []byte(`{"mib":100}`)})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("Invoke: %v %v", err, out)
		}
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	stderr := p.stderr.String()
	// Two bursts (640 KiB each) at most, plus the server's own lines.
	if len(stderr) > 3<<20 || !strings.Contains(stderr, "suppressed ") {
		t.Fatalf("stderr: %d bytes after printing 200 MiB", len(stderr))
	}
	t.Logf("stderr: %d bytes after 200 MiB of function output", len(stderr))
}
