package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

func processor(typ types.ProcessorType, params ...string) types.Processor {
	p := types.Processor{Type: typ}
	for i := 0; i+1 < len(params); i += 2 {
		p.Parameters = append(p.Parameters, types.ProcessorParameter{ParameterName: types.ProcessorParameterName(params[i]), ParameterValue: aws.String(params[i+1])})
	}
	return p
}

func metadataExtraction(query string) types.Processor {
	return processor(types.ProcessorTypeMetadataExtraction, "MetadataExtractionQuery", query, "JsonParsingEngine", "JQ-1.6")
}

// jqDest is an S3 destination partitioned by a MetadataExtraction query,
// with the given processors (in any order: AWS applies its own).
func jqDest(prefix string, procs ...types.Processor) *types.ExtendedS3DestinationConfiguration {
	d := s3Dest()
	d.Prefix = aws.String(prefix)
	d.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	d.BufferingHints = hints(64, 60)
	d.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
	d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: procs}
	return d
}

// byPrefix groups data objects by the part of their key before the object
// name, and returns the error documents apart.
func byPrefix(t *testing.T, stream string, objs []object) (map[string]string, []errorDoc, []string) {
	t.Helper()
	name := regexp.MustCompile(`^(.*)` + regexp.QuoteMeta(stream) + `-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-` + uuidRE + `$`)
	out := map[string]string{}
	var data []object
	for _, o := range objs {
		if !strings.HasPrefix(o.key, "errors/") {
			data = append(data, o)
		}
	}
	_, errs, errKeys := split(t, objs)
	for _, o := range data {
		m := name.FindStringSubmatch(o.key)
		if m == nil {
			t.Fatalf("object key %q", o.key)
		}
		out[m[1]] += string(o.body)
	}
	return out, errs, errKeys
}

// jqKeys runs query on record with the jq program, as a reference for the
// keys MetadataExtraction finds: "k=v k=v" in key order.
func jqKeys(t *testing.T, query, record string) string {
	t.Helper()
	jq := testtool.LookPath(t, "jq", "apt-get install jq")
	cmd := exec.Command(jq, "-r", query+` | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(" ")`)
	cmd.Stdin = strings.NewReader(record)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq %s on %s: %v", query, record, err)
	}
	return strings.TrimSpace(string(out))
}

