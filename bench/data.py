"""Deterministic workloads: N meters x one year (2023) at 30 minutes, in two profiles.

- ``realistic``: smart-meter load curves in integer watts (held as float64) with a daily
  shape (morning and evening peaks), a weekly one (weekends), a seasonal one (winter heating),
  multiplicative noise and a few NaN gaps;
- ``random``: uniform random floats, no gaps (the worst case for every codec).

Series ``i`` depends only on ``(seed, profile, i)``, so a small run is a prefix of a big one.
Everything is vectorised over time with numpy; no Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TZ = "Europe/Paris"
FREQ = "30min"
YEAR = 2023  # not a leap year: exactly 365 * 48 = 17,520 points
PROFILES = ("realistic", "random")
SEED = 20231
PATCH_DAYS = 30  # the update patch: 30 days starting 15 days before the series end
PATCH_LEAD_DAYS = 15


def meter_id(i: int) -> str:
    return f"m{i:06d}"


def year_index(year: int = YEAR) -> pd.DatetimeIndex:
    """Every 30-minute slot of one local calendar year (DST days have 46 or 50 slots)."""
    start = pd.Timestamp(f"{year}-01-01", tz=TZ)
    end = pd.Timestamp(f"{year + 1}-01-01", tz=TZ)
    return pd.date_range(start, end, freq=FREQ, inclusive="left")


def patch_index() -> pd.DatetimeIndex:
    """30 days on the grid: 15 over the end of the stored year, 15 beyond it."""
    start = pd.Timestamp(f"{YEAR + 1}-01-01", tz=TZ) - pd.Timedelta(days=PATCH_LEAD_DAYS)
    return pd.date_range(start, start + pd.Timedelta(days=PATCH_DAYS), freq=FREQ, inclusive="left")


@dataclass(frozen=True)
class Calendar:
    """Local-time features of an index, computed once and shared by every series."""

    hour: np.ndarray  # 0.0 ... 23.5
    day_of_year: np.ndarray
    weekend: np.ndarray  # bool

    @classmethod
    def of(cls, index: pd.DatetimeIndex) -> Calendar:
        hour = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
        return cls(hour, index.day_of_year.to_numpy(), index.day_of_week.to_numpy() >= 5)


def _realistic(cal: Calendar, params: np.random.Generator, noise: np.random.Generator):
    """Integer watts: the home's habits come from ``params``, the noise from ``noise``."""
    base = params.uniform(150.0, 1200.0)  # mean load of the home or shop, in watts
    heating = params.uniform(0.1, 1.5)  # winter / summer ratio - 1
    shift = params.normal(0.0, 0.75)  # earlier or later peaks, in hours
    evening = params.uniform(0.5, 1.5)
    weekend = params.uniform(0.95, 1.25)
    hour, late = cal.hour, cal.weekend.astype(float)  # one hour later on weekend mornings
    daily = (
        0.45
        + 0.55 * np.exp(-(((hour - 7.5 - shift - late) / 1.3) ** 2))
        + evening * np.exp(-(((hour - 19.5 - shift) / 2.2) ** 2))
        + 0.25 * np.exp(-(((hour - 12.5) / 1.0) ** 2))
    )
    seasonal = 1.0 + heating * (0.5 + 0.5 * np.cos(2 * np.pi * (cal.day_of_year - 15) / 365.25))
    weekly = np.where(cal.weekend, weekend, 1.0)
    jitter = noise.lognormal(0.0, 0.18, len(hour))
    return np.round(np.maximum(base * daily * seasonal * weekly * jitter, 0.0))


def _gaps(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Punch 1 to 3 NaN gaps of 30 minutes to 2 days, away from the series ends."""
    n = len(values)
    for _ in range(int(rng.integers(1, 4))):
        start = int(rng.integers(48, n - 48 * 20))
        values[start : start + int(rng.integers(1, 97))] = np.nan
    return values


def make_values(profile: str, i: int, cal: Calendar, part: int) -> np.ndarray:
    """Values of series ``i`` on ``cal``'s index; ``part`` 0 is the stored year, 1 the patch."""
    if profile == "random":
        return np.random.default_rng([SEED, 1, i, part]).uniform(0.0, 1000.0, len(cal.hour))
    if profile != "realistic":
        raise ValueError(f"unknown profile {profile!r}; use one of {PROFILES}")
    params = np.random.default_rng([SEED, 0, i])  # the same home for the year and the patch
    values = _realistic(cal, params, np.random.default_rng([SEED, 0, i, part, 1]))
    return _gaps(values, np.random.default_rng([SEED, 0, i, part, 2])) if part == 0 else values


@dataclass
class Workload:
    """The series of one profile and what every phase must give back."""

    profile: str
    index: pd.DatetimeIndex
    series: dict[str, pd.Series]  # meter -> the stored year
    patches: dict[str, pd.Series]  # meter -> the 30-day update patch (no NaN)
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]]  # meter -> one local day, inclusive

    @property
    def meters(self) -> list[str]:
        return list(self.series)

    @property
    def points(self) -> int:
        """Grid slots of the stored year, over every series (NaN slots included)."""
        return len(self.series) * len(self.index)

    def head(self, n: int) -> Workload:
        """The same workload on its first ``n`` series only."""
        meters = self.meters[:n]
        return Workload(
            self.profile,
            self.index,
            {m: self.series[m] for m in meters},
            {m: self.patches[m] for m in meters},
            {m: self.windows[m] for m in meters},
        )

    def window_points(self) -> int:
        return sum(len(self.series[m][a:b]) for m, (a, b) in self.windows.items())

    def patch_points(self) -> int:
        return sum(len(p) for p in self.patches.values())

    def updated(self, meter: str) -> pd.Series:
        """The stored series after the update: patch values win (``combine_first``)."""
        return self.patches[meter].combine_first(self.series[meter])


def make_workload(profile: str, n: int) -> Workload:
    index, pindex = year_index(), patch_index()
    cal, pcal = Calendar.of(index), Calendar.of(pindex)
    series, patches, windows = {}, {}, {}
    days = pd.date_range(f"{YEAR}-01-01", periods=365, freq="D").tz_localize(TZ)  # midnights
    for i in range(n):
        meter = meter_id(i)
        series[meter] = pd.Series(make_values(profile, i, cal, 0), index=index, name=meter)
        patches[meter] = pd.Series(make_values(profile, i, pcal, 1), index=pindex, name=meter)
        day = days[(i * 37 + 11) % len(days)]
        windows[meter] = (day, day + pd.DateOffset(days=1) - pd.Timedelta(FREQ))
    return Workload(profile, index, series, patches, windows)
