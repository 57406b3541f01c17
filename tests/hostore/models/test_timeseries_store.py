"""TimeseriesStore: writes (plain, update, replace), keys, input rules, reads, clear, blobs."""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest
from django.db import IntegrityError, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostore.exceptions import (
    CorruptBlobError,
    DuplicateTimestampError,
    InvalidAttrsError,
    InvalidSeriesError,
    MultipleSeriesError,
    NonNumericError,
    SeriesNotFoundError,
    TimeseriesExistsError,
)
from hostore.formats import arrow
from hostore.models import timeseries_store
from tests.conftest import rolled_back, snapshot
from tests.testapp.models import MeterSeries, SiteChannelSeries, YearKindSeries

A = {"year": 2020, "kind": "a"}
B = {"year": 2020, "kind": "b"}


def S(values, start="2024-01-01 00:00", freq="30min", tz="UTC", dtype=None) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=freq, tz=tz)
    return pd.Series(values, index=idx, dtype=dtype)


def expected(serie: pd.Series) -> pd.Series:
    """What a read gives back: sorted, named ``'name'`` (0.5/0.6's column), no freq."""
    out = serie.sort_index(kind="stable").rename("name")
    out.index.freq = None
    return out


def assert_series(got: pd.Series, want: pd.Series) -> None:
    pd.testing.assert_series_equal(got, expected(want), check_freq=False)


@pytest.fixture
def stored(db):
    """Two series; returns the table's snapshot, to prove that errors change nothing."""
    YearKindSeries.set_ts(A, S([1.0, 2.0, 3.0]))
    YearKindSeries.set_ts(B, S([7, 8], tz="Europe/Paris"))
    return snapshot(YearKindSeries)


# ---------------------------------------------------------------------- plain writes, reads
def test_set_then_get_flat_and_list(db):
    serie = S([1.0, np.nan, 3.0], tz="Europe/Paris")
    assert YearKindSeries.set_ts(A, serie) is None
    assert_series(YearKindSeries.get_ts(A, flat=True), serie)
    [entry] = YearKindSeries.get_ts(A)
    assert set(entry) == {"id", "year", "kind", "data"}
    assert (entry["year"], entry["kind"]) == (2020, "a")
    assert entry["id"] == YearKindSeries.objects.get().pk
    assert_series(entry["data"], serie)


@pytest.mark.parametrize(
    "serie",
    [
        S([1, 2, 3], dtype="int64"),
        S([True, False], dtype="bool"),
        S([1.5, 2.5], dtype="float32"),
        S([1, None], dtype="Int64"),
        S([1.0, 2.0], tz=None),
        S([1.0, 2.0], freq="1D", tz="America/New_York"),
        S([1.0, 2.0]).set_axis(pd.date_range("2024", periods=2, freq="h", name="horodate")),
        S([1.0, 2.0]).set_axis(pd.date_range("2024", periods=2, freq="h", unit="s", tz="UTC")),
        S([1.0, np.inf, -np.inf]),
    ],
    ids=["int", "bool", "float32", "Int64", "naive", "daily-ny", "named-index", "unit-s", "inf"],
)
def test_dtype_zone_unit_and_index_name_come_back(db, serie):
    YearKindSeries.set_ts(A, serie)
    got = YearKindSeries.get_ts(A, flat=True)
    assert_series(got, serie)
    assert got.index.name == serie.index.name and str(got.index.dtype) == str(serie.index.dtype)


def test_an_unsorted_series_is_stored_sorted(db):
    serie = S([1.0, 2.0, 3.0, 4.0]).iloc[[2, 0, 3, 1]]
    YearKindSeries.set_ts(A, serie)
    got = YearKindSeries.get_ts(A, flat=True)
    assert got.index.is_monotonic_increasing
    assert got.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_the_dst_change_keeps_its_offsets(db):
    serie = S(np.arange(8.0), start="2024-03-31 00:00", tz="Europe/Paris")
    YearKindSeries.set_ts(A, serie)
    got = YearKindSeries.get_ts(A, flat=True)
    assert [str(t) for t in got.index[3:5]] == [
        "2024-03-31 01:30:00+01:00",
        "2024-03-31 03:00:00+02:00",
    ]


