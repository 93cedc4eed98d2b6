# releasegate's single tooling entry point. The README's two commands: `make run`, `make test`.
# Every target installs what it needs first, idempotently: quick when already installed.
# httpbin (a third-party API the contract tests run against) goes in with --no-deps: its
# greenlet<3 pin conflicts with gevent and playwright, and it never imports greenlet.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := chromium wrk postgresql prometheus iproute2
ARGS ?=
PYTEST_ARGS ?=
COV_FLOOR ?= 85
# The tests spend most of their time waiting on real servers, browsers and load runs: two
# processes (pytest-xdist, whole files per process) halve the wall time on two cores. Tests that
# judge the machine's own latency (marker `alone`, tests/watch) run afterwards by themselves;
# coverage adds both parts up.
TEST_JOBS ?= 2

.PHONY: help deps python-deps system-deps node-deps run test lint typecheck bench clean

help:
	@echo "make run        every pre-deploy layer + gates against the embedded demo (extra flags: ARGS='...')"
	@echo "make test       the harness's own tests with coverage (floor $(COV_FLOOR)%), TEST_JOBS=$(TEST_JOBS) processes"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make typecheck  mypy (strict)"
	@echo "make bench      the benchmarks in bench/ (medians and ratios)"
	@echo "make deps       install everything: .venv, Debian packages, Node packages"

deps: python-deps system-deps node-deps

python-deps: $(PY_STAMP)

$(PY_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt 'httpbin>=0.10.4'
	@touch $@

system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  command -v $$pkg >/dev/null 2>&1 || dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

node-deps:
	@if [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ] || [ package.json -nt node_modules ]; then \
	    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi; \
	    touch node_modules; \
	  fi; \
	fi

run: deps
	$(BIN)/releasegate run --stage pre-deploy $(ARGS)

test: deps
	$(BIN)/python -m pytest tests -m "not alone" -n $(TEST_JOBS) --dist loadfile --durations=15 --cov --cov-report= $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests -m alone --durations=5 --cov --cov-append --cov-report=term --cov-fail-under=$(COV_FLOOR) $(PYTEST_ARGS)

lint: python-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: python-deps
	$(BIN)/mypy releasegate

bench: deps
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python "$$script"; done

clean:
	rm -rf .coverage .coverage.* htmlcov .pytest_cache .mypy_cache .ruff_cache
