"""What a deploy sees: JSON logs with a request id, Sentry, and Prometheus metrics.

`logs` configures logging (structlog over the stdlib), `middleware` gives every request its id
and times it, `tasks` carries the id into Celery tasks and counts their outcomes, `metrics`
serves `/metrics`, `sentry` starts error tracking when SENTRY_DSN is set.
"""
