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
#
# Go 1.26's fuzz coordinator can report "context deadline exceeded" and exit 1
# when -fuzztime runs out while a worker is mid-call (golang/go#75804, fixed
# in Go 1.27). That is not a finding: nothing is written to testdata/fuzz. A
# run that fails that way, with no reproducer and no other failure line, is
# run again (up to twice); any other failure fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-5s}"
start=$SECONDS
count=0
flakes=0
# "DIR NAME" for every fuzz target, sorted.
mapfile -t targets < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# files DIR: how many files DIR holds (0 when it does not exist).
files() { { find "$1" -type f 2>/dev/null || true; } | wc -l; }

# deadline_flake LOG CORPUS_BEFORE CORPUS_DIR: true when the failed run in LOG
# is only the coordinator's deadline race.
deadline_flake() {
  local out=$1 before=$2 dir=$3
  grep -q 'context deadline exceeded' "$out" || return 1
  grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:|fuzz: minimizing|timed out' "$out" && return 1
  [ "$(files "$dir")" -eq "$before" ] || return 1
}

for t in "${targets[@]}"; do
  dir=${t% *}
  name=${t#* }
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then
    continue
  fi
  corpus="$dir/testdata/fuzz/$name"
  for attempt in 1 2 3; do
    echo "== $name (./$dir, $fuzztime)"
    before=$(files "$corpus")
    if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir" >"$log" 2>&1; then
      cat "$log"
      break
    fi
    cat "$log"
    if [ "$attempt" -lt 3 ] && deadline_flake "$log" "$before" "$corpus"; then
      echo "fuzz.sh: $name hit the -fuzztime deadline race (golang/go#75804), no reproducer written; running it again"
      flakes=$((flakes + 1))
      continue
    fi
    echo "fuzz.sh: $name failed" >&2
    exit 1
  done
  count=$((count + 1))
done
echo "fuzz.sh: $count targets passed in $((SECONDS - start)) s ($flakes deadline-race re-runs)"
