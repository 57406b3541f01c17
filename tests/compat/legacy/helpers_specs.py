"""Builders of the JSON specs the helper cases are written with (see ``helpers_runner``):
series, indexes, timestamps, durations and ranges, and the collector of cases."""

from __future__ import annotations

from collections.abc import Callable

EMPTY = {"S": {"index": {"dt": [], "tz": "UTC"}, "values": [], "dtype": "float64"}}


def series(values, start="2024-01-01 00:00", freq="30min", tz="UTC", dtype=None, **extra):
    """A Series on ``pd.date_range(start, periods=len(values), freq, tz)`` (or ``index=``);
    None values are NaN unless ``dtype="object"``."""
    index = extra.pop("index", None) or {
        "start": start,
        "periods": len(values),
        "freq": freq,
        "tz": tz,
    }
    return {"S": {"index": index, "values": values, "dtype": dtype, **extra}}


def at(times, tz="UTC", **extra):
    """An explicit DatetimeIndex: ``times`` are wall times of ``tz``, ``'HH:MM'`` on
    2024-01-01 or full date-times."""
    return {"dt": [f"2024-01-01 {t}" if len(t) <= 5 else t for t in times], "tz": tz, **extra}


def ts(text, tz="UTC"):
    """A Timestamp: ``'HH:MM'`` on 2024-01-01 or a full date-time, in ``tz`` (None: naive)."""
    return {"T": text if len(text) > 5 else f"2024-01-01 {text}", "tz": tz}


def td(text):
    return {"TD": text}


def rng(sd, ed):
    return {"R": [sd, ed]}


def nan():
    return {"F8": "nan"}


def collector(cases: list[dict]) -> Callable[..., None]:
    """``case(id, fn, *args, kwargs={...}, **flags)`` appending to ``cases``."""

    def case(case_id: str, fn: str, *args, **extra) -> None:
        kwargs = extra.pop("kwargs", {})
        cases.append({"id": case_id, "fn": fn, "args": list(args), "kwargs": kwargs, **extra})

    return case