// MetadataExtraction's keys, checked against the jq program on the same
// records, make the partitions; AppendDelimiterToRecord ends each record
// with a newline; a record that is not JSON goes to the error output as
// AWS writes it.
func TestMetadataExtractionPartitions(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	const query = `{customer: .customer_id, device: .type.device, year: .event_timestamp|strftime("%Y")}`
	createStream(t, env.Firehose, "jq", jqDest(
		"customer_id=!{partitionKeyFromQuery:customer}/device=!{partitionKeyFromQuery:device}/year=!{partitionKeyFromQuery:year}/",
		processor(types.ProcessorTypeAppendDelimiterToRecord), metadataExtraction(query)))
	recs := []string{
		`{"customer_id":1234567890,"type":{"device":"mobile"},"event_timestamp":1565382909}`,
		`{"customer_id":"x/y","type":{"device":"desktop"},"event_timestamp":1700000000.5,"extra":[1,2]}`,
		`{"customer_id":1234567890,"type":{"device":"mobile"},"event_timestamp":1565382910}`,
	}
	for _, r := range recs {
		t.Logf("jq: %s", jqKeys(t, query, r))
	}
	putBatch(t, env.Firehose, "jq", []byte(recs[0]), []byte(recs[1]), []byte("not json"), []byte(recs[2]),
		[]byte(`{"customer_id":null,"type":{"device":"mobile"},"event_timestamp":0}`))
	env.Flush(t, "jq")
	got, errs, errKeys := byPrefix(t, "jq", objects(t, env, "deliveries"))
	want := map[string]string{}
	for _, r := range recs {
		keys := map[string]string{}
		for _, kv := range strings.Fields(jqKeys(t, query, r)) {
			k, v, _ := strings.Cut(kv, "=")
			keys[k] = v
		}
		want["customer_id="+keys["customer"]+"/device="+keys["device"]+"/year="+keys["year"]+"/"] += r + "\n"
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("partitions:\n%q\nwant (keys by the jq program):\n%q", got, want)
	}
	if len(errs) != 2 || !strings.HasPrefix(errKeys[0], "errors/metadata-extraction-failed/jq-1-2026-11-25-10-30-15-") {
		t.Fatalf("error documents %+v at %q", errs, errKeys)
	}
	for _, o := range objects(t, env, "deliveries") {
		if strings.HasPrefix(o.key, "errors/") && strings.Contains(string(o.body), "lambdaARN") {
			t.Fatalf("a MetadataExtraction error document names a Lambda: %s", o.body)
		}
	}
	if rawOf(t, errs[0]) != "not json" || errs[0].ErrorCode != "DynamicPartitioning.MetadataExtractionFailed" || errs[0].ErrorMessage != "Non JSON record provided" {
		t.Fatalf("error document of a non-JSON record: %+v", errs[0])
	}
	if errs[1].ErrorCode != "DynamicPartitioning.MetadataExtractionFailed" || !strings.Contains(rawOf(t, errs[1]), `"customer_id":null`) {
		t.Fatalf("error document of a null key: %+v", errs[1])
	}
	// JQProcessing.Duration counted every record the query ran on.
	f := scrape(t, env)
	var n uint64
	for _, m := range f["firehose_jq_processing_duration_seconds"].GetMetric() {
		n += m.GetHistogram().GetSampleCount()
	}
	if n != 5 {
		t.Fatalf("firehose_jq_processing_duration_seconds counted %d records, want 5", n)
	}
}

// Keys from the query and from the Lambda together: the query runs on
// what the (Python) function returned.
func TestPartitionByQueryAndLambdaKeys(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	fn := pythonPartitioner(t, env)
	d := partitionDest(fn, "c=!{partitionKeyFromLambda:customer}/d=!{partitionKeyFromQuery:device}/")
	d.ProcessingConfiguration.Processors = append(d.ProcessingConfiguration.Processors, metadataExtraction("{device:.device}"))
	createStream(t, env.Firehose, "m", d)
	putBatch(t, env.Firehose, "m", []byte(`{"customer":"a","device":"phone"}`), []byte(`{"customer":"a","device":"tv"}`), []byte(`{"customer":"b","device":"tv"}`))
	env.Flush(t, "m")
	got, errs, _ := byPrefix(t, "m", objects(t, env, "deliveries"))
	want := map[string]string{
		"c=a/d=phone/": `{"customer":"a","device":"phone"}`,
		"c=a/d=tv/":    `{"customer":"a","device":"tv"}`,
		"c=b/d=tv/":    `{"customer":"b","device":"tv"}`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(errs) != 0 {
		t.Fatalf("partitions %q (errors %+v), want %q", got, errs, want)
	}
}

// RecordDeAggregation splits JSON and delimited records into the records
// that are partitioned.
func TestRecordDeAggregation(t *testing.T) {
	for _, c := range []struct {
		name string
		proc types.Processor
		in   []string
	}{
		{"json", processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "JSON"),
			[]string{`{"k":"a","n":1}{"k":"b","n":2}` + "\n" + `{"k":"a","n":3}`, `{"k":"b","n":4}`}},
		{"delimited", processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "DELIMITED", "Delimiter", base64.StdEncoding.EncodeToString([]byte("####"))),
			[]string{`{"k":"a","n":1}####{"k":"b","n":2}####{"k":"a","n":3}####`, `{"k":"b","n":4}`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
			createStream(t, env.Firehose, "d", jqDest("k=!{partitionKeyFromQuery:k}/", metadataExtraction("{k:.k}"), c.proc,
				processor(types.ProcessorTypeAppendDelimiterToRecord)))
			var in [][]byte
			for _, r := range c.in {
				in = append(in, []byte(r))
			}
			putBatch(t, env.Firehose, "d", in...)
			env.Flush(t, "d")
			got, errs, _ := byPrefix(t, "d", objects(t, env, "deliveries"))
			want := map[string]string{
				"k=a/": `{"k":"a","n":1}` + "\n" + `{"k":"a","n":3}` + "\n",
				"k=b/": `{"k":"b","n":2}` + "\n" + `{"k":"b","n":4}` + "\n",
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || len(errs) != 0 {
				t.Fatalf("partitions %q (errors %+v), want %q", got, errs, want)
			}
		})
	}
}

