"""The stores the sync benchmark replicates: one per codec measured, the same on both sides.

Keyed by ``meter``, 30 minutes, Europe/Paris, monthly chunks: the layout of the benchmark's
other stores (:mod:`bench.models`) and of holcstore 0.6.7's ``halfhourly`` store, which the
0.6.7 side serves and pulls the same values into.
"""

from __future__ import annotations

from django.db import models

from hostore.models import TimeseriesChunkStore

from ..data import FREQ, TZ


class SyncLz4(TimeseriesChunkStore):
    """LZ4 frames of float64 (the default codec, and 0.6.7's format)."""

    meter = models.CharField(max_length=32)

    STORE_CODEC = "lz4"
    STORE_FREQ = FREQ
    STORE_TZ = TZ
    CHUNK_AXIS = ("year", "month")


class SyncZstd(TimeseriesChunkStore):
    """Byte-shuffled zstd: the densest general codec (blobs sent as stored, never gzipped)."""

    meter = models.CharField(max_length=32)

    STORE_CODEC = "shuffle-zstd"
    STORE_FREQ = FREQ
    STORE_TZ = TZ
    CHUNK_AXIS = ("year", "month")


# the name of each store in URLs and on the command line
STORES = {"lz4": SyncLz4, "zstd": SyncZstd}
