package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/emulator/setup"
)

// initDoc is an init file with one entry or more of every kind, as the AWS
// CLI's --cli-input-json takes them: a function from a zip (ZipFile,
// base64) and one from a directory; a stream whose Lambda processor is the
// zipped function, and one that reads the data stream.
func initDoc(t *testing.T, fnDir string) map[string]any {
	zipped := zipFiles(t, map[string]string{"app.py": "testdata/pytransform/app.py"})
	processing := map[string]any{"Enabled": true, "Processors": []any{map[string]any{
		"Type": "Lambda", "Parameters": []any{
			map[string]any{"ParameterName": "LambdaArn", "ParameterValue": fnARNPrefix + "upper"},
		}}}}
	return map[string]any{
		// Declared before what they refer to: the kinds are created in
		// dependency order all the same.
		"deliveryStreams": []any{
			map[string]any{"DeliveryStreamName": "orders", "DeliveryStreamType": "DirectPut",
				"ExtendedS3DestinationConfiguration": map[string]any{"RoleARN": roleARN, "BucketARN": "arn:aws:s3:::landing",
					"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 60}, "ProcessingConfiguration": processing}},
			map[string]any{"DeliveryStreamName": "from-events", "DeliveryStreamType": "KinesisStreamAsSource",
				"KinesisStreamSourceConfiguration":   map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/events", "RoleARN": roleARN},
				"ExtendedS3DestinationConfiguration": map[string]any{"RoleARN": roleARN, "BucketARN": "arn:aws:s3:::landing"}},
		},
		"glueTables": []any{map[string]any{"DatabaseName": "analytics", "TableInput": map[string]any{"Name": "orders",
			"StorageDescriptor": map[string]any{"Columns": []any{map[string]any{"Name": "id", "Type": "string"}}}}}},
		"glueDatabases":  []any{map[string]any{"DatabaseInput": map[string]any{"Name": "analytics"}}},
		"kinesisStreams": []any{map[string]any{"StreamName": "events", "ShardCount": 1}},
		"functions": []any{
			map[string]any{"FunctionName": "upper", "Runtime": "python3.12", "Handler": "app.handler",
				"Role": "arn:aws:iam::000000000000:role/lambda", "Timeout": 10, "Code": map[string]any{"ZipFile": base64.StdEncoding.EncodeToString(zipped)}},
			map[string]any{"Name": "upper-dir", "Dir": fnDir, "Runtime": "python3.12", "Handler": "app.handler"},
		},
		"logGroups": []any{map[string]any{"logGroupName": "/aws/kinesisfirehose/orders", "tags": map[string]any{"team": "data"}}},
		"buckets":   []any{map[string]any{"Bucket": "landing"}, map[string]any{"Bucket": "eu-bucket", "CreateBucketConfiguration": map[string]any{"LocationConstraint": "eu-west-1"}}},
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadInit(t *testing.T, source string) *setup.Spec {
	t.Helper()
	spec, err := setup.Load(source)
	if err != nil {
		t.Fatalf("setup.Load: %v", err)
	}
	return spec
}

// checkInitResources checks, through the SDK, that everything initDoc
// declares exists, and that a record goes through the zipped function
// into the bucket.
func checkInitResources(t *testing.T, env *emulatortest.Env) {
	t.Helper()
	ctx := context.Background()
	for _, b := range []string{"landing", "eu-bucket"} {
		if _, err := env.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Errorf("bucket %s: %v", b, err)
		}
	}
	for _, f := range []string{"upper", "upper-dir"} {
		if _, err := env.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(f)}); err != nil {
			t.Errorf("function %s: %v", f, err)
		}
	}
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "/aws/kinesisfirehose/orders" {
		t.Errorf("log groups: %+v %v", groups, err)
	}
	if ds, err := env.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("events")}); err != nil || aws.ToInt32(ds.StreamDescriptionSummary.OpenShardCount) != 1 {
		t.Errorf("data stream events: %+v %v", ds, err)
	}
	if tb, err := env.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("analytics"), Name: aws.String("orders")}); err != nil || len(tb.Table.StorageDescriptor.Columns) != 1 {
		t.Errorf("glue table analytics.orders: %+v %v", tb, err)
	}
	for _, s := range []string{"orders", "from-events"} {
		if _, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(s)}); err != nil {
			t.Errorf("delivery stream %s: %v", s, err)
		}
	}
	putBatch(t, env.Firehose, "orders", []byte("hello\n"))
	env.Flush(t, "orders")
	if got := bucketText(t, env.S3, "landing"); got != "HELLO\n" {
		t.Errorf("landing holds %q, want the transformed record", got)
	}
}

// bucketText is every object of bucket, concatenated in key order.
func bucketText(t *testing.T, c *s3.Client, bucket string) string {
	t.Helper()
	ctx := context.Background()
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list %s: %v", bucket, err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	sort.Strings(keys)
	var all bytes.Buffer
	for _, k := range keys {
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = all.ReadFrom(get.Body)
		get.Body.Close()
	}
	return all.String()
}

