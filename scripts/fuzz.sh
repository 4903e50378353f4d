#!/usr/bin/env bash
# Runs every fuzz target of the module (each `func FuzzX` in a _test.go file)
# for a bounded time: FUZZTIME each (default 5s), one after the other.
#
#   scripts/fuzz.sh                 # every target, 5 s each
#   FUZZTIME=1m scripts/fuzz.sh     # longer, locally
#   scripts/fuzz.sh FuzzDechunk     # only the targets named
#
# A failure leaves the crashing input under the package's testdata/fuzz/,
# where plain `go test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-5s}"
start=$SECONDS
count=0
# "DIR NAME" for every fuzz target, sorted.
mapfile -t targets < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi
for t in "${targets[@]}"; do
  dir=${t% *}
  name=${t#* }
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then
    continue
  fi
  echo "== $name (./$dir, $fuzztime)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir"
  count=$((count + 1))
done
echo "fuzz.sh: $count targets passed in $((SECONDS - start)) s"
