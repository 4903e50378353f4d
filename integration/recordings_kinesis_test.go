package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// Replays of Kinesis Data Streams answers recorded from AWS, from
// localstack/localstack's tests/aws/services/kinesis/test_kinesis.py, its
// snapshots in test_kinesis.snapshot.json and its validation dates in
// test_kinesis.validation.json. Masked values (names, ARNs, sequence
// numbers, hash keys, timestamps) are compared by form.

// kinesisRaw sends one Kinesis request in JSON 1.1, as botocore does, and
// returns the status and the body.
func kinesisRaw(t *testing.T, env *emulatortest.Env, op, body string) (int, []byte) {
	t.Helper()
	return kinesisPost(t, env, op, "application/x-amz-json-1.1", []byte(body))
}

// kinesisCBOR sends one Kinesis request in CBOR, as LocalStack's
// KinesisHTTPClient does, and returns the status and the body. Kinesis's
// CBOR timestamps are tag 1 over epoch milliseconds, not seconds (LocalStack
// patches cbor2 for it; aws/aws-sdk-java-v2#4661): pass them as cborMillis.
func kinesisCBOR(t *testing.T, env *emulatortest.Env, op string, payload any) (int, []byte) {
	t.Helper()
	b, err := cbor.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return kinesisPost(t, env, op, "application/x-amz-cbor-1.1", b)
}

// cborMillis is a time as Kinesis's CBOR writes it: tag 1, epoch
// milliseconds.
func cborMillis(t time.Time) cbor.Tag { return cbor.Tag{Number: 1, Content: t.UnixMilli()} }

// fromCBORMillis reads a Kinesis CBOR timestamp.
func fromCBORMillis(t *testing.T, tag cbor.RawTag) time.Time {
	t.Helper()
	var ms int64
	if err := cbor.Unmarshal(tag.Content, &ms); err != nil || tag.Number != 1 {
		t.Fatalf("timestamp %+v, want tag 1 over integer milliseconds: %v", tag, err)
	}
	return time.UnixMilli(ms)
}

func kinesisPost(t *testing.T, env *emulatortest.Env, op, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// wantExactError checks an error's code and its whole message.
func wantExactError(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantAPIError(t, err, code, msg)
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != msg {
		t.Fatalf("message %q, recorded %q", ae.ErrorMessage(), msg)
	}
}

// firstShardIterator is LocalStack's get_shard_iterator helper: an
// AT_SEQUENCE_NUMBER iterator at the first shard's starting sequence
// number.
func firstShardIterator(t *testing.T, c *kinesis.Client, stream string) string {
	t.Helper()
	ctx := context.Background()
	d, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	sh := d.StreamDescription.Shards[0]
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId,
		ShardIteratorType: ktypes.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: sh.SequenceNumberRange.StartingSequenceNumber})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(it.ShardIterator)
}

var (
	shardIDForm    = regexp.MustCompile(`^shardId-\d{12}$`)
	sequenceForm   = regexp.MustCompile(`^\d{21,}$`)
	streamARNForm  = regexp.MustCompile(`^arn:aws:kinesis:us-east-1:\d{12}:stream/s$`)
	consumerARNFrm = regexp.MustCompile(`^arn:aws:kinesis:us-east-1:\d{12}:stream/s/consumer/consumer:\d+$`)
)

