"""Totals across series per slot (``total_ts``) and per-series calendar aggregates
(``aggregate_ts``), streamed: rows are read a page at a time (as ``yield_many_ts`` does) and
folded into numpy accumulators, so memory holds a few pages and the result, never the
table. Every step is vectorised over a page's rows or a series' values: Python runs per
page, per period of a page, or per series, never per value.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any, cast

import numpy as np
import pandas as pd
from django.db import models, router

from .. import chunking
from ..conf import hostore_settings
from ..grid import OUTPUT_UNIT
from . import _corrupt, _stats
from ._periods import Periods, periods
from ._sql import store_sql

_DAYS_ROW_BYTES = 512  # a row of daily sums in a page (a month's: 310 bytes)

HOWS = ("sum", "mean", "min", "max", "count")


def slot_range(model, filters: dict, lo: int | None, hi: int | None) -> tuple[int, int] | None:
    """First and last slot of the live chunks matching ``filters``, within ``[lo, hi]``
    (one aggregate query on the unique index), or None when there are none."""
    grid = model._hostore.grid
    qs = model._default_manager.using(router.db_for_read(model)).filter(**filters, is_deleted=False)
    if lo is not None:
        qs = qs.filter(chunk_index__gte=grid.chunk_of_slot(lo))
    if hi is not None:
        qs = qs.filter(chunk_index__lte=grid.chunk_of_slot(hi))
    found = qs.aggregate(a=models.Min("chunk_index"), b=models.Max("chunk_index"))
    if found["a"] is None:
        return None
    first = grid.cached_chunk_start(found["a"])
    last = grid.cached_chunk_start(found["b"] + 1) - 1
    first = first if lo is None else max(first, lo)
    last = last if hi is None else min(last, hi)
    return (first, last) if first <= last else None


class _Totals:
    """Per-slot accumulators over ``[first, first + size)``, folded a page at a time."""

    def __init__(self, first: int, size: int, how: str) -> None:
        self.first, self.how = first, how
        self.folding = how in ("min", "max")
        self.acc = np.full(size, np.nan) if self.folding else np.zeros(size)
        self.count = None if self.folding else np.zeros(size, np.int64)

    def add(self, start: int, block: np.ndarray) -> None:
        """Fold rows of values starting at slot ``start`` (a 2-D block, a row per chunk)."""
        a = start - self.first
        lo, hi = max(0, -a), min(block.shape[1], len(self.acc) - a)
        if lo >= hi:
            return
        block = block[:, lo:hi]
        part = slice(a + lo, a + hi)
        if self.how == "min":
            np.fmin(self.acc[part], np.fmin.reduce(block, axis=0), out=self.acc[part])
            return
        if self.how == "max":
            np.fmax(self.acc[part], np.fmax.reduce(block, axis=0), out=self.acc[part])
            return
        missing = np.isnan(block)
        count = cast(np.ndarray, self.count)  # kept unless folding (min, max)
        count[part] += len(block) - missing.sum(axis=0)
        block[missing] = 0.0
        self.acc[part] += block.sum(axis=0)

    def result(self, grid) -> pd.Series:
        acc, count = self.acc, self.count
        if count is not None:  # sum, mean, count
            if self.how == "mean":
                with np.errstate(invalid="ignore", divide="ignore"):
                    acc = acc / count
            elif self.how == "count":
                acc = count.astype(np.float64)
            acc[count == 0] = np.nan
        found = chunking.assemble([(self.first, acc)])
        if found is None:
            return chunking.to_series(grid, 0, np.empty(0, np.float64))
        return chunking.to_series(grid, *found)


def total(model, filters: dict, window, how: str) -> pd.Series:
    """``total_ts``: one value per slot across the series (NaN where none has one).

    Chunks are folded as they come, the chunks of one period of a page together (a 2-D
    block, reduced down its columns): no series is assembled."""
    info = model._hostore
    grid = info.grid
    span = slot_range(model, filters, window.lo, window.hi)
    if span is None:
        return chunking.to_series(grid, 0, np.empty(0, np.float64))
    totals = _Totals(span[0], span[1] - span[0] + 1, how)
    nk = len(info.keys)
    size_of = {}

    def process(rows: list[tuple]) -> list:
        arrays = _corrupt.decode_chunks(
            model,
            [r[nk + 2] for r in rows],
            [r[nk + 1] for r in rows],
            lambda i: (tuple(rows[i][:nk]), rows[i][nk]),
        )
        by_chunk: dict[int, list[np.ndarray]] = {}
        for row, array in zip(rows, arrays, strict=True):
            by_chunk.setdefault(row[nk], []).append(array)
        for chunk, found in by_chunk.items():
            if chunk not in size_of:
                size_of[chunk] = grid.cached_chunk_start(chunk + 1) - grid.cached_chunk_start(chunk)
            size = size_of[chunk]
            if any(len(a) != size for a in found):  # legacy chunks of another length
                found = [_fit(a, size) for a in found]
            block = np.stack(found).astype(np.float64, copy=False)
            totals.add(grid.cached_chunk_start(chunk), block)
        return []

    sql = store_sql(model, router.db_for_read(model))
    pages = sql.stream(
        filters,
        window.clo,
        window.chi,
        process,
        grid.max_chunk_slots * 8,
        hostore_settings.READ_CHUNK_SIZE,
        hostore_settings.READ_BUFFER_BYTES,
    )
    for _ in pages:
        pass
    return totals.result(grid)


def _fit(array: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[: min(size, len(array))] = array[:size]
    return out


def _reduce(values: np.ndarray, cuts: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """``(result, count)`` of each period of one series' values (periods start at ``cuts``)."""
    valid = ~np.isnan(values)
    count = np.add.reduceat(valid, cuts, dtype=np.int64)
    if how == "min":
        out = np.fmin.reduceat(values, cuts).astype(np.float64)
    elif how == "max":
        out = np.fmax.reduceat(values, cuts).astype(np.float64)
    elif how == "count":
        out = count.astype(np.float64)
    else:
        out = np.add.reduceat(np.where(valid, values, 0.0), cuts, dtype=np.float64)
        if how == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                out /= count
    return out, count


