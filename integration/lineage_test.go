package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/lineage"
	"github.com/firehose-local/firehose-local/receiver"
)

// putIDs puts records in one PutRecordBatch and returns their RecordIds.
func putIDs(t *testing.T, fh *firehose.Client, stream string, records ...string) []string {
	t.Helper()
	recs := make([]types.Record, len(records))
	for i, r := range records {
		recs[i] = types.Record{Data: []byte(r)}
	}
	out, err := fh.PutRecordBatch(context.Background(), &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs})
	if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
		t.Fatalf("PutRecordBatch: %v %+v", err, out)
	}
	ids := make([]string, len(records))
	for i, e := range out.RequestResponses {
		ids[i] = aws.ToString(e.RecordId)
	}
	return ids
}

// localGet GETs a /_local path and decodes its JSON answer into v.
func localGet(t *testing.T, env *emulatortest.Env, path string, v any) int {
	t.Helper()
	resp, err := http.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %d %q: %v", path, resp.StatusCode, body, err)
		}
	}
	return resp.StatusCode
}

// lineageOf is GET /_local/records/{id}, which must answer 200.
func lineageOf(t *testing.T, env *emulatortest.Env, id string) lineage.Record {
	t.Helper()
	var r lineage.Record
	if st := localGet(t, env, "/_local/records/"+url.PathEscape(id), &r); st != http.StatusOK {
		t.Fatalf("GET record %s: status %d", id, st)
	}
	if r.RecordID != id {
		t.Fatalf("record answered for %q, want %q", r.RecordID, id)
	}
	return r
}

// wantNotFound checks that GET /_local/records/{id} is a 404 in AWS's shape.
func wantNotFound(t *testing.T, env *emulatortest.Env, id, msg string) {
	t.Helper()
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if st := localGet(t, env, "/_local/records/"+url.PathEscape(id), &e); st != http.StatusNotFound || e.Type != "ResourceNotFoundException" || !strings.Contains(e.Message, msg) {
		t.Fatalf("GET record %.40s…: %d %+v, want 404 ResourceNotFoundException with %q", id, st, e, msg)
	}
}

// objectBody reads one object of the deliveries bucket.
func objectBody(t *testing.T, env *emulatortest.Env, key string) []byte {
	t.Helper()
	for _, o := range objects(t, env, "deliveries") {
		if o.key == key {
			return o.body
		}
	}
	t.Fatalf("no object %q", key)
	return nil
}

// The plain S3 path: buffered with its buffer, then delivered with the
// object's key and the record's byte range; the object lists its records;
// RecordIds never issued are a 404 in AWS's error shape.
func TestLineageS3(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	createStream(t, env.Firehose, "s", s3Dest())
	ids := putIDs(t, env.Firehose, "s", "one\n", "two\n", "three\n")
	single, err := env.Firehose.PutRecord(context.Background(), &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("four\n")}})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, aws.ToString(single.RecordId))
	r := lineageOf(t, env, ids[1])
	if r.Stream != "s" || r.Region != "us-east-1" || !r.Arrival.Equal(t0) || r.State != lineage.StateBuffered ||
		r.Where == nil || r.Where.Buffer != lineage.BufDestination || r.Where.Written || r.Where.Index != 1 || r.Invocation != nil {
		t.Fatalf("buffered record = %+v (where %+v)", r, r.Where)
	}
	env.Flush(t, "s")
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 {
		t.Fatalf("%d objects", len(objs))
	}
	for i, want := range []string{"one\n", "two\n", "three\n", "four\n"} {
		r := lineageOf(t, env, ids[i])
		w := r.Where
		if r.State != lineage.StateDelivered || w == nil || !w.Written || w.Bucket != "deliveries" || w.Key != objs[0].key ||
			w.Destination != "s3://deliveries" || len(w.ByteRange) != 2 {
			t.Fatalf("record %d = %+v (where %+v)", i, r, w)
		}
		if got := string(objs[0].body[w.ByteRange[0]:w.ByteRange[1]]); got != want {
			t.Fatalf("record %d: byte range %v holds %q, want %q", i, w.ByteRange, got, want)
		}
	}
	var g lineage.Group
	if st := localGet(t, env, "/_local/records?bucket=deliveries&key="+url.QueryEscape(objs[0].key), &g); st != 200 || strings.Join(g.Records, ",") != strings.Join(ids, ",") || g.Stream != "s" || g.Total != 4 {
		t.Fatalf("object's records: %d %+v", st, g)
	}
	g = lineage.Group{}
	if st := localGet(t, env, "/_local/records?limit=2&bucket=deliveries&key="+url.QueryEscape(objs[0].key), &g); st != 200 || strings.Join(g.Records, ",") != strings.Join(ids[:2], ",") || g.Total != 4 {
		t.Fatalf("the object's first 2 records: %d %+v", st, g)
	}
	// Never issued: another server's shape, garbage, a path with slashes.
	other := ids[0][:len(ids[0])-12] + "AP////////8="
	for _, id := range []string{other, "nope", strings.Repeat("A", 224), "a/b+c==", ids[0][:223]} {
		wantNotFound(t, env, id, "never issued")
	}
	if st := localGet(t, env, "/_local/recordsX", nil); st != http.StatusNotFound {
		t.Fatalf("GET /_local/recordsX: %d", st)
	}
	var e struct {
		Type string `json:"__type"`
	}
	if st := localGet(t, env, "/_local/records?limit=0", &e); st != 400 || e.Type != "InvalidArgumentException" {
		t.Fatalf("limit=0: %d %+v", st, e)
	}
	// An unencoded RecordId, slashes and all, still finds its record.
	var raw lineage.Record
	if st := localGet(t, env, "/_local/records/"+ids[0], &raw); st != 200 || raw.RecordID != ids[0] {
		t.Fatalf("unencoded id: %d %+v", st, raw)
	}
}

