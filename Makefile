# The commands people type. A newcomer needs two: `make demo` and `make test`.
#
#   make demo   set up .venv, migrate SQLite, load demo users, serve http://127.0.0.1:$(PORT)
#               while load_demo_data runs in the background: scan real CPython sources
#               (CPYTHON_SRC, else the shared snapshots of main), load the shared pystats
#               (task impact), import the real pull requests of the JIT mega-issues, the
#               pyperf results and perf_events (progress in var/demo-data.log)
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

.PHONY: demo test lint setup setup-dev demo-db demo-sources demo-data serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-compile -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

setup: $(VENV)/.requirements
setup-dev: $(VENV)/.requirements-dev

# Schema and demo accounts (migrate + loaddata fixtures/users.json in one process): all the site
# needs to serve. System checks run once, in runserver.
demo-db: setup
	$(DEMO) manage.py demo_accounts

demo-sources:
	@if [ -z "$(CPYTHON_SRC)" ] && [ ! -d "$(SNAPSHOTS_DIR)" ]; then \
		echo "error: no CPython sources to scan." >&2; \
		echo "  Point CPYTHON_SRC at a CPython checkout:  make demo CPYTHON_SRC=~/src/cpython" >&2; \
		echo "  (or set JIT_SHARED_DIR to the folder holding cpython/<snapshot>/, now $(JIT_SHARED_DIR))" >&2; \
		exit 2; \
	fi

# The real data, step by step (scan, pystats, pull requests, pyperf results, perf_events):
# see `manage.py load_demo_data --help`. A rerun skips the steps done and retries the rest.
LOAD_DEMO_DATA = $(DEMO) manage.py load_demo_data --shared-dir "$(JIT_SHARED_DIR)" $(if $(CPYTHON_SRC),--cpython-src "$(CPYTHON_SRC)")

demo-data: demo-db demo-sources
	$(LOAD_DEMO_DATA)

serve: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/  (demo accounts maintainer, alice, bob; password demo-password)"
	$(DEMO) manage.py runserver 127.0.0.1:$(PORT)

# Serve as soon as the accounts exist; the data loads in the background meanwhile (pages say
# so in a banner). The loader runs niced, so the server answers first. Ctrl-C stops the server
# and the loader (the trap, and the loader exits with its parent).
demo: demo-sources setup
	$(DEMO) manage.py demo_accounts --loading
	@nice -n 10 $(LOAD_DEMO_DATA) --stop-with-parent & loader=$$!; \
	trap 'kill $$loader 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "Serving on http://127.0.0.1:$(PORT)/  (demo accounts maintainer, alice, bob; password demo-password)"; \
	$(DEMO) manage.py runserver --noreload 127.0.0.1:$(PORT)

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
