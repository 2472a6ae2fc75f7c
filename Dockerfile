# The orchestrator's image. Base images are build args and modules come
# vendored in .build/vendor (make image), so it builds offline.
ARG GO_IMAGE=xp/go:local
ARG BASE_IMAGE=xp/busybox:local

FROM ${GO_IMAGE} AS build
ENV CGO_ENABLED=0 GOFLAGS=-mod=vendor GOPROXY=off
WORKDIR /src
COPY . .
RUN mv .build/vendor vendor
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X github.com/x-platform/x-platform/internal/app.Version=${VERSION}" -o /out/x-platform .

FROM ${BASE_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title=x-platform org.opencontainers.image.version=${VERSION}
# The host's CA roots (make image copies them in), for https registries and git servers.
COPY .build/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/x-platform /usr/local/bin/x-platform
ENTRYPOINT ["/usr/local/bin/x-platform"]
