"""Correctness checks: every timed result is compared with the source data, untimed.

A wrong result stops the benchmark (:class:`WrongResult`): a fast wrong store is no result.
"""

from __future__ import annotations

from collections.abc import Iterator
from time import perf_counter

import numpy as np
import pandas as pd

# What a phase made of many timed calls returns: it pauses after each call (once the call is
# checked), so that the targets' calls can be interleaved (:func:`bench.phases.run_phase`).
Steps = Iterator[None]


class WrongResult(AssertionError):
    """A phase gave back something other than the source data."""


class Clock:
    """Accumulates the time spent inside ``with clock:`` blocks (checks stay outside)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Clock:
        self._start = perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds += perf_counter() - self._start


def trim(serie: pd.Series) -> pd.Series | None:
    """``serie`` without leading and trailing NaN (None if nothing is left), as stores return."""
    valid = np.flatnonzero(serie.notna().to_numpy())
    return serie.iloc[valid[0] : valid[-1] + 1] if len(valid) else None


def same_series(got: pd.Series | None, want: pd.Series | None, what: str, tz: str | None = None):
    """Same timestamps and values (NaN equal to NaN); ``tz`` also checks the index zone."""
    if want is None or got is None:
        if want is None and got is None:
            return
        raise WrongResult(f"{what}: expected {_describe(want)}, got {_describe(got)}")
    if len(got) != len(want):
        raise WrongResult(f"{what}: expected {len(want)} points, got {len(got)}")
    got_ns = got.index.as_unit("ns").asi8
    want_ns = want.index.as_unit("ns").asi8
    if not np.array_equal(got_ns, want_ns):
        bad = int(np.flatnonzero(got_ns != want_ns)[0])
        raise WrongResult(
            f"{what}: timestamp #{bad} is {got.index[bad]}, expected {want.index[bad]}"
        )
    if tz is not None and str(got.index.tz) != tz:
        raise WrongResult(f"{what}: index in zone {got.index.tz}, expected {tz}")
    g, w = got.to_numpy(dtype=float), want.to_numpy(dtype=float)
    if not np.array_equal(g, w, equal_nan=True):
        bad = int(np.flatnonzero(~((g == w) | (np.isnan(g) & np.isnan(w))))[0])
        raise WrongResult(f"{what}: value at {want.index[bad]} is {g[bad]}, expected {w[bad]}")


def same_chunks(got: dict, want: dict, what: str) -> None:
    """``{meter: [(chunk_index, dtype, bytes), ...]}`` mappings equal, or say where not."""
    if got == want:
        return
    for meter in sorted(set(got) | set(want)):
        g, w = got.get(meter, []), want.get(meter, [])
        if g != w:
            got_ci, want_ci = [c[0] for c in g], [c[0] for c in w]
            detail = (
                f"chunks {got_ci} instead of {want_ci}"
                if got_ci != want_ci
                else "chunk bytes differ"
            )
            raise WrongResult(f"{what}: series {meter}: {detail}")


def same(got, want, what: str) -> None:
    if got != want:
        raise WrongResult(f"{what}: expected {want!r}, got {got!r}")


def _describe(serie) -> str:
    return "nothing" if serie is None else f"{len(serie)} points"