def test_plain_write_over_an_existing_series_is_refused(stored):
    with pytest.raises(TimeseriesExistsError, match="update=True") as caught:
        YearKindSeries.set_ts(A, S([9.0]))
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, IntegrityError)
    assert snapshot(YearKindSeries) == stored


def test_two_keys_may_hold_the_same_series(db):
    """0.5.3-0.6 refused it (a unique constraint on the blob)."""
    YearKindSeries.set_ts(A, S([1.0, 2.0]))
    YearKindSeries.set_ts(B, S([1.0, 2.0]))
    assert YearKindSeries.objects.count() == 2


def test_a_large_series(db):
    """0.5/0.6 indexed the blob: PostgreSQL refused any series over ~100 points."""
    rng = np.random.default_rng(0)
    idx = pd.date_range("2024", periods=17568, freq="30min", tz="Europe/Paris")
    serie = pd.Series(rng.random(len(idx)), index=idx)
    YearKindSeries.set_ts(A, serie)
    assert_series(YearKindSeries.get_ts(A, flat=True), serie)


# ---------------------------------------------------------------------- update, replace
def test_update_new_values_win_stored_values_fill_the_rest(db):
    YearKindSeries.set_ts(A, S([1.0, 1.0, 1.0, np.nan]))
    YearKindSeries.set_ts(A, S([np.nan, 2.0, 2.0, 2.0, 2.0], start="2024-01-01 00:30"), update=True)
    got = YearKindSeries.get_ts(A, flat=True)
    assert got.tolist() == [1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    assert got.index[0] == pd.Timestamp("2024-01-01", tz="UTC") and len(got) == 6
    assert YearKindSeries.objects.count() == 1


def test_update_or_replace_of_an_absent_series_writes_it(db):
    YearKindSeries.set_ts(A, S([1.0]), update=True)
    YearKindSeries.set_ts(B, S([2.0]), replace=True)
    assert YearKindSeries.get_ts(A, flat=True).tolist() == [1.0]
    assert YearKindSeries.get_ts(B, flat=True).tolist() == [2.0]


def test_replace_makes_the_stored_series_exactly_the_new_one(stored):
    new = S([5.0], start="2024-02-01")
    pk = YearKindSeries.objects.get(**A).pk
    YearKindSeries.set_ts(A, new, replace=True)
    assert_series(YearKindSeries.get_ts(A, flat=True), new)
    assert YearKindSeries.objects.get(**A).pk == pk  # the row is kept, its data replaced
    assert YearKindSeries.get_ts(B, flat=True).tolist() == [7, 8]


@pytest.mark.parametrize(
    ("old", "new", "dtype", "values"),
    [
        (S([1, 2], dtype="int64"), S([np.nan, 5.5]), "float64", [1.0, 5.5]),
        (S([1.5, 2.5]), S([True], dtype="bool"), "float64", [1.0, 2.5]),
        (S([1, 2], dtype="int64"), S([3, 4, 5], dtype="int64"), "int64", [3, 4, 5]),
    ],
    ids=["int-then-float", "float-then-bool", "int-then-int"],
)
def test_update_merges_dtypes_into_numbers(db, old, new, dtype, values):
    YearKindSeries.set_ts(A, old)
    YearKindSeries.set_ts(A, new, update=True)
    got = YearKindSeries.get_ts(A, flat=True)
    assert str(got.dtype) == dtype and got.tolist() == values


def test_update_keeps_every_digit_of_integers(db):
    big = 2**62 + 1
    YearKindSeries.set_ts(A, S([big, big + 1], dtype="int64"))
    YearKindSeries.set_ts(A, S([big + 5], start="2024-01-01 01:00", dtype="int64"), update=True)
    got = YearKindSeries.get_ts(A, flat=True)
    assert got.dtype == "int64" and got.tolist() == [big, big + 1, big + 5]


def test_update_in_another_zone_gives_utc(db):
    YearKindSeries.set_ts(A, S([1.0, 1.0], tz="UTC"))
    YearKindSeries.set_ts(A, S([2.0], start="2024-01-01 01:30", tz="Europe/Paris"), update=True)
    got = YearKindSeries.get_ts(A, flat=True)
    assert str(got.index.tz) == "UTC" and got.tolist() == [1.0, 2.0]


def test_update_naive_over_aware_is_refused(stored):
    with pytest.raises(InvalidSeriesError, match="tz-aware, the new one tz-naive"):
        YearKindSeries.set_ts(A, S([2.0], tz=None), update=True)
    assert snapshot(YearKindSeries) == stored


@pytest.mark.parametrize(
    ("legacy", "error"),
    [
        (pd.Series([1.0, 2.0]), NonNumericError),
        (S([1.0, 2.0]).iloc[[0, 0, 1]], DuplicateTimestampError),
        (S(["x", "y"], dtype=object), NonNumericError),
    ],
    ids=["range-index", "duplicates", "text"],
)
def test_update_over_a_series_an_older_release_wrote_asks_for_replace(db, legacy, error):
    """0.5/0.6 stored any index, duplicates and text values: merging them is refused."""
    YearKindSeries.objects.create(**A, data=arrow.write_series(legacy, "name"))
    before = snapshot(YearKindSeries)
    with pytest.raises(error, match="replace=True"):
        YearKindSeries.set_ts(A, S([5.0]), update=True)
    assert snapshot(YearKindSeries) == before
    YearKindSeries.set_ts(A, S([5.0]), replace=True)
    assert YearKindSeries.get_ts(A, flat=True).tolist() == [5.0]


def test_update_and_replace_together_are_refused(stored):
    with pytest.raises(InvalidAttrsError, match="not both"):
        YearKindSeries.set_ts(A, S([1.0]), update=True, replace=True)
    assert snapshot(YearKindSeries) == stored


@pytest.mark.parametrize("flags", [{}, {"update": True}, {"replace": True}])
@pytest.mark.parametrize("serie", [S([np.nan, np.nan]), pd.Series([], dtype=float)])
def test_empty_or_all_nan_writes_nothing(stored, flags, serie):
    YearKindSeries.set_ts(A, serie, **flags)
    YearKindSeries.set_ts({"year": 1999, "kind": "new"}, serie, **flags)
    assert snapshot(YearKindSeries) == stored


def test_a_failure_inside_the_transaction_writes_nothing(stored, monkeypatch):
    """0.6 deleted the old series first with replace=True, then failed to encode: lost."""

    def broken(serie, column):
        raise RuntimeError("disk full")

    monkeypatch.setattr(timeseries_store.arrow, "write_series", broken)
    for flags in ({"update": True}, {"replace": True}):
        with pytest.raises(RuntimeError, match="disk full"):
            YearKindSeries.set_ts(A, S([5.0, 6.0]), **flags)
        assert snapshot(YearKindSeries) == stored


def test_update_of_a_row_without_data_writes_the_new_series(db):
    YearKindSeries.objects.create(**A, data=None)
    YearKindSeries.set_ts(A, S([1.0]), update=True)
    assert YearKindSeries.get_ts(A, flat=True).tolist() == [1.0]


# ---------------------------------------------------------------------- input rules
BAD_SERIES = {
    "list": ([1.0, 2.0], InvalidSeriesError, "expected a pandas Series"),
    "none": (None, InvalidSeriesError, "expected a pandas Series"),
    "dataframe": (S([1.0]).to_frame(), InvalidSeriesError, "expected a pandas Series"),
    "range-index": (pd.Series([1.0, 2.0]), NonNumericError, "DatetimeIndex"),
    "text-index": (pd.Series([1.0], index=["2024-01-01"]), NonNumericError, "DatetimeIndex"),
    "text-values": (S(["x", "y"]), NonNumericError, "only numbers"),
    "mixed-values": (S(["x", 1], dtype=object), NonNumericError, "only numbers"),
    "complex": (S([1 + 2j, 3j]), NonNumericError, "only numbers"),
    "datetimes": (S(pd.to_datetime(["2024-01-01", "2024-01-02"])), NonNumericError, "numbers"),
    "nat": (
        pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", None])),
        InvalidSeriesError,
        "NaT",
    ),
    "duplicates": (S([1.0, 2.0, 3.0]).iloc[[0, 1, 1, 2]], DuplicateTimestampError, "more than"),
}


@pytest.mark.parametrize("flags", [{}, {"update": True}, {"replace": True}])
@pytest.mark.parametrize("case", sorted(BAD_SERIES))
def test_bad_series_are_refused_and_nothing_is_written(stored, case, flags):
    serie, error, message = BAD_SERIES[case]
    for attrs in (A, {"year": 1999, "kind": "new"}):  # over a stored series, and a new one
        with pytest.raises(error, match=message):
            YearKindSeries.set_ts(attrs, serie, **flags)
        assert snapshot(YearKindSeries) == stored


BAD_ATTRS = {
    "none": (None, "must be a dict"),
    "list": ([("year", 2020)], "must be a dict"),
    "unknown-field": ({**A, "colour": "red"}, r"not \['colour'\]"),
    "lookup": ({"year__gte": 2000, "kind": "a"}, "exact values"),
    "data": ({**A, "data": b""}, r"not \['data'\]"),
    "partial-key": ({"year": 2020}, r"give the values of \['year', 'kind'\]"),
    "bad-int": ({"year": "twenty", "kind": "a"}, "year"),
    "too-long": ({"year": 2020, "kind": "k" * 101}, "at most 100 characters"),
    "none-value": ({"year": None, "kind": "a"}, "cannot be None"),
}


@pytest.mark.parametrize("case", sorted(BAD_ATTRS))
def test_attributes_that_do_not_identify_one_series_are_refused(stored, case):
    attrs, message = BAD_ATTRS[case]
    with pytest.raises(InvalidAttrsError, match=message):
        YearKindSeries.set_ts(attrs, S([1.0]))
    assert snapshot(YearKindSeries) == stored


def test_attribute_values_are_cleaned_by_their_field(stored):
    with pytest.raises(TimeseriesExistsError):
        YearKindSeries.set_ts({"year": "2020", "kind": "a"}, S([1.0]))
    YearKindSeries.set_ts({"year": "2020", "kind": "a"}, S([9.0]), replace=True)
    assert YearKindSeries.get_ts(A, flat=True).tolist() == [9.0]


def test_a_unique_field_is_a_key_and_other_fields_are_stored_on_the_row(db):
    MeterSeries.set_ts({"meter": "m1"}, S([1.0]))
    assert MeterSeries.objects.get().unit == "kW"
    with pytest.raises(TimeseriesExistsError):
        MeterSeries.set_ts({"meter": "m1", "unit": "MW"}, S([2.0]))
    MeterSeries.set_ts({"meter": "m1", "unit": "MW"}, S([2.0], start="2024-02-01"), update=True)
    row = MeterSeries.objects.get()
    assert row.unit == "MW" and MeterSeries.get_ts({"unit": "MW"}, flat=True).tolist() == [1, 2]
    with pytest.raises(InvalidAttrsError, match=r"give the values of \['meter'\]"):
        MeterSeries.set_ts({"unit": "kW"}, S([1.0]))


def test_a_store_declaring_no_key_is_keyed_by_all_its_fields(db):
    SiteChannelSeries.set_ts({"site": "s", "channel": 1}, S([1.0]))
    SiteChannelSeries.set_ts({"site": "s", "channel": 2}, S([2.0]))
    with pytest.raises(TimeseriesExistsError):
        SiteChannelSeries.set_ts({"site": "s", "channel": 2}, S([3.0]))
    with pytest.raises(InvalidAttrsError, match=r"\['site', 'channel'\]"):
        SiteChannelSeries.set_ts({"site": "s"}, S([3.0]))
    assert [e["channel"] for e in SiteChannelSeries.get_ts({"site": "s"})] == [1, 2]


def test_replace_leaves_one_row_when_an_old_table_held_duplicates(db):
    """Without the unique constraint in the database (a table created elsewhere)."""
    first = SiteChannelSeries.objects.create(
        site="s", channel=1, data=arrow.write_series(S([1.0]), "name")
    )
    SiteChannelSeries.objects.create(site="s", channel=1, data=arrow.write_series(S([2.0]), "name"))
    with pytest.raises(MultipleSeriesError):
        SiteChannelSeries.set_ts({"site": "s", "channel": 1}, S([3.0]), update=True)
    SiteChannelSeries.set_ts({"site": "s", "channel": 1}, S([3.0]), replace=True)
    assert list(SiteChannelSeries.objects.values_list("pk", flat=True)) == [first.pk]
    assert SiteChannelSeries.get_ts({"site": "s"}, flat=True).tolist() == [3.0]


# ---------------------------------------------------------------------- reads
def test_get_ts_filters_with_exact_values_and_lookups(stored):
    YearKindSeries.set_ts({"year": 2021, "kind": "a"}, S([4.0]))
    assert [e["year"] for e in YearKindSeries.get_ts({"kind": "a"})] == [2020, 2021]
    assert [e["kind"] for e in YearKindSeries.get_ts({"year__gte": 2021})] == ["a"]
    assert [e["kind"] for e in YearKindSeries.get_ts({"kind__in": ["b"]})] == ["b"]
    assert len(YearKindSeries.get_ts({})) == 3
    assert YearKindSeries.get_ts({"year": 1999}) == []


def test_get_ts_flat_wants_exactly_one_series(stored):
    with pytest.raises(SeriesNotFoundError, match="no series"):
        YearKindSeries.get_ts({"year": 1999}, flat=True)
    with pytest.raises(MultipleSeriesError, match="several series"):
        YearKindSeries.get_ts({"year": 2020}, flat=True)
    assert issubclass(SeriesNotFoundError, ValueError) and issubclass(
        MultipleSeriesError, ValueError
    )


@pytest.mark.parametrize(
    ("filters", "message"),
    [({"colour": 1}, "unknown fields"), (None, "must be a dict"), ([1], "must be a dict")],
)
def test_get_ts_and_clear_refuse_unknown_fields(stored, filters, message):
    with pytest.raises(InvalidAttrsError, match=message):
        YearKindSeries.get_ts(filters)
    with pytest.raises(InvalidAttrsError, match=message):
        YearKindSeries.clear(filters)
    assert snapshot(YearKindSeries) == stored


def test_a_row_without_data_is_reported(db):
    YearKindSeries.objects.create(**A, data=None)
    with pytest.raises(CorruptBlobError, match="holds no data"):
        YearKindSeries.get_ts(A, flat=True)


def test_decoded_ts_data_leaves_the_instance_alone(stored):
    row = YearKindSeries.objects.get(**A)
    first, second = row.decoded_ts_data, row.decoded_ts_data
    assert set(first) == {"id", "year", "kind", "data"}
    assert first["data"].tolist() == second["data"].tolist() == [1.0, 2.0, 3.0]
    assert isinstance(row.data, bytes | memoryview)
    row.save()  # still savable: 0.6 had put the decoded Series in place of the blob
    assert snapshot(YearKindSeries) == stored


# ---------------------------------------------------------------------- clear
def test_clear_deletes_what_matches(stored):
    YearKindSeries.set_ts({"year": 2021, "kind": "a"}, S([4.0]))
    assert YearKindSeries.clear({"year": 2020}) == 2
    assert [e["year"] for e in YearKindSeries.get_ts({})] == [2021]
    assert YearKindSeries.clear({}) == 1
    assert YearKindSeries.objects.count() == 0
    with pytest.raises(TypeError):
        YearKindSeries.clear()


# ---------------------------------------------------------------------- blobs
def test_encode_serie_writes_the_layout_0_6_reads(db):
    blob = YearKindSeries.encode_serie(S([1.0, 2.0]).iloc[[1, 0]])
    table = feather.read_table(pa.BufferReader(blob))
    assert table.schema.names == ["name", "__index_level_0__"]
    assert blob[:6] == b"ARROW1" and table.column("name").to_pylist() == [1.0, 2.0]
    with pytest.raises(NonNumericError):
        YearKindSeries.encode_serie(S(["x"]))


def test_rows_of_pandas_below_2_2_read_too(db):
    """Their blobs hold the index as a leading column named ``index``."""
    serie = S([1.0, np.nan, 3.5])
    sink = io.BytesIO()
    feather.write_feather(serie.to_frame("name").reset_index(), sink, compression="lz4")
    YearKindSeries.objects.create(**A, data=sink.getvalue())
    got = YearKindSeries.get_ts(A, flat=True)
    assert got.index.name is None
    assert_series(got, serie)


# ---------------------------------------------------------------------- concurrency
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_of_one_new_series_lose_nothing():
    n_threads, per_thread = 6, 4
    barrier = threading.Barrier(n_threads)
    errors = []

    def writer(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                at = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=k * per_thread + i)
                YearKindSeries.set_ts(A, pd.Series([float(k)], index=[at]), update=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = YearKindSeries.get_ts(A, flat=True)
    assert len(got) == n_threads * per_thread
    assert got.tolist() == [float(k) for k in range(n_threads) for _ in range(per_thread)]


# ---------------------------------------------------------------------- properties
ZONES = [None, "UTC", "Europe/Paris", "America/New_York"]


@st.composite
def series(draw) -> pd.Series:
    n = draw(st.integers(1, 40))
    minutes = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    tz = draw(st.sampled_from(ZONES))
    unit = draw(st.sampled_from(["ns", "us"]))
    index = pd.DatetimeIndex(
        pd.Timestamp("2023-01-01") + pd.to_timedelta(minutes, unit="min")
    ).as_unit(unit)
    if tz:
        index = index.tz_localize("UTC").tz_convert(tz)
    kind = draw(st.sampled_from(["float64", "float32", "int64", "bool"]))
    if kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "int64":
        values = draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
    else:
        width = 32 if kind == "float32" else 64
        values = draw(
            st.lists(st.floats(allow_infinity=False, width=width), min_size=n, max_size=n)
        )
        values[0] = 1.0  # not all NaN
    return pd.Series(np.asarray(values, dtype=kind), index=index)


def reference_merge(new: pd.Series, old: pd.Series) -> pd.Series:
    """combine_first, written plainly: new values win, stored ones fill the rest."""
    if str(new.index.tz) != str(old.index.tz):
        new, old = new.tz_convert("UTC"), old.tz_convert("UTC")
    unit = "ns" if "ns" in (new.index.unit, old.index.unit) else "us"
    values = dict(zip(old.index.as_unit(unit), old.astype(float), strict=True))
    for stamp, value in zip(new.index.as_unit(unit), new.astype(float), strict=True):
        if not np.isnan(value) or stamp not in values:
            values[stamp] = value
    index = pd.DatetimeIndex(sorted(values)).as_unit(unit)
    return pd.Series([values[t] for t in index], index=index, dtype=float)


@settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(serie=series(), other=series())
def test_any_series_comes_back_sorted_and_merges_like_combine_first(db, serie, other):
    with rolled_back():
        YearKindSeries.set_ts(A, serie)
        assert_series(YearKindSeries.get_ts(A, flat=True), serie)
        if (other.index.tz is None) == (serie.index.tz is None):
            YearKindSeries.set_ts(A, other, update=True)
            got = YearKindSeries.get_ts(A, flat=True)
            want = reference_merge(other, serie)
            pd.testing.assert_series_equal(
                got.astype(float), want.rename("name"), check_freq=False, check_index_type=True
            )
            if serie.dtype == other.dtype:
                assert got.dtype == serie.dtype
        YearKindSeries.set_ts(A, other, replace=True)
        assert_series(YearKindSeries.get_ts(A, flat=True), other)
