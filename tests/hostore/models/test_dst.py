"""DST changes and local-time chunk boundaries: exact round trips and the rows written."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hostore import codecs
from hostore.exceptions import AmbiguousTimeError
from tests.conftest import snapshot
from tests.testapp.models import MATRIX, MATRIX_FREQS

PARIS = "Europe/Paris"
FREQS = list(MATRIX_FREQS.values())
AXES = ["year", "month"]
ATTRS = {"name": "m1"}
# Windows around the 2024 DST changes of Paris (March 31 02:00 -> 03:00, October 27 03:00 ->
# 02:00), each also crossing a month boundary, plus the year boundary.
WINDOWS = {
    "march": ("2024-03-29", "2024-04-02 23:59"),
    "october": ("2024-10-25", "2024-11-02 23:59"),
    "new_year": ("2023-12-30", "2024-01-02 23:59"),
}


def local_series(tz, freq, start, end, dtype=float):
    index = pd.date_range(start, end, freq=freq, tz=tz)
    return pd.Series(np.arange(len(index), dtype=dtype) + 0.5, index=index)


def assert_exact(out, expected, check_freq=True):
    pd.testing.assert_series_equal(out, expected, check_freq=check_freq, check_exact=True)


def rows(model):
    """``(chunk_index, start_ts as UTC Timestamp, number of slots)`` of the live chunks."""
    return [
        (ci, pd.Timestamp(start).tz_convert("UTC"), len(codecs.decode(data, dtype)))
        for ci, start, dtype, data in model.objects.filter(is_deleted=False)
        .order_by("chunk_index")
        .values_list("chunk_index", "start_ts", "dtype", "data")
    ]


def utc(text):
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("window", list(WINDOWS))
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("freq", FREQS)
def test_round_trip_across_dst_in_paris(db, freq, axis, window):
    model = MATRIX[(PARIS, freq, axis)]
    serie = local_series(PARIS, freq, *WINDOWS[window])
    model.set_ts(ATTRS, serie)
    out = model.get_ts(ATTRS)
    assert_exact(out, serie)
    assert str(out.index.tz) == PARIS
    assert out.index.freq == pd.tseries.frequencies.to_offset(freq)


@pytest.mark.parametrize("zone", ["UTC", PARIS, "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("freq", FREQS)
def test_series_in_any_zone_lands_the_same(db, freq, axis, zone):
    model = MATRIX[(PARIS, freq, axis)]
    reference = local_series(PARIS, freq, "2024-03-30", "2024-04-01 12:00")
    reference = pd.concat([reference, local_series(PARIS, freq, "2024-10-26", "2024-10-28")])
    model.set_ts(ATTRS, reference.tz_convert(zone))
    written = rows(model)
    assert_exact(model.get_ts(ATTRS).dropna(), reference, check_freq=False)

    model.objects.all().delete(hard_delete=True)
    model.set_ts(ATTRS, reference)
    assert rows(model) == written


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("freq", FREQS)
def test_naive_timestamps_are_paris_wall_time(db, freq, axis):
    model = MATRIX[(PARIS, freq, axis)]
    serie = local_series(PARIS, freq, "2024-03-30", "2024-04-01 23:59")
    naive = serie.copy()
    naive.index = serie.index.tz_localize(None)  # 02:00-02:59 on March 31 does not appear
    model.set_ts(ATTRS, naive)
    assert_exact(model.get_ts(ATTRS), serie)


@pytest.mark.parametrize(
    ("stamp", "flags"),
    [
        ("2024-10-27 02:30", {}),  # ambiguous: 02:30 happens twice
        ("2024-03-31 02:30", {}),  # non-existent: the clock jumps from 02:00 to 03:00
        ("2024-10-27 02:30", {"update": True}),
        ("2024-03-31 02:30", {"replace": True}),
    ],
)
def test_naive_dst_times_raise_and_write_nothing(db, stamp, flags):
    model = MATRIX[(PARIS, "30min", "month")]
    model.set_ts({"name": "other"}, local_series(PARIS, "30min", "2024-03-01", "2024-03-02"))
    model.set_ts(ATTRS, local_series(PARIS, "30min", "2024-05-01", "2024-05-02"))
    before = snapshot(model)
    naive = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2024-01-05", stamp, "2024-12-01"]))
    with pytest.raises(ValueError, match="ambiguous or do not exist") as info:
        model.set_ts(ATTRS, naive, **flags)
    assert isinstance(info.value, AmbiguousTimeError)
    assert snapshot(model) == before


@pytest.mark.parametrize(
    ("freq", "axis", "stamp", "chunk", "start_ts"),
    [
        # 23:30 on March 31 in Paris is 21:30 UTC: the March chunk
        ("30min", "month", "2024-03-31 23:30", 2024 * 12 + 2, "2024-02-29 23:00"),
        # midnight April 1 in Paris is still March 31 in UTC: the April chunk, which starts
        # at 22:00 UTC (summer time)
        ("30min", "month", "2024-04-01 00:00", 2024 * 12 + 3, "2024-03-31 22:00"),
        ("1h", "month", "2024-10-31 23:00", 2024 * 12 + 9, "2024-09-30 22:00"),
        ("1h", "month", "2024-11-01 00:00", 2024 * 12 + 10, "2024-10-31 23:00"),
        # New Year in Paris is 23:00 UTC on December 31: the 2024 chunk
        ("1h", "year", "2024-01-01 00:00", 2024, "2023-12-31 23:00"),
        ("15min", "year", "2023-12-31 23:45", 2023, "2022-12-31 23:00"),
        ("1D", "year", "2024-01-01", 2024, "2023-12-31 23:00"),
        ("1D", "month", "2024-03-31", 2024 * 12 + 2, "2024-02-29 23:00"),
        ("1D", "month", "2024-04-01", 2024 * 12 + 3, "2024-03-31 22:00"),
    ],
)
def test_chunk_boundaries_are_local_midnights(db, freq, axis, stamp, chunk, start_ts):
    model = MATRIX[(PARIS, freq, axis)]
    when = pd.Timestamp(stamp, tz=PARIS)
    serie = pd.Series([7.0], index=pd.DatetimeIndex([when.tz_convert("UTC")]))
    model.set_ts(ATTRS, serie)
    [(ci, start, _)] = rows(model)
    assert (ci, start) == (chunk, utc(start_ts))
    assert model.get_ts(ATTRS).index[0] == when


@pytest.mark.parametrize(
    ("freq", "chunk", "slots"),
    [
        ("1h", 2024 * 12 + 2, 31 * 24 - 1),  # March loses an hour
        ("1h", 2024 * 12 + 9, 31 * 24 + 1),  # October gains one
        ("15min", 2024 * 12 + 2, (31 * 24 - 1) * 4),
        ("15min", 2024 * 12 + 9, (31 * 24 + 1) * 4),
        ("1D", 2024 * 12 + 2, 31),
        ("1D", 2024 * 12 + 9, 31),
    ],
)
def test_dst_months_have_the_local_number_of_slots(db, freq, chunk, slots):
    model = MATRIX[(PARIS, freq, "month")]
    month = pd.Period(year=chunk // 12, month=chunk % 12 + 1, freq="M")
    serie = local_series(PARIS, freq, month.start_time, month.end_time)
    assert len(serie) == slots
    model.set_ts(ATTRS, serie)
    [(ci, _, length)] = rows(model)
    assert (ci, length) == (chunk, slots)
    assert_exact(model.get_ts(ATTRS), serie)


@pytest.mark.parametrize("key", sorted(MATRIX), ids="-".join)
def test_a_local_calendar_year_fills_its_own_chunks(db, key):
    """Every zone/step/axis: 2024 in local time is exactly the 2024 chunk(s), and back."""
    tz, freq, axis = key
    model = MATRIX[key]
    serie = local_series(tz, freq, "2024-01-01", "2024-12-31 23:59", dtype=np.float32)
    model.set_ts(ATTRS, serie)
    assert_exact(model.get_ts(ATTRS), serie)
    written = rows(model)
    if axis == "year":
        periods = [pd.Timestamp("2024-01-01")]
        chunks = [2024]
    else:
        periods = list(pd.date_range("2024-01-01", periods=12, freq="MS"))
        chunks = [2024 * 12 + m for m in range(12)]
    starts = [p.tz_localize(tz).tz_convert("UTC") for p in periods]
    assert [(ci, start) for ci, start, _ in written] == list(zip(chunks, starts, strict=True))
    assert sum(length for _, _, length in written) == len(serie)


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        # naive ambiguous bounds widen the window: the first 02:00 for start, the second for end
        (
            "2024-10-27 02:00",
            "2024-10-27 02:30",
            "2024-10-27 02:00+02:00",
            "2024-10-27 02:30+01:00",
        ),
        # naive non-existent bounds move to the first instant after the gap
        (
            "2024-03-31 02:30",
            "2024-03-31 03:30",
            "2024-03-31 03:00+02:00",
            "2024-03-31 03:30+02:00",
        ),
        # aware bounds in UTC select the absolute instants
        (
            utc("2024-10-27 00:30"),
            utc("2024-10-27 01:00"),
            "2024-10-27 02:30+02:00",
            "2024-10-27 02:00+01:00",
        ),
    ],
)
def test_window_bounds_across_dst(db, start, end, first, last):
    model = MATRIX[(PARIS, "30min", "month")]
    serie = local_series(PARIS, "30min", "2024-03-30", "2024-04-01")
    serie = pd.concat([serie, local_series(PARIS, "30min", "2024-10-26", "2024-10-28")])
    model.set_ts(ATTRS, serie)
    out = model.get_ts(ATTRS, start=start, end=end)
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    assert_exact(out, serie[(serie.index >= first) & (serie.index <= last)].asfreq("30min"))
    assert (out.index[0], out.index[-1]) == (first, last)


def test_day_store_counts_local_days_not_24_hours(db):
    model = MATRIX[(PARIS, "1D", "year")]
    utc_midnights = pd.date_range("2024-03-30", "2024-04-02", freq="1D", tz="UTC")
    with pytest.raises(ValueError, match="not on the store's grid"):
        model.set_ts(ATTRS, pd.Series(1.0, index=utc_midnights))
    assert snapshot(model) == []
    # local midnights of March 31 (winter time), April 1 and April 2 (summer time)
    stamps = ["2024-03-30 23:00", "2024-03-31 22:00", dt.datetime(2024, 4, 1, 22)]
    serie = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(stamps, tz="UTC"))
    model.set_ts(ATTRS, serie)
    out = model.get_ts(ATTRS)
    assert list(out.index) == list(pd.date_range("2024-03-31", periods=3, freq="1D", tz=PARIS))
    assert out.tolist() == [1.0, 2.0, 3.0]
