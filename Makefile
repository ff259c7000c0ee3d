# piivault developer tasks. `make test` is what CI runs (see .ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)
# npm suites run by `make test` when their directory exists.
NPM_SUITES := tests/compat tests/e2e

.PHONY: build run demo test lint fmt vet gotest gotest-run npmtest bench clean

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

# gotest runs every Go test on SQLite, then the packages whose tests drive
# the HTTP API through internal/apitest again on PostgreSQL and on MariaDB
# (PIIVAULT_TEST_DRIVER), so that every route is proven on every backend.
# A database that does not answer skips its run loudly, unless CI or
# PIIVAULT_REQUIRE_DBS=1 requires it (then apitest fails the run).
gotest:
	@status=0; \
	echo "--- go test ./... (SQLite)"; \
	$(MAKE) --no-print-directory gotest-run TEST_DRIVER=sqlite TEST_PKGS=./... || status=1; \
	pkgs=$$($(GO) list -e -f '{{$$p := .ImportPath}}{{range .TestImports}}{{if eq . "piivault/internal/apitest"}}{{$$p}}{{"\n"}}{{end}}{{end}}{{range .XTestImports}}{{if eq . "piivault/internal/apitest"}}{{$$p}}{{"\n"}}{{end}}{{end}}' ./... | sort -u | tr '\n' ' '); \
	if [[ -z "$${pkgs// }" ]]; then echo "!!! no package imports internal/apitest"; exit 1; fi; \
	for driver in postgres mysql; do \
	  port=5432; dsn_var=PIIVAULT_TEST_POSTGRES_DSN; \
	  if [[ $$driver == mysql ]]; then port=3306; dsn_var=PIIVAULT_TEST_MYSQL_DSN; fi; \
	  if [[ -z "$${CI:-}" && "$${PIIVAULT_REQUIRE_DBS:-}" != 1 && -z "$${!dsn_var:-}" ]] && \
	     ! timeout 3 bash -c "</dev/tcp/127.0.0.1/$$port" 2>/dev/null; then \
	    echo "!!! SKIPPED: HTTP API tests on $$driver (nothing listens on 127.0.0.1:$$port; set CI or PIIVAULT_REQUIRE_DBS=1 to make this a failure)"; \
	    continue; \
	  fi; \
	  echo "--- go test $$pkgs(PIIVAULT_TEST_DRIVER=$$driver)"; \
	  $(MAKE) --no-print-directory gotest-run TEST_DRIVER=$$driver TEST_PKGS="$$pkgs" || status=1; \
	done; \
	exit $$status

# gotest-run runs TEST_PKGS with -race verbosely into a log so that skipped
# tests can be listed loudly; it shows package results, and the whole log
# (minus RUN/PASS noise) on failure.
gotest-run:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	status=0; PIIVAULT_TEST_DRIVER=$(TEST_DRIVER) $(GO) test -race -count=1 -v $(TEST_PKGS) >"$$log" 2>&1 || status=$$?; \
	if (( status )); then \
	  grep -Ev '^(=== (RUN|PAUSE|CONT|NAME)|[[:space:]]*--- PASS)' "$$log" || true; \
	else \
	  grep -E '^(ok|FAIL|\?)[[:space:]]' "$$log" || true; \
	fi; \
	if grep -qE '^[[:space:]]*--- SKIP' "$$log"; then \
	  echo "!!! SKIPPED Go tests ($(TEST_DRIVER)):"; \
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