// Recording: test_create_stream_without_shard_count (validated
// 2022-08-26): a stream created with neither ShardCount nor a stream mode
// has four open shards; each described with ShardId, HashKeyRange and
// SequenceNumberRange holding only StartingSequenceNumber. The hash key
// ranges are masked; AWS splits the key space evenly, so they are checked
// to cover it without gap.
func TestRecordedKinesisStreamWithoutShardCount(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	if code, b := kinesisRaw(t, env, "CreateStream", `{"StreamName":"s"}`); code != http.StatusOK {
		t.Fatalf("CreateStream without ShardCount: %d %s", code, b)
	}
	code, b := kinesisRaw(t, env, "DescribeStream", `{"StreamName":"s"}`)
	if code != http.StatusOK {
		t.Fatalf("DescribeStream: %d %s", code, b)
	}
	var out struct {
		StreamDescription struct {
			Shards []map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	shards := out.StreamDescription.Shards
	if len(shards) != 4 {
		t.Fatalf("%d shards, recorded 4: %s", len(shards), b)
	}
	sort.Slice(shards, func(i, j int) bool { return string(shards[i]["ShardId"]) < string(shards[j]["ShardId"]) })
	next := new(big.Int)
	for i, sh := range shards {
		var keys []string
		for k := range sh {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"HashKeyRange", "SequenceNumberRange", "ShardId"}) {
			t.Fatalf("shard %d members %v, recorded HashKeyRange, SequenceNumberRange, ShardId", i, keys)
		}
		var id string
		var hk struct{ StartingHashKey, EndingHashKey string }
		var sr map[string]string
		_ = json.Unmarshal(sh["ShardId"], &id)
		_ = json.Unmarshal(sh["HashKeyRange"], &hk)
		_ = json.Unmarshal(sh["SequenceNumberRange"], &sr)
		if !shardIDForm.MatchString(id) || len(sr) != 1 || !sequenceForm.MatchString(sr["StartingSequenceNumber"]) {
			t.Fatalf("shard %d: %s, %v", i, id, sr)
		}
		start, ok1 := new(big.Int).SetString(hk.StartingHashKey, 10)
		end, ok2 := new(big.Int).SetString(hk.EndingHashKey, 10)
		if !ok1 || !ok2 || start.Cmp(next) != 0 || end.Cmp(start) < 0 {
			t.Fatalf("shard %d hash keys %+v after %v", i, hk, next)
		}
		next.Add(end, big.NewInt(1))
	}
	if want := new(big.Int).Lsh(big.NewInt(1), 128); next.Cmp(want) != 0 {
		t.Fatalf("the shards cover up to %v, not 2^128", next)
	}
}

// Recording: test_create_stream_without_stream_name_raises (validated
// 2024-06-10): CreateStream without StreamName, sent past the client's
// validation, is refused with status 400.
func TestRecordedKinesisCreateStreamWithoutName(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	code, b := kinesisRaw(t, env, "CreateStream", `{}`)
	if code != http.StatusBadRequest || !bytes.Contains(b, []byte(`"__type"`)) {
		t.Fatalf("CreateStream {}: %d %s, recorded 400", code, b)
	}
}

// Recording: test_add_tags_to_stream (validated 2022-08-25):
// ListTagsForStream after AddTagsToStream {"foo": "bar"} answers Tags
// [{Key foo, Value bar}] and HasMoreTags false.
func TestRecordedKinesisTags(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	if _, err := env.Kinesis.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("s"), Tags: map[string]string{"foo": "bar"}}); err != nil {
		t.Fatal(err)
	}
	out, err := env.Kinesis.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "foo" || aws.ToString(out.Tags[0].Value) != "bar" || out.HasMoreTags == nil || *out.HasMoreTags {
		t.Fatalf("ListTagsForStream: %+v", out)
	}
}

