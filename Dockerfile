# The orchestrator's image. Base images are build args so it builds offline
# from local images (make base-images).
ARG GO_IMAGE=xp/go:local
ARG BASE_IMAGE=xp/busybox:local

FROM ${GO_IMAGE} AS build
ARG GOPROXY
ENV GOPROXY=${GOPROXY} CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X github.com/x-platform/x-platform/internal/app.Version=${VERSION}" -o /out/x-platform .

FROM ${BASE_IMAGE}
COPY --from=build /out/x-platform /usr/local/bin/x-platform
ENTRYPOINT ["/usr/local/bin/x-platform"]
