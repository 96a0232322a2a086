# Everything runs through the go command and the versions go.mod pins.
# bash with pipefail, so a failing step in a pipe (go test | awk) fails the target.
SHELL      := bash
.SHELLFLAGS := -eo pipefail -c
GO         ?= go
UPSTREAM   ?=
UPSTREAM_URL := https://raw.githubusercontent.com/mongodb/openapi/main/openapi/v2.yaml
OPERATION  := deferGroupMaintenanceWindow
OPERATION_OVERRIDE := deferMaintenanceWindow
FRAGMENT   := openapi/fragment.yaml
OVERLAY    := openapi/errata.overlay.yaml
# MongoDB's published spec as embedded: v2.yaml.gz as published, v2.json.gz derived from it.
PUBLISHED  := openapi/upstream
# Tools run outside the module graph (go run/install pkg@version); none is in go.mod.
OASDIFF    := github.com/oasdiff/oasdiff@v1.39.0
APIDIFF    := golang.org/x/exp/cmd/apidiff@v0.0.0-20261113113407-e3970619a1a4
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
ACCEPT_BREAKING ?=
REPORT_ONLY ?=
# The field the generated method and type names come from (see gen/oapi-codegen.yaml
# and gen/oapi-names.overlay.yaml).
NAMED_AFTER := x-xgen-operation-id-override
SPEC_REPORT ?=
# make bench-sdk: a checkout of github.com/mongodb/atlas-sdk-go.
SDK        ?=
# make release-build: the tag to build and where the files go.
VERSION    ?=
OUT        ?= dist
BENCHTIME  ?= 2s
BENCHCOUNT ?= 3
FUZZTIME   ?= 30s
# The linters, run with `go run` at pinned versions: nothing is installed.
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOLANGCI_LINT := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
# What `make generate` writes: every *.gen.go under gen/, tracked or not, and
# the embedded spec's JSON form.
GENERATED  := ':(glob)gen/**/*.gen.go' $(PUBLISHED)/v2.json.gz
# The platforms `make cross` vets besides the host, as GOOS/GOARCH.
CROSS      ?= windows/amd64 darwin/arm64

# $(call quoted,NAME) is the value of the variable NAME as one single-quoted
# shell word, taken as given (a $ in it is not expanded by make): for paths
# the user names, which may hold spaces, quotes or $(…).
quoted = '$(subst ','\'',$(value $(1)))'

.PHONY: all generate check-generated spec spec-update lint-workflows lint-ci-examples check-makefile test test-long bench bench-sdk fuzz fuzz-smoke vet cross lint contract release-build ci

all: ci

## generate: regenerate gen/ from the fragment (oapi-codegen as pinned in go.mod), and the embedded spec's JSON form from its YAML
generate:
	$(GO) generate ./gen/... ./openapi/...

## check-generated: fail, with the diff, if gen/ is not what the fragment generates (or the embedded JSON what its YAML gives)
check-generated: generate
	@status=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	if [ -n "$$status" ]; then \
		echo "check-generated: gen/ is not what $(FRAGMENT) generates, or $(PUBLISHED)/v2.json.gz what v2.yaml.gz gives (run 'make generate' and commit):"; \
		echo "$$status"; \
		git --no-pager diff -- $(GENERATED); \
		git ls-files --others --exclude-standard -- $(GENERATED) | while read -r f; do \
			echo "--- untracked: $$f"; case "$$f" in *.go) head -n 40 "$$f";; esac; done; \
		exit 1; \
	fi

## spec: re-extract the fragment from UPSTREAM and embed UPSTREAM (default: download MongoDB's published spec)
spec:
	@set -e; up=$(call quoted,UPSTREAM); \
	if [ -z "$$up" ]; then \
		up=$$(mktemp -t atlas-v2.XXXXXX.yaml); trap 'rm -f "$$up"' EXIT; \
		echo "downloading $(UPSTREAM_URL)"; \
		curl -fsSL --retry 2 -o "$$up" "$(UPSTREAM_URL)"; \
	fi; \
	$(GO) run ./cmd/contractcheck extract --from "$$up" --operation $(OPERATION) --overlay $(OVERLAY) -o $(FRAGMENT); \
	$(GO) run ./openapi/internal/publishedgen -upstream "$$up" $(PUBLISHED); \
	echo "wrote $(FRAGMENT), $(PUBLISHED)/v2.yaml.gz and $(PUBLISHED)/v2.json.gz"

