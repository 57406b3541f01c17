"""The example's store: 30-minute load curves, one series per meter and data version."""

from django.db import models

from hostore.models import TimeseriesChunkStore


class LoadCurve(TimeseriesChunkStore):
    meter = models.CharField(max_length=14)
    version = models.IntegerField(default=0)

    STORE_FREQ = "30min"
    STORE_TZ = "Europe/Paris"
    CHUNK_AXIS = ("year", "month")
