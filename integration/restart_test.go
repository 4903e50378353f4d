package integration_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// With --data-dir, everything a user made through the APIs survives a
// restart, as AWS keeps it: the delivery stream and its transform, the
// function (and it still runs), S3 buckets and objects (the user's own and
// the delivered ones), and CloudWatch Logs (the function's and the user's).
func TestDataDirEverythingSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	env := durableEnv(t, dir, emulator.Config{})
	pythonTransform(t, env, "upper", nil)
	createStream(t, env.Firehose, "t", transformDest(fnARNPrefix+"upper", "0"))
	event, err := os.ReadFile("testdata/event.json")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upper"), Payload: event}); err != nil || out.FunctionError != nil {
		t.Fatalf("Invoke before the restart: %+v %v", out, err)
	}
	if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("mine/notes.txt"),
		Body: strings.NewReader("kept across restarts")}); err != nil {
		t.Fatal(err)
	}
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/my/app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/my/app"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/my/app"), LogStreamName: aws.String("s"),
		LogEvents: []cwtypes.InputLogEvent{{Message: aws.String("hello from before"), Timestamp: aws.Int64(time.Now().UnixMilli())}}}); err != nil {
		t.Fatal(err)
	}
	putBatch(t, env.Firehose, "t", []byte("first\n"))
	env.Flush(t, "t")
	before := objects(t, env, "deliveries")
	if len(before) != 2 {
		t.Fatalf("objects before the restart: %+v", before)
	}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}

	env2 := emulatortest.New(t, emulator.Config{DataDir: dir})
	if after := objects(t, env2, "deliveries"); len(after) != 2 || after[0].key != before[0].key || string(after[0].body) != string(before[0].body) ||
		after[1].key != before[1].key || string(after[1].body) != string(before[1].body) {
		t.Fatalf("objects after the restart:\n got %+v\nwant %+v", after, before)
	}
	fn, err := env2.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("upper")})
	if err != nil || aws.ToString(fn.Configuration.Handler) != "app.handler" {
		t.Fatalf("GetFunction after the restart: %+v %v", fn, err)
	}
	out, err := env2.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upper"), Payload: event})
	if err != nil || out.FunctionError != nil || !strings.Contains(string(out.Payload), `"Ok"`) {
		t.Fatalf("Invoke after the restart: %+v %v", out, err)
	}
	logs2 := cloudwatchlogs.NewFromConfig(env2.AWS)
	mine, err := logs2.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/my/app"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)})
	if err != nil || len(mine.Events) != 1 || aws.ToString(mine.Events[0].Message) != "hello from before" {
		t.Fatalf("user log events after the restart: %+v %v", mine, err)
	}
	fnLogs, err := logs2.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/upper"), FilterPattern: aws.String("REPORT")})
	if err != nil || len(fnLogs.Events) < 3 { // the invoke, the transform, the invoke after the restart
		t.Fatalf("function REPORT lines after the restart: %+v %v", fnLogs, err)
	}
	desc, err := env2.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("t")})
	if err != nil || desc.DeliveryStreamDescription.DeliveryStreamStatus != "ACTIVE" {
		t.Fatalf("DescribeDeliveryStream after the restart: %+v %v", desc, err)
	}
	putBatch(t, env2.Firehose, "t", []byte("second\n"))
	env2.Flush(t, "t")
	var delivered []string
	for _, o := range objects(t, env2, "deliveries") {
		if strings.Contains(o.key, "/t-1-") {
			delivered = append(delivered, string(o.body))
		}
	}
	sort.Strings(delivered) // both keys may carry the same second
	if strings.Join(delivered, "|") != "FIRST\n|SECOND\n" {
		t.Fatalf("transformed deliveries: %q", delivered)
	}
	get, err := env2.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("mine/notes.txt")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(body) != "kept across restarts" {
		t.Fatalf("user object after the restart: %q", body)
	}
}

// What the control-plane APIs answered is on disk when they answer: a
// server killed with SIGKILL right after comes back with the delivery
// stream, the function and the CloudWatch Logs changes, each once.
func TestDataDirControlPlaneSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := startBinary(t, nil, "--data-dir", dir)
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	createStream(t, fh, "s", s3Dest())
	if _, err := fh.TagDeliveryStream(ctx, &firehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("s"),
		Tags: []fhtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}}}); err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("f"), Runtime: lambdatypes.RuntimePython312,
		Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::000000000000:role/lambda"),
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": "testdata/pytransform/app.py"})}}); err != nil {
		t.Fatal(err)
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"kept", "deleted"} {
		if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := range 20 {
		msg := fmt.Sprintf("event %02d", i)
		want = append(want, msg)
		if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("kept"),
			LogEvents: []cwtypes.InputLogEvent{{Message: aws.String(msg), Timestamp: aws.Int64(time.Now().UnixMilli())}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := logs.DeleteLogStream(ctx, &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	p.stop(t, syscall.SIGKILL)

	p2 := startBinary(t, nil, "--data-dir", dir)
	cfg = emulatortest.Config(p2.url, "us-east-1")
	tags, err := firehose.NewFromConfig(cfg).ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("s")})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("stream tags after the kill: %+v %v", tags, err)
	}
	if _, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")}); err != nil {
		t.Fatalf("function after the kill: %v", err)
	}
	logs = cloudwatchlogs.NewFromConfig(cfg)
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("log groups after the kill: %+v %v", groups, err)
	}
	streams, err := logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if err != nil || len(streams.LogStreams) != 1 || aws.ToString(streams.LogStreams[0].LogStreamName) != "kept" {
		t.Fatalf("log streams after the kill: %+v %v", streams, err)
	}
	out, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("kept"), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out.Events {
		got = append(got, aws.ToString(e.Message))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("log events after the kill: %q", got)
	}
}
