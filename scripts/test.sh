#!/usr/bin/env bash
# The project's tests, as .ci/run runs them: gofmt, vet, staticcheck, every test under the race
# detector, the load soak, and every fuzz target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

test -z "$(gofmt -l .)" || { echo "gofmt: these files need formatting:"; gofmt -l .; exit 1; }
go vet ./...
# staticcheck, pinned; `go run` fetches and builds it through the module proxy.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 ./...

# The load soak: an hour of 50 busy streams in about a minute, checking that
# memory, goroutines and function processes stay bounded.
FIREHOSE_LOCAL_SOAK=1 go test -race -count=1 -run '^TestSoak$' -timeout 10m ./integration

# Hostile input: every fuzz target for a bounded time (4 s of fuzzing each
# plus their builds: about 60-90 s in all).
FUZZTIME="${FUZZTIME:-4s}" scripts/fuzz.sh
