package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit may be set at link time, by builds that have no VCS
// information to stamp (GOFLAGS=-buildvcs=false, a container build without
// .git):
//
//	go build -ldflags "-X github.com/firehose-local/firehose-local/internal/cli.version=v1.2.3 -X github.com/firehose-local/firehose-local/internal/cli.commit=$(git rev-parse HEAD)"
//
// Otherwise the version is the module version the go command recorded
// (`go install …@v1.2.3`, or a pseudo-version in a checkout) or "devel", and
// the commit is the VCS revision it stamped, if any.
var version, commit string

// Version is what --version prints: the version, the commit it was built
// from (with "+dirty" when the work tree had changes) and the Go release,
// e.g. "firehose-local v1.2.3 (commit 8476f59a1b2c, go1.26.8)".
func Version() string {
	v, rev, dirty := version, commit, false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	switch {
	case rev == "":
		rev = "unknown"
	case len(rev) > 12:
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return fmt.Sprintf("firehose-local %s (commit %s, %s)", v, rev, runtime.Version())
}
