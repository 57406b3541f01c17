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
    blobs = codecs.encode_many([p.values for p in pieces], info.codec_id)
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
            *_stats.of_chunk(info.grid, p.chunk_index, p.values),
            now,  # stat_at: the statistics hold while updated_at is this
        )
        for p, blob in zip(pieces, blobs, strict=True)
    ]


@functools.cache
def _dtype_name(dtype: np.dtype) -> str:
    return dtype.name  # a slow property in numpy 2, asked once per chunk
