"""Series <-> chunk arrays without a database: align, split, merge, assemble, to_series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hostore import chunking
from hostore.exceptions import (
    AmbiguousTimeError,
    DuplicateTimestampError,
    InvalidSeriesError,
    NonNumericError,
    OffGridError,
)
from hostore.grid import OUTPUT_UNIT, get_grid

PARIS = "Europe/Paris"
HOURLY = get_grid("1h", PARIS, ("year", "month"))
HOURLY_YEAR = get_grid("1h", PARIS, ("year",))
DAILY = get_grid("1D", PARIS, ("year", "month"))
NAN = np.nan


def hours(start="2024-01-01", periods=4, tz=PARIS, freq="1h"):
    return pd.date_range(pd.Timestamp(start, tz=tz), periods=periods, freq=freq)


def slots_of(values, grid=HOURLY):
    idx = pd.DatetimeIndex([pd.Timestamp(v, tz=grid.tz) for v in values])
    return grid.slots(idx)


def month(year, m):
    return year * 12 + m - 1


# ============================================================================ align: errors
IDX = hours()
ALIGN_ERRORS = {
    "list": (lambda: [1.0, 2.0], NonNumericError, TypeError, "pandas Series"),
    "dataframe": (
        lambda: pd.DataFrame({"a": [1.0] * 4}, index=IDX),
        NonNumericError,
        TypeError,
        "pandas Series",
    ),
    "range-index": (lambda: pd.Series([1.0, 2.0]), NonNumericError, TypeError, "DatetimeIndex"),
    "string-index": (
        lambda: pd.Series([1.0], index=["2024-01-01 00:00"]),
        NonNumericError,
        TypeError,
        "DatetimeIndex",
    ),
    "period-index": (
        lambda: pd.Series([1.0], index=pd.period_range("2024-01", periods=1, freq="h")),
        NonNumericError,
        TypeError,
        "DatetimeIndex",
    ),
    "object-strings": (
        lambda: pd.Series(["1", "2", "3", "4"], index=IDX, dtype=object),
        NonNumericError,
        TypeError,
        "numbers only",
    ),
    "string-dtype": (
        lambda: pd.Series(["a", "b", "c", "d"], index=IDX, dtype="string"),
        NonNumericError,
        TypeError,
        "numbers only",
    ),
    "object-numbers": (
        lambda: pd.Series([1.0, 2, 3, 4], index=IDX, dtype=object),
        NonNumericError,
        TypeError,
        "to_numeric",
    ),
    "complex": (
        lambda: pd.Series([1 + 1j, 2, 3, 4], index=IDX),
        NonNumericError,
        TypeError,
        "complex",
    ),
    "categorical": (
        lambda: pd.Series(pd.Categorical([1, 2, 3, 4]), index=IDX),
        NonNumericError,
        TypeError,
        "category",
    ),
    "datetimes": (lambda: pd.Series(IDX, index=IDX), NonNumericError, TypeError, "datetime64"),
    "timedeltas": (
        lambda: pd.Series(pd.to_timedelta([1, 2, 3, 4], unit="h"), index=IDX),
        NonNumericError,
        TypeError,
        "timedelta64",
    ),
    "inf": (
        lambda: pd.Series([1.0, np.inf, 2.0, NAN], index=IDX),
        InvalidSeriesError,
        ValueError,
        "1 infinite",
    ),
    "-inf": (
        lambda: pd.Series([-np.inf, 1.0, -np.inf, 2.0], index=IDX),
        InvalidSeriesError,
        ValueError,
        "2 infinite",
    ),
    "inf-float32": (
        lambda: pd.Series([1.0, np.inf, 2.0, 3.0], index=IDX, dtype="float32"),
        InvalidSeriesError,
        ValueError,
        "infinite",
    ),
    "nat-in-index": (
        lambda: pd.Series([1.0, 2.0], index=pd.DatetimeIndex([IDX[0], pd.NaT])),
        InvalidSeriesError,
        ValueError,
        "NaT",
    ),
    "duplicates": (
        lambda: pd.Series([1.0, 2.0, 3.0], index=IDX[[1, 0, 1]]),
        DuplicateTimestampError,
        ValueError,
        r"1 timestamp\(s\) appear more than once \(first: 2024-01-01 01:00:00\+01:00\)",
    ),
    "sorted-duplicates": (
        lambda: pd.Series([1.0, 2.0, 3.0, 4.0], index=IDX[[0, 0, 2, 2]]),
        DuplicateTimestampError,
        ValueError,
        r"2 timestamp\(s\) appear more than once",
    ),
    "duplicates-in-another-zone": (
        lambda: pd.Series([1.0, 2.0], index=IDX[[3, 3]].tz_convert("Asia/Tokyo")),
        DuplicateTimestampError,
        ValueError,
        "more than once",
    ),
    "duplicates-with-nan": (
        lambda: pd.Series([NAN, 2.0], index=IDX[[0, 0]]),
        DuplicateTimestampError,
        ValueError,
        "more than once",
    ),
    "off-grid": (
        lambda: pd.Series([1.0, 2.0, 3.0], index=IDX[:3] + pd.to_timedelta([0, 7, 0], "min")),
        OffGridError,
        ValueError,
        r"^1 timestamp\(s\).*2024-01-01 01:07:00\+01:00",
    ),
    "off-grid-nan-value": (
        lambda: pd.Series([1.0, NAN], index=IDX[:2] + pd.to_timedelta([0, 30], "min")),
        OffGridError,
        ValueError,
        "01:30",
    ),
    "naive-ambiguous": (
        lambda: pd.Series([1.0], index=pd.DatetimeIndex(["2024-10-27 02:00"])),
        AmbiguousTimeError,
        ValueError,
        "ambiguous",
    ),
    "naive-nonexistent": (
        lambda: pd.Series([1.0], index=pd.DatetimeIndex(["2024-03-31 02:00"])),
        AmbiguousTimeError,
        ValueError,
        "do not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(ALIGN_ERRORS))
def test_align_rejects_bad_input(case):
    build, error, builtin, match = ALIGN_ERRORS[case]
    with pytest.raises(error, match=match) as info:
        chunking.align(build(), HOURLY)
    assert isinstance(info.value, builtin)


def test_off_grid_is_never_silently_dropped_on_a_daily_grid():
    serie = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02 12:00"]))
    with pytest.raises(OffGridError, match="2024-01-02 12:00:00"):
        chunking.align(serie, DAILY)


# ============================================================================ align: values
@pytest.mark.parametrize(
    ("values", "dtype", "expected_dtype", "expected"),
    [
        ([1, 2, 3, 4], "int64", np.float64, [1, 2, 3, 4]),
        ([1, 2, 3, 255], "uint8", np.float64, [1, 2, 3, 255]),
        ([-1, 2, 3, 4], "int32", np.float64, [-1, 2, 3, 4]),
        ([True, False, True, False], "bool", np.float64, [1, 0, 1, 0]),
        ([1, pd.NA, 3, 4], "Int64", np.float64, [1, NAN, 3, 4]),
        ([1.5, pd.NA, 3, -0.25], "Float64", np.float64, [1.5, NAN, 3, -0.25]),
        ([True, pd.NA, False, True], "boolean", np.float64, [1, NAN, 0, 1]),
        ([1.5, NAN, 3, 4], "float32", np.float32, [1.5, NAN, 3, 4]),
        ([1.5, pd.NA, 3, 4], "Float32", np.float32, [1.5, NAN, 3, 4]),
        ([1.5, NAN, -0.0, 4], "float64", np.float64, [1.5, NAN, -0.0, 4]),
        (pd.arrays.SparseArray([1.5, NAN, 3.0, 4.0]), None, np.float64, [1.5, NAN, 3, 4]),
        (pd.arrays.SparseArray([1, 0, 0, 4]), None, np.float64, [1, 0, 0, 4]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_align_converts_numbers_to_floats_with_nan(values, dtype, expected_dtype, expected):
    serie = pd.Series(values, index=IDX, dtype=dtype)
    aligned = chunking.align(serie, HOURLY)
    assert aligned.values.dtype == expected_dtype
    np.testing.assert_array_equal(aligned.values, np.array(expected, dtype=expected_dtype))
    assert np.signbit(aligned.values).tolist() == np.signbit(expected).tolist()
    np.testing.assert_array_equal(aligned.slots, HOURLY.slots(IDX))
    assert aligned.slots.dtype == np.int64


def test_align_sorts_an_unsorted_index_with_its_values():
    order = [2, 0, 3, 1]
    serie = pd.Series([20.0, 0.0, 30.0, 10.0], index=IDX[order])
    aligned = chunking.align(serie, HOURLY)
    np.testing.assert_array_equal(aligned.slots, HOURLY.slots(IDX))
    np.testing.assert_array_equal(aligned.values, [0.0, 10.0, 20.0, 30.0])


@pytest.mark.parametrize(
    "index",
    [
        IDX,
        IDX.tz_convert("UTC"),
        IDX.tz_convert("America/New_York"),
        IDX.tz_localize(None),  # naive = Paris wall time
        IDX.as_unit("s"),
        IDX.tz_localize(None).as_unit("ms"),
    ],
    ids=["paris", "utc", "new-york", "naive", "unit-s", "naive-unit-ms"],
)
def test_align_maps_every_zone_and_unit_to_the_same_slots(index):
    aligned = chunking.align(pd.Series([1.0, 2.0, 3.0, 4.0], index=index), HOURLY)
    np.testing.assert_array_equal(aligned.slots, HOURLY.slots(IDX))


def test_align_keeps_nan_values_and_does_not_modify_the_input():
    serie = pd.Series([3.0, NAN, 1.0], index=IDX[[2, 1, 0]])
    before = serie.copy()
    aligned = chunking.align(serie, HOURLY)
    np.testing.assert_array_equal(aligned.values, [1.0, NAN, 3.0])
    pd.testing.assert_series_equal(serie, before)
    assert not aligned.empty


@pytest.mark.parametrize(
    "serie",
    [
        pd.Series([], dtype=float),
        pd.Series([], dtype=object),
        pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float),
        pd.Series([NAN] * 4, index=IDX),
        pd.Series([pd.NA] * 4, index=IDX, dtype="Int64"),
    ],
    ids=["float", "object", "aware-index", "all-nan", "all-na-int64"],
)
def test_empty_and_all_nan_series_are_empty(serie):
    aligned = chunking.align(serie, HOURLY)
    assert aligned.empty
    assert chunking.split(aligned, HOURLY) == []


# ============================================================================ split
def test_split_builds_full_period_arrays_and_skips_chunks_without_values():
    when = ["2024-03-05 10:00", "2024-03-31 23:00", "2024-05-01 00:00", "2024-06-01 00:00"]
    idx = pd.DatetimeIndex([pd.Timestamp(w, tz=PARIS) for w in when])
    aligned = chunking.align(pd.Series([1.0, 2.0, 3.0, NAN], index=idx), HOURLY)
    pieces = chunking.split(aligned, HOURLY)
    assert [p.chunk_index for p in pieces] == [month(2024, 3), month(2024, 5)]  # no April, June
    march, may = pieces
    assert march.start_slot == HOURLY.cached_chunk_start(month(2024, 3))
    assert len(march.values) == 743
    assert np.flatnonzero(~np.isnan(march.values)).tolist() == [4 * 24 + 10, 742]
    assert march.values[[106, 742]].tolist() == [1.0, 2.0]
    assert may.start_slot == slots_of(["2024-05-01"])[0]
    assert len(may.values) == 744
    assert may.values[0] == 3.0
    assert np.isnan(may.values[1:]).all()


def test_split_skips_a_month_of_nan_inside_a_dense_series():
    idx = pd.date_range("2024-01-01", "2024-03-31 23:00", freq="1h", tz=PARIS)
    values = np.arange(len(idx), dtype=float)
    february = (idx.month == 2).nonzero()[0]
    values[february] = NAN
    values[[0, -1]] = NAN  # NaN on both sides of the chunks kept, too
    pieces = chunking.split(chunking.align(pd.Series(values, index=idx), HOURLY), HOURLY)
    assert [p.chunk_index for p in pieces] == [month(2024, 1), month(2024, 3)]
    january, march = pieces
    assert np.isnan(january.values[0]) and january.values[1:].tolist() == list(range(1, 744))
    assert march.values[:-1].tolist() == values[-len(march.values) : -1].tolist()


@pytest.mark.parametrize(
    ("grid", "dtype", "chunks"),
    [
        (HOURLY, "float64", [month(2023, 12), month(2024, 1)]),
        (HOURLY_YEAR, "float32", [2023, 2024]),
        (DAILY, "float64", [month(2023, 12), month(2024, 1), month(2024, 2)]),
    ],
    ids=["month", "year-float32", "daily"],
)
def test_split_pieces_match_chunk_bounds_and_keep_the_dtype(grid, dtype, chunks):
    idx = pd.date_range(pd.Timestamp("2023-12-31 12:00", tz=PARIS), periods=40, freq=grid.freq)
    if grid.daily:
        idx = idx.normalize()
    values = np.arange(40, dtype=dtype)
    values[5] = NAN
    pieces = chunking.split(chunking.align(pd.Series(values, index=idx), grid), grid)
    for piece in pieces:
        lo, hi = grid.chunk_bounds(np.array([piece.chunk_index]))
        assert (piece.start_slot, piece.start_slot + len(piece.values)) == (lo[0], hi[0])
        assert piece.values.dtype == dtype
    assert [p.chunk_index for p in pieces] == chunks
    # every value is in its chunk at its slot, and nothing else is
    together = {
        p.start_slot + i: v for p in pieces for i, v in enumerate(p.values) if not np.isnan(v)
    }
    slots = grid.slots(idx)
    assert together == {
        int(s): float(v) for s, v in zip(slots, values, strict=True) if not np.isnan(v)
    }


def test_split_of_a_full_year_in_yearly_chunks():
    idx = hours("2024-01-01", periods=8784)
    pieces = chunking.split(chunking.align(pd.Series(1.0, index=idx), HOURLY_YEAR), HOURLY_YEAR)
    assert [(p.chunk_index, len(p.values)) for p in pieces] == [(2024, 8784)]
    assert not np.isnan(pieces[0].values).any()


# ============================================================================ merge
MERGE_CASES = [
    ([1.0, NAN, 3.0, NAN], [9.0, 8.0, 7.0, NAN]),
    ([NAN, NAN, NAN], [1.0, 2.0, 3.0]),
    ([1.0, 2.0, 3.0], [NAN, NAN, NAN]),
    ([-0.0, NAN, 0.0], [5.0, 6.0, 7.0]),
    ([NAN, 1.0, NAN, NAN, 5.0], [7.0, 8.0]),  # old (legacy) array shorter
    ([NAN, 1.0, NAN], [7.0, 8.0, 9.0, 10.0]),  # old longer: only the period is kept
    ([], []),
]


@pytest.mark.parametrize(("new", "old"), MERGE_CASES)
def test_merge_is_combine_first(new, old):
    new, old = np.array(new), np.array(old)
    merged = chunking.merge(new, old)
    expected = pd.Series(new).combine_first(pd.Series(old)).to_numpy()[: len(new)]
    assert len(merged) == len(new)
    np.testing.assert_array_equal(merged, expected)
    assert np.signbit(merged).tolist() == np.signbit(expected).tolist()


@given(
    new=hnp.arrays(np.float64, st.integers(0, 60), elements=st.sampled_from([NAN, 0.0, 1.5, -2.0])),
    old=hnp.arrays(np.float64, st.integers(0, 60), elements=st.sampled_from([NAN, 3.0, -0.0])),
)
@settings(max_examples=200, deadline=None)
def test_merge_is_combine_first_on_any_arrays(new, old):
    merged = chunking.merge(new, old)
    padded = np.full(len(new), NAN)
    padded[: min(len(new), len(old))] = old[: len(new)]
    expected = pd.Series(new).combine_first(pd.Series(padded)).to_numpy()
    np.testing.assert_array_equal(merged, expected)


@pytest.mark.parametrize(
    ("new_dtype", "old_dtype", "expected"),
    [
        ("float32", "float32", np.float32),
        ("float32", "float64", np.float64),
        ("float64", "float32", np.float64),
        ("float64", "int64", np.float64),  # holcstore 0.5 chunk of a gap-free int series
        ("float64", "bool", np.float64),
    ],
)
@pytest.mark.parametrize("old_len", [4, 2])
def test_merge_dtype(new_dtype, old_dtype, expected, old_len):
    new = np.array([NAN, 1.0, NAN, NAN], dtype=new_dtype)
    old = np.array([1, 0, 1, 1][:old_len], dtype=old_dtype)
    merged = chunking.merge(new, old)
    assert merged.dtype == expected
    np.testing.assert_array_equal(merged, [1.0, 1.0, 1.0, 1.0][:old_len] + [NAN] * (4 - old_len))


def test_merge_does_not_modify_its_inputs():
    new, old = np.array([NAN, 1.0]), np.array([2.0, 3.0])
    chunking.merge(new, old)
    np.testing.assert_array_equal(new, [NAN, 1.0])
    np.testing.assert_array_equal(old, [2.0, 3.0])


# ============================================================================ assemble
def _arr(*values, dtype=np.float64):
    return np.array(values, dtype=dtype)


def _assert_assembled(result, first, values):
    assert result is not None
    got_first, got = result
    assert got_first == first
    assert type(got_first) is int
    np.testing.assert_array_equal(got, np.array(values, dtype=float))


PARTS = [(10, _arr(1.0, 2.0)), (20, _arr(NAN, 3.0)), (30, _arr(NAN, NAN, 4.0, NAN))]


@pytest.mark.parametrize(
    ("lo", "hi", "first", "values"),
    [
        (None, None, 10, [1, 2, *[NAN] * 9, 3, *[NAN] * 10, 4]),
        (11, None, 11, [2, *[NAN] * 9, 3, *[NAN] * 10, 4]),
        (12, None, 21, [3, *[NAN] * 10, 4]),  # lo in a gap: leading NaN trimmed
        (None, 21, 10, [1, 2, *[NAN] * 9, 3]),
        (None, 31, 10, [1, 2, *[NAN] * 9, 3]),  # hi in NaN: trailing NaN trimmed
        (11, 21, 11, [2, *[NAN] * 9, 3]),
        (0, 100, 10, [1, 2, *[NAN] * 9, 3, *[NAN] * 10, 4]),
        (32, 32, 32, [4]),
        (10, 10, 10, [1]),
    ],
)
def test_assemble_places_parts_with_gaps_windows_and_trims(lo, hi, first, values):
    _assert_assembled(chunking.assemble(PARTS, lo, hi), first, values)
    _assert_assembled(chunking.assemble(reversed(PARTS), lo, hi), first, values)


@pytest.mark.parametrize(
    ("parts", "lo", "hi"),
    [
        ([], None, None),
        ([(0, _arr(NAN, NAN))], None, None),
        ([(0, _arr())], None, None),
        (PARTS, 12, 20),  # only NaN inside the window
        (PARTS, 34, None),  # after the data
        (PARTS, None, 9),  # before the data
        (PARTS, 21, 11),  # lo after hi
    ],
)
def test_assemble_returns_none_when_no_value_remains(parts, lo, hi):
    assert chunking.assemble(parts, lo, hi) is None


def test_assemble_accepts_a_generator_and_read_only_arrays():
    blob = np.array([1.0, 2.0])
    blob.flags.writeable = False
    result = chunking.assemble(((s, a) for s, a in [(5, blob), (8, blob)]), None, None)
    _assert_assembled(result, 5, [1, 2, NAN, 1, 2])
    result[1][0] = 99.0  # the result is a writable copy
    assert blob[0] == 1.0


def test_assemble_takes_consecutive_slices_of_one_buffer_as_they_are():
    """A codec that decodes a series' chunks into one buffer hands out consecutive slices:
    joining them is the buffer itself, not a copy."""
    buffer = np.arange(10.0)
    first, values = chunking.assemble([(20, buffer[2:5]), (23, buffer[5:6]), (24, buffer[6:9])])
    assert first == 20 and values.tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert np.shares_memory(values, buffer)


@pytest.mark.parametrize(
    "parts",
    [
        [(0, "2:4"), (2, "5:7")],  # a hole in the buffer between the slices
        [(0, "4:6"), (2, "2:4")],  # consecutive slots, slices in the other order
        [(0, "0:2"), (2, "2:4"), (4, "other")],  # a slice of another buffer
    ],
)
@pytest.mark.parametrize("read_only", [False, True])
def test_assemble_copies_slices_that_are_not_one_span(parts, read_only):
    buffer, other = np.arange(10.0), np.arange(100.0, 102.0)
    buffer.flags.writeable = not read_only
    arrays = [
        other if spec == "other" else buffer[slice(*map(int, spec.split(":")))] for _, spec in parts
    ]
    first, values = chunking.assemble([(s, a) for (s, _), a in zip(parts, arrays, strict=True)])
    assert first == 0 and values.tolist() == np.concatenate(arrays).tolist()
    assert not np.shares_memory(values, buffer) and values.flags.writeable


def test_a_read_only_buffer_is_copied_even_as_one_span():
    buffer = np.arange(6.0)
    buffer.flags.writeable = False
    first, values = chunking.assemble([(0, buffer[0:3]), (3, buffer[3:6])])
    assert first == 0 and values.tolist() == buffer.tolist()
    assert not np.shares_memory(values, buffer)
    values[0] = 9.0
    assert buffer[0] == 0.0


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        (("float32", "float32"), np.float32),
        (("float32", "float64"), np.float64),
        (("int64", "int64"), np.float64),  # holcstore 0.5 chunks of gap-free int series
        (("bool", "float32"), np.float32),
        (("bool", "bool"), np.float64),
    ],
)
def test_assemble_dtype_and_nan_gaps(dtypes, expected):
    parts = [(0, np.array([1, 0], dtype=dtypes[0])), (4, np.array([1, 1], dtype=dtypes[1]))]
    first, values = chunking.assemble(parts)
    assert first == 0
    assert values.dtype == expected
    np.testing.assert_array_equal(values, [1.0, 0.0, NAN, NAN, 1.0, 1.0])


# ============================================================================ to_series
@pytest.mark.parametrize(
    ("grid", "start", "expected_index"),
    [
        (HOURLY, "2024-03-31 00:00", hours("2024-03-31", periods=5)),
        (HOURLY, "2024-10-27 01:00", hours("2024-10-27 01:00", periods=5)),
        (DAILY, "2024-03-30", hours("2024-03-30", periods=5, freq="1D")),
        (
            get_grid("15min", "Asia/Kolkata", ("year",)),
            "2024-01-01 23:30",
            hours("2024-01-01 23:30", periods=5, tz="Asia/Kolkata", freq="15min"),
        ),
    ],
)
def test_to_series_is_on_the_grid(grid, start, expected_index):
    first = int(slots_of([start], grid)[0])
    values = np.array([1.0, NAN, 2.5, -0.0, 4.0])
    serie = chunking.to_series(grid, first, values)
    pd.testing.assert_index_equal(serie.index, expected_index, exact=True)
    assert serie.index.freq == grid.freq
    assert str(serie.index.tz) == grid.tz
    assert serie.index.unit == OUTPUT_UNIT
    np.testing.assert_array_equal(serie.to_numpy(), values)
    assert serie.dtype == np.float64


def test_to_series_keeps_float32():
    assert chunking.to_series(HOURLY, 0, np.ones(3, np.float32)).dtype == np.float32


# ============================================================================ whole path
@pytest.mark.parametrize(
    ("grid", "index"),
    [
        (HOURLY, hours("2024-02-28 20:00", periods=24 * 70)),
        (HOURLY_YEAR, hours("2023-12-31 22:00", periods=6)),
        (DAILY, hours("2023-11-15", periods=200, freq="1D")),
        (get_grid("30min", "Australia/Lord_Howe", ("year", "month")), None),
    ],
    ids=["month", "year", "daily", "lord-howe"],
)
def test_align_split_assemble_to_series_round_trip(grid, index):
    if index is None:
        start = pd.Timestamp("2024-03-31 20:00", tz=grid.tz)
        index = pd.date_range(start, periods=24 * 2 * 10, freq="30min")
    values = np.linspace(-5, 5, len(index))
    values[[0, 3, len(index) // 2]] = NAN
    serie = pd.Series(values, index=index)
    pieces = chunking.split(chunking.align(serie, grid), grid)
    assert len(pieces) >= 2
    first, assembled = chunking.assemble((p.start_slot, p.values) for p in pieces)
    result = chunking.to_series(grid, first, assembled)
    pd.testing.assert_series_equal(result, serie.iloc[1:], check_freq=False)
    assert result.index.freq == grid.freq
