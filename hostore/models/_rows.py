"""Chunk rows to write: a series' pieces as rows in the column order of ``_sql.ROW_FIELDS``
(business keys first), each with its encoded blob and its statistics (``_stats``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import pandas as pd
from django.utils import timezone

from .. import chunking, codecs
from . import _stats
from ._queries import db_datetime


def series_rows(model, items: list[tuple[tuple, pd.Series]], seq: int) -> Iterator[tuple]:
    """The rows of ``(key, serie)`` items, each series validated when its turn comes."""
    grid = model._hostore.grid
    for key, serie in items:
        yield from chunk_rows(model, key, chunking.split(chunking.align(serie, grid), grid), seq)


def chunk_rows(model, key: tuple, pieces: list[chunking.Piece], seq: int) -> list[tuple]:
    """The rows of one series' pieces, written under change number ``seq``."""
    info = model._hostore
    now = db_datetime(timezone.now())
    start = info.grid.chunk_start_datetime
    arrays = [p.values for p in pieces]
    blobs = codecs.encode_many(arrays, info.codec_id)
    stats = _stats.of_chunks(info.grid, [p.chunk_index for p in pieces], arrays)
    return [
        (
            *key,
            p.chunk_index,
            db_datetime(start(p.chunk_index)),
            _dtype_name(p.values.dtype),
            blob,
            now,
            False,
            seq,
            *chunk_stats,
            now,  # stat_at: the statistics hold while updated_at is this
        )
        for p, blob, chunk_stats in zip(pieces, blobs, stats, strict=True)
    ]


@functools.cache
def _dtype_name(dtype: np.dtype) -> str:
    return dtype.name  # a slow property in numpy 2, asked once per chunk
