#!/usr/bin/env bash
# verify-image.sh: build the real Dockerfile's images and run them, without a
# Docker engine or a registry. Needs root, buildah (tested with 1.28, chroot
# isolation), debootstrap, qemu-user-static (qemu-aarch64-static), curl, file,
# go and git; it fails at once, naming what is missing, when one is not there.
#
#   sudo scripts/verify-image.sh
#
# KEEP_IMAGE=0 removes the test images and the build's cached layers after;
# the stand-in base images stay (REBUILD_BASE=1 makes them again).
#
# 1. Stand-ins for the two base images, which cannot be pulled here, stored in
#    buildah under their real names and reused by later runs (REBUILD_BASE=1
#    makes them again; a real image already stored under the name is used
#    as it is):
#    - docker.io/library/debian:bookworm-slim: `debootstrap --variant=minbase
#      bookworm`, slimmed as the official slim images are;
#    - docker.io/library/golang:1.26: that base with ca-certificates and the
#      host's Go toolchain (this script checks that it is a go1.26 release).
# 2. `buildah bud --pull=never` of the Dockerfile as it is: the default target
#    (Debian with python3 and node), --target static (FROM scratch), and
#    --target static for linux/arm64, cross-compiled by the builder running on
#    linux/amd64.
# 3. The images' configuration (entrypoint, user 10001, environment, volume,
#    health check) and files (owners and modes, the binary, its --version).
# 4. The default image run as `docker run` would: chroot into its root
#    filesystem as its user 10001 with its environment, a Python and a Node
#    function bind-mounted read-only under /functions and registered with
#    FIREHOSE_LOCAL_FUNCTIONS, --data-dir on a "named volume" (a directory
#    initialised from the image's /data, as Docker initialises one); a record
#    through each function into S3, checked; the health check (`buildah run
#    --isolation=chroot`); SIGTERM exits 0; a restart on the same volume, the
#    functions given with --function, still has the streams and the objects.
# 5. The static image, run under chroot as user 10001: listening line, health
#    check, SIGTERM exits 0.
# 6. The arm64 binary from the arm64 image, run under qemu-aarch64-static:
#    --version, /_local/health answers 200, `health` exits 0, SIGTERM exits 0.
# It exits non-zero at the first failed check, and prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-firehose-local:test}
STATIC=$IMAGE-static
ARM64=$IMAGE-static-arm64
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
GOLANG_IMAGE=docker.io/library/golang:1.26
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
UIDGID=10001:10001
start=$SECONDS

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok:   $*"; }
step() { echo "== $* ($((SECONDS - start)) s)"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (buildah mount, chroot and debootstrap need it)"
for tool in buildah:buildah debootstrap:debootstrap qemu-aarch64-static:qemu-user-static \
  curl:curl file:file chroot:coreutils unshare:util-linux mount:mount go:go git:git; do
  command -v "${tool%%:*}" >/dev/null || fail "${tool%%:*} not found (apt-get install ${tool#*:})"
done

ctx= pid= pids=() ctrs=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for c in "${ctrs[@]}"; do
    buildah umount "$c" >/dev/null 2>&1 || true
    buildah rm "$c" >/dev/null 2>&1 || true
  done
  [ -z "$ctx" ] || rm -rf "$ctx"
  if [ "${KEEP_IMAGE:-1}" = 0 ]; then
    # The test images, and the cached layers of the build (untagged images).
    buildah rmi "$IMAGE" "$STATIC" "$ARM64" >/dev/null 2>&1 || true
    buildah rmi --prune >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
ctx=$(mktemp -d)
chmod 0755 "$ctx"

# newctr VAR IMAGE: a working container of IMAGE in VAR, removed at exit.
newctr() {
  local _ctr
  _ctr=$(buildah from --pull=never -q "$2")
  ctrs+=("$_ctr")
  printf -v "$1" %s "$_ctr"
}
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }
standin() { buildah inspect --type image --format '{{index .Docker.Config.Labels "org.firehose-local.stand-in"}}' "$1"; }