// A stream that decompresses CloudWatch Logs payloads takes records only
// from CloudWatch Logs; with CloudWatchLogProcessing it writes the
// messages, one per line; with RecordDeAggregation and MetadataExtraction
// too, each JSON message lands in its partition.
func TestCloudWatchLogsProcessing(t *testing.T) {
	decompress := processor(types.ProcessorTypeDecompression, "CompressionFormat", "GZIP")
	extract := processor(types.ProcessorTypeCloudWatchLogProcessing, "DataMessageExtraction", "true")
	cases := []struct {
		name  string
		dest  *types.ExtendedS3DestinationConfiguration
		check func(t *testing.T, objs []object, ids []string, ts int64)
	}{
		{"decompression only", func() *types.ExtendedS3DestinationConfiguration {
			d := s3Dest()
			d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{decompress}}
			return d
		}(), func(t *testing.T, objs []object, ids []string, ts int64) {
			// The envelopes, decompressed, back to back.
			want := controlMessage(ts) + fmt.Sprintf(`{"messageType":"DATA_MESSAGE","owner":"000000000000","logGroup":"/app","logStream":"web",`+
				`"subscriptionFilters":["all"],"logEvents":[{"id":"%s","timestamp":%d,"message":"{\"level\":\"info\",\"n\":1}"},`+
				`{"id":"%s","timestamp":%d,"message":"{\"level\":\"error\",\"n\":2}"}]}`, ids[0], ts-2000, ids[1], ts-1000)
			if len(objs) != 1 || string(objs[0].body) != want {
				t.Fatalf("objects %q\nwant %q", objs, want)
			}
		}},
		{"message extraction", func() *types.ExtendedS3DestinationConfiguration {
			d := s3Dest()
			d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{extract, decompress}}
			return d
		}(), func(t *testing.T, objs []object, _ []string, _ int64) {
			want := `{"level":"info","n":1}` + "\n" + `{"level":"error","n":2}` + "\n"
			if len(objs) != 1 || string(objs[0].body) != want {
				t.Fatalf("objects %q, want one holding %q", objs, want)
			}
		}},
		{"partitioned", jqDest("level=!{partitionKeyFromQuery:level}/", decompress, extract,
			processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "JSON"), metadataExtraction("{level:.level}"),
			processor(types.ProcessorTypeAppendDelimiterToRecord)),
			func(t *testing.T, objs []object, _ []string, _ int64) {
				got, errs, _ := byPrefix(t, "s", objs)
				want := map[string]string{"level=info/": `{"level":"info","n":1}` + "\n", "level=error/": `{"level":"error","n":2}` + "\n"}
				if fmt.Sprint(got) != fmt.Sprint(want) || len(errs) != 0 {
					t.Fatalf("partitions %q (errors %+v), want %q", got, errs, want)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
			arn := createStream(t, env.Firehose, "s", c.dest)
			_, err := env.Firehose.PutRecord(context.Background(), &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("x")}})
			wantAPIError(t, err, "InvalidSourceException", "Only requests from CloudWatch Logs are supported when CloudWatch Logs decompression is enabled.")
			logs := cloudwatchlogs.NewFromConfig(env.AWS)
			createLogGroup(t, logs, "/app")
			createLogStream(t, logs, "/app", "web")
			putSubscription(t, logs, "/app", "all", "", arn)
			ts := t0.UnixMilli()
			putLogEvents(t, logs, "/app", "web", logEvent(ts-2000, `{"level":"info","n":1}`), logEvent(ts-1000, `{"level":"error","n":2}`))
			env.Flush(t, "s")
			var objs []object
			for _, o := range objects(t, env, "deliveries") {
				if !bytes.HasPrefix([]byte(o.key), []byte("errors/")) || c.name != "decompression only" {
					objs = append(objs, o)
				}
			}
			c.check(t, objs, eventIDs(t, logs, "/app", "web"), ts)
		})
	}
}

