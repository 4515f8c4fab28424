# syntax=docker/dockerfile:1
# Build a static atlasbot, then run it alone on an empty base as an
# unprivileged user. Migrations and timezone data are embedded in the
# binary; the CA bundle is the one file it needs from the build stage.
#
# Base images are pinned to exact versions: golang 1.26.8 on Debian 12
# (bookworm), the Go the module is built and tested with (go.mod's go line
# stays 1.26; GOTOOLCHAIN=local forbids a toolchain download). The runtime
# stage is scratch, which has no version. For byte-for-byte reproducible
# builds add the digest: golang:1.26.8-bookworm@sha256:….
FROM golang:1.26.8-bookworm AS build
ENV GOTOOLCHAIN=local
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not in the build context (.dockerignore), so the binary records
# no VCS revision by itself: pass it, e.g.
#   docker build --build-arg ATLAS_VERSION=$(git describe --tags --always) --build-arg ATLAS_REVISION=$(git rev-parse HEAD) .
# `atlasbot version` and the atlas_build_info metric show them.
ARG ATLAS_VERSION=
ARG ATLAS_REVISION=
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
    -ldflags="-s -w -X github.com/atlas-practice/atlas/internal/buildinfo.Version=${ATLAS_VERSION} -X github.com/atlas-practice/atlas/internal/buildinfo.Revision=${ATLAS_REVISION}" \
    -o /out/atlasbot ./cmd/atlasbot

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/atlasbot /atlasbot
USER 65532:65532
ENV HTTP_ADDR=:8080 LOG_FORMAT=json
EXPOSE 8080
# No shell or curl in the image: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 CMD ["/atlasbot", "health"]
ENTRYPOINT ["/atlasbot"]
CMD ["serve"]
