// Command firehose-local is a local emulator of Amazon Data Firehose, with a
// built-in S3, serving every API on one port.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // CustomTimeZone works in a FROM scratch image too

	"github.com/firehose-local/firehose-local/internal/cli"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// leftoverTimeout bounds the killing of what functions left running.
const leftoverTimeout = 5 * time.Second

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	// On Linux the process adopts the orphaned descendants of its functions
	// (a double fork, setsid), reaps them, and kills whatever is still
	// running below it once the server is stopped, so that nothing a
	// function started outlives the server. This is process-wide, hence
	// here and not in the library (see lambdarunner.BecomeSubreaper);
	// elsewhere it is unsupported and the runner's own cleanup is all.
	reaper, _ := lambdarunner.BecomeSubreaper()
	code := cli.Run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr, sig)
	reaper.KillDescendants(leftoverTimeout)
	reaper.Close()
	os.Exit(code)
}