func TestInitFileCreatesEveryKind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "init.json")
	writeJSON(t, path, initDoc(t, copyTransform(t)))
	env := emulatortest.New(t, emulator.Config{Init: loadInit(t, path)})
	checkInitResources(t, env)
	// A reset brings every kind back, the bucket empty again (with a
	// KinesisStreamAsSource stream reading its data stream meanwhile).
	if _, err := env.Kinesis.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String("events"), PartitionKey: aws.String("p"), Data: []byte("k\n")}); err != nil {
		t.Fatal(err)
	}
	env.Reset(t)
	checkInitResources(t, env)
}

// The directory form: every *.json file in name order, other files
// ignored; a relative Dir is relative to its file.
func TestInitDirectory(t *testing.T) {
	dir := t.TempDir()
	doc := initDoc(t, "fn")
	if err := os.Mkdir(filepath.Join(dir, "fn"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/pytransform/app.py")
	if err := os.WriteFile(filepath.Join(dir, "fn", "app.py"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The streams' file sorts first; they are created last all the same.
	writeJSON(t, filepath.Join(dir, "00-streams.json"), map[string]any{"deliveryStreams": doc["deliveryStreams"]})
	delete(doc, "deliveryStreams")
	writeJSON(t, filepath.Join(dir, "10-rest.json"), doc)
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not JSON"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := loadInit(t, dir)
	if len(spec.Files) != 2 {
		t.Fatalf("files: %v", spec.Files)
	}
	env := emulatortest.New(t, emulator.Config{Init: spec})
	checkInitResources(t, env)
}

// A bad entry stops the start, with a message naming the file, the list,
// the index, the resource and the API's own error.
func TestInitBadEntries(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"invalid stream", `{"buckets":[{"Bucket":"bkt"}],"deliveryStreams":[{"DeliveryStreamName":"ok","S3DestinationConfiguration":{"RoleARN":"` + roleARN + `","BucketARN":"arn:aws:s3:::bkt"}},
			{"DeliveryStreamName":"bad","ExtendedS3DestinationConfiguration":{"RoleARN":"` + roleARN + `","BucketARN":"arn:aws:s3:::bkt","BufferingHints":{"SizeInMBs":0}}}]}`,
			[]string{"deliveryStreams[1] (bad)", "ValidationException", "sizeInMBs"}},
		{"table without its database", `{"glueTables":[{"DatabaseName":"nope","TableInput":{"Name":"t"}}]}`,
			[]string{"glueTables[0] (t)", "EntityNotFoundException"}},
		{"bad bucket name", `{"buckets":[{"Bucket":"Not_A_Bucket"}]}`, []string{"buckets[0] (Not_A_Bucket)", "InvalidBucketName"}},
		{"unknown bucket member", `{"buckets":[{"Bucket":"b","Bogus":1}]}`, []string{"buckets[0] (b)", "Bogus"}},
		{"duplicate log group", `{"logGroups":[{"logGroupName":"g"},{"logGroupName":"g"}]}`, []string{"logGroups[1] (g)", "ResourceAlreadyExistsException"}},
		{"function without code", `{"functions":[{"FunctionName":"f","Runtime":"python3.12","Handler":"a.b","Role":"arn:aws:iam::000000000000:role/r"}]}`,
			[]string{"functions[0] (f)", "ValidationException", "'code'"}},
		{"function directory missing", `{"functions":[{"Name":"f","Dir":"/does/not/exist","Runtime":"python3.12","Handler":"a.b"}]}`,
			[]string{"functions[0] (f)", "/does/not/exist"}},
		{"stream of a missing data stream", `{"deliveryStreams":[{"DeliveryStreamName":"k","DeliveryStreamType":"KinesisStreamAsSource",
			"KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/none","RoleARN":"` + roleARN + `"},
			"ExtendedS3DestinationConfiguration":{"RoleARN":"` + roleARN + `","BucketARN":"arn:aws:s3:::b"}}]}`,
			[]string{"deliveryStreams[0] (k)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "init.json")
			if err := os.WriteFile(path, []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			srv, err := emulator.New(emulator.Config{Init: loadInit(t, path)})
			if err == nil {
				_ = srv.Close(context.Background())
				t.Fatal("the server started")
			}
			msg := err.Error()
			for _, w := range append([]string{path + ": "}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
		})
	}
	// Files that are no init file at all are refused when loaded.
	for doc, want := range map[string]string{
		`{"streams":[]}`:        `unknown list "streams"`,
		`{"buckets":{}}`:        "buckets: want a list of objects",
		`{"buckets":["b"]}`:     "buckets[0]: want an object",
		`[1]`:                   "not a JSON object of lists",
		`{"buckets":[]} {}`:     "more than one JSON value",
		`{"logGroups":[{"x":1}`: "not a JSON object of lists",
	} {
		_, err := setup.Load(doc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s): %v, want %q", doc, err, want)
		}
	}
}

// syncBuffer is a log the server and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With --data-dir, a second start with the same init file leaves what
// exists alone (changes made since stay), and says so in the log.
func TestInitWithDataDirLeavesExistingAlone(t *testing.T) {
	dataDir := t.TempDir()
	path := filepath.Join(t.TempDir(), "init.json")
	writeJSON(t, path, initDoc(t, copyTransform(t)))
	ctx := context.Background()
	start := func() (*emulator.Server, *emulatortest.Env, *syncBuffer) {
		var log syncBuffer
		cfg := emulator.Config{DataDir: dataDir, Init: loadInit(t, path), Logger: slog.New(slog.NewTextHandler(&log, nil))}
		srv, err := emulator.New(cfg)
		if err != nil {
			t.Fatalf("start: %v\n%s", err, log.String())
		}
		addr, err := srv.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		env := &emulatortest.Env{Server: srv, URL: "http://" + addr.String(), Region: "us-east-1", AWS: emulatortest.Config("http://"+addr.String(), "us-east-1")}
		env.Firehose = firehose.NewFromConfig(env.AWS)
		env.S3 = s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true })
		env.Lambda = lambda.NewFromConfig(env.AWS)
		env.Glue = glue.NewFromConfig(env.AWS)
		env.Kinesis = kinesis.NewFromConfig(env.AWS)
		return srv, env, &log
	}
	srv, env, log := start()
	if strings.Contains(log.String(), "left alone") {
		t.Errorf("the first start left something alone:\n%s", log.String())
	}
	checkInitResources(t, env) // one object in landing
	// A change after the start: the stream's destination is updated.
	d, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("orders"),
		CurrentDeliveryStreamVersionId: d.DeliveryStreamDescription.VersionId, DestinationId: aws.String("destinationId-000000000001"),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{BufferingHints: hints(2, 60)}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}

	srv, env, log = start()
	defer func() { _ = srv.Close(ctx) }()
	for _, entry := range []string{"buckets[0] (landing)", "functions[0] (upper)", "logGroups[0]", "kinesisStreams[0] (events)",
		"glueDatabases[0] (analytics)", "glueTables[0] (orders)", "deliveryStreams[0] (orders)", "deliveryStreams[1] (from-events)"} {
		if !strings.Contains(log.String(), "init: left alone: it exists already") || !strings.Contains(log.String(), entry) {
			t.Errorf("the log does not say %s was left alone:\n%s", entry, log.String())
		}
	}
	// A directory function is not kept in the data directory (as with
	// --function): it is registered again.
	if !strings.Contains(log.String(), "created=1 existing=9") {
		t.Errorf("the log does not count what was created and left alone:\n%s", log.String())
	}
	d, err = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(d.DeliveryStreamDescription.VersionId); v != "2" {
		t.Errorf("the stream was recreated: version %s", v)
	}
	if got := bucketText(t, env.S3, "landing"); got != "HELLO\n" {
		t.Errorf("landing holds %q after the restart", got)
	}
}

