# Muster's two commands: `make dev` (run it) and `make test` (check it).
# Every tool version is pinned here and nowhere else, but one: Redocly CLI, an npm package,
# is pinned in internal/devenv/openapi-lint/package.json (npm ci holds its lockfile to it),
# and REDOCLY_CLI_VERSION reads it from there. To upgrade: change it there, run
# `npm install --package-lock-only --ignore-scripts` in that folder, then `make lint-openapi`.

SQLC_VERSION          := v1.31.1
TEMPORAL_CLI_VERSION  := v1.5.1
OAPI_CODEGEN_VERSION  := v2.8.2
WORKFLOWCHECK_VERSION := v0.6.0
REDOCLY_CLI_VERSION   := $(shell sed -n 's/^ *"@redocly\/cli": *"\([^"]*\)".*/\1/p' internal/devenv/openapi-lint/package.json)

BIN   := $(CURDIR)/bin
STAMP := $(BIN)/.stamps
TOOLS := $(STAMP)/sqlc-$(SQLC_VERSION) $(STAMP)/temporal-$(TEMPORAL_CLI_VERSION) \
         $(STAMP)/oapi-codegen-$(OAPI_CODEGEN_VERSION) $(STAMP)/workflowcheck-$(WORKFLOWCHECK_VERSION)

.PHONY: dev test tools postgres generate verify lint lint-openapi bench build clean hygiene histories

## dev: set everything up and run Muster (API, worker, codec server, Temporal dev server with UI)
dev: tools postgres build
	./bin/muster dev

## test: set everything up and run every check and test, then fuzz the API and the roster readers briefly
test: hygiene tools postgres verify lint
	go test -race -count=1 ./...
	go test -run '^$$' -fuzz '^FuzzAPI$$' -fuzztime $(FUZZTIME) ./httpapi/fuzz/
	go test -run '^$$' -fuzz '^FuzzReadRosterCSV$$' -fuzztime $(FUZZTIME) ./render/
	go test -run '^$$' -fuzz '^FuzzReadRosterXLSX$$' -fuzztime $(FUZZTIME) ./render/

FUZZTIME ?= 20s

## hygiene: no build outputs or data dumps in git (no tracked file over 1 MiB, no binaries)
hygiene:
	@bash internal/devenv/check-tracked.sh

## tools: build the pinned tools into ./bin
tools: $(TOOLS)

$(STAMP)/sqlc-$(SQLC_VERSION):
	GOBIN=$(BIN) go install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)
	@mkdir -p $(STAMP) && rm -f $(STAMP)/sqlc-* && touch $@

$(STAMP)/temporal-$(TEMPORAL_CLI_VERSION):
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) (a few minutes the first time)"
	GOBIN=$(BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)
	@mkdir -p $(STAMP) && rm -f $(STAMP)/temporal-* && touch $@

$(STAMP)/oapi-codegen-$(OAPI_CODEGEN_VERSION):
	GOBIN=$(BIN) go install github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$(OAPI_CODEGEN_VERSION)
	@mkdir -p $(STAMP) && rm -f $(STAMP)/oapi-codegen-* && touch $@

$(STAMP)/workflowcheck-$(WORKFLOWCHECK_VERSION):
	GOBIN=$(BIN) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)
	@mkdir -p $(STAMP) && rm -f $(STAMP)/workflowcheck-* && touch $@

# Redocly CLI, from the npm registry as locked in internal/devenv/openapi-lint, into
# bin/node/openapi-lint (not in TOOLS: only lint-openapi needs Node.js and npm).
# Reinstalled when the version or the lockfile changes.
OPENAPI_LINT := internal/devenv/openapi-lint
REDOCLY_DIR  := $(BIN)/node/openapi-lint
REDOCLY      := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY_DIR)/node_modules/.bin/redocly
REDOCLY_LINT := $(REDOCLY) lint --config httpapi/redocly.yaml --lint-config error httpapi/openapi.yaml

