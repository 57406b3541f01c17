"""The time grid: settings validation, slots, chunks, DST, output index and window bounds."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ImproperlyConfigured

from hostore.exceptions import AmbiguousTimeError, OffGridError, StoreConfigurationError
from hostore.grid import OUTPUT_UNIT, get_grid

PARIS = "Europe/Paris"
MONTH = ("year", "month")
YEAR = ("year",)
HOUR_NS = 3600 * 10**9


def grid(freq="1h", tz=PARIS, axis=MONTH):
    return get_grid(freq, tz, axis)


def ts(value, tz=PARIS):
    """A Timestamp: naive strings are wall time in ``tz``, strings with an offset keep it."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp


def chunk_of(g, slots) -> np.ndarray:
    """Chunk index of each slot, one by one through the grid's own hot-path function."""
    return np.array([g.chunk_of_slot(s) for s in slots], dtype=np.int64)


def aware_index(values, tz=PARIS):
    return pd.DatetimeIndex([ts(v, tz).tz_convert("UTC") for v in values]).tz_convert(tz)


def month(year, m):
    return year * 12 + m - 1


# ============================================================================ get_grid: settings
@pytest.mark.parametrize(
    "axis", [("month",), ("month", "year"), ("year", "month", "day"), (), ("year", "year"), "year"]
)
def test_bad_chunk_axis_is_rejected(axis):
    with pytest.raises(StoreConfigurationError, match="CHUNK_AXIS") as info:
        get_grid("1h", PARIS, axis)
    assert isinstance(info.value, ImproperlyConfigured)


@pytest.mark.parametrize(
    "tz", ["Europe/Pariss", "Mars/Olympus", "", "UTC ", "Europe/Paris/", "../etc/passwd"]
)
def test_unknown_zone_is_rejected(tz):
    with pytest.raises(StoreConfigurationError, match="IANA time zone"):
        get_grid("1h", tz, MONTH)


@pytest.mark.parametrize(
    "tz", [5, None, zoneinfo.ZoneInfo(PARIS), dt.timezone.utc, b"Europe/Paris"], ids=repr
)
def test_non_string_zone_is_rejected(tz):
    with pytest.raises(StoreConfigurationError, match="STORE_TZ must be an IANA zone name"):
        get_grid("1h", tz, MONTH)


@pytest.mark.parametrize(
    "freq",
    [
        *["7min", "2h", "45s", "2D", "24h", "abc", "", "1s", "0min", "-1h", "1440min"],
        *["1D1h", "1W", "1ME", None, 1, 3600],
    ],
    ids=repr,
)
def test_unsupported_freq_is_rejected(freq):
    with pytest.raises(StoreConfigurationError, match="STORE_FREQ") as info:
        get_grid(freq, PARIS, MONTH)
    assert "'1min'" in str(info.value)  # the message says what is accepted


@pytest.mark.parametrize(
    ("freq", "step_minutes", "daily"),
    [
        ("1min", 1, False),
        ("5min", 5, False),
        ("10min", 10, False),
        ("15min", 15, False),
        ("30min", 30, False),
        ("60min", 60, False),
        ("1h", 60, False),
        ("1D", 24 * 60, True),
    ],
)
@pytest.mark.parametrize("axis", [MONTH, YEAR])
def test_supported_freq_builds_a_grid(freq, step_minutes, daily, axis):
    g = get_grid(freq, PARIS, axis)
    assert (g.freq, g.tz, g.chunk_axis) == (freq, PARIS, axis)
    assert g.step_ns == step_minutes * 60 * 10**9
    assert g.daily is daily
    assert g.monthly is (axis == MONTH)


def test_grid_is_built_once_per_settings():
    assert get_grid("15min", PARIS, MONTH) is get_grid("15min", PARIS, MONTH)
    assert get_grid("15min", PARIS, MONTH) is not get_grid("15min", PARIS, YEAR)


