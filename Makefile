# Every target bootstraps its own virtualenv (.venv) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := archive cli config crawler documents fixture_site ledger notifier scheduler web

.PHONY: run test test-fast demo bench lint format clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## the service: scheduled crawls, alerts, feeds and pages on 127.0.0.1:8080 (SQLite in data/)
	$(BIN)/oigwatch run

test: $(STAMP) browser ## the whole suite (PostgreSQL tests run when OIGWATCH_TEST_DATABASE_URL or 127.0.0.1:5432 answers)
	$(BIN)/python -m pytest -n 2 -q

browser: ## Debian's chromium for the browser test (installed when missing and apt is usable)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && (apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null)) ; } || echo "chromium not installed: the browser test will be skipped"

demo: $(STAMP) ## the imitation site, a baseline, a few mutations, and what a newsroom would be told
	$(BIN)/oigwatch demo

bench: $(STAMP) ## benchmarks; results go to benchmarks/results/ (see docs/benchmarks.md)
	$(BIN)/python -m compileall -q $(PACKAGES) >/dev/null  # bytecode, as an installed wheel has
	$(BIN)/python -m benchmarks.run

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
