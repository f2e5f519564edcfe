"""Structured logs: structlog renders every record, ours and Django's or Celery's alike.

The stdlib stays the entry point (`logging.getLogger(__name__).info("... %s", x)` everywhere);
`ProcessorFormatter` turns each record into one JSON line (or a coloured console line on a
laptop) with `timestamp` (ISO 8601, UTC), `level`, `logger`, `event`, the context bound by the
request middleware or a Celery task (`request_id`, `task_id`, `task_name`), `user_id` once the
request is authenticated, and `exception` when there is one.
"""

import logging
from contextvars import ContextVar
from typing import Any

import structlog
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

LOG_FORMATS = ("json", "console")

# The request being served on this thread (or task), so `user_id` can be read at log time:
# DRF authenticates a token inside the view, after every middleware has run.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def request_user_id(request: HttpRequest) -> int | None:
    """The id of the request's user if something already authenticated it, else None.

    Never authenticates by itself (that would cost the session's queries on every request):
    Django's lazy `request.user` counts only once evaluated; DRF assigns the user it
    authenticated (token or session) to the underlying request as a plain attribute.
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped if user._wrapped is not empty else None  # type: ignore[attr-defined]
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def add_user_id(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    request = current_request.get()
    user_id = request_user_id(request) if request is not None else None
    if user_id is not None:
        event_dict.setdefault("user_id", user_id)
    return event_dict


def _shared_processors() -> list[Any]:
    """Run on every record, a structlog call's or a stdlib one's (foreign_pre_chain)."""
    return [
        structlog.contextvars.merge_contextvars,
        add_user_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def processor_formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The formatter of the LOGGING dict ("()": this function), which also configures
    structlog itself, so `dictConfig(settings.LOGGING)` is all a process needs (Django's
    setup and the Celery worker's setup_logging both run it)."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        last = [structlog.processors.format_exc_info, renderer]
    else:
        last = [structlog.dev.ConsoleRenderer()]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *last],
    )


def logging_config(*, level: str, fmt: str) -> dict[str, Any]:
    """settings.LOGGING: one stream handler on the root logger, every record through
    structlog. Django's own "django" and "django.server" handlers are dropped so their
    records are not printed twice (once bare, once formatted)."""
    level = level.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"LOG_LEVEL {level!r} is not a logging level (DEBUG, INFO, ...)")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {"()": "cloudroute.observability.logs.processor_formatter", "fmt": fmt}
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
        },
    }
