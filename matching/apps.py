from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Intake, partners and matching"

    def ready(self) -> None:
        # Register the named tasks in this process too, so a lower app's enqueue by name
        # ("matching.record_commission") finds them and runs inline when eager.
        from . import tasks  # noqa: F401
