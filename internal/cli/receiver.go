package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/firehose-local/firehose-local/receiver"
)

// receiverCommand is `firehose-local receiver`: an HTTP endpoint for a
// stream's HTTP endpoint destination, or with --splunk a Splunk HTTP Event
// Collector with indexer acknowledgement for a Splunk destination. It
// checks each request against the Firehose specification (or HEC's
// protocol), answers it, and prints one JSON line per request on stdout,
// until a signal arrives.
func receiverCommand(args []string, getenv func(string) string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("firehose-local receiver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(EnvPrefix + "RECEIVER_" + name); v != "" {
			return v
		}
		return def
	}
	listen := fs.String("listen", env("LISTEN", "127.0.0.1:4567"), "address to accept deliveries on (env "+EnvPrefix+"RECEIVER_LISTEN)")
	accessKey := fs.String("access-key", env("ACCESS_KEY", ""), "require this X-Amz-Firehose-Access-Key; others get 401 (env "+EnvPrefix+"RECEIVER_ACCESS_KEY)")
	records := fs.Bool("records", false, "print each record's data too")
	status := fs.Int("status", 200, "answer every well-formed request with this status, to try the stream's retries and S3 backup")
	splunk := fs.Bool("splunk", false, "be a Splunk HTTP Event Collector (raw, event and ack endpoints) for a Splunk destination")
	token := fs.String("token", env("TOKEN", ""), "with --splunk: require this HEC token; others get 403 (env "+EnvPrefix+"RECEIVER_TOKEN)")
	search := fs.String("opensearch", env("OPENSEARCH", ""), "play an OpenSearch cluster's _bulk API instead, for requests signed for this service: es or aoss; "+
		"signatures are verified when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set (env "+EnvPrefix+"RECEIVER_OPENSEARCH)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "firehose-local receiver: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *status < 200 || *status > 599 {
		fmt.Fprintf(stderr, "firehose-local receiver: invalid value %d for --status: want an HTTP status from 200 to 599\n", *status)
		return 2
	}
	var handler http.Handler
	switch {
	case *splunk && *search != "":
		fmt.Fprintln(stderr, "firehose-local receiver: --splunk and --opensearch exclude each other")
		return 2
	case *search != "":
		if *search != "es" && *search != "aoss" {
			fmt.Fprintf(stderr, "firehose-local receiver: invalid value %q for --opensearch: want es or aoss\n", *search)
			return 2
		}
		handler = openSearchReceiver(*search, *status, *records, getenv, stdout)
	case *splunk:
		handler = splunkReceiver(*token, *records, *status, stdout)
	default:
		opts := receiver.Options{AccessKey: *accessKey, Log: stdout, LogRecords: *records, Forget: true}
		if *status != http.StatusOK {
			code := *status
			opts.Respond = func(context.Context, *receiver.Request) *receiver.Response {
				return &receiver.Response{Status: code, ErrorMessage: fmt.Sprintf("firehose-local receiver answers %d (--status)", code)}
			}
		}
		handler = receiver.New(opts)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local receiver:", err)
		return 1
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	fmt.Fprintf(stdout, "firehose-local receiver listening on http://%s\n", l.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		fmt.Fprintln(stderr, "firehose-local receiver:", err)
		return 1
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(stderr, "firehose-local receiver:", err)
		return 1
	}
	return 0
}

// splunkReceiver is the --splunk receiver: HEC with indexer
// acknowledgement, answering data requests with status (and HEC's code 8,
// internal error, or 6, invalid data format) unless it is 200.
func splunkReceiver(token string, events bool, status int, stdout io.Writer) http.Handler {
	opts := receiver.SplunkOptions{Token: token, Log: stdout, LogEvents: events, Forget: true}
	if status != http.StatusOK {
		opts.Respond = func(context.Context, *receiver.SplunkRequest) *receiver.SplunkResponse {
			if status >= 500 {
				return &receiver.SplunkResponse{Status: status, Code: 8, Text: "Internal server error"}
			}
			return &receiver.SplunkResponse{Status: status, Code: 6, Text: "Invalid data format"}
		}
	}
	return receiver.NewSplunk(opts)
}

// openSearchReceiver is `firehose-local receiver --opensearch SERVICE`: a
// strict _bulk receiver that logs each request, verifying signatures with
// the environment's credentials when they are set.
func openSearchReceiver(service string, status int, documents bool, getenv func(string) string, stdout io.Writer) http.Handler {
	opts := receiver.OpenSearchOptions{Service: service, Log: stdout, LogDocuments: documents, Forget: true}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts.Credentials = map[string]string{id: secret}
	}
	if status != http.StatusOK {
		opts.Respond = func(context.Context, *receiver.BulkRequest) *receiver.BulkAnswer {
			return &receiver.BulkAnswer{Status: status}
		}
	}
	return receiver.NewOpenSearch(opts)
}
