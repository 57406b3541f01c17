"""Property-based tests: any grid of MATRIX, any series, the store gives back what pandas says.

Each example runs in a transaction that is rolled back (``rolled_back``), so examples do not
see each other's data. Expected values are computed with pandas on the full grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pandas.tseries.frequencies import to_offset

from tests.conftest import rolled_back
from tests.testapp.models import MATRIX

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    deadline=None,
    max_examples=50,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
DTYPES = ["float64", "float64", "float64", "float32", "int64", "bool"]
FIRST, LAST = pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2026-12-31", tz="UTC")


def sizes(grid):
    """Slots per day and per chunk (approximate, enough to size lengths and gaps)."""
    per_day = 1 if grid.daily else 86_400 * 10**9 // grid.step_ns
    return per_day, per_day * (31 if grid.monthly else 366)


def stored_dtype(dtype: str):
    return np.float32 if dtype == "float32" else np.float64


@st.composite
def values(draw, dtype: str, n: int) -> np.ndarray:
    if dtype == "bool":
        return draw(arrays(np.bool_, n))
    if dtype == "int64":
        return draw(arrays(np.int64, n, elements=st.integers(-(2**53), 2**53)))
    width = 32 if dtype == "float32" else 64
    finite = st.floats(allow_nan=False, allow_infinity=False, width=width)
    elements = st.floats(allow_nan=True, allow_infinity=False, width=width)
    out = draw(arrays(np.dtype(dtype), n, elements=elements, fill=finite))
    every = draw(st.sampled_from([0, 0, 2, 5]))
    if every:  # holes inside the series
        out[draw(st.integers(0, every - 1)) :: every] = np.nan
    lead, trail = draw(st.just(0) | st.integers(0, n)), draw(st.just(0) | st.integers(0, n))
    out[:lead] = np.nan  # leading and trailing NaN runs, to be trimmed
    out[n - trail :] = np.nan
    return out


@st.composite
def blocks(draw, grid, dtype: str, max_blocks: int = 3) -> list[tuple[int, np.ndarray]]:
    """Blocks ``(first_slot, values)`` in order, separated by gaps of slots to years."""
    per_day, per_chunk = sizes(grid)
    lo, hi = grid.bound_slot(FIRST, "start"), grid.bound_slot(LAST, "end")
    slot = draw(st.integers(lo, hi))
    out = []
    for _ in range(draw(st.integers(1, max_blocks))):
        n = draw(st.integers(1, 50) | st.integers(1, per_chunk + 2) | st.integers(1, 3 * per_chunk))
        out.append((slot, draw(values(dtype, n))))
        gap = draw(
            st.just(0)
            | st.integers(1, 3 * per_day)
            | st.integers(30 * per_day, 100 * per_day)
            | st.integers(365 * per_day, 800 * per_day)
        )
        slot += n + gap
    return out


def to_serie(grid, parts, zone: str | None = None, reverse: bool = False) -> pd.Series:
    """The input series of the blocks, optionally in another zone and unsorted."""
    serie = pd.concat([pd.Series(v, index=grid.index(first, len(v))) for first, v in parts])
    if zone is not None:
        serie = serie.tz_convert(zone)
    return serie[::-1] if reverse else serie


def full(grid, parts, dtype: str) -> pd.Series:
    """The blocks on the full grid from their first to their last slot (NaN in the gaps)."""
    first = parts[0][0]
    span = parts[-1][0] + len(parts[-1][1]) - first
    serie = to_serie(grid, parts).astype(stored_dtype(dtype))
    return serie.reindex(grid.index(first, span))


def trimmed(serie: pd.Series) -> pd.Series | None:
    if serie.isna().all():
        return None
    return serie.loc[serie.first_valid_index() : serie.last_valid_index()]


def check(model, out: pd.Series | None, expected: pd.Series | None, check_dtype=True) -> None:
    if expected is None:
        assert out is None
        return
    assert out is not None
    assert str(out.index.tz) == model.STORE_TZ
    assert out.index.freq == to_offset(model.STORE_FREQ)
    pd.testing.assert_series_equal(
        out, expected, check_freq=False, check_exact=True, check_dtype=check_dtype
    )


@st.composite
def cases(draw, max_blocks: int = 3):
    key = draw(st.sampled_from(sorted(MATRIX)))
    model = MATRIX[key]
    dtype = draw(st.sampled_from(DTYPES))
    parts = draw(blocks(model._hostore.grid, dtype, max_blocks))
    return model, dtype, parts


ATTRS = {"name": "p"}


@SETTINGS
@given(case=cases(), zone=st.none() | st.sampled_from(ZONES), reverse=st.booleans())
def test_round_trip(case, zone, reverse):
    model, dtype, parts = case
    grid = model._hostore.grid
    with rolled_back():
        model.set_ts(ATTRS, to_serie(grid, parts, zone, reverse))
        check(model, model.get_ts(ATTRS), trimmed(full(grid, parts, dtype)))


def union(grid, *series: pd.Series) -> pd.DatetimeIndex:
    first = min(grid.slots(s.index)[0] for s in series)
    last = max(grid.slots(s.index)[-1] for s in series)
    return grid.index(first, last - first + 1)


@SETTINGS
@given(case=cases(), data=st.data())
def test_update_is_combine_first(case, data):
    model, old_dtype, old_parts = case
    grid = model._hostore.grid
    new_dtype = data.draw(st.sampled_from(DTYPES))
    # the new series starts near the old one, so that they overlap often
    old_first = old_parts[0][0]
    shift = data.draw(st.integers(-len(old_parts[0][1]) - 50, len(old_parts[0][1]) + 50))
    drawn = data.draw(blocks(grid, new_dtype, 2))
    new_parts = [(first - drawn[0][0] + old_first + shift, v) for first, v in drawn]
    with rolled_back():
        model.set_ts(ATTRS, to_serie(grid, old_parts))
        model.set_ts(ATTRS, to_serie(grid, new_parts), update=True)
        old, new = full(grid, old_parts, old_dtype), full(grid, new_parts, new_dtype)
        index = union(grid, old, new)
        common = np.result_type(old.dtype, new.dtype)  # pandas 2.2 warns on mixed dtypes
        old, new = old.astype(common).reindex(index), new.astype(common).reindex(index)
        expected = trimmed(new.combine_first(old))
        same = stored_dtype(old_dtype) == stored_dtype(new_dtype)
        check(model, model.get_ts(ATTRS), expected, check_dtype=same)


@SETTINGS
@given(case=cases(), data=st.data())
def test_replace_gives_the_new_series(case, data):
    model, old_dtype, old_parts = case
    grid = model._hostore.grid
    new_dtype = data.draw(st.sampled_from(DTYPES))
    new_parts = data.draw(blocks(grid, new_dtype, 3))
    new = full(grid, new_parts, new_dtype)
    with rolled_back():
        model.set_ts(ATTRS, to_serie(grid, old_parts))
        model.set_ts(ATTRS, to_serie(grid, new_parts), replace=True)
        out = model.get_ts(ATTRS)
        if new.isna().all():  # an all-NaN series writes nothing, even with replace=True
            check(model, out, trimmed(full(grid, old_parts, old_dtype)))
            return
        check(model, out, trimmed(new))
        live = set(model.objects.filter(is_deleted=False).values_list("chunk_index", flat=True))
        valid = grid.slots(new.dropna().index)
        assert live == {grid.chunk_of_slot(s) for s in valid}


@st.composite
def bounds(draw, grid, first: int, last: int):
    """A window bound: None, or an aware Timestamp in some zone, on or off the grid."""
    _, per_chunk = sizes(grid)
    if draw(st.integers(0, 4)) == 0:
        return None
    slot = draw(st.integers(first - 2 * per_chunk, last + 2 * per_chunk))
    ts = grid.datetime_of_slot(slot)
    if draw(st.booleans()):  # off the grid: somewhere before the next slot
        ts += pd.Timedelta(minutes=draw(st.integers(1, grid.step_ns // (60 * 10**9) - 1)))
    zone = draw(st.sampled_from(ZONES))
    return ts.tz_convert(zone)


def window(serie: pd.Series, start, end) -> pd.Series:
    keep = np.ones(len(serie), dtype=bool)
    if start is not None:
        keep &= serie.index >= start
    if end is not None:
        keep &= serie.index <= end
    return serie[keep]


@SETTINGS
@given(case=cases(), data=st.data())
def test_windows(case, data):
    model, dtype, parts = case
    grid = model._hostore.grid
    stored = full(grid, parts, dtype)
    first, last = parts[0][0], parts[-1][0] + len(parts[-1][1]) - 1
    with rolled_back():
        model.set_ts(ATTRS, to_serie(grid, parts))
        for _ in range(4):
            start = data.draw(bounds(grid, first, last), label="start")
            end = data.draw(bounds(grid, first, last), label="end")
            expected = trimmed(window(stored, start, end))
            check(model, model.get_ts(ATTRS, start, end), expected)


@SETTINGS
@given(
    key=st.sampled_from(sorted(MATRIX)),
    dtype=st.sampled_from(DTYPES),
    count=st.integers(1, 4),
    data=st.data(),
)
def test_many_series(key, dtype, count, data):
    model = MATRIX[key]
    grid = model._hostore.grid
    series = {f"s{i}": data.draw(blocks(grid, dtype, 3), label=f"s{i}") for i in range(count)}
    first = min(p[0][0] for p in series.values())
    last = max(p[-1][0] + len(p[-1][1]) - 1 for p in series.values())
    start = data.draw(bounds(grid, first, last), label="start")
    end = data.draw(bounds(grid, first, last), label="end")
    full_series = {name: full(grid, parts, dtype) for name, parts in series.items()}
    with rolled_back():
        model.set_many_ts({name: to_serie(grid, p) for name, p in series.items()}, keys=["name"])
        for s_start, s_end in [(None, None), (start, end)]:
            expected = {n: trimmed(window(s, s_start, s_end)) for n, s in full_series.items()}
            expected = {n: s for n, s in expected.items() if s is not None}
            got = {a["name"]: s for s, a in model.yield_many_ts({}, s_start, s_end)}
            assert sorted(got) == sorted(expected)
            for name, serie in got.items():
                check(model, serie, expected[name])
            frame = model.get_many_ts(None, s_start, s_end)
            assert list(frame.columns) == sorted(expected)
            if expected:
                index = union(grid, *expected.values())
                pd.testing.assert_frame_equal(
                    frame,
                    pd.DataFrame({n: s.reindex(index) for n, s in expected.items()}).rename_axis(
                        columns="name"
                    ),
                    check_exact=True,
                    check_freq=False,
                )
                assert frame.index.freq == to_offset(model.STORE_FREQ)
