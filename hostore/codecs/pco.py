"""pcodec ("pco"): numeric sequences compressed close to their entropy.

pcodec (a compiled library made for numbers) finds the structure of a sequence itself
(slow drifts, a few distinct magnitudes, steps) and packs each value in about as many bits
as it carries. Metered values are decimals: as in ``delta``, a chunk whose floats are
exactly ``integers / 10**k`` is stored as the integers of its slots that are not NaN (their
first differences), which pcodec packs better and more steadily than the floats (a NaN
among floats costs it its integer detection), and where the NaN slots are. Other floats go
to pcodec as they are, every bit pattern kept; chunks of dtypes pcodec does not take
(8-bit, bool: legacy rows only) as byte-shuffled zstd.

Blob: header (``HCS``, codec byte 3 with the checksum flag, the checksum), a mode byte,
then 0: a pcodec file of the values; 1: shuffled zstd; 2: ``<BBBI`` (k, where the NaN
are, the floats' itemsize, n), the NaN slots if any, a pcodec file of the integers (int32
when they fit, else int64).
NaN slots are runs (``<I`` their number, their ``<u4`` starts, their ends): meters miss
stretches of values, a few runs where a bitmap takes n / 8 bytes (2 KB for a year of half
hours); or, when that is smaller (NaN scattered), a bitmap. The first two layouts (1: a
bitmap, 2: runs) also stored an integer for each NaN slot (the previous value repeated),
which a chunk mostly NaN paid for; today's (3: runs, 4: a bitmap) store none.
"""

from __future__ import annotations

import functools
import struct

import numpy as np
from pcodec import ChunkConfig, DeltaSpec, standalone

from ._base import zstd_compressor, zstd_decompressor
from .delta import SEARCH, DecimalEncoding, _plain_nans, _scaled, scaled_series
from .zstd import shuffle, unshuffle

_PCO, _ZSTD, _DECIMAL = 0, 1, 2
_DECIMAL_HEAD = struct.Struct("<BBBI")  # k, where the NaN are, the floats' itemsize, n
# where the NaN are: nowhere, a bitmap, runs; the first two layouts stored an integer for
# NaN slots too (the previous value repeated), today's store none (``_HOLES``)
_NO_NAN, _BITMAP, _RUNS, _RUNS_HOLES, _BITMAP_HOLES = 0, 1, 2, 3, 4
_COUNT = struct.Struct("<I")
_INT32_MIN, _INT32_MAX = np.iinfo(np.int32).min, np.iinfo(np.int32).max
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
                k, ints = found
                where, gaps = _NO_NAN, b""
                if nan.any():
                    where, gaps = _gaps(nan, *_nan_runs(nan))
                    ints = ints[~nan]
                head = _DECIMAL_HEAD.pack(k, where, array.dtype.itemsize, len(array))
                return self._sealed(self._decimal(head, gaps, ints))
        body = standalone.simple_compress(array, _config(self.level))
        return self._sealed(bytes([_PCO]) + body)

    def encode_many(self, arrays: list[np.ndarray]) -> list[bytes]:
        """A series' chunks: the decimal scale and the NaN runs are found once over the
        whole series (numpy's per-call costs exceed the work on a chunk)."""
        arrays = [np.ascontiguousarray(a) for a in arrays]
        found = scaled_series(arrays) if len(arrays) > 1 else None
        if found is None or arrays[0].dtype.itemsize not in _SIZES:
            return [self._encode(a, SEARCH) for a in arrays]
        k, ints, nan = found
        gappy = bool(nan.any())
        if gappy:
            starts, ends = _nan_runs(nan)
        blobs, lo = [], 0
        for array in arrays:
            hi = lo + len(array)
            if lo == hi:  # pcodec has no empty file of integers: the empty array's own
                blobs.append(self._encode(array, None))
                continue
            where, gaps, values = _NO_NAN, b"", ints[lo:hi]
            if gappy:  # the runs that cross the chunk, cut to it
                i, j = np.searchsorted(ends, lo, "right"), np.searchsorted(starts, hi, "left")
                if j > i:
                    first = np.maximum(starts[i:j], lo) - lo
                    where, gaps = _gaps(nan[lo:hi], first, np.minimum(ends[i:j], hi) - lo)
                    values = values[~nan[lo:hi]]
            head = _DECIMAL_HEAD.pack(k, where, array.itemsize, hi - lo)
            blobs.append(self._sealed(self._decimal(head, gaps, values)))
            lo = hi
        return blobs

    def _decimal(self, head: bytes, gaps: bytes, ints: np.ndarray) -> bytes:
        """The decimal-mode payload: ``ints`` are the values of the slots that are not NaN,
        as 32-bit integers when they fit (metered values almost always do): pcodec packs
        them about 1% smaller and decodes them faster than the same numbers in 64 bits."""
        if len(ints) and ints.min() >= _INT32_MIN and ints.max() <= _INT32_MAX:
            ints = ints.astype(np.int32)
        body = standalone.simple_compress(ints, _config(self.level, steps=True))
        return bytes([_DECIMAL]) + head + gaps + body

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


