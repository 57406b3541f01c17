"""Property-based tests: coverage, holes, total_ts and aggregate_ts equal the same
computation done in pandas on ``get_many_ts``, on any grid of MATRIX (zone, step, chunking),
for series with gaps and missing chunks, some rows without valid statistics (as holcstore
0.5/0.6 leave them), with or without bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests.conftest import rolled_back
from tests.hostore.models.test_properties import FIRST, LAST, sizes
from tests.testapp.models import MATRIX

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
NAMES = ("a", "b", "c")


@st.composite
def serie_parts(draw, grid) -> list[tuple[int, np.ndarray]]:
    """Blocks ``(first_slot, values)``: moderate values, NaN holes, gaps up to years."""
    per_day, per_chunk = sizes(grid)
    lo, hi = grid.bound_slot(FIRST, "start"), grid.bound_slot(LAST, "end")
    slot = draw(st.integers(lo, hi))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 40) | st.integers(1, per_chunk + 2) | st.integers(1, 2 * per_chunk))
        elements = st.floats(-1e6, 1e6, allow_nan=False) | st.just(np.nan)
        values = draw(arrays(np.float64, n, elements=elements, fill=st.just(1.5)))
        every = draw(st.sampled_from([0, 0, 3, 7]))
        if every:
            values[draw(st.integers(0, every - 1)) :: every] = np.nan
        out.append((slot, values))
        slot += n + draw(
            st.just(1) | st.integers(1, 3 * per_day) | st.integers(30 * per_day, 800 * per_day)
        )
    return out


@st.composite
def stores(draw):
    """A store of MATRIX holding 1 to 3 series, some chunk rows left without statistics."""
    model = MATRIX[draw(st.sampled_from(sorted(MATRIX)))]
    grid = model._hostore.grid
    series = {}
    for name in NAMES[: draw(st.integers(1, 3))]:
        parts = draw(serie_parts(grid))
        series[name] = pd.concat([pd.Series(v, index=grid.index(f, len(v))) for f, v in parts])
    stale = draw(st.integers(0, 3))  # rows whose statistics are dropped, one in `stale`
    return model, series, stale


@st.composite
def windows(draw, model, series):
    """``(start, end)``: None, or times near the data, on or off the grid, in order."""
    grid = model._hostore.grid
    _, per_chunk = sizes(grid)
    slots = np.concatenate([grid.slots(s.index) for s in series.values()])
    first, last = int(slots.min()), int(slots.max())

    def bound():
        if draw(st.booleans()):
            return None
        ts = grid.datetime_of_slot(draw(st.integers(first - per_chunk, last + per_chunk)))
        if draw(st.booleans()):
            ts += pd.Timedelta(minutes=draw(st.integers(1, 10)))
        return ts

    start, end = bound(), bound()
    if start is not None and end is not None and start > end:
        start, end = end, start
    return start, end


def write(model, series, stale) -> None:
    for name, serie in series.items():
        model.set_ts({"name": name}, serie)
    if stale:
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))[::stale]
        model.objects.filter(pk__in=pks).update(stat_count=None, stat_at=None)


# ------------------------------------------------------------------ references in pandas
def first_slot_time(grid, start):
    return None if start is None else grid.datetime_of_slot(grid.bound_slot(start, "start"))


def last_slot_time(grid, end):
    return None if end is None else grid.datetime_of_slot(grid.bound_slot(end, "end"))


def window_of(model, col: pd.Series, start, end):
    """The series' window as timestamps (None: empty)."""
    grid = model._hostore.grid
    valid = col.dropna()
    lo, hi = first_slot_time(grid, start), last_slot_time(grid, end)
    lo = lo if lo is not None else (valid.index[0] if len(valid) else None)
    hi = hi if hi is not None else (valid.index[-1] if len(valid) else None)
    if lo is None or hi is None or lo > hi:
        return None
    return pd.date_range(lo, hi, freq=model.STORE_FREQ)


def frame(model, start, end, names) -> dict[str, pd.Series]:
    df = model.get_many_ts(start=start, end=end)
    return {n: df[n] if n in df.columns else pd.Series(dtype=float) for n in names}


