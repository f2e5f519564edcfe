"""Celery: the enqueuing request's id and user id in the task's log lines, and task
outcomes counted.

Connected by cloudroute.celery, so every process that loads the Celery app (web processes
publishing, worker processes running) has them.
"""

import logging.config
from contextvars import ContextVar
from typing import Any

import structlog
from celery import signals
from django.conf import settings

from .logs import current_request, request_user_id
from .metrics import task_outcome_record

# The message headers carrying the request id and the signed-in user's id from the
# publishing request to the worker.
REQUEST_ID_HEADER = "cloudroute_request_id"
USER_ID_HEADER = "cloudroute_user_id"

# Per thread, a stack of what task_prerun bound: an inline (eager) task runs inside the
# request, and its own retries run inside it, so task_postrun restores the context it found.
_bound: ContextVar[tuple[Any, ...]] = ContextVar("cloudroute_task_context", default=())


@signals.setup_logging.connect
def logging_setup(**kwargs: Any) -> None:
    """The worker logs through settings.LOGGING (JSON lines) instead of Celery's own format;
    connecting this signal is what stops Celery from configuring logging itself."""
    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def request_id_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is None:
        return
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id
    request = current_request.get()
    user_id = request_user_id(request) if request is not None else None
    if user_id is not None and USER_ID_HEADER not in headers:
        headers[USER_ID_HEADER] = user_id


@signals.task_prerun.connect
def task_context_bind(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    context: dict[str, Any] = {"task_id": task_id, "task_name": getattr(task, "name", None)}
    # A worker finds it in the message's headers; an inline task inherits the request's.
    request_id = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    if request_id:
        context["request_id"] = request_id
    user_id = getattr(getattr(task, "request", None), USER_ID_HEADER, None)
    if user_id is not None:
        context["user_id"] = user_id
    tokens = structlog.contextvars.bind_contextvars(**context)
    _bound.set((*_bound.get(), tokens))


@signals.task_postrun.connect
def task_context_restore(**kwargs: Any) -> None:
    stack = _bound.get()
    if stack:
        structlog.contextvars.reset_contextvars(**stack[-1])
        _bound.set(stack[:-1])


@signals.task_success.connect
def task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(task_name=sender.name, outcome="succeeded")


@signals.task_failure.connect
def task_failed(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(task_name=sender.name, outcome="failed")


@signals.task_retry.connect
def task_retried(sender: Any = None, **kwargs: Any) -> None:
    task_outcome_record(task_name=sender.name, outcome="retried")
