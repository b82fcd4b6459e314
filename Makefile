# `make run` starts the CRM with a private database; `make test` runs every check CI runs.
# Both need only Python 3.11+ and npm: everything else is installed into .venv and node_modules.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The first interpreter on PATH that is 3.11 or newer; override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
# mypy's Django plugin and makemigrations --check import the settings; a placeholder URL keeps them
# from starting the embedded database (neither connects; the RuntimeWarning says so).
TYPECHECK_ENV := DATABASE_URL=postgres://typecheck@127.0.0.1:9/typecheck CELERY_BROKER_URL= EMAIL_URL=
PYTEST_ARGS ?=

.PHONY: help run install test lint format typecheck imports migrations pytest fuzz faults bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# `exec`: serve is make's own child, so the SIGTERM make passes on reaches it; serve watches make for
# the SIGINT make does not pass on (crm/management/commands/serve.py, ParentWatch).
run: install ## Run the CRM on http://127.0.0.1:$PORT/ (default 8000) with demo data
	exec $(PY) manage.py serve

install: $(PY_STAMP) $(NODE_STAMP) ## Create .venv and install Python and npm packages (when changed)

$(PY):
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.11 or newer is needed (python3 on PATH is older or missing)."; \
		echo "Install it, or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)"; exit 1; fi
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(PY)
	@echo "Installing Python packages into $(VENV) (the first time takes a minute or two)..."
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,embedded]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end packages (install Node.js 18+)."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: lint typecheck imports migrations pytest fuzz ## Run everything CI runs: lint, types, layers, migrations, tests, API fuzzing

lint: install ## ruff check, ruff format --check, and djLint on the templates
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint --quiet

format: install ## Fix what ruff can fix, and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install ## mypy with the Django and DRF plugins
	$(TYPECHECK_ENV) $(BIN)/mypy

imports: install ## import-linter: an app imports only the kernel and the stages below it
	$(BIN)/lint-imports

migrations: install ## Fail if a model change has no migration
	$(TYPECHECK_ENV) DJANGO_SETTINGS_MODULE=crm.settings.test \
		$(PY) -W ignore::RuntimeWarning manage.py makemigrations --check --dry-run

pytest: install ## The test suite, browser tests included (PYTEST_ARGS="-k ..." to narrow)
	$(BIN)/pytest $(PYTEST_ARGS)

fuzz: install ## schemathesis against the live API as a rep and as an admin (tests/api/test_schemathesis.py)
	$(BIN)/pytest -m fuzz tests/api/test_schemathesis.py -rA --show-capture=stdout $(PYTEST_ARGS)

# Its own test database, so that it never collides with `make pytest` on the same server.
faults: install ## Kill workers, brokers and PostgreSQL mid-job and check that no work is lost or doubled (tests/faults)
	TEST_DATABASE_NAME=$${TEST_DATABASE_NAME:-test_crm_faults} $(BIN)/pytest -m faults tests/faults -rA $(PYTEST_ARGS)

bench: install ## Seed crm_bench, time the main pages and jobs, then load them with wrk (BENCH_SCALE=tiny|small|full)
	$(PY) -m bench --load

clean: ## Remove the venv, node_modules, caches and collected static files (keeps .data/)
	rm -rf $(VENV) node_modules staticfiles *.egg-info .mypy_cache .ruff_cache .pytest_cache .import_linter_cache test-results
	find . -path ./.data -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
