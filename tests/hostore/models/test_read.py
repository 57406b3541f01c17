"""Reading: windows, missing chunks, trimming, many-series reads and read metadata."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from hostore.exceptions import InvalidAttrsError
from tests.testapp.models import (
    AddressKeyStore,
    HourlyStore,
    KeylessStore,
    MinuteStore,
    TypedKeyStore,
    YearlyStore,
    ZstdStore,
)

PARIS = "Europe/Paris"
A1 = {"version": 1, "kind": "a"}


def assert_exact(out, expected):
    pd.testing.assert_series_equal(out, expected, check_freq=True, check_exact=True)


def serie(start, end, freq="1h", tz=PARIS, dtype=float, offset=0.0):
    index = pd.date_range(start, end, freq=freq, tz=tz)
    return pd.Series(np.arange(len(index)).astype(dtype) + offset, index=index)


def paris(text):
    return pd.Timestamp(text, tz=PARIS)


@pytest.fixture
def quarter(db):
    """An hourly series over the first quarter of 2024 (three month chunks)."""
    s = serie("2024-01-01", "2024-03-31 23:00")
    HourlyStore.set_ts(A1, s)
    return s


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        (None, None, "2024-01-01 00:00", "2024-03-31 23:00"),
        (pd.NaT, pd.NaT, "2024-01-01 00:00", "2024-03-31 23:00"),
        ("2024-02-10", "2024-02-12 05:00", "2024-02-10 00:00", "2024-02-12 05:00"),
        ("2024-02-10T00:00+01:00", "2024-02-12T04:00Z", "2024-02-10 00:00", "2024-02-12 05:00"),
        (dt.datetime(2024, 2, 10), dt.datetime(2024, 2, 12, 5), "2024-02-10", "2024-02-12 05:00"),
        (dt.date(2024, 2, 10), dt.date(2024, 2, 12), "2024-02-10 00:00", "2024-02-12 00:00"),
        (
            dt.datetime(2024, 2, 9, 23, tzinfo=dt.timezone.utc),
            dt.datetime(2024, 2, 12, 4, tzinfo=dt.timezone.utc),
            "2024-02-10 00:00",
            "2024-02-12 05:00",
        ),
        (
            pd.Timestamp("2024-02-09 18:00", tz="America/New_York"),
            pd.Timestamp("2024-02-12 09:30", tz="Asia/Kolkata"),
            "2024-02-10 00:00",
            "2024-02-12 05:00",
        ),
        # off-grid bounds: the first slot at/after start, the last at/before end
        ("2024-02-10 00:01", "2024-02-12 05:59:59", "2024-02-10 01:00", "2024-02-12 05:00"),
        # a window across two month chunks
        ("2024-01-31 22:00", "2024-02-01 02:00", "2024-01-31 22:00", "2024-02-01 02:00"),
        # half-open windows, and windows wider than the data
        (None, "2024-01-03", "2024-01-01 00:00", "2024-01-03 00:00"),
        ("2024-03-31 20:00", None, "2024-03-31 20:00", "2024-03-31 23:00"),
        ("2023-06-01", "2025-01-01", "2024-01-01 00:00", "2024-03-31 23:00"),
        # a one-slot window
        ("2024-03-05 07:00", "2024-03-05 07:00", "2024-03-05 07:00", "2024-03-05 07:00"),
    ],
)
def test_window_bounds(quarter, start, end, first, last):
    out = HourlyStore.get_ts(A1, start=start, end=end)
    expected = quarter[paris(first) : paris(last)]
    assert (out.index[0], out.index[-1]) == (paris(first), paris(last))
    assert_exact(out, expected)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-04-01", None),  # after the data
        (None, "2023-12-31 23:00"),  # before the data
        ("2024-02-10 00:01", "2024-02-10 00:59"),  # between two slots
        ("2024-02-12", "2024-02-10"),  # end before start
    ],
)
def test_window_without_values_returns_none(quarter, start, end):
    assert HourlyStore.get_ts(A1, start=start, end=end) is None


def test_windows_over_a_missing_chunk(db):
    january = serie("2024-01-01", "2024-01-31 23:00")
    march = serie("2024-03-01", "2024-03-31 23:00", offset=1000.0)
    HourlyStore.set_ts(A1, pd.concat([january, march]))
    assert list(HourlyStore.objects.values_list("chunk_index", flat=True).order_by("pk")) == [
        2024 * 12,
        2024 * 12 + 2,
    ]
    assert HourlyStore.get_ts(A1, "2024-02-05", "2024-02-20") is None
    assert HourlyStore.get_ts(A1, "2024-02-01", "2024-02-29 23:00") is None
    assert_exact(HourlyStore.get_ts(A1, "2024-02-05", "2024-03-01 01:00"), march[:2])
    assert_exact(HourlyStore.get_ts(A1, "2024-01-31 23:00", "2024-02-10"), january[-1:])
    out = HourlyStore.get_ts(A1, "2024-01-31 23:00", "2024-03-01 00:00")
    assert_exact(out, pd.concat([january[-1:], march[:1]]).asfreq("1h"))
    assert len(out) == 29 * 24 + 2 and out.isna().sum() == 29 * 24


@pytest.mark.parametrize(
    "attrs",
    [{"version": 2, "kind": "a"}, {"version": 1, "kind": "b"}, {"version": 1, "kind": "A"}],
)
def test_unknown_attrs_return_none(quarter, attrs):
    assert HourlyStore.get_ts(attrs) is None
    assert HourlyStore.get_ts(attrs, "2024-01-01", "2024-12-31") is None


@pytest.mark.parametrize(
    "attrs", [{"version": 1}, {}, {"version": 1, "kind": "a", "extra": 2}, {"kind": "a"}]
)
def test_incomplete_or_unknown_attrs_raise(quarter, attrs):
    with pytest.raises(ValueError, match="business keys") as info:
        HourlyStore.get_ts(attrs)
    assert isinstance(info.value, InvalidAttrsError)


def test_leading_and_trailing_nan_are_trimmed(db):
    s = serie("2024-01-30", "2024-02-03 23:00")
    s[:30] = np.nan
    s[-40:] = np.nan
    s["2024-02-01 03:00":"2024-02-01 05:00"] = np.nan  # inner NaN stay
    HourlyStore.set_ts(A1, s)
    expected = s[30:-40]
    assert_exact(HourlyStore.get_ts(A1), expected)
    assert HourlyStore.get_ts(A1).isna().sum() == 3
    # a window whose ends fall on NaN is trimmed too; one inside the inner gap is empty
    assert_exact(
        HourlyStore.get_ts(A1, "2024-01-30", "2024-02-01 04:00"), expected[:"2024-02-01 02:00"]
    )
    assert HourlyStore.get_ts(A1, "2024-02-01 03:00", "2024-02-01 05:00") is None


def test_read_issues_one_query(quarter):
    for window in [(None, None), ("2024-02-10", "2024-03-02"), ("2025-01-01", None)]:
        with CaptureQueriesContext(connection) as ctx:
            HourlyStore.get_ts(A1, *window)
        assert len(ctx.captured_queries) == 1, window


# ---------------------------------------------------------------------- many series
@pytest.fixture
def several(db):
    """Five hourly series of HourlyStore; (2, 'b') has gaps of months and of years."""
    data = {
        (1, "a"): serie("2024-01-01", "2024-01-05 23:00"),
        (1, "b"): serie("2024-01-03", "2024-02-02 12:00", offset=100.0),
        (1, "c"): serie("2023-12-31 20:00", "2024-01-01 03:00", dtype=np.float32),
        (2, "a"): serie("2024-01-02", "2024-01-02 05:00", offset=-7.0),
        (2, "b"): pd.concat(
            [
                serie("2021-11-30 22:00", "2021-12-01 01:00"),
                serie("2022-03-15", "2022-03-15 02:00", offset=10.0),
                serie("2024-07-01", "2024-07-01 01:00", offset=20.0),
            ]
        ),
    }
    HourlyStore.set_many_ts(data, keys=("version", "kind"))
    return data


def expected_of(s, start=None, end=None):
    """A stored series as the store returns it: on the full grid, windowed and trimmed."""
    s = s.asfreq("1h")
    s = s[(s.index >= paris(start)) if start else slice(None)]
    s = s[(s.index <= paris(end)) if end else slice(None)]
    return None if s.dropna().empty else s[s.first_valid_index() : s.last_valid_index()]


@pytest.mark.parametrize(
    ("filters", "keys"),
    [
        (None, [(1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b")]),
        ({}, [(1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b")]),
        ({"version": 1}, [(1, "a"), (1, "b"), (1, "c")]),
        ({"kind": "b"}, [(1, "b"), (2, "b")]),
        ({"version": 2, "kind": "a"}, [(2, "a")]),
        ({"version": 3}, []),
    ],
)
@pytest.mark.parametrize(
    "window", [(None, None), ("2024-01-02 02:00", "2024-01-03 12:00"), ("2021-12-01", "2022-06")]
)
def test_yield_many_ts(several, filters, keys, window):
    got = {}
    for s, attrs in HourlyStore.yield_many_ts(filters, *window):
        got[(attrs["version"], attrs["kind"])] = s
        assert set(attrs) == {"version", "kind"}
    expected = {k: expected_of(several[k], *window) for k in keys}
    expected = {k: v for k, v in expected.items() if v is not None}
    assert sorted(got) == sorted(expected)
    for k, s in got.items():
        assert_exact(s, expected[k])


def test_series_with_gaps_of_months_and_years(several):
    gappy = several[(2, "b")]
    out = HourlyStore.get_ts({"version": 2, "kind": "b"})
    assert_exact(out, gappy.asfreq("1h"))
    assert out.count() == len(gappy)
    assert (
        HourlyStore.objects.filter(version=2, kind="b").count() == 4
    )  # 2021-11/12, 2022-03, 2024-07
    [(s, _)] = HourlyStore.yield_many_ts({"version": 2, "kind": "b"})
    assert_exact(s, out)
    column = HourlyStore.get_many_ts({"version": 2, "kind": "b"})[(2, "b")]
    assert_exact(column.rename(None), out)


@pytest.mark.parametrize("filters", [{"meter": "x"}, {"version": 1, "kind__in": ["a"]}])
def test_unknown_filter_key_raises(several, filters):
    with pytest.raises(ValueError, match="business keys") as info:
        list(HourlyStore.yield_many_ts(filters))
    assert isinstance(info.value, InvalidAttrsError)
    with pytest.raises(InvalidAttrsError):
        HourlyStore.get_many_ts(filters)
    with pytest.raises(InvalidAttrsError):
        HourlyStore.get_max_horodate(filters)


@override_settings(HOSTORE={"READ_CHUNK_SIZE": 2})
def test_yield_many_ts_streams(several):
    with CaptureQueriesContext(connection) as ctx:
        stream = HourlyStore.yield_many_ts({"version": 1})
        assert isinstance(stream, Iterator)
        assert len(ctx.captured_queries) == 0  # nothing is read before the first item
        first, attrs = next(stream)
    assert attrs == {"version": 1, "kind": "a"}
    assert_exact(first, several[(1, "a")])
    rest = {a["kind"]: s for s, a in stream}  # rows come 2 at a time: series span fetches
    assert sorted(rest) == ["b", "c"]
    assert_exact(rest["b"], several[(1, "b")])
    assert_exact(rest["c"], several[(1, "c")])


def test_get_many_ts_two_keys(several):
    frame = HourlyStore.get_many_ts({"version": 1})
    assert isinstance(frame.columns, pd.MultiIndex)
    assert frame.columns.names == ["version", "kind"]
    assert list(frame.columns) == [(1, "a"), (1, "b"), (1, "c")]
    index = pd.date_range("2023-12-31 20:00", "2024-02-02 12:00", freq="1h", tz=PARIS)
    pd.testing.assert_index_equal(frame.index, index)
    assert frame.index.freq == index.freq and frame.shape == (len(index), 3)
    assert frame.dtypes.tolist() == [np.float64] * 3
    for key in frame.columns:
        expected = several[key].astype(float).reindex(index)
        np.testing.assert_array_equal(frame[key].to_numpy(), expected.to_numpy())
    assert frame[(1, "c")].count() == 8 and frame[(1, "a")].isna().sum() == len(index) - 5 * 24


def test_get_many_ts_window_and_one_key(db):
    meters = {
        "m1": serie("2023-12-31", "2024-01-02", freq="30min"),
        "m2": serie("2024-01-01 12:00", "2024-01-03", freq="30min", offset=0.25),
    }
    YearlyStore.set_many_ts(meters, keys=["meter"])
    frame = YearlyStore.get_many_ts(start="2024-01-01 06:00", end="2024-01-02 06:00")
    assert type(frame.columns) is pd.Index
    assert frame.columns.name == "meter" and list(frame.columns) == ["m1", "m2"]
    index = pd.date_range("2024-01-01 06:00", "2024-01-02 06:00", freq="30min", tz=PARIS)
    expected = pd.DataFrame({k: v.reindex(index) for k, v in meters.items()}, index=index)
    expected.columns.name = "meter"
    pd.testing.assert_frame_equal(frame, expected, check_freq=True)
    assert frame.index.freq == pd.tseries.frequencies.to_offset("30min")


@pytest.mark.parametrize("model", [HourlyStore, YearlyStore])
def test_get_many_ts_empty(db, model):
    frame = model.get_many_ts()
    assert frame.shape == (0, 0)
    assert isinstance(frame.index, pd.DatetimeIndex) and str(frame.index.tz) == PARIS
    assert list(frame.columns.names) == list(model._hostore.keys)


# ---------------------------------------------------------------------- metadata
def test_get_max_horodate(several):
    assert HourlyStore.get_max_horodate() == paris("2024-07-01 01:00")
    assert HourlyStore.get_max_horodate({"version": 1}) == paris("2024-02-02 12:00")
    assert HourlyStore.get_max_horodate({"version": 1, "kind": "a"}) == paris("2024-01-05 23:00")
    assert HourlyStore.get_max_horodate({"kind": "c"}) == paris("2024-01-01 03:00")
    assert HourlyStore.get_max_horodate({"version": 3}) is None
    HourlyStore.objects.filter(version=2, kind="b", chunk_index=2024 * 12 + 6).delete()
    assert HourlyStore.get_max_horodate() == paris("2024-02-02 12:00")
    HourlyStore.objects.filter(kind="b").delete()
    assert HourlyStore.get_max_horodate() == paris("2024-01-05 23:00")
    assert HourlyStore.get_max_horodate({"kind": "b"}) is None
    HourlyStore.objects.all().delete()
    assert HourlyStore.get_max_horodate() is None
    assert HourlyStore.objects.count() > 0  # tombstones are there, and ignored


def test_get_max_horodate_ignores_trailing_nan_and_empty(db):
    assert HourlyStore.get_max_horodate() is None
    s = serie("2024-05-01", "2024-05-31 23:00")
    s["2024-05-20 10:00":] = np.nan
    HourlyStore.set_ts(A1, s)
    HourlyStore.set_ts({"version": 1, "kind": "b"}, serie("2024-05-03", "2024-05-20 09:00"))
    assert HourlyStore.get_max_horodate() == paris("2024-05-20 09:00")
    assert str(HourlyStore.get_max_horodate().tz) == PARIS


def test_last_updated_at(db):
    assert HourlyStore.last_updated_at() is None
    t0 = timezone.now()
    HourlyStore.set_ts(A1, serie("2024-01-01", "2024-02-10"))
    written = HourlyStore.last_updated_at()
    assert written >= t0
    assert HourlyStore.last_updated_at({"kind": "a"}) == written
    assert HourlyStore.last_updated_at({"kind": "b"}) is None

    t1 = timezone.now()
    HourlyStore.set_ts({"version": 1, "kind": "b"}, serie("2024-01-01", "2024-01-02"))
    assert HourlyStore.last_updated_at() >= t1 >= written
    assert HourlyStore.last_updated_at({"kind": "a"}) == written  # other series untouched

    t2 = timezone.now()
    HourlyStore.objects.filter(kind="a", chunk_index=2024 * 12 + 1).delete()
    deleted = HourlyStore.last_updated_at({"kind": "a"})
    assert deleted >= t2 >= written
    t3 = timezone.now()
    HourlyStore.set_ts(A1, serie("2024-03-01", "2024-03-02"), update=True)
    assert HourlyStore.last_updated_at({"kind": "a"}) >= t3 >= deleted


# ---------------------------------------------------------------------- dtypes and stores
@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (np.array([1.5, np.nan, 2.5, 3.0], dtype=np.float32), np.float32),
        (np.array([1.5, np.nan, 2.5, 3.0]), np.float64),
        (np.array([1, 0, -7, 2**40]), np.float64),
        (np.array([3, 1, 2, 0], dtype=np.int8), np.float64),
        (np.array([True, False, False, True]), np.float64),
        (pd.array([1, None, 3, 4], dtype="Int64"), np.float64),
    ],
)
def test_value_dtypes(db, values, dtype):
    index = pd.date_range("2024-06-30 22:00", periods=4, freq="1h", tz=PARIS)
    HourlyStore.set_ts(A1, pd.Series(values, index=index))
    out = HourlyStore.get_ts(A1)
    assert out.dtype == dtype
    expected = pd.Series(values, index=index).astype(dtype)
    assert_exact(out, expected)


def test_float32_chunks_stay_float32_in_many_reads(db):
    s = serie("2024-01-31 20:00", "2024-02-01 03:00", dtype=np.float32, offset=0.1)
    HourlyStore.set_ts(A1, s)
    assert set(HourlyStore.objects.values_list("dtype", flat=True)) == {"float32"}
    [(out, _)] = HourlyStore.yield_many_ts()
    assert_exact(out, s)
    assert HourlyStore.get_many_ts().dtypes.tolist() == [np.float32]


def test_keyless_store(db):
    s = serie("2024-02-28 23:00", "2024-03-01 01:00", freq="15min")
    KeylessStore.set_ts({}, s)
    assert_exact(KeylessStore.get_ts({}), s)
    assert_exact(KeylessStore.get_ts({}, "2024-03-01", None), s["2024-03-01":])
    [(out, attrs)] = KeylessStore.yield_many_ts()
    assert attrs == {}
    assert_exact(out, s)
    assert KeylessStore.get_max_horodate() == paris("2024-03-01 01:00")
    with pytest.raises(InvalidAttrsError):
        KeylessStore.get_ts({"name": "x"})


def test_keyless_store_get_many_ts(db):
    s = serie("2024-02-28 23:00", "2024-03-01 01:00", freq="15min")
    assert KeylessStore.get_many_ts().shape == (0, 0)
    KeylessStore.set_ts({}, s)
    frame = KeylessStore.get_many_ts()
    assert frame.shape == (len(s), 1) and list(frame.columns) == [0]
    np.testing.assert_array_equal(frame.iloc[:, 0].to_numpy(), s.to_numpy())
    pd.testing.assert_index_equal(frame.index, s.index)


def test_zstd_store_round_trip(db):
    s = serie("2023-12-15", "2024-02-15", freq="30min", offset=0.3)
    s[3::7] = np.nan  # inner NaN only
    ZstdStore.set_ts({"meter": "z"}, s)
    assert_exact(ZstdStore.get_ts({"meter": "z"}), s)
    assert_exact(
        ZstdStore.get_ts({"meter": "z"}, "2024-01-01", "2024-01-31 23:30"),
        s["2024-01-01":"2024-01-31"],
    )


def test_minute_store_round_trip_of_a_month(db):
    s = serie("2024-02-01", "2024-02-29 23:59", freq="1min", tz="UTC", offset=0.5)
    assert len(s) == 29 * 24 * 60
    MinuteStore.set_ts({"meter": "m"}, s)
    out = MinuteStore.get_ts({"meter": "m"})
    assert_exact(out, s)
    assert str(out.index.tz) == "UTC"
    [(ci, start)] = MinuteStore.objects.values_list("chunk_index", "start_ts")
    assert ci == 2024 * 12 + 1 and start == dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("window", [{}, {"start": "2024-01-05 02:00", "end": "2024-01-05 05:00"}])
def test_returned_series_can_be_modified(db, window):
    """One-chunk reads hand out the decoded array itself: it must be writable."""
    idx = pd.date_range("2024-01-05", periods=10, freq="h", tz="Europe/Paris")
    HourlyStore.set_ts({"version": 1, "kind": "a"}, pd.Series(np.arange(10.0), index=idx))
    got = HourlyStore.get_ts({"version": 1, "kind": "a"}, **window)
    streamed = next(HourlyStore.yield_many_ts())[0]
    for serie in (got, streamed):
        serie.iloc[0] = 42.0
        serie *= 2
        assert serie.iloc[0] == 84.0


def test_keys_of_every_type_come_back_as_written(db):
    """Dates, UUIDs, datetimes and decimals as keys: PostgreSQL reads fetch them in the
    binary result format, and they must not change type or zone on the way back."""
    keys = ("day", "uid", "at", "ratio")
    series = {}
    for i in range(3):
        key = (
            dt.date(2024, 1, 1 + i),
            uuid.UUID(int=i + 1),
            dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc) + dt.timedelta(hours=i),
            decimal.Decimal(f"{i}.25"),
        )
        series[key] = serie("2024-01-30", "2024-02-02", tz="UTC", offset=i)
    TypedKeyStore.set_many_ts(series, keys=keys)

    seen = {}
    for out, attrs in TypedKeyStore.yield_many_ts():
        key = tuple(attrs[k] for k in keys)
        assert [type(v) for v in key] == [type(v) for v in next(iter(series))]
        seen[key] = out
    assert seen.keys() == series.keys()
    for key, expected in series.items():
        assert_exact(seen[key], expected)
        attrs = dict(zip(keys, key, strict=True))
        assert_exact(TypedKeyStore.get_ts(attrs), expected)
        window = TypedKeyStore.get_ts(attrs, "2024-02-01", "2024-02-01 05:00")
        assert_exact(window, expected["2024-02-01":"2024-02-01 05:00"])
    frame = TypedKeyStore.get_many_ts({"day": dt.date(2024, 1, 2)})
    assert list(frame.columns) == [list(series)[1]]
    assert frame.iloc[:, 0].dropna().equals(series[list(series)[1]].astype(float))


def test_keys_read_as_text_come_back_as_written(db):
    """An IP address key: Django loads inet columns as strings, so the reads of such a
    store use the text result format (binary results would give ipaddress objects)."""
    series = {("10.0.0.1",): serie("2024-01-01", "2024-01-02", tz="UTC")}
    series[("2001:db8::1",)] = serie("2024-03-01", "2024-03-02", tz="UTC", offset=5)
    AddressKeyStore.set_many_ts(series, keys=("ip",))
    seen = {attrs["ip"]: out for out, attrs in AddressKeyStore.yield_many_ts()}
    assert {type(ip) for ip in seen} == {str}
    assert seen.keys() == {"10.0.0.1", "2001:db8::1"}
    for (ip,), expected in series.items():
        assert_exact(seen[ip], expected)
        assert_exact(AddressKeyStore.get_ts({"ip": ip}), expected)


def test_reads_survive_a_reconnection(transactional_db):
    """PostgreSQL reads keep a cursor on the connection: it must follow reconnections."""
    HourlyStore.set_ts(A1, serie("2024-02-01", "2024-02-03"))
    first = HourlyStore.get_ts(A1, "2024-02-01", "2024-02-01 05:00")
    assert first.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    connection.close()
    assert_exact(HourlyStore.get_ts(A1, "2024-02-01", "2024-02-01 05:00"), first)
    # an error on the connection in between
    with pytest.raises(Exception, match="hostore_no_such_table"), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM hostore_no_such_table")
    assert_exact(HourlyStore.get_ts(A1, "2024-02-01", "2024-02-01 05:00"), first)


def test_a_user_changing_one_result_changes_no_other(db):
    """Reads of the same range share a cached index: clearing the freq or setting the name
    of one result's index must not reach the next result (pandas 2 keeps freq on an array
    that index views would share)."""
    for version in (1, 2):
        HourlyStore.set_ts({"version": version, "kind": "a"}, serie("2024-01-20", "2024-02-10"))
    first = HourlyStore.get_ts({"version": 1, "kind": "a"})
    first.index.freq = None
    first.index.name = "renamed"
    second = HourlyStore.get_ts({"version": 2, "kind": "a"})
    assert second.index.freq == pd.Timedelta("1h") and second.index.name is None
    frame = HourlyStore.get_many_ts({"kind": "a"})
    assert frame.index.freq == pd.Timedelta("1h")


def test_datetime_keys_come_back_as_the_orm_gives_them_without_use_tz(transactional_db):
    """With USE_TZ=False Django loads timestamptz columns as naive datetimes (a text-format
    loader on PostgreSQL): streamed keys must be those same values, not aware ones."""
    keys = ("day", "uid", "at", "ratio")
    at = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc)
    key = (dt.date(2024, 1, 1), uuid.UUID(int=1), at, decimal.Decimal("1.25"))
    TypedKeyStore.set_many_ts({key: serie("2024-01-01", "2024-01-01 02:00", tz="UTC")}, keys=keys)
    try:
        with override_settings(USE_TZ=False):
            connection.close()
            from_orm = TypedKeyStore.objects.values_list("at", flat=True).first()
            streamed = [attrs["at"] for _, attrs in TypedKeyStore.yield_many_ts()]
    finally:
        connection.close()
    assert streamed == [from_orm]
    assert streamed[0].tzinfo is None


@pytest.mark.postgres
def test_a_connection_shared_between_threads_keeps_no_read_cursor(db):
    """One kept cursor cannot serve two threads at once: a connection shared between
    threads (as Django's live server tests do) gets a new cursor for every read."""
    from hostore.models._driver import read_cursor

    connection.ensure_connection()
    kept = read_cursor(connection, reuse=True)
    assert read_cursor(connection, reuse=True) is kept
    assert read_cursor(connection, reuse=False) is not kept
    connection.inc_thread_sharing()
    try:
        shared = [read_cursor(connection, reuse=True) for _ in range(2)]
        assert kept not in shared and shared[0] is not shared[1]
        HourlyStore.set_ts(A1, serie("2024-01-01", "2024-01-02"))
        assert HourlyStore.get_ts(A1).tolist() == list(range(25))
    finally:
        connection.dec_thread_sharing()


def test_reads_go_through_the_users_execute_wrappers(quarter):
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        got = HourlyStore.get_ts(A1, "2024-02-01", "2024-02-01 05:00")
        frames = list(HourlyStore.yield_many_ts({"kind": "a"}))
    assert len(got) == 6 and len(frames) == 1
    assert sum("chunk_index" in sql for sql in seen) >= 2


def test_a_read_in_a_broken_transaction_raises_djangos_error(quarter):
    """Once Django knows a transaction must roll back, reads refuse to run, as its own
    cursors do (not with whatever the database would say)."""
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            HourlyStore.get_ts(A1)
        with pytest.raises(TransactionManagementError):
            next(HourlyStore.yield_many_ts())


def test_delta_reads_share_no_buffer(db, monkeypatch):
    """The delta codec decodes a series' chunks into one buffer that the read hands out
    without a copy: each read has its own, writable, and the values are exact."""
    import dataclasses

    monkeypatch.setattr(
        HourlyStore, "_hostore", dataclasses.replace(HourlyStore._hostore, codec_id="delta")
    )
    index = pd.date_range("2024-01-20", "2024-04-10", freq="1h", tz=PARIS)
    watts = np.round(500 + 300 * np.sin(np.arange(len(index)) / 7.6)) + 0.25
    s = pd.Series(watts, index=index)
    s.iloc[30:40] = np.nan
    HourlyStore.set_ts(A1, s)
    blobs = [bytes(b) for b in HourlyStore.objects.values_list("data", flat=True)]
    # delta blobs of offsets from the chunk minimum: decoded together into one buffer
    # (codec byte 0x82: delta with checksum, the mode after the 8-byte checksum)
    assert len(blobs) == 4 and all(b[:4] == b"HCS\x82" and b[12] == 2 for b in blobs)
    first, second = HourlyStore.get_ts(A1), HourlyStore.get_ts(A1)
    [(streamed, _)] = HourlyStore.yield_many_ts()
    for got in (first, second, streamed):
        assert_exact(got, s.asfreq("1h"))
    first.iloc[:] = -1.0
    streamed.iloc[:] = -2.0
    assert_exact(second, s.asfreq("1h"))