// Through a Lambda processor: Ok, Dropped and ProcessingFailed records,
// the invocation with its request ID, the error output's key and the
// record's error document; an invocation lists its records and objects;
// the failed list has only the failed record, with its reason.
func TestLineageLambdaResults(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "upper", nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"upper", "3"))
	ids := putIDs(t, env.Firehose, "s", "a\n", "drop me\n", "fail me\n")
	if r := lineageOf(t, env, ids[0]); r.State != lineage.StateBuffered || r.Where == nil || r.Where.Buffer != lineage.BufProcessor {
		t.Fatalf("before processing: %+v", r)
	}
	env.Flush(t, "s")
	ok, dropped, failed := lineageOf(t, env, ids[0]), lineageOf(t, env, ids[1]), lineageOf(t, env, ids[2])
	inv := ok.Invocation
	if inv == nil || inv.Result != "Ok" || inv.Function != fnARNPrefix+"upper" || len(inv.Attempts) != 1 || inv.Attempts[0].RequestID == "" || inv.Failure != "" {
		t.Fatalf("Ok record's invocation = %+v", inv)
	}
	if ok.State != lineage.StateDelivered || !strings.HasPrefix(ok.Where.Key, "2026/11/25/10/s-1-") {
		t.Fatalf("Ok record = %+v (where %+v)", ok, ok.Where)
	}
	if body := objectBody(t, env, ok.Where.Key); string(body[ok.Where.ByteRange[0]:ok.Where.ByteRange[1]]) != "A\n" {
		t.Fatalf("Ok record's range %v in %q", ok.Where.ByteRange, body)
	}
	if dropped.State != lineage.StateDropped || dropped.Invocation == nil || dropped.Invocation.Result != "Dropped" ||
		dropped.Invocation.Attempts[0].RequestID != inv.Attempts[0].RequestID {
		t.Fatalf("Dropped record = %+v", dropped)
	}
	w := failed.Where
	if failed.State != lineage.StateFailed || failed.Reason != "Lambda.ProcessingFailedStatus" || failed.Invocation.Result != "ProcessingFailed" ||
		w == nil || w.ErrorType != "processing-failed" || !strings.HasPrefix(w.Key, "errors/processing-failed/") || !w.Written {
		t.Fatalf("ProcessingFailed record = %+v (where %+v)", failed, w)
	}
	var doc errorDoc
	if err := json.Unmarshal(objectBody(t, env, w.Key)[w.ByteRange[0]:w.ByteRange[1]], &doc); err != nil || rawOf(t, doc) != "fail me\n" {
		t.Fatalf("the failed record's byte range %v: %+v %v", w.ByteRange, doc, err)
	}
	var g lineage.Group
	if st := localGet(t, env, "/_local/records?request="+url.QueryEscape(inv.Attempts[0].RequestID), &g); st != 200 ||
		strings.Join(g.Records, ",") != strings.Join(ids, ",") || len(g.Objects) != 2 {
		t.Fatalf("invocation's records: %d %+v", st, g)
	}
	var list struct {
		Records []lineage.Record
		Index   struct{ Size, MemoryBytes int64 }
	}
	if st := localGet(t, env, "/_local/records?stream=s&state=failed", &list); st != 200 || len(list.Records) != 1 ||
		list.Records[0].RecordID != ids[2] || list.Records[0].Reason != "Lambda.ProcessingFailedStatus" || list.Index.Size < 1000000 || list.Index.MemoryBytes <= 0 {
		t.Fatalf("failed records: %d %+v", st, list)
	}
	if st := localGet(t, env, "/_local/records?stream=other&state=failed", &list); st != 200 || len(list.Records) != 0 {
		t.Fatalf("another stream's failed records: %d %+v", st, list)
	}
}

