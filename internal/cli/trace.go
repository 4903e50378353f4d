package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/lineage"
)

// traceCommand is `firehose-local trace RECORD_ID [--endpoint URL]`: it
// asks a running server where the record went (GET /_local/records/{id})
// and prints it for people, or with --json as the server answers.
func traceCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: firehose-local trace RECORD_ID [--endpoint URL] [--json]")
		fmt.Fprintln(stderr, "Prints where a record went: its stream, the Lambda invocation that processed it, and the object, error output or buffer it is in.")
		fs.PrintDefaults()
	}
	// The RecordId may come before the flags, between them or after them.
	id, err := parseOperand(fs, args)
	if err != nil {
		return operandExit(stderr, "trace", err)
	}
	if id == "" {
		fs.Usage()
		return 2
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(*endpoint, "/")+lineage.Prefix+"/"+url.PathEscape(id), nil)
	if err == nil {
		err = signAdminRequest(req, getenv)
	}
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local trace:", err)
		return 1
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local trace:", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local trace:", err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			fmt.Fprintf(stderr, "firehose-local trace: %s: %s\n", e.Type, e.Message)
		} else {
			fmt.Fprintf(stderr, "firehose-local trace: %s: %s\n", resp.Status, body)
		}
		return 1
	}
	if *asJSON {
		_, _ = stdout.Write(body)
		return 0
	}
	var r lineage.Record
	if err := json.Unmarshal(body, &r); err != nil {
		fmt.Fprintln(stderr, "firehose-local trace: the server's answer:", err)
		return 1
	}
	printTrace(stdout, r)
	return 0
}

// printTrace writes a record's lineage for people.
func printTrace(w io.Writer, r lineage.Record) {
	ms := func(t int64) string { return time.UnixMilli(t).UTC().Format("2006-01-02T15:04:05.000Z") }
	fmt.Fprintf(w, "Record   %s\n", r.RecordID)
	fmt.Fprintf(w, "Stream   %s (%s), arrived %s\n", r.Stream, r.Region, r.Arrival.UTC().Format("2006-01-02T15:04:05.000Z"))
	state := r.State
	if r.Reason != "" {
		state += ": " + r.Reason
	}
	fmt.Fprintf(w, "State    %s\n", state)
	if inv := r.Invocation; inv != nil {
		verdict := inv.Result
		if inv.Failure != "" {
			verdict = "failed (" + inv.Failure + ")"
		}
		plural := "s"
		if len(inv.Attempts) == 1 {
			plural = ""
		}
		fmt.Fprintf(w, "Lambda   %s: %s after %d attempt%s, %d ms\n", inv.Function, verdict, len(inv.Attempts), plural, inv.DurationMs)
		for i, a := range inv.Attempts {
			line := fmt.Sprintf("         attempt %d: request %s", i+1, a.RequestID)
			if a.RequestID == "" {
				line = fmt.Sprintf("         attempt %d: no request", i+1)
			}
			if a.Error != "" {
				line += ": " + a.Error
			}
			fmt.Fprintln(w, line)
		}
	}
	if b := r.Where; b != nil {
		printBatch(w, "", b, ms)
	} else if r.State == lineage.StateUnknown {
		fmt.Fprintln(w, "Where    unknown: its batch has left the lineage index")
	}
	if b := r.Backup; b != nil {
		printBatch(w, "backup ", b, ms)
	}
}

func printBatch(w io.Writer, what string, b *lineage.RecordBatch, ms func(int64) string) {
	label := "Written"
	if b.ErrorType != "" {
		label = "Error output (" + b.ErrorType + ")"
	}
	if what != "" {
		label = "S3 backup"
	}
	switch {
	case b.Dropped:
		fmt.Fprintf(w, "Dropped  %s\n", b.Error)
		return
	case b.Written:
		where := b.Destination
		if b.Key != "" {
			where = "s3://" + b.Bucket + "/" + b.Key
		}
		pos := fmt.Sprintf("record %d", b.Index+1)
		if len(b.ByteRange) == 2 {
			pos += fmt.Sprintf(", bytes %d-%d of the uncompressed body", b.ByteRange[0], b.ByteRange[1])
		}
		if b.Converted {
			pos += " (converted to Parquet)"
		}
		fmt.Fprintf(w, "%s  %s\n         %s, at %s\n", label, where, pos, ms(b.At))
	default:
		in := "the " + b.Buffer
		if b.Partition != "" {
			in += " of partition " + b.Partition
		}
		fmt.Fprintf(w, "Waiting  in %s (%s)\n", in, label)
	}
	if b.Partition != "" && b.Written {
		fmt.Fprintf(w, "         partition %s\n", b.Partition)
	}
	if len(b.Processors) > 0 && what == "" {
		fmt.Fprintf(w, "         processors %s\n", strings.Join(b.Processors, ", "))
	}
	if b.Error != "" {
		fmt.Fprintf(w, "         last delivery error: %s\n", b.Error)
	}
}
