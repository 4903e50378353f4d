package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/lambdaapi"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// LocalFunction registers a function straight from a directory on disk, the
// `--function NAME=DIR:RUNTIME:HANDLER` shortcut. Its code is read again at
// every cold start, and an edit takes effect on the next invocation.
type LocalFunction struct {
	Name, Dir, Runtime, Handler string
	Region                      string        // default: the server's default region
	Timeout                     time.Duration // default 3 s, as Lambda's
	Env                         map[string]string
}

// startLambda creates the function runner and the Lambda API.
func (s *Server) startLambda() error {
	codeDir := filepath.Join(s.cfg.DataDir, "lambda")
	if s.cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "firehose-local-lambda-")
		if err != nil {
			return err
		}
		s.tempDirs = append(s.tempDirs, dir)
		codeDir = dir
	}
	s.runner = lambdarunner.New(lambdarunner.Options{
		Logger:      s.log.With("service", "lambda"),
		Concurrency: s.cfg.LambdaConcurrency,
		LogSink:     s.functionLogSink(),
		OnInvoke: func(fn *lambdarunner.Function, res lambdarunner.Result, err error) {
			s.invocations.record(fn, res, err, s.clock.Now())
			s.functionStats.observe(fn, res, err)
		},
		Credentials: s.fnCreds,
		// The rate limit on function output in the server's log runs on
		// the server's clock.
		Now: s.clock.Now,
	})
	svc, err := lambdaapi.New(lambdaapi.Config{
		Runner:        s.runner,
		CodeDir:       codeDir,
		State:         s.state.Handle("lambda"),
		Account:       s.account,
		DefaultRegion: s.cfg.Region,
		Logger:        s.log.With("service", "lambda"),
		Now:           s.clock.Now,
		Bodies:        s.bodies,
		GetObject: func(ctx context.Context, bucket, key string) ([]byte, error) {
			b, _, err := s.s3.GetObject(ctx, bucket, key)
			return b, err
		},
	})
	if err != nil {
		_ = s.runner.Close()
		return err
	}
	s.lambda = svc
	return s.registerLocalFunctions()
}

// registerLocalFunctions registers the functions of Config.Functions.
func (s *Server) registerLocalFunctions() error {
	svc := s.lambda
	for _, f := range s.cfg.Functions {
		region := f.Region
		if region == "" {
			region = s.cfg.Region
		}
		timeout := f.Timeout
		if timeout == 0 {
			timeout = 3 * time.Second
		}
		if err := svc.RegisterLocal(region, f.Name, f.Dir, f.Runtime, f.Handler, timeout, f.Env); err != nil {
			return fmt.Errorf("function %s: %w", f.Name, err)
		}
	}
	return nil
}

// Lambda is the Lambda API service, for direct use from Go.
func (s *Server) Lambda() *lambdaapi.Service { return s.lambda }

// invokeFunction runs a transform function synchronously. A function
// that does not exist is an error wrapping ErrFunctionNotFound; a function
// error is a Result with FunctionError set.
func (s *Server) invokeFunction(ctx context.Context, region, ref string, payload []byte) (lambdarunner.Result, error) {
	res, err := s.lambda.Invoke(ctx, region, ref, payload)
	if errors.Is(err, lambdaapi.ErrFunctionNotFound) {
		return res, fmt.Errorf("%w: %v", delivery.ErrFunctionNotFound, err)
	}
	return res, err
}
