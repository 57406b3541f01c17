"""Statistics and integrity checks of stores (``hostore_stats``, ``hostore_verify``).

Rows are read in batches (``iterator(chunk_size=...)``) and decoded one at a time, so a
store of any size is gone through with the memory of a batch. The expected shape of a chunk
(its first slot, its number of slots) is worked out here from the store's public settings
(``STORE_FREQ``, ``STORE_TZ``, ``CHUNK_AXIS``) with pandas, independently of the code that
wrote it.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connections, router
from django.db.models import Sum
from django.db.models.functions import Length

from .. import codecs
from ..formats import arrow
from ..grid import nanoseconds
from ..models import TimeseriesChunkStore
from .stores import chunk_keys

BATCH = 500  # rows per fetch


@dataclass
class StoreStats:
    store: str
    kind: str
    series: int = 0
    chunks: int = 0  # rows holding data
    points: int = 0  # values that are not NaN
    bytes: int = 0  # sum of the blobs' lengths
    tombstones: int = 0
    codecs: dict[str, int] = field(default_factory=dict)
    table_bytes: int | None = None  # PostgreSQL: pg_total_relation_size

    @property
    def bytes_per_point(self) -> float | None:
        return self.bytes / self.points if self.points else None

    def as_dict(self) -> dict:
        return {
            "store": self.store,
            "kind": self.kind,
            "series": self.series,
            "chunks": self.chunks,
            "points": self.points,
            "bytes": self.bytes,
            "bytes_per_point": self.bytes_per_point,
            "codecs": self.codecs,
            "tombstones": self.tombstones,
            "table_bytes": self.table_bytes,
        }


def _codec_name(blob) -> str:
    try:
        return codecs.codec_of(blob).codec_id
    except Exception:
        return "unknown"


def _table_bytes(model) -> int | None:
    alias = router.db_for_read(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [model._meta.db_table])
        return int(cursor.fetchone()[0])


def store_stats(model, progress: Callable[[int], object] | None = None) -> StoreStats:
    """Counts of one store, its values counted by decoding every blob (streamed)."""
    progress = progress or (lambda n: None)
    manager = model._default_manager
    chunked = issubclass(model, TimeseriesChunkStore)
    stats = StoreStats(model._meta.label, "chunk" if chunked else "blob")
    if chunked:
        live = manager.filter(is_deleted=False)
        keys = chunk_keys(model)  # (a store without keys holds one series)
        stats.series = live.values(*keys).distinct().count() if keys else int(live.exists())
        stats.tombstones = manager.filter(is_deleted=True).count()
        rows = live.values_list("dtype", "data")
    else:
        live = manager.exclude(data=None)
        stats.series = live.count()
        rows = live.values_list("pk", "data")
    stats.bytes = int(live.aggregate(n=Sum(Length("data")))["n"] or 0)
    found: Counter = Counter()
    for first, blob in rows.iterator(chunk_size=BATCH):
        stats.chunks += 1
        if chunked:
            found[_codec_name(blob)] += 1
            with contextlib.suppress(Exception):  # a damaged chunk: hostore_verify says it
                stats.points += int(np.count_nonzero(~np.isnan(codecs.decode(blob, first))))
        else:
            found["arrow-feather"] += 1
            with contextlib.suppress(Exception):
                stats.points += int(arrow.read_series(blob).notna().sum())
        progress(1)
    stats.codecs = dict(sorted(found.items()))
    stats.table_bytes = _table_bytes(model)
    return stats


@dataclass
class Problem:
    store: str
    attrs: dict
    chunk_index: int | None
    problem: str

    def __str__(self) -> str:
        where = "" if self.chunk_index is None else f" chunk {self.chunk_index}"
        return f"{self.store} {self.attrs}{where}: {self.problem}"


@functools.lru_cache(maxsize=4096)
def chunk_shape(freq: str, tz: str, monthly: bool, chunk: int) -> tuple[pd.Timestamp, int]:
    """``(first instant, number of slots)`` of a chunk: a local year or month of ``tz``."""
    year, month = (chunk // 12, chunk % 12 + 1) if monthly else (chunk, 1)
    start = pd.Timestamp(year, month, 1)
    end = start + (pd.DateOffset(months=1) if monthly else pd.DateOffset(years=1))
    if freq.upper() == "1D":
        first = start.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        return first, (end - start).days
    bounds = pd.DatetimeIndex([start, end]).tz_localize(
        tz, ambiguous=np.array([True, True]), nonexistent="shift_forward"
    )
    step = pd.Timedelta(freq).value
    ns = nanoseconds(bounds)
    return bounds[0], int((ns[1] - ns[0]) // step)


def verify_store(model, progress: Callable[[int], object] | None = None) -> Iterator[Problem]:
    """Yield each damaged row of a store: blobs that do not decode and, for chunk stores,
    chunks of the wrong length, dtype or start."""
    progress = progress or (lambda n: None)
    label = model._meta.label
    manager = model._default_manager
    if not issubclass(model, TimeseriesChunkStore):
        for pk, blob in manager.order_by("pk").values_list("pk", "data").iterator(BATCH):
            progress(1)
            try:
                arrow.read_series(blob) if blob is not None else None
            except Exception as exc:
                yield Problem(label, {"pk": pk}, None, f"the blob does not decode: {exc}")
            else:
                if blob is None:
                    yield Problem(label, {"pk": pk}, None, "the row holds no data")
        return
    keys = chunk_keys(model)
    monthly = "month" in model.CHUNK_AXIS
    rows = manager.filter(is_deleted=False).order_by(*keys, "chunk_index")
    fields = (*keys, "chunk_index", "start_ts", "dtype", "data")
    for row in rows.values_list(*fields).iterator(chunk_size=BATCH):
        progress(1)
        attrs = dict(zip(keys, row[: len(keys)], strict=True))
        chunk, start_ts, dtype, blob = row[len(keys) :]
        problem = _chunk_problem(model, monthly, chunk, start_ts, dtype, blob)
        if problem:
            yield Problem(label, attrs, chunk, problem)


def _chunk_problem(model, monthly: bool, chunk: int, start_ts, dtype: str, blob) -> str | None:
    try:
        wanted = np.dtype(dtype)
    except TypeError:
        return f"its dtype column {dtype!r} is not a numpy dtype"
    if wanted.kind != "f":
        return f"its dtype column says {dtype!r}: chunks hold floats"
    first, slots = chunk_shape(model.STORE_FREQ, model.STORE_TZ, monthly, int(chunk))
    if pd.Timestamp(start_ts) != first:
        return f"start_ts {pd.Timestamp(start_ts)} is not the chunk's first slot {first}"
    try:
        values = codecs.decode(blob, wanted)
    except Exception as exc:
        return f"the blob does not decode ({type(exc).__name__}: {exc})"
    if values.dtype != wanted:
        return f"the blob decodes to {values.dtype}, its dtype column says {dtype}"
    if values.ndim != 1 or len(values) != slots:
        return f"the blob holds {len(values)} values, the chunk has {slots} slots"
    return None
