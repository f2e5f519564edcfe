from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        # Signing out revokes the user's API tokens (api/tokens.py).
        from . import tokens  # noqa: F401
