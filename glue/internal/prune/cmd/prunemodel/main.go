// Command prunemodel writes a botocore model cut down to some operations:
//
//	prunemodel FULL.json OUT.json Op1 Op2 ...
//
// glue's go:generate line runs it to refresh models/glue-2017-03-31.json.
package main

import (
	"fmt"
	"os"

	"github.com/firehose-local/firehose-local/glue/internal/prune"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: prunemodel FULL.json OUT.json Operation...")
		os.Exit(2)
	}
	full, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := prune.Model(full, os.Args[3:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "prunemodel:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
