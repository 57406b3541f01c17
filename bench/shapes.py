"""Shapes of data besides the 30-minute load curve, for the disk phase (issue 15).

Each shape: a grid (frequency, chunk axis), a dtype and ``make(i)``, the values of series
``i`` over the shape's period, deterministic in ``(SEED, shape, i)``. Every shape but
``random`` has a few NaN gaps, as meters do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import SEED, TZ, Calendar, make_values


@dataclass(frozen=True)
class Shape:
    name: str
    freq: str
    start: str
    end: str  # exclusive
    dtype: str
    make: Callable[[int, pd.DatetimeIndex], np.ndarray]
    about: str

    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(
            pd.Timestamp(self.start, tz=TZ), pd.Timestamp(self.end, tz=TZ), freq=self.freq,
            inclusive="left",
        )  # fmt: skip

    def series(self, i: int) -> pd.Series:
        index = self.index()
        return pd.Series(self.make(i, index).astype(self.dtype), index=index)


def _watts(i: int, index: pd.DatetimeIndex, part: int = 0) -> np.ndarray:
    """The realistic profile's integer watts on any grid."""
    return make_values("realistic", i, Calendar.of(index), part)


def _gaps(values: np.ndarray, i: int, tag: int) -> np.ndarray:
    rng = np.random.default_rng([SEED, 7, tag, i])
    n = len(values)
    for _ in range(int(rng.integers(1, 4))):
        start = int(rng.integers(0, max(1, n - n // 20)))
        values[start : start + int(rng.integers(1, max(2, n // 100)))] = np.nan
    return values


def _kw_3_decimals(i, index):
    """kW with three decimals from a meter that reads in watts with a decimal (+-0.1 W)."""
    noise = np.random.default_rng([SEED, 8, i]).integers(-9, 10, len(index)) / 10
    watts = np.maximum(np.nan_to_num(_watts(i, index)) + noise, 0.0)  # no -0.0 after rounding
    return _gaps(np.round(watts / 1000, 3), i, 1)


def _cumulative_index(i, index):
    """An energy index in kWh with three decimals, always increasing (a register)."""
    step = np.nan_to_num(_watts(i, index)) / 1000  # kWh per hour
    start = np.random.default_rng([SEED, 9, i]).uniform(1_000, 90_000)
    return _gaps(np.round(start + np.cumsum(step), 3), i, 2)


def _one_minute(i, index):
    """Watts every minute: the 30-minute shape with minute-scale noise."""
    watts = np.nan_to_num(_watts(i, index))
    jitter = np.random.default_rng([SEED, 10, i]).lognormal(0.0, 0.08, len(index))
    return _gaps(np.round(watts * jitter), i, 3)


def _kw_float32(i, index):
    return _gaps(np.nan_to_num(_watts(i, index)) / 1000, i, 4)


def _daily_kwh(i, index):
    """Energy per day in kWh with two decimals, over ten years."""
    rng = np.random.default_rng([SEED, 11, i])
    day = index.day_of_year.to_numpy()
    base = rng.uniform(5, 40) * (1 + rng.uniform(0.1, 1.0) * np.cos(2 * np.pi * (day - 15) / 365))
    return _gaps(np.round(base * rng.lognormal(0, 0.15, len(index)), 2), i, 5)


def _random(i, index):
    return np.random.default_rng([SEED, 1, i, 0]).uniform(0.0, 1000.0, len(index))


SHAPES = {
    s.name: s
    for s in [
        Shape("load-30min", "30min", "2023-01-01", "2024-01-01", "float64",
              lambda i, idx: _watts(i, idx), "integer watts at 30 min (the store phase's)"),
        Shape("random-30min", "30min", "2023-01-01", "2024-01-01", "float64", _random,
              "uniform random floats, no gaps (the worst case)"),
        Shape("kw-15min", "15min", "2023-01-01", "2024-01-01", "float64", _kw_3_decimals,
              "kW with three decimals at 15 min"),
        Shape("index-1h", "1h", "2023-01-01", "2024-01-01", "float64", _cumulative_index,
              "cumulative kWh index with three decimals, hourly"),
        Shape("load-1min", "1min", "2023-01-01", "2023-03-01", "float64", _one_minute,
              "integer watts every minute, two months"),
        Shape("kw-f32", "30min", "2023-01-01", "2024-01-01", "float32", _kw_float32,
              "kW as float32 at 30 min"),
        Shape("daily", "1D", "2014-01-01", "2024-01-01", "float64", _daily_kwh,
              "kWh per day with two decimals, ten years"),
    ]
}  # fmt: skip
