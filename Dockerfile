# Production image: gunicorn serves the web app; the same image runs the worker and beat.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY core ./core
COPY workloads ./workloads
COPY credits ./credits
COPY matching ./matching
COPY api ./api
COPY portal ./portal
COPY founders ./founders
COPY cloudroute ./cloudroute
RUN pip install .

COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home cloudroute
USER cloudroute

EXPOSE 8000
# 2 cores: 3 workers x 4 threads keeps both busy while requests wait on PostgreSQL.
CMD ["gunicorn", "cloudroute.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--threads", "4", "--access-logfile", "-"]
