# The registry's commands. `make help` lists them.
# Every target that needs the virtual environment creates it first, so a fresh clone needs only
# Python 3.11, Node.js and npm.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL server the second test run uses (a throwaway database is created on it).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Test processes run side by side (pytest-xdist): `auto` is one per core. Tests marked `serial`
# measure timing, so they run afterwards on their own.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

.DEFAULT_GOAL := help
.PHONY: help install demo-accounts run serve test test-sqlite test-fast test-postgres test-api test-browser test-meili lint fmt migrate seed reindex worker search-check bench clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The design system, htmx and axe-core from the npm registry, exactly as package-lock.json says.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed ## Create the virtual environment and install everything

migrate: install ## Apply database migrations (harmless to repeat)
	$(BIN)/registry migrate

seed: migrate ## Load the seed catalogue from seeds/ (idempotent)
	$(BIN)/registry seed

demo-accounts: seed ## Create the development demo accounts (refused outside development)
	$(BIN)/registry demo-accounts

run: demo-accounts ## Set up, migrate, seed and serve on http://127.0.0.1:8000 with a worker beside it (mail to data/mail/)
	$(BIN)/registry worker --interval 2 & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

serve: install ## Serve without migrating or seeding
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

test: install ## Run the whole suite on SQLite, then on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install ## Run the suite on SQLite only
	REGISTRY_TEST_DATABASE=sqlite $(PYTEST_PARALLEL) -m "not serial"
	REGISTRY_TEST_DATABASE=sqlite $(BIN)/pytest -m serial

test-api: install ## Check the JSON API against its OpenAPI document (schemathesis), on both databases
	REGISTRY_TEST_DATABASE=sqlite $(BIN)/pytest tests/test_api_contract.py
	REGISTRY_TEST_DATABASE=postgres TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest tests/test_api_contract.py

test-fast: install ## The edit loop: the suite on SQLite without the browser tests
	REGISTRY_TEST_DATABASE=sqlite $(PYTEST_PARALLEL) -m "not browser and not serial" -q

test-browser: install ## Run only the browser and accessibility tests (needs /usr/bin/chromium)
	REGISTRY_TEST_DATABASE=sqlite $(BIN)/pytest -m browser

test-meili: install ## Run the engine tests on the Meilisearch at MEILI_URL (needs MEILI_MASTER_KEY)
	$(BIN)/python tests/search/meili_server_check.py

test-postgres: install ## Run the database tests on PostgreSQL (TEST_POSTGRES_URL)
	REGISTRY_TEST_DATABASE=postgres TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(PYTEST_PARALLEL) -m "not no_database and not serial"
	REGISTRY_TEST_DATABASE=postgres TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -m "serial and not no_database"

lint: install ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install ## Format and fix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run the benchmarks in bench/ and print their figures
	$(BIN)/python bench/search.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/hostile.py

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) data