def _nan_runs(nan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of NaN slots starts, and where it ends (exclusive)."""
    edges = np.diff(nan.view(np.int8), prepend=0, append=0)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _gaps(nan: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[int, bytes]:
    """How a chunk's NaN slots are kept, and their bytes: as runs (``<I`` their number,
    their ``<u4`` starts, their ends), or as a bitmap when that is smaller."""
    runs = _COUNT.pack(len(starts)) + np.concatenate([starts, ends]).astype("<u4").tobytes()
    if len(runs) >= (len(nan) + 7) // 8:  # NaN scattered
        return _BITMAP_HOLES, np.packbits(nan).tobytes()
    return _RUNS_HOLES, runs


def _nan_slots(body: memoryview, where: int, n: int) -> tuple[np.ndarray | list, int]:
    """The NaN slots of a decimal body, as a boolean mask or as ``(start, end)`` runs (a
    few slice assignments are cheaper than a mask of the chunk), and where its pcodec file
    starts."""
    at = _DECIMAL_HEAD.size
    if where == _NO_NAN:
        return [], at
    if where in (_BITMAP, _BITMAP_HOLES):
        end = at + (n + 7) // 8
        return np.unpackbits(np.frombuffer(body[at:end], np.uint8), count=n).view(bool), end
    if where not in (_RUNS, _RUNS_HOLES):
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
    k, where, itemsize, size = _DECIMAL_HEAD.unpack_from(body)
    if itemsize != dtype.itemsize:
        raise ValueError(f"the blob holds float{8 * itemsize} values, not {dtype}")
    nan, start = _nan_slots(body, where, size)
    mask = isinstance(nan, np.ndarray)
    n = size
    if where in (_BITMAP_HOLES, _RUNS_HOLES):  # NaN slots hold no integer
        n -= int(np.count_nonzero(nan)) if mask else sum(end - first for first, end in nan)
    ints = standalone.simple_decompress(bytes(body[start:]))
    if ints is None and not n:  # pcodec's empty file
        ints = np.empty(0, np.int64)
    if ints is None or len(ints) != n or ints.dtype not in (np.int64, np.int32):
        raise ValueError(f"the body does not hold {n} integers")
    found = ints / 10.0**k if k else ints.astype(np.float64)  # one pass: bit for bit as delta
    if n == size:  # every slot holds an integer (none is NaN, or the first layouts)
        values = found
        if mask:
            values[nan] = np.nan
        else:
            for first, end in nan:
                values[first:end] = np.nan
    elif isinstance(nan, np.ndarray):
        values = np.full(size, np.nan)
        values[~nan] = found
    else:
        values = _placed(found, nan, size)
    return values.astype(dtype, copy=False)


def _placed(found: np.ndarray, runs: list, size: int) -> np.ndarray:
    """``size`` slots: the NaN ``runs``, and ``found`` in order in the slots between them."""
    values = np.empty(size)
    taken = free = 0
    for first, end in runs:
        values[free:first] = found[taken : taken + first - free]
        taken += first - free
        values[first:end] = np.nan
        free = end
    values[free:] = found[taken:]
    return values