// The processors' own rules, with AWS's messages.
func TestProcessorValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	cases := []struct {
		name  string
		dp    bool
		procs []types.Processor
		msg   string
	}{
		{"metadata extraction without partitioning", false, []types.Processor{metadataExtraction("{k:.k}")},
			"class com.amazonaws.services.firehose.internal.model.MetadataExtractionProcessor can only be present when Dynamic Partitioning is enabled."},
		{"de-aggregation without partitioning", false, []types.Processor{processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "JSON")},
			"class com.amazonaws.services.firehose.internal.model.RecordDeAggregationProcessor can only be present when Dynamic Partitioning is enabled."},
		{"bad engine", true, []types.Processor{processor(types.ProcessorTypeMetadataExtraction, "MetadataExtractionQuery", "{k:.k}", "JsonParsingEngine", "JQ-1.5")},
			"MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"},
		{"query key not in prefix", true, []types.Processor{metadataExtraction("{k:.k,other:.o}")},
			"MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression"},
		{"prefix key not in query", true, []types.Processor{metadataExtraction("{other:.o}")},
			"MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression"},
		{"sub-record type", true, []types.Processor{metadataExtraction("{k:.k}"), processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "CSV")},
			"SubRecordType has to be one of JSON, DELIMITED"},
		{"delimiter missing", true, []types.Processor{metadataExtraction("{k:.k}"), processor(types.ProcessorTypeRecordDeAggregation, "SubRecordType", "DELIMITED")},
			"Delimiter should be present for DELIMITED"},
		{"extraction without decompression", false, []types.Processor{processor(types.ProcessorTypeCloudWatchLogProcessing, "DataMessageExtraction", "true")},
			"CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor"},
		{"extraction value", false, []types.Processor{processor(types.ProcessorTypeDecompression), processor(types.ProcessorTypeCloudWatchLogProcessing, "DataMessageExtraction", "yes")},
			"Invalid parameter value for DataMessageExtraction. Allowed values are True and False."},
		{"two lambdas", false, []types.Processor{processor(types.ProcessorTypeLambda, "LambdaArn", fnARNPrefix+"a"), processor(types.ProcessorTypeLambda, "LambdaArn", fnARNPrefix+"b")},
			"Cannot have more than 1 Lambda processor."},
		{"lambda hints", false, []types.Processor{processor(types.ProcessorTypeLambda, "LambdaArn", fnARNPrefix+"a", "BufferSizeInMBs", "1")},
			"Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor."},
		{"six processors", false, slices.Repeat([]types.Processor{processor(types.ProcessorTypeAppendDelimiterToRecord)}, 6),
			"A maximum of 5 and a minimum of 1 processor needs to be supplied when processing is enabled."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := jqDest("k=!{partitionKeyFromQuery:k}/", c.procs...)
			if !c.dp {
				d = s3Dest()
				d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: c.procs}
			}
			_, err := env.Firehose.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("v"), ExtendedS3DestinationConfiguration: d})
			wantAPIError(t, err, "InvalidArgumentException", c.msg)
		})
	}
}
