package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// partitionDest is an S3 destination partitioned by the keys a Lambda
// function returns.
func partitionDest(fn, prefix string) *types.ExtendedS3DestinationConfiguration {
	d := s3Dest()
	d.Prefix = aws.String(prefix)
	d.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	d.BufferingHints = hints(64, 60)
	d.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
	d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeLambda,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fn)},
			{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
			{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("0")},
		}}}}
	return d
}

func pythonPartitioner(t *testing.T, env *emulatortest.Env) string {
	createFunction(t, env, "partitioner", "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": "testdata/pypartition/app.py"}), nil)
	return fnARNPrefix + "partitioner"
}

// Records go to one object per partition, under the Prefix evaluated with
// the keys the (real, Python) function returned; a record whose key is
// missing goes to the error output as AWS writes it.
func TestPartitionByLambdaKeys(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	fn := pythonPartitioner(t, env)
	createStream(t, env.Firehose, "p", partitionDest(fn, "customer=!{partitionKeyFromLambda:customer}/year=!{partitionKeyFromLambda:year}/"))
	putBatch(t, env.Firehose, "p",
		[]byte(`{"customer":"a","year":2024,"n":1}`), []byte(`{"customer":"b","year":2024,"n":2}`),
		[]byte(`{"customer":"a","year":2025,"n":3}`), []byte(`{"year":2024,"n":4}`), []byte(`{"customer":"a","year":2024,"n":5}`))
	waitDelivered(t, env)
	// The console lists the partitions with their buffers.
	resp, err := http.Get(env.URL + "/_local/ui/streams")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"3 active partitions, 3 buffering", "<code>customer=a year=2024</code> 68 B in 2 records, fires in 1m0s", "<code>customer=b year=2024</code>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the console's streams page lacks %q:\n%s", want, page)
		}
	}
	env.Flush(t, "p")
	// The S3 browser shows the partitions as folders.
	if resp, err = http.Get(env.URL + "/_local/ui/s3?bucket=deliveries&prefix=customer%3Da%2F"); err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "year=2024/") || !strings.Contains(string(page), "year=2025/") {
		t.Errorf("the S3 browser does not show the partition folders under customer=a/:\n%s", page)
	}
	objs := objects(t, env, "deliveries")
	got := map[string]string{}
	var errs []errorDoc
	for _, o := range objs {
		if strings.HasPrefix(o.key, "errors/") {
			if !regexp.MustCompile(`^errors/metadata-extraction-failed/p-1-2026-11-25-10-30-15-` + uuidRE + `$`).MatchString(o.key) {
				t.Errorf("error object key %q", o.key)
			}
			_, e, _ := split(t, []object{o})
			errs = append(errs, e...)
			continue
		}
		m := regexp.MustCompile(`^(customer=[^/]+/year=\d+/)p-1-2026-11-25-10-30-15-` + uuidRE + `$`).FindStringSubmatch(o.key)
		if m == nil {
			t.Fatalf("object key %q", o.key)
		}
		got[m[1]] += string(o.body)
	}
	want := map[string]string{
		"customer=a/year=2024/": `{"customer":"a","year":2024,"n":1}{"customer":"a","year":2024,"n":5}`,
		"customer=b/year=2024/": `{"customer":"b","year":2024,"n":2}`,
		"customer=a/year=2025/": `{"customer":"a","year":2025,"n":3}`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(objs) != 4 {
		t.Fatalf("partitions = %q (%d objects), want %q", got, len(objs), want)
	}
	if len(errs) != 1 || rawOf(t, errs[0]) != `{"year":2024,"n":4}` || errs[0].ErrorCode != "DynamicPartitioning.MetadataExtractionFailed" ||
		errs[0].ArrivalTimestamp != t0.UnixMilli() || errs[0].AttemptsMade != 1 {
		t.Fatalf("error documents = %+v", errs)
	}
}

