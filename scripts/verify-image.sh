#!/usr/bin/env bash
# verify-image.sh: check the container image's final stage without a Docker
# engine or the golang builder image. Needs buildah (tested with 1.28) and
# root (buildah mount and chroot). Not part of CI.
#
# It builds the static binary, builds Dockerfile.prebuilt (the final stage of
# Dockerfile fed that binary) with buildah, checks the image config and the
# filesystem modes, then runs the binary from the image's root filesystem
# under chroot on a loopback port: the health subcommand as the HEALTHCHECK
# runs it must exit 0, and SIGTERM must stop the server with exit code 0.
# It exits non-zero at the first failed check.
#
#   sudo scripts/verify-image.sh        # KEEP_IMAGE=0 removes the image after
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-firehose-local:test}
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok:   $*"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (buildah mount and chroot need it)"
command -v buildah >/dev/null || fail "buildah not found (apt-get install buildah)"
command -v chroot >/dev/null || fail "chroot not found"

ctx= ctr= mnt= pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  if [ -n "$ctr" ]; then
    buildah umount "$ctr" >/dev/null 2>&1 || true
    buildah rm "$ctr" >/dev/null 2>&1 || true
  fi
  [ -z "$ctx" ] || rm -rf "$ctx"
  if [ "${KEEP_IMAGE:-1}" = 0 ]; then buildah rmi "$IMAGE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# The final stage of Dockerfile and Dockerfile.prebuilt must stay identical
# except for where /rootfs comes from.
final_stage() { sed -n '/^FROM scratch AS final$/,$p' "$1" | grep -v -e '^#' -e '^$'; }
diff <(final_stage Dockerfile | sed 's#^COPY --from=build /rootfs/ /$#COPY rootfs/ /#') \
  <(final_stage Dockerfile.prebuilt) >&2 ||
  fail "the final stage of Dockerfile and Dockerfile.prebuilt differ"
ok "Dockerfile final stage == Dockerfile.prebuilt (except the COPY source)"

# 1. The binary, built as the Dockerfile builds it.
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o firehose-local .
buildinfo=$(go version -m firehose-local)
grep -q 'build[[:space:]]*CGO_ENABLED=0' <<<"$buildinfo" || fail "binary not built with CGO_ENABLED=0"
grep -q 'build[[:space:]]*-trimpath=true' <<<"$buildinfo" || fail "binary not built with -trimpath"
if command -v file >/dev/null; then
  file firehose-local | grep -q 'statically linked' || fail "binary is not statically linked: $(file firehose-local)"
  ok "binary: $(file -b firehose-local | cut -d, -f1-2), statically linked, CGO_ENABLED=0, -trimpath"
else
  ok "binary: CGO_ENABLED=0, -trimpath"
fi

# 2. The image. The context mirrors the builder stage's /rootfs.
ctx=$(mktemp -d)
install -d -m 0755 "$ctx/rootfs" "$ctx/rootfs/data" "$ctx/rootfs/etc/ssl/certs"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
install -d -m 1777 "$ctx/rootfs/tmp"
install -m 0755 firehose-local "$ctx/rootfs/firehose-local"
buildah bud --isolation=chroot --format docker -q -f Dockerfile.prebuilt -t "$IMAGE" "$ctx" >/dev/null
ok "buildah bud --isolation=chroot --format docker -f Dockerfile.prebuilt -t $IMAGE"

cfg() { buildah inspect --type image --format "$1" "$IMAGE"; }
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  ok "$1: $2"
}
expect "entrypoint" "$(cfg '{{.Docker.Config.Entrypoint}}')" "[/firehose-local]"
expect "cmd" "$(cfg '{{.Docker.Config.Cmd}}')" "[]"
expect "env" "$(cfg '{{range .Docker.Config.Env}}{{.}} {{end}}')" \
  "$PATH_ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566 "
expect "exposed ports" "$(cfg '{{range $p, $_ := .Docker.Config.ExposedPorts}}{{$p}} {{end}}')" "4566/tcp "
expect "volumes" "$(cfg '{{range $v, $_ := .Docker.Config.Volumes}}{{$v}} {{end}}')" "/data "
expect "healthcheck" "$(cfg '{{with .Docker.Config.Healthcheck}}{{.Test}} interval={{.Interval}} timeout={{.Timeout}} start-period={{.StartPeriod}}{{end}}')" \
  "[CMD /firehose-local health] interval=10s timeout=3s start-period=2s"
expect "user" "$(cfg '{{.Docker.Config.User}}')" ""

# 3. The root filesystem: exactly the binary, CA certificates, /data and a sticky /tmp.
ctr=$(buildah from "$IMAGE")
mnt=$(buildah mount "$ctr")
expect "root filesystem entries" "$(ls -A "$mnt" | tr '\n' ' ')" "data etc firehose-local tmp "
expect "/firehose-local mode" "$(stat -c '%A %u:%g' "$mnt/firehose-local")" "-rwxr-xr-x 0:0"
expect "/data mode" "$(stat -c '%A %u:%g' "$mnt/data")" "drwxr-xr-x 0:0"
expect "/tmp mode" "$(stat -c '%A %u:%g' "$mnt/tmp")" "drwxrwxrwt 0:0"
cmp -s firehose-local "$mnt/firehose-local" || fail "/firehose-local in the image is not the binary just built"
ok "/firehose-local in the image is the binary just built"

# 4. Run the image's binary in its own root filesystem, with the image's
# environment except that it listens on a free loopback port.
out=$ctx/server.out err=$ctx/server.err
env -i "$PATH_ENV" FIREHOSE_LOCAL_LISTEN=127.0.0.1:0 FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566 \
  chroot "$mnt" /firehose-local >"$out" 2>"$err" &
pid=$!
for _ in $(seq 100); do
  grep -q '^firehose-local listening on ' "$out" && break
  kill -0 "$pid" 2>/dev/null || fail "server exited at start: $(cat "$err")"
  sleep 0.1
done
endpoint=$(sed -n 's/^firehose-local listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$out")
[ -n "$endpoint" ] || fail "no 'listening on http://127.0.0.1:PORT' line; stdout: $(cat "$out")"
ok "chroot <image root> /firehose-local: $(head -1 "$out")"

# The HEALTHCHECK command exactly, its endpoint taken from the environment.
health() { env -i "$PATH_ENV" FIREHOSE_LOCAL_ENDPOINT="$endpoint" chroot "$mnt" /firehose-local health; }
body=$(health) || fail "/firehose-local health exited $? against the running server"
grep -q '"status":"ok"' <<<"$body" || fail "unexpected health body: $body"
ok "chroot <image root> /firehose-local health: exit 0, GET /_local/health -> 200 $body"

# The same through buildah run (chroot isolation, host network).
buildah run --isolation=chroot --env FIREHOSE_LOCAL_ENDPOINT="$endpoint" "$ctr" -- /firehose-local health >/dev/null ||
  fail "buildah run ... /firehose-local health failed"
ok "buildah run --isolation=chroot <container> -- /firehose-local health: exit 0"

kill -TERM "$pid"
for _ in $(seq 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "server still running 35s after SIGTERM"
code=0
wait "$pid" || code=$?
pid=
[ "$code" -eq 0 ] || fail "server exited $code after SIGTERM; stderr: $(cat "$err")"
ok "SIGTERM: server exited 0"
if health >/dev/null 2>&1; then fail "health still succeeds after the server stopped"; fi
ok "/firehose-local health exits non-zero once the server is gone"

echo "PASS: $IMAGE verified (final stage of Dockerfile via Dockerfile.prebuilt)"
