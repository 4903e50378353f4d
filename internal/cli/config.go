// Package cli is the firehose-local command line: configuration from flags
// and FIREHOSE_LOCAL_* environment variables, the server's lifecycle, and
// the client subcommands.
package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/setup"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// EnvPrefix prefixes every environment variable that sets a flag.
const EnvPrefix = "FIREHOSE_LOCAL_"

// Config is the server's command-line configuration.
type Config struct {
	Listen            string
	DataDir           string
	Fsync             emulator.FsyncPolicy // with DataDir: always (default) or interval
	WALSegmentSize    int64                // with DataDir: bytes per write-ahead log segment (0: 64 MiB)
	Region            string
	LogLevel          slog.Level
	TransitionDelay   time.Duration
	MaxBufferInterval time.Duration
	S3Endpoint        string
	Functions         []emulator.LocalFunction
	LambdaConcurrency int
	EndpointRewrites  []emulator.EndpointRewrite
	// CORSOrigins may call the APIs from web pages (--cors-origins).
	CORSOrigins []string
	// AllowedHosts are further names a browser may reach the server by
	// (--allowed-hosts).
	AllowedHosts []string
	// MaxBodyBytesInFlight and BodyReadTimeout bound request bodies
	// (0: the emulator's defaults, 256 MiB and 30 s).
	MaxBodyBytesInFlight int64
	BodyReadTimeout      time.Duration
	// KinesisLimits applies Kinesis Data Streams' per-shard throughput
	// limits (--kinesis-limits).
	KinesisLimits bool
	// LineageRecords is how many records the lineage index keeps
	// (--lineage-records; negative: off).
	LineageRecords int
	// Credentials (access key ID → secret) are set with --auth sigv4:
	// every request must then be signed with one of them.
	Credentials map[string]string
	// ConsoleOpen serves the console unsigned over loopback (--console-open).
	ConsoleOpen bool
	// Init declares resources to create at start (--init).
	Init *setup.Spec
}

// rewriteFlags collects repeated --endpoint-rewrite FROM=TO values.
type rewriteFlags []emulator.EndpointRewrite

func (f *rewriteFlags) String() string { return "" }

func (f *rewriteFlags) Set(v string) error {
	r, err := parseRewrite(v)
	if err != nil {
		return err
	}
	*f = append(*f, r)
	return nil
}

// parseRewrite reads FROM=TO, two http:// or https:// URLs, or two
// Redshift JDBC URLs (jdbc:redshift:// or jdbc:postgresql://). The first
// "=" followed by a scheme separates them, so FROM may hold a query with "=".
func parseRewrite(v string) (emulator.EndpointRewrite, error) {
	want := fmt.Errorf("want FROM=TO with two http(s) URLs, e.g. https://aws-kinesis-http-intake.logs.datadoghq.com=http://127.0.0.1:4567, or two JDBC URLs, e.g. jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439=jdbc:postgresql://127.0.0.1:5432")
	schemes := func(s string) (jdbc bool, ok bool) {
		rest, jdbc := strings.CutPrefix(s, "jdbc:")
		u, err := url.Parse(rest)
		if err != nil || u.Host == "" {
			return jdbc, false
		}
		if jdbc {
			return true, u.Scheme == "redshift" || u.Scheme == "postgresql"
		}
		return false, u.Scheme == "http" || u.Scheme == "https"
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '=' || !(strings.HasPrefix(v[i+1:], "http://") || strings.HasPrefix(v[i+1:], "https://") ||
			strings.HasPrefix(v[i+1:], "jdbc:redshift://") || strings.HasPrefix(v[i+1:], "jdbc:postgresql://")) {
			continue
		}
		from, to := v[:i], v[i+1:]
		fromJDBC, okFrom := schemes(from)
		toJDBC, okTo := schemes(to)
		if !okFrom || !okTo || fromJDBC != toJDBC {
			return emulator.EndpointRewrite{}, want
		}
		return emulator.EndpointRewrite{From: from, To: to}, nil
	}
	return emulator.EndpointRewrite{}, want
}

