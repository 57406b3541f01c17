"""Series <-> chunk arrays, with no database: validate, split by period, merge, assemble.

A validated series is a pair ``(slots, values)``: sorted unique slot numbers of the store's
grid and their float values. Chunks are dense arrays covering a whole period, NaN where
nothing is stored.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DuplicateTimestampError, InvalidSeriesError, NonNumericError
from .grid import Grid


@dataclass
class Piece:
    """One chunk's worth of data: the dense array of the period ``chunk_index``."""

    chunk_index: int
    start_slot: int
    values: np.ndarray


@dataclass
class AlignedSeries:
    """A validated input series on the grid: sorted unique ``slots`` and their ``values``."""

    slots: np.ndarray
    values: np.ndarray

    @property
    def empty(self) -> bool:
        """True when there is nothing to write (no value that is not NaN)."""
        return not len(self.values) or bool(np.isnan(self.values).all())


def is_number_dtype(dtype) -> bool:
    """Whether values of ``dtype`` are numbers the stores keep: float, int or bool."""
    return pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    )


def _float_values(serie: pd.Series) -> np.ndarray:
    dtype = serie.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":  # NaN already: no copy needed
        return serie.to_numpy()  # may be read-only (copy-on-write); nothing writes to it
    if not is_number_dtype(dtype):
        raise NonNumericError(
            f"the series holds values of dtype {dtype}; the store keeps numbers only "
            "(float, int, bool). Convert it with pd.to_numeric() first"
        )
    # nullable extension dtypes expose numpy_dtype, sparse ones subtype
    np_dtype = getattr(dtype, "numpy_dtype", getattr(dtype, "subtype", dtype))
    keep: Any = np_dtype if np_dtype.kind == "f" else np.float64
    return serie.to_numpy(dtype=keep, na_value=np.nan)


def align(serie: pd.Series, grid: Grid) -> AlignedSeries:
    """Validate ``serie`` against the input rules and map it onto ``grid``.

    Raises ``TypeError``/``ValueError`` subclasses naming the problem; never drops a value.
    """
    if not isinstance(serie, pd.Series):
        raise NonNumericError(f"expected a pandas Series, got {type(serie).__name__}")
    if not len(serie):
        return AlignedSeries(np.empty(0, np.int64), np.empty(0, np.float64))
    if not isinstance(serie.index, pd.DatetimeIndex):
        raise NonNumericError(
            f"the series index must be a DatetimeIndex, not {type(serie.index).__name__}; "
            "use pd.to_datetime() on it"
        )
    values = _float_values(serie)
    if np.isinf(values).any():
        raise InvalidSeriesError(
            f"the series holds {int(np.isinf(values).sum())} infinite value(s); replace them "
            "with NaN or finite numbers"
        )
    if serie.index.hasnans:
        raise InvalidSeriesError("the series index holds NaT; drop those rows first")
    index = grid.localize(serie.index)
    slots = grid.regular_slots(index)
    if slots is not None:  # sorted and unique
        return AlignedSeries(slots, values)
    slots = grid.irregular_slots(index)
    if len(slots) > 1 and not (np.diff(slots) > 0).all():
        order = np.argsort(slots, kind="stable")
        slots, values = slots[order], values[order]
        dup = np.diff(slots) == 0
        if dup.any():
            stamps = ", ".join(str(t) for t in grid.index(int(slots[1:][dup][0]), 1))
            raise DuplicateTimestampError(
                f"{int(dup.sum())} timestamp(s) appear more than once (first: {stamps}); "
                "aggregate or drop duplicates first"
            )
    return AlignedSeries(slots, values)


def split(aligned: AlignedSeries, grid: Grid) -> list[Piece]:
    """Dense per-chunk arrays of an aligned series; chunks without any value are left out."""
    slots, values = aligned.slots, aligned.values
    if not len(slots):
        return []
    first, last = grid.chunk_of_slot(slots[0]), grid.chunk_of_slot(slots[-1])
    bounds = grid.cached_chunk_starts(range(first, last + 2))
    # one search per chunk boundary, not per point: where each chunk's slots start, and
    # (when there are NaN, usually few) how many values before each start are not NaN
    cuts = np.searchsorted(slots, bounds)
    nan = np.isnan(values)
    cuts_valid = cuts - np.searchsorted(np.flatnonzero(nan), cuts) if nan.any() else cuts
    has_values = (np.diff(cuts_valid) > 0).tolist()
    cuts = cuts.tolist()
    pieces = []
    for i, chunk in enumerate(range(first, last + 1)):
        if not has_values[i]:  # a chunk with no value
            continue
        lo, hi, start, size = cuts[i], cuts[i + 1], bounds[i], bounds[i + 1] - bounds[i]
        if hi - lo == size:  # the whole period, in order: the values themselves
            array = values[lo:hi]
        else:
            array = np.full(size, np.nan, dtype=values.dtype)
            head, tail = int(slots[lo]) - start, int(slots[hi - 1]) - start
            if tail - head + 1 == hi - lo:  # one contiguous run
                array[head : tail + 1] = values[lo:hi]
            else:
                array[slots[lo:hi] - start] = values[lo:hi]
        pieces.append(Piece(chunk, start, array))
    return pieces


