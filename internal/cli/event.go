package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// firehoseEvent is the event Firehose sends a transform function.
type firehoseEvent struct {
	InvocationID      string        `json:"invocationId"`
	DeliveryStreamArn string        `json:"deliveryStreamArn"`
	Region            string        `json:"region"`
	Records           []eventRecord `json:"records"`
}

type eventRecord struct {
	RecordID                    string `json:"recordId"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	Data                        []byte `json:"data"`
}

// eventCommand is `firehose-local event --records FILE`: it writes a
// Firehose-shaped event.json with one record per line of FILE, to try a
// transform function alone before wiring it into a stream.
func eventCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local event", flag.ContinueOnError)
	fs.SetOutput(stderr)
	records := fs.String("records", "-", "file with one record per line (- for standard input)")
	stream := fs.String("stream", "my-stream", "delivery stream name for deliveryStreamArn")
	region := fs.String("region", "us-east-1", "region for deliveryStreamArn and region")
	keepNewlines := fs.Bool("keep-newlines", false, "keep each line's trailing newline in the record data")
	out := fs.String("out", "-", "where to write the event (- for standard output)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	in := stdin
	if *records != "-" {
		f, err := os.Open(*records)
		if err != nil {
			fmt.Fprintln(stderr, "firehose-local event:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	ev := firehoseEvent{
		InvocationID:      uuid.NewString(),
		DeliveryStreamArn: "arn:aws:firehose:" + *region + ":000000000000:deliverystream/" + *stream,
		Region:            *region,
		Records:           []eventRecord{},
	}
	now := time.Now().UnixMilli()
	r := bufio.NewReader(in)
	for i := 1; ; i++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if !*keepNewlines {
				line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			}
			ev.Records = append(ev.Records, eventRecord{RecordID: "record" + strconv.Itoa(i), ApproximateArrivalTimestamp: now, Data: line})
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(stderr, "firehose-local event:", err)
			return 1
		}
	}
	b, _ := json.MarshalIndent(ev, "", "  ")
	b = append(b, '\n')
	if *out == "-" {
		_, _ = stdout.Write(b)
		return 0
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(stderr, "firehose-local event:", err)
		return 1
	}
	return 0
}