// functionFlags collects repeated --function NAME=DIR:RUNTIME:HANDLER values.
// Each is kept with the spec it came from, for error messages.
type functionFlags []functionFlag

type functionFlag struct {
	spec string
	fn   emulator.LocalFunction
}

func (f *functionFlags) String() string { return "" }

func (f *functionFlags) Set(v string) error {
	fn, err := parseFunctionSpec(v)
	if err != nil {
		return err
	}
	*f = append(*f, functionFlag{v, fn})
	return nil
}

// parseFunctionSpec reads NAME=DIR:RUNTIME:HANDLER. DIR may itself contain
// colons only if RUNTIME and HANDLER do not (they are split from the right).
func parseFunctionSpec(v string) (emulator.LocalFunction, error) {
	name, rest, ok := strings.Cut(v, "=")
	parts := strings.Split(rest, ":")
	if !ok || name == "" || len(parts) < 3 {
		return emulator.LocalFunction{}, fmt.Errorf("want NAME=DIR:RUNTIME:HANDLER, e.g. upper=./fn:python3.12:app.handler")
	}
	n := len(parts)
	dir := strings.Join(parts[:n-2], ":")
	if dir == "" || parts[n-2] == "" || parts[n-1] == "" {
		return emulator.LocalFunction{}, fmt.Errorf("want NAME=DIR:RUNTIME:HANDLER, e.g. upper=./fn:python3.12:app.handler")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return emulator.LocalFunction{}, err
	}
	return emulator.LocalFunction{Name: name, Dir: abs, Runtime: parts[n-2], Handler: parts[n-1]}, nil
}

// configFile is the optional --config file: functions to register at start.
type configFile struct {
	Functions []struct {
		Name        string            `json:"name"`
		Dir         string            `json:"dir"`
		Runtime     string            `json:"runtime"`
		Handler     string            `json:"handler"`
		Timeout     int               `json:"timeout"` // seconds
		Region      string            `json:"region"`
		Environment map[string]string `json:"environment"`
	} `json:"functions"`
}

func loadConfigFile(path string) ([]emulator.LocalFunction, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cf configFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []emulator.LocalFunction
	for i, f := range cf.Functions {
		if f.Name == "" || f.Dir == "" || f.Runtime == "" || f.Handler == "" {
			return nil, fmt.Errorf("%s: functions[%d] needs name, dir, runtime and handler", path, i)
		}
		dir := f.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(path), dir)
		}
		out = append(out, emulator.LocalFunction{Name: f.Name, Dir: dir, Runtime: f.Runtime, Handler: f.Handler,
			Region: f.Region, Timeout: time.Duration(f.Timeout) * time.Second, Env: f.Environment})
	}
	return out, nil
}

// usageText is the synopsis of every command.
const usageText = `Usage: firehose-local [flags]            serve every API (see Flags)
       firehose-local flush [--stream NAME] [--endpoint URL]
       firehose-local trace RECORD_ID [--endpoint URL] [--json]
       firehose-local health [--endpoint URL]
       firehose-local reset [--keep functions] [--endpoint URL]
       firehose-local invoke FUNCTION --event FILE [--endpoint URL]
       firehose-local invoke --dir DIR --runtime RUNTIME --handler HANDLER --event FILE
       firehose-local event --records FILE [--keep-newlines]
       firehose-local demo (--stream NAME | --data-stream NAME) [--rate N] [--duration D]
       firehose-local receiver [--listen ADDR] [--access-key KEY] [--records] [--status CODE]
       firehose-local receiver --splunk [--listen ADDR] [--token TOKEN] [--records] [--status CODE]
       firehose-local receiver --opensearch es|aoss [--listen ADDR] [--records] [--status CODE]
       firehose-local version | --version
       firehose-local help | --help
Each command takes --help for its own flags.

Flags:
`

// printUsage writes the synopsis and the server's flags to w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageText)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// errUsage marks a configuration error: the process exits with code 2.
var errUsage = errors.New("usage")

var regionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`) })

// LoadConfig parses args, with defaults taken from the environment (the
// flag wins over its variable), and validates every value.
// With --help it prints the usage to out and returns flag.ErrHelp.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	fs := flag.NewFlagSet("firehose-local", flag.ContinueOnError)
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
	var fsync string
	str(&fsync, "fsync", "", "with --data-dir, when an acknowledged record (or CloudWatch Logs change) is on disk: always (before the answer; the default) or interval (within 100 ms)")
	var walSegment string
	str(&walSegment, "wal-segment-size", "", "with --data-dir, the size of a write-ahead log segment file: a number of bytes with an optional KiB or MiB, from 64KiB to 1024MiB (default 64MiB)")
	str(&cfg.Region, "region", "us-east-1", "region for requests that carry no SigV4 scope")
	str(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	str(&transition, "transition-delay", "0s", "how long streams stay CREATING/DELETING and encryption ENABLING/DISABLING")
	str(&maxInterval, "max-buffer-interval", "0s", "cap on every stream's buffering interval, e.g. 5s (0: AWS behaviour)")
	str(&cfg.S3Endpoint, "s3-endpoint", "", "deliver to this external S3-compatible endpoint instead of the built-in S3")
	var maxBodies, bodyTimeout string
	str(&maxBodies, "max-body-bytes-in-flight", "", "request body bytes held in memory across all requests before requests are refused with their API's throttling error: a number of bytes with an optional KiB or MiB (default 256MiB)")
	str(&bodyTimeout, "body-read-timeout", "", "time a request body may take to arrive, plus 1 s per 256 KiB of its length, before its connection is closed (default 30s)")
	var auth, credentialsPath string
	str(&auth, "auth", "off", "request authentication: off (accept any request) or sigv4 (verify every request's AWS Signature Version 4)")
	str(&credentialsPath, "credentials", "", "with --auth sigv4: AWS shared credentials file whose profiles may sign requests (default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	var lineageRecords string
	str(&lineageRecords, "lineage-records", "", "how many recent records the lineage index keeps, for GET /_local/records/{RecordId} and firehose-local trace: about 45 bytes each, allocated as records arrive (default 1000000; 0: lineage off)")
	var configPath, concurrency, initPath string
	str(&configPath, "config", "", "JSON file of functions to register at start")
	str(&initPath, "init", "", "resources to create at start, and again at each POST /_local/reset: a JSON file of lists of AWS API inputs (buckets, logGroups, functions, kinesisStreams, glueDatabases, glueTables, deliveryStreams), or a directory of such *.json files applied in name order; the variable may hold the JSON itself")
	str(&concurrency, "lambda-concurrency", "0", "warm processes per function (0: one per CPU)")
	var corsOrigins, allowedHosts string
	str(&corsOrigins, "cors-origins", "", "origins whose web pages may call the APIs (the AWS SDK for JavaScript in a browser app), comma-separated, e.g. http://localhost:3000; * allows any. S3 then answers them from each bucket's CORS configuration")
	str(&allowedHosts, "allowed-hosts", "", "further host names by which a browser may reach the server, comma-separated (*.example.test for subdomains, * for any); IP addresses, localhost, *.localhost and single-label names always work, and programs that are not browsers may use any")
	fs.BoolVar(&cfg.ConsoleOpen, "console-open", false, "with --auth sigv4: serve the web console (/_local/ui) without a signature to requests that arrive over loopback (127.0.0.1, ::1) only, so a browser on this machine can open it; every other request is still checked (env "+envName("console-open")+": true or false)")
	fs.BoolVar(&cfg.KinesisLimits, "kinesis-limits", false, "apply Kinesis Data Streams' per-shard throughput limits: 1 MiB or 1,000 records per second in, 5 GetRecords calls or 2 MiB per second out (ProvisionedThroughputExceededException past them) (env "+envName("kinesis-limits")+": true or false)")
	var fns functionFlags
	fs.Var(&fns, "function", "register a function from a directory: NAME=DIR:RUNTIME:HANDLER (repeatable; env "+envName("functions")+", separated by ;)")
	var rewrites rewriteFlags
	fs.Var(&rewrites, "endpoint-rewrite", "deliver HTTP endpoint, Splunk HEC and OpenSearch requests (and Redshift COPYs) for URLs (JDBC URLs) starting with FROM to TO instead: FROM=TO (repeatable; env "+envName("endpoint-rewrite")+", separated by ;)")
	// Parse errors are reported once, by the caller; --help prints the
	// usage to out.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(out, fs)
			return cfg, err
		}
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if len(fns) == 0 {
		for _, spec := range strings.Split(getenv(envName("functions")), ";") {
			if spec = strings.TrimSpace(spec); spec == "" {
				continue
			}
			if err := fns.Set(spec); err != nil {
				return cfg, fmt.Errorf("%w: invalid value %q for --function (%s): %v", errUsage, spec, envName("functions"), err)
			}
		}
	}
	if len(rewrites) == 0 {
		for _, spec := range strings.Split(getenv(envName("endpoint-rewrite")), ";") {
			if spec = strings.TrimSpace(spec); spec == "" {
				continue
			}
			if err := rewrites.Set(spec); err != nil {
				return cfg, fmt.Errorf("%w: invalid value %q for --endpoint-rewrite (%s): %v", errUsage, spec, envName("endpoint-rewrite"), err)
			}
		}
	}
	cfg.EndpointRewrites = rewrites
	bad := func(name, value, want string) error {
		return fmt.Errorf("%w: invalid value %q for --%s (%s): %s", errUsage, value, name, envName(name), want)
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return cfg, bad("listen", cfg.Listen, "want HOST:PORT, e.g. 127.0.0.1:4566")
	}
	if !regionPattern().MatchString(cfg.Region) {
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
	switch p := emulator.FsyncPolicy(fsync); {
	case p != "" && p != emulator.FsyncAlways && p != emulator.FsyncInterval:
		return cfg, bad("fsync", fsync, "want always or interval")
	case p != "" && cfg.DataDir == "":
		return cfg, bad("fsync", fsync, "it applies only with --data-dir")
	case cfg.DataDir != "" && p == "":
		cfg.Fsync = emulator.FsyncAlways
	default:
		cfg.Fsync = p
	}
	if walSegment != "" {
		n, ok := parseSize(walSegment)
		switch {
		case !ok || n < 64<<10 || n > 1<<30:
			return cfg, bad("wal-segment-size", walSegment, "want a size from 64KiB to 1024MiB, such as 16MiB")
		case cfg.DataDir == "":
			return cfg, bad("wal-segment-size", walSegment, "it applies only with --data-dir")
		}
		cfg.WALSegmentSize = n
	}
	if maxBodies != "" {
		n, ok := parseSize(maxBodies)
		if !ok || n < 64<<10 {
			return cfg, bad("max-body-bytes-in-flight", maxBodies, "want a size of at least 64KiB, such as 256MiB")
		}
		cfg.MaxBodyBytesInFlight = n
	}
	if bodyTimeout != "" {
		if cfg.BodyReadTimeout, err = time.ParseDuration(bodyTimeout); err != nil || cfg.BodyReadTimeout <= 0 {
			return cfg, bad("body-read-timeout", bodyTimeout, "want a positive duration such as 30s")
		}
	}
	kinesisLimitsSet := false
	consoleOpenSet := false
	fs.Visit(func(f *flag.Flag) { consoleOpenSet = consoleOpenSet || f.Name == "console-open" })
	if v := getenv(envName("console-open")); v != "" && !consoleOpenSet {
		if cfg.ConsoleOpen, err = strconv.ParseBool(v); err != nil {
			return cfg, bad("console-open", v, "want true or false")
		}
	}
	fs.Visit(func(f *flag.Flag) { kinesisLimitsSet = kinesisLimitsSet || f.Name == "kinesis-limits" })
	if v := getenv(envName("kinesis-limits")); v != "" && !kinesisLimitsSet {
		if cfg.KinesisLimits, err = strconv.ParseBool(v); err != nil {
			return cfg, bad("kinesis-limits", v, "want true or false")
		}
	}
	switch n, err := strconv.Atoi(lineageRecords); {
	case lineageRecords == "":
	case err != nil || n < 0 || n > 100_000_000:
		return cfg, bad("lineage-records", lineageRecords, "want a number of records from 0 (off) to 100000000")
	case n == 0:
		cfg.LineageRecords = -1
	default:
		cfg.LineageRecords = n
	}
	if n, err := strconv.Atoi(concurrency); err != nil || n < 0 {
		return cfg, bad("lambda-concurrency", concurrency, "want a whole number of processes")
	} else {
		cfg.LambdaConcurrency = n
	}
	if configPath != "" {
		fromFile, err := loadConfigFile(configPath)
		if err != nil {
			return cfg, bad("config", configPath, err.Error())
		}
		cfg.Functions = append(cfg.Functions, fromFile...)
	}
	if initPath != "" {
		spec, err := setup.Load(initPath)
		if err != nil {
			return cfg, bad("init", shorten(initPath), err.Error())
		}
		cfg.Init = spec
	}
	for _, f := range fns {
		// The variable is FIREHOSE_LOCAL_FUNCTIONS; the flag, --function.
		bad := func(want string) error {
			return fmt.Errorf("%w: invalid value %q for --function (%s): %s", errUsage, f.spec, envName("functions"), want)
		}
		if info, err := os.Stat(f.fn.Dir); err != nil || !info.IsDir() {
			return cfg, bad("the directory " + f.fn.Dir + " does not exist")
		}
		if !lambdarunner.SupportedRuntime(f.fn.Runtime) {
			return cfg, bad("unsupported runtime " + f.fn.Runtime + "; supported: " + strings.Join(lambdarunner.SupportedRuntimes(), ", "))
		}
		cfg.Functions = append(cfg.Functions, f.fn)
	}
	switch auth {
	case "off":
		if credentialsPath != "" {
			return cfg, bad("credentials", credentialsPath, "it is only used with --auth sigv4")
		}
		if cfg.ConsoleOpen {
			return cfg, bad("console-open", "true", "it is only used with --auth sigv4")
		}
	case "sigv4":
		if credentialsPath != "" {
			creds, err := loadCredentialsFile(credentialsPath)
			if err != nil {
				return cfg, bad("credentials", credentialsPath, err.Error())
			}
			cfg.Credentials = creds
		} else if c, ok := envCredentials(getenv); ok {
			cfg.Credentials = map[string]string{c.AccessKeyID: c.SecretAccessKey}
		} else {
			return cfg, bad("auth", auth, "no credentials to verify signatures with: give --credentials FILE ("+
				envName("credentials")+") or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
	default:
		return cfg, bad("auth", auth, "want off or sigv4")
	}
	for _, o := range splitList(corsOrigins) {
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
				return cfg, bad("cors-origins", o, "want origins such as http://localhost:3000 (scheme, host and port, no path), or *")
			}
			o = u.Scheme + "://" + u.Host
		}
		cfg.CORSOrigins = append(cfg.CORSOrigins, o)
	}
	for _, h := range splitList(allowedHosts) {
		name := strings.TrimPrefix(h, "*.")
		if h != "*" && (name == "" || strings.ContainsAny(name, "/:*@ ")) {
			return cfg, bad("allowed-hosts", h, "want host names without a port, such as firehose.test or *.example.test, or *")
		}
		cfg.AllowedHosts = append(cfg.AllowedHosts, h)
	}
	if cfg.S3Endpoint != "" {
		u, err := url.Parse(cfg.S3Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, bad("s3-endpoint", cfg.S3Endpoint, "want an http:// or https:// URL")
		}
	}
	return cfg, nil
}

// shorten keeps a message about a value that may be a whole JSON document
// readable.
func shorten(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 60 {
		return v[:57] + "..."
	}
	return v
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func envName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseSize reads a byte count with an optional KiB or MiB suffix.
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "MiB"):
		mult, s = 1<<20, strings.TrimSuffix(s, "MiB")
	case strings.HasSuffix(s, "KiB"):
		mult, s = 1<<10, strings.TrimSuffix(s, "KiB")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return 0, false
	}
	return n * mult, true
}
