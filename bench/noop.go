package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// The no-op server is the baseline: it does the least any server must do
// for a PutRecordBatch — read the whole request and answer a valid
// response of the right size — so the client's own cost shows.
//
// It runs as a separate process (this binary with -serve-noop), like
// firehose-local and moto, so that it does not share the bench client's Go
// runtime (its scheduler, heap and GC). Every target then competes with the
// client for the machine's cores in the same way.

// cannedPutRecordBatchResponse is a valid PutRecordBatch response with n
// successful entries carrying realistic 224-character RecordIds.
func cannedPutRecordBatchResponse(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"FailedPutCount":0,"Encrypted":false,"RequestResponses":[`)
	var prefix [159]byte
	_, _ = rand.Read(prefix[:])
	p := base64.StdEncoding.EncodeToString(prefix[:])
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		var seq [9]byte
		seq[0] = byte(len(p))
		for j := 1; j < 9; j++ {
			seq[j] = byte(uint64(i+1) >> (8 * (8 - j)))
		}
		b.WriteString(`{"RecordId":"`)
		b.WriteString(p)
		b.WriteString(base64.StdEncoding.EncodeToString(seq[:]))
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// cannedPutRecordsResponse is a valid Kinesis PutRecords response with n
// successful entries, with sequence numbers of AWS's length.
func cannedPutRecordsResponse(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"FailedRecordCount":0,"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"SequenceNumber":"49546986683135544286507457936321625675700192471156%06d","ShardId":"shardId-000000000000"}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// noopHandler reads every request body and answers the canned response:
// PutRecords' to Kinesis requests, PutRecordBatch's to the others.
func noopHandler(records int) http.Handler {
	resp := cannedPutRecordBatchResponse(records)
	length := strconv.Itoa(len(resp))
	kresp := cannedPutRecordsResponse(records)
	klength := strconv.Itoa(len(kresp))
	bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := bufs.Get().(*bytes.Buffer)
		buf.Reset()
		_, err := io.Copy(buf, r.Body)
		bufs.Put(buf)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/x-amz-json-1.1"}
		h["X-Amzn-Requestid"] = []string{"00000000-0000-4000-8000-000000000000"}
		if r.Header.Get("X-Amz-Target") == "Kinesis_20131202.PutRecords" {
			h["Content-Length"] = []string{klength}
			_, _ = w.Write(kresp)
			return
		}
		h["Content-Length"] = []string{length}
		_, _ = w.Write(resp)
	})
}

// serveNoop is the -serve-noop mode: it listens on addr, prints the bound
// address on stdout and serves until stdin is closed (the bench exited).
func serveNoop(addr string, records int) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "noop:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://%s\n", l.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	srv := &http.Server{Handler: noopHandler(records), ReadHeaderTimeout: 30 * time.Second}
	_ = srv.Serve(l)
}
