package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	ftypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Functions are regional: the same name in two regions is two functions,
// each with its own configuration and warm processes (a bug once made
// them replace each other's processes at every call).
func TestSameFunctionNameInTwoRegions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	code := zipFiles(t, map[string]string{"app.py": "testdata/pyenv/app.py"})
	clients := map[string]*lambda.Client{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		c := lambda.NewFromConfig(env.AWS, func(o *lambda.Options) { o.Region = region })
		clients[region] = c
		_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("f"), Runtime: ltypes.RuntimePython312, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &ltypes.FunctionCode{ZipFile: code},
			Environment: &ltypes.Environment{Variables: map[string]string{"STAGE": region}},
		})
		if err != nil {
			t.Fatalf("CreateFunction in %s: %v", region, err)
		}
	}
	for i := 0; i < 3; i++ {
		for region, c := range clients {
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), LogType: ltypes.LogTypeTail})
			if err != nil {
				t.Fatal(err)
			}
			log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if i > 0 && strings.Contains(string(log), "Init Duration") {
				t.Fatalf("invocation %d in %s cold-started: the other region's function replaced its process\n%s", i, region, log)
			}
			var got struct{ Stage, Region string }
			if err := json.Unmarshal(out.Payload, &got); err != nil {
				t.Fatalf("%s: %s", region, out.Payload)
			}
			if got.Stage != region || got.Region != region {
				t.Fatalf("invoking f in %s ran %+v", region, got)
			}
		}
	}
}

// What a function prints, with Lambda's START/END/REPORT lines, lands in
// CloudWatch Logs under /aws/lambda/NAME in a stream named like Lambda's.
func TestFunctionOutputInCloudWatchLogs(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	pythonTransform(t, env, "logger", nil)
	event, _ := os.ReadFile("testdata/event.json")
	out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("logger"), Payload: event})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("Invoke: %v %v", err, out)
	}
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	streams, err := logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/logger")})
	if err != nil || len(streams.LogStreams) != 1 {
		t.Fatalf("DescribeLogStreams: %v, %v", streams, err)
	}
	name := aws.ToString(streams.LogStreams[0].LogStreamName)
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(name) {
		t.Fatalf("log stream name %q is not Lambda's format", name)
	}
	got, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/logger"), LogStreamName: aws.String(name), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range got.Events {
		all.WriteString(aws.ToString(e.Message))
	}
	for _, want := range []string{"START RequestId: ", "transformed 1 records for logger", "END RequestId: ", "REPORT RequestId: "} {
		if !strings.Contains(all.String(), want) {
			t.Fatalf("log events lack %q:\n%s", want, all.String())
		}
	}
}

// A Firehose transform's own output and its START/END/REPORT lines reach
// /aws/lambda/NAME; FilterLogEvents pages through them with Limit and
// finds them by term and by quoted phrase.
func TestTransformLogsInCloudWatchLogs(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	ctx := context.Background()
	pythonTransform(t, env, "py", nil)
	dest := transformDest(fnARNPrefix+"py", "0")
	for i, p := range dest.ProcessingConfiguration.Processors[0].Parameters {
		if p.ParameterName == ftypes.ProcessorParameterNameBufferSizeInMb {
			dest.ProcessingConfiguration.Processors[0].Parameters[i].ParameterValue = aws.String("0.2")
		}
	}
	createStream(t, env.Firehose, "s", dest)
	// Three separate invocations: flush after each batch.
	for i := 0; i < 3; i++ {
		putBatch(t, env.Firehose, "s", []byte("rec\n"))
		env.Flush(t, "s")
	}
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	var messages []string
	pages := 0
	p := cloudwatchlogs.NewFilterLogEventsPaginator(logs, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/py"), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) > 2 {
			t.Fatalf("page of %d events with Limit 2", len(out.Events))
		}
		pages++
		for _, e := range out.Events {
			messages = append(messages, aws.ToString(e.Message))
		}
	}
	all := strings.Join(messages, "")
	if strings.Count(all, "START RequestId: ") != 3 || strings.Count(all, "REPORT RequestId: ") != 3 ||
		strings.Count(all, "transformed 1 records for py") != 3 || pages < 4 {
		t.Fatalf("%d pages:\n%s", pages, all)
	}
	count := func(pattern string) int {
		out, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("/aws/lambda/py"), FilterPattern: aws.String(pattern)})
		if err != nil {
			t.Fatalf("pattern %s: %v", pattern, err)
		}
		return len(out.Events)
	}
	if n := count("REPORT"); n != 3 {
		t.Fatalf("term REPORT matched %d events", n)
	}
	if n := count(`"transformed 1 records"`); n != 3 {
		t.Fatalf("phrase matched %d events", n)
	}
	if n := count(`"records transformed"`); n != 0 {
		t.Fatalf("a phrase in the wrong order matched %d events", n)
	}
}