// Each partition has its own buffer, cut by its own interval.
func TestPartitionsFlushOnTheirOwnInterval(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	fn := pythonPartitioner(t, env)
	createStream(t, env.Firehose, "p", partitionDest(fn, "!{partitionKeyFromLambda:customer}/"))
	putBatch(t, env.Firehose, "p", []byte(`{"customer":"a"}`))
	waitDelivered(t, env) // processed: the record waits in partition a's buffer
	clock.Advance(30 * time.Second)
	putBatch(t, env.Firehose, "p", []byte(`{"customer":"b"}`), []byte(`{"customer":"a"}`))
	waitDelivered(t, env)
	clock.Advance(30 * time.Second) // a's interval is over, b's is not
	waitDelivered(t, env)
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 || !strings.HasPrefix(objs[0].key, "a/") || string(objs[0].body) != `{"customer":"a"}{"customer":"a"}` {
		t.Fatalf("after 60 s: %d objects, first %q", len(objs), objs)
	}
	clock.Advance(30 * time.Second)
	waitDelivered(t, env)
	objs = objects(t, env, "deliveries")
	if len(objs) != 2 || !strings.HasPrefix(objs[1].key, "b/p-1-2026-11-25-10-30-45-") || string(objs[1].body) != `{"customer":"b"}` {
		t.Fatalf("after 90 s: %+v", objs)
	}
}

// Past 500 active partitions, records go to the error output as
// activePartitionExceeded, and PartitionCountExceeded says so.
func TestActivePartitionLimit(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	fn := pythonPartitioner(t, env)
	createStream(t, env.Firehose, "p", partitionDest(fn, "!{partitionKeyFromLambda:customer}/"))
	var recs [][]byte
	for i := range 501 {
		recs = append(recs, fmt.Appendf(nil, `{"customer":"c%03d"}`, i))
	}
	recs = append(recs, []byte(`{"customer":"c000","again":true}`))
	for i := 0; i < len(recs); i += 250 {
		putBatch(t, env.Firehose, "p", recs[i:min(i+250, len(recs))]...)
	}
	waitDelivered(t, env)
	if n, e := partitionMetrics(t, env); n != 500 || e != 1 {
		t.Fatalf("PartitionCount %v, PartitionCountExceeded %v; want 500, 1", n, e)
	}
	env.Flush(t, "p")
	data, errs, errKeys := split(t, objects(t, env, "deliveries"))
	if len(errs) != 1 || rawOf(t, errs[0]) != `{"customer":"c500"}` || errs[0].ErrorCode != "DynamicPartitioning.ActivePartitionsLimitExceeded" ||
		!strings.HasPrefix(errKeys[0], "errors/activePartitionExceeded/") {
		t.Fatalf("error documents %+v at %q", errs, errKeys)
	}
	if n := strings.Count(data, "customer"); n != 501 {
		t.Fatalf("%d records delivered, want 501", n)
	}
	if n, e := partitionMetrics(t, env); n != 0 || e != 0 {
		t.Fatalf("after delivery: PartitionCount %v, PartitionCountExceeded %v; want 0, 0", n, e)
	}
}

func partitionMetrics(t *testing.T, env *emulatortest.Env) (count, exceeded float64) {
	t.Helper()
	f := scrape(t, env)
	labels := map[string]string{"delivery_stream": "p", "region": "us-east-1"}
	count, ok1 := value(f, "firehose_partition_count", labels)
	exceeded, ok2 := value(f, "firehose_partition_count_exceeded", labels)
	if !ok1 || !ok2 {
		t.Fatal("partition metrics missing")
	}
	return count, exceeded
}

