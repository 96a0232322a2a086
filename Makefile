# Everything runs through the go command and the versions go.mod pins.
GO         ?= go
UPSTREAM   ?=
UPSTREAM_URL := https://raw.githubusercontent.com/mongodb/openapi/main/openapi/v2.yaml
OPERATION  := deferGroupMaintenanceWindow
FRAGMENT   := openapi/fragment.yaml
OVERLAY    := openapi/errata.overlay.yaml
BENCHTIME  ?= 2s
# What `make generate` writes: every *.gen.go under gen/, tracked or not.
GENERATED  := ':(glob)gen/**/*.gen.go'

.PHONY: all generate check-generated spec test bench vet contract ci

all: ci

## generate: regenerate gen/ from the fragment (oapi-codegen as pinned in go.mod)
generate:
	$(GO) generate ./gen/...

## check-generated: fail, with the diff, if gen/ is not what the fragment generates
check-generated: generate
	@status=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	if [ -n "$$status" ]; then \
		echo "check-generated: gen/ is not what $(FRAGMENT) generates (run 'make generate' and commit):"; \
		echo "$$status"; \
		git --no-pager diff -- $(GENERATED); \
		git ls-files --others --exclude-standard -- $(GENERATED) | while read -r f; do \
			echo "--- untracked: $$f"; head -n 40 "$$f"; done; \
		exit 1; \
	fi

## spec: re-extract the fragment from UPSTREAM (default: download MongoDB's published spec)
spec:
	@set -e; up="$(UPSTREAM)"; \
	if [ -z "$$up" ]; then \
		up=$$(mktemp -t atlas-v2.XXXXXX.yaml); trap 'rm -f "$$up"' EXIT; \
		echo "downloading $(UPSTREAM_URL)"; \
		curl -fsSL --retry 2 -o "$$up" "$(UPSTREAM_URL)"; \
	fi; \
	$(GO) run ./cmd/contractcheck extract --from "$$up" --operation $(OPERATION) --overlay $(OVERLAY) -o $(FRAGMENT); \
	echo "wrote $(FRAGMENT)"

## test: the README's test command
test:
	$(GO) test -race ./...

## bench: benchmarks, with each measured against its floor from the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./... | tee /dev/stderr | awk -f .ci/benchratio.awk

## vet: go vet, gofmt and a tidy go.mod
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

## contract: the main job, contractcheck on the shipped recordings
contract:
	$(GO) run ./cmd/contractcheck

ci: vet check-generated test contract
