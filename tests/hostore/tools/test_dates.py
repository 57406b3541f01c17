"""Local dates in a named zone with zoneinfo, as 0.5/0.6's pytz-based ``_localise_*`` helpers
(instants and offsets compared with 0.6.7 itself in ``tests/compat/test_helpers_06.py``)."""

from __future__ import annotations

import datetime as dt
import os
import time
import zoneinfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore.exceptions import TimezoneAwarenessError
from hostore.tools import (
    TZ_PARIS,
    localise_date,
    localise_date_interval,
    localise_datetime,
    localised_now,
    tz_convert_datetime,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HOUR = dt.timedelta(hours=1)


def offset_of(value) -> dt.timedelta:
    return value.utcoffset()


def test_default_zone_is_paris_and_tzinfo_is_zoneinfo():
    got = localise_date(dt.date(2024, 7, 1))
    assert TZ_PARIS == "Europe/Paris"
    assert type(got) is dt.datetime and got.tzinfo == PARIS
    assert got.isoformat() == "2024-07-01T00:00:00+02:00"


def test_localise_date_uses_only_the_date_of_a_datetime():
    got = localise_date(pd.Timestamp("2024-07-01 13:00"), dt.time(6))
    assert type(got) is dt.datetime and got.isoformat() == "2024-07-01T06:00:00+02:00"
    aware = dt.datetime(2024, 7, 1, 23, tzinfo=dt.timezone.utc)
    assert localise_date(aware).isoformat() == "2024-07-01T00:00:00+02:00"


def test_localise_date_without_zone_is_naive():
    assert localise_date(dt.date(2024, 7, 1), timezone_name=None) == dt.datetime(2024, 7, 1)


def test_localise_date_refuses_an_aware_time():
    with pytest.raises(TimezoneAwarenessError) as info:
        localise_date(dt.date(2024, 7, 1), dt.time(1, tzinfo=dt.timezone.utc))
    assert isinstance(info.value, ValueError)  # 0.5/0.6 raised ValueError


@pytest.mark.parametrize(
    ("zone", "day", "clock", "iso"),
    [
        ("Europe/Paris", "2024-03-31", "02:30", "2024-03-31T02:30:00+01:00"),  # skipped
        ("Europe/Paris", "2024-10-27", "02:30", "2024-10-27T02:30:00+01:00"),  # repeated
        ("America/New_York", "2024-11-03", "01:30", "2024-11-03T01:30:00-05:00"),
        ("Australia/Sydney", "2024-04-07", "02:30", "2024-04-07T02:30:00+10:00"),
        ("Europe/Dublin", "2024-10-27", "01:30", "2024-10-27T01:30:00+01:00"),  # negative DST
        ("Australia/Lord_Howe", "2024-04-07", "01:45", "2024-04-07T01:45:00+10:30"),
    ],
)
def test_datetimes_take_standard_time_on_dst_changes(zone, day, clock, iso):
    wall = dt.datetime.fromisoformat(f"{day}T{clock}")
    assert localise_date(wall.date(), wall.time(), zone).isoformat() == iso
    assert localise_datetime(wall, zone).isoformat() == iso


@pytest.mark.parametrize(
    ("zone", "wall", "iso"),
    [
        ("Europe/Paris", "2024-10-27 02:30", "2024-10-27T02:30:00+02:00"),  # first occurrence
        ("Europe/Paris", "2024-03-31 02:30", "2024-03-31T03:30:00+02:00"),  # moved by the gap
        ("Europe/Dublin", "2024-10-27 01:30", "2024-10-27T01:30:00+00:00"),
        ("Australia/Lord_Howe", "2024-10-06 02:15", "2024-10-06T02:45:00+11:00"),
    ],
)
def test_timestamps_take_summer_time_on_dst_changes(zone, wall, iso):
    got = localise_datetime(pd.Timestamp(wall), zone)
    assert isinstance(got, pd.Timestamp) and got.isoformat() == iso


def test_timestamps_keep_nanoseconds():
    got = localise_datetime(pd.Timestamp("2024-07-01 12:00:00.000000001"))
    assert got.isoformat() == "2024-07-01T12:00:00.000000001+02:00"


@pytest.mark.parametrize(
    "value", [dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc), pd.Timestamp("2024-07-01", tz="UTC")]
)
def test_localise_datetime_refuses_aware_values(value):
    with pytest.raises(TimezoneAwarenessError, match="needs a naive datetime"):
        localise_datetime(value)