// Dynamic partitioning's create and update rules, with AWS's messages.
func TestDynamicPartitioningValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const fn = fnARNPrefix + "f"
	lambdaKeys := "!{partitionKeyFromLambda:k}/"
	with := func(f func(d *types.ExtendedS3DestinationConfiguration)) *types.ExtendedS3DestinationConfiguration {
		d := partitionDest(fn, lambdaKeys)
		f(d)
		return d
	}
	lead := "Ths supplied prefix(es) do not satisfy the following constraint: "
	cases := []struct {
		name string
		dest *types.ExtendedS3DestinationConfiguration
		msg  string
	}{
		{"small buffer", with(func(d *types.ExtendedS3DestinationConfiguration) { d.BufferingHints = hints(5, 60) }),
			"BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled."},
		{"default buffer", with(func(d *types.ExtendedS3DestinationConfiguration) { d.BufferingHints = nil }),
			"BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled."},
		{"short interval", with(func(d *types.ExtendedS3DestinationConfiguration) { d.BufferingHints = hints(64, 0) }),
			"BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled."},
		{"no keys in prefix", with(func(d *types.ExtendedS3DestinationConfiguration) { d.Prefix = aws.String("data/!{timestamp:yyyy}/") }),
			lead + "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled"},
		{"no error prefix", with(func(d *types.ExtendedS3DestinationConfiguration) { d.ErrorOutputPrefix = nil }),
			lead + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"},
		{"keys in error prefix", with(func(d *types.ExtendedS3DestinationConfiguration) {
			d.ErrorOutputPrefix = aws.String("e/!{firehose:error-output-type}/!{partitionKeyFromLambda:k}/")
		}), lead + "Dynamic Partitioning Namespaces can't be part of an error prefix expression"},
		{"keys without partitioning", with(func(d *types.ExtendedS3DestinationConfiguration) { d.DynamicPartitioningConfiguration = nil }),
			lead + "Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled."},
		{"lambda keys without a lambda", with(func(d *types.ExtendedS3DestinationConfiguration) { d.ProcessingConfiguration = nil }),
			"Prefix contains !{partitionKeyFromLambda:k} but ProcessingConfiguration has no Lambda processor to return it."},
		{"error type in prefix", with(func(d *types.ExtendedS3DestinationConfiguration) {
			d.Prefix = aws.String("!{partitionKeyFromLambda:k}/!{firehose:error-output-type}/")
		}), lead + "Prefix must not contain any occurrence of !{firehose:error-output-type}"},
		{"error prefix without error type", with(func(d *types.ExtendedS3DestinationConfiguration) {
			d.ErrorOutputPrefix = aws.String("e/!{timestamp:yyyy}/")
		}),
			lead + "ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}"},
		{"backup without configuration", with(func(d *types.ExtendedS3DestinationConfiguration) { d.S3BackupMode = types.S3BackupModeEnabled }),
			"S3BackupConfiguration is required when S3BackupMode is Enabled."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("v"), ExtendedS3DestinationConfiguration: c.dest})
			wantAPIError(t, err, "InvalidArgumentException", c.msg)
		})
	}
	_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("v"),
		ExtendedS3DestinationConfiguration: with(func(d *types.ExtendedS3DestinationConfiguration) {
			d.DynamicPartitioningConfiguration.RetryOptions = &types.RetryOptions{DurationInSeconds: aws.Int32(7201)}
		})})
	wantAPIError(t, err, "ValidationException", "Member must have value less than or equal to 7200")

	// Describe echoes the configuration, RetryOptions' default filled in.
	createStream(t, env.Firehose, "dp", partitionDest(fn, lambdaKeys))
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("dp")})
	if err != nil {
		t.Fatal(err)
	}
	dpc := out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.DynamicPartitioningConfiguration
	if dpc == nil || !aws.ToBool(dpc.Enabled) || dpc.RetryOptions == nil || aws.ToInt32(dpc.RetryOptions.DurationInSeconds) != 300 {
		t.Fatalf("DynamicPartitioningConfiguration = %+v", dpc)
	}
	// Once on, never off; and never turned on by an update.
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("dp"),
		CurrentDeliveryStreamVersionId: aws.String("1"), DestinationId: aws.String("destinationId-000000000001"),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(false)}}})
	wantAPIError(t, err, "InvalidArgumentException", "Dynamic Partitioning cannot be disabled once it is enabled.")
	// Keys and prefixes may change.
	_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("dp"),
		CurrentDeliveryStreamVersionId: aws.String("1"), DestinationId: aws.String("destinationId-000000000001"),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{Prefix: aws.String("v2/!{partitionKeyFromLambda:k}/")}})
	if err != nil {
		t.Fatalf("changing the prefix: %v", err)
	}
}

// gunzip decompresses b with the gzip program, a reader we did not write.
func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	cmd := exec.Command(testtool.LookPath(t, "gzip", "apt-get install gzip"), "-dc")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gzip -dc: %v", err)
	}
	return string(out)
}

