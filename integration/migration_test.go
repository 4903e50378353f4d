package integration_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/statestore"
)

// The data directory of testdata/datadir-a0f0eee.tar.gz, written by
// firehose-local at a0f0eee through the AWS CLI (see
// testdata/datadir-a0f0eee.sh): its log events were put at this time.
var a0f0eeeCreated = time.UnixMilli(1796522194936)

// The files in which a0f0eee kept the control plane, relative to the data
// directory.
var a0f0eeeStateFiles = []string{"firehose/streams.json", "logs/logs.jsonl", "lambda/us-east-1/upper/function.json"}

// untar unpacks a .tar.gz of regular files and directories into dir, and
// returns the contents of the files named in keep.
func untar(t *testing.T, archive, dir string, keep ...string) map[string][]byte {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return kept
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			t.Fatalf("%s: %q is outside the directory", archive, h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(path, b, h.FileInfo().Mode().Perm())
			}
			if slices.Contains(keep, name) {
				kept[name] = b
			}
		default:
			t.Fatalf("%s: %q is not a file or a directory", archive, h.Name)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// migrated is everything the a0f0eee data directory holds, as the APIs
// show it, for comparison across restarts.
type migrated struct {
	Stream    *firehose.DescribeDeliveryStreamOutput
	Tags      *firehose.ListTagsForDeliveryStreamOutput
	Function  *lambda.GetFunctionOutput
	Groups    *cloudwatchlogs.DescribeLogGroupsOutput
	GroupTags *cloudwatchlogs.ListTagsForResourceOutput
	Events    map[string][]string // group/stream → messages
}

func readMigrated(t *testing.T, env *emulatortest.Env) migrated {
	t.Helper()
	ctx := context.Background()
	var m migrated
	var err error
	if m.Stream, err = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	m.Stream.ResultMetadata = middleware.Metadata{}
	if m.Tags, err = env.Firehose.ListTagsForDeliveryStream(ctx, &firehose.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	m.Tags.ResultMetadata = middleware.Metadata{}
	if m.Function, err = env.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("upper")}); err != nil {
		t.Fatal(err)
	}
	m.Function.ResultMetadata = middleware.Metadata{}
	m.Function.Code = nil // a presigned URL of this server
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	if m.Groups, err = logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{}); err != nil {
		t.Fatal(err)
	}
	m.Groups.ResultMetadata = middleware.Metadata{}
	if m.GroupTags, err = logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/app/orders")}); err != nil {
		t.Fatal(err)
	}
	m.GroupTags.ResultMetadata = middleware.Metadata{}
	m.Events = map[string][]string{}
	for _, g := range m.Groups.LogGroups {
		streams, err := logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g.LogGroupName})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range streams.LogStreams {
			out, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: g.LogGroupName, LogStreamName: s.LogStreamName, StartFromHead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			key := aws.ToString(g.LogGroupName) + "/" + aws.ToString(s.LogStreamName)
			for _, e := range out.Events {
				m.Events[key] = append(m.Events[key], aws.ToString(e.Message))
			}
		}
	}
	return m
}