def merge(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``combine_first(new, old)`` on two aligned arrays: new where not NaN, else old."""
    if len(old) != len(new):  # a legacy chunk may be shorter than its period
        padded = np.full(len(new), np.nan, dtype=old.dtype if old.dtype.kind == "f" else "f8")
        padded[: min(len(old), len(new))] = old[: len(new)]
        old = padded
    dtype = np.result_type(new.dtype, old.dtype)
    return np.where(np.isnan(new), old, new).astype(dtype, copy=False)


def assemble(
    parts: Iterable[tuple[int, np.ndarray]], lo: int | None = None, hi: int | None = None
) -> tuple[int, np.ndarray] | None:
    """Place ``(start_slot, array)`` parts into one array, NaN in between, then window and trim.

    ``lo``/``hi`` are inclusive slot bounds. Returns ``(first_slot, values)`` with no leading
    or trailing NaN, or None when no value remains.
    """
    parts = list(parts)
    if not parts:
        return None
    # list comprehensions, not generators, on this path run once per series read: resuming
    # a generator per chunk costs more than the test itself
    dtypes = [a.dtype for _, a in parts]
    dtype = np.result_type(*dtypes)
    if dtype.kind != "f":  # holcstore 0.5 kept the int/bool dtype of a chunk without gaps
        dtype = np.dtype(np.float64)
    if len(parts) == 1 and dtypes[0] == dtype:  # a window of one chunk: no copy
        first, out = parts[0]
    elif all([d == dtype for d in dtypes]) and all(
        [s + len(a) == s_next for (s, a), (s_next, _) in itertools.pairwise(parts)]
    ):  # consecutive chunks in order (a whole series, usually): one C-level join
        arrays = [a for _, a in parts]
        joined = _adjacent(arrays)
        first, out = parts[0][0], np.concatenate(arrays) if joined is None else joined
    else:
        first = min(s for s, _ in parts)
        out = np.full(max(s + len(a) for s, a in parts) - first, np.nan, dtype=dtype)
        for start, array in parts:
            out[start - first : start - first + len(array)] = array
    a = 0 if lo is None else max(0, lo - first)
    b = len(out) if hi is None else min(len(out), hi + 1 - first)
    if a >= b:
        return None
    return _trimmed(first + a, out[a:b])


def _adjacent(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The span of one buffer that ``arrays`` are consecutive slices of, in order (a codec
    decoded them into one array), or None: joining them then needs no copy."""
    base = arrays[0].base
    if not (
        isinstance(base, np.ndarray)
        and base.ndim == 1
        and base.flags.c_contiguous
        and base.flags.writeable  # results are handed to users, who may write to them
    ):
        return None
    origin, size = base.__array_interface__["data"][0], base.itemsize
    start = end = (arrays[0].__array_interface__["data"][0] - origin) // size
    for a in arrays:
        if a.base is not base or a.__array_interface__["data"][0] != origin + end * size:
            return None
        end += len(a)
    return base[start:end]


def _trimmed(first: int, values: np.ndarray) -> tuple[int, np.ndarray] | None:
    """``values`` without leading and trailing NaN (a view), or None if all are NaN."""
    if not (math.isnan(values[0]) or math.isnan(values[-1])):  # common: nothing to trim
        return first, values
    missing = np.isnan(values)
    head = int(missing.argmin())  # the first False
    if missing[head]:
        return None
    tail = len(values) - int(missing[::-1].argmin())
    return first + head, values[head:tail]


def to_series(grid: Grid, first_slot: int, values: np.ndarray) -> pd.Series:
    """A Series on the grid (STORE_TZ, ``freq == STORE_FREQ``)."""
    return pd.Series(values, index=grid.index(first_slot, len(values)), copy=False)