// With S3BackupMode Enabled the source records, untransformed, go to the
// backup with its own prefix, buffering and compression; the backup cannot
// be turned off.
func TestS3BackupOfSourceRecords(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "upper", nil)
	d := transformDest(fnARNPrefix+"upper", "0")
	d.BufferingHints = hints(1, 60)
	d.S3BackupMode = types.S3BackupModeEnabled
	d.S3BackupConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
		Prefix: aws.String("source/"), CompressionFormat: types.CompressionFormatGzip, BufferingHints: hints(1, 300)}
	createStream(t, env.Firehose, "b", d)
	putBatch(t, env.Firehose, "b", []byte("a\n"), []byte("fail me\n"), []byte("b\n"))
	clock.Advance(60 * time.Second) // the transform's buffer, then the destination's
	waitDelivered(t, env)
	clock.Advance(60 * time.Second)
	waitDelivered(t, env)
	var backup []object
	data, errs, _ := split(t, objects(t, env, "deliveries"))
	for _, o := range objects(t, env, "deliveries") {
		if strings.HasPrefix(o.key, "source") {
			backup = append(backup, o)
		}
	}
	if data != "A\nB\n" || len(errs) != 1 || len(backup) != 0 {
		t.Fatalf("after 120 s: data %q, %d error documents, %d backup objects (the backup waits 300 s)", data, len(errs), len(backup))
	}
	clock.Advance(180 * time.Second)
	waitDelivered(t, env)
	for _, o := range objects(t, env, "deliveries") {
		if strings.HasPrefix(o.key, "source") {
			backup = append(backup, o)
		}
	}
	if len(backup) != 1 || !regexp.MustCompile(`^source/2026/11/25/10/b-1-2026-11-25-10-30-15-`+uuidRE+`\.gz$`).MatchString(backup[0].key) ||
		backup[0].enc != "gzip" || gunzip(t, backup[0].body) != "a\nfail me\nb\n" {
		t.Fatalf("backup objects %+v", backup)
	}
	if n, _ := value(scrape(t, env), "firehose_backup_to_s3_records_total", map[string]string{"delivery_stream": "b", "region": "us-east-1"}); n != 3 {
		t.Fatalf("firehose_backup_to_s3_records_total = %v, want 3", n)
	}
	ctx := context.Background()
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	x := out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	if x.S3BackupMode != types.S3BackupModeEnabled || x.S3BackupDescription == nil || aws.ToString(x.S3BackupDescription.Prefix) != "source/" ||
		x.S3BackupDescription.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("backup description %+v", x.S3BackupDescription)
	}
	update := func(u *types.ExtendedS3DestinationUpdate) error {
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("b")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{DeliveryStreamName: aws.String("b"),
			CurrentDeliveryStreamVersionId: out.DeliveryStreamDescription.VersionId, DestinationId: aws.String("destinationId-000000000001"),
			ExtendedS3DestinationUpdate: u})
		return err
	}
	wantAPIError(t, update(&types.ExtendedS3DestinationUpdate{S3BackupMode: types.S3BackupModeDisabled}),
		"InvalidArgumentException", "S3BackupMode cannot be changed from Enabled to Disabled.")
	if err := update(&types.ExtendedS3DestinationUpdate{S3BackupUpdate: &types.S3DestinationUpdate{Prefix: aws.String("source-v2/")}}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("b")})
	x = out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	if aws.ToString(x.S3BackupDescription.Prefix) != "source-v2/" || x.S3BackupDescription.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("S3BackupUpdate did not merge: %+v", x.S3BackupDescription)
	}
}

// failingDataStore refuses every object but error output, which it keeps.
type failingDataStore struct {
	mu   sync.Mutex
	errs []object
}

func (s *failingDataStore) PutObject(_ context.Context, _, key string, body []byte, _ emulator.ObjectMeta) error {
	if !strings.HasPrefix(key, "errors/") {
		return errors.New("the disk is on fire")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, object{key: key, body: body})
	return nil
}

// A partition's object S3 does not take within RetryOptions goes to the
// error output, record by record.
func TestPartitionRetryOptions(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	store := &failingDataStore{}
	env := newEnv(t, emulator.Config{Clock: clock, Store: store})
	d := jqDest("k=!{partitionKeyFromQuery:k}/", metadataExtraction("{k:.k}"))
	d.DynamicPartitioningConfiguration.RetryOptions = &types.RetryOptions{DurationInSeconds: aws.Int32(60)}
	createStream(t, env.Firehose, "r", d)
	putBatch(t, env.Firehose, "r", []byte(`{"k":"a","n":1}`), []byte(`{"k":"a","n":2}`))
	if res, _ := env.Server.Flush(ctxFor(t, time.Second), "r", ""); len(res) != 1 || !strings.Contains(res[0].Error, "the disk is on fire") {
		t.Fatalf("flush while S3 fails: %+v", res)
	}
	store.mu.Lock()
	n := len(store.errs)
	store.mu.Unlock()
	if n != 0 {
		t.Fatalf("error output written before RetryOptions ran out: %d objects", n)
	}
	clock.Advance(61 * time.Second)
	env.Flush(t, "r") // the retry after the window sends the records on
	store.mu.Lock()
	defer store.mu.Unlock()
	_, errs, keys := split(t, store.errs)
	if len(errs) != 2 || rawOf(t, errs[0]) != `{"k":"a","n":1}` || errs[0].ErrorCode != "S3.InternalError" ||
		!strings.HasPrefix(keys[0], "errors/partition-delivery-failed/r-1-") {
		t.Fatalf("error output %+v at %q", errs, keys)
	}
}
