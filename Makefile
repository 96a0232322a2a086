# Everything runs through the go command and the versions go.mod pins.
# bash with pipefail, so a failing step in a pipe (go test | awk) fails the target.
SHELL      := bash
.SHELLFLAGS := -eo pipefail -c
GO         ?= go
UPSTREAM   ?=
UPSTREAM_URL := https://raw.githubusercontent.com/mongodb/openapi/main/openapi/v2.yaml
OPERATION  := deferGroupMaintenanceWindow
FRAGMENT   := openapi/fragment.yaml
OVERLAY    := openapi/errata.overlay.yaml
BENCHTIME  ?= 2s
BENCHCOUNT ?= 3
FUZZTIME   ?= 30s
# Every fuzz target, as package:Target.
FUZZ_TARGETS := \
	./contract/recording:FuzzReadCassette \
	./contract/recording:FuzzReadHAR \
	./contract/recording:FuzzRedact \
	./contract/recording:FuzzJSONFilter \
	./contract:FuzzCheck \
	./gen:FuzzParseEnvelope \
	./gen:FuzzErrorDecoding \
	./gen:FuzzHTMLTitle
# What `make generate` writes: every *.gen.go under gen/, tracked or not.
GENERATED  := ':(glob)gen/**/*.gen.go'

.PHONY: all generate check-generated spec spec-update test bench fuzz fuzz-smoke vet contract lint-ci-examples ci

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

## spec-update: new upstream -> new fragment -> what changed -> regenerated client -> contract run
spec-update:
	@set -e; up="$(UPSTREAM)"; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if [ -z "$$up" ]; then \
		up="$$tmp/upstream.yaml"; echo "downloading $(UPSTREAM_URL)"; \
		curl -fsSL --retry 2 -o "$$up" "$(UPSTREAM_URL)"; \
	fi; \
	$(GO) build -o "$$tmp/contractcheck" ./cmd/contractcheck; \
	echo "== 1/4 extract"; \
	"$$tmp/contractcheck" extract --from "$$up" --operation $(OPERATION) --overlay $(OVERLAY) -o "$$tmp/fragment.yaml"; \
	echo "== 2/4 what changed ($(FRAGMENT) -> new)"; \
	"$$tmp/contractcheck" diff $(FRAGMENT) "$$tmp/fragment.yaml" | tee "$$tmp/changes.txt"; \
	cp "$$tmp/fragment.yaml" $(FRAGMENT); \
	echo "== 3/4 regenerate"; \
	$(GO) generate ./gen/...; \
	$(GO) build ./...; \
	echo "== 4/4 contract run"; \
	$(GO) run ./cmd/contractcheck check --shipped --require-coverage; \
	echo "spec-update: done; review 'git diff' and the changes above before committing"

## test: the README's test command
test:
	$(GO) test -race ./...

## bench: benchmarks, each against its floor from the same run (medians of BENCHCOUNT runs)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./... | tee /dev/stderr | awk -f .ci/benchratio.awk

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg; \
	done

## fuzz-smoke: a short fuzz of every target, as CI runs it
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=8s

## vet: go vet, gofmt and a tidy go.mod
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

## contract: the main job, contractcheck on the shipped recordings (every declared status covered)
contract:
	$(GO) run ./cmd/contractcheck check --shipped --require-coverage

## lint-ci-examples: actionlint on the GitHub workflow the README shows (run through go run at a pinned
## version: its module graph stays out of go.mod)
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
lint-ci-examples:
	$(GO) run $(ACTIONLINT) contract/testdata/ci/github-workflow.yml

ci: vet check-generated test fuzz-smoke contract lint-ci-examples
