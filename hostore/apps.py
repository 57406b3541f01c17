"""The Django app configuration (label ``hostore``)."""

from django.apps import AppConfig


class HostoreConfig(AppConfig):
    name = "hostore"
    label = "hostore"
    verbose_name = "holcstore"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