# 1. The stand-in base images.
step "base images"
if [ "${REBUILD_BASE:-0}" = 1 ] || ! have_image "$DEBIAN_IMAGE"; then
  newctr c scratch
  root=$(buildah mount "$c")
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$ctx/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$ctx/debootstrap.log")"
  # Slim it as debuerreotype makes the official debian:*-slim images: no
  # documentation, manual pages or locales (now or when packages are
  # installed later), no package caches, and the apt settings of the
  # official images.
  install -d "$root/etc/dpkg/dpkg.cfg.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$root/etc/dpkg/dpkg.cfg.d/docker"
  find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  clean='rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true'
  printf '%s\n' "DPkg::Post-Invoke { \"$clean\"; };" "APT::Update::Post-Invoke { \"$clean\"; };" \
    'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$root/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -f "$root/etc/apt/sources.list"
  printf '%s\n' 'Types: deb' "URIs: $MIRROR" 'Suites: bookworm bookworm-updates' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' 'URIs: http://deb.debian.org/debian-security' 'Suites: bookworm-security' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    >"$root/etc/apt/sources.list.d/debian.sources"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/var/log/*.log "$root"/var/log/apt/*
  buildah umount "$c" >/dev/null
  buildah config --env "$PATH_ENV" --cmd bash --os linux --arch amd64 \
    --label org.firehose-local.stand-in="debootstrap --variant=minbase bookworm $MIRROR" "$c"
  buildah commit -q "$c" "$DEBIAN_IMAGE" >/dev/null
  ok "stand-in $DEBIAN_IMAGE built: debootstrap --variant=minbase bookworm, slimmed"
  REBUILD_BASE=1
fi
s=$(standin "$DEBIAN_IMAGE")
ok "$DEBIAN_IMAGE: ${s:-a real image (no stand-in label)}, $(buildah images --format '{{.Size}}' "$DEBIAN_IMAGE")"

