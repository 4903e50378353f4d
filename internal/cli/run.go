package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
)

// shutdownTimeout bounds a graceful stop: in-flight requests, then every
// buffer delivered.
const shutdownTimeout = 30 * time.Second

// Run is the whole program: it returns the process exit code. Signals come
// in on sig, so tests can stop the server.
func Run(args []string, getenv func(string) string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	if len(args) > 0 {
		switch args[0] {
		case "flush":
			return flushCommand(args[1:], getenv, stdout, stderr)
		case "reset":
			return resetCommand(args[1:], getenv, stdout, stderr)
		case "trace":
			return traceCommand(args[1:], getenv, stdout, stderr)
		case "health":
			return healthCommand(args[1:], getenv, stdout, stderr)
		case "event":
			return eventCommand(args[1:], os.Stdin, stdout, stderr)
		case "invoke":
			return invokeCommand(args[1:], getenv, stdout, stderr)
		case "receiver":
			return receiverCommand(args[1:], getenv, stdout, stderr, sig)
		case "demo":
			return demoCommand(args[1:], getenv, stdout, stderr, sig)
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, Version())
			return 0
		case "help":
			args = []string{"--help"}
		}
	}
	cfg, err := LoadConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local:", strings.TrimPrefix(err.Error(), "usage: "))
		fmt.Fprintln(stderr, "Run 'firehose-local --help' for the commands and flags.")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	for _, r := range cfg.EndpointRewrites {
		logger.Info("HTTP endpoint deliveries are rewritten", "from", r.From, "to", r.To)
	}
	ecfg := emulator.Config{
		DataDir:              cfg.DataDir,
		Fsync:                cfg.Fsync,
		WALSegmentSize:       cfg.WALSegmentSize,
		Region:               cfg.Region,
		TransitionDelay:      cfg.TransitionDelay,
		MaxBufferInterval:    cfg.MaxBufferInterval,
		Logger:               logger,
		Functions:            cfg.Functions,
		LambdaConcurrency:    cfg.LambdaConcurrency,
		EndpointRewrites:     cfg.EndpointRewrites,
		CORSOrigins:          cfg.CORSOrigins,
		AllowedHosts:         cfg.AllowedHosts,
		MaxBodyBytesInFlight: cfg.MaxBodyBytesInFlight,
		KinesisLimits:        cfg.KinesisLimits,
		BodyReadTimeout:      cfg.BodyReadTimeout,
		Init:                 cfg.Init,
		LineageRecords:       cfg.LineageRecords,
	}
	if cfg.Credentials != nil {
		ecfg.Auth = &emulator.AuthConfig{Credentials: cfg.Credentials, ConsoleOpen: cfg.ConsoleOpen}
		logger.Info("every request must be signed (SigV4)", "credentials", len(cfg.Credentials))
	}
	if cfg.S3Endpoint != "" {
		store, err := emulator.NewExternalS3(context.Background(), cfg.S3Endpoint, cfg.Region)
		if err != nil {
			fmt.Fprintln(stderr, "firehose-local:", err)
			return 1
		}
		ecfg.Store = store
	}
	srv, err := emulator.New(ecfg)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local:", err)
		return 1
	}
	addr, err := srv.Start(cfg.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local:", err)
		_ = srv.Close(context.Background())
		return 1
	}
	fmt.Fprintf(stdout, "firehose-local listening on http://%s\n", addr)
	if w := exposureWarning(cfg.Listen, addr, cfg.Credentials != nil); w != "" {
		fmt.Fprintln(stderr, w)
	}

	<-sig
	logger.Info("stopping: delivering every buffer (a second signal forces the exit)", "timeout", shutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	abandoned := "buffered records are lost"
	if cfg.DataDir != "" {
		abandoned = "undelivered records stay in the write-ahead log and are delivered after the next start"
	}
	go func() {
		select {
		case <-sig:
			logger.Warn("second signal: stopping without waiting for deliveries; " + abandoned)
			cancel()
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				logger.Warn("shutdown timeout: stopping without waiting for deliveries; "+abandoned, "timeout", shutdownTimeout)
			}
		}
	}()
	if err := srv.Close(ctx); err != nil {
		logger.Error("stopped with errors", "error", err)
		return 1
	}
	return 0
}

// flushCommand is `firehose-local flush [--stream NAME]`: it asks a running
// server to deliver its buffers and prints the result.
func flushCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local flush", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stream := fs.String("stream", "", "flush only this delivery stream")
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the objects to be written")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	q := url.Values{"timeout": {timeout.String()}}
	if *stream != "" {
		q.Set("stream", *stream)
	}
	return postAdmin("firehose-local flush", strings.TrimSuffix(*endpoint, "/")+"/_local/flush?"+q.Encode(), http.DefaultClient, getenv, stdout, stderr)
}

func defaultEndpoint(getenv func(string) string) string {
	if e := getenv(EnvPrefix + "ENDPOINT"); e != "" {
		return e
	}
	if l := getenv(EnvPrefix + "LISTEN"); l != "" {
		return "http://" + l
	}
	return "http://127.0.0.1:4566"
}

// healthCommand is `firehose-local health`: exit 0 when the server at
// --endpoint answers GET /_local/health with 200. It serves as the
// container's HEALTHCHECK, where no curl exists.
func healthCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(strings.TrimSuffix(*endpoint, "/") + "/_local/health")
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local health:", err)
		return 1
	}
	return printAnswer(resp, stdout)
}
