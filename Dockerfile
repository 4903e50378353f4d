# syntax=docker/dockerfile:1
# Multi-stage build: a static binary in a FROM scratch image.
#   docker build -t firehose-local .
#   docker run --rm -p 4566:4566 firehose-local
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/firehose-local . \
 && /out/firehose-local --help \
 && mkdir -p /out/data /out/tmp

FROM scratch AS final
COPY --from=build /out/firehose-local /firehose-local
COPY --from=build /out/data /data
COPY --from=build --chmod=1777 /out/tmp /tmp
# Inside the container listen on every interface; publish the port with -p.
ENV FIREHOSE_LOCAL_LISTEN=0.0.0.0:4566 \
    FIREHOSE_LOCAL_ENDPOINT=http://127.0.0.1:4566
EXPOSE 4566
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s CMD ["/firehose-local", "health"]
ENTRYPOINT ["/firehose-local"]
