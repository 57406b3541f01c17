"""The app of the sync benchmark's stores (label ``bench_sync``)."""

from django.apps import AppConfig


class SyncBenchConfig(AppConfig):
    name = "bench.syncsite"
    label = "bench_sync"
    default_auto_field = "django.db.models.BigAutoField"
