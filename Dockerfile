# syntax=docker/dockerfile:1
# Multi-stage build: a static binary (and CA certificates, for an https
# --s3-endpoint) in a FROM scratch image. Functions with the provided.*
# runtimes (Go, Rust, any static bootstrap) run in it; python3.x and nodejs*
# functions need an image with python3 or node.
#   docker build -t firehose-local .
#   docker run --rm -p 4566:4566 firehose-local
# Dockerfile.prebuilt is this file's final stage fed a prebuilt binary; keep
# the two in sync (scripts/verify-image.sh builds and runs that one).
FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# /rootfs is the final image's whole filesystem, modes included: a directory
# nested in a copied one keeps its mode (1777 for /tmp) with both BuildKit and
# buildah. COPY --chmod=1777 onto /tmp does not do it: BuildKit creates the
# destination directory with the permission bits only (no sticky bit) and
# buildah 1.28 leaves it 0755.
RUN install -d -m 0755 /rootfs /rootfs/data /rootfs/etc/ssl/certs \
 && install -d -m 1777 /rootfs/tmp \
 && install -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /rootfs/firehose-local . \
 && /rootfs/firehose-local --help

FROM scratch AS final
COPY --from=build /rootfs/ /
# Inside the container listen on every interface; publish the port with -p.
ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 \
    FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566
EXPOSE 4566
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["/firehose-local", "health"]
ENTRYPOINT ["/firehose-local"]