// Recording: test_resource_policy_crud (validated 2025-08-05): a stream
// without a policy answers Policy "{}" (the recording shows it parsed: {});
// PutResourcePolicy answers 200 with nothing; GetResourcePolicy answers the
// policy put, and after an update the new one; after DeleteResourcePolicy
// "{}" again. Deleting it once more, and putting a policy on a stream that
// does not exist, are errors (their codes and texts are not recorded).
func TestRecordedKinesisResourcePolicy(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	d, err := env.Kinesis.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(d.StreamDescription.StreamARN)
	getPolicy := func(step string) any {
		t.Helper()
		code, b := kinesisRaw(t, env, "GetResourcePolicy", mustJSON(map[string]string{"ResourceARN": arn}))
		var out struct{ Policy *string }
		if code != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Policy == nil {
			t.Fatalf("%s: GetResourcePolicy %d %s", step, code, b)
		}
		var doc any
		if err := json.Unmarshal([]byte(*out.Policy), &doc); err != nil {
			t.Fatalf("%s: Policy %q is not JSON", step, *out.Policy)
		}
		return doc
	}
	putPolicy := func(step string, policy any) {
		t.Helper()
		code, b := kinesisRaw(t, env, "PutResourcePolicy", mustJSON(map[string]string{"ResourceARN": arn, "Policy": mustJSON(policy)}))
		if code != http.StatusOK || (len(b) != 0 && string(b) != "{}") {
			t.Fatalf("%s: PutResourcePolicy %d %s, recorded 200 and no members", step, code, b)
		}
	}
	wantPolicy := func(step string, want any) {
		t.Helper()
		if got := getPolicy(step); mustJSON(got) != mustJSON(want) {
			t.Fatalf("%s: Policy %s, recorded %s", step, mustJSON(got), mustJSON(want))
		}
	}
	statement := map[string]any{"Sid": "AllowCrossAccountWrite", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::000000000000:root"}, "Action": "kinesis:PutRecord", "Resource": arn}
	policy := map[string]any{"Version": "2012-10-17", "Statement": []any{statement}}

	wantPolicy("default_policy_if_not_set", map[string]any{})
	putPolicy("put_resource_policy_if_not_set", policy)
	wantPolicy("get_resource_policy_after_set", policy)
	updated := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Sid": "AllowCrossAccountReadWrite", "Effect": "Allow",
		"Principal": statement["Principal"], "Action": []string{"kinesis:PutRecord", "kinesis:GetRecords"}, "Resource": arn}}}
	putPolicy("update_resource_policy", updated)
	wantPolicy("get_resource_policy_after_update", updated)
	if _, err := env.Kinesis.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}); err != nil {
		t.Fatalf("delete_resource_policy: %v", err)
	}
	wantPolicy("get_resource_policy_after_delete", map[string]any{})

	if _, err := env.Kinesis.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}); err == nil {
		t.Fatal("deleting a policy that is not there succeeded; recorded: an error")
	}
	missing := "arn:aws:kinesis:us-east-1:000000000000:stream/non-existent-xxxxxx"
	statement["Resource"] = missing
	if _, err := env.Kinesis.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(missing), Policy: aws.String(mustJSON(policy))}); err == nil {
		t.Fatal("a policy on a stream that does not exist was accepted; recorded: an error")
	}
}

// getRecordsRaw reads a shard through GetRecords in JSON and returns each
// record's members.
func getRecordsRaw(t *testing.T, env *emulatortest.Env, iterator string) []map[string]json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"ShardIterator": iterator})
	code, b := kinesisRaw(t, env, "GetRecords", string(body))
	if code != http.StatusOK {
		t.Fatalf("GetRecords: %d %s", code, b)
	}
	var out struct{ Records []map[string]json.RawMessage }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Records
}

// checkRecordedRecord checks a GetRecords record against the recordings'
// form: exactly SequenceNumber, ApproximateArrivalTimestamp, Data and
// PartitionKey (no EncryptionType on an unencrypted stream), the data as
// given.
func checkRecordedRecord(t *testing.T, r map[string]json.RawMessage, data, key string) {
	t.Helper()
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"ApproximateArrivalTimestamp", "Data", "PartitionKey", "SequenceNumber"}) {
		t.Fatalf("record members %v, recorded ApproximateArrivalTimestamp, Data, PartitionKey, SequenceNumber", keys)
	}
	var seq, pk string
	var d []byte
	var ts float64
	if json.Unmarshal(r["SequenceNumber"], &seq) != nil || !sequenceForm.MatchString(seq) ||
		json.Unmarshal(r["ApproximateArrivalTimestamp"], &ts) != nil || ts < 1e9 ||
		json.Unmarshal(r["Data"], &d) != nil || string(d) != data ||
		json.Unmarshal(r["PartitionKey"], &pk) != nil || pk != key {
		t.Fatalf("record %s, want data %q key %q", mustJSON(r), data, key)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Recording: test_record_lifecycle_data_integrity (validated 2022-08-25):
// four records put one by one, among them an empty one, come back
// byte-identical from GetRecords.
func TestRecordedKinesisRecordLifecycle(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	it := firstShardIterator(t, env.Kinesis, "s")
	data := []string{"test", "ünicödé 统一码 💣💻🔥", strings.Repeat("a", 1000), ""}
	for _, d := range data {
		if _, err := env.Kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), Data: []byte(d), PartitionKey: aws.String("1")}); err != nil {
			t.Fatalf("PutRecord %q: %v", d, err)
		}
	}
	recs := getRecordsRaw(t, env, it)
	if len(recs) != len(data) {
		t.Fatalf("%d records, recorded 4", len(recs))
	}
	for i, r := range recs {
		checkRecordedRecord(t, r, data[i], "1")
	}
}

