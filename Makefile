# The two commands of the README: `make run` and `make test`. Both create .venv/ when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := data/reasoning-gym
BUNDLE := models/default

.PHONY: install install-dev run test test-slow lint fix benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[track]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev

# Train the default router on the bundled data (tracked in MLflow, held-out report in
# reports/default/), then route example prompts.
run: install
	$(BIN)/budgetrouter train --data $(DATA) --out $(BUNDLE) --report reports/default
	$(BIN)/budgetrouter route --bundle $(BUNDLE) --input training/example_prompts.jsonl --format table

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Linters, type checker and the default test suite (slow tests deselected).
test: lint
	$(BIN)/pytest

test-slow: install-dev
	$(BIN)/pytest -m slow

fix: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Routing latency, throughput, import time and memory of the default bundle (after `make run`).
benchmark: install
	$(BIN)/python benchmarks/bench_route.py --bundle $(BUNDLE)

clean:
	rm -rf $(VENV) .cache mlflow.db mlartifacts mlruns
