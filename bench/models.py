"""The benchmark's tables: one chunk store per codec, its floor twin, and plain Django.

- ``STORES[codec]``: a ``TimeseriesChunkStore`` keyed by ``meter`` (30 min, month chunks,
  Europe/Paris) writing with that codec;
- ``FLOORS[codec]``: the same columns, constraint and index as the store's table, but a plain
  model: the floor writes and reads it with raw SQL only (the model just creates the table);
- ``PlainReading``: the plain Django way, one row per (meter, timestamp, value).
"""

from __future__ import annotations

import re

from django.db import models

from hostore import codecs
from hostore.models import TimeseriesChunkStore

from .data import FREQ, TZ


def codec_ids() -> list[str]:
    """Every codec registered in hostore (it has no public listing: read the registry)."""
    return codecs.available()


def _slug(codec_id: str) -> str:
    return re.sub(r"\W+", "_", codec_id).strip("_").lower()


def _camel(codec_id: str) -> str:
    return "".join(part.title() for part in _slug(codec_id).split("_"))


def chunk_store(
    name: str, table: str, codec_id: str, freq: str = FREQ, axis: tuple = ("year", "month")
) -> type[TimeseriesChunkStore]:
    """A chunk store keyed by ``meter`` in the bench app, Europe/Paris."""
    return type(
        name,
        (TimeseriesChunkStore,),
        {
            "__module__": __name__,
            "meter": models.CharField(max_length=32),
            "STORE_CODEC": codec_id,
            "STORE_FREQ": freq,
            "STORE_TZ": TZ,
            "CHUNK_AXIS": axis,
            "DISTRIBUTE_BY": "meter",  # on Citus (the citus phase); nothing elsewhere
            "Meta": type("Meta", (), {"db_table": table}),
        },
    )


def _store(codec_id: str) -> type[TimeseriesChunkStore]:
    return chunk_store(f"Store{_camel(codec_id)}", f"bench_store_{_slug(codec_id)}", codec_id)


def _floor(codec_id: str) -> type[models.Model]:
    table = f"bench_floor_{_slug(codec_id)}"
    meta = type(
        "Meta",
        (),
        {
            "db_table": table,
            "constraints": [
                models.UniqueConstraint(fields=["meter", "chunk_index"], name=f"{table}_chunk")
            ],
            "indexes": [
                models.Index(fields=["updated_at"], name=f"bf_{_slug(codec_id)[:22]}_upd"),
                models.Index(fields=["sync_seq", "id"], name=f"bf_{_slug(codec_id)[:22]}_seq"),
            ],
        },
    )
    return type(
        f"Floor{_camel(codec_id)}",
        (models.Model,),
        {
            "__module__": __name__,
            "meter": models.CharField(max_length=32),
            "chunk_index": models.IntegerField(),
            "start_ts": models.DateTimeField(),
            "dtype": models.CharField(max_length=16),
            "updated_at": models.DateTimeField(),
            "is_deleted": models.BooleanField(default=False),
            "data": models.BinaryField(),
            "sync_seq": models.BigIntegerField(default=0),
            "DISTRIBUTE_BY": "meter",  # as the store's table (the citus phase)
            "Meta": meta,
        },
    )


STORES = {codec_id: _store(codec_id) for codec_id in codec_ids()}
FLOORS = {codec_id: _floor(codec_id) for codec_id in codec_ids()}


class PlainReading(models.Model):
    """One row per reading, as a Django developer would first write it."""

    meter = models.CharField(max_length=32)
    ts = models.DateTimeField()
    value = models.FloatField()

    DISTRIBUTE_BY = "meter"  # as the store's table (the citus phase)

    class Meta:
        db_table = "bench_plain"
        constraints = [models.UniqueConstraint(fields=["meter", "ts"], name="bench_plain_meter_ts")]


def all_models() -> list[type[models.Model]]:
    from hostore.models import ChangeClock

    return [*STORES.values(), *FLOORS.values(), PlainReading, ChangeClock]
