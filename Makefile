# Every target bootstraps its own virtualenv (.venv) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast demo bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## one crawl of the configured sources (SQLite in data/, alerts on the console)
	$(BIN)/oigwatch crawl

test: $(STAMP) ## the whole suite (PostgreSQL tests run when OIGWATCH_TEST_DATABASE_URL or 127.0.0.1:5432 answers)
	$(BIN)/python -m pytest -n 2 -q

demo: $(STAMP) ## the imitation site, a baseline, a few mutations, and what a newsroom would be told
	$(BIN)/oigwatch demo

bench: $(STAMP) ## benchmarks; results go to benchmarks/results/ (see docs/benchmarks.md)
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
