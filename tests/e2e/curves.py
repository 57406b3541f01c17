"""Deterministic load curves and store operations, shared by the test and its agent.

The agent (``agent.py``) performs the operations on a store of the example project; the test
performs the same ones on a plain dict of series, which is therefore what the server's store
must hold afterwards. No Django here: the test process runs another Django project.

An operation is JSON (it travels to the agent on a pipe):

- ``{"op": "set_many", "specs": [spec, ...]}``: ``set_many_ts`` of new series;
- ``{"op": "set", "spec": spec, "mode": "insert" | "update" | "replace"}``: ``set_ts``;
- ``{"op": "delete", "meter": m, "version": v, "month": "YYYY-MM" | None}``: a queryset
  ``delete()`` of the series, or of its one monthly chunk.

A *spec* names a series and how to compute it: ``meter``, ``version``, ``start``, ``end``
(local wall-clock times, both included), ``seed``, and optionally ``value`` (a constant
instead of a curve), ``exact`` (whole watts, else full-precision floats), ``scale``,
``dtype``, ``gaps`` (``[start, end)`` local ranges left NaN) and ``holes`` (that many
isolated NaN slots).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

TZ = "Europe/Paris"
FREQ = "30min"
Key = tuple[str, int]


def spec(meter: str, version: int, start: str, end: str, seed: int, **options: Any) -> dict:
    """A spec (see the module docstring), as a JSON-ready dict."""
    return {"meter": meter, "version": version, "start": start, "end": end, "seed": seed, **options}


def key_of(item: Mapping[str, Any]) -> Key:
    return (item["meter"], int(item["version"]))


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def curve(spec: Mapping[str, Any]) -> pd.Series:
    """The series of a spec: a household curve in watts (daily and seasonal shape, noise),
    the same bits in every process that computes it."""
    index = pd.date_range(local(spec["start"]), local(spec["end"]), freq=FREQ)
    rng = np.random.default_rng(spec["seed"])
    if "value" in spec:
        values = np.full(len(index), float(spec["value"]))
    else:
        hours = np.asarray(index.hour + index.minute / 60, dtype=float)
        day = np.asarray(index.day_of_year, dtype=float)
        daily = (
            300 + 250 * np.exp(-((hours - 19.5) ** 2) / 6) + 120 * np.exp(-((hours - 8) ** 2) / 3)
        )
        seasonal = 1 + 0.35 * np.cos(2 * np.pi * (day - 15) / 365)
        values = daily * seasonal * rng.lognormal(0, 0.15, len(index)) * spec.get("scale", 1.0)
        if spec.get("exact", False):
            values = np.round(values)
    for start, end in spec.get("gaps", ()):
        values[(index >= local(start)) & (index < local(end))] = np.nan
    if spec.get("holes"):
        values[rng.choice(len(index), size=spec["holes"], replace=False)] = np.nan
    return pd.Series(values.astype(spec.get("dtype", "float64")), index=index)


def chunk_index(month: str) -> int:
    """The store's chunk number of a local month ``YYYY-MM`` (monthly chunks)."""
    year, number = (int(part) for part in month.split("-"))
    return year * 12 + number - 1


def apply(expected: dict[Key, pd.Series], op: Mapping[str, Any]) -> None:
    """What ``op`` does to a store, done to ``expected`` (key -> series without NaN)."""
    kind = op["op"]
    if kind == "set_many":
        for item in op["specs"]:
            expected[key_of(item)] = curve(item).dropna()
    elif kind == "set":
        key, new = key_of(op["spec"]), curve(op["spec"]).dropna()
        if op["mode"] == "update" and key in expected:
            new = new.combine_first(expected[key])  # new values win, the others stay
        expected[key] = new
    elif kind == "delete":
        key = key_of(op)
        if op.get("month") is None:
            expected.pop(key, None)
        elif key in expected:
            serie = expected[key]
            start = local(f"{op['month']}-01")
            kept = serie[(serie.index < start) | (serie.index >= start + pd.offsets.MonthBegin())]
            if kept.empty:
                del expected[key]
            else:
                expected[key] = kept
    else:
        raise ValueError(f"unknown operation {kind!r}")
