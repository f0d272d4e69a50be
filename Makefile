# Accord: `make run` serves the API on SQLite; `make test` runs lint, import contracts and the
# quick tier of the tests; `make check` runs lint, import contracts and every test (what CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run demo test check lint format bench bench-record bench-docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/accord serve

demo: $(STAMP)
	$(BIN)/accord demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two workers (pytest-xdist) and the 25 slowest tests printed at the end.
PYTEST_ARGS ?= -n 2 --durations=25

# The quick loop: store-independent checks on the in-memory store only, the quick hypothesis
# profile, tests marked slow left out (see tests/conftest.py).
test: lint
	ACCORD_TEST_TIER=quick $(BIN)/pytest $(PYTEST_ARGS)

# Everything: every test on every store, the full hypothesis profile, the slow tier.
check: lint
	ACCORD_TEST_TIER=full $(BIN)/pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Figures to var/bench/; `make bench-record` rewrites the tracked bench/results.json and
# docs/performance.md instead.
bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-record: $(STAMP)
	BENCH_RECORD=1 $(BIN)/python -m bench.run

bench-docs: bench-record

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
