package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// copyTransform puts the Python test transform into a fresh directory.
func copyTransform(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/pytransform/app.py")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.py"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The loop users live in: a function registered from a directory with
// --function, wired into a stream, edited, and the edit takes effect on the
// next flush without a restart.
func TestLocalFunctionEditTakesEffect(t *testing.T) {
	dir := copyTransform(t)
	p := startBinary(t, nil, "--function", "upper="+dir+":python3.12:app.handler")
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, fh, "s", transformDest(fnARNPrefix+"upper", "0"))
	flushAndRead := func() string {
		t.Helper()
		resp, err := http.Post(p.url+"/_local/flush?stream=s", "", nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("flush: %v %v", resp, err)
		}
		resp.Body.Close()
		list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, o := range list.Contents {
			get, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(get.Body)
			all.WriteString(b.String())
			_, _ = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("deliveries"), Key: o.Key})
		}
		return all.String()
	}
	putBatch(t, fh, "s", []byte("first\n"))
	if got := flushAndRead(); got != "FIRST\n" {
		t.Fatalf("before the edit: %q", got)
	}
	// Edit the handler: lower-case instead of upper-case.
	src, _ := os.ReadFile(filepath.Join(dir, "app.py"))
	edited := strings.Replace(string(src), "data.upper()", "data.lower()", 1)
	future := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(filepath.Join(dir, "app.py"), future, future)
	putBatch(t, fh, "s", []byte("SECOND\n"))
	if got := flushAndRead(); got != "second\n" {
		t.Fatalf("after the edit: %q (the old code still ran)", got)
	}
	// The function's output reached the emulator's log, with its name.
	if code := p.stop(t, 15); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(p.stderr.String(), "transformed 1 records for upper") {
		t.Fatalf("function output not in the log:\n%s", p.stderr.String())
	}
}

