# CloudRoute: `make run` serves the app, `make test` runs the whole suite.
# Django 6 needs Python 3.12+; we look for one on PATH and in pyenv.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
# The lock (requirements/*.txt, `make lock`): every package pinned with its hashes, so each
# install gets the same bits. app.txt is what the image runs, dev.txt adds the dev extra and
# setuptools (the build backend of the editable install), bench.txt adds the bench extra.
LOCK_APP := requirements/app.txt
LOCK_DEV := requirements/dev.txt
LOCK_BENCH := requirements/bench.txt
# The project itself is not in the lock: installed editable, with no dependencies of its own
# (the lock has them) and no build isolation (the locked setuptools builds it).
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes
INSTALL_PROJECT := $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .

PYTHON ?= $(shell for c in python3.13 python3.12 python3.14 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV) python3 python; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: install run test lint format check-python clean worker bench bench-quick lock check-lock mutate

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: CloudRoute needs Python 3.12 or newer (Django 6) and none was found." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 ..." >&2; \
	  exit 1; fi

# pip stays the one the venv was made with: the lock, not pip's latest, decides what is installed.
$(STAMP): pyproject.toml $(LOCK_DEV) | check-python
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PIP_INSTALL) -r $(LOCK_DEV)
	$(PY) requirements/check_installed.py --sync $(LOCK_DEV)
	$(INSTALL_PROJECT)
	@rm -f $(BENCH_STAMP)
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
$(BENCH_STAMP): $(STAMP) $(LOCK_BENCH)
	$(PIP_INSTALL) -r $(LOCK_BENCH)
	$(PY) requirements/check_installed.py $(LOCK_BENCH)
	@touch $(BENCH_STAMP)

# The production-like stack under load (docs/performance.md). Drops and recreates the
# PostgreSQL database cloudroute_bench and flushes Redis DB 9; override with BENCH_ARGS,
# e.g. make bench BENCH_ARGS='--redis-url redis://127.0.0.1:6379/12'.
bench: $(BENCH_STAMP)
	$(PY) bench/stack.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(PY) bench/stack.py --quick $(BENCH_ARGS)

# Recompiles the lock from pyproject.toml (uv, from the dev extra), for every platform and for
# Python 3.12 and up, keeping the pins it can. Bump everything: make lock LOCK_ARGS=--upgrade;
# one package: make lock LOCK_ARGS='--upgrade-package kombu'. Each file constrains the next,
# so the three agree on every package they share.
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.12 \
	--generate-hashes --custom-compile-command 'make lock' $(LOCK_ARGS)
lock: | $(STAMP)
	$(UV_COMPILE) pyproject.toml -o $(LOCK_APP)
	$(UV_COMPILE) pyproject.toml requirements/build.in --extra dev -c $(LOCK_APP) -o $(LOCK_DEV)
	$(UV_COMPILE) pyproject.toml requirements/build.in --extra dev --extra bench \
	  -c $(LOCK_DEV) -o $(LOCK_BENCH)

# Fails unless the venv holds exactly the locked set (dev.txt, or bench.txt after make bench).
check-lock: $(STAMP)
	$(PY) requirements/check_installed.py $(if $(wildcard $(BENCH_STAMP)),$(LOCK_BENCH),$(LOCK_DEV))

# Mutation testing (docs/testing.md), not in CI: every target, or one with TARGET=spend
# (spend, eligibility, scoring, leads, applications, outcome). MUTATE_ARGS go to
# tools/mutate.py, e.g. MUTATE_ARGS='--sample 0' for every mutant, '--survivors' to rerun the
# last run's survivors.
mutate: $(STAMP)
	$(PY) tools/mutate.py $(TARGET) $(MUTATE_ARGS)
