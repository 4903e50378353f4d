package builtin

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/itchyny/gojq"
)

// jq16 returns the path of the jq program, which must be jq 1.6 (Debian
// 12's): Firehose's engine is JQ-1.6, and jq 1.7 prints numbers otherwise.
func jq16(t testing.TB) string {
	t.Helper()
	const install = "apt-get install jq, jq 1.6 as in Debian 12"
	path := testtool.LookPath(t, "jq", install)
	out, err := exec.Command(path, "--version").Output()
	if v := strings.TrimSpace(string(out)); err != nil || v != "jq-1.6" {
		testtool.Missing(t, "jq 1.6 (found "+v+")", install)
	}
	return path
}

// runJQ runs jq with args on input and returns its standard output and
// whether it exited 0.
func runJQ(t testing.TB, jq string, input []byte, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(jq, args...)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("jq %v: %v", args, err)
		}
		return string(out), false
	}
	return string(out), true
}

// TestNotInJQ16: the builtins refused as not jq 1.6's are exactly gojq's
// builtins that `jq -n builtins` does not list.
func TestNotInJQ16(t *testing.T) {
	jq := jq16(t)
	out, ok := runJQ(t, jq, nil, "-n", "-r", "builtins[]")
	if !ok {
		t.Fatal("jq -n builtins failed")
	}
	inJQ := map[string]bool{}
	for _, b := range strings.Fields(out) {
		inJQ[b] = true
	}
	q, err := gojq.Parse("builtins")
	if err != nil {
		t.Fatal(err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := code.Run(nil).Next()
	want := map[string]bool{}
	for _, b := range v.([]any) {
		if !inJQ[b.(string)] {
			want[b.(string)] = true
		}
	}
	if !reflect.DeepEqual(want, notInJQ16) {
		t.Errorf("gojq's builtins that jq 1.6 lacks: %v; notInJQ16: %v", want, notInJQ16)
	}
}
