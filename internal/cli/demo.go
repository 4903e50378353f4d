package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/internal/demo"
)

// demoCommand is `firehose-local demo --stream NAME`: it sends stock-ticker
// demo records to a running server's stream through the Firehose API, shows
// its progress on stderr, and prints a summary on stdout when the duration
// has passed or a signal arrives.
func demoCommand(args []string, getenv func(string) string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("firehose-local demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stream := fs.String("stream", "", "the delivery stream to send to (this or --data-stream is required)")
	dataStream := fs.String("data-stream", "", "instead, the Kinesis data stream to send to (PutRecords), for a delivery stream that reads it")
	rate := fs.Int("rate", 10, fmt.Sprintf("records per second, 1 to %d", demo.MaxRate))
	duration := fs.Duration("duration", 0, "stop after this long, e.g. 30s (default: until Ctrl-C)")
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	defRegion := getenv(EnvPrefix + "REGION")
	if defRegion == "" {
		defRegion = "us-east-1"
	}
	region := fs.String("region", defRegion, "the stream's region (env "+EnvPrefix+"REGION)")
	seed := fs.Uint64("seed", 0, "seed for reproducible records (default: random)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "firehose-local demo:", msg)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case (*stream == "") == (*dataStream == ""):
		return usage("one of --stream and --data-stream is required")
	case *rate < 1 || *rate > demo.MaxRate:
		return usage(fmt.Sprintf("invalid value %d for --rate: want 1 to %d records per second", *rate, demo.MaxRate))
	case *duration < 0:
		return usage(fmt.Sprintf("invalid value %s for --duration: want a positive duration such as 30s", *duration))
	case !regionPattern().MatchString(*region):
		return usage(fmt.Sprintf("invalid value %q for --region: want a region name such as us-east-1", *region))
	}
	var client demo.API = demo.NewClient(strings.TrimSuffix(*endpoint, "/"), *region, clientCredentials(getenv), nil)
	if *dataStream != "" {
		client, *stream = demo.DataStreamClient{Client: client.(*demo.Client)}, *dataStream
	}
	run, err := demo.New(demo.Options{
		Client:   client,
		Stream:   *stream,
		Rate:     *rate,
		Duration: *duration,
		Seed:     *seed,
	})
	if err != nil {
		return usage(err.Error())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		showProgress(ctx, run, stderr)
	}()
	runErr := run.Run(ctx)
	cancel()
	<-progressDone

	st := run.Stats()
	fmt.Fprintf(stdout, "firehose-local demo: sent %d records to %s in %s (%.1f records/s); %d failed\n",
		st.Sent, *stream, st.Elapsed.Round(100*time.Millisecond), st.ActualRate(), st.Failed)
	if st.LastError != "" {
		fmt.Fprintln(stdout, "last error:", st.LastError)
	}
	switch {
	case errors.Is(runErr, demo.ErrStreamNotFound):
		fmt.Fprintf(stderr, "firehose-local demo: no delivery stream named %s in %s at %s\n", *stream, *region, *endpoint)
		return 1
	case runErr != nil:
		fmt.Fprintln(stderr, "firehose-local demo:", runErr)
		return 1
	case st.Sent == 0 && st.Failed > 0:
		return 1
	}
	return 0
}

// showProgress writes the run's counters to w until ctx ends: rewriting one
// line every second on a terminal, a new line every 5 seconds otherwise.
func showProgress(ctx context.Context, run *demo.Run, w io.Writer) {
	tty := isTerminal(w)
	every := 5 * time.Second
	if tty {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// The last line has the final counts, the summary's.
			if tty {
				fmt.Fprintf(w, "\r%s\x1b[K\n", progressLine(run.Stats()))
			} else {
				fmt.Fprintln(w, progressLine(run.Stats()))
			}
			return
		case <-t.C:
			if tty {
				fmt.Fprintf(w, "\r%s\x1b[K", progressLine(run.Stats()))
			} else {
				fmt.Fprintln(w, progressLine(run.Stats()))
			}
		}
	}
}

// progressLine is one line of counters: records sent, rate, errors.
func progressLine(st demo.Stats) string {
	return fmt.Sprintf("demo %s: %d records sent, %.1f records/s, %d errors, %s",
		st.Stream, st.Sent, st.ActualRate(), st.Errors(), st.Elapsed.Truncate(time.Second))
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
