from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Intake, partners and matching"

    def ready(self) -> None:
        # The reactions to what credits announces (credits/signals.py).
        from . import receivers  # noqa: F401
