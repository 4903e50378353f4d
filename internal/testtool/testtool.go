// Package testtool finds the programs that tests check firehose-local
// against: interpreters for functions, and readers we did not write (gzip,
// python-snappy, snappy-java, the AWS CLI, curl, Chromium, DuckDB and
// hyparquet).
//
// A test that needs a missing program is skipped, naming it and how to
// install it, so that `go test ./...` works on a bare machine. With
// FIREHOSE_LOCAL_REQUIRE_TOOLS=1, as .ci/run sets after installing them
// all, it fails instead: CI never passes by skipping.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that turns a missing program into a failure.
const RequireEnv = "FIREHOSE_LOCAL_REQUIRE_TOOLS"

// Required reports whether missing programs fail tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing ends t for want of what (with how to install it): a skip, or a
// failure when Required.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	msg := what + " is missing"
	if install != "" {
		msg += " (" + install + ")"
	}
	if Required() {
		t.Fatalf("%s=1 but %s", RequireEnv, msg)
	}
	t.Skip(msg)
}

// LookPath returns the path of the program name, or calls Missing.
func LookPath(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, install)
	}
	return p
}
