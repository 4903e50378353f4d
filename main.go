// Command firehose-local is a local emulator of Amazon Data Firehose, with a
// built-in S3, serving every API on one port.
package main

import (
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // CustomTimeZone works in a FROM scratch image too

	"github.com/firehose-local/firehose-local/internal/cli"
)

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(cli.Run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr, sig))
}