class _Cells:
    """The results of a page: ``(series, period, value, count)`` per cell holding values,
    series numbered across pages in the order met."""

    def __init__(self) -> None:
        self.keys: list[tuple] = []
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, keys: list[tuple], series, period, value, count) -> None:
        self.parts.append((np.asarray(series) + len(self.keys), period, value, count))
        self.keys += keys

    def joined(self) -> tuple[np.ndarray, ...]:
        if not self.parts:
            return tuple(np.empty(0, t) for t in (np.int64, np.int64, np.float64, np.int64))
        return tuple(np.concatenate(x) for x in zip(*self.parts, strict=True))


def _from_values(model, filters, start, end, cal: Periods, how: str, cells: _Cells) -> None:
    """Cells of each series from its decoded values."""
    for key, at, values in model._iter_arrays(filters, start, end):
        i, cuts = cal.cuts(at, at + len(values) - 1)
        out, count = _reduce(values, cuts, how)
        held = np.flatnonzero(count > 0)
        cells.add([key], np.zeros(len(held), np.int64), held + i, out[held], count[held])


def _from_days(model, filters, window, cal: Periods, how: str, cells: _Cells) -> None:
    """Cells from the daily sums stored with each chunk (``sum``, ``mean``, ``count`` on
    sub-daily grids), a page at a time: only chunks without them, and those the window
    cuts, are decoded."""
    info = model._hostore
    grid = info.grid
    sql = store_sql(model, router.db_for_read(model))
    lo, hi, clo, chi = window.lo, window.hi, window.clo, window.chi
    edges = (clo if lo is not None else None, chi if hi is not None else None)
    columns = _stats.StatsSelect(sql).day_columns(clo, chi, edges)
    nk = len(info.keys)
    key_of = operator.itemgetter(*range(nk)) if nk else (lambda row: ())

    def process(rows: list[tuple]) -> list:
        keys, sizes = [], []
        for key, group in itertools.groupby(rows, key=key_of):
            keys.append((key,) if nk == 1 else tuple(key))
            sizes.append(sum(1 for _ in group))
        series = np.repeat(np.arange(len(keys)), sizes)
        chunk_column, dtypes, packed, blobs = list(zip(*rows, strict=True))[nk:]
        chunk = np.array(chunk_column, dtype=np.int64)
        inside = np.ones(len(rows), bool)
        if clo is not None:
            inside &= chunk >= clo
        if chi is not None:
            inside &= chunk <= chi
        has_days = [p is not None and b is None for p, b in zip(packed, blobs, strict=True)]
        stored = np.array(has_days) & inside
        parts = []  # (series, first day, sums, counts) of the rows of the page
        if stored.any():
            at = np.flatnonzero(stored)
            chunks = chunk[at].tolist()
            sums, counts, days = _stats.unpack_many([packed[n] for n in at], grid, chunks)
            firsts = np.array([_stats.first_day(grid, c) for c in chunks])
            offsets = np.arange(len(sums)) - np.repeat(np.cumsum(days) - days, days)
            parts.append(
                (np.repeat(series[at], days), np.repeat(firsts, days) + offsets, sums, counts)
            )
        todo = [n for n in range(len(rows)) if inside[n] and blobs[n] is not None]
        arrays = _corrupt.decode_chunks(
            model,
            [blobs[n] for n in todo],
            [dtypes[n] for n in todo],
            lambda i: (tuple(rows[todo[i]][:nk]), chunk[todo[i]]),
        )
        for n, values in zip(todo, arrays, strict=True):
            c = int(chunk[n])
            first = grid.cached_chunk_start(c)
            if lo is not None and lo > first:
                values[: lo - first] = np.nan
            if hi is not None and hi - first + 1 < len(values):
                values[max(0, hi - first + 1) :] = np.nan
            sums, counts = _stats.day_sums(grid, c, values)
            day = np.arange(len(sums)) + _stats.first_day(grid, c)
            parts.append((np.full(len(sums), series[n]), day, sums, counts))
        if not parts:
            cells.add(keys, *(np.empty(0, np.int64),) * 2, np.empty(0), np.empty(0, np.int64))
            return []
        sid, day, total, count = (np.concatenate(x) for x in zip(*parts, strict=True))
        held = count > 0
        sid, day, total, count = sid[held], day[held], total[held], count[held]
        period = np.searchsorted(cal.days, day, side="right") - 1
        cell = sid * (len(cal) + 1) + period
        order = np.argsort(cell, kind="stable")
        cell, total, count = cell[order], total[order], count[order]
        starts = np.flatnonzero(np.concatenate(([True], cell[1:] != cell[:-1])))[: len(cell)]
        total = np.add.reduceat(total, starts) if len(cell) else total
        count = np.add.reduceat(count, starts) if len(cell) else count
        cell = cell[starts]
        if how == "count":
            total = count.astype(np.float64)
        elif how == "mean":
            total = total / count
        cells.add(keys, cell // (len(cal) + 1), cell % (len(cal) + 1), total, count)
        return []

    pages = sql.stream(
        filters,
        None,
        None,
        process,
        _DAYS_ROW_BYTES,
        10 * hostore_settings.READ_CHUNK_SIZE,
        hostore_settings.READ_BUFFER_BYTES,
        columns=columns,
    )
    for _ in pages:
        pass


def aggregate(model, filters: dict, start, end, window, period: str, how: str, min_coverage):
    """``aggregate_ts``: a row per calendar period, a column per series holding a value."""
    info = model._hostore
    grid = info.grid
    span = slot_range(model, filters, window.lo, window.hi)
    cells = _Cells()
    cal = None
    if span is not None:
        cal = periods(grid, period, *span)
        if how in ("sum", "mean", "count") and not grid.daily:
            _from_days(model, filters, window, cal, how, cells)
        else:
            _from_values(model, filters, start, end, cal, how, cells)
    sid, where, value, count = cells.joined()
    if min_coverage is not None and len(sid) and cal is not None:
        value = np.where(count < min_coverage * cal.sizes[where], np.nan, value)
    held = np.unique(sid)  # series without any value in the window have no column
    names = _columns(info, [cells.keys[n] for n in held.tolist()])
    if not len(held):
        empty = pd.DatetimeIndex([], dtype=pd.DatetimeTZDtype(cast(Any, OUTPUT_UNIT), grid.tz))
        return pd.DataFrame(columns=names, index=empty, dtype=float)
    assert cal is not None  # values were found, so in a span of slots
    lowest, highest = int(where.min()), int(where.max()) + 1
    table = np.full((highest - lowest, len(held)), np.nan)
    table[where - lowest, np.searchsorted(held, sid)] = value
    return pd.DataFrame(table, index=cal.labels[lowest:highest], columns=names)


def _columns(info, keys: list[tuple]) -> pd.Index:
    """The columns of ``get_many_ts``: named by the keys."""
    if not info.keys:
        return pd.RangeIndex(len(keys))
    if len(info.keys) == 1:
        return pd.Index([k[0] for k in keys], name=info.keys[0])
    return pd.MultiIndex.from_tuples(keys, names=info.keys)
