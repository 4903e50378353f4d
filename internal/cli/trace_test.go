package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/lineage"
)

// trace prints a record's stream, state and object, before and after the
// flag; --json is the server's answer; an unknown RecordId exits 1 with
// the server's error.
func TestTraceCommand(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	tickerStream(t, env)
	out, err := env.Firehose.PutRecord(context.Background(), &firehose.PutRecordInput{DeliveryStreamName: aws.String("ticker"), Record: &types.Record{Data: []byte("tick\n")}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.RecordId)
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"trace", id, "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code != 0 ||
		!strings.Contains(stdout.String(), "Stream   ticker (us-east-1)") || !strings.Contains(stdout.String(), "State    buffered") ||
		!strings.Contains(stdout.String(), "Waiting  in the destination buffer") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	env.Flush(t, "ticker")
	stdout.Reset()
	if code := Run([]string{"trace", "--endpoint", env.URL, id}, noEnv, &stdout, &stderr, nil); code != 0 ||
		!strings.Contains(stdout.String(), "State    delivered") || !strings.Contains(stdout.String(), "Written  s3://ticks/") ||
		!strings.Contains(stdout.String(), "record 1, bytes 0-5 of the uncompressed body") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	var r lineage.Record
	if code := Run([]string{"trace", id, "--json", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code != 0 ||
		json.Unmarshal(stdout.Bytes(), &r) != nil || r.RecordID != id || r.State != lineage.StateDelivered {
		t.Fatalf("exit %d, %+v\nstdout: %s", code, r, stdout.String())
	}
	stdout.Reset()
	if code := Run([]string{"trace", "not-an-id", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code != 1 ||
		!strings.Contains(stderr.String(), "ResourceNotFoundException: Record \"not-an-id\" not found") {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	stderr.Reset()
	if code := Run([]string{"trace"}, noEnv, &stdout, &stderr, nil); code != 2 || !strings.Contains(stderr.String(), "Usage: firehose-local trace RECORD_ID") {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
}

// The operand of invoke and trace may sit between flags; flags after it are
// not dropped, and a second operand is refused.
func TestOperandBetweenFlags(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	// --endpoint after the name: the server at env.URL answers, not 4566.
	if code := Run([]string{"invoke", "--event", event, "nosuchfn", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code != 1 ||
		!strings.Contains(stderr.String(), "ResourceNotFoundException") {
		t.Fatalf("invoke: exit %d\nstderr: %s", code, stderr.String())
	}
	stderr.Reset()
	if code := Run([]string{"trace", "--json", "not-an-id", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code != 1 ||
		!strings.Contains(stderr.String(), `Record "not-an-id" not found`) {
		t.Fatalf("trace: exit %d\nstderr: %s", code, stderr.String())
	}
	for _, args := range [][]string{{"invoke", "one", "--event", event, "two"}, {"trace", "one", "two"}} {
		stderr.Reset()
		if code := Run(args, noEnv, &stdout, &stderr, nil); code != 2 || !strings.Contains(stderr.String(), `unexpected argument "two"`) {
			t.Fatalf("%v: exit %d\nstderr: %s", args, code, stderr.String())
		}
	}
}
