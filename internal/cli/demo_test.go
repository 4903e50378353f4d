package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/demo"
)

// tickerStream creates the stream "ticker", delivering to the bucket "ticks".
func tickerStream(t *testing.T, env *emulatortest.Env) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ticks")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("ticker"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String("arn:aws:iam::000000000000:role/firehose"), BucketARN: aws.String("arn:aws:s3:::ticks"),
		},
	}); err != nil {
		t.Fatal(err)
	}
}

// runDemoInto runs the demo command for 500 ms at 40 records/s with the
// target flag given, flushes the delivery stream flushed, and checks that
// its one object in the bucket "ticks" holds the 20 ticker records.
func runDemoInto(t *testing.T, env *emulatortest.Env, flushed, flag, target string) {
	t.Helper()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	code := Run([]string{"demo", flag, target, "--rate", "40", "--duration", "500ms", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil)
	if code != 0 || !strings.Contains(stdout.String(), "sent 20 records to "+target+" in 500ms (40.0 records/s); 0 failed") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	// On a non-terminal the last progress line agrees with the summary.
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "demo "+target+": 20 records sent,") {
		t.Fatalf("last progress line %q, want the summary's 20 records", last)
	}
	env.Flush(t, flushed)
	list, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("ticks")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("objects: %v %v", list, err)
	}
	obj, _, err := env.Server.S3().GetObject(ctx, "ticks", aws.ToString(list.Contents[0].Key))
	if err != nil || bytes.Count(obj, []byte("\n")) != 20 || !bytes.HasPrefix(obj, []byte(`{"ticker_symbol":"`)) {
		t.Fatalf("object: %q %v", obj, err)
	}
}

func TestDemoCommand(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	tickerStream(t, env)
	runDemoInto(t, env, "ticker", "--stream", "ticker")
	// A stream that does not exist ends the run at once.
	var stdout, stderr bytes.Buffer
	code := Run([]string{"demo", "--stream", "nope", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), "no delivery stream named nope in us-east-1") {
		t.Fatalf("missing stream: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}

func TestDemoCommandStopsOnSignal(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	tickerStream(t, env)
	sig := make(chan os.Signal, 1)
	sig <- os.Interrupt // stops the run as soon as it starts
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Run([]string{"demo", "--stream", "ticker", "--endpoint", env.URL}, noEnv, &stdout, &stderr, sig)
	}()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stdout.String(), "firehose-local demo: sent ") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop on a signal")
	}
}

// Against a server with --auth sigv4 the demo signs with the AWS_*
// variables, as flush and invoke do.
func TestDemoCommandSignsWithTheEnvironment(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	tickerStream(t, env)
	for _, tc := range []struct {
		secret, want string
		code         int
	}{
		{"secret", "sent 5 records to ticker", 0},
		{"wrong", "InvalidSignatureException", 1},
	} {
		getenv := func(k string) string {
			return map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": tc.secret}[k]
		}
		var stdout, stderr bytes.Buffer
		code := Run([]string{"demo", "--stream", "ticker", "--rate", "10", "--duration", "500ms", "--endpoint", env.URL}, getenv, &stdout, &stderr, nil)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.want) {
			t.Errorf("secret %q: exit %d\nstdout: %s\nstderr: %s", tc.secret, code, stdout.String(), stderr.String())
		}
	}
}

func TestDemoCommandFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "one of --stream and --data-stream is required"},
		{[]string{"--stream", "s", "--rate", "0"}, "invalid value 0 for --rate"},
		{[]string{"--stream", "s", "--duration", "-1s"}, "invalid value -1s for --duration"},
		{[]string{"--stream", "s", "--region", "moon"}, `invalid value "moon" for --region`},
		{[]string{"--stream", "s", "extra"}, `unexpected argument "extra"`},
		{[]string{"--nope"}, "flag provided but not defined: -nope"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Run(append([]string{"demo"}, tc.args...), noEnv, &stdout, &stderr, nil); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(demo.Stats{Stream: "ticker", Sent: 120, Failed: 3, Elapsed: 12*time.Second + 400*time.Millisecond})
	if want := "demo ticker: 120 records sent, 9.7 records/s, 3 errors, 12s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func noEnv(string) string { return "" }

// --data-stream sends the demo records to a Kinesis data stream, which a
// KinesisStreamAsSource delivery stream reads into S3.
func TestDemoCommandToDataStream(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	ctx := context.Background()
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ticks")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("ticks-src"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	role := aws.String("arn:aws:iam::000000000000:role/firehose")
	if _, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("from-ticks"), DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/ticks-src"), RoleARN: role},
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: role, BucketARN: aws.String("arn:aws:s3:::ticks")},
	}); err != nil {
		t.Fatal(err)
	}
	runDemoInto(t, env, "from-ticks", "--data-stream", "ticks-src")
	// A data stream that does not exist ends the run at once.
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"demo", "--data-stream", "nope", "--endpoint", env.URL}, noEnv, &stdout, &stderr, nil); code == 0 || !strings.Contains(stdout.String()+stderr.String(), "Stream nope under account 000000000000 not found.") {
		t.Fatalf("missing data stream: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}