// Recording: test_get_records (validated 2024-07-04),
// test_get_records_empty_stream (validated 2024-07-04) and
// test_cbor_blob_handling (validated 2024-07-31): the same records in JSON
// and in CBOR (Data as a byte string, the same arrival time), an empty
// Records list in both, and a record put in CBOR read back as put.
func TestRecordedKinesisGetRecordsJSONAndCBOR(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	it := firstShardIterator(t, env.Kinesis, "s")
	if recs := getRecordsRaw(t, env, it); recs == nil || len(recs) != 0 {
		t.Fatalf("empty stream in JSON: %v, recorded []", recs)
	}
	type cborRecord struct {
		SequenceNumber              string
		Data                        []byte
		PartitionKey                string
		EncryptionType              *string
		ApproximateArrivalTimestamp cbor.RawTag
	}
	var cout struct{ Records []cborRecord }
	readCBOR := func() {
		t.Helper()
		code, b := kinesisCBOR(t, env, "GetRecords", map[string]any{"ShardIterator": it})
		if code != http.StatusOK {
			t.Fatalf("GetRecords in CBOR: %d %x", code, b)
		}
		cout.Records = nil
		if err := cbor.Unmarshal(b, &cout); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
	}
	readCBOR()
	if cout.Records == nil || len(cout.Records) != 0 {
		t.Fatalf("empty stream in CBOR: %+v, recorded []", cout)
	}

	if _, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"),
		Records: []ktypes.PutRecordsRequestEntry{{Data: []byte("Hello world"), PartitionKey: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	js, err := env.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	if err != nil || len(js.Records) != 1 {
		t.Fatalf("GetRecords: %+v, %v", js, err)
	}
	readCBOR()
	j, c := js.Records[0], cout.Records[0]
	if len(cout.Records) != 1 || string(c.Data) != string(j.Data) || c.PartitionKey != aws.ToString(j.PartitionKey) ||
		c.SequenceNumber != aws.ToString(j.SequenceNumber) || (c.EncryptionType == nil) != (j.EncryptionType == "") ||
		!fromCBORMillis(t, c.ApproximateArrivalTimestamp).Equal(*j.ApproximateArrivalTimestamp) {
		t.Fatalf("CBOR record %+v, JSON record %+v", c, j)
	}

	// test_cbor_blob_handling: PutRecord in CBOR, Data a byte string.
	if code, b := kinesisCBOR(t, env, "PutRecord", map[string]any{"Data": []byte("hello world blob"), "PartitionKey": "key-x", "StreamName": "s"}); code != http.StatusOK {
		t.Fatalf("PutRecord in CBOR: %d %x", code, b)
	}
	readCBOR()
	if len(cout.Records) != 2 || string(cout.Records[1].Data) != "hello world blob" || cout.Records[1].PartitionKey != "key-x" {
		t.Fatalf("after a CBOR PutRecord: %+v", cout.Records)
	}
}

// Recording: test_get_records_next_shard_iterator (marked validated, no
// date in the validation file): each GetRecords answers a
// NextShardIterator different from the iterators before it, even on an
// empty shard read from LATEST.
func TestRecordedKinesisNextShardIterator(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)}) // every call in the same millisecond
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	it, err := env.Kinesis.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: ktypes.ShardIteratorTypeLatest})
	if err != nil {
		t.Fatal(err)
	}
	first := aws.ToString(it.ShardIterator)
	r1, err := env.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	second := aws.ToString(r1.NextShardIterator)
	r2, err := env.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(second)})
	if err != nil {
		t.Fatal(err)
	}
	third := aws.ToString(r2.NextShardIterator)
	if first == second || first == third || second == third {
		t.Fatalf("iterators %q, %q, %q: recorded all different", first, second, third)
	}
}

