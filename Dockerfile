# syntax=docker/dockerfile:1
#
# piivault container image: docker build --build-arg VERSION=$(git describe --always) -t piivault .
# The runtime image has no shell; the binary checks its own health.
# cmd/piivault/docker_test.go builds the binary with this file's `go build`
# line and checks the rest of it, since CI has no Docker engine.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
# cgo for SQLite (mattn/go-sqlite3); glibc of the same Debian release as the runtime image.
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/piivault ./cmd/piivault
# The data directory, owned by the runtime user (65532, "nonroot" in distroless).
RUN install -d -m 0700 -o 65532 -g 65532 /out/data

# Debian 12 glibc, CA certificates and tzdata; no shell, no package manager.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/piivault /usr/local/bin/piivault
COPY --from=build --chown=65532:65532 /out/data /var/lib/piivault
# SQLite lives here when storage.driver is sqlite; PostgreSQL and MySQL need no volume.
ENV PIIVAULT_SERVER_DATA_DIR=/var/lib/piivault
VOLUME /var/lib/piivault
USER 65532:65532
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/usr/local/bin/piivault", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/piivault"]
CMD ["serve"]
