// Command echo is the trivial aws-lambda-go handler of the invoke
// benchmark: it returns its event unchanged. It is built as a
// provided.al2023 bootstrap (CGO_ENABLED=0) by the benchmark.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil }

func main() { lambda.Start(handle) }