// Recording: test_get_records_shard_iterator_with_surrounding_quotes
// (marked validated, no date in the validation file): AWS reads an
// iterator sent inside double quotes as the iterator.
func TestRecordedKinesisQuotedShardIterator(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createDataStream(t, env, "s", 1)
	if _, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"),
		Records: []ktypes.PutRecordsRequestEntry{{Data: []byte("Hello world"), PartitionKey: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	it, err := env.Kinesis.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(`"` + aws.ToString(it.ShardIterator) + `"`)})
	if err != nil || len(out.Records) != 1 {
		t.Fatalf("GetRecords with a quoted iterator: %+v, %v; recorded: the record", out, err)
	}
}

// Recording: test_stream_consumers (validated 2022-08-26):
// ListStreamConsumers answers no consumer, then the registered one with
// ConsumerName, ConsumerARN, ConsumerStatus ACTIVE and
// ConsumerCreationTimestamp; DescribeStreamConsumer adds StreamARN.
func TestRecordedKinesisConsumers(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	arn := createDataStream(t, env, "s", 1)
	list := func() []map[string]json.RawMessage {
		t.Helper()
		code, b := kinesisRaw(t, env, "ListStreamConsumers", mustJSON(map[string]string{"StreamARN": arn}))
		if code != http.StatusOK {
			t.Fatalf("ListStreamConsumers: %d %s", code, b)
		}
		var out struct{ Consumers []map[string]json.RawMessage }
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out.Consumers
	}
	if c := list(); len(c) != 0 {
		t.Fatalf("consumers before registering: %v", c)
	}
	reg, err := env.Kinesis.RegisterStreamConsumer(context.Background(), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("consumer")})
	if err != nil {
		t.Fatal(err)
	}
	carn := aws.ToString(reg.Consumer.ConsumerARN)
	check := func(what string, m map[string]json.RawMessage, members []string) {
		t.Helper()
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, members) {
			t.Fatalf("%s members %v, recorded %v", what, keys, members)
		}
		var name, a, status string
		var ts float64
		if json.Unmarshal(m["ConsumerName"], &name) != nil || name != "consumer" || json.Unmarshal(m["ConsumerARN"], &a) != nil || a != carn ||
			!consumerARNFrm.MatchString(a) || json.Unmarshal(m["ConsumerStatus"], &status) != nil || status != "ACTIVE" ||
			json.Unmarshal(m["ConsumerCreationTimestamp"], &ts) != nil || ts < 1e9 {
			t.Fatalf("%s %s", what, mustJSON(m))
		}
	}
	// The recording waited for ACTIVE; firehose-local's consumer is
	// ACTIVE from the call after its registration.
	c := list()
	if len(c) != 1 {
		t.Fatalf("consumers %v", c)
	}
	check("listed consumer", c[0], []string{"ConsumerARN", "ConsumerCreationTimestamp", "ConsumerName", "ConsumerStatus"})
	code, b := kinesisRaw(t, env, "DescribeStreamConsumer", mustJSON(map[string]string{"StreamARN": arn, "ConsumerARN": carn}))
	if code != http.StatusOK {
		t.Fatalf("DescribeStreamConsumer: %d %s", code, b)
	}
	var d struct{ ConsumerDescription map[string]json.RawMessage }
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	check("described consumer", d.ConsumerDescription, []string{"ConsumerARN", "ConsumerCreationTimestamp", "ConsumerName", "ConsumerStatus", "StreamARN"})
	if string(d.ConsumerDescription["StreamARN"]) != mustJSON(arn) || !streamARNForm.MatchString(arn) {
		t.Fatalf("StreamARN %s, want %s", d.ConsumerDescription["StreamARN"], arn)
	}
	// Not recorded: another stream's ARN with the ConsumerARN is refused.
	createDataStream(t, env, "other", 1)
	_, err = env.Kinesis.DescribeStreamConsumer(context.Background(), &kinesis.DescribeStreamConsumerInput{StreamARN: aws.String(strings.TrimSuffix(arn, "/s") + "/other"), ConsumerARN: aws.String(carn)})
	wantExactError(t, err, "InvalidArgumentException", "The ConsumerARN is not a consumer of the given StreamARN.")
}

