# CloudRoute: `make run` serves the app, `make test` runs the whole suite.
# Django 6 needs Python 3.12+; we look for one on PATH and in pyenv.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

PYTHON ?= $(shell for c in python3.13 python3.12 python3.14 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV) python3 python; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: install run test lint format check-python clean worker bench bench-quick

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: CloudRoute needs Python 3.12 or newer (Django 6) and none was found." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 ..." >&2; \
	  exit 1; fi

$(STAMP): pyproject.toml | check-python
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.env:
	@echo "Writing .env with a fresh SECRET_KEY for local runs"
	@$(PY) -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))' > .env

install: $(STAMP)

# PORT reaches manage.py too: settings' SITE_URL (the links in e-mails) follows it unless
# SITE_URL is set.
run: export PORT := $(PORT)
run: $(STAMP) .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: $(STAMP)
	$(VENV)/bin/celery -A cloudroute worker -B --loglevel=info --concurrency=2

clean:
	rm -rf $(VENV) .pytest_cache db.sqlite3 staticfiles

# locust, matplotlib, pyinstrument, py-spy: only the bench needs them.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# The production-like stack under load (docs/performance.md). Drops and recreates the
# PostgreSQL database cloudroute_bench and flushes Redis DB 9; override with BENCH_ARGS,
# e.g. make bench BENCH_ARGS='--redis-url redis://127.0.0.1:6379/12'.
bench: $(BENCH_STAMP)
	$(PY) bench/stack.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(PY) bench/stack.py --quick $(BENCH_ARGS)
