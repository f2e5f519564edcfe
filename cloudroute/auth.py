"""Who may sign in: django-axes' lockout and Django's password backend, minus the demo logins
outside DEBUG.

`seed_demo` (which `make run` runs) makes logins whose password is "demo", one of them a
superuser. A production server (DEBUG off) that ends up with them, say from a copied laptop
database, must not let them in: not by password (forms, the admin, the API token), and not
through a session they opened before. `user_can_authenticate` is the hook ModelBackend (and
axes' backend, a ModelBackend) consults for both; a session is served by the backend that
opened it, so both refuse."""

from axes.backends import AxesBackend
from django.contrib.auth.backends import ModelBackend

from core.accounts import demo_login_refused


class LockoutBackend(AxesBackend):
    """Axes' backend: checks the lockout; for sessions it opened (force_login), the user."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not demo_login_refused(user)


class AccountBackend(ModelBackend):
    """Checks the password."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not demo_login_refused(user)