$(STAMP)/redocly-cli-$(REDOCLY_CLI_VERSION): $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json
	@test -n "$(REDOCLY_CLI_VERSION)" || { echo "no \"@redocly/cli\": \"x.y.z\" line in $(OPENAPI_LINT)/package.json"; exit 1; }
	@command -v npm >/dev/null || { echo "lint-openapi needs Node.js (20.19+ or 22.12+) and npm"; exit 1; }
	rm -rf $(REDOCLY_DIR) && mkdir -p $(REDOCLY_DIR)
	cp $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json $(REDOCLY_DIR)/
	cd $(REDOCLY_DIR) && npm ci --engine-strict --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMP) && rm -f $(STAMP)/redocly-cli-* && touch $@

## postgres: make Postgres reachable (DATABASE_URL, or start/install the local cluster)
postgres:
	@bash internal/devenv/postgres.sh

build:
	go build -o bin/muster ./cmd/muster

## generate: regenerate the data inventory's code (db.Inventory and the privacy
## statements, from the migrations' column comments), sqlc and oapi-codegen output
## (never edit it by hand)
generate: tools postgres
	go run ./db/internal/inventorygen
	./bin/sqlc generate
	go run ./cmd/muster inventory > docs/data-inventory.md
	./bin/oapi-codegen -config httpapi/oapi-codegen.yaml httpapi/openapi.yaml

## verify: generated code matches its sources
verify: tools postgres
	go run ./db/internal/inventorygen -check
	./bin/sqlc diff
	@tmp=$$(mktemp -d); sed "s#^output:.*#output: $$tmp/openapi.gen.go#" httpapi/oapi-codegen.yaml > $$tmp/cfg.yaml && \
	  ./bin/oapi-codegen -config $$tmp/cfg.yaml httpapi/openapi.yaml && \
	  if ! cmp -s $$tmp/openapi.gen.go httpapi/internal/api/openapi.gen.go; then rm -rf $$tmp; \
	    echo "httpapi/internal/api/openapi.gen.go is out of date with httpapi/openapi.yaml: run make generate"; exit 1; fi; rm -rf $$tmp

## lint: go vet, the workflow determinism check and the OpenAPI lint
lint: tools lint-openapi
	go vet ./...
	./bin/workflowcheck ./workflows/...

## lint-openapi: lint httpapi/openapi.yaml with Redocly CLI (rules: httpapi/redocly.yaml); any
## problem fails it, warnings too: redocly exits non-zero only on errors, so the JSON report's
## totals are checked, and on a problem the lint runs again to print it readably
lint-openapi: $(STAMP)/redocly-cli-$(REDOCLY_CLI_VERSION)
	@$(REDOCLY_LINT) --format json > $(BIN)/openapi-lint.json 2>/dev/null; \
	if node -e 'const t = require(process.argv[1]).totals; process.exit(t.errors + t.warnings === 0 ? 0 : 1)' $(BIN)/openapi-lint.json 2>/dev/null; then \
	  echo "httpapi/openapi.yaml: Redocly CLI $(REDOCLY_CLI_VERSION) found no errors and no warnings"; \
	else \
	  $(REDOCLY_LINT) --format stylish; \
	  echo "lint-openapi: fix every problem above (warnings fail too); the rules are in httpapi/redocly.yaml"; exit 1; \
	fi

## histories: record workflow histories on the dev server for the replay test (after a workflow change)
histories: tools postgres
	go test -tags record -count=1 -run '^TestRecord' ./workflows/

## bench: the benchmarks recorded in docs/benchmarks.md
bench: tools postgres
	go test -run '^$$' -bench . -benchmem -count 5 ./db/ ./httpapi/

## clean: remove the tools, the dev data (.data: Temporal's database, the outbox, the
## payload key) and, unless DATABASE_URL points elsewhere, the development database
## `muster`, so that the next `make dev` starts afresh with both sides in step
clean:
	rm -rf bin .data
	@if [ -z "$$DATABASE_URL" ] && command -v psql >/dev/null; then \
	  psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -qc 'DROP DATABASE IF EXISTS muster WITH (FORCE)' \
	    && echo "dropped the development database muster"; fi
