# Family View: `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The demo's synthetic extracts go under FAMILYVIEW_VAR_DIR when it is set, as every local file does.
DEMO_DIR := $(or $(FAMILYVIEW_VAR_DIR),var)/demo-authority
DEMO_PEOPLE ?= 2000
DEMO_SEED ?= 2026
PORT ?= 8000
# The demo's neighbouring council (docs/peers.md): its own SQLite database, files and port.
DEMO_PEER_NAME := $(or $(FAMILYVIEW_PEER_NAME),stockport)
DEMO_PEER := FAMILYVIEW_PEER_NAME=$(DEMO_PEER_NAME)
NEIGHBOUR_DIR := $(abspath $(or $(FAMILYVIEW_VAR_DIR),var))/neighbour
NEIGHBOUR_PORT ?= 8001
NEIGHBOUR := DATABASE_URL=sqlite:///$(NEIGHBOUR_DIR)/familyview.sqlite3 FAMILYVIEW_VAR_DIR=$(NEIGHBOUR_DIR) FAMILYVIEW_PEER_NAME=manchester

$(BIN)/familyview: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

.PHONY: install
install: $(BIN)/familyview node_modules/.installed ## Create .venv and install the locked dependencies

.PHONY: openapi
openapi: install ## Regenerate the API's OpenAPI document (docs/openapi.json) from the code
	$(BIN)/familyview api-openapi

.PHONY: lock
lock: ## Re-lock Python dependencies after editing pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

.PHONY: demo
demo: install ## Set up a synthetic authority with demo accounts and serve it on http://127.0.0.1:8000, its neighbour on 8001
	$(BIN)/familyview migrate --verbosity 0
	$(BIN)/familyview synth --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out $(DEMO_DIR) --extracted-at now
	$(BIN)/familyview sources load $(DEMO_DIR)/sources.toml
	@for dir in $(DEMO_DIR)/*/; do \
	  code=$$(basename $$dir); [ "$$code" = truth ] && continue; \
	  $(BIN)/familyview ingest --quiet --by demo-setup --source $$code $$dir || exit 1; \
	done
	$(BIN)/familyview link
	$(BIN)/familyview demo_accounts
	$(BIN)/familyview alerts run
	@mkdir -p $(NEIGHBOUR_DIR)
	$(NEIGHBOUR) $(BIN)/familyview migrate --verbosity 0
	$(NEIGHBOUR) $(BIN)/familyview demo_neighbour --extracts $(DEMO_DIR)
	@here=$$($(DEMO_PEER) $(BIN)/familyview peers key | cut -d' ' -f2) && \
	there=$$($(NEIGHBOUR) $(BIN)/familyview peers key | cut -d' ' -f2) && \
	$(DEMO_PEER) $(BIN)/familyview peers add manchester http://127.0.0.1:$(NEIGHBOUR_PORT) $$there \
	  --agreement DEMO-ISA-2026 --duty-line "0161 217 6028" --no-answer && \
	$(NEIGHBOUR) $(BIN)/familyview peers add $(DEMO_PEER_NAME) http://127.0.0.1:$(PORT) $$here \
	  --agreement DEMO-ISA-2026 --duty-line "0161 234 5001" --no-ask
	@echo "Family View is at http://127.0.0.1:$(PORT)/, its neighbour Manchester's at port $(NEIGHBOUR_PORT) (Ctrl-C stops both)"
	@$(NEIGHBOUR) $(BIN)/familyview runserver --noreload 127.0.0.1:$(NEIGHBOUR_PORT) \
	  >$(NEIGHBOUR_DIR)/server.log 2>&1 & neighbour=$$!; \
	trap 'kill $$neighbour 2>/dev/null' EXIT INT TERM; \
	$(DEMO_PEER) $(BIN)/familyview runserver --noreload 127.0.0.1:$(PORT)

.PHONY: browser
browser: ## Install Debian's Chromium for the browser tests, if it is missing
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "== Installing Debian's chromium for the browser tests (tests/e2e) =="; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium || exit 1; \
	fi

.PHONY: test
test: install browser ## Run the whole suite on PostgreSQL and on SQLite (browser tests included)
	@once=; \
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)').close()" 2>/dev/null; then \
	  echo "== Tests on PostgreSQL =="; \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider || exit 1; \
	  once="not once"; \
	else \
	  echo "!!! PostgreSQL is not reachable at $(PG_URL): running on SQLite ONLY. CI must run both. !!!" >&2; \
	  if [ -n "$$CI" ]; then exit 1; fi; \
	fi; \
	echo "== Tests on SQLite$${once:+ (browser and Spark tests ran on PostgreSQL)} =="; \
	DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -q -p no:cacheprovider $${once:+-m "$$once"} || exit 1
	$(MAKE) --no-print-directory lint

.PHONY: lint
lint: install ## Lint, format check and architecture contracts
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

.PHONY: bench-ingest
bench-ingest: install ## Synthesise 1,000,000 source records and import them into PostgreSQL and SQLite
	$(BIN)/python benchmarks/bench_ingest.py --pg-url $(PG_URL)

.PHONY: bench-link
bench-link: install ## Link ~1,000,000 source records from scratch, then ~10,000 new ones incrementally
	$(BIN)/python benchmarks/bench_link.py --pg-url $(PG_URL)

.PHONY: bench-audit
bench-audit: install ## Write 1,000,000 audit events to PostgreSQL and time `familyview audit verify`
	$(BIN)/python benchmarks/bench_audit.py --pg-url $(PG_URL)

.PHONY: bench-web
BENCH_WEB_FLAGS ?= --reuse
bench-web: install ## Search and family-view latency over HTTP (gunicorn, 1/4/16 clients) on ~1,000,000 records
	$(BIN)/python benchmarks/bench_web.py --pg-url $(PG_URL) $(BENCH_WEB_FLAGS)

SIZES ?= 100000,300000,1000000
.PHONY: bench
bench: install ## Every stage at SIZES source records, with peak memory: docs/benchmarks/scale-report.md
	$(BIN)/python benchmarks/scale_report.py --pg-url $(PG_URL) --sizes $(SIZES)

.PHONY: eval-linkage
EVAL_CORPORA ?= synthetic,shapes,febrl1,febrl2,febrl3,febrl4
EVAL_LAYOUTS ?= family-context-cdm,canonical
eval-linkage: install ## Import, link and evaluate the synthetic authority, the shaped population and FEBRL1-4: one table of linkage quality
	$(BIN)/python benchmarks/eval_linkage.py --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --corpus $(EVAL_CORPORA) --layout $(EVAL_LAYOUTS)

.PHONY: clean
clean: ## Remove the virtualenv, node modules and local data
	rm -rf $(VENV) node_modules var
