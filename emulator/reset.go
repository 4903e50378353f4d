package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firehose-local/firehose-local/emulator/setup"
)

// newSetup gives the setup package (--init, POST /_local/reset) the services;
// New sets its Handler once the routes exist.
func (s *Server) newSetup() *setup.Server {
	su := &setup.Server{Region: s.cfg.Region, Logger: s.log, Init: s.cfg.Init,
		RegisterDir: func(f setup.DirFunction) error {
			return s.lambda.RegisterLocal(f.Region, f.Name, f.Dir, f.Runtime, f.Handler, f.TimeoutDuration(), f.Environment)
		},
		Functions: s.registerLocalFunctions, Streams: s.fh, Runner: s.runner, Logs: s.logs, Console: s.console,
		Kinesis: s.kinesis, Glue: s.glue, Lambda: s.lambda, Forget: s.invocations.reset, S3: s.s3}
	if s.cfg.Auth != nil { // signed with the functions' credentials, which the server accepts
		su.Credentials = &aws.Credentials{AccessKeyID: s.fnCreds.AccessKeyID, SecretAccessKey: s.fnCreds.SecretAccessKey, SessionToken: s.fnCreds.SessionToken}
	}
	return su
}

// Reset clears the server as POST /_local/reset does (see setup.Server.Reset).
func (s *Server) Reset(ctx context.Context, keepFunctions bool) error {
	return s.setup.Reset(ctx, keepFunctions)
}

func (iv *invocations) reset() {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	iv.byFn, iv.byReq = map[string][]*Invocation{}, map[string]*Invocation{}
}
