// Command gohandler is an aws-lambda-go function used by lambdarunner's
// tests. The event's "action" selects the behaviour.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Event drives the handler.
type Event struct {
	Action string   `json:"action"`
	Value  any      `json:"value,omitempty"`
	Ms     int      `json:"ms,omitempty"`
	Code   int      `json:"code,omitempty"`
	Size   int      `json:"size,omitempty"`
	Lines  []string `json:"lines,omitempty"`
	// PrintPID makes the handler print "pid N" first.
	PrintPID bool `json:"printPid,omitempty"`
}

// Info is what the "info" action returns.
type Info struct {
	Value              any               `json:"value"`
	PID                int               `json:"pid"`
	RequestID          string            `json:"requestId"`
	InvokedFunctionArn string            `json:"invokedFunctionArn"`
	DeadlineMs         int64             `json:"deadlineMs"`
	FunctionName       string            `json:"functionName"`
	FunctionVersion    string            `json:"functionVersion"`
	MemoryLimitInMB    int               `json:"memoryLimitInMB"`
	LogGroupName       string            `json:"logGroupName"`
	LogStreamName      string            `json:"logStreamName"`
	ClientContext      map[string]string `json:"clientContextCustom"`
	CognitoIdentityID  string            `json:"cognitoIdentityId"`
	TraceID            string            `json:"traceId"`
	Env                map[string]string `json:"env"`
	Cwd                string            `json:"cwd"`
	Extra              any               `json:"extra,omitempty"`
}

func handle(ctx context.Context, ev Event) (any, error) {
	if ev.PrintPID {
		fmt.Printf("pid %d\n", os.Getpid())
	}
	for _, l := range ev.Lines {
		fmt.Println(l)
	}
	switch ev.Action {
	case "echo":
		return ev.Value, nil
	case "info":
		lc, _ := lambdacontext.FromContext(ctx)
		dl, _ := ctx.Deadline()
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		cwd, _ := os.Getwd()
		info := Info{
			Value:              ev.Value,
			PID:                os.Getpid(),
			RequestID:          lc.AwsRequestID,
			InvokedFunctionArn: lc.InvokedFunctionArn,
			DeadlineMs:         dl.UnixMilli(),
			FunctionName:       lambdacontext.FunctionName,
			FunctionVersion:    lambdacontext.FunctionVersion,
			MemoryLimitInMB:    lambdacontext.MemoryLimitInMB,
			LogGroupName:       lambdacontext.LogGroupName,
			LogStreamName:      lambdacontext.LogStreamName,
			ClientContext:      lc.ClientContext.Custom,
			CognitoIdentityID:  lc.Identity.CognitoIdentityID,
			TraceID:            os.Getenv("_X_AMZN_TRACE_ID"),
			Env:                env,
			Cwd:                cwd,
		}
		return info, nil
	case "sleep":
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return map[string]int{"pid": os.Getpid()}, nil
	case "error":
		return nil, errors.New("boom")
	case "panic":
		panic("handler panicked on purpose")
	case "exit":
		os.Exit(ev.Code)
	case "big":
		return strings.Repeat("x", ev.Size), nil
	case "flood":
		// Size bytes on stdout without a newline, then a line.
		buf := []byte(strings.Repeat("x", 1<<20))
		for n := ev.Size; n > 0; n -= len(buf) {
			if _, err := os.Stdout.Write(buf[:min(n, len(buf))]); err != nil {
				return nil, err
			}
		}
		fmt.Println()
		fmt.Println("after the flood")
		return "flooded", nil
	case "spawn":
		// A child in the same process group, to check that killing the
		// group reaches it.
		cmd := exec.Command("sleep", "300")
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return map[string]int{"pid": os.Getpid(), "child": cmd.Process.Pid}, nil
	}
	return nil, fmt.Errorf("unknown action %q", ev.Action)
}

func main() { lambda.Start(handle) }
