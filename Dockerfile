# syntax=docker/dockerfile:1
# Two images from one Dockerfile:
#   docker build -t firehose-local .                         # the default: Debian slim with
#                                                            # python3 and node, every runtime
#   docker build --target static -t firehose-local:static .  # FROM scratch, provided.* only
#   docker run --rm -p 4566:4566 firehose-local
# Both run as the non-root user 10001 (firehose), keep state in /data with
# --data-dir /data, and check their health with `firehose-local health`.
# Multi-architecture: the builder runs on the build machine's platform and
# cross-compiles for the target one:
#   docker buildx build --platform linux/amd64,linux/arm64 .
# --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse HEAD) are what
# `firehose-local --version` prints (the build context has no .git).
#
# scripts/verify-image.sh builds this file with buildah (no Docker engine)
# and runs the images; docs/docker.md says what that verifies.
FROM --platform=$BUILDPLATFORM docker.io/library/golang:1.26 AS build
ARG TARGETOS TARGETARCH VERSION COMMIT
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# /rootfs is the static image's whole filesystem but /data, modes included: a
# directory nested in a copied one keeps its mode (1777 for /tmp) with both
# BuildKit and buildah. COPY --chmod=1777 onto /tmp does not do it: BuildKit
# creates the destination directory with the permission bits only (no sticky
# bit) and buildah 1.28 leaves it 0755. /volume holds /data alone, copied with
# --chown so that the user owns it (and so a new named volume).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    install -d -m 0755 /rootfs /rootfs/etc/ssl/certs /volume/data \
 && install -d -m 1777 /rootfs/tmp \
 && install -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && echo 'firehose:x:10001:10001:firehose-local:/data:/sbin/nologin' >/rootfs/etc/passwd \
 && echo 'firehose:x:10001:' >/rootfs/etc/group \
 && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags="-s -w -X github.com/firehose-local/firehose-local/internal/cli.version=$VERSION -X github.com/firehose-local/firehose-local/internal/cli.commit=$COMMIT" \
      -o /rootfs/firehose-local . \
 && if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = "$TARGETOS/$TARGETARCH" ]; then /rootfs/firehose-local --version; fi

# The FROM scratch image: the static binary, CA certificates (for an https
# --s3-endpoint), /etc/passwd naming the user. Functions with the provided.*
# runtimes (Go, Rust, any static bootstrap) run in it; python3.x and nodejs*
# functions need the default image.
FROM scratch AS static
COPY --from=build /rootfs/ /
COPY --from=build --chown=10001:10001 /volume/ /
# Inside the container listen on every interface; publish the port with -p.
ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 \
    FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566
EXPOSE 4566
USER 10001:10001
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["/firehose-local", "health"]
ENTRYPOINT ["/firehose-local"]

# The default image: every runtime firehose-local runs, provided.* and
# Debian's python3 (3.11, for python3.x) and nodejs (18, for nodejs*).
# Mount functions under /functions:
#   docker run -v ./transform:/functions/upper:ro \
#     firehose-local --function upper=/functions/upper:python3.12:app.handler
FROM docker.io/library/debian:bookworm-slim AS default
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates nodejs python3 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 firehose \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin firehose \
 && install -d -o 10001 -g 10001 -m 0755 /data \
 && install -d -m 0755 /functions
COPY --from=build /rootfs/firehose-local /usr/local/bin/firehose-local
# Inside the container listen on every interface; publish the port with -p.
ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 \
    FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566
EXPOSE 4566
USER 10001:10001
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["firehose-local", "health"]
ENTRYPOINT ["firehose-local"]
