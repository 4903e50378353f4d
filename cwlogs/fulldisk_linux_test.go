//go:build linux

package cwlogs_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/cwlogs"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// A full disk does not keep the Store from opening (the server must start
// to deliver what its write-ahead log holds): a journal it cannot import
// is served from memory and kept for the next start, and the Store takes
// changes in memory. With space again, the next Open imports it.
func TestFullDiskDoesNotStopOpen(t *testing.T) {
	dir := testtool.SmallDisk(t, "512k")
	db := openState(t, dir)
	legacy := filepath.Join(dir, "logs")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	journal := `{"op":"group","g":"app","t":1773500000000,"class":"STANDARD"}` + "\n" +
		`{"op":"events","g":"app","s":"a","t":1773500000001,"ev":[{"t":1773500000100,"q":1,"i":1773500000200,"m":"old"}],"put":true}` + "\n"
	if err := os.WriteFile(filepath.Join(legacy, "logs.jsonl"), []byte(journal), 0o644); err != nil {
		t.Fatal(err)
	}
	testtool.Fill(t, dir)

	var logs testtool.Buffer
	c := &clock{now: t0}
	opts := cwlogs.Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s, err := cwlogs.Open(db.Handle("logs"), legacy, opts)
	if err != nil {
		t.Fatalf("Open on a full disk: %v", err)
	}
	if !strings.Contains(logs.String(), "no space left to write the state store") {
		t.Fatalf("the log does not say logs are not persisted:\n%s", logs.String())
	}
	if got := storeMessages(s, "app", "a"); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("events from the journal: %q", got)
	}
	e := serve(t, s, c)
	e.createStream(t, "app", "b")
	if _, err := e.client.PutLogEvents(ctx(t), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("app"), LogStreamName: aws.String("b"),
		LogEvents: []types.InputLogEvent{{Message: aws.String("in memory"), Timestamp: aws.Int64(ms(t0))}}}); err != nil {
		t.Fatal(err)
	}
	if got := storeMessages(s, "app", "b"); !slices.Equal(got, []string{"in memory"}) {
		t.Fatalf("events put on the full disk: %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(legacy, "logs.jsonl")); err != nil {
		t.Fatalf("the journal that could not be imported is gone: %v", err)
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	s2, err := cwlogs.Open(db.Handle("logs"), legacy, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := storeMessages(s2, "app", "a"); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("events imported with space again: %q", got)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Fatalf("the journal is still there after its import: %v", err)
	}
}
