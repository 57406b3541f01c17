"""Django admin helpers of holcstore: actions that download stored series.

Importing this package needs neither ``django.contrib.admin`` nor ``django.contrib.messages``
in ``INSTALLED_APPS`` (Django's admin autodiscovery imports it when the admin is installed):
the actions only use what a ``ModelAdmin`` hands them. Use them in your own ``admin.py``::

    from hostore.admin import download_timeseries_from_store

    @admin.register(MySeries)
    class MySeriesAdmin(admin.ModelAdmin):
        actions = [download_timeseries_from_store]
"""

from .downloads import (
    download_timeseries_from_chunkstore,
    download_timeseries_from_legacy_store,
    download_timeseries_from_store,
)

__all__ = [
    "download_timeseries_from_chunkstore",
    "download_timeseries_from_legacy_store",
    "download_timeseries_from_store",
]
