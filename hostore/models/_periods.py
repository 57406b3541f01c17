"""Local calendar periods (day, week from Monday, month, year) of a store's zone, as slots.

A period starts at local midnight of its first day (or at the first instant after it, where
the clocks skip midnight), so a DST day holds 23 or 25 hours of slots. Periods are found as
numpy calendar arithmetic on local dates, then turned into slots in one vectorised call; no
Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..grid import OUTPUT_UNIT, Grid

PERIODS = ("day", "week", "month", "year")
_NS_PER_DAY = 86_400 * 10**9
_MONDAY = 4  # 1970-01-01 was a Thursday: day 0 + 4 is a Monday (modulo 7)


@dataclass
class Periods:
    """Consecutive periods: ``starts[i]`` is the first slot of period ``i`` and
    ``starts[i + 1]`` one past its last (one more start than periods)."""

    starts: np.ndarray
    labels: pd.DatetimeIndex
    days: np.ndarray  # the local day (since 1970-01-01) each period starts on, and one more

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def sizes(self) -> np.ndarray:
        """Slots in each period."""
        return np.diff(self.starts)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Indexes ``[i, j)`` of the periods holding slots ``first`` to ``last``."""
        i = int(np.searchsorted(self.starts, first, side="right")) - 1
        j = int(np.searchsorted(self.starts, last, side="right"))
        return i, j

    def cuts(self, first: int, last: int) -> tuple[int, np.ndarray]:
        """``(i, offsets)``: the first period holding slot ``first`` and where each period
        from it starts in an array of slots ``first`` to ``last`` (the first at 0): what
        ``ufunc.reduceat`` takes."""
        i, j = self.span(first, last)
        return i, np.concatenate(([0], self.starts[i + 1 : j] - first))


def local_day(grid: Grid, slot: int) -> int:
    """Days since 1970-01-01 of the local date holding ``slot``."""
    if grid.daily:
        return int(slot)
    ns = int(grid.slot_instants_ns(np.array([slot]))[0])
    local = pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(grid.zone).tz_localize(None)
    return int(local.as_unit("ns").value // _NS_PER_DAY)


def _period_days(period: str, first_day: int, last_day: int) -> np.ndarray:
    """First local day (days since 1970-01-01) of each period from the one holding
    ``first_day`` to the one after the one holding ``last_day``."""
    if period == "day":
        return np.arange(first_day, last_day + 2, dtype=np.int64)
    if period == "week":
        monday = first_day - (first_day - _MONDAY) % 7
        return np.arange(monday, last_day + 8, 7, dtype=np.int64)
    unit = "M" if period == "month" else "Y"
    days = np.array([first_day, last_day], dtype="datetime64[D]")
    lo, hi = days.astype(f"datetime64[{unit}]").astype(np.int64)
    return (
        np.arange(lo, hi + 2).astype(f"datetime64[{unit}]").astype("datetime64[D]").astype(np.int64)
    )


def periods(grid: Grid, period: str, first: int, last: int) -> Periods:
    """The ``period``s of ``grid``'s zone holding slots ``first`` to ``last``."""
    days = _period_days(period, local_day(grid, first), local_day(grid, last))
    if grid.daily:
        starts = days
        ns = grid.slot_instants_ns(days[:-1])
    else:
        ns_all = grid._localize_wall_ns(days.astype("datetime64[D]").astype("datetime64[ns]"))
        starts = -((grid.anchor_ns - ns_all) // grid.step_ns)  # first slot at or after
        ns = ns_all[:-1]
    labels = pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(grid.tz)
    return Periods(
        starts=np.asarray(starts, dtype=np.int64), labels=labels.as_unit(OUTPUT_UNIT), days=days
    )