// Recording: test_cbor_exceptions (validated 2025-09-16): DescribeStream
// in CBOR by the StreamARN of a missing stream answers 400 with a CBOR body
// {__type: ResourceNotFoundException, message: "Stream wrong-stream-name
// under account <account> not found."}: the stream's name, not its ARN.
func TestRecordedKinesisCBORNotFound(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	arn := createDataStream(t, env, "s", 1)
	missing := strings.TrimSuffix(arn, "stream/s") + "stream/wrong-stream-name"
	account := strings.Split(arn, ":")[4]
	code, b := kinesisCBOR(t, env, "DescribeStream", map[string]any{"StreamARN": missing})
	var e map[string]any
	if err := cbor.Unmarshal(b, &e); err != nil {
		t.Fatalf("%x: %v", b, err)
	}
	if code != http.StatusBadRequest || len(e) != 2 || e["__type"] != "ResourceNotFoundException" ||
		e["message"] != "Stream wrong-stream-name under account "+account+" not found." {
		t.Fatalf("%d %v", code, e)
	}
}

// Recording: test_subscribe_to_shard_with_at_timestamp_cbor (validated
// 2024-07-30): DescribeStream in CBOR writes StreamCreationTimestamp as a
// tag-1 integer (milliseconds), not a float (the SDKs cannot read one),
// and GetShardIterator in CBOR accepts an AT_TIMESTAMP Timestamp as one.
func TestRecordedKinesisCBORTimestamps(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	before := time.Now().Add(-time.Minute)
	arn := createDataStream(t, env, "s", 1)
	after := time.Now().Add(time.Minute)
	code, b := kinesisCBOR(t, env, "DescribeStream", map[string]any{"StreamARN": arn})
	if code != http.StatusOK {
		t.Fatalf("DescribeStream in CBOR: %d %x", code, b)
	}
	if bytes.Contains(b, []byte("StreamCreationTimestamp\xc1\xfb")) {
		t.Fatalf("StreamCreationTimestamp written as a float: %x", b)
	}
	var d struct {
		StreamDescription struct {
			StreamCreationTimestamp cbor.RawTag
			Shards                  []struct{ ShardId string }
		}
	}
	if err := cbor.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if ts := fromCBORMillis(t, d.StreamDescription.StreamCreationTimestamp); ts.Before(before) || ts.After(after) {
		t.Fatalf("StreamCreationTimestamp %v", ts)
	}
	code, b = kinesisCBOR(t, env, "GetShardIterator", map[string]any{"StreamARN": arn, "ShardId": d.StreamDescription.Shards[0].ShardId,
		"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": cborMillis(time.Now())})
	var it map[string]any
	if err := cbor.Unmarshal(b, &it); err != nil || code != http.StatusOK || it["ShardIterator"] == nil {
		t.Fatalf("GetShardIterator AT_TIMESTAMP in CBOR: %d %v %v", code, it, err)
	}
}

