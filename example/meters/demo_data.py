"""Realistic demo load curves: a few hundred meters of three kinds over two years.

Each curve is built from a daily shape (by kind), a weekly one (offices rest at weekends,
shops close on Sundays), a season (heating in winter), noise, and the defects real meters
have: gaps of an hour to a few days, a month lost to a communication outage, a meter put in
late. Everything is vectorised per meter and reproducible from the meter number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("home", "office", "shop")
STEP = "30min"
ZONE = "Europe/Paris"


def meter_id(number: int) -> str:
    """The 14-digit identifier of demo meter ``number`` (a French PRM looks like this)."""
    return f"{number:014d}"


def demo_index(first_year: int, years: int) -> pd.DatetimeIndex:
    """Every half-hour of ``years`` local calendar years from ``first_year``."""
    return pd.date_range(
        pd.Timestamp(f"{first_year}-01-01", tz=ZONE),
        pd.Timestamp(f"{first_year + years}-01-01", tz=ZONE),
        freq=STEP,
        inclusive="left",
    )


def _daily(kind: str, hours: np.ndarray) -> np.ndarray:
    """Mean load (W) by local time of day for each kind of site."""
    if kind == "home":
        return (
            250 + 900 * np.exp(-((hours - 19.5) ** 2) / 5) + 450 * np.exp(-((hours - 7.5) ** 2) / 2)
        )
    if kind == "office":
        return 2_000 + 9_000 / (1 + np.exp(-(hours - 8) * 2)) / (1 + np.exp((hours - 18.5) * 2))
    return 1_500 + 6_000 / (1 + np.exp(-(hours - 9) * 3)) / (1 + np.exp((hours - 19.5) * 3))


def _weekly(kind: str, weekday: np.ndarray) -> np.ndarray:
    """Share of the weekday load on each day of the week (Monday = 0)."""
    if kind == "office":
        return np.where(weekday >= 5, 0.25, 1.0)
    if kind == "shop":
        return np.where(weekday == 6, 0.2, 1.0)
    return np.where(weekday >= 5, 1.15, 1.0)


def _calendar(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local hour of day, weekday and winter-ness (1 mid-January, -1 mid-July) per slot."""
    hours = (index.hour + index.minute / 60).to_numpy(dtype=float)
    winter = np.cos(2 * np.pi * (index.day_of_year.to_numpy() - 20) / 365.25)
    return hours, index.weekday.to_numpy(), winter


def load_curve(number: int, index: pd.DatetimeIndex, calendar=None) -> pd.Series:
    """The curve of demo meter ``number`` over ``index`` (W, integers; NaN in its gaps).

    ``calendar`` is ``_calendar(index)``, passed when building many curves on one index.
    """
    rng = np.random.default_rng(number)
    kind = KINDS[number % len(KINDS)]
    hours, weekday, winter = calendar if calendar is not None else _calendar(index)
    heating = 1 + (0.45 if kind == "home" else 0.25) * winter
    size = rng.lognormal(0, 0.35)  # sites differ in size
    noise = rng.lognormal(0, 0.12, len(index))
    watts = _daily(kind, hours) * _weekly(kind, weekday) * heating * size * noise
    values = np.round(watts)
    _punch_gaps(rng, values)
    return pd.Series(values, index=index, name=meter_id(number))


def _punch_gaps(rng: np.random.Generator, values: np.ndarray) -> None:
    """Blank what real meters lose: short gaps, sometimes an outage month or a late start."""
    n = len(values)
    for _ in range(rng.poisson(1.5)):  # an hour to a few days
        start = rng.integers(0, n)
        values[start : start + rng.integers(2, 48 * 4)] = np.nan
    draw = rng.random()
    if draw < 0.05:  # a month without communication
        start = rng.integers(0, n - 48 * 31)
        values[start : start + 48 * 31] = np.nan
    elif draw < 0.10:  # put in service late
        values[: rng.integers(48 * 30, n // 2)] = np.nan


def demo_curves(meters: int, first_year: int, years: int) -> dict[tuple[str, int], pd.Series]:
    """``{(meter, version): curve}`` for ``meters`` demo meters, ready for ``set_many_ts``."""
    index = demo_index(first_year, years)
    calendar = _calendar(index)
    return {(meter_id(i), 0): load_curve(i, index, calendar) for i in range(meters)}
