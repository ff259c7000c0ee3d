# piivault developer tasks. `make test` is what CI runs (see .ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)
# npm suites run by `make test` when their directory exists.
NPM_SUITES := tests/compat tests/e2e

.PHONY: build run demo test lint fmt vet gotest npmtest bench clean

## build: compile bin/piivault, stamping the version from git
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/piivault ./cmd/piivault

## run, demo: start a throw-away demo vault on 127.0.0.1:3000 (root token DEMO)
run demo:
	$(GO) run ./cmd/piivault demo

## lint: gofmt and go vet
lint: fmt vet

fmt:
	@files=$$(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.git/*'); \
	unformatted=$$(gofmt -l $$files); \
	if [[ -n "$$unformatted" ]]; then echo "!!! gofmt -l lists:"; echo "$$unformatted"; exit 1; fi; \
	echo "gofmt: ok"

vet:
	$(GO) vet ./...
	@echo "go vet: ok"

## test: gofmt, go vet, go test -race, and the npm suites; runs every step,
## then fails if any step failed
test:
	@failed=(); \
	for step in fmt vet gotest npmtest; do \
	  echo "=== make $$step"; \
	  $(MAKE) --no-print-directory $$step || failed+=("$$step"); \
	done; \
	if (( $${#failed[@]} )); then echo "!!! make test FAILED: $${failed[*]}"; exit 1; fi; \
	echo "=== make test: every step passed"

# gotest runs verbosely into a log so that skipped tests can be listed loudly;
# it shows package results, and the whole log (minus RUN/PASS noise) on failure.
gotest:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	status=0; $(GO) test -race -count=1 -v ./... >"$$log" 2>&1 || status=$$?; \
	if (( status )); then \
	  grep -Ev '^(=== (RUN|PAUSE|CONT|NAME)|[[:space:]]*--- PASS)' "$$log" || true; \
	else \
	  grep -E '^(ok|FAIL|\?)[[:space:]]' "$$log" || true; \
	fi; \
	if grep -qE '^[[:space:]]*--- SKIP' "$$log"; then \
	  echo "!!! SKIPPED Go tests:"; \
	  awk '/^[[:space:]]*--- SKIP/ { print "   " $$0; if (msg != "") print "   " msg; msg = ""; next } \
	       /^=== / { msg = ""; next } { msg = $$0 }' "$$log"; \
	fi; \
	exit $$status

npmtest:
	@failed=(); \
	for d in $(NPM_SUITES); do \
	  if [[ ! -f "$$d/package.json" ]]; then echo "!!! SKIPPED: $$d (no $$d/package.json yet)"; continue; fi; \
	  if ! command -v npm >/dev/null; then echo "!!! $$d exists but npm is not installed"; failed+=("$$d"); continue; fi; \
	  echo "--- npm ci && npm test in $$d"; \
	  (cd "$$d" && npm ci --no-audit --no-fund && npm test) || failed+=("$$d"); \
	done; \
	if (( $${#failed[@]} )); then echo "!!! npm suites FAILED: $${failed[*]}"; exit 1; fi

## bench: every Go benchmark, once
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

clean:
	rm -rf bin
