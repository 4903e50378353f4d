package emulator_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// Close leaves no goroutine behind: servers, pipelines, timers and the
// authenticator all stop (goleak, ignoring the goroutines alive before New).
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv, err := emulator.New(emulator.Config{DataDir: t.TempDir(),
		Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	cfg := emulatortest.Config("http://"+addr.String(), "us-east-1")
	cfg.HTTPClient = &http.Client{Transport: transport}
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("leaks")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if _, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name),
			ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
				RoleARN: aws.String("arn:aws:iam::000000000000:role/r"), BucketARN: aws.String("arn:aws:s3:::leaks")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := fh.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String(name),
			Record: &fhtypes.Record{Data: []byte("x\n")}}); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.Close(cctx); err != nil {
		t.Fatal(err)
	}
	transport.CloseIdleConnections()
	if err := leakcheck.Find(leakcheck.Wait, before); err != nil {
		t.Fatalf("goroutines outlived Close: %v", err)
	}
}

// Close right after Start, before the serving goroutine has begun, still
// stops it: nothing keeps listening.
func TestCloseRightAfterStart(t *testing.T) {
	before := goleak.IgnoreCurrent()
	for range 50 {
		srv, err := emulator.New(emulator.Config{})
		if err != nil {
			t.Fatal(err)
		}
		addr, err := srv.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if conn, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
			conn.Close()
			t.Fatalf("%s still accepts connections after Close", addr)
		}
	}
	if err := leakcheck.Find(leakcheck.Wait, before); err != nil {
		t.Fatal(err)
	}
}