// subscribeRecorded subscribes the consumer of the stream "s" to its shard
// from pos and collects the events until n records came.
func subscribeRecorded(t *testing.T, env *emulatortest.Env, consumerARN string, pos *ktypes.StartingPosition, put func(), n int) []ktypes.SubscribeToShardEvent {
	t.Helper()
	ctx := context.Background()
	sub, err := h2KinesisClient(t, env, 0).SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN),
		ShardId: aws.String("shardId-000000000000"), StartingPosition: pos})
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	es := sub.GetStream()
	defer es.Close()
	put()
	var events []ktypes.SubscribeToShardEvent
	got := 0
	timeout := time.After(20 * time.Second)
	for got < n {
		select {
		case ev, ok := <-es.Events():
			if !ok {
				t.Fatalf("the event stream ended: %v", es.Err())
			}
			e := ev.(*ktypes.SubscribeToShardEventStreamMemberSubscribeToShardEvent).Value
			if len(e.Records) == 0 {
				continue
			}
			events = append(events, e)
			got += len(e.Records)
		case <-timeout:
			t.Fatalf("%d of %d records within 20 s", got, n)
		}
	}
	return events
}

func registerActiveConsumer(t *testing.T, env *emulatortest.Env, arn string) string {
	t.Helper()
	ctx := context.Background()
	reg, err := env.Kinesis.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(reg.Consumer.ConsumerARN)
}

// Recording: test_subscribe_to_shard (validated 2025-08-19),
// test_subscribe_to_shard_with_at_timestamp (validated 2024-06-21) and
// test_subscribe_to_shard_with_sequence_number_as_iterator (validated
// 2022-08-26): five records "Hello world_0".."_4" with partition key "1",
// put in one PutRecords or one by one, come through SubscribeToShard from
// TRIM_HORIZON, from AT_TIMESTAMP 2015-01-01 and from AT_SEQUENCE_NUMBER at
// the shard's starting sequence number; the recorded event (the five
// records in one) has MillisBehindLatest 0 and a ContinuationSequenceNumber.
func TestRecordedKinesisSubscribeToShard(t *testing.T) {
	ctx := context.Background()
	want := []string{"Hello world_0", "Hello world_1", "Hello world_2", "Hello world_3", "Hello world_4"}
	putBatch := func(env *emulatortest.Env) func() {
		return func() {
			var es []ktypes.PutRecordsRequestEntry
			for _, d := range want {
				es = append(es, ktypes.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("1")})
			}
			if _, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: es}); err != nil {
				t.Error(err)
			}
		}
	}
	putEach := func(env *emulatortest.Env) func() {
		return func() {
			for _, d := range want {
				if _, err := env.Kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"),
					Records: []ktypes.PutRecordsRequestEntry{{Data: []byte(d), PartitionKey: aws.String("1")}}}); err != nil {
					t.Error(err)
				}
			}
		}
	}
	check := func(t *testing.T, events []ktypes.SubscribeToShardEvent) {
		t.Helper()
		var got []string
		for _, e := range events {
			if e.MillisBehindLatest == nil || *e.MillisBehindLatest != 0 || !sequenceForm.MatchString(aws.ToString(e.ContinuationSequenceNumber)) {
				t.Fatalf("event MillisBehindLatest %v ContinuationSequenceNumber %q", e.MillisBehindLatest, aws.ToString(e.ContinuationSequenceNumber))
			}
			for _, r := range e.Records {
				if aws.ToString(r.PartitionKey) != "1" || !sequenceForm.MatchString(aws.ToString(r.SequenceNumber)) || r.ApproximateArrivalTimestamp == nil {
					t.Fatalf("record %+v", r)
				}
				got = append(got, string(r.Data))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("records %q, recorded %q", got, want)
		}
	}
	t.Run("TRIM_HORIZON", func(t *testing.T) {
		env := newEnv(t, emulator.Config{})
		c := registerActiveConsumer(t, env, createDataStream(t, env, "s", 1))
		events := subscribeRecorded(t, env, c, &ktypes.StartingPosition{Type: ktypes.ShardIteratorTypeTrimHorizon}, putBatch(env), 5)
		check(t, events)
	})
	t.Run("AT_TIMESTAMP", func(t *testing.T) {
		env := newEnv(t, emulator.Config{})
		c := registerActiveConsumer(t, env, createDataStream(t, env, "s", 1))
		events := subscribeRecorded(t, env, c, &ktypes.StartingPosition{Type: ktypes.ShardIteratorTypeAtTimestamp,
			Timestamp: aws.Time(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))}, putEach(env), 5)
		check(t, events)
	})
	t.Run("AT_SEQUENCE_NUMBER", func(t *testing.T) {
		env := newEnv(t, emulator.Config{})
		c := registerActiveConsumer(t, env, createDataStream(t, env, "s", 1))
		d, err := env.Kinesis.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		events := subscribeRecorded(t, env, c, &ktypes.StartingPosition{Type: ktypes.ShardIteratorTypeAtSequenceNumber,
			SequenceNumber: d.StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber}, putEach(env), 5)
		check(t, events)
	})
}

