// Command identity is the Firehose transform of the end-to-end benchmark,
// written as users write one for AWS with aws-lambda-go: every record comes
// back Ok with its data unchanged.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.KinesisFirehoseEvent) (events.KinesisFirehoseResponse, error) {
	resp := events.KinesisFirehoseResponse{Records: make([]events.KinesisFirehoseResponseRecord, len(ev.Records))}
	for i, r := range ev.Records {
		resp.Records[i] = events.KinesisFirehoseResponseRecord{
			RecordID: r.RecordID,
			Result:   events.KinesisFirehoseTransformedStateOk,
			Data:     r.Data,
		}
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
