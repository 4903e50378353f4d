package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/firehose-local/firehose-local/emulator/setup"
)

// setupClient calls the server's own handler, signed with the functions'
// credentials when requests must be signed.
func (s *Server) setupClient() *setup.Client {
	c := &setup.Client{Handler: s.handler}
	if s.cfg.Auth != nil {
		creds := aws.Credentials{AccessKeyID: s.fnCreds.AccessKeyID, SecretAccessKey: s.fnCreds.SecretAccessKey, SessionToken: s.fnCreds.SessionToken}
		signer := v4.NewSigner()
		c.Sign = func(req *http.Request, service, region string, body []byte) error {
			if region == "" {
				region = s.cfg.Region
			}
			sum := sha256.Sum256(body)
			hash := hex.EncodeToString(sum[:])
			req.Header.Set("X-Amz-Content-Sha256", hash)
			return signer.SignHTTP(req.Context(), creds, req, hash, service, region, time.Now())
		}
	}
	return c
}

// applyInit creates what Config.Init declares, leaving alone what exists
// already if skipExisting.
func (s *Server) applyInit(ctx context.Context, skipExisting bool) error {
	if s.cfg.Init.Empty() {
		return nil
	}
	res, err := setup.Apply(ctx, s.cfg.Init, setup.Options{
		Client:       s.setupClient(),
		SkipExisting: skipExisting,
		Logger:       s.log,
		RegisterDir: func(f setup.DirFunction) error {
			return s.lambda.RegisterLocal(f.Region, f.Name, f.Dir, f.Runtime, f.Handler, f.TimeoutDuration(), f.Environment)
		},
	})
	if err != nil {
		return err
	}
	s.log.Info("init: resources created", "created", res.Created, "existing", res.Existing, "files", strings.Join(s.cfg.Init.Files, ","))
	return nil
}