// The binary: --init FILE, and FIREHOSE_LOCAL_INIT holding the JSON itself;
// health answers 200 only once everything exists; a bad file exits 1
// naming the entry.
func TestBinaryInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "init.json")
	writeJSON(t, path, initDoc(t, copyTransform(t)))
	p := startBinary(t, nil, "--init", path)
	resp, err := http.Get(p.url + "/_local/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	env := envAt(p.url)
	checkInitResources(t, env)
	if code := p.stop(t, 15); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr.String())
	}

	p = startBinary(t, []string{"FIREHOSE_LOCAL_INIT=" + `{"buckets":[{"Bucket":"from-env"}],"logGroups":[{"logGroupName":"g"}]}`})
	if _, err := envAt(p.url).S3.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("from-env")}); err != nil {
		t.Errorf("bucket from FIREHOSE_LOCAL_INIT: %v", err)
	}
	p.stop(t, 15)

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"buckets":[{"Bucket":"okay"},{"Bucket":"x"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runBinary(t, "--listen", "127.0.0.1:0", "--init", bad)
	if code != 1 || !strings.Contains(out, "buckets[1] (x)") || !strings.Contains(out, "InvalidBucketName") || !strings.Contains(out, bad) {
		t.Errorf("bad init file: exit %d:\n%s", code, out)
	}
}

// envAt is an Env's clients for a server that is not in process.
func envAt(url string) *emulatortest.Env {
	env := &emulatortest.Env{URL: url, Region: "us-east-1", AWS: emulatortest.Config(url, "us-east-1")}
	env.Firehose = firehose.NewFromConfig(env.AWS)
	env.S3 = s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	env.Lambda = lambda.NewFromConfig(env.AWS)
	env.Glue = glue.NewFromConfig(env.AWS)
	env.Kinesis = kinesis.NewFromConfig(env.AWS)
	return env
}

// runBinary runs firehose-local to its exit, with its combined output.
func runBinary(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(firehoseBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}
