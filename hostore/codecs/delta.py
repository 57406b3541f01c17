"""Decimal-scaled integers: the compact codec for metered data.

Meter readings are integers or have a few decimals (watts, kWh with 3 decimals) held in
floats. When every value ``v`` equals ``round(v * 10**k) / 10**k`` bit for bit, the
integers ``round(v * 10**k)`` are stored instead, in one of two forms, whichever needs the
narrower unsigned width (offsets on a tie: they decode with fewer passes):

- offsets from the chunk's smallest integer (frame of reference): load curves, which swing
  across their range every day;
- zig-zag encoded differences from one slot to the next: smooth or cumulative readings
  (meter indexes), whose steps are far smaller than their range.

The integers are split into byte planes (the mostly-zero high bytes form long runs) and
compressed with LZ4 (within 15% of zstd's size on these planes, several times faster to
encode and decode). NaN slots are a separate bitmap. Arrays that are not decimal fall back
to byte-shuffled zstd of the raw floats. Decoding is exact in every case: ``_scaled``
checks, when encoding, that the integers give back every value bit for bit.

Blob: header (``HCS``, codec byte, the XXH3-64 of the rest when the byte's high bit is set:
blobs written before checksums have none; then ``<BBBBI``: mode, k, width, has_nan, n), the
base integer (``<q``: the smallest one for offsets, the first one for deltas), then the body.
"""

from __future__ import annotations

import abc
import functools
import struct
from collections.abc import Sequence
from typing import NamedTuple

import lz4.block
import numpy as np

from ._base import Codec, zstd_compressor, zstd_decompressor
from .zstd import shuffle, unshuffle

_LAYOUT = struct.Struct("<BBBBI")
_BASE = struct.Struct("<q")
_LAYOUT_BASE = struct.Struct(_LAYOUT.format + _BASE.format[1:])
# Modes. _FIRST_DELTAS (deltas from 0, so the first one is the first value) is only read:
# chunks written before _DELTA existed use it.
_RAW, _FIRST_DELTAS, _OFFSET, _DELTA = 0, 1, 2, 3
_MAX_DECIMALS = 6
_FLOAT64 = np.dtype(np.float64)
_MAX_EXACT = 2**53  # integers above this are not all representable in a float64


def _zigzag(d: np.ndarray) -> np.ndarray:
    """Small magnitudes of either sign to small codes: keeps the high byte planes zero."""
    return ((d << 1) ^ (d >> 63)).view(np.uint64)


def _unzigzag(z: np.ndarray) -> np.ndarray:
    """Signed deltas from zig-zag codes, computed in the narrowest signed type that fits."""
    if z.dtype.itemsize == 8:
        return (z >> np.uint64(1)).view(np.int64) ^ -(z & np.uint64(1)).view(np.int64)
    z = z.astype(f"i{2 * z.dtype.itemsize}")
    return (z >> 1) ^ -(z & 1)


def _from_planes(planes: np.ndarray) -> np.ndarray:
    """Unsigned ints from their byte planes (:func:`shuffle`), by shift-or: faster than
    :func:`unshuffle`'s strided copy."""
    out = planes[0].astype(f"<u{len(planes)}")
    for i in range(1, len(planes)):
        out |= planes[i].astype(out.dtype) << (8 * i)
    return out


def _scaled(values: np.ndarray, finite: np.ndarray) -> tuple[int, np.ndarray] | None:
    """``(k, integers)`` such that ``integers / 10**k`` gives back ``values`` exactly."""
    sample = values[finite]
    bits = sample.view(f"i{sample.dtype.itemsize}")
    wide = sample.astype(np.float64, copy=False)
    for k in range(_MAX_DECIMALS + 1):
        scale = 10.0**k
        rounded = np.rint(wide * scale if k else wide)
        if len(rounded) and np.abs(rounded).max() >= _MAX_EXACT:
            return None
        ints = rounded.astype(np.int64)  # what decoding starts from (-0.0 becomes 0)
        back = (ints / scale if k else ints).astype(values.dtype)
        if np.array_equal(back.view(bits.dtype), bits):
            full = np.zeros(len(values), dtype=np.int64)
            full[finite] = ints
            return k, full
    return None


class DecimalEncoding(Codec):
    """Encoding for codecs that store exact decimals as integers: ``_encode(array, found)``
    gets the array's ``(k, integers)``, None if it has none, or :data:`SEARCH`."""

    def encode(self, array: np.ndarray) -> bytes:
        return self._encode(np.ascontiguousarray(array), SEARCH)

    def encode_many(self, arrays: list[np.ndarray]) -> list[bytes]:
        """:meth:`encode` of a series' chunks, the decimal scale searched once for all."""
        arrays = [np.ascontiguousarray(a) for a in arrays]
        return [self._encode(a, f) for a, f in zip(arrays, scaled_many(arrays), strict=True)]

    @abc.abstractmethod
    def _encode(self, array: np.ndarray, found) -> bytes: ...


