"""Holes of curves: where a curve has no value on the grid of expected timestamps.

Vectorised: the present timestamps are looked up in the grid at once (a hash lookup), then
each run of missing grid points is found from the edges of the missing mask.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from ..exceptions import InvalidBoundsError


class Grid:
    """The expected timestamps ``pd.date_range(sd, ed, freq)``, both bounds included."""

    def __init__(self, sd, ed, freq: str) -> None:
        try:
            self.first, self.last = pd.Timestamp(sd), pd.Timestamp(ed)
            self.index = pd.date_range(self.first, self.last, freq=freq)
        except (TypeError, ValueError) as exc:
            raise InvalidBoundsError(
                f"cannot build the timestamps from {sd!r} to {ed!r} every {freq!r}: {exc}"
            ) from None


def check_awareness(index: pd.DatetimeIndex, grid: pd.DatetimeIndex, prm: str) -> None:
    if (index.tz is None) != (grid.tz is None):
        raise InvalidBoundsError(
            f"the bounds are {'naive' if grid.tz is None else 'time-zone aware'} but the curve "
            f"of {prm!r} is {'naive' if index.tz is None else 'aware'}: give bounds like its "
            "timestamps"
        )


def missing_runs(serie: pd.Series, grid: pd.DatetimeIndex, prm: str) -> list[tuple]:
    """``(first, last)`` timestamps of each run of ``grid`` points where ``serie`` has no
    value (vectorised: a hash lookup of the present timestamps, then the run edges)."""
    index = cast(pd.DatetimeIndex, serie.index)
    check_awareness(index, grid, prm)
    if not len(grid):
        return []
    present_at = index[serie.notna().to_numpy()]
    if grid.tz is not None:  # the same zone object and unit, or lookups find nothing
        present_at = present_at.tz_convert(grid.tz)
    present_at = present_at.as_unit(grid.unit)
    found = grid.get_indexer(present_at[~present_at.duplicated()])
    present = np.zeros(len(grid), dtype=bool)
    present[found[found >= 0]] = True
    edges = np.diff(np.concatenate(([0], (~present).view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(grid[s], grid[e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
