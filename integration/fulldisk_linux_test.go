//go:build linux

package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// memStore keeps delivered objects in memory: a destination on another
// disk than the full one.
type memStore struct {
	mu   sync.Mutex
	objs map[string][]byte
}

func (m *memStore) PutObject(_ context.Context, bucket, key string, body []byte, _ emulator.ObjectMeta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[bucket+"/"+key] = slices.Clone(body)
	return nil
}

func (m *memStore) lines() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, b := range m.objs {
		out = append(out, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
	}
	slices.Sort(out)
	return out
}

func health(t *testing.T, env *emulatortest.Env) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(env.URL + "/_local/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("health %s: %v", b, err)
	}
	return resp.StatusCode, doc
}

func wantServiceUnavailable(t *testing.T, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceUnavailableException" || !strings.Contains(ae.ErrorMessage(), "write-ahead log") {
		t.Fatalf("got %v, want ServiceUnavailableException about the write-ahead log", err)
	}
}

// A real full disk. The server refuses records once its write-ahead log
// cannot write (ServiceUnavailableException), and — the point — starts
// again on that full disk: in drain-only mode, saying so in its log, in
// /_local/health (503, "draining") and in /metrics, refusing new records
// and delivering every acknowledged one; as deliveries free the disk it
// accepts records again.
func TestDataDirFullDiskStartsDrainOnly(t *testing.T) {
	dir := testtool.SmallDisk(t, "2m")
	ctx := context.Background()
	noRetry := func(env *emulatortest.Env) *firehose.Client { return loadClient(env.URL) }

	// 1. Deliveries hang while records come in, until the disk is full.
	env := emulatortest.New(t, emulator.Config{DataDir: dir, Store: hangingStore{}})
	dest := s3Dest()
	dest.BufferingHints = hints(128, 900)
	createStream(t, env.Firehose, "s", dest)
	// Some CloudWatch Logs events, kept in the state store on the same disk.
	logsAPI := cloudwatchlogs.NewFromConfig(env.AWS)
	if _, err := logsAPI.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logsAPI.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("ls")}); err != nil {
		t.Fatal(err)
	}
	events := make([]cwltypes.InputLogEvent, 50)
	for i := range events {
		events[i] = cwltypes.InputLogEvent{Message: aws.String(fmt.Sprintf("event %02d %s", i, strings.Repeat("e", 100))), Timestamp: aws.Int64(time.Now().UnixMilli())}
	}
	if _, err := logsAPI.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("ls"), LogEvents: events}); err != nil {
		t.Fatal(err)
	}
	fh := noRetry(env)
	var acked []string
	maybe := map[string]bool{} // records of calls whose answer the SDK failed to read (aws-sdk-go-v2#2737)
	for call := 0; ; call++ {
		if call > 1000 {
			t.Fatal("the disk never filled")
		}
		recs := make([]types.Record, 100)
		for i := range recs {
			recs[i] = types.Record{Data: fmt.Appendf(nil, "c%04d-r%03d %s\n", call, i, strings.Repeat("x", 400))}
		}
		out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: recs})
		var ae smithy.APIError
		if err != nil && !errors.As(err, &ae) {
			for _, r := range recs {
				maybe[strings.TrimSuffix(string(r.Data), "\n")] = true
			}
			continue
		}
		if err != nil {
			wantServiceUnavailable(t, err)
			break
		}
		if n := aws.ToInt32(out.FailedPutCount); n != 0 {
			t.Fatalf("%d records failed: %+v", n, out.RequestResponses[0])
		}
		for _, r := range recs {
			acked = append(acked, strings.TrimSuffix(string(r.Data), "\n"))
		}
	}
	if code, doc := health(t, env); code != http.StatusServiceUnavailable || doc["status"] != "draining" {
		t.Fatalf("health %d %v", code, doc)
	}
	t.Logf("disk full after %d acknowledged records", len(acked))
	abandon(t, env)
	testtool.Fill(t, dir) // whatever the log left

	// 2. A restart on the full disk.
	var logs testtool.Buffer
	clock := emulator.NewFakeClock(time.Now()) // after the stream's creation
	store := &memStore{objs: map[string][]byte{}}
	env2 := emulatortest.New(t, emulator.Config{DataDir: dir, Store: store, Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "level=ERROR msg=\"write-ahead log: no space left on its disk: drain-only mode") {
		t.Fatalf("the log does not say drain-only:\n%s", logs.String())
	}
	code, doc := health(t, env2)
	if code != http.StatusServiceUnavailable || doc["status"] != "draining" || !strings.Contains(fmt.Sprint(doc["reason"]), "no space left") {
		t.Fatalf("health %d %v", code, doc)
	}
	if v, _ := value(scrape(t, env2), "firehose_local_wal_draining", nil); v != 1 {
		t.Fatalf("firehose_local_wal_draining = %v", v)
	}
	// CloudWatch Logs kept its events in the state store, and takes more
	// (in memory if the store cannot write them).
	logsAPI2 := cloudwatchlogs.NewFromConfig(env2.AWS)
	if _, err := logsAPI2.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("ls"),
		LogEvents: []cwltypes.InputLogEvent{{Message: aws.String("on a full disk"), Timestamp: aws.Int64(clock.Now().UnixMilli())}}}); err != nil {
		t.Fatal(err)
	}
	kept, err := logsAPI2.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("ls"), StartFromHead: aws.Bool(true)})
	if err != nil || len(kept.Events) != len(events)+1 || aws.ToString(kept.Events[len(events)].Message) != "on a full disk" {
		t.Fatalf("log events after the restart: %v %v", kept, err)
	}
	fh2 := noRetry(env2)
	_, err = fh2.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s"), Record: &types.Record{Data: []byte("refused\n")}})
	wantServiceUnavailable(t, err)
	_, err = fh2.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s"), Records: []types.Record{{Data: []byte("refused\n")}}})
	wantServiceUnavailable(t, err)

	// 3. It delivers what it holds; that frees the disk.
	env2.Flush(t, "s")
	got := store.lines()
	if got = slices.DeleteFunc(got, func(l string) bool { return maybe[l] }); !slices.Equal(got, slices.Sorted(slices.Values(acked))) {
		t.Fatalf("delivered %d records, want the %d acknowledged", len(got), len(acked))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(walSegments(t, dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("segments left after delivery: %v", walSegments(t, dir))
		}
		time.Sleep(10 * time.Millisecond)
	}

	// 4. Within a second (server clock) of space coming back, it accepts
	// records again.
	if code, _ := health(t, env2); code != http.StatusServiceUnavailable {
		t.Fatalf("health %d before the next try", code)
	}
	clock.Advance(time.Second)
	if code, doc := health(t, env2); code != http.StatusOK || doc["status"] != "ok" {
		t.Fatalf("health %d %v after the disk was freed", code, doc)
	}
	if !strings.Contains(logs.String(), "it can write again: accepting records") {
		t.Fatalf("the log does not say it accepts records again:\n%s", logs.String())
	}
	putBatch(t, fh2, "s", []byte("after\n"))
	env2.Flush(t, "s")
	if got := store.lines(); !slices.Contains(got, "after") {
		t.Fatal("the record put after the drain was not delivered")
	}
	if v, _ := value(scrape(t, env2), "firehose_local_wal_draining", nil); v != 0 {
		t.Fatalf("firehose_local_wal_draining = %v", v)
	}
}