class DeltaCodec(DecimalEncoding):
    """Compact and exact: about 1.5 bytes per point on integer-watt load curves."""

    codec_id = "delta"
    header_byte = 2

    def __init__(self, zstd_level: int = 3) -> None:
        self.zstd_level = zstd_level

    def _encode(self, array: np.ndarray, found) -> bytes:
        """``found``: the array's ``(k, integers)``, None if it has none, or :data:`SEARCH`."""
        n = len(array)
        nan = np.isnan(array)
        has_nan = bool(nan.any())
        if found is SEARCH:
            found = _scaled(array, ~nan) if n and _plain_nans(array, nan) else None
        if found is None:
            header = _LAYOUT.pack(_RAW, 0, array.dtype.itemsize, 0, n)
            body = zstd_compressor(self.zstd_level).compress(shuffle(array))
            return self._sealed(header + body)
        k, ints = found
        if has_nan:
            ints = _fill_gaps(ints, nan)
        low, first = int(ints.min()), int(ints[0])
        codes = _zigzag(np.diff(ints, prepend=ints[:1]))  # the first delta is 0
        offset_width = _width(int(ints.max()) - low)
        if offset_width <= min(4, _width(int(codes.max()))):  # 4: offsets exact in float64
            mode, width, base = _OFFSET, offset_width, low
            codes = ints - low
        else:
            mode, width, base = _DELTA, _width(int(codes.max())), first
        mask = np.packbits(nan).tobytes() if has_nan else b""
        header = _LAYOUT.pack(mode, k, width, has_nan, n) + _BASE.pack(base)
        body = lz4.block.compress(mask + shuffle(codes.astype(f"<u{width}")))
        return self._sealed(header + body)

    def decode(self, blob, dtype) -> np.ndarray:
        return self.decode_many([blob], [np.dtype(dtype)])[0]

    def decode_many(self, blobs: list, dtypes: list[np.dtype]) -> list[np.ndarray]:
        """Offset chunks decoding to float64 (load curves) are decoded together, plane by
        plane, so that the per-call costs of numpy are paid once per series instead of once
        per chunk; other chunks one by one."""
        out: list = [None] * len(blobs)
        offsets: dict[int, list] = {}  # width -> [(position, head, body)]
        for i, (blob, dtype) in enumerate(zip(blobs, dtypes, strict=True)):
            blob = self._payload(blob)
            head = _Head.of(blob, 0)
            payload = blob[head.body_start :]
            if head.mode == _RAW:
                out[i] = unshuffle(zstd_decompressor().decompress(payload), dtype)
                continue
            body = memoryview(lz4.block.decompress(payload))
            if len(body) != head.mask_len + head.width * head.n:
                raise ValueError(f"a body of {len(body)} bytes cannot hold {head.n} values")
            if head.mode == _OFFSET and dtype is _FLOAT64:
                offsets.setdefault(head.width, []).append((i, head, body))
            else:
                out[i] = _decode_one(head, body, dtype)
        for width, group in offsets.items():
            joined = _float_of_planes(
                [
                    np.frombuffer(b"".join([body[h.plane(p)] for _, h, body in group]), np.uint8)
                    for p in range(width)
                ]
            )
            start = 0
            for i, head, body in group:  # consecutive slices: reads join them at no cost
                part = out[i] = joined[start : start + head.n]
                if head.base:  # offsets below 2**32 plus an integer below 2**53: exact
                    part += head.base
                if head.mask_len:  # a NaN stays NaN when scaled below
                    _put_nan(head, body, part)
                start += head.n
            scales = {head.k for _, head, _ in group}
            if scales == {0}:
                continue
            if len(scales) == 1:
                joined /= 10.0 ** scales.pop()
            else:
                for i, head, _ in group:
                    out[i] /= 10.0**head.k
        return out


