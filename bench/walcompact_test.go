package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"

	"github.com/firehose-local/firehose-local/emulator"
)

// scrapeMetrics reads what the -wal-compaction bench needs from a real
// server's /metrics: labelled samples summed by name.
func TestScrapeMetrics(t *testing.T) {
	srv, err := emulator.New(emulator.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr.String()
	cfg := awsConfig(url, 1)
	if err := setupStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	recs := makeRecords(1, 10, 100)
	if _, err := firehose.NewFromConfig(cfg).PutRecordBatch(context.Background(), &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(benchStream), Records: recs}); err != nil {
		t.Fatal(err)
	}
	m, err := scrapeMetrics(url)
	if err != nil {
		t.Fatal(err)
	}
	if m["firehose_incoming_bytes_total"] != 1000 || m["firehose_local_wal_appended_bytes_total"] == 0 {
		t.Fatalf("incoming %v, appended %v", m["firehose_incoming_bytes_total"], m["firehose_local_wal_appended_bytes_total"])
	}
	if _, ok := m["firehose_local_wal_compacted_bytes_total"]; !ok {
		t.Fatal("no firehose_local_wal_compacted_bytes_total")
	}
}
