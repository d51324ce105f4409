# The two commands on a fresh machine (see README):
#   make run    installs everything and runs the app on its embedded defaults
#   make test   installs everything and runs lint, type checks, all tests and the eval gate
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-test-deps run test lint format typecheck pytest eval bench models clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# A stamp file re-runs the install when pyproject.toml changes.
# torch first and pinned: the CPU build (an unpinned torch pulls a multi-GB CUDA build).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium; PostgreSQL and Chroma servers are started by the tests.
install-test-deps: install
	bash scripts/install-browser.sh

run: install
	$(BIN)/python app.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

pytest: install-test-deps
	$(BIN)/pytest

# The gate: thresholds in evals/thresholds.yaml, and no regression against the committed sample.
eval: install
	$(BIN)/privacy-assistant --data-dir data/eval eval --baseline evals/reports/sample/report.json --output evals/reports/latest

test: lint typecheck pytest eval

bench: install
	$(BIN)/python -m benchmarks.run

# Rebuild the question bank (corpus/question_bank.yaml) from evals/ and retrain the learned
# answer decisions from the data in the repo (evals/, corpus/policyqa/)
# and rewrite assistant/learning/models/ with their cards. Embeddings are cached in data/.
# The small-talk classifier reads no embeddings: its own data (corpus/smalltalk/) and evals/.
models: install
	$(BIN)/python -m assistant.learning.bank
	$(BIN)/python -m assistant.learning.training
	$(BIN)/python -m assistant.learning.smalltalk_training

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