@pytest.mark.parametrize(
    ("tz", "freq", "ok"),
    [
        # Lord Howe Island shifts by 30 minutes at DST changes
        ("Australia/Lord_Howe", "1h", False),
        ("Australia/Lord_Howe", "30min", True),
        ("Australia/Lord_Howe", "15min", True),
        # +05:30 and +05:45 all year: a regular hourly grid, on local whole hours
        ("Asia/Kolkata", "1h", True),
        ("Asia/Kathmandu", "1h", True),
        ("Europe/Paris", "1h", True),
        # skips/repeats midnight, but hours are regular
        ("America/Havana", "1h", True),
        ("Asia/Beirut", "1min", True),
    ],
)
def test_zone_offsets_must_be_multiples_of_the_step(tz, freq, ok):
    if ok:
        assert get_grid(freq, tz, MONTH).tz == tz
    else:
        with pytest.raises(StoreConfigurationError, match="not multiples of STORE_FREQ"):
            get_grid(freq, tz, MONTH)


@pytest.mark.parametrize("tz", ["America/Havana", "Asia/Beirut"])
def test_daily_grid_rejects_a_zone_that_skips_or_repeats_midnight(tz):
    # Both zones change their clocks at local midnight (e.g. Beirut on 2024-03-31 00:00).
    midnight = pd.DatetimeIndex(["2024-03-31 00:00" if tz == "Asia/Beirut" else "2024-03-10"])
    with pytest.raises(Exception):  # noqa: B017 - proves the zone really has such a midnight
        midnight.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    with pytest.raises(StoreConfigurationError, match="midnight"):
        get_grid("1D", tz, MONTH)


@pytest.mark.parametrize("tz", [PARIS, "UTC", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_daily_grid_accepts_zones_with_regular_midnights(tz):
    assert get_grid("1D", tz, YEAR).daily


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "Asia/Kathmandu"])
def test_hourly_slots_are_local_whole_hours_in_fractional_offset_zones(tz):
    g = grid("1h", tz)
    start = g.cached_chunk_start(month(2024, 1))
    idx = g.index(start, 24 * 31)
    assert idx[0] == pd.Timestamp("2024-01-01", tz=tz)
    assert (idx.minute == 0).all()
    on_grid = aware_index(["2024-01-01 10:00", "2024-06-30 23:00"], tz)
    slots = g.slots(on_grid)
    assert slots[1] - slots[0] == (on_grid[1] - on_grid[0]) // pd.Timedelta("1h")
    with pytest.raises(OffGridError):  # 10:00 UTC is 15:30 / 15:45 local
        g.slots(aware_index(["2024-01-01 10:00+00:00"], tz))


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_regular_slots_only_for_one_step_at_a_time_on_the_grid(unit):
    g = grid("30min")
    idx = pd.date_range("2024-03-30", "2024-04-01", freq="30min", tz=PARIS, unit=unit)
    expected = g.slots(pd.DatetimeIndex(idx.tolist()))  # no freq: checked value by value
    assert idx.freq is not None
    np.testing.assert_array_equal(g.regular_slots(idx), expected)
    np.testing.assert_array_equal(g.regular_slots(pd.DatetimeIndex(idx.tolist())), expected)
    assert np.array_equal(expected, np.arange(expected[0], expected[0] + len(idx)))
    hourly = pd.date_range("2024-03-30", periods=10, freq="1h", tz=PARIS, unit=unit)
    shifted = pd.date_range("2024-03-30 00:10", periods=10, freq="30min", tz=PARIS, unit=unit)
    holes = idx.delete(5)
    for other in (hourly, shifted, holes, idx[::-1]):
        assert g.regular_slots(other) is None
    np.testing.assert_array_equal(g.slots(hourly), expected[0] + 2 * np.arange(10))
    np.testing.assert_array_equal(g.slots(holes), np.delete(expected, 5))
    assert grid("1D").regular_slots(pd.date_range("2024-01-01", periods=3, tz=PARIS)) is None


