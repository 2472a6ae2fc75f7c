# X Platform — common tasks. `make demo` runs the main job on the embedded
# example services; `make test` runs every test, integration included.
GO        ?= go
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/x-platform/x-platform/internal/app.Version=$(VERSION)
XP_IMAGE  ?= x-platform:latest

.PHONY: all build test test-short bench vet demo demo-clean image base-images cosign sops release release-binaries completion

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o .build/x-platform .

# A release: static binaries for every platform of PLATFORMS in DIST with
# their SHA256SUMS, and the orchestrator image tagged with the version; the
# version is stamped in both (--version, the image's label and `version`).
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
DIST      ?= dist

release: release-binaries image
	docker tag $(XP_IMAGE) $(firstword $(subst :, ,$(XP_IMAGE))):$(VERSION)
	@label="$$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' $(XP_IMAGE))"; \
	  test "$$label" = "$(VERSION)" || { echo "image $(XP_IMAGE) is labelled $$label, not $(VERSION)" >&2; exit 1; }
	@docker run --rm $(XP_IMAGE) version | grep -q " $(VERSION) " || { echo "x-platform version in $(XP_IMAGE) is not $(VERSION)" >&2; exit 1; }

release-binaries:
	rm -rf $(DIST)
	mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
	  echo "building $$p" >&2; \
	  CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o $(DIST)/x-platform_$(VERSION)_$${p%/*}_$${p#*/} .; \
	done
	cd $(DIST) && if command -v sha256sum >/dev/null; then sha256sum x-platform_*; else shasum -a 256 x-platform_*; fi >SHA256SUMS

# The wrapper answers a Tab with the program's bash completion script.
completion:
	$(GO) run . completion bash >bin/x-platform-complete

vet:
	gofmt -l $$(git ls-files '*.go') | tee /dev/stderr | (! read _)
	$(GO) vet ./...

test: vet cosign sops
	$(GO) test -race -count=1 -timeout 45m ./...

# The cosign CLI the signing tests check our signatures with, built once per
# version into the cache the tests look in (minutes the first time).
COSIGN_VERSION := $(shell sed -n 's/^const CosignVersion = "\(.*\)"/\1/p' internal/testenv/cosign.go)
COSIGN_DIR     := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/x-platform/cosign/$(COSIGN_VERSION)

cosign:
	@test -x $(COSIGN_DIR)/cosign || { mkdir -p $(COSIGN_DIR) && \
		GOBIN=$(COSIGN_DIR) GOFLAGS=-mod=mod CGO_ENABLED=0 $(GO) install -trimpath -ldflags '-s -w' \
		github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN_VERSION); }

# The sops CLI the secrets tests check our encryption against, built the same way.
SOPS_VERSION := $(shell sed -n 's/^const SopsVersion = "\(.*\)"/\1/p' internal/testenv/sops.go)
SOPS_DIR     := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/x-platform/sops/$(SOPS_VERSION)

sops:
	@test -x $(SOPS_DIR)/sops || { mkdir -p $(SOPS_DIR) && \
		GOBIN=$(SOPS_DIR) GOFLAGS=-mod=mod CGO_ENABLED=0 $(GO) install -trimpath -ldflags '-s -w' \
		github.com/getsops/sops/v3/cmd/sops@$(SOPS_VERSION); }

test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

# Local base images (static busybox, and the host's Go toolchain), so that
# nothing is ever pulled from a public registry.
base-images:
	$(GO) run ./hack/baseimages

# The image's CA roots are the host's bundle, so that it trusts what the host
# trusts, a company CA included: SSL_CERT_FILE, else the usual places.
CA_BUNDLE ?= $(firstword $(wildcard $(SSL_CERT_FILE) /etc/ssl/certs/ca-certificates.crt /etc/ssl/cert.pem /etc/pki/tls/certs/ca-bundle.crt))

# The image builds offline: modules are vendored from the host's module cache
# into .build/vendor, which with the CA bundle is all of .build the Docker
# context takes.
image: base-images
	@test -n "$(CA_BUNDLE)" || { echo "no CA bundle found: pass CA_BUNDLE=/path/to/ca-certificates.crt" >&2; exit 2; }
	rm -rf .build/vendor
	mkdir -p .build
	cp "$(CA_BUNDLE)" .build/ca-certificates.crt
	$(GO) mod vendor -o .build/vendor
	docker build --build-arg VERSION=$(VERSION) -t $(XP_IMAGE) .

demo:
	bash hack/demo.sh

# demo-clean refuses while a demo checkout holds local work; FORCE=1 deletes it.
demo-clean:
	bash hack/demo.sh clean $(if $(filter-out 0,$(FORCE)),--force)
