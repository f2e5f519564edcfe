from django.apps import AppConfig


class CloudRouteConfig(AppConfig):
    name = "cloudroute"
    verbose_name = "Accounts"
