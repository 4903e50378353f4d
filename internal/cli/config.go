// Package cli is the firehose-local command line: configuration from flags
// and FIREHOSE_LOCAL_* environment variables, the server's lifecycle, and
// the client subcommands.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// EnvPrefix prefixes every environment variable that sets a flag.
const EnvPrefix = "FIREHOSE_LOCAL_"

// Config is the server's command-line configuration.
type Config struct {
	Listen            string
	DataDir           string
	Region            string
	LogLevel          slog.Level
	TransitionDelay   time.Duration
	MaxBufferInterval time.Duration
	S3Endpoint        string
}

// errUsage marks a configuration error: the process exits with code 2.
var errUsage = errors.New("usage")

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// LoadConfig parses args, with defaults taken from the environment (the
// flag wins over its variable), and validates every value.
func LoadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet("firehose-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	var logLevel, transition, maxInterval string
	str := func(p *string, name, def, usage string) {
		v := getenv(envName(name))
		if v == "" {
			v = def
		}
		fs.StringVar(p, name, v, usage+" (env "+envName(name)+")")
	}
	str(&cfg.Listen, "listen", "127.0.0.1:4566", "address to serve every API on")
	str(&cfg.DataDir, "data-dir", "", "directory for persistent state; empty keeps everything in memory")
	str(&cfg.Region, "region", "us-east-1", "region for requests that carry no SigV4 scope")
	str(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	str(&transition, "transition-delay", "0s", "how long streams stay CREATING/DELETING and encryption ENABLING/DISABLING")
	str(&maxInterval, "max-buffer-interval", "0s", "cap on every stream's buffering interval, e.g. 5s (0: AWS behaviour)")
	str(&cfg.S3Endpoint, "s3-endpoint", "", "deliver to this external S3-compatible endpoint instead of the built-in S3")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: firehose-local [flags]\n       firehose-local flush [--stream NAME] [--endpoint URL]\n       firehose-local health [--endpoint URL]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	bad := func(name, value, want string) error {
		return fmt.Errorf("%w: invalid value %q for --%s (%s): %s", errUsage, value, name, envName(name), want)
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return cfg, bad("listen", cfg.Listen, "want HOST:PORT, e.g. 127.0.0.1:4566")
	}
	if !regionPattern.MatchString(cfg.Region) {
		return cfg, bad("region", cfg.Region, "want a region name such as us-east-1")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, bad("log-level", logLevel, "want debug, info, warn or error")
	}
	var err error
	if cfg.TransitionDelay, err = time.ParseDuration(transition); err != nil || cfg.TransitionDelay < 0 {
		return cfg, bad("transition-delay", transition, "want a duration such as 2s")
	}
	if cfg.MaxBufferInterval, err = time.ParseDuration(maxInterval); err != nil || cfg.MaxBufferInterval < 0 {
		return cfg, bad("max-buffer-interval", maxInterval, "want a duration such as 5s")
	}
	if cfg.S3Endpoint != "" {
		u, err := url.Parse(cfg.S3Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, bad("s3-endpoint", cfg.S3Endpoint, "want an http:// or https:// URL")
		}
	}
	return cfg, nil
}

func envName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