// An invocation that fails every attempt: each retry's request ID and
// error, and the records in the error output with the invocation's error.
func TestLineageFailedInvocationRetries(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "counted", map[string]string{"COUNT_FILE": filepath.Join(t.TempDir(), "count")})
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"counted", "2"))
	ids := putIDs(t, env.Firehose, "s", "mode:count", "x")
	env.Flush(t, "s")
	for _, id := range ids {
		r := lineageOf(t, env, id)
		inv := r.Invocation
		if r.State != lineage.StateFailed || !strings.HasPrefix(r.Reason, "Lambda.FunctionError: ") || inv == nil || len(inv.Attempts) != 3 ||
			inv.Result != "" || !strings.HasPrefix(inv.Failure, "Lambda.FunctionError: ") || r.Where.ErrorType != "processing-failed" || !r.Where.Written {
			t.Fatalf("record = %+v (invocation %+v, where %+v)", r, inv, r.Where)
		}
		seen := map[string]bool{}
		for _, a := range inv.Attempts {
			if a.RequestID == "" || seen[a.RequestID] || !strings.HasPrefix(a.Error, "Lambda.FunctionError: ") {
				t.Fatalf("attempts = %+v", inv.Attempts)
			}
			seen[a.RequestID] = true
		}
	}
}

// An HTTP endpoint: delivered records name the endpoint; records it never
// accepts are in the S3 backup's error documents, with their reason.
func TestLineageHTTPEndpoint(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	_, okURL := startReceiver(t, receiver.Options{AccessKey: "secret"})
	createHTTPStream(t, env.Firehose, "good", httpDest(okURL))
	_, badURL := startReceiver(t, receiver.Options{AccessKey: "another"})
	bad := httpDest(badURL)
	bad.RetryOptions = &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)}
	createHTTPStream(t, env.Firehose, "bad", bad)
	good := putIDs(t, env.Firehose, "good", "fine")
	lost := putIDs(t, env.Firehose, "bad", "x", "y")
	waitDelivered(t, env)
	if r := lineageOf(t, env, good[0]); r.State != lineage.StateDelivered || r.Where.Destination != okURL || r.Where.Key != "" {
		t.Fatalf("delivered to the endpoint: %+v (where %+v)", r, r.Where)
	}
	for i, id := range lost {
		r := lineageOf(t, env, id)
		w := r.Where
		if r.State != lineage.StateFailed || r.Reason != "HttpEndpoint.DestinationException" || w.ErrorType != "http-endpoint-failed" ||
			!strings.HasPrefix(w.Key, "http-endpoint-failed/") || !w.Written {
			t.Fatalf("record %d = %+v (where %+v)", i, r, w)
		}
		var doc struct{ RawData string }
		if err := json.Unmarshal(objectBody(t, env, w.Key)[w.ByteRange[0]:w.ByteRange[1]], &doc); err != nil {
			t.Fatal(err)
		}
		if raw, _ := base64.StdEncoding.DecodeString(doc.RawData); string(raw) != []string{"x", "y"}[i] {
			t.Fatalf("record %d's error document holds %q", i, raw)
		}
	}
}