// A data directory written by the release before the state store (a0f0eee)
// is migrated: its stream, function and CloudWatch Logs come back through
// the APIs, the records its write-ahead log held are delivered, and its
// old files are imported once and removed; a restart after that repeats
// nothing and loses nothing.
func TestDataDirMigratedFromA0F0EEE(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3") // the function and the stream's transform
	dir := t.TempDir()
	old := untar(t, "testdata/datadir-a0f0eee.tar.gz", dir, a0f0eeeStateFiles...)
	if len(old) != len(a0f0eeeStateFiles) {
		t.Fatalf("the archive lacks some of %v", a0f0eeeStateFiles)
	}
	ctx := context.Background()
	clock := emulator.NewFakeClock(a0f0eeeCreated.Add(time.Hour))
	var logs testtool.Buffer
	env := emulatortest.New(t, emulator.Config{DataDir: dir, Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, msg := range []string{
		"delivery stream definitions of an earlier version imported into the state store",
		"functions of an earlier version imported into the state store",
		"cwlogs: imported the journal of an earlier version",
	} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("the log does not say %q:\n%s", msg, logs.String())
		}
	}
	for _, f := range append(a0f0eeeStateFiles, "logs") {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the migration: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, statestore.FileName)); err != nil {
		t.Fatal(err)
	}

	m := readMigrated(t, env)
	d := m.Stream.DeliveryStreamDescription
	enc := d.DeliveryStreamEncryptionConfiguration
	s3d := d.Destinations[0].ExtendedS3DestinationDescription
	if d.DeliveryStreamStatus != "ACTIVE" || enc == nil || enc.Status != "ENABLED" || enc.KeyType != "AWS_OWNED_CMK" ||
		aws.ToString(s3d.Prefix) != "orders/" || aws.ToInt32(s3d.BufferingHints.IntervalInSeconds) != 900 ||
		aws.ToString(s3d.ProcessingConfiguration.Processors[0].Parameters[0].ParameterValue) != "arn:aws:lambda:us-east-1:000000000000:function:upper" {
		t.Errorf("stream: %s", jsonOf(d))
	}
	// a0f0eee took BufferIntervalInSeconds alone, with a 1 MB buffer;
	// today's rules want both, so the stored definition gets the default.
	// Describe shows all five parameters in AWS's order.
	if params := s3d.ProcessingConfiguration.Processors[0].Parameters; len(params) != 5 ||
		params[3].ParameterName != "BufferSizeInMBs" || aws.ToString(params[3].ParameterValue) != "1" ||
		params[4].ParameterName != "BufferIntervalInSeconds" || aws.ToString(params[4].ParameterValue) != "900" {
		t.Errorf("processor parameters: %s", jsonOf(params))
	}
	if len(m.Tags.Tags) != 2 || aws.ToString(m.Tags.Tags[0].Key) != "env" || aws.ToString(m.Tags.Tags[1].Value) != "data" {
		t.Errorf("stream tags: %s", jsonOf(m.Tags.Tags))
	}
	fc := m.Function.Configuration
	if aws.ToString(fc.Handler) != "app.handler" || fc.Runtime != "python3.12" || aws.ToString(fc.Description) != "upper-cases records" ||
		fc.Environment.Variables["GREETING"] != "hello" || aws.ToString(fc.CodeSha256) != "zNmu5/oHnD6+UwV8g7ZhnOTZW4CFzeFCzw+7nguTOW4=" ||
		aws.ToString(fc.LastModified) != "2026-12-06T01:56:32.512+0000" || m.Function.Tags["team"] != "data" {
		t.Errorf("function: %s %v", jsonOf(fc), m.Function.Tags)
	}
	groups := map[string]int32{}
	for _, g := range m.Groups.LogGroups {
		groups[aws.ToString(g.LogGroupName)] = aws.ToInt32(g.RetentionInDays)
	}
	if len(groups) != 2 || groups["/app/orders"] != 30 || m.GroupTags.Tags["team"] != "data" {
		t.Errorf("log groups: %v, tags %v", groups, m.GroupTags.Tags)
	}
	if got := m.Events["/app/orders/web"]; !slices.Equal(got, []string{"first", "second", "third"}) {
		t.Errorf("events of /app/orders/web: %q", got)
	}
	if n := len(m.Events); n != 2 {
		t.Errorf("%d log streams: %v", n, m.Events)
	}

	// The function runs, and so does the stream's transform: the records
	// the write-ahead log held are delivered, upper-cased.
	event, err := os.ReadFile("testdata/event.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upper"), Payload: event})
	if err != nil || out.FunctionError != nil || !strings.Contains(string(out.Payload), `"Ok"`) {
		t.Fatalf("Invoke: %+v %v", out, err)
	}
	env.Flush(t, "orders")
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 || !strings.HasPrefix(objs[0].key, "orders/2026/12/06/01/orders-1-2026-12-06-01-56-") || string(objs[0].body) != "ONE\nTWO\nTHREE\n" {
		t.Fatalf("objects after the flush: %+v", objs)
	}
	before := readMigrated(t, env)
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if segs := walSegments(t, dir); len(segs) != 0 {
		t.Fatalf("write-ahead log segments left: %v", segs)
	}

	// The old files again, as if removing them had failed: they are not
	// imported a second time (the state store knows it imported them), and
	// go.
	for name, b := range old {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	logs.Reset()
	env2 := emulatortest.New(t, emulator.Config{DataDir: dir, Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if strings.Contains(logs.String(), "imported") {
		t.Errorf("imported again:\n%s", logs.String())
	}
	for _, f := range a0f0eeeStateFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the restart: %v", f, err)
		}
	}
	after := readMigrated(t, env2)
	// The function's output while the first server stopped (its process
	// being shut down) may have come after the snapshot: each stream's
	// events then are the first of its events now, and the others are no
	// copies of them.
	for k, want := range before.Events {
		got := after.Events[k]
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("events of %s after the restart:\n got %q\nwant %q", k, got, want)
			continue
		}
		for _, e := range got[len(want):] {
			if slices.Contains(want, e) {
				t.Errorf("events of %s after the restart: %q twice", k, e)
			}
		}
	}
	if len(after.Events) != len(before.Events) {
		t.Errorf("log streams after the restart: %q", after.Events)
	}
	before.Events, after.Events = nil, nil
	for _, m := range []migrated{before, after} {
		for i := range m.Groups.LogGroups {
			m.Groups.LogGroups[i].StoredBytes = nil
		}
	}
	if a, b := jsonOf(before), jsonOf(after); a != b {
		t.Errorf("after the restart:\n got %s\nwant %s", b, a)
	}
	env2.Flush(t, "")
	if objs := objects(t, env2, "deliveries"); len(objs) != 1 {
		t.Fatalf("%d objects after the restart: %+v", len(objs), objs)
	}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
