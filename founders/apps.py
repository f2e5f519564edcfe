from django.apps import AppConfig


class FoundersConfig(AppConfig):
    name = "founders"
