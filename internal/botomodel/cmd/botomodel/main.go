// Command botomodel writes a botocore model as a service embeds it:
//
//	botomodel strip FULL.json OUT.json            # without its documentation
//	botomodel prune FULL.json OUT.json Op1 Op2 …  # cut down to some operations, without documentation
//
// The go:generate lines of protocol, kinesis, cwlogs (strip) and glue
// (prune) run it to refresh their embedded models from the whole ones
// (internal/botomodel/testdata).
package main

import (
	"fmt"
	"os"

	"github.com/firehose-local/firehose-local/internal/botomodel"
)

func main() {
	args := os.Args[1:]
	var transform func([]byte) ([]byte, error)
	switch {
	case len(args) == 3 && args[0] == "strip":
		transform = botomodel.StripDocs
	case len(args) >= 4 && args[0] == "prune":
		transform = func(full []byte) ([]byte, error) { return botomodel.PruneWithoutDocs(full, args[3:]) }
	default:
		fmt.Fprintln(os.Stderr, "usage: botomodel strip FULL.json OUT.json\n       botomodel prune FULL.json OUT.json Operation...")
		os.Exit(2)
	}
	full, err := os.ReadFile(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := transform(full)
	if err != nil {
		fmt.Fprintln(os.Stderr, "botomodel:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
