"""The admin actions at their holcstore 0.5/0.6 path (they live in :mod:`hostore.admin`)."""

from .admin import (
    download_timeseries_from_chunkstore,
    download_timeseries_from_legacy_store,
    download_timeseries_from_store,
)

__all__ = [
    "download_timeseries_from_chunkstore",
    "download_timeseries_from_legacy_store",
    "download_timeseries_from_store",
]