## spec-update: new upstream -> fragment, embedded spec, report and generated code in a temporary copy -> swapped in only if build, tests and contract run pass
##   ACCEPT_BREAKING=1 goes on past a breaking change (not past a rename generation cannot follow: see docs/spec-update.md); REPORT_ONLY=1 stops after the report; SPEC_REPORT=FILE keeps the Markdown report.
##   The script exits 1 on a breaking change and 2 on a failed step; make, as for any failed recipe, exits 2 and says which.
spec-update:
	GO="$(GO)" OPERATION=$(OPERATION) OPERATION_OVERRIDE=$(OPERATION_OVERRIDE) NAMED_AFTER=$(NAMED_AFTER) UPSTREAM_URL=$(UPSTREAM_URL) OASDIFF=$(OASDIFF) APIDIFF=$(APIDIFF) \
		ACCEPT_BREAKING=$(call quoted,ACCEPT_BREAKING) REPORT_ONLY=$(call quoted,REPORT_ONLY) SPEC_REPORT=$(call quoted,SPEC_REPORT) \
		bash openapi/spec-update.sh $(if $(value UPSTREAM),$(call quoted,UPSTREAM)) || { status=$$?; \
		case $$status in 1) why="stopped on a breaking change";; *) why="a step failed";; esac; \
		echo "make spec-update: openapi/spec-update.sh exited with status $$status ($$why)" >&2; exit $$status; }

## lint-workflows: actionlint on .github/workflows (shellcheck on their scripts when it is installed), and
##   .ci/workflow-rules there and on the README's example: actions pinned by commit, checkouts keep no token
lint-workflows:
	$(GO) run $(ACTIONLINT) -no-color
	@.ci/workflow-rules .github/workflows/*.yml contract/testdata/ci/github-workflow.yml

## test: the README's test command: every test but the load, stress and large-tree ones, with the race detector
test:
	$(GO) test -race -short ./...

## test-long: every test, the load, stress and large-tree ones included
test-long:
	$(GO) test -count=1 ./...

## bench: every benchmark, on one CPU as the paired CPU benchmarks ask; those with a floor (or baseline) also as a ratio to it from the same run (medians of BENCHCOUNT runs)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) -cpu 1 ./... | tee /dev/stderr | awk -f .ci/benchratio.awk

## bench-sdk: the client's CPU and allocations per call beside MongoDB's Go SDK, paired (SDK: a checkout of github.com/mongodb/atlas-sdk-go, which the module proxy does not serve; ROUNDS: paired rounds, default 11)
bench-sdk:
	@GO=$(call quoted,GO) .ci/bench-sdk $(call quoted,SDK)

## fuzz: run every fuzz target (every func FuzzXxx in a _test.go file) for FUZZTIME each
fuzz:
	@set -e; for file in $$(git ls-files '*_test.go' | xargs grep -l '^func Fuzz'); do \
		pkg=./$$(dirname $$file); \
		for name in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -d' ' -f2); do \
			echo "== $$name ($$pkg)"; \
			$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg; \
		done; \
	done

## fuzz-smoke: a short fuzz of every target, as CI runs it (the seed corpora also run in every `make test`)
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=60x

## vet: go vet, gofmt and a tidy go.mod
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

## cross: go vet every package, tests included, for each platform in CROSS (Windows and macOS): vet
##   compiles them, so this is the cross-build; no cgo, no -race. Tests that need Unix are build-tagged
cross:
	@set -e; for p in $(CROSS); do \
		echo "GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./..."; \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; \
	done

## lint: staticcheck and golangci-lint's default linters, at pinned versions
lint:
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(GOLANGCI_LINT) run ./...

## contract: the main job, contractcheck on the shipped recordings (every declared status covered)
contract:
	$(GO) run ./cmd/contractcheck check --shipped --require-coverage

## lint-ci-examples: actionlint on the GitHub workflow the README shows for consumers
lint-ci-examples:
	$(GO) run $(ACTIONLINT) -no-color contract/testdata/ci/github-workflow.yml

## check-makefile: the paths a user gives (UPSTREAM, SPEC_REPORT) reach the shell as one word each
check-makefile:
	@.ci/make-quoting

## release-build: what the release workflow publishes for VERSION (a tag, checked out and clean):
##   contractcheck for linux, darwin and windows on amd64 and arm64, SHA256SUMS, notes, in OUT (dist)
release-build:
	@.ci/release-build $(call quoted,VERSION) $(call quoted,OUT)

ci: vet cross lint-workflows lint-ci-examples check-makefile check-generated test fuzz-smoke lint contract
