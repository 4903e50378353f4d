//go:build unix

package lambdarunner

import (
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// shellBootstrap is the smallest custom runtime: a shell loop over the
// Runtime API with curl, like the one in AWS's custom runtime tutorial.
const shellBootstrap = `#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HEADERS="$(mktemp)"
trap 'rm -f "$HEADERS"' EXIT
while true; do
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | tr -d '\r' | cut -d' ' -f2)"
  echo "handling $ID"
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "{\"shell\":$EVENT,\"handler\":\"$_HANDLER\"}"
done
`

func TestShellBootstrapWithCurl(t *testing.T) {
	t.Parallel()
	testtool.LookPath(t, "curl", "apt-get install curl")
	r := newRunner(t, Options{})
	fn := &Function{Name: "shell", Runtime: "provided.al2", Handler: "function.handler",
		CodeDir: writeFiles(t, map[string]string{"bootstrap": shellBootstrap})}
	for i := range 3 {
		res := invoke(t, r, fn, map[string]any{"i": i})
		mustSucceed(t, res)
		got := decode[map[string]any](t, res)
		if !equalJSON(got["shell"], map[string]any{"i": i}) || got["handler"] != "function.handler" {
			t.Fatalf("payload %s", res.Payload)
		}
		checkPlatformLines(t, res, i == 0)
		if !strings.Contains(string(res.Log), "\nhandling "+res.RequestID+"\n") {
			t.Errorf("log:\n%s", res.Log)
		}
	}
}