def test_an_index_whose_freq_lies_is_still_checked_value_by_value():
    """pandas 2 keeps freq through DatetimeIndex.where whatever the new values: slots must
    come from the values, never from freq."""
    g = grid("30min")
    idx = pd.date_range("2024-01-01", periods=6, freq="30min", tz=PARIS)
    moved = idx.where(np.array([1, 1, 0, 1, 1, 1], bool), idx[2] + pd.Timedelta("1D"))
    expected = np.asarray((moved - idx[0]) // pd.Timedelta("30min"))
    assert g.regular_slots(moved) is None
    np.testing.assert_array_equal(g.slots(moved) - g.slots(idx)[0], expected)
    assert list(expected) == [0, 1, 50, 3, 4, 5]


# ============================================================================ localize
def test_localize_reads_naive_as_wall_time():
    g = grid()
    naive = pd.DatetimeIndex(["2024-01-15 10:00", "2024-07-15 10:00", "2024-10-27 03:00"])
    local = g.localize(naive)
    assert str(local.tz) == PARIS
    assert list(local.hour) == [10, 10, 3]
    assert list(local.tz_convert("UTC").hour) == [9, 8, 2]


@pytest.mark.parametrize(
    "wall", ["2024-10-27 02:00", "2024-10-27 02:30", "2024-03-31 02:00", "2024-03-31 02:30"]
)
def test_localize_rejects_ambiguous_or_nonexistent_naive_times(wall):
    naive = pd.DatetimeIndex(["2024-10-27 00:00", wall])
    with pytest.raises(AmbiguousTimeError, match="Europe/Paris") as info:
        grid().localize(naive)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata", "Europe/Paris"])
def test_localize_converts_aware_times_keeping_the_instants(tz):
    # Aware times are never ambiguous, even at Paris' repeated hour.
    utc = pd.DatetimeIndex(["2024-10-27 00:00", "2024-10-27 01:00", "2024-03-31 01:00"], tz="UTC")
    local = grid().localize(utc.tz_convert(tz))
    assert str(local.tz) == PARIS
    assert (local == utc).all()
    assert [t.strftime("%H:%M%z") for t in local] == ["02:00+0200", "02:00+0100", "03:00+0200"]


# ============================================================================ slots
@pytest.mark.parametrize("freq", ["1min", "15min", "30min", "1h"])
def test_slots_are_consecutive_across_dst_changes(freq):
    g = grid(freq)
    for day in ("2024-03-31", "2024-10-27"):
        idx = pd.date_range(ts(day), ts(day) + pd.Timedelta("1D"), freq=freq, inclusive="left")
        slots = g.slots(idx)
        assert (np.diff(slots) == 1).all()
        # slot k is the instant 1970-01-01 UTC + k steps (Paris' offsets are whole hours)
        np.testing.assert_array_equal(slots, idx.as_unit("ns").asi8 // g.step_ns)


def test_daily_slots_count_local_days_across_dst():
    g = grid("1D")
    idx = aware_index(["2024-03-30", "2024-03-31", "2024-04-01", "2024-10-27", "2024-10-28"])
    slots = g.slots(idx)
    epoch = pd.Timestamp("1970-01-01")
    expected = [(t.tz_localize(None) - epoch).days for t in idx]
    np.testing.assert_array_equal(slots, expected)
    assert list(slots[:3]) == [19812, 19813, 19814]


@pytest.mark.parametrize(
    ("freq", "tz", "values"),
    [
        ("1h", PARIS, ["2024-01-01 10:00", "2024-01-01 10:07"]),
        ("1h", PARIS, ["2024-01-01 10:00:00.000001"]),
        ("15min", PARIS, ["2024-01-01 10:05"]),
        ("30min", "Australia/Lord_Howe", ["2024-01-01 10:15"]),
        ("1min", "UTC", ["2024-01-01 00:00:30"]),
        ("1D", PARIS, ["2024-01-01 01:00"]),
        ("1D", PARIS, ["2024-03-31 00:00+02:00"]),  # 23:00 on the 30th in Paris
        ("1D", PARIS, ["2024-01-01 00:00+00:00"]),  # UTC midnight is 01:00 in Paris
    ],
)
def test_off_grid_timestamps_are_named(freq, tz, values):
    g = get_grid(freq, tz, MONTH)
    idx = aware_index(["2024-01-01 00:00", *values], tz)
    with pytest.raises(OffGridError) as info:
        g.slots(idx)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert f"STORE_FREQ={freq!r}" in message
    assert str(idx[-1]) in message
    assert str(idx[0]) not in message  # the on-grid one is not blamed


def test_off_grid_message_counts_all_and_lists_five():
    idx = pd.date_range(ts("2024-01-01 00:07"), periods=8, freq="1h")
    with pytest.raises(OffGridError, match=r"^8 timestamp\(s\) are not on the store's grid") as e:
        grid().slots(idx)
    message = str(e.value)
    assert [str(t) in message for t in idx] == [True] * 5 + [False] * 3


@pytest.mark.parametrize(
    ("freq", "tz"),
    [
        ("1h", PARIS),
        ("15min", PARIS),
        ("1D", PARIS),
        ("1h", "Asia/Kolkata"),
        ("30min", "Australia/Lord_Howe"),
        ("1h", "America/Havana"),
    ],
)
def test_datetime_of_slot_inverts_slots(freq, tz):
    g = get_grid(freq, tz, MONTH)
    # two months around each DST change of 2024 (and the Havana midnight ones)
    periods = 61 * pd.Timedelta("1D") // pd.Timedelta(freq)
    idx = pd.DatetimeIndex(
        [
            *pd.date_range(pd.Timestamp("2024-03-01", tz=tz), periods=periods, freq=freq),
            *pd.date_range(pd.Timestamp("2024-10-01", tz=tz), periods=periods, freq=freq),
        ]
    ).tz_convert(tz)
    slots = g.slots(idx)
    back = pd.DatetimeIndex([g.datetime_of_slot(int(s)) for s in slots])
    assert (back == idx).all()
    assert str(back.tz) == tz


# ============================================================================ chunks
@pytest.mark.parametrize(
    ("value", "month_chunk", "year_chunk"),
    [
        ("2024-01-01 00:00", month(2024, 1), 2024),
        ("2024-01-31 23:00", month(2024, 1), 2024),
        ("2024-01-31 23:00+00:00", month(2024, 2), 2024),  # midnight of Feb 1 in Paris
        ("2023-12-31 23:00+00:00", month(2024, 1), 2024),  # midnight of Jan 1 in Paris
        ("2023-12-31 22:00+00:00", month(2023, 12), 2023),
        ("2024-03-31 23:00", month(2024, 3), 2024),
        ("2024-10-27 02:00+01:00", month(2024, 10), 2024),
        ("1969-12-31 23:00", month(1969, 12), 1969),
        ("1900-06-15 12:00+00:00", month(1900, 6), 1900),
        ("2099-12-31 23:00+01:00", month(2099, 12), 2099),
    ],
)
@pytest.mark.parametrize("freq", ["1h", "15min"])
def test_chunk_index_is_year_or_year_month_in_local_time(value, month_chunk, year_chunk, freq):
    stamp = aware_index([value])
    assert chunk_of(grid(freq, axis=MONTH), grid(freq, axis=MONTH).slots(stamp))[0] == month_chunk
    assert chunk_of(grid(freq, axis=YEAR), grid(freq, axis=YEAR).slots(stamp))[0] == year_chunk


def test_chunk_index_values_are_those_of_holcstore_05():
    stamp = aware_index(["2024-03-15 12:00"])
    assert chunk_of(grid("1h", axis=MONTH), grid("1h").slots(stamp)).tolist() == [24290]
    assert chunk_of(grid("1h", axis=YEAR), grid("1h").slots(stamp)).tolist() == [2024]


def test_daily_chunk_index():
    idx = aware_index(["2023-12-31", "2024-01-01", "2024-02-29", "2024-03-31", "2024-04-01"])
    np.testing.assert_array_equal(
        chunk_of(grid("1D", axis=MONTH), grid("1D").slots(idx)),
        [month(2023, 12), month(2024, 1), month(2024, 2), month(2024, 3), month(2024, 4)],
    )
    np.testing.assert_array_equal(
        chunk_of(grid("1D", axis=YEAR), grid("1D").slots(idx)), [2023, 2024, 2024, 2024, 2024]
    )


PARIS_2024_HOURS = [744, 696, 743, 720, 744, 720, 744, 744, 720, 745, 720, 744]
PARIS_2024_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@pytest.mark.parametrize(
    ("freq", "per_hour_or_day"),
    [("1h", 1), ("30min", 2), ("15min", 4), ("1min", 60), ("1D", None)],
)
def test_month_chunk_lengths_follow_dst_in_paris(freq, per_hour_or_day):
    g = grid(freq, axis=MONTH)
    starts, ends = g.chunk_bounds(np.array([month(2024, m) for m in range(1, 13)]))
    lengths = list(ends - starts)
    if per_hour_or_day is None:
        assert lengths == PARIS_2024_DAYS
    else:
        assert lengths == [h * per_hour_or_day for h in PARIS_2024_HOURS]


@pytest.mark.parametrize(
    ("freq", "tz", "expected"),
    [
        ("1h", PARIS, [8760, 8784, 8760]),
        ("1D", PARIS, [365, 366, 365]),
        ("1h", "UTC", [8760, 8784, 8760]),
        ("1h", "Asia/Kolkata", [8760, 8784, 8760]),
        ("30min", "Australia/Lord_Howe", [17520, 17568, 17520]),
    ],
)
def test_year_chunk_lengths(freq, tz, expected):
    starts, ends = get_grid(freq, tz, YEAR).chunk_bounds(np.array([2023, 2024, 2025]))
    assert list(ends - starts) == expected


@pytest.mark.parametrize(
    ("freq", "tz"),
    [
        ("1h", PARIS),
        ("15min", PARIS),
        ("1D", PARIS),
        ("1h", "Asia/Kolkata"),
        ("30min", "Australia/Lord_Howe"),
        ("1h", "America/Havana"),  # midnight repeated on 2026-11-01
        ("30min", "Asia/Beirut"),  # midnight skipped on 2026-03-29
        ("15min", "UTC"),
    ],
)
@pytest.mark.parametrize("axis", [MONTH, YEAR])
def test_every_slot_belongs_to_the_chunk_whose_bounds_hold_it(freq, tz, axis):
    g = get_grid(freq, tz, axis)
    chunks = np.arange(month(2025, 12), month(2027, 2)) if axis == MONTH else np.arange(2025, 2028)
    starts, ends = g.chunk_bounds(chunks)
    np.testing.assert_array_equal(starts[1:], ends[:-1])  # contiguous, no slot left out
    slots = np.arange(starts[0], ends[-1])
    np.testing.assert_array_equal(chunk_of(g, slots), np.repeat(chunks, ends - starts))
    np.testing.assert_array_equal(starts, [g.cached_chunk_start(c) for c in chunks])
    # the same, all cached or some not yet (a chunk never read before)
    assert g.cached_chunk_starts(chunks.tolist()) == starts.tolist()
    later = (chunks + (1200 if axis == MONTH else 100)).tolist()
    assert later[0] not in g._starts
    assert g.cached_chunk_starts(later) == g.chunk_bounds(np.array(later))[0].tolist()


@pytest.mark.parametrize(
    ("freq", "tz", "chunk", "first"),
    [
        ("1h", PARIS, month(2024, 3), "2024-03-01 00:00+01:00"),
        ("1h", PARIS, month(2024, 4), "2024-04-01 00:00+02:00"),
        ("1D", PARIS, month(2024, 11), "2024-11-01 00:00+01:00"),
        ("1h", "Asia/Kolkata", month(2024, 1), "2024-01-01 00:00+05:30"),
        ("1h", "America/Havana", month(2026, 11), "2026-11-01 00:00-04:00"),  # 1st midnight
        ("30min", "Asia/Beirut", month(1990, 5), "1990-05-01 01:00+03:00"),  # no midnight
        ("1h", PARIS, 2024, "2024-01-01 00:00+01:00"),
        ("15min", "UTC", 1969, "1969-01-01 00:00+00:00"),
    ],
)
def test_chunk_starts_at_local_midnight_of_its_period(freq, tz, chunk, first):
    axis = YEAR if chunk < 3000 else MONTH
    g = get_grid(freq, tz, axis)
    expected = pd.Timestamp(first).tz_convert(tz)
    assert g.datetime_of_slot(int(g.chunk_start_slot(np.array([chunk]))[0])) == expected
    start_ts = g.chunk_start_datetime(chunk)
    assert isinstance(start_ts, dt.datetime)
    assert start_ts.utcoffset() == dt.timedelta(0)
    assert pd.Timestamp(start_ts) == expected  # (datetime == is False on ambiguous times)


# ============================================================================ index
@pytest.mark.parametrize(
    ("freq", "tz", "chunk", "length"),
    [
        ("1h", PARIS, month(2024, 3), 743),
        ("1h", PARIS, month(2024, 10), 745),
        ("15min", PARIS, month(2024, 10), 2980),
        ("1D", PARIS, month(2024, 3), 31),
        ("1D", PARIS, month(2024, 10), 31),
        ("60min", PARIS, month(2024, 3), 743),
        ("1h", "Asia/Kolkata", month(2024, 2), 696),
        ("30min", "Australia/Lord_Howe", month(2024, 4), 1441),  # clocks back 30 min
        ("5min", "UTC", month(2024, 2), 29 * 288),
    ],
)
def test_index_is_the_users_date_range(freq, tz, chunk, length):
    g = get_grid(freq, tz, MONTH)
    lo, hi = g.chunk_bounds(np.array([chunk]))
    assert hi[0] - lo[0] == length
    idx = g.index(int(lo[0]), length)
    year, m = divmod(chunk, 12)
    first = pd.Timestamp(year, m + 1, 1, tz=tz)
    expected = pd.date_range(first, first + pd.offsets.MonthBegin(), freq=freq, inclusive="left")
    pd.testing.assert_index_equal(idx, expected, exact=True)
    assert str(idx.tz) == tz
    assert idx.freq == freq
    assert idx.unit == OUTPUT_UNIT == pd.date_range("2024-01-01", periods=2, freq=freq).unit


def test_hourly_index_across_paris_dst_changes():
    g = grid("1h")
    spring = g.index(int(g.slots(aware_index(["2024-03-31 01:00"]))[0]), 2)
    assert [t.isoformat() for t in spring] == [
        "2024-03-31T01:00:00+01:00",
        "2024-03-31T03:00:00+02:00",
    ]
    autumn = g.index(int(g.slots(aware_index(["2024-10-27 01:00"]))[0]), 4)
    assert [t.isoformat() for t in autumn] == [
        "2024-10-27T01:00:00+02:00",
        "2024-10-27T02:00:00+02:00",
        "2024-10-27T02:00:00+01:00",
        "2024-10-27T03:00:00+01:00",
    ]
    # starting on the second, repeated 02:00
    second = g.index(int(g.slots(aware_index(["2024-10-27 02:00+01:00"]))[0]), 2)
    assert [t.isoformat() for t in second] == [
        "2024-10-27T02:00:00+01:00",
        "2024-10-27T03:00:00+01:00",
    ]


def test_daily_index_keeps_local_midnights_across_dst():
    g = grid("1D")
    idx = g.index(int(g.slots(aware_index(["2024-03-30"]))[0]), 3)
    assert [t.isoformat() for t in idx] == [
        "2024-03-30T00:00:00+01:00",
        "2024-03-31T00:00:00+01:00",
        "2024-04-01T00:00:00+02:00",
    ]
    assert idx.freq == "1D"


def test_empty_index():
    idx = grid().index(0, 0)
    assert len(idx) == 0
    assert str(idx.tz) == PARIS
    assert idx.unit == OUTPUT_UNIT


# ============================================================================ bound_slot
@pytest.mark.parametrize("value", [None, pd.NaT, "NaT", np.datetime64("NaT", "ns"), float("nan")])
@pytest.mark.parametrize("side", ["start", "end"])
@pytest.mark.parametrize("freq", ["1h", "1D"])
def test_missing_bound_is_none(value, side, freq):
    assert grid(freq).bound_slot(value, side) is None


def _slot_of(g, value):
    return int(g.slots(aware_index([value], g.tz))[0])


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01 10:00",
        "2024-01-01T10:00:00+01:00",
        "2024-01-01T09:00:00Z",
        dt.datetime(2024, 1, 1, 10, 0),
        dt.datetime(2024, 1, 1, 4, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        pd.Timestamp("2024-01-01 14:30", tz="Asia/Kolkata"),
        pd.Timestamp("2024-01-01 10:00").as_unit("s"),
        np.datetime64("2024-01-01T10:00"),  # naive: Paris wall time
    ],
    ids=repr,
)
@pytest.mark.parametrize("side", ["start", "end"])
def test_on_grid_bound_is_its_own_slot(value, side):
    g = grid()
    slot = g.bound_slot(value, side)
    assert type(slot) is int
    assert slot == _slot_of(g, "2024-01-01 10:00")


@pytest.mark.parametrize(
    ("freq", "tz", "value", "start", "end"),
    [
        ("1h", PARIS, "2024-01-01 10:07", "2024-01-01 11:00", "2024-01-01 10:00"),
        ("1h", PARIS, "2024-01-01 10:59:59.999999", "2024-01-01 11:00", "2024-01-01 10:00"),
        ("1h", PARIS, "2024-01-01 09:07:00+00:00", "2024-01-01 11:00", "2024-01-01 10:00"),
        ("15min", PARIS, "2024-01-01 10:07", "2024-01-01 10:15", "2024-01-01 10:00"),
        ("1h", "Asia/Kolkata", "2024-01-01 10:15", "2024-01-01 11:00", "2024-01-01 10:00"),
        ("1h", "Asia/Kolkata", "2024-01-01 10:00+00:00", "2024-01-01 16:00", "2024-01-01 15:00"),
        # ambiguous naive bounds widen the window: first 02:00 for start, second for end
        ("1h", PARIS, "2024-10-27 02:00", "2024-10-27 02:00+02:00", "2024-10-27 02:00+01:00"),
        ("1h", PARIS, "2024-10-27 02:30", "2024-10-27 02:00+01:00", "2024-10-27 02:00+01:00"),
        ("1D", PARIS, "2024-03-31", "2024-03-31", "2024-03-31"),
        ("1D", PARIS, "2024-03-31 00:00:01", "2024-04-01", "2024-03-31"),
        ("1D", PARIS, "2024-03-31 12:00", "2024-04-01", "2024-03-31"),
        ("1D", PARIS, "2024-03-30 23:30:00+00:00", "2024-04-01", "2024-03-31"),
        ("1D", PARIS, "2024-03-30 22:59:00+00:00", "2024-03-31", "2024-03-30"),
        ("1D", PARIS, "2024-04-01 00:00+09:00", "2024-04-01", "2024-03-31"),
        ("1D", PARIS, pd.Timestamp("2024-03-31", tz="Asia/Tokyo"), "2024-03-31", "2024-03-30"),
        ("1D", "Asia/Kolkata", "2024-01-01 18:30+00:00", "2024-01-02", "2024-01-02"),
        ("1D", "Asia/Kolkata", "2024-01-01 18:29+00:00", "2024-01-02", "2024-01-01"),
    ],
)
def test_off_grid_start_rounds_up_and_end_rounds_down(freq, tz, value, start, end):
    g = get_grid(freq, tz, MONTH)
    assert g.bound_slot(value, "start") == _slot_of(g, start)
    assert g.bound_slot(value, "end") == _slot_of(g, end)


def test_nonexistent_naive_start_moves_to_the_first_slot_after_the_gap():
    g = grid("15min")
    assert g.bound_slot("2024-03-31 02:30", "start") == _slot_of(g, "2024-03-31 03:00")


def test_date_bound_is_local_midnight():
    g = grid()
    assert g.bound_slot(dt.date(2024, 7, 14), "start") == _slot_of(g, "2024-07-14 00:00")
    assert g.bound_slot(dt.date(2024, 7, 14), "end") == _slot_of(g, "2024-07-14 00:00")


@pytest.mark.parametrize("first, n", [(1000, 10), (1000, 5000)])  # one chunk; several
def test_memoised_indexes_are_distinct_objects(first, n):
    grid = get_grid("30min", "Europe/Paris", ("year", "month"))
    a, b = grid.index(first, n), grid.index(first, n)
    a.name = "renamed by a user"
    assert a is not b and b.name is None
    assert a.equals(b) and b.freq == "30min" and len(b) == n
