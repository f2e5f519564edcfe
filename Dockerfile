# Production image: gunicorn serves the web app; the same image runs the worker and beat.
# Two stages: the builder installs the lock (requirements/app.txt, `make lock`) into /venv,
# every wheel checked against its hash; the image gets that venv and the code, nothing else
# (.dockerignore keeps .git, .venv, .env, db.sqlite3 and the tests out).
ARG PYTHON_IMAGE=python:3.13-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/app.txt /tmp/app.txt
# Wheels only: the slim image has no compiler, and a wheel is the same bits on every build.
RUN python -m venv /venv \
    && /venv/bin/pip install --require-hashes --only-binary :all: -r /tmp/app.txt

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH PYTHONPATH=/app
RUN useradd --system --create-home --uid 10001 cloudroute
COPY --from=builder /venv /venv
WORKDIR /app
# The code is not pip-installed: it runs from /app (PYTHONPATH), owned by root, so the app
# user can read it but not change it.
COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
USER cloudroute

EXPOSE 8000
# /healthz: the database and the broker (503 when either is down). The worker and beat run
# this image too; docker-compose.yml gives them checks of their own.
# cloudroute/healthcheck.py sends a Host of ALLOWED_HOSTS, which Django would otherwise refuse.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "cloudroute.healthcheck"]
# 2 cores: 3 workers x 4 threads keeps both busy while requests wait on PostgreSQL.
CMD ["gunicorn", "cloudroute.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--threads", "4"]
