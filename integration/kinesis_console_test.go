package integration_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
)

// The console's Data streams page shows a stream made through the SDK,
// its shards and its records, escaped.
func TestKinesisConsolePage(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	ctx := context.Background()
	createDataStream(t, env, "clicks", 2)
	for _, r := range []struct{ key, data string }{{"user-<1>", `{"page":"<home>"}`}, {"bin", "\xff\x00\x01"}} {
		if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("clicks"), PartitionKey: aws.String(r.key), Data: []byte(r.data)}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(env.URL + "/_local/ui/kinesis")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s\n%s", resp.Status, body)
	}
	for _, want := range []string{
		"<h2>clicks <span class=\"status s-ACTIVE\">ACTIVE</span></h2>",
		"arn:aws:kinesis:us-east-1:000000000000:stream/clicks",
		"us-east-1 · PROVISIONED · 2 open shards, 0 closed · retention 24 h · encryption NONE · created 2026-11-25 10:30:15 UTC",
		"<code>shardId-000000000000</code>", "<code>shardId-000000000001</code>",
		"<code class=\"hash\">0 – 170141183460469231731687303715884105727</code>",
		"<code>" + html.EscapeString("user-<1>") + "</code>",
		"<pre class=\"record\">" + html.EscapeString(`{"page":"<home>"}`) + "</pre>",
		"<div class=\"sub\">base64</div><pre class=\"record\">/wAB</pre>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "<home>") {
		t.Error("record data written raw")
	}
}

// Kinesis metrics at /metrics, and --kinesis-limits through the SDK: the
// 1,001st record in a second fails, the next second works again.
func TestKinesisMetricsAndLimits(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock, KinesisLimits: true})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	entries := make([]ktypes.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("ab")}
	}
	for range 2 {
		out, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v %v", out, err)
		}
	}
	const msg = "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000."
	out, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries[:1]})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 1 || aws.ToString(out.Records[0].ErrorCode) != "ProvisionedThroughputExceededException" ||
		aws.ToString(out.Records[0].ErrorMessage) != msg {
		t.Fatalf("over the limit: %+v %v", out, err)
	}
	// Not retried: the SDK retries this error (after a real sleep).
	_, err = env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")},
		func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ProvisionedThroughputExceededException" || ae.ErrorMessage() != msg {
		t.Fatalf("PutRecord over the limit: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatalf("the next second: %v", err)
	}
	it, err := env.Kinesis.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator}); err != nil {
		t.Fatal(err)
	}

	fams := scrape(t, env)
	l := map[string]string{"region": "us-east-1", "stream_name": "s"}
	for name, want := range map[string]float64{
		"kinesis_incoming_records_total":                      1001,
		"kinesis_incoming_bytes_total":                        2001,
		"kinesis_put_records_success_total":                   2,
		"kinesis_put_records_attempts_total":                  3,
		"kinesis_put_record_success_total":                    1,
		"kinesis_put_record_attempts_total":                   2,
		"kinesis_get_records_records_total":                   1001,
		"kinesis_get_records_bytes_total":                     2001,
		"kinesis_get_records_success_total":                   1,
		"kinesis_get_records_attempts_total":                  1,
		"kinesis_write_provisioned_throughput_exceeded_total": 2,
		"kinesis_read_provisioned_throughput_exceeded_total":  0,
	} {
		if v, ok := value(fams, name, l); !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
}
