//go:build linux

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// processGone reports whether pid no longer runs (gone, or a zombie left
// for a reaper that is not us).
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && len(b) > i+2 && b[i+2] == 'Z'
}

// waitGone polls /proc until pid is gone, for at most 10 seconds.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d outlived the server", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Daemons a function leaves behind (setsid, double fork, stdio on
// /dev/null, even an empty environment) do not outlive the binary stopped
// by SIGTERM.
func TestBinaryKillsFunctionDaemonsOnSIGTERM(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	dir, err := filepath.Abs("testdata/daemon")
	if err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--function", "daemon="+dir+":python3.12:app.handler")
	lc := lambda.NewFromConfig(emulatortest.Config(p.url, "us-east-1"))
	var pids []int
	for _, payload := range []string{`{"keepEnv":true}`, `{"keepEnv":false}`} {
		out, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("daemon"), Payload: []byte(payload)})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("Invoke: %v %s", err, out.Payload)
		}
		var res struct{ PID int }
		if err := json.Unmarshal(out.Payload, &res); err != nil || res.PID <= 1 || processGone(res.PID) {
			t.Fatalf("payload %s: %v", out.Payload, err)
		}
		pids = append(pids, res.PID)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr)
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}
}
