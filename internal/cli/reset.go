package cli

import (
	"errors"
	"flag"
	"fmt"
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
	req, err := http.NewRequest(http.MethodPost, u, nil)
	if err == nil {
		// A server with --auth sigv4 wants it signed (with AWS_* credentials).
		err = signAdminRequest(req, getenv)
	}
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local reset:", err)
		return 1
	}
	resp, err := (&http.Client{Timeout: *timeout}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local reset:", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(stdout, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