// `firehose-local event` then `firehose-local invoke`, alone and against a
// running server: the workflow AWS recommends before wiring a transform in.
func TestEventAndInvokeCommands(t *testing.T) {
	dir := copyTransform(t)
	records := filepath.Join(t.TempDir(), "records.txt")
	if err := os.WriteFile(records, []byte("hello\ndrop this\nfail that\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventFile := filepath.Join(t.TempDir(), "event.json")
	if out, err := exec.Command(firehoseBinary(t), "event", "--records", records, "--out", eventFile).CombinedOutput(); err != nil {
		t.Fatalf("event: %v %s", err, out)
	}
	check := func(stdout, stderr string) {
		t.Helper()
		var resp struct {
			Records []struct{ RecordID, Result, Data string }
		}
		if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
			t.Fatalf("result %q: %v", stdout, err)
		}
		if len(resp.Records) != 3 || resp.Records[0].Result != "Ok" || resp.Records[0].Data != "SEVMTE8=" ||
			resp.Records[1].Result != "Dropped" || resp.Records[2].Result != "ProcessingFailed" {
			t.Fatalf("result = %+v", resp)
		}
		for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "transformed 3 records"} {
			if !strings.Contains(stderr, want) {
				t.Fatalf("log lacks %q:\n%s", want, stderr)
			}
		}
	}
	run := func(args ...string) (string, string, int) {
		cmd := exec.Command(firehoseBinary(t), args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		_ = cmd.Run()
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}
	// Alone, no server.
	out, errOut, code := run("invoke", "--dir", dir, "--runtime", "python3.12", "--handler", "app.handler", "--event", eventFile)
	if code != 0 {
		t.Fatalf("invoke --dir: exit %d: %s", code, errOut)
	}
	check(out, errOut)
	// Against a running server.
	p := startBinary(t, nil, "--function", "upper="+dir+":python3.12:app.handler")
	out, errOut, code = run("invoke", "upper", "--event", eventFile, "--endpoint", p.url)
	if code != 0 {
		t.Fatalf("invoke upper: exit %d: %s", code, errOut)
	}
	check(out, errOut)
	// A failing function exits 1 and prints Lambda's error.
	failing := filepath.Join(t.TempDir(), "fail.json")
	_ = os.WriteFile(failing, []byte(`{"records":[{"recordId":"1","approximateArrivalTimestamp":1,"data":"bW9kZTpyYWlzZQ=="}]}`), 0o644)
	out, _, code = run("invoke", "upper", "--event", failing, "--endpoint", p.url)
	if code != 1 || !strings.Contains(out, `"errorType": "ValueError"`) && !strings.Contains(out, `"errorType":"ValueError"`) {
		t.Fatalf("failing invoke: exit %d, %s", code, out)
	}
}

func TestConfigFileRegistersFunctions(t *testing.T) {
	dir := copyTransform(t)
	cfgFile := filepath.Join(t.TempDir(), "firehose-local.json")
	_ = os.WriteFile(cfgFile, []byte(`{"functions":[{"name":"fromfile","dir":"`+dir+`","runtime":"python3.12","handler":"app.handler","timeout":5,"environment":{"STAGE":"local"}}]}`), 0o644)
	p := startBinary(t, nil, "--config", cfgFile)
	out, err := exec.Command(firehoseBinary(t), "invoke", "fromfile", "--endpoint", p.url, "--event", "testdata/event.json").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"result": "Ok"`) && !strings.Contains(string(out), `"result":"Ok"`) {
		t.Fatalf("invoke fromfile: %v %s", err, out)
	}
}

// invoke with a Firehose event checks the function's answer as a delivery
// stream would: a contract error is named with the error code the stream
// writes, and the exit code is 1; a good answer gets each record's verdict.
func TestInvokeChecksTheTransformContract(t *testing.T) {
	dir := copyTransform(t)
	invoke := func(lines string, extra ...string) (string, int) {
		t.Helper()
		records := filepath.Join(t.TempDir(), "records.txt")
		if err := os.WriteFile(records, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		eventFile := filepath.Join(t.TempDir(), "event.json")
		if out, err := exec.Command(firehoseBinary(t), "event", "--records", records, "--out", eventFile).CombinedOutput(); err != nil {
			t.Fatalf("event: %v %s", err, out)
		}
		cmd := exec.Command(firehoseBinary(t), append([]string{"invoke", "--dir", dir, "--runtime", "python3.12", "--handler", "app.handler", "--event", eventFile}, extra...)...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		_ = cmd.Run()
		return errOut.String(), cmd.ProcessState.ExitCode()
	}
	stderr, code := invoke("hello\ndrop this\nfail that\n")
	for _, want := range []string{
		"record record1: Ok, 5 bytes\n", "record record2: Dropped\n",
		"record record3: ProcessingFailed, to the error output with errorCode Lambda.ProcessingFailedStatus\n",
		"The answer keeps the transform contract: 1 Ok, 1 Dropped, 1 ProcessingFailed.",
	} {
		if code != 0 || !strings.Contains(stderr, want) {
			t.Fatalf("a good answer: exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	for mode, want := range map[string]string{
		"missing":   "Lambda.MissingRecordId",
		"duplicate": "Lambda.DuplicatedRecordId",
		"extra":     "Lambda.JsonProcessingException: The Lambda response contains record Id \"not-a-real-id\"",
		"badb64":    "Lambda.JsonProcessingException: The data of record",
		"badresult": "Lambda.JsonProcessingException: Record record1 has result \"Maybe\"",
		"nonjson":   "Lambda.JsonProcessingException: The response from the Lambda function is not valid JSON",
		"raise":     "Lambda.FunctionError: The Lambda function was successfully invoked but it returned an error result.",
	} {
		stderr, code := invoke("mode:" + mode + "\nhello\n")
		if code != 1 || !strings.Contains(stderr, "a delivery stream would treat this answer as a failed invocation: "+want) {
			t.Errorf("mode %s: exit %d, want 1 and %q in:\n%s", mode, code, want, stderr)
		}
	}
	// Asked not to check, the same broken answer is only printed.
	if stderr, code := invoke("mode:missing\nhello\n", "--firehose=false"); code != 0 || strings.Contains(stderr, "failed invocation") {
		t.Errorf("--firehose=false: exit %d:\n%s", code, stderr)
	}
}
