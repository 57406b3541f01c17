"""Questions across many series: the public class methods, their arguments checked.

``coverage`` and ``holes`` answer from the per-chunk statistics (``_coverage``), ``total_ts``
and ``aggregate_ts`` fold the series' values as they stream (``_aggregates``). Each answer is
the one pandas gives on ``get_many_ts`` (``docs/architecture.md``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidBoundsError, InvalidQuestionError
from ..grid import Grid, TimeBound, parse_bound
from . import _aggregates, _coverage
from ._periods import PERIODS
from ._typing import ChunkStoreMixinBase

Filters = Mapping[str, Any] | None


class SeriesAnalysisMixin(ChunkStoreMixinBase):
    """``coverage``, ``holes``, ``total_ts`` and ``aggregate_ts`` of a chunk store."""

    @classmethod
    def coverage(
        cls, filters: Filters = None, start: TimeBound = None, end: TimeBound = None
    ) -> pd.DataFrame:
        """A row per series matching ``filters``: its business keys, ``first`` and ``last``
        (timestamps holding a value in the window), ``slots`` (slots in the window),
        ``present`` (values in it) and ``missing`` (``slots - present``).

        The window is ``[start, end]``; an open side runs to the series' own first or last
        value. Reads the statistics stored with each chunk (one grouped statement when they
        all hold and no bound cuts a chunk); decodes only chunks without them (written by
        holcstore 0.5/0.6) and chunks with gaps that the window cuts.
        """
        filters, window = cls._question(filters, start, end)
        page = _coverage.grouped(cls, filters, window)
        pages = [page] if page is not None else _coverage.stream(cls, filters, window, False)
        return _coverage.coverage_frame(cls, list(pages))

    @classmethod
    def holes(
        cls,
        filters: Filters = None,
        start: TimeBound = None,
        end: TimeBound = None,
        min_slots: int = 1,
    ) -> Iterator[tuple[dict, list[tuple[pd.Timestamp, pd.Timestamp]]]]:
        """Yield ``(attrs, holes)`` per series matching ``filters``, ``holes`` the inclusive
        ``(first_missing, last_missing)`` timestamps of each run of at least ``min_slots``
        missing slots in the window (as in :meth:`coverage`; a series starting after
        ``start`` has a hole from ``start``). Chunks without gaps are not decoded."""
        if isinstance(min_slots, bool) or not isinstance(min_slots, int) or min_slots < 1:
            raise InvalidQuestionError(
                f"min_slots must be a whole number of slots, 1 or more; got {min_slots!r}"
            )
        filters, window = cls._question(filters, start, end)
        info = cls._hostore
        for page in _coverage.stream(cls, filters, window, holes=True):
            series, first, last = page.holes(min_slots)
            firsts = list(_coverage.timestamps(info.grid, first))
            lasts = list(_coverage.timestamps(info.grid, last))
            cuts = np.searchsorted(series, np.arange(len(page.keys) + 1)).tolist()
            for n, key in enumerate(page.keys):
                a, b = cuts[n], cuts[n + 1]
                yield info.attrs_of(key), list(zip(firsts[a:b], lasts[a:b], strict=True))

    @classmethod
    def total_ts(
        cls,
        filters: Filters = None,
        start: TimeBound = None,
        end: TimeBound = None,
        how: str = "sum",
    ) -> pd.Series:
        """One series across the series matching ``filters``: per slot, the ``how``
        (``sum``, ``mean``, ``min``, ``max`` or ``count``) of the values they hold (NaN
        skipped; NaN where none holds one; leading and trailing NaN trimmed), in
        ``STORE_TZ`` with ``freq == STORE_FREQ``. Streams: memory holds a few pages of
        rows and the result, whatever the number of series."""
        _check_how(how)
        filters, window = cls._question(filters, start, end)
        with np.errstate(over="ignore", invalid="ignore"):  # sums may overflow, as in pandas
            return _aggregates.total(cls, filters, window, how)

    @classmethod
    def aggregate_ts(
        cls,
        filters: Filters = None,
        start: TimeBound = None,
        end: TimeBound = None,
        period: str = "day",
        how: str = "sum",
        min_coverage: float | None = None,
    ) -> pd.DataFrame:
        """Per series (a column each, as in ``get_many_ts``), the ``how`` of its values over
        each local calendar ``period`` of ``STORE_TZ`` (``day``, ``week`` from Monday,
        ``month``, ``year``; DST days have 23 or 25 hours), indexed by the period's local
        start. NaN where a series holds no value in a period, and with ``min_coverage``
        (in (0, 1]) where it holds fewer than that share of the period's slots."""
        _check_how(how)
        if period not in PERIODS:
            raise InvalidQuestionError(
                f"period must be one of {', '.join(PERIODS)}; got {period!r}"
            )
        if min_coverage is not None:
            ok = isinstance(min_coverage, numbers.Real) and not isinstance(min_coverage, bool)
            if not ok or not 0 < min_coverage <= 1:
                raise InvalidQuestionError(
                    "min_coverage is the share of a period's slots that must hold a value, "
                    f"a number in (0, 1] (0.9 for 90%); got {min_coverage!r}"
                )
        filters, window = cls._question(filters, start, end)
        with np.errstate(over="ignore", invalid="ignore"):  # sums may overflow, as in pandas
            return _aggregates.aggregate(
                cls, filters, start, end, window, period, how, min_coverage
            )

    @classmethod
    def _question(
        cls, filters: Filters, start: TimeBound, end: TimeBound
    ) -> tuple[dict, _coverage.Window]:
        """Checked filters and the window of ``[start, end]``."""
        info = cls._hostore
        filters = info.check_filters(filters)
        _check_order(info.grid, start, end)
        return filters, _coverage.Window(*cls._window(start, end))


def _check_how(how: object) -> None:
    if how not in _aggregates.HOWS:
        raise InvalidQuestionError(f"how must be one of {', '.join(_aggregates.HOWS)}; got {how!r}")


def _check_order(grid: Grid, start: TimeBound, end: TimeBound) -> None:
    """:class:`InvalidBoundsError` when ``start`` is after ``end`` (both given)."""
    bounds = []
    for value, side in ((start, "start"), (end, "end")):
        ts = parse_bound(value, side)
        if ts is None:
            return
        if ts.tzinfo is None:
            ts = ts.tz_localize(grid.zone, ambiguous=True, nonexistent="shift_forward")
        bounds.append(ts)
    if bounds[0] > bounds[1]:
        raise InvalidBoundsError(
            f"start {start!r} is after end {end!r}; give the earlier bound as start"
        )
