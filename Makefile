# The two commands of the README: `make run` and `make test`. Both create .venv/ when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := data
EMBEDDER := minilm-static-64
BUNDLE := models/default
CONFIG := training/default.json
PACKAGED := src/budgetrouter/resources
TRAIN = $(BIN)/budgetrouter train --data $(DATA) --config $(CONFIG) --embedder $(EMBEDDER)

.PHONY: install install-dev run serve simulate test docs test-slow lint fix default-bundle compact-table embedder-bundles benchmark benchmark-dask headroom clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[train,track,fast]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev

# Train the default router on the six bundled sources (tracked in MLflow, held-out report in
# reports/default/), then route example prompts: model-agnostic and for two named models.
run: install
	$(TRAIN) --out $(BUNDLE) --report reports/default
	$(BIN)/budgetrouter route --bundle $(BUNDLE) --input training/example_prompts.jsonl --format table --forecast

# Learning from traffic without labels, on the bundled runs (docs/learn.md): exploration,
# shadow agreement, retraining from the logs alone, off-policy estimates against the truth.
simulate: install
	$(BIN)/python training/simulate_traffic.py

# Serve the registry's champion router (set by a retrain) on 127.0.0.1:5000.
serve: install
	$(BIN)/budgetrouter serve

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The documentation site (mkdocs-material, API reference from the docstrings) into site/;
# --strict: a broken link or reference fails the build (not with --quiet, which hides the
# warnings --strict counts).
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Linters, type checker, the docs build and the default test suite (slow tests deselected).
test: lint docs
	$(BIN)/pytest

test-slow: install-dev
	$(BIN)/pytest -m slow

fix: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The pretrained router shipped in the package (Router.default()): the same training as
# `make run`, written into the package. Commit the result.
default-bundle: install
	$(TRAIN) --out $(PACKAGED)/default --report reports/default

# The default embedder's 64-dimensional static table, fitted to the bundled prompts (needs
# torch once). Run `make default-bundle` after it: the bundle records the table's digest.
compact-table: install
	$(BIN)/python training/build_compact_table.py --data $(DATA) --out $(PACKAGED)/minilm-static-64

# The default router retrained with each fast embedder, with their held-out reports.
embedder-bundles: install-dev
	$(BIN)/budgetrouter train --data $(DATA) --config $(CONFIG) --embedder minilm --out models/minilm --report reports/minilm
	$(BIN)/budgetrouter train --data $(DATA) --config $(CONFIG) --embedder minilm-onnx --out models/minilm-onnx --report reports/minilm-onnx

# Routing latency, throughput, import time and memory of every bundle in models/ (after
# `make run`, and `make embedder-bundles` for the fast paths), measured in one process.
benchmark: install-dev
	$(BIN)/python benchmarks/bench_route.py

# Dask training against a single process, 10k to 1M rows (about 25 minutes on 2 cores).
benchmark-dask: install-dev
	$(BIN)/python benchmarks/bench_dask.py

# What knowing more than the prompt text would save, against the router over five random
# assignments of families to folds (about 2 minutes once embeddings are cached).
headroom: install
	$(BIN)/python training/headroom.py

clean:
	rm -rf $(VENV) .cache mlflow.db mlartifacts mlruns
