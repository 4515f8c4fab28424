# syntax=docker/dockerfile:1
# Build a static atlasbot, then run it alone on an empty base as an
# unprivileged user. Migrations and timezone data are embedded in the
# binary; the CA bundle is the one file it needs from the build stage.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/atlasbot ./cmd/atlasbot

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