hostgo=$(go env GOROOT)
gover=$("$hostgo/bin/go" env GOVERSION)
if [ "${REBUILD_BASE:-0}" = 1 ] || ! have_image "$GOLANG_IMAGE"; then
  [[ $gover == go1.26* ]] || fail "the host's Go is $gover: the stand-in for $GOLANG_IMAGE needs a go1.26 release"
  newctr c "$DEBIAN_IMAGE"
  root=$(buildah mount "$c")
  # The host's extra certificate authorities (a TLS-intercepting proxy's, on
  # the machine this was written on), so that `go mod download` in the
  # builder trusts what the host trusts.
  install -d "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  cp -a "$hostgo" "$root/usr/local/go"
  install -d -m 0777 "$root/go"
  buildah umount "$c" >/dev/null
  buildah run --isolation=chroot "$c" -- sh -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null &&
    rm -rf /var/lib/apt/lists/*' >"$ctx/golang.log" 2>&1 || fail "apt-get install ca-certificates: $(tail -5 "$ctx/golang.log")"
  buildah config --env "PATH=/go/bin:/usr/local/go/bin:${PATH_ENV#PATH=}" --env "GOLANG_VERSION=${gover#go}" \
    --env GOPATH=/go --env GOTOOLCHAIN=local --workingdir /go \
    --label org.firehose-local.stand-in="$DEBIAN_IMAGE stand-in with the host's $gover" "$c"
  buildah commit -q "$c" "$GOLANG_IMAGE" >/dev/null
  ok "stand-in $GOLANG_IMAGE built: the Debian stand-in, ca-certificates, the host's $gover"
fi
s=$(standin "$GOLANG_IMAGE")
ok "$GOLANG_IMAGE: ${s:-a real image (no stand-in label)}"

# 2. The images, from the Dockerfile as it is.
version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
# buildah 1.28 does not define BUILDPLATFORM by itself (docker buildx does).
bud() {
  local t0=$SECONDS
  buildah bud --pull=never --isolation=chroot --format docker --layers \
    --build-arg BUILDPLATFORM=linux/amd64 --build-arg VERSION="$version" --build-arg COMMIT="$commit" \
    "$@" . >"$ctx/bud.log" 2>&1 || fail "buildah bud $*: $(tail -20 "$ctx/bud.log")"
  ok "buildah bud --pull=never --isolation=chroot --format docker $*: $((SECONDS - t0)) s"
}
step "build"
bud -t "$IMAGE"
bud --target static -t "$STATIC"
bud --platform linux/arm64 --target static -t "$ARM64"
for i in "$IMAGE" "$STATIC" "$ARM64"; do
  ok "size of $i: $(buildah images --format '{{.Size}}' "$i")"
done

# 3. Configuration and files.
step "configuration and files"
cfg() { buildah inspect --type image --format "$2" "$1"; }
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  ok "$1: $2"
}
check_config() { # check_config IMAGE BINARY ARCH
  local i=$1
  expect "$i architecture" "$(cfg "$i" '{{.OCIv1.OS}}/{{.OCIv1.Architecture}}')" "linux/$3"
  expect "$i entrypoint" "$(cfg "$i" '{{.Docker.Config.Entrypoint}}')" "[$2]"
  expect "$i cmd" "$(cfg "$i" '{{.Docker.Config.Cmd}}')" "[]"
  expect "$i user" "$(cfg "$i" '{{.Docker.Config.User}}')" "$UIDGID"
  expect "$i env" "$(cfg "$i" '{{range .Docker.Config.Env}}{{.}} {{end}}')" \
    "$PATH_ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566 "
  expect "$i exposed ports" "$(cfg "$i" '{{range $p, $_ := .Docker.Config.ExposedPorts}}{{$p}} {{end}}')" "4566/tcp "
  expect "$i volumes" "$(cfg "$i" '{{range $v, $_ := .Docker.Config.Volumes}}{{$v}} {{end}}')" "/data "
  expect "$i healthcheck" "$(cfg "$i" '{{with .Docker.Config.Healthcheck}}{{.Test}} interval={{.Interval}} timeout={{.Timeout}} start-period={{.StartPeriod}}{{end}}')" \
    "[CMD $2 health] interval=10s timeout=3s start-period=2s"
}
check_config "$IMAGE" firehose-local amd64
check_config "$STATIC" /firehose-local amd64
check_config "$ARM64" /firehose-local arm64

newctr dctr "$IMAGE"
dmnt=$(buildah mount "$dctr")
newctr sctr "$STATIC"
smnt=$(buildah mount "$sctr")
newctr actr "$ARM64"
amnt=$(buildah mount "$actr")

expect "$STATIC root filesystem entries" "$(ls -A "$smnt" | tr '\n' ' ')" "data etc firehose-local tmp "
expect "$STATIC /etc" "$(ls -A "$smnt/etc" | tr '\n' ' ')" "group passwd ssl "
expect "$STATIC /etc/passwd" "$(cat "$smnt/etc/passwd")" "firehose:x:10001:10001:firehose-local:/data:/sbin/nologin"
expect "$STATIC /firehose-local mode" "$(stat -c '%A %u:%g' "$smnt/firehose-local")" "-rwxr-xr-x 0:0"
expect "$STATIC /data mode" "$(stat -c '%A %u:%g' "$smnt/data")" "drwxr-xr-x $UIDGID"
expect "$STATIC /tmp mode" "$(stat -c '%A %u:%g' "$smnt/tmp")" "drwxrwxrwt 0:0"
expect "$ARM64 root filesystem entries" "$(ls -A "$amnt" | tr '\n' ' ')" "data etc firehose-local tmp "
expect "$IMAGE /usr/local/bin/firehose-local mode" "$(stat -c '%A %u:%g' "$dmnt/usr/local/bin/firehose-local")" "-rwxr-xr-x 0:0"
expect "$IMAGE /data mode" "$(stat -c '%A %u:%g' "$dmnt/data")" "drwxr-xr-x $UIDGID"
expect "$IMAGE /functions mode" "$(stat -c '%A %u:%g' "$dmnt/functions")" "drwxr-xr-x 0:0"
expect "$IMAGE /tmp mode" "$(stat -c '%A %u:%g' "$dmnt/tmp")" "drwxrwxrwt 0:0"
expect "$IMAGE user 10001" "$(grep '^firehose:' "$dmnt/etc/passwd" | cut -d: -f1,3,4,6)" "firehose:10001:10001:/data"
cmp -s "$smnt/firehose-local" "$dmnt/usr/local/bin/firehose-local" ||
  fail "the binaries of $IMAGE and $STATIC differ"
ok "$IMAGE and $STATIC hold the same binary"
elf() { file -b "$1" | grep -o -e '^ELF 64-bit LSB executable, [^,]*' -e ', statically linked' | tr -d '\n'; }
expect "$STATIC binary" "$(elf "$smnt/firehose-local")" "ELF 64-bit LSB executable, x86-64, statically linked"
expect "$ARM64 binary" "$(elf "$amnt/firehose-local")" "ELF 64-bit LSB executable, ARM aarch64, statically linked"

# buildah run: the image's environment, user and working directory, host
# network, chroot isolation.
brun() { buildah run --isolation=chroot "$@"; }
want_version="firehose-local $version (commit ${commit:0:12}, $gover)"
expect "$IMAGE firehose-local --version" "$(brun "$dctr" -- firehose-local --version)" "$want_version"
expect "$IMAGE id" "$(brun "$dctr" -- id)" "uid=10001(firehose) gid=10001(firehose) groups=10001(firehose)"
pyv=$(brun "$dctr" -- python3 --version 2>&1) || fail "python3 --version in $IMAGE: $pyv"
nodev=$(brun "$dctr" -- node --version 2>&1) || fail "node --version in $IMAGE: $nodev"
ok "$IMAGE python3: $pyv, node: $nodev"

# 4. The default image with a Python and a Node function.
step "default image: functions, data volume, records into S3"
fn=$ctx/functions vol=$ctx/volume
install -d -m 0755 "$fn" "$fn/upper" "$fn/upperjs"
install -m 0644 integration/testdata/pytransform/app.py "$fn/upper/"
install -m 0644 integration/testdata/nodetransform/index.mjs "$fn/upperjs/"
# A new named volume starts as a copy of the image's /data, owner and mode.
cp -a "$dmnt/data" "$vol"

# waitlisten OUT PID: the endpoint from the server's listening line.
waitlisten() {
  local i
  for i in $(seq 300); do
    grep -q '^firehose-local listening on ' "$1" && break
    kill -0 "$2" 2>/dev/null || fail "server exited at start: $(cat "${1%.out}.err")"
    sleep 0.1
  done
  sed -n 's/^firehose-local listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$1" | grep . ||
    fail "no 'listening on http://127.0.0.1:PORT' line; stdout: $(cat "$1")"
}
# stop PID NAME LOG: SIGTERM, then the server must exit 0.
stop() {
  local i code=0
  kill -TERM "$1"
  for i in $(seq 350); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && fail "$2 still running 35 s after SIGTERM"
  wait "$1" || code=$?
  [ "$code" -eq 0 ] || fail "$2 exited $code after SIGTERM: $(tail -5 "$ctx/$3.err")"
  ok "SIGTERM: $2 exited 0"
}
# The server runs as `docker run` would start it: the image's environment
# and user, the function directories bind-mounted read-only under
# /functions and the volume on /data, in a mount namespace of its own. (Not
# `buildah run -v VOLUME:/data`: buildah 1.28 mounts its own copy of an image
# VOLUME there instead, at random, as seen here.) It listens on a free
# loopback port (the host's network) instead of the image's 0.0.0.0:4566.
mapfile -t image_env < <(cfg "$IMAGE" '{{range .Docker.Config.Env}}{{println .}}{{end}}' | grep .)
install -d -m 0755 "$dmnt/functions/upper" "$dmnt/functions/upperjs"
python=upper=/functions/upper:python3.12:app.handler
node=upperjs=/functions/upperjs:nodejs20.x:index.handler
rundefault() { # rundefault NAME [VAR=VALUE...] -- ARGS...: starts the server, sets pid and ep
  local name=$1 env=()
  shift
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  unshare --mount --propagation private -- sh -c '
    mount --bind -o ro "$1/upper" "$3/functions/upper" &&
    mount --bind -o ro "$1/upperjs" "$3/functions/upperjs" &&
    mount --bind "$2" "$3/data" && shift 3 && exec "$@"' sh "$fn" "$vol" "$dmnt" \
    chroot --userspec="$UIDGID" "$dmnt" env -i "${image_env[@]}" HOME=/data \
    FIREHOSE_LOCAL_LISTEN=127.0.0.1:0 "${env[@]}" \
    firehose-local --data-dir /data "$@" >"$ctx/$name.out" 2>"$ctx/$name.err" &
  pid=$!
  pids+=("$pid")
  ep=$(waitlisten "$ctx/$name.out" "$pid")
  ok "$IMAGE: ${env[*]} firehose-local --data-dir /data $*: $(head -1 "$ctx/$name.out")"
}
# The functions from the environment alone, as a CI service container has
# them (a --function flag would win over the variable).
rundefault default "FIREHOSE_LOCAL_FUNCTIONS=$python;$node" --
expect "server process uid" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 10001

api() { # api TARGET JSON: a Firehose API call
  curl -sS --fail-with-body -H "X-Amz-Target: Firehose_20150804.$1" \
    -H 'Content-Type: application/x-amz-json-1.1' -d "$2" "$ep/"
}
curl -sS --fail-with-body -X PUT "$ep/deliveries" >/dev/null || fail "CreateBucket deliveries"
for s in py:upper js:upperjs; do
  name=${s%%:*} f=${s#*:}
  api CreateDeliveryStream '{"DeliveryStreamName":"'"$name"'","DeliveryStreamType":"DirectPut",
    "ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/firehose",
      "BucketARN":"arn:aws:s3:::deliveries","Prefix":"'"$name"'/","ErrorOutputPrefix":"errors/'"$name"'/",
      "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[
        {"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:000000000000:function:'"$f"'"}]}]}}}' \
    >/dev/null || fail "CreateDeliveryStream $name"
  for _ in $(seq 50); do
    api DescribeDeliveryStream '{"DeliveryStreamName":"'"$name"'"}' | grep -q '"DeliveryStreamStatus":"ACTIVE"' && break
    sleep 0.1
  done
  data=$(printf 'hello from %s\n' "$name" | base64)
  api PutRecord '{"DeliveryStreamName":"'"$name"'","Record":{"Data":"'"$data"'"}}' >/dev/null || fail "PutRecord $name"
done
curl -sS --fail-with-body -X POST "$ep/_local/flush" >"$ctx/flush.json" || fail "flush: $(cat "$ctx/flush.json")"
# objects PREFIX: the concatenated objects under PREFIX in the bucket.
objects() {
  local k
  for k in $(curl -sS --fail-with-body "$ep/deliveries?list-type=2&prefix=$1" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g'); do
    curl -sS --fail-with-body "$ep/deliveries/$k"
  done
}
expect "S3 objects under py/ (Python transform)" "$(objects py/)" "HELLO FROM PY"
expect "S3 objects under js/ (Node transform)" "$(objects js/)" "HELLO FROM JS"
expect "S3 objects under errors/" "$(objects errors/)" ""
grep -q 'transformed 1 records for upper' "$ctx/default.err" || fail "the Python function's output is not in the log: $(cat "$ctx/default.err")"
grep -q 'transformed 1 records in upperjs' "$ctx/default.err" || fail "the Node function's output is not in the log: $(cat "$ctx/default.err")"
ok "the log shows each function's own output"

# The health check as Docker runs it: the image's command in the container.
body=$(brun -e FIREHOSE_LOCAL_ENDPOINT="$ep" "$dctr" -- firehose-local health 2>&1) || fail "firehose-local health: exit $?: $body"
grep -q '"status":"ok"' <<<"$body" || fail "unexpected health body: $body"
ok "buildah run $IMAGE firehose-local health (FIREHOSE_LOCAL_ENDPOINT=$ep): exit 0, $body"
expect "state in the volume, owned by the image's user" "$(stat -c '%u:%g' "$vol/state.db")" "$UIDGID"
stop "$pid" "firehose-local in $IMAGE" default

# A new container on the same volume, the functions given with --function:
# the streams and the objects are there.
rundefault restart -- --function "$python" --function "$node"
expect "streams after a restart on the volume" \
  "$(api ListDeliveryStreams '{}' | grep -o '"DeliveryStreamNames":\[[^]]*\]')" '"DeliveryStreamNames":["js","py"]'
expect "S3 objects after a restart" "$(objects py/)$(objects js/)" "HELLO FROM PYHELLO FROM JS"
stop "$pid" "firehose-local in $IMAGE (restarted)" restart

# 5. The static image, as its user, under chroot.
step "static image"
env -i "$PATH_ENV" FIREHOSE_LOCAL_LISTEN=127.0.0.1:0 FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566 \
  chroot --userspec="$UIDGID" "$smnt" /firehose-local >"$ctx/static.out" 2>"$ctx/static.err" &
pid=$!
pids+=("$pid")
ep=$(waitlisten "$ctx/static.out" "$pid")
ok "chroot --userspec=$UIDGID <$STATIC root> /firehose-local: $(head -1 "$ctx/static.out")"
expect "server process uid" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 10001
health() { env -i "$PATH_ENV" FIREHOSE_LOCAL_ENDPOINT="$ep" chroot --userspec="$UIDGID" "$smnt" /firehose-local health; }
body=$(health) || fail "/firehose-local health exited $? against the running server"
grep -q '"status":"ok"' <<<"$body" || fail "unexpected health body: $body"
ok "chroot <$STATIC root> /firehose-local health: exit 0, $body"
brun -e FIREHOSE_LOCAL_ENDPOINT="$ep" "$sctr" -- /firehose-local health >/dev/null ||
  fail "buildah run $STATIC /firehose-local health failed"
ok "buildah run $STATIC /firehose-local health: exit 0"
stop "$pid" "firehose-local in $STATIC" static
if health >/dev/null 2>&1; then fail "health still succeeds after the server stopped"; fi
ok "/firehose-local health exits non-zero once the server is gone"

# 6. The arm64 binary under qemu-user-static.
step "arm64 under qemu-aarch64-static"
expect "qemu-aarch64-static $ARM64 /firehose-local --version" \
  "$(env -i "$PATH_ENV" qemu-aarch64-static "$amnt/firehose-local" --version)" "$want_version"
env -i "$PATH_ENV" FIREHOSE_LOCAL_LISTEN=127.0.0.1:0 qemu-aarch64-static "$amnt/firehose-local" >"$ctx/arm64.out" 2>"$ctx/arm64.err" &
pid=$!
pids+=("$pid")
ep=$(waitlisten "$ctx/arm64.out" "$pid")
ok "qemu-aarch64-static <$ARM64>/firehose-local: $(head -1 "$ctx/arm64.out")"
code=$(curl -sS -o "$ctx/health.json" -w '%{http_code}' "$ep/_local/health") || fail "GET /_local/health"
expect "arm64: GET /_local/health status" "$code" 200
grep -q '"status":"ok"' "$ctx/health.json" || fail "unexpected health body: $(cat "$ctx/health.json")"
ok "arm64: GET /_local/health body: $(cat "$ctx/health.json")"
env -i "$PATH_ENV" FIREHOSE_LOCAL_ENDPOINT="$ep" qemu-aarch64-static "$amnt/firehose-local" health >/dev/null ||
  fail "arm64 firehose-local health exited $?"
ok "qemu-aarch64-static /firehose-local health: exit 0"
stop "$pid" "arm64 firehose-local under qemu" arm64

echo "PASS: $IMAGE, $STATIC and $ARM64 built from the Dockerfile and verified in $((SECONDS - start)) s"
