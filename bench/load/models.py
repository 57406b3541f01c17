"""The load test's store: series keyed by ``group`` (the writing process, -1 = shared)
and ``name``; 30-minute grid, month chunks, Europe/Paris."""

from __future__ import annotations

from django.db import models

from hostore.models import TimeseriesChunkStore

from . import FREQ, TZ


class LoadSeries(TimeseriesChunkStore):
    group = models.IntegerField()
    name = models.CharField(max_length=32)

    STORE_FREQ = FREQ
    STORE_TZ = TZ
    CHUNK_AXIS = ("year", "month")

    class Meta:
        app_label = "bench"
        db_table = "bench_load_series"
