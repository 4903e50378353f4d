package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// firehoseBinary builds firehose-local once per test run.
func firehoseBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "firehose-local-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "firehose-local")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// proc is a running firehose-local process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	done   chan struct{}
	code   int
}

// startBinary runs firehose-local with args on a free loopback port and
// waits for its "listening on" line.
func startBinary(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startBinaryArgs(t, env, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
}

// startBinaryArgs runs firehose-local with exactly args (no --listen: env
// or args must give a free port) and waits for its "listening on" line.
func startBinaryArgs(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(firehoseBinary(t), args...)
	// TMPDIR: what a SIGKILLed server leaves (function code dirs) goes with the test.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}, env...)
	stdout, _ := cmd.StdoutPipe()
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	select {
	case line := <-lines:
		const prefix = "firehose-local listening on "
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("first line %q", line)
		}
		p.url = strings.TrimPrefix(line, prefix)
	case <-p.done:
		t.Fatalf("exited with %d: %s", p.code, p.stderr)
	case <-time.After(20 * time.Second):
		t.Fatal("no listening line")
	}
	return p
}

func (p *proc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("did not exit after %v", sig)
	}
	return p.code
}

func TestBinaryServesAndStopsCleanly(t *testing.T) {
	dataDir := t.TempDir()
	p := startBinary(t, nil, "--data-dir", dataDir)
	resp, err := http.Get(p.url + "/_local/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()

	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, fh, "s", s3Dest())
	putBatch(t, fh, "s", []byte("flushed "), []byte("from the shell"))

	// `firehose-local flush` delivers through the running server.
	out, err := exec.Command(firehoseBinary(t), "flush", "--stream", "s", "--endpoint", p.url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"objects":1`) {
		t.Fatalf("flush command: %v %s", err, out)
	}
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("after flush: %v, %v", list, err)
	}

	// SIGTERM delivers what is still buffered, then exits 0.
	putBatch(t, fh, "s", []byte("delivered on SIGTERM"))
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM: %s", code, p.stderr)
	}

	// The objects survive a restart with the same --data-dir.
	p2 := startBinary(t, nil, "--data-dir", dataDir)
	s3c = s3.NewFromConfig(emulatortest.Config(p2.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	list, err = s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
	if err != nil || len(list.Contents) != 2 {
		t.Fatalf("after restart: %d objects, %v", len(list.Contents), err)
	}
	var bodies []string
	for _, o := range list.Contents {
		get, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(get.Body)
		bodies = append(bodies, string(b))
	}
	joined := strings.Join(bodies, "|")
	if !strings.Contains(joined, "flushed from the shell") || !strings.Contains(joined, "delivered on SIGTERM") {
		t.Fatalf("bodies = %q", bodies)
	}
	if code := p2.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("exit code %d after SIGINT", code)
	}
}

// A profile that gets its credentials some other way than static keys is
// refused at start, by name, rather than failing every delivery later.
func TestBinaryExternalS3RefusesRoleProfile(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(firehoseBinary(t), "--listen", "127.0.0.1:0", "--s3-endpoint", "http://127.0.0.1:9")
	cmd.Env = []string{"HOME=" + t.TempDir(), "AWS_CONFIG_FILE=" + config, "AWS_PROFILE=ci"}
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), `profile "ci"`) || !strings.Contains(string(out), "role_arn") {
		t.Fatalf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

func TestBinaryBadFlagExitsTwo(t *testing.T) {
	cmd := exec.Command(firehoseBinary(t), "--log-level", "chatty")
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "--log-level") {
		t.Fatalf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
	cmd = exec.Command(firehoseBinary(t))
	cmd.Env = []string{"FIREHOSE_LOCAL_LISTEN=nowhere"}
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "FIREHOSE_LOCAL_LISTEN") {
		t.Fatalf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

// --s3-endpoint sends deliveries to another S3-compatible server (here a
// second firehose-local process standing in for MinIO or AWS, checking
// every signature), signed with a profile's keys from a credentials file.
func TestBinaryExternalS3Endpoint(t *testing.T) {
	store := startBinary(t, []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret"}, "--auth", "sigv4")
	ctx := context.Background()
	storeS3 := s3.NewFromConfig(emulatortest.Config(store.url, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := storeS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other\n[store]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, []string{"AWS_SHARED_CREDENTIALS_FILE=" + creds, "AWS_PROFILE=store"}, "--s3-endpoint", store.url)
	fh := firehose.NewFromConfig(emulatortest.Config(p.url, "us-east-1"))
	dest := s3Dest()
	dest.CompressionFormat = types.CompressionFormatGzip
	createStream(t, fh, "ext", dest)
	putBatch(t, fh, "ext", []byte("to the external store"))
	resp, err := http.Post(p.url+"/_local/flush?stream=ext", "application/json", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("flush: %v %v", resp, err)
	}
	resp.Body.Close()
	list, err := storeS3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
	if err != nil || len(list.Contents) != 1 || !strings.HasSuffix(aws.ToString(list.Contents[0].Key), ".gz") {
		t.Fatalf("external store objects: %+v, %v", list, err)
	}
	head, err := storeS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("deliveries"), Key: list.Contents[0].Key})
	if err != nil || aws.ToString(head.ContentEncoding) != "gzip" {
		t.Fatalf("HeadObject: %+v, %v", head, err)
	}
}

// awsCLIAt runs the AWS CLI against the emulator at url (--endpoint-url),
// failing the test when a command fails; it returns the command's output.
func awsCLIAt(t *testing.T, url string) func(args ...string) string {
	awsCLI := testtool.LookPath(t, "aws", "apt-get install awscli")
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
}

// The AWS CLI, pointed at the emulator with --endpoint-url, works as
// against AWS (skipped when no aws CLI is installed).
func TestAWSCLI(t *testing.T) {
	p := startBinary(t, nil)
	run := awsCLIAt(t, p.url)
	run("s3api", "create-bucket", "--bucket", "deliveries")
	run("firehose", "create-delivery-stream", "--delivery-stream-name", "cli",
		"--extended-s3-destination-configuration", "RoleARN="+roleARN+",BucketARN="+bucketARN)
	var list struct{ DeliveryStreamNames []string }
	if out := run("firehose", "list-delivery-streams"); json.Unmarshal([]byte(out), &list) != nil || len(list.DeliveryStreamNames) != 1 || list.DeliveryStreamNames[0] != "cli" {
		t.Fatalf("list-delivery-streams: %s", out)
	}
	// CLI v2 reads a blob argument as base64; v1 sends its text as the bytes.
	put := []string{"firehose", "put-record", "--delivery-stream-name", "cli", "--record", "Data=aGVsbG8K"}
	want := "aGVsbG8K"
	if strings.HasPrefix(run("--version"), "aws-cli/2.") {
		put, want = append(put, "--cli-binary-format", "base64"), "hello\n"
	}
	var rec struct{ RecordId string }
	if out := run(put...); json.Unmarshal([]byte(out), &rec) != nil || rec.RecordId == "" {
		t.Fatalf("put-record: %s", out)
	}
	var desc struct {
		DeliveryStreamDescription struct{ DeliveryStreamStatus string }
	}
	if out := run("firehose", "describe-delivery-stream", "--delivery-stream-name", "cli"); json.Unmarshal([]byte(out), &desc) != nil || desc.DeliveryStreamDescription.DeliveryStreamStatus != "ACTIVE" {
		t.Fatalf("describe: %s", out)
	}
	resp, err := http.Post(p.url+"/_local/flush", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("flush: %v %v", resp, err)
	}
	resp.Body.Close()
	var objs struct{ Contents []struct{ Key string } }
	if out := run("s3api", "list-objects-v2", "--bucket", "deliveries"); json.Unmarshal([]byte(out), &objs) != nil || len(objs.Contents) != 1 || !strings.Contains(objs.Contents[0].Key, "/cli-1-") {
		t.Fatalf("list-objects-v2: %s", out)
	}
	// The CLI reads the delivered object back.
	file := filepath.Join(t.TempDir(), "object")
	run("s3", "cp", "s3://deliveries/"+objs.Contents[0].Key, file)
	if got, err := os.ReadFile(file); err != nil || string(got) != want {
		t.Fatalf("the delivered object holds %q (%v), want %q", got, err, want)
	}
}

// The AWS CLI drives Kinesis Data Streams, a delivery stream reading one,
// and the Glue Data Catalog, as against AWS.
func TestAWSCLIKinesisAndGlue(t *testing.T) {
	p := startBinary(t, nil)
	run := awsCLIAt(t, p.url)
	run("s3api", "create-bucket", "--bucket", "deliveries")
	run("kinesis", "create-stream", "--stream-name", "cli-src", "--shard-count", "2")
	var sum struct {
		StreamDescriptionSummary struct{ StreamARN, StreamStatus string }
	}
	if out := run("kinesis", "describe-stream-summary", "--stream-name", "cli-src"); json.Unmarshal([]byte(out), &sum) != nil || sum.StreamDescriptionSummary.StreamStatus != "ACTIVE" {
		t.Fatalf("describe-stream-summary: %s", out)
	}
	run("firehose", "create-delivery-stream", "--delivery-stream-name", "cli-fh", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", "KinesisStreamARN="+sum.StreamDescriptionSummary.StreamARN+",RoleARN="+roleARN,
		"--extended-s3-destination-configuration", "RoleARN="+roleARN+",BucketARN="+bucketARN+",Prefix=cli-fh/")
	// CLI v2 reads a blob argument as base64; v1 sends its text as the bytes.
	put := []string{"kinesis", "put-record", "--stream-name", "cli-src", "--partition-key", "k", "--data", "aGVsbG8K"}
	want := "aGVsbG8K"
	if strings.HasPrefix(run("--version"), "aws-cli/2.") {
		put, want = append(put, "--cli-binary-format", "base64"), "hello\n"
	}
	var rec struct{ ShardId, SequenceNumber string }
	if out := run(put...); json.Unmarshal([]byte(out), &rec) != nil || rec.SequenceNumber == "" {
		t.Fatalf("put-record: %s", out)
	}
	var it struct{ ShardIterator string }
	if out := run("kinesis", "get-shard-iterator", "--stream-name", "cli-src", "--shard-id", rec.ShardId, "--shard-iterator-type", "TRIM_HORIZON"); json.Unmarshal([]byte(out), &it) != nil || it.ShardIterator == "" {
		t.Fatalf("get-shard-iterator: %s", out)
	}
	var got struct{ Records []struct{ Data []byte } }
	if out := run("kinesis", "get-records", "--shard-iterator", it.ShardIterator); json.Unmarshal([]byte(out), &got) != nil || len(got.Records) != 1 || string(got.Records[0].Data) != want {
		t.Fatalf("get-records: %s", out)
	}
	var mon struct{ CurrentShardLevelMetrics, DesiredShardLevelMetrics []string }
	if out := run("kinesis", "enable-enhanced-monitoring", "--stream-name", "cli-src", "--shard-level-metrics", "IncomingRecords", "OutgoingBytes"); json.Unmarshal([]byte(out), &mon) != nil ||
		len(mon.CurrentShardLevelMetrics) != 0 || !slices.Equal(mon.DesiredShardLevelMetrics, []string{"IncomingRecords", "OutgoingBytes"}) {
		t.Fatalf("enable-enhanced-monitoring: %s", out)
	}
	run("kinesis", "update-stream-mode", "--stream-arn", sum.StreamDescriptionSummary.StreamARN, "--stream-mode-details", "StreamMode=ON_DEMAND")
	var limits struct{ ShardLimit, OpenShardCount, OnDemandStreamCount, OnDemandStreamCountLimit int }
	if out := run("kinesis", "describe-limits"); json.Unmarshal([]byte(out), &limits) != nil ||
		limits.ShardLimit != 20000 || limits.OpenShardCount != 2 || limits.OnDemandStreamCount != 1 || limits.OnDemandStreamCountLimit != 50 {
		t.Fatalf("describe-limits: %s", out)
	}
	var after struct {
		StreamDescriptionSummary struct {
			StreamModeDetails  struct{ StreamMode string }
			EnhancedMonitoring []struct{ ShardLevelMetrics []string }
			OpenShardCount     int
		}
	}
	if out := run("kinesis", "describe-stream-summary", "--stream-name", "cli-src"); json.Unmarshal([]byte(out), &after) != nil ||
		after.StreamDescriptionSummary.StreamModeDetails.StreamMode != "ON_DEMAND" || after.StreamDescriptionSummary.OpenShardCount != 2 ||
		len(after.StreamDescriptionSummary.EnhancedMonitoring) != 1 || len(after.StreamDescriptionSummary.EnhancedMonitoring[0].ShardLevelMetrics) != 2 {
		t.Fatalf("describe-stream-summary after update-stream-mode and enable-enhanced-monitoring: %s", out)
	}
	resp, err := http.Post(p.url+"/_local/flush", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("flush: %v %v", resp, err)
	}
	resp.Body.Close()
	var objs struct{ Contents []struct{ Key string } }
	if out := run("s3api", "list-objects-v2", "--bucket", "deliveries", "--prefix", "cli-fh/"); json.Unmarshal([]byte(out), &objs) != nil || len(objs.Contents) != 1 {
		t.Fatalf("list-objects-v2: %s", out)
	}
	file := filepath.Join(t.TempDir(), "object")
	run("s3api", "get-object", "--bucket", "deliveries", "--key", objs.Contents[0].Key, file)
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Fatalf("the delivered object holds %q, want %q", b, want)
	}

	run("glue", "create-database", "--database-input", "Name=cli_db")
	run("glue", "create-table", "--database-name", "cli_db", "--table-input", `{"Name":"t","StorageDescriptor":{"Columns":[{"Name":"a","Type":"int"}]}}`)
	var table struct {
		Table struct{ Name, DatabaseName, VersionId string }
	}
	if out := run("glue", "get-table", "--database-name", "cli_db", "--name", "t"); json.Unmarshal([]byte(out), &table) != nil ||
		table.Table.Name != "t" || table.Table.DatabaseName != "cli_db" || table.Table.VersionId != "0" {
		t.Fatalf("get-table: %s", out)
	}
}
