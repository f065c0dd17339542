# The commands people type. A newcomer needs two: `make demo` and `make test`.
#
#   make demo   set up .venv, migrate SQLite, load demo users, scan real CPython sources
#               (CPYTHON_SRC, else the shared snapshots of main), load the shared pystats
#               (task impact), import the real pull requests of the JIT mega-issues,
#               serve http://127.0.0.1:$(PORT)
#   make test   set up .venv with the test tools and run the whole suite (tests/)
#   make lint   ruff (lint and format) over the project, and a check that migrations match the models

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
JIT_SHARED_DIR ?= ../shared
SNAPSHOTS_DIR := $(JIT_SHARED_DIR)/cpython
PYTEST_ARGS ?=
# The demo always uses the development settings and the local SQLite database.
DEMO := env -u DATABASE_URL DJANGO_SETTINGS_MODULE=onboarding.settings.base $(BIN)/python

.PHONY: demo test lint setup setup-dev demo-data serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

setup: $(VENV)/.requirements
setup-dev: $(VENV)/.requirements-dev

demo-data: setup
	$(DEMO) manage.py migrate --noinput
	$(DEMO) manage.py loaddata fixtures/users.json
	@if [ -n "$(CPYTHON_SRC)" ]; then \
		echo "Scanning CPYTHON_SRC=$(CPYTHON_SRC)"; \
		$(DEMO) manage.py scan "$(CPYTHON_SRC)"; \
	elif [ -d "$(SNAPSHOTS_DIR)" ]; then \
		echo "Scanning the shared snapshots of CPython's main in $(SNAPSHOTS_DIR), oldest first"; \
		$(DEMO) manage.py scan_snapshots fixtures/snapshots.json --root "$(SNAPSHOTS_DIR)"; \
	else \
		echo "error: no CPython sources to scan." >&2; \
		echo "  Point CPYTHON_SRC at a CPython checkout:  make demo CPYTHON_SRC=~/src/cpython" >&2; \
		echo "  (or set JIT_SHARED_DIR to the folder holding cpython/<snapshot>/, now $(JIT_SHARED_DIR))" >&2; \
		exit 2; \
	fi
	@pystats=$$(ls -1 "$(JIT_SHARED_DIR)"/pystats/*.json.gz 2>/dev/null | tail -n 1); \
	if [ -n "$$pystats" ]; then \
		echo "Loading instruction execution counts (task impact) from $$pystats"; \
		$(DEMO) manage.py load_pystats "$$pystats"; \
	fi
	@if [ -f "$(JIT_SHARED_DIR)/github/cpython-jit-pulls.json" ]; then \
		echo "Importing the real pull requests of the JIT mega-issues in $(JIT_SHARED_DIR)/github"; \
		$(DEMO) manage.py import_pulls "$(JIT_SHARED_DIR)/github/cpython-jit-pulls.json"; \
	fi
	@if [ -d "$(JIT_SHARED_DIR)/benchmarks" ]; then \
		echo "Importing the real pyperf results in $(JIT_SHARED_DIR)/benchmarks"; \
		$(DEMO) manage.py import_benchmarks "$(JIT_SHARED_DIR)/benchmarks/nightly-aarch64" "$(JIT_SHARED_DIR)/benchmarks/pyperf-jit" "$(JIT_SHARED_DIR)/benchmarks/pyperf"; \
	fi
	@if [ -f "$(JIT_SHARED_DIR)/doesjitgobrrr/perf_events.yaml" ]; then \
		$(DEMO) manage.py import_perf_events "$(JIT_SHARED_DIR)/doesjitgobrrr/perf_events.yaml"; \
	fi

serve: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/  (demo accounts maintainer, alice, bob; password demo-password)"
	$(DEMO) manage.py runserver 127.0.0.1:$(PORT)

demo: demo-data serve

test: setup-dev
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "error: pytest collected no tests (exit code 5); check testpaths in pyproject.toml" >&2; \
	fi; \
	exit $$rc

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEMO) manage.py makemigrations --check --dry-run
