# Habitual: every target sets itself up. `make run` and `make test` work on a machine that
# has only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Serving needs the runtime lock only (`make run`); tests, lint and benches the dev lock too.
RUNTIME := $(VENV)/.runtime-$(shell cat requirements.lock pyproject.toml deploy/install-runtime | cksum | cut -d' ' -f1)
STAMP   := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock pyproject.toml deploy/install-runtime | cksum | cut -d' ' -f1)
LOCK    := $(BIN)/uv pip compile pyproject.toml deploy/build-requirements.in --generate-hashes \
	--universal --python-version 3.11 --quiet

.DEFAULT_GOAL := help
.PHONY: help install install-runtime run test lint fmt lock bench bench-load bench-instructions clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(RUNTIME): requirements.lock pyproject.toml deploy/install-runtime
	PYTHON=$(PYTHON) deploy/install-runtime $(VENV) --editable
	rm -f $(VENV)/.runtime-* && touch $@

$(STAMP): $(RUNTIME) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	rm -f $(VENV)/.installed-* && touch $@

install-runtime: $(RUNTIME) ## Create .venv with the locked runtime dependencies only

install: $(STAMP) ## Create .venv with the locked runtime and development dependencies

run: $(RUNTIME) ## Serve the API on 127.0.0.1:8000 (SQLite, migrations applied)
	$(BIN)/habitual serve

test: $(STAMP) ## Run the whole test suite (PostgreSQL too when HABITUAL_TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(STAMP) ## ruff (format check and lint), mypy, and the import contracts (lint-imports)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

fmt: $(STAMP) ## Format and auto-fix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: $(STAMP) ## Re-resolve requirements-dev.lock (everything) and requirements.lock (runtime) from pyproject.toml
	$(LOCK) --extra dev -o requirements-dev.lock
	$(LOCK) --constraint requirements-dev.lock -o requirements.lock

bench: $(STAMP) ## All benchmarks and the wrk load run (PostgreSQL too with HABITUAL_BENCH_POSTGRES_URL)
	$(BIN)/python bench/habitmath_bench.py
	$(BIN)/python bench/stats_endpoint_bench.py
	$(BIN)/python bench/calendar_feed_bench.py
	$(BIN)/python bench/export_bench.py
	$(BIN)/python bench/import_bench.py
	@if [ -n "$$HABITUAL_BENCH_POSTGRES_URL" ]; then \
		$(BIN)/python bench/stats_endpoint_bench.py "$$HABITUAL_BENCH_POSTGRES_URL" && \
		$(BIN)/python bench/reminders_bench.py "$$HABITUAL_BENCH_POSTGRES_URL" && \
		$(BIN)/python bench/challenge_standings.py "$$HABITUAL_BENCH_POSTGRES_URL"; \
	else echo "(set HABITUAL_BENCH_POSTGRES_URL=postgresql+asyncpg://... to measure PostgreSQL too)"; fi
	$(BIN)/python bench/load.py $(ARGS)

bench-load: $(STAMP) ## Only the wrk load run into bench/RESULTS.md (ARGS="--sizes 1000")
	$(BIN)/python bench/load.py $(ARGS)

bench-instructions: $(STAMP) ## Instructions per request of each hot path, under valgrind (ARGS="today stats")
	$(BIN)/python bench/instructions.py $(ARGS)

# `sam build` (deploy/aws/template.yaml, BuildMethod makefile) calls these with ARTIFACTS_DIR:
# the locked runtime dependencies and Habitual itself, for Lambda's Python 3.11 on x86_64.
build-ApiFunction build-WorkerFunction:
	python3 -m pip install --quiet --require-hashes --no-deps -r requirements.lock \
		--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --implementation cp \
		--python-version 3.11 --only-binary=:all: -t "$(ARTIFACTS_DIR)"
	python3 -m pip install --quiet --no-deps . -t "$(ARTIFACTS_DIR)"

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