def test_unknown_zone_names_raise_key_errors():
    for call in (
        lambda: localise_date(dt.date(2024, 1, 1), timezone_name="Mars/Base"),
        lambda: localise_datetime(dt.datetime(2024, 1, 1), None),
        lambda: localised_now(None),
    ):
        with pytest.raises(zoneinfo.ZoneInfoNotFoundError) as info:
            call()
        assert isinstance(info.value, KeyError)


def test_interval_runs_from_midnight_to_the_last_microsecond():
    start, end = localise_date_interval(dt.date(2024, 3, 31), dt.date(2024, 3, 31))
    assert start.isoformat() == "2024-03-31T00:00:00+01:00"
    assert end.isoformat() == "2024-03-31T23:59:59.999999+02:00"
    # elapsed time through UTC (same-zone subtraction is wall-clock time in Python)
    elapsed = end.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc)
    assert elapsed == dt.timedelta(hours=22, minutes=59, seconds=59, microseconds=999999)
    assert localise_date_interval(dt.date(2024, 1, 2), dt.date(2024, 1, 1), None) == (
        dt.datetime(2024, 1, 2),
        dt.datetime(2024, 1, 1, 23, 59, 59, 999999),
    )


def test_paris_before_1911_has_its_local_mean_time_to_the_second():
    # pytz (0.5/0.6) rounded it to +00:09; zoneinfo has the real +00:09:21
    got = localise_date(dt.date(1900, 1, 1))
    assert offset_of(got) == dt.timedelta(minutes=9, seconds=21)


def test_tz_convert_datetime():
    aware = dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.timezone.utc)
    got = tz_convert_datetime(aware)
    assert got.isoformat() == "2024-10-27T02:30:00+01:00"
    # the same instant (compared through UTC: Python calls a datetime of a repeated hour
    # unequal to any datetime of another zone, see hostore.tools.dates)
    assert got.astimezone(dt.timezone.utc) == aware and got.timestamp() == aware.timestamp()
    stamp = tz_convert_datetime(pd.Timestamp("2024-07-01 12:00", tz="UTC"), "Asia/Tokyo")
    assert isinstance(stamp, pd.Timestamp) and stamp.isoformat() == "2024-07-01T21:00:00+09:00"
    with pytest.raises(TypeError):
        tz_convert_datetime(pd.Timestamp("2024-07-01 12:00"))


@pytest.fixture
def machine_zone():
    """Set the process's time zone (TZ) for one test, then restore it."""
    before = os.environ.get("TZ")

    def set_zone(name):
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (Unix)")
@pytest.mark.parametrize("machine", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_localised_now_is_right_whatever_the_machine_zone(machine_zone, machine):
    # 0.5/0.6 labelled the local wall time as UTC: 5 h off in New York, 9 h in Tokyo
    machine_zone(machine)
    before = dt.datetime.now(dt.timezone.utc)
    got = localised_now("Europe/Paris")
    after = dt.datetime.now(dt.timezone.utc)
    assert got.tzinfo == PARIS
    assert before <= got <= after


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (Unix)")
def test_tz_convert_datetime_reads_naive_values_as_machine_time(machine_zone):
    machine_zone("Asia/Tokyo")
    got = tz_convert_datetime(dt.datetime(2024, 7, 1, 12), "UTC")
    assert got.isoformat() == "2024-07-01T03:00:00+00:00"


def test_results_carry_zoneinfo_zones_not_pytz_ones():
    for value in (
        localise_date(dt.date(2024, 1, 1)),
        localise_datetime(dt.datetime(2024, 1, 1)),
        tz_convert_datetime(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)),
        localised_now(),
    ):
        assert type(value.tzinfo) is zoneinfo.ZoneInfo and str(value.tzinfo) == "Europe/Paris"


walls = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2037, 12, 31))
zones = st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Tehran"])


@settings(max_examples=300, deadline=None)
@given(walls, zones)
def test_wall_clock_is_kept_and_offset_is_one_the_zone_uses(wall, zone):
    got = localise_datetime(wall, zone)
    assert got.replace(tzinfo=None) == wall
    readings = {wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=f).utcoffset() for f in (0, 1)}
    assert got.utcoffset() in readings
    if len(readings) == 2 and got.utcoffset() != min(readings):
        # a repeated wall time read as its summer occurrence: only where the zone says the
        # other occurrence is summer time (none of these zones has "negative" summer time)
        pytest.fail(f"{wall} in {zone}: {got.isoformat()} is not standard time")
    stamp = localise_datetime(pd.Timestamp(wall), zone)
    if len(readings) == 1:
        assert stamp == got  # outside DST changes both types agree
