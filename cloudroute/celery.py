"""The Celery app. With no REDIS_URL, tasks run inline (task_always_eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudroute.settings")

app = Celery("cloudroute")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Logging through settings.LOGGING, the request id into tasks, task outcomes counted.
from .observability import tasks as _observability_tasks  # noqa: E402, F401
