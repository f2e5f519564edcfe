"""Bulk admin actions: one service call per selected row, and a report of what happened."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages

from .. import services
from ..models import Lead, Partner

ACTION_ERRORS = (services.LeadActionError, Lead.DoesNotExist, Partner.DoesNotExist)


def call_each[Row](
    modeladmin: admin.ModelAdmin,
    request,
    rows: Iterable[Row],
    call: Callable[[Row], str | None],
    *,
    done: str,
) -> None:
    """Call a service once per row and report how many succeeded and why the others failed.

    `call` returns None on success or a sentence when the service ran but could not help
    (e.g. no partner left); a refused move (LeadActionError) counts as a failure too."""
    rows = list(rows)
    succeeded, failures = 0, []
    for row in rows:
        try:
            problem = call(row)
        except ACTION_ERRORS as exc:
            problem = str(exc) or exc.__class__.__name__
        if problem:
            failures.append(f"{row}: {problem}")
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded} of {len(rows)}.", messages.SUCCESS)
    if failures:
        modeladmin.message_user(
            request,
            f"{len(failures)} of {len(rows)} failed. " + " ".join(failures),
            messages.ERROR,
        )
