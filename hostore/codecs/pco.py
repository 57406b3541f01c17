"""pcodec ("pco"): numeric sequences compressed close to their entropy.

pcodec (a compiled library made for numbers) finds the structure of a sequence itself
(slow drifts, a few distinct magnitudes, steps) and packs each value in about as many bits
as it carries. Metered values are decimals: as in ``delta``, a chunk whose floats are
exactly ``integers / 10**k`` is stored as those integers (NaN slots in a bitmap, filled with
the previous value), which pcodec packs better and more steadily than the floats (a NaN
among floats costs it its integer detection). Other floats go to pcodec as they are, every
bit pattern kept; chunks of dtypes pcodec does not take (8-bit, bool: legacy rows only) as
byte-shuffled zstd.

Blob: header (``HCS``, codec byte 3 with the checksum flag, the checksum), a mode byte,
then 0: a pcodec file of the values; 1: shuffled zstd; 2: ``<BBBI`` (k, where the NaN
are, the floats' itemsize, n), the NaN slots if any, a pcodec file of the int64 integers.
NaN slots are runs (``<I`` their number, their ``<u4`` starts, their ends): meters miss
stretches of values, a few runs where a bitmap takes n / 8 bytes (2 KB for a year of half
hours); or, when that is smaller (NaN scattered), a bitmap.
"""

from __future__ import annotations

import functools
import struct

import numpy as np
from pcodec import ChunkConfig, DeltaSpec, standalone

from ._base import zstd_compressor, zstd_decompressor
from .delta import SEARCH, DecimalEncoding, _fill_gaps, _plain_nans, _scaled
from .zstd import shuffle, unshuffle

_PCO, _ZSTD, _DECIMAL = 0, 1, 2
_DECIMAL_HEAD = struct.Struct("<BBBI")  # k, where the NaN are, the floats' itemsize, n
_NO_NAN, _BITMAP, _RUNS = 0, 1, 2  # where the NaN are: nowhere, a bitmap, runs
_COUNT = struct.Struct("<I")
# what pcodec takes: 16-, 32- and 64-bit integers and floats
_KINDS = {"f", "i", "u"}
_SIZES = {2, 4, 8}


@functools.cache
def _config(level: int, steps: bool = False) -> ChunkConfig:
    """pcodec's settings; ``steps``: delta-encode the values once, instead of letting pcodec
    try every delta encoding. Metered integers drift: their first differences are smaller
    than the values on every shape of ``bench/shapes`` (1-2% smaller than what pcodec's
    search picks) and the encode skips the search (about 40% faster)."""
    delta = DeltaSpec.try_consecutive(1) if steps else DeltaSpec.auto()
    return ChunkConfig(compression_level=level, delta_spec=delta)


class PcoCodec(DecimalEncoding):
    """pcodec at ``level`` (0-12: higher is smaller and slower to write, reads barely
    change)."""

    codec_id = "pco"
    header_byte = 3

    def __init__(self, level: int = 4) -> None:
        self.level = level

    def _encode(self, array: np.ndarray, found) -> bytes:
        """``found``: the array's ``(k, integers)``, None if it has none, or ``SEARCH``."""
        if array.dtype.kind not in _KINDS or array.dtype.itemsize not in _SIZES:
            return self._sealed(bytes([_ZSTD]) + zstd_compressor(3).compress(shuffle(array)))
        if array.dtype.kind == "f" and len(array):
            nan = np.isnan(array)
            if found is SEARCH:
                found = _scaled(array, ~nan) if _plain_nans(array, nan) else None
            if found is not None:
                return self._sealed(self._decimal(*found, nan, array.dtype.itemsize))
        body = standalone.simple_compress(array, _config(self.level))
        return self._sealed(bytes([_PCO]) + body)

    def _decimal(self, k: int, ints: np.ndarray, nan: np.ndarray, itemsize: int) -> bytes:
        where, gaps = _NO_NAN, b""
        if nan.any():
            ints = _fill_gaps(ints, nan)
            gaps = _runs(nan)
            where = _RUNS
            if len(gaps) >= (len(nan) + 7) // 8:  # NaN scattered: a bitmap is smaller
                where, gaps = _BITMAP, np.packbits(nan).tobytes()
        head = bytes([_DECIMAL]) + _DECIMAL_HEAD.pack(k, where, itemsize, len(ints))
        return head + gaps + standalone.simple_compress(ints, _config(self.level, steps=True))

    def decode(self, blob, dtype) -> np.ndarray:
        payload = self._payload(blob)
        mode, body = payload[0], payload[1:]
        if mode == _ZSTD:
            return unshuffle(zstd_decompressor().decompress(body), dtype)
        if mode == _DECIMAL:
            return _decimals(body, dtype)
        if mode != _PCO:
            raise ValueError(f"unknown pco blob mode {mode}")
        array = standalone.simple_decompress(bytes(body))
        if array is None:  # pcodec's empty file
            return np.empty(0, dtype=dtype)
        if array.dtype != dtype:
            raise ValueError(f"the blob holds {array.dtype} values, not {dtype}")
        return array


def _runs(nan: np.ndarray) -> bytes:
    """The NaN slots as runs: ``<I`` their number, then their starts and their ends."""
    edges = np.diff(nan.view(np.int8), prepend=0, append=0)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return _COUNT.pack(len(starts)) + np.concatenate([starts, ends]).astype("<u4").tobytes()


def _nan_slots(body: memoryview, where: int, n: int) -> tuple[np.ndarray | list, int]:
    """The NaN slots of a decimal body, as a boolean mask or as ``(start, end)`` runs (a
    few slice assignments are cheaper than a mask of the chunk), and where its pcodec file
    starts."""
    at = _DECIMAL_HEAD.size
    if where == _NO_NAN:
        return [], at
    if where == _BITMAP:
        end = at + (n + 7) // 8
        return np.unpackbits(np.frombuffer(body[at:end], np.uint8), count=n).view(bool), end
    if where != _RUNS:
        raise ValueError(f"unknown NaN layout {where}")
    (count,) = _COUNT.unpack_from(body, at)
    bounds = struct.unpack_from(f"<{2 * count}I", body, at + _COUNT.size)
    runs = list(zip(bounds[:count], bounds[count:], strict=True))
    free = 0  # the first slot the next run may start at: runs are disjoint, in order
    for start, end in runs:
        if not free <= start < end <= n:
            raise ValueError("NaN runs outside the chunk")
        free = end + 1
    return runs, at + _COUNT.size + 8 * count


def _decimals(body: memoryview, dtype: np.dtype) -> np.ndarray:
    """The floats of a decimal-mode body: integers / 10**k, NaN put back (as ``delta``
    computes them, so that every value comes back bit for bit)."""
    k, where, itemsize, n = _DECIMAL_HEAD.unpack_from(body)
    if itemsize != dtype.itemsize:
        raise ValueError(f"the blob holds float{8 * itemsize} values, not {dtype}")
    nan, start = _nan_slots(body, where, n)
    ints = standalone.simple_decompress(bytes(body[start:]))
    if ints is None or len(ints) != n or ints.dtype != np.int64:
        raise ValueError(f"the body does not hold {n} integers")
    values = ints / 10.0**k if k else ints.astype(np.float64)  # one pass: bit for bit as delta
    if isinstance(nan, np.ndarray):
        values[nan] = np.nan
    else:
        for first, end in nan:
            values[first:end] = np.nan
    return values.astype(dtype, copy=False)
