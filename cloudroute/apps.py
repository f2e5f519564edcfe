from django.apps import AppConfig


class CloudRouteConfig(AppConfig):
    name = "cloudroute"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
