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
// stream's HTTP endpoint destination. It checks each request against the
// Firehose specification, answers it, and prints one JSON line per request
// on stdout, until a signal arrives.
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
	opts := receiver.Options{AccessKey: *accessKey, Log: stdout, LogRecords: *records, Forget: true}
	if *status != http.StatusOK {
		code := *status
		opts.Respond = func(context.Context, *receiver.Request) *receiver.Response {
			return &receiver.Response{Status: code, ErrorMessage: fmt.Sprintf("firehose-local receiver answers %d (--status)", code)}
		}
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local receiver:", err)
		return 1
	}
	srv := &http.Server{Handler: receiver.New(opts), ReadHeaderTimeout: 30 * time.Second}
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
