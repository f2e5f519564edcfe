"""`manage.py check --deploy`: fails while an active demo login exists (cloudroute.auth
refuses them anyway; the check says they should not be there at all), and warns when
two-factor sign-in is switched off (.ci/run fails on warnings too)."""

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.security, deploy=True)
def demo_logins_absent(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .models import User

    try:
        demo = User.objects.filter(is_demo=True, is_active=True)
        emails = list(demo.values_list("email", flat=True)[:5])
    except DatabaseError:  # no database yet (an image build): nothing to find
        return []
    if not emails:
        return []
    return [
        checks.Error(
            f"Demo logins (password 'demo') exist: {', '.join(emails)}.",
            hint="Retire them (inactive, no usable password; the demo data stays): "
            "manage.py seed_demo --retire-logins",
            id="cloudroute.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def two_factor_required(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    if getattr(settings, "OTP_REQUIRED", False):
        return []
    return [
        checks.Warning(
            "OTP_REQUIRED is off: operators and partner firm admins sign in with a password alone.",
            hint="Unset OTP_REQUIRED (it defaults to on when DEBUG is off) or set it to true.",
            id="cloudroute.W002",
        )
    ]


# Celery's autoretry waits at most this long between tries (retry_backoff_max's default).
RETRY_BACKOFF_MAX = 600


@checks.register(checks.Tags.compatibility)
def redelivery_outlasts_a_running_task(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The lease takeover (matching.services.intake) trusts that the broker hands a task's
    message out again only once its worker is gone: the Redis visibility timeout must outlast
    the hard time limit plus the longest retry wait, or a task still running (or waiting to
    retry) is delivered twice and two holders share one lease."""
    from django.conf import settings

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    longest = settings.CELERY_TASK_TIME_LIMIT + RETRY_BACKOFF_MAX
    if visibility > longest:
        return []
    return [
        checks.Error(
            f"The broker's visibility_timeout ({visibility} s) does not outlast a task's hard "
            f"time limit plus its longest retry wait ({longest} s).",
            hint="Raise CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] or lower "
            "CELERY_TASK_TIME_LIMIT.",
            id="cloudroute.E003",
        )
    ]