// A data directory of the release before the state store (a0f0eee), on a
// full disk: the state store cannot be created, and the server starts all
// the same, with the stream, the function and the logs read from the old
// files into memory, and delivers what the write-ahead log held. With space
// again, the next start migrates them.
func TestDataDirFullDiskBeforeMigration(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3") // the stream's transform
	dir := testtool.SmallDisk(t, "1m")
	untar(t, "testdata/datadir-a0f0eee.tar.gz", dir)
	testtool.Fill(t, dir)
	ctx := context.Background()
	clock := emulator.NewFakeClock(a0f0eeeCreated.Add(time.Hour))
	var logs testtool.Buffer
	store := &memStore{objs: map[string][]byte{}}
	env := emulatortest.New(t, emulator.Config{DataDir: dir, Store: store, Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "no space left to create the state store") {
		t.Fatalf("the log does not say there is no state store:\n%s", logs.String())
	}
	check := func(env *emulatortest.Env) {
		t.Helper()
		m := readMigrated(t, env)
		if len(m.Tags.Tags) != 2 || aws.ToString(m.Function.Configuration.Handler) != "app.handler" ||
			!slices.Equal(m.Events["/app/orders/web"], []string{"first", "second", "third"}) {
			t.Fatalf("after the start: %s", jsonOf(m))
		}
	}
	check(env)
	env.Flush(t, "orders")
	if got := store.lines(); !slices.Equal(got, []string{"ONE", "THREE", "TWO"}) {
		t.Fatalf("delivered %q", got)
	}
	if err := env.Server.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range a0f0eeeStateFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s, not imported, is gone: %v", f, err)
		}
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	env2 := emulatortest.New(t, emulator.Config{DataDir: dir, Store: &memStore{objs: map[string][]byte{}}, Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if n := strings.Count(logs.String(), "imported"); n != 3 {
		t.Fatalf("%d imports with space again:\n%s", n, logs.String())
	}
	check(env2)
	for _, f := range a0f0eeeStateFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Fatalf("%s is still there after the migration: %v", f, err)
		}
	}
}
