"""Summaries of a chunk store's series, for pages that list series (the admin's change list).

Two public class methods of :class:`~hostore.models.TimeseriesChunkStore`: a lazy queryset of
one line per live series (so a caller filters, orders and slices it in the database, never
loading the table), and the description of a few series (first and last timestamp holding a
value, number of values), which decodes only those series' chunks, in one query.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.db import models
from django.db.models.functions import Length

from . import _corrupt
from ._typing import ChunkStoreMixinBase

_DESCRIBE_BATCH = 100  # series per query: a few hundred parameters at most


class SeriesSummaryMixin(ChunkStoreMixinBase):
    """``series_list`` and ``describe_series`` of a chunk store."""

    @classmethod
    def series_list(cls) -> models.QuerySet:
        """One dict per live series (tombstones left out), ordered by the business keys:
        the keys, ``chunks`` (live chunk rows), ``stored_bytes`` (their blobs' total size),
        ``first_chunk`` and ``last_chunk`` (their ``chunk_index`` bounds).

        A lazy ``values().annotate()`` queryset: filter it on the keys, slice it, count it,
        all in the database (the business keys lead the store's unique index).
        """
        keys = cls._hostore.keys
        live = cls._default_manager.filter(is_deleted=False)
        grouped = live.values(*keys) if keys else live.values("is_deleted")
        return grouped.annotate(
            chunks=models.Count("chunk_index"),
            stored_bytes=models.Sum(Length("data")),
            first_chunk=models.Min("chunk_index"),
            last_chunk=models.Max("chunk_index"),
        ).order_by(*keys)

    @classmethod
    def describe_series(cls, keys: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """For each series of ``keys`` (dicts of the business keys), in that order:
        ``{"first": Timestamp | None, "last": Timestamp | None, "values": int}``, the first
        and last instants holding a value and how many do. Reads and decodes those series'
        live chunks only, ``100`` series per query."""
        info = cls._hostore
        wanted = [info.key_of(dict(k)) for k in keys]
        found: dict[tuple, dict[str, Any]] = {}
        nk = len(info.keys)
        key_of = operator.itemgetter(*range(nk)) if nk else (lambda row: ())
        for i in range(0, len(wanted), _DESCRIBE_BATCH):
            part = wanted[i : i + _DESCRIBE_BATCH]
            where = models.Q(*(models.Q(**info.attrs_of(k)) for k in part), _connector=models.Q.OR)
            rows = (
                cls._default_manager.filter(where, is_deleted=False)
                .order_by(*info.keys, "chunk_index")
                .values_list(*info.keys, "chunk_index", "dtype", "data")
            )
            for key, group in itertools.groupby(rows, key=key_of):
                key = (key,) if nk == 1 else tuple(key)
                found[key] = cls._describe_rows(list(group), nk)
        empty = {"first": None, "last": None, "values": 0}
        return [dict(found.get(key, empty)) for key in wanted]

    @classmethod
    def _describe_rows(cls, rows: list[tuple], nk: int) -> dict[str, Any]:
        grid = cls._hostore.grid
        chunks = [row[nk] for row in rows]
        arrays = _corrupt.decode_chunks(
            cls,
            [row[nk + 2] for row in rows],
            [row[nk + 1] for row in rows],
            lambda i: (tuple(rows[i][:nk]), chunks[i]),
        )
        first = last = None
        count = 0
        for start, values in zip(grid.cached_chunk_starts(chunks), arrays, strict=True):
            valid = np.flatnonzero(~np.isnan(values)) if values.dtype.kind == "f" else None
            if valid is None:
                valid = np.arange(len(values))
            if not len(valid):
                continue
            count += len(valid)
            first = start + int(valid[0]) if first is None else first
            last = start + int(valid[-1])
        return {
            "first": None if first is None else grid.datetime_of_slot(first),
            "last": None if last is None else grid.datetime_of_slot(last),
            "values": count,
        }