class _Head(NamedTuple):
    """The header fields of a blob, and where its body starts."""

    mode: int
    k: int
    width: int
    n: int
    mask_len: int  # bytes of the NaN bitmap at the start of the body
    base: int
    body_start: int

    @classmethod
    def of(cls, blob, start: int) -> _Head:
        if blob[start] in (_RAW, _FIRST_DELTAS):  # the mode: these have no base
            mode, k, width, has_nan, n = _LAYOUT.unpack_from(blob, start)
            base, start = 0, start + _LAYOUT.size
        else:
            mode, k, width, has_nan, n, base = _LAYOUT_BASE.unpack_from(blob, start)
            start += _LAYOUT_BASE.size
        # tuple.__new__: the generated NamedTuple constructor costs more, once per chunk read
        return tuple.__new__(cls, (mode, k, width, n, (n + 7) // 8 if has_nan else 0, base, start))

    def plane(self, p: int) -> slice:
        """Where byte plane ``p`` lies in the body."""
        start = self.mask_len + p * self.n
        return slice(start, start + self.n)


def _decode_one(head: _Head, body: memoryview, dtype: np.dtype) -> np.ndarray:
    planes = np.frombuffer(body, np.uint8, offset=head.mask_len).reshape(head.width, head.n)
    if head.mode == _OFFSET:
        values = _float_of_planes(planes)
        if head.base:
            values += head.base  # offsets below 2**32 plus an integer below 2**53: exact
    else:
        if head.width <= 2:  # one gather from codes to integer deltas (few numpy calls)
            codes = planes[0] if head.width == 1 else planes[0] | (planes[1].astype("u2") << 8)
            deltas = _unzigzag_table().take(codes)
        else:
            deltas = _unzigzag(_from_planes(planes))
        # integer partial sums (a float cumsum is several times slower), and the base added
        # before the one conversion: differences from the first value may pass 2**53 when
        # the values themselves do not
        values = np.cumsum(deltas)
        values += head.base
        values = values.astype(np.float64)
    return _finish(head, body, values).astype(dtype, copy=False)


def _finish(head: _Head, body: memoryview, values: np.ndarray) -> np.ndarray:
    """Scale integer values (with their base) back to decimals and put the NaN back, in
    place."""
    if head.k:
        values /= 10.0**head.k
    if head.mask_len:
        _put_nan(head, body, values)
    return values


def _put_nan(head: _Head, body: memoryview, values: np.ndarray) -> None:
    """NaN into the slots that the body's bitmap marks."""
    bits = np.frombuffer(body[: head.mask_len], np.uint8)
    values[np.unpackbits(bits, count=head.n).view(bool)] = np.nan


SEARCH = object()  # "search the decimal scale of this array" (see scaled_many)


def scaled_many(arrays: list[np.ndarray]) -> list:
    """Per array, its ``(k, integers)`` from one search over all of them (one k for all:
    the numpy calls of the search cost more than the work on a chunk's 1,488 values), or
    :data:`SEARCH` for each when they do not share a float dtype or a scale."""
    found = scaled_series(arrays) if len(arrays) > 1 else None
    if found is None:
        return [SEARCH] * len(arrays)
    k, ints, _ = found
    ends = np.cumsum([len(a) for a in arrays])[:-1]
    return [(k, part) for part in np.split(ints, ends)]


def scaled_series(arrays: list[np.ndarray]) -> tuple[int, np.ndarray, np.ndarray] | None:
    """``(k, integers, NaN slots)`` of the arrays joined, when they share a float dtype and
    their values are exact decimals of one scale ``k`` with plain NaN; else None."""
    if not arrays or len({a.dtype for a in arrays}) != 1 or arrays[0].dtype.kind != "f":
        return None
    joined = np.concatenate(arrays)
    nan = np.isnan(joined)
    if not len(joined) or not _plain_nans(joined, nan):
        return None
    found = _scaled(joined, ~nan)
    return None if found is None else (*found, nan)


def _fill_gaps(ints: np.ndarray, nan: np.ndarray) -> np.ndarray:
    """``ints`` with each NaN slot repeating the previous value (the first one, if leading):
    runs of equal integers, which cost nearly nothing to compress."""
    last = np.maximum.accumulate(np.where(nan, -1, np.arange(len(ints))))
    last[last < 0] = np.argmin(nan)
    return ints[last]


def _plain_nans(array: np.ndarray, nan: np.ndarray) -> bool:
    """Whether every NaN is the one ``np.nan`` is: the bitmap gives back no other (a sign or
    payload bit is kept by the raw fallback instead)."""
    bits = array.view(f"u{array.dtype.itemsize}")[nan]
    return bool((bits == np.array(np.nan, array.dtype).view(bits.dtype)).all())


def _width(top: int) -> int:
    """Bytes of the narrowest unsigned integer holding ``0..top``."""
    return next(w for w in (1, 2, 4, 8) if top < 2 ** (8 * w))


def _float_of_planes(planes: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """Float64 values of unsigned integers (< 2**32) from their byte planes, built in the
    float array itself: fewer passes than joining the integers first."""
    values = np.empty(len(planes[0]), dtype=np.float64)
    values[:] = planes[-1]
    for plane in planes[-2::-1]:
        values *= 256.0
        values += plane
    return values


@functools.cache
def _unzigzag_table() -> np.ndarray:
    """Signed delta of every 16-bit zig-zag code (512 KB, built on first use)."""
    codes = np.arange(2**16, dtype=np.int64)
    return (codes >> 1) ^ -(codes & 1)
