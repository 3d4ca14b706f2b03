# Hostlane: `make run` serves the demo on SQLite; `make test` runs lint, types and the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The host names `make run` serves the test environment on (the demo partner's test integration works there).
TEST_HOSTS ?= test.localhost

.PHONY: run test lint types pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/hostlane migrate
	$(BIN)/hostlane demo --host $(HOST) --port $(PORT) --test-hosts "$(TEST_HOSTS)"
	$(BIN)/hostlane serve --host $(HOST) --port $(PORT) --test-hosts "$(TEST_HOSTS)"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check hostlane tests bench
	$(BIN)/ruff format --check hostlane tests bench
	$(BIN)/lint-imports

types: $(VENV)/.dev-installed
	$(BIN)/mypy

pytest: $(VENV)/.dev-installed
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint types pytest

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
