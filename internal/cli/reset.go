package cli

import (
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// resetCommand is `firehose-local reset [--keep functions]`: it asks a
// running server to delete every resource (and apply its --init file
// again) and prints the answer.
func resetCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local reset", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keep := fs.String("keep", "", "what to keep: functions (the registered Lambda functions and their warm processes)")
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the reset")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	q := url.Values{}
	if *keep != "" {
		q.Set("keep", *keep)
	}
	u := strings.TrimSuffix(*endpoint, "/") + "/_local/reset"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return postAdmin("firehose-local reset", u, &http.Client{Timeout: *timeout}, getenv, stdout, stderr)
}
