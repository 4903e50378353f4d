// Command gotransform is a Firehose transform written as users write them
// for AWS, with aws-lambda-go: records starting with "drop" are Dropped,
// "fail" ProcessingFailed, "panic" make it panic, and the rest are
// upper-cased.
package main

import (
	"bytes"
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.KinesisFirehoseEvent) (events.KinesisFirehoseResponse, error) {
	var resp events.KinesisFirehoseResponse
	for _, r := range ev.Records {
		if bytes.HasPrefix(r.Data, []byte("panic")) {
			panic("transform panicked on purpose")
		}
		out := events.KinesisFirehoseResponseRecord{RecordID: r.RecordID, Result: events.KinesisFirehoseTransformedStateOk, Data: bytes.ToUpper(r.Data)}
		switch {
		case bytes.HasPrefix(r.Data, []byte("drop")):
			out.Result = events.KinesisFirehoseTransformedStateDropped
		case bytes.HasPrefix(r.Data, []byte("fail")):
			out.Result = events.KinesisFirehoseTransformedStateProcessingFailed
		}
		resp.Records = append(resp.Records, out)
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