@SETTINGS
@given(case=stores(), data=st.data())
def test_coverage_and_holes_equal_pandas(case, data):
    model, series, stale = case
    start, end = data.draw(windows(model, series))
    min_slots = data.draw(st.sampled_from([1, 1, 2, 5]))
    with rolled_back():
        write(model, series, stale)
        got = model.coverage(start=start, end=end)
        holes = dict(
            (a["name"], h) for a, h in model.holes(start=start, end=end, min_slots=min_slots)
        )
        names = list(model.objects.values_list("name", flat=True).distinct().order_by("name"))
        cols = frame(model, start, end, names)
    assert got["name"].tolist() == names and list(holes) == names
    for i, name in enumerate(names):
        col = cols[name]
        valid = col.dropna()
        index = window_of(model, col, start, end)
        row = got.iloc[i]
        assert row["present"] == len(valid)
        assert row["slots"] == (0 if index is None else len(index))
        assert row["missing"] == row["slots"] - row["present"]
        if len(valid):
            assert row["first"] == valid.index[0] and row["last"] == valid.index[-1]
        else:
            assert pd.isna(row["first"]) and pd.isna(row["last"])
        want = []
        if index is not None:
            missing = col.reindex(index).isna().to_numpy()
            edges = np.diff(np.concatenate(([0], missing.view(np.int8), [0])))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            for a, b in zip(starts, ends, strict=True):
                if b - a + 1 >= min_slots:
                    want.append((index[a], index[b]))
        assert holes[name] == want


@SETTINGS
@given(case=stores(), how=st.sampled_from(["sum", "mean", "min", "max", "count"]), data=st.data())
def test_total_ts_equals_pandas(case, how, data):
    model, series, stale = case
    start, end = data.draw(windows(model, series))
    with rolled_back():
        write(model, series, stale)
        got = model.total_ts(start=start, end=end, how=how)
        df = model.get_many_ts(start=start, end=end)
    if how == "count":
        want = df.count(axis=1).astype(float).where(lambda c: c > 0)
    elif how == "sum":
        want = df.sum(axis=1, min_count=1)
    else:
        want = getattr(df, how)(axis=1)
    want = (
        want.loc[want.first_valid_index() : want.last_valid_index()]
        if want.notna().any()
        else want.iloc[:0]
    )
    if len(got):
        assert got.index.freq == df.index.freq or len(got) == 1
    # the index exactly (a tolerance would compare timestamps one by one), values closely
    pd.testing.assert_index_equal(got.index, want.index, exact=False)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(dtype=float), rtol=1e-9)


def period_keys(index: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    """The naive local start of the period of each timestamp."""
    day = index.tz_localize(None).normalize()
    if period == "day":
        return day
    if period == "week":
        return day - pd.to_timedelta(day.day_of_week, unit="D")
    return day.to_period("M" if period == "month" else "Y").to_timestamp()


def period_sizes(model, starts: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Slots in each whole period starting at the naive local ``starts``."""
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1)}.get(
        period, pd.DateOffset(months=1) if period == "month" else pd.DateOffset(years=1)
    )
    out = []
    for s in starts:
        a = s.tz_localize(model.STORE_TZ, nonexistent="shift_forward", ambiguous=True)
        b = (s + step).tz_localize(model.STORE_TZ, nonexistent="shift_forward", ambiguous=True)
        if model.STORE_FREQ == "1D":
            out.append(((s + step) - s).days)
        else:
            out.append(len(pd.date_range(a, b, freq=model.STORE_FREQ, inclusive="left")))
    return np.array(out)


@SETTINGS
@given(
    case=stores(),
    period=st.sampled_from(["day", "week", "month", "year"]),
    how=st.sampled_from(["sum", "mean", "min", "max", "count"]),
    min_coverage=st.none() | st.sampled_from([0.5, 0.9, 1.0]),
    data=st.data(),
)
def test_aggregate_ts_equals_pandas(case, period, how, min_coverage, data):
    model, series, stale = case
    start, end = data.draw(windows(model, series))
    with rolled_back():
        write(model, series, stale)
        got = model.aggregate_ts(
            start=start, end=end, period=period, how=how, min_coverage=min_coverage
        )
        df = model.get_many_ts(start=start, end=end)
    if df.empty:
        assert got.empty and list(got.columns) == list(df.columns)
        return
    groups = df.groupby(period_keys(df.index, period))
    counts = groups.count()
    if how == "sum":
        want = groups.sum(min_count=1)
    elif how == "count":
        want = counts.astype(float)
    else:
        want = getattr(groups, how)()
    want = want.astype(float).where(counts > 0)
    if min_coverage is not None:
        need = period_sizes(model, want.index, period) * min_coverage
        want = want.where(counts.to_numpy() >= need[:, None])
    want.index = want.index.tz_localize(model.STORE_TZ, nonexistent="shift_forward", ambiguous=True)
    want.index = want.index.as_unit(got.index.unit)
    want.index.freq = None
    pd.testing.assert_frame_equal(got, want, rtol=1e-9, check_names=False, check_freq=False)