// Recording: localstack/localstack,
// tests/aws/services/cloudformation/resources/test_kinesis.snapshot.json,
// test_default_parameters_kinesis (validated 2024-07-02): DescribeStream
// of a one-shard PROVISIONED stream answers exactly EncryptionType NONE,
// EnhancedMonitoring [{ShardLevelMetrics: []}], HasMoreShards false,
// RetentionPeriodHours 24, the shard (hash keys 0 to 2^128-1),
// StreamARN, StreamCreationTimestamp, StreamModeDetails PROVISIONED,
// StreamName and StreamStatus ACTIVE.
func TestRecordedKinesisDescribeStream(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	createDataStream(t, env, "s", 1)
	code, b := kinesisRaw(t, env, "DescribeStream", `{"StreamName":"s"}`)
	if code != http.StatusOK {
		t.Fatalf("DescribeStream: %d %s", code, b)
	}
	var out struct{ StreamDescription map[string]json.RawMessage }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	d := out.StreamDescription
	var keys []string
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"EncryptionType", "EnhancedMonitoring", "HasMoreShards", "RetentionPeriodHours", "Shards", "StreamARN",
		"StreamCreationTimestamp", "StreamModeDetails", "StreamName", "StreamStatus"}
	if !slices.Equal(keys, want) {
		t.Fatalf("members %v, recorded %v", keys, want)
	}
	var arn string
	var ts float64
	_ = json.Unmarshal(d["StreamARN"], &arn)
	_ = json.Unmarshal(d["StreamCreationTimestamp"], &ts)
	for k, v := range map[string]string{"EncryptionType": `"NONE"`, "EnhancedMonitoring": `[{"ShardLevelMetrics":[]}]`, "HasMoreShards": `false`,
		"RetentionPeriodHours": `24`, "StreamModeDetails": `{"StreamMode":"PROVISIONED"}`, "StreamName": `"s"`, "StreamStatus": `"ACTIVE"`} {
		var got, exp any
		_ = json.Unmarshal(d[k], &got)
		_ = json.Unmarshal([]byte(v), &exp)
		if mustJSON(got) != mustJSON(exp) {
			t.Errorf("%s = %s, recorded %s", k, d[k], v)
		}
	}
	var shards []struct {
		ShardId             string
		HashKeyRange        struct{ StartingHashKey, EndingHashKey string }
		SequenceNumberRange map[string]string
	}
	_ = json.Unmarshal(d["Shards"], &shards)
	if !streamARNForm.MatchString(arn) || ts < 1e9 || len(shards) != 1 || !shardIDForm.MatchString(shards[0].ShardId) ||
		shards[0].HashKeyRange.StartingHashKey != "0" || shards[0].HashKeyRange.EndingHashKey != "340282366920938463463374607431768211455" ||
		len(shards[0].SequenceNumberRange) != 1 || !sequenceForm.MatchString(shards[0].SequenceNumberRange["StartingSequenceNumber"]) {
		t.Fatalf("description %s", b)
	}
}
