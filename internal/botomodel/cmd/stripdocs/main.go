// Command stripdocs writes a botocore model without its documentation:
//
//	stripdocs FULL.json OUT.json
//
// The go:generate lines of protocol, kinesis and cwlogs run it to refresh
// their embedded models from ../shared/aws-models.
package main

import (
	"fmt"
	"os"

	"github.com/firehose-local/firehose-local/internal/botomodel"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stripdocs FULL.json OUT.json")
		os.Exit(2)
	}
	full, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := botomodel.StripDocs(full)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stripdocs:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