// An HTTP endpoint's 413 gives the records up, as on AWS: they are
// dropped, with the endpoint's answer as the reason.
func TestLineageHTTPEndpoint413(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	_, url := startReceiver(t, receiver.Options{Respond: func(context.Context, *receiver.Request) *receiver.Response {
		return &receiver.Response{Status: 413, ErrorMessage: "Payload too large"}
	}})
	createHTTPStream(t, env.Firehose, "s", httpDest(url))
	id := putIDs(t, env.Firehose, "s", "too big")[0]
	waitDelivered(t, env)
	if r := lineageOf(t, env, id); r.State != lineage.StateDropped || !strings.Contains(r.Reason, "413: not retried, not backed up") || r.Where.Written {
		t.Fatalf("record = %+v (where %+v)", r, r.Where)
	}
}

// A record that has left the index (it keeps the last N, rounded up to
// whole pages of 4096) is a 404; its successors are still there. With
// lineage off every RecordId is a 404 and records are still delivered.
func TestLineageEvictedAndOff(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), LineageRecords: 10})
	createStream(t, env.Firehose, "s", s3Dest())
	first := putIDs(t, env.Firehose, "s", "first")[0]
	lineageOf(t, env, first)
	var last []string
	for range 9 {
		batch := make([]string, 500)
		for i := range batch {
			batch[i] = fmt.Sprint(i)
		}
		last = putIDs(t, env.Firehose, "s", batch...)
	}
	wantNotFound(t, env, first, "has left the lineage index (the last 4096 records are kept)")
	if r := lineageOf(t, env, last[499]); r.State != lineage.StateBuffered {
		t.Fatalf("newest record = %+v", r)
	}

	off := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), LineageRecords: -1})
	createStream(t, off.Firehose, "s", s3Dest())
	id := putIDs(t, off.Firehose, "s", "kept?")[0]
	wantNotFound(t, off, id, "lineage is off")
	off.Flush(t, "s")
	if objs := objects(t, off, "deliveries"); len(objs) != 1 || string(objs[0].body) != "kept?" {
		t.Fatalf("with lineage off: %+v", objs)
	}
}

// With a data directory records go through the write-ahead log and are
// tracked the same way.
func TestLineageWithDataDir(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), DataDir: t.TempDir()})
	createStream(t, env.Firehose, "s", s3Dest())
	ids := putIDs(t, env.Firehose, "s", "a", "b")
	env.Flush(t, "s")
	for i, id := range ids {
		if r := lineageOf(t, env, id); r.State != lineage.StateDelivered || r.Where.Index != i || r.Where.Key == "" {
			t.Fatalf("record %d = %+v (where %+v)", i, r, r.Where)
		}
	}
}

// Dynamic partitioning: a record's batch names its partition keys and the
// processors it went through; a record without a key is in the error
// output with AWS's code.
func TestLineagePartitionKeys(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	fn := pythonPartitioner(t, env)
	createStream(t, env.Firehose, "p", partitionDest(fn, "customer=!{partitionKeyFromLambda:customer}/year=!{partitionKeyFromLambda:year}/"))
	ids := putIDs(t, env.Firehose, "p", `{"customer":"a","year":2024}`, `{"year":2024}`)
	waitDelivered(t, env)
	if r := lineageOf(t, env, ids[0]); r.State != lineage.StateBuffered || r.Where.Buffer != lineage.BufDestination ||
		r.Where.Partition != "customer=a year=2024" || strings.Join(r.Where.Processors, ",") != "Lambda" || r.Invocation.Result != "Ok" {
		t.Fatalf("partitioned record = %+v (where %+v)", r, r.Where)
	}
	env.Flush(t, "p")
	if r := lineageOf(t, env, ids[0]); r.State != lineage.StateDelivered || !strings.HasPrefix(r.Where.Key, "customer=a/year=2024/") {
		t.Fatalf("delivered partitioned record = %+v (where %+v)", r, r.Where)
	}
	if r := lineageOf(t, env, ids[1]); r.State != lineage.StateFailed || r.Reason != "DynamicPartitioning.MetadataExtractionFailed" ||
		r.Where.ErrorType != "metadata-extraction-failed" || !strings.HasPrefix(r.Where.Key, "errors/metadata-extraction-failed/") {
		t.Fatalf("record without a key = %+v (where %+v)", r, r.Where)
	}
}
