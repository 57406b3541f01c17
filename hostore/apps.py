"""The Django app configuration (label ``hostore``)."""

from django.apps import AppConfig


class HostoreConfig(AppConfig):
    name = "hostore"
    label = "hostore"
    verbose_name = "holcstore"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the system checks)
        from .models._locking import on_connection_created
        from .models._storage import on_post_migrate

        # for every app: chunk stores live in the users' apps, not in this one
        post_migrate.connect(on_post_migrate, dispatch_uid="hostore_external_storage")
        connection_created.connect(on_connection_created, dispatch_uid="hostore_sqlite_locking")
