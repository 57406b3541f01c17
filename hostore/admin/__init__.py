"""Django admin of holcstore's stores: series lists, charts and downloads.

Public names:

- ``TimeseriesChunkStoreAdmin``, ``StoreAdmin``, ``TimeseriesStoreAdmin``: ``ModelAdmin``
  classes ready to register (``admin.site.register(MyStore, TimeseriesChunkStoreAdmin)``):
  a change list of series (one line per series, filtered, searched and paginated in the
  database), a chart page (uPlot; zooming reads the window from the store), and downloads of
  the selected series as a zip of CSV files or one streamed Parquet file (:mod:`.options`).
- ``SeriesAdminMixin``: the same pages, to mix into a ``ModelAdmin`` of your own.
- ``download_timeseries_from_store``, ``download_timeseries_from_legacy_store``,
  ``download_timeseries_from_chunkstore``: holcstore 0.5/0.6's admin actions (a zip of CSV
  files per selected row, :mod:`.downloads`), also at ``hostore.admin_actions``.

Importing this package needs neither ``django.contrib.admin`` nor ``django.contrib.messages``
in ``INSTALLED_APPS`` (Django's admin autodiscovery imports it when the admin is installed):
the actions only use what a ``ModelAdmin`` hands them, and the admin classes are imported on
first use. The chart's script needs uPlot in ``hostore/static/hostore/vendor/`` (installed
by ``scripts/_lib.sh``'s ``ensure_static``, or by your own build from ``package.json``)::

    from hostore.admin import TimeseriesChunkStoreAdmin, download_timeseries_from_store

    admin.site.register(MyChunkStore, TimeseriesChunkStoreAdmin)

    @admin.register(MySeries)
    class MySeriesAdmin(admin.ModelAdmin):
        actions = [download_timeseries_from_store]
"""

from __future__ import annotations

from typing import Any

from .downloads import (
    download_timeseries_from_chunkstore,
    download_timeseries_from_legacy_store,
    download_timeseries_from_store,
)

_ADMIN_CLASSES = (
    "SeriesAdminMixin",
    "StoreAdmin",
    "TimeseriesChunkStoreAdmin",
    "TimeseriesStoreAdmin",
)

__all__ = [
    "SeriesAdminMixin",
    "StoreAdmin",
    "TimeseriesChunkStoreAdmin",
    "TimeseriesStoreAdmin",
    "download_timeseries_from_chunkstore",
    "download_timeseries_from_legacy_store",
    "download_timeseries_from_store",
]


def __getattr__(name: str) -> Any:
    # the ModelAdmin classes import django.contrib.admin: only when asked for
    if name in _ADMIN_CLASSES:
        from . import options

        return getattr(options, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
