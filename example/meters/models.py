"""The example's stores.

- ``LoadCurve``: 30-minute load curves, one series per meter and data version, chunked by
  month (the main store; served to sync clients).
- ``CurveCache``: curves fetched from a metering provider, per client and meter (``prm``),
  each delivery a new version; reads combine versions (the newest wins where it has values).
- ``Forecast``: one forecast series per meter and horizon.
- ``Report``: whole DataFrames (monthly summaries) per client, with metadata.
"""

from django.db import models

from hostore.models import DataFrameStore, Store, TimeseriesChunkStore, TimeseriesStore


class LoadCurve(TimeseriesChunkStore):
    meter = models.CharField(max_length=14)
    version = models.IntegerField(default=0)

    STORE_FREQ = "30min"
    STORE_TZ = "Europe/Paris"
    CHUNK_AXIS = ("year", "month")


class CurveCache(Store):
    class Meta(Store.Meta):
        abstract = False


class Forecast(TimeseriesStore):
    meter = models.CharField(max_length=14)
    horizon = models.CharField(max_length=8)  # "d+1", "w+1"...

    class Meta(TimeseriesStore.Meta):
        unique_together = ("meter", "horizon")


class Report(DataFrameStore):
    class Meta(DataFrameStore.Meta):
        abstract = False
