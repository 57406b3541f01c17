"""Decoding stored chunks so that a damaged one is named: store, series keys, chunk, period."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import codecs
from ..exceptions import CorruptBlobError, CorruptChunkError, UnknownCodecError


def period_of(grid, chunk_index: int) -> str:
    """``2024-03`` for a monthly chunk, ``2024`` for a yearly one."""
    chunk_index = int(chunk_index)
    if grid.monthly:
        return f"{chunk_index // 12:04d}-{chunk_index % 12 + 1:02d}"
    return f"{chunk_index:04d}"


def chunk_error(model, key, chunk_index: int, exc: Exception) -> CorruptChunkError:
    """The error naming one damaged chunk of ``model`` (``key``: business key values)."""
    info = model._hostore
    key = key if isinstance(key, tuple) else (key,)
    attrs = dict(zip(info.keys, key, strict=True))
    return CorruptChunkError(
        f"{info.label}: chunk {int(chunk_index)} ({period_of(info.grid, chunk_index)}) of the "
        f"series {attrs} is damaged: {exc}"
    )


def decode_chunks(
    model, blobs: Sequence, dtypes: Sequence, chunk_at: Callable[[int], tuple[Any, int]]
) -> list[np.ndarray]:
    """:func:`codecs.decode_many`, raising :class:`CorruptChunkError` for a damaged blob;
    ``chunk_at(i)`` gives the ``(key, chunk_index)`` of blob ``i`` (asked only on error)."""
    try:
        return codecs.decode_many(blobs, dtypes)
    except (CorruptBlobError, UnknownCodecError):
        for i, (blob, dtype) in enumerate(zip(blobs, dtypes, strict=True)):  # the culprit
            try:
                codecs.decode(blob, dtype)
            except (CorruptBlobError, UnknownCodecError) as exc:
                raise chunk_error(model, *chunk_at(i), exc) from exc
        raise


def decode_chunk(model, blob, dtype, key, chunk_index: int) -> np.ndarray:
    """:func:`codecs.decode` of one stored chunk, naming it if it is damaged."""
    try:
        return codecs.decode(blob, dtype)
    except (CorruptBlobError, UnknownCodecError) as exc:
        raise chunk_error(model, key, chunk_index, exc) from exc


def verify_chunk(model, blob, dtype, key, chunk_index: int) -> None:
    """:func:`codecs.verify` of one stored chunk, naming it if it is damaged."""
    try:
        codecs.verify(blob, dtype)
    except (CorruptBlobError, UnknownCodecError) as exc:
        raise chunk_error(model, key, chunk_index, exc) from exc
