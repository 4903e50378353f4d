package integration_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gtypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/emulator/setup"
	"github.com/firehose-local/firehose-local/internal/leakcheck"
)

// childProcesses lists the live processes whose parent is this test
// binary: the functions' runtimes.
func childProcesses(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(dirs) == 0 {
		if goruntime.GOOS == "linux" {
			t.Fatal("no /proc/*/stat on Linux: cannot count the functions' processes")
		}
		t.Skip("no /proc: cannot count processes")
	}
	me := strconv.Itoa(os.Getpid())
	var out []string
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			out = append(out, s[:i+1])
		}
	}
	return out
}

// resetDoc is the init file of the reset tests: a bucket and a stream.
const resetDoc = `{"buckets":[{"Bucket":"landing"}],"logGroups":[{"logGroupName":"/init/group"}],
	"deliveryStreams":[{"DeliveryStreamName":"orders","ExtendedS3DestinationConfiguration":{"RoleARN":"` + roleARN + `","BucketARN":"arn:aws:s3:::landing"}}]}`

func regional(env *emulatortest.Env, region string) aws.Config {
	cfg := env.AWS.Copy()
	cfg.Region = region
	return cfg
}

// Reset deletes every resource of every kind, in every region, stops the
// functions' processes, drops what streams buffered, and applies the init
// file again.
func TestResetClearsEverythingAndReappliesInit(t *testing.T) {
	spec, err := setup.Load(resetDoc)
	if err != nil {
		t.Fatal(err)
	}
	env := emulatortest.New(t, emulator.Config{Init: spec})
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	// Resources of every kind, in two regions.
	for _, b := range []string{"deliveries", "extra"} {
		if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"landing", "extra"} {
		if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	pythonTransform(t, env, "upper", nil)
	createStream(t, env.Firehose, "buffered", transformDest(fnARNPrefix+"upper", "0"))
	putBatch(t, env.Firehose, "buffered", []byte("never delivered\n"))
	if _, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upper"), Payload: []byte(`{"records":[]}`)}); err != nil {
		t.Fatal(err)
	}
	if len(childProcesses(t)) == 0 {
		t.Fatal("no function process runs after an invocation")
	}
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("extra"), DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		cfg := regional(env, region)
		ks := kinesis.NewFromConfig(cfg)
		if _, err := ks.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("events"), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
		d, err := ks.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("events")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ks.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: d.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String("c")}); err != nil {
			t.Fatal(err)
		}
		gl := glue.NewFromConfig(cfg)
		if _, err := gl.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gtypes.DatabaseInput{Name: aws.String("db")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := gl.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: &gtypes.TableInput{Name: aws.String("t")}}); err != nil {
			t.Fatal(err)
		}
		createStream(t, firehose.NewFromConfig(cfg), "extra-stream", s3Dest())
	}
	eu := regional(env, "eu-west-1")
	if _, err := lambda.NewFromConfig(eu).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("eu-fn"), Runtime: "python3.12", Handler: aws.String("app.handler"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &ltypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": "testdata/pytransform/app.py"})}}); err != nil {
		t.Fatal(err)
	}
	// A demo run from the console, sending until it is stopped.
	demoForm := func(action string) string {
		t.Helper()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, err := http.NewRequest(http.MethodPost, env.URL+"/_local/ui/demo/"+action, strings.NewReader(url.Values{"stream": {"us-east-1/orders"}, "rate": {"100"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", env.URL) // as the console's own page sends it
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Location")
	}
	if loc := demoForm("start"); !strings.Contains(loc, "msg=Sending") {
		t.Fatalf("demo start: %s", loc)
	}

	env.Reset(t)

	// The demo run was stopped (its stream "orders" is back from the init
	// file: a run still going would fill it).
	if loc := demoForm("stop"); !strings.Contains(loc, "No+demo+run") && !strings.Contains(loc, "No%20demo%20run") {
		t.Errorf("a demo run outlived the reset: stop answered %s", loc)
	}
	// What the init file declares is back, empty; nothing else exists.
	buckets, err := env.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "landing" {
		t.Errorf("buckets after reset: %+v %v", buckets, err)
	}
	if got := bucketText(t, env.S3, "landing"); got != "" {
		t.Errorf("landing holds %q after reset", got)
	}
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "/init/group" {
		var names []string
		for _, g := range groups.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
		t.Errorf("log groups after reset: %v %v", names, err)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		cfg := regional(env, region)
		want := map[string][]string{"us-east-1": {"orders"}, "eu-west-1": nil}[region]
		names, err := firehose.NewFromConfig(cfg).ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
		if err != nil || fmt.Sprint(names.DeliveryStreamNames) != fmt.Sprint(want) {
			t.Errorf("%s: delivery streams after reset: %v %v, want %v", region, names.DeliveryStreamNames, err, want)
		}
		fns, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
		if err != nil || len(fns.Functions) != 0 {
			t.Errorf("%s: functions after reset: %+v %v", region, fns, err)
		}
		ks, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
		if err != nil || len(ks.StreamNames) != 0 {
			t.Errorf("%s: data streams after reset: %v %v", region, ks.StreamNames, err)
		}
		dbs, err := glue.NewFromConfig(cfg).GetDatabases(ctx, &glue.GetDatabasesInput{})
		if err != nil || len(dbs.DatabaseList) != 0 {
			t.Errorf("%s: Glue databases after reset: %+v %v", region, dbs, err)
		}
	}
	if procs := childProcesses(t); len(procs) != 0 {
		t.Errorf("function processes outlived the reset: %v", procs)
	}
	// The stream's buffered record was dropped: a stream and bucket of the
	// same names deliver only what comes after.
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, env.Firehose, "buffered", s3Dest())
	putBatch(t, env.Firehose, "buffered", []byte("after\n"))
	env.Flush(t, "")
	if got := bucketText(t, env.S3, "deliveries"); got != "after\n" {
		t.Errorf("deliveries after reset: %q", got)
	}
}

// ?keep=functions keeps the functions registered through the API and their
// warm processes; a plain reset deletes them and registers the
// Config.Functions (--function) ones again.
func TestResetKeepFunctions(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{Functions: []emulator.LocalFunction{{Name: "local", Dir: copyTransform(t), Runtime: "python3.12", Handler: "app.handler"}}})
	ctx := context.Background()
	pythonTransform(t, env, "upper", nil)
	invoke := func(name string) error {
		out, err := env.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"records":[]}`)})
		if err == nil && out.FunctionError != nil {
			err = errors.New(aws.ToString(out.FunctionError))
		}
		return err
	}
	for _, fn := range []string{"upper", "local"} {
		if err := invoke(fn); err != nil {
			t.Fatalf("invoke %s: %v", fn, err)
		}
	}
	warm := childProcesses(t)
	env.Reset(t, "functions")
	for _, fn := range []string{"upper", "local"} {
		if err := invoke(fn); err != nil {
			t.Errorf("invoke %s after reset?keep=functions: %v", fn, err)
		}
	}
	if got := childProcesses(t); fmt.Sprint(got) != fmt.Sprint(warm) {
		t.Errorf("warm processes %v became %v", warm, got)
	}
	env.Reset(t)
	if err := invoke("upper"); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("invoke upper after reset: %v", err)
	}
	if err := invoke("local"); err != nil {
		t.Errorf("the --function function is not registered again: %v", err)
	}
	// A bad keep is refused.
	resp, err := http.Post(env.URL+"/_local/reset?keep=buckets", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("keep=buckets: HTTP %d", resp.StatusCode)
	}
}

// Reset under load: producers put records while they are processed by a
// function and delivered, flushes deliver what was acknowledged, then a
// reset. Everything acknowledged before a flush was delivered before the
// reset; the reset leaves no goroutine and no process behind; nothing put
// before it turns up after it; the next test starts clean.
func TestResetUnderLoad(t *testing.T) {
	env := emulatortest.New(t, emulator.Config{})
	ctx := context.Background()
	// Goroutines before any stream or function exists; connections are
	// not the reset's (the clients keep theirs open).
	baseline := goleak.IgnoreCurrent()
	connections := []goleak.Option{baseline, goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop")}
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	pythonTransform(t, env, "upper", nil)
	dest := transformDest(fnARNPrefix+"upper", "0")
	dest.BufferingHints = hints(1, 60)
	createStream(t, env.Firehose, "load", dest)

	var (
		mu    sync.Mutex
		acked []string // records acknowledged, in order
		seq   atomic.Int64
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		gone  atomic.Int64 // puts refused because the stream is gone
	)
	for w := range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				recs := make([]types.Record, 20)
				ids := make([]string, len(recs))
				for i := range recs {
					ids[i] = fmt.Sprintf("w%d-%06d", w, seq.Add(1))
					recs[i] = types.Record{Data: []byte(ids[i] + "\n")}
				}
				out, err := env.Firehose.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("load"), Records: recs})
				if err != nil {
					if apiCode(err) == "ResourceNotFoundException" {
						gone.Add(1)
						time.Sleep(time.Millisecond)
						continue
					}
					t.Errorf("put: %v", err)
					return
				}
				mu.Lock()
				for i, r := range out.RequestResponses {
					if r.ErrorCode == nil {
						acked = append(acked, ids[i])
					}
				}
				mu.Unlock()
			}
		})
	}
	delivered := func() map[string]bool {
		got := map[string]bool{}
		for _, line := range strings.Split(bucketText(t, env.S3, "deliveries"), "\n") {
			if line != "" {
				got[strings.ToLower(line)] = true
			}
		}
		return got
	}
	for round := range 3 {
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= (round+1)*300 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		before := append([]string(nil), acked...)
		mu.Unlock()
		env.Flush(t, "load")
		got := delivered()
		for _, id := range before {
			if !got[id] {
				t.Fatalf("round %d: %s was acknowledged before the flush and is not delivered (%d of %d delivered)", round, id, len(got), len(before))
			}
		}
	}
	// Reset while the producers are still putting and a flush is
	// delivering what they put since the last one.
	flushed := make(chan int, 1)
	go func() {
		resp, err := http.Post(env.URL+"/_local/flush?stream=load", "", nil)
		if err != nil {
			flushed <- 0
			return
		}
		resp.Body.Close()
		flushed <- resp.StatusCode
	}()
	env.Reset(t)
	close(stop)
	wg.Wait()
	t.Logf("the flush during the reset answered %d", <-flushed)
	if procs := childProcesses(t); len(procs) != 0 {
		t.Errorf("function processes outlived the reset: %v", procs)
	}
	if err := leakcheck.Find(leakcheck.Wait, connections...); err != nil {
		t.Errorf("goroutines outlived the reset: %v", err)
	}
	// Clean: no bucket, no stream, no function; the same names start
	// empty and nothing from before the reset arrives.
	buckets, err := env.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 0 {
		t.Fatalf("buckets after reset: %+v %v", buckets, err)
	}
	names, err := env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil || len(names.DeliveryStreamNames) != 0 {
		t.Fatalf("streams after reset: %v %v", names.DeliveryStreamNames, err)
	}
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, env.Firehose, "load", s3Dest())
	putBatch(t, env.Firehose, "load", []byte("fresh\n"))
	env.Flush(t, "")
	if got := bucketText(t, env.S3, "deliveries"); got != "fresh\n" {
		t.Errorf("after reset the bucket holds %q", got)
	}
	mu.Lock()
	t.Logf("%d records acknowledged before the reset; %d puts refused after it", len(acked), gone.Load())
	mu.Unlock()
}

// The binary: `firehose-local reset` against a server with --data-dir and
// --init; the durable state is cleared, so a restart finds only what the
// init file declares.
func TestBinaryResetWithDataDir(t *testing.T) {
	dataDir := t.TempDir()
	initFile := filepath.Join(t.TempDir(), "init.json")
	if err := os.WriteFile(initFile, []byte(resetDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--data-dir", dataDir, "--init", initFile)
	env := envAt(p.url)
	ctx := context.Background()
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("extra")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, env.Firehose, "extra-stream", s3Dest())
	putBatch(t, env.Firehose, "orders", []byte("buffered, then reset\n"))
	if _, err := env.Kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("ks"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cloudwatchlogs.NewFromConfig(env.AWS).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("extra")}); err != nil {
		t.Fatal(err)
	}
	out, code := runBinary(t, "reset", "--endpoint", p.url)
	if code != 0 || !strings.Contains(out, `"reset":true`) {
		t.Fatalf("firehose-local reset: exit %d: %s", code, out)
	}
	if code := p.stop(t, 15); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr.String())
	}

	p = startBinary(t, nil, "--data-dir", dataDir, "--init", initFile)
	defer p.stop(t, 15)
	env = envAt(p.url)
	buckets, err := env.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "landing" {
		t.Errorf("buckets after reset and restart: %+v %v", buckets, err)
	}
	if got := bucketText(t, env.S3, "landing"); got != "" {
		t.Errorf("landing holds %q", got)
	}
	names, err := env.Firehose.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil || fmt.Sprint(names.DeliveryStreamNames) != "[orders]" {
		t.Errorf("streams after reset and restart: %v %v", names.DeliveryStreamNames, err)
	}
	ks, err := env.Kinesis.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil || len(ks.StreamNames) != 0 {
		t.Errorf("data streams after reset and restart: %v %v", ks.StreamNames, err)
	}
	groups, err := cloudwatchlogs.NewFromConfig(env.AWS).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 {
		t.Errorf("log groups after reset and restart: %d %v", len(groups.LogGroups), err)
	}
	// The record the reset dropped is not replayed from the write-ahead log.
	env.Flush(t, "")
	if got := bucketText(t, env.S3, "landing"); got != "" {
		t.Errorf("landing holds %q after a flush: the dropped record came back", got)
	}
}

// With --auth sigv4 the init file's calls and the reset's are signed by
// the server itself; an unsigned reset is refused.
func TestInitAndResetWithAuth(t *testing.T) {
	spec, err := setup.Load(resetDoc)
	if err != nil {
		t.Fatal(err)
	}
	env := emulatortest.New(t, emulator.Config{Init: spec, Auth: &emulator.AuthConfig{Credentials: map[string]string{"AKIDEXAMPLE": "secret"}}})
	ctx := context.Background()
	if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("extra")}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(env.URL+"/_local/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned reset: HTTP %d", resp.StatusCode)
	}
	env.Reset(t)
	buckets, err := env.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "landing" {
		t.Errorf("buckets after reset: %+v %v", buckets, err)
	}
	if _, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); err != nil {
		t.Errorf("the init file's stream after reset: %v", err)
	}
}
