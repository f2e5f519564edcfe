"""Rules about accounts that every front end applies (the backends in cloudroute.auth, the
API's token authentication in api.tokens)."""

from typing import Any

from django.conf import settings

DEMO_REFUSED = "Demo logins work only while DEBUG is on."


def demo_login_refused(user: Any) -> bool:
    """A demo login (`seed_demo`, password "demo") outside DEBUG: refused everywhere."""
    return bool(getattr(user, "is_demo", False)) and not settings.DEBUG
