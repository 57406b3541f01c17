"""Cases of the date helpers (``hostore.utils.timeseries._localise_*``), ``Range`` and
``hostore.utils.utils``, run by holcstore 0.6.7 and by us (``tests/compat/test_helpers_06.py``):
only behaviour we keep."""

from __future__ import annotations

from .helpers_specs import EMPTY, at, collector, rng, series, td, ts

CASES: list[dict] = []
case = collector(CASES)

# dates (pytz in 0.6.7, zoneinfo here)
WALLS = [
    ("Europe/Paris", "2024-07-01", "12:30"),
    ("Europe/Paris", "2024-03-31", "02:30"),  # skipped
    ("Europe/Paris", "2024-10-27", "02:30"),  # repeated
    ("Europe/Paris", "2024-10-27", "03:00"),
    ("America/New_York", "2024-03-10", "02:30"),
    ("America/New_York", "2024-11-03", "01:30"),
    ("Australia/Sydney", "2024-04-07", "02:30"),
    ("Australia/Sydney", "2024-10-06", "02:30"),
    ("Australia/Lord_Howe", "2024-04-07", "01:45"),
    ("Australia/Lord_Howe", "2024-10-06", "02:15"),
    ("Europe/Dublin", "2024-10-27", "01:30"),  # "negative" summer time
    ("Europe/Dublin", "2024-03-31", "01:30"),
    ("Europe/Dublin", "2024-07-01", "01:30"),
    # not before 1911 in Paris: pytz rounds the local mean time (+00:09:21) to +00:09
    ("UTC", "2024-07-01", "00:00"),
]
for i, (zone, day, time) in enumerate(WALLS):
    case(f"dates.date.{i}", "timeseries._localise_date", {"D": day}, {"TM": time}, zone)
    case(f"dates.datetime.{i}", "timeseries._localise_datetime", {"DT": f"{day}T{time}"}, zone)
    case(
        f"dates.timestamp.{i}",
        "timeseries._localise_datetime",
        ts(f"{day} {time}:00.000000001", None),
        zone,
    )
case("dates.date.default", "timeseries._localise_date", {"D": "2024-03-31"})
case(
    "dates.date.naive",
    "timeseries._localise_date",
    {"D": "2024-03-31"},
    kwargs={"timezone_name": None},
)
case("dates.date.given_datetime", "timeseries._localise_date", {"DT": "2024-03-31T13:00:00"})
case(
    "dates.date.given_aware_datetime",
    "timeseries._localise_date",
    {"DT": "2024-03-31T13:00:00", "utc": True},
)
case("dates.date.given_timestamp", "timeseries._localise_date", ts("2024-07-01 13:00", None))
case(
    "dates.interval", "timeseries._localise_date_interval", {"D": "2024-03-31"}, {"D": "2024-10-27"}
)
case(
    "dates.interval.naive",
    "timeseries._localise_date_interval",
    {"D": "2024-03-31"},
    {"D": "2024-03-31"},
    None,
)
case(
    "dates.interval.reversed",
    "timeseries._localise_date_interval",
    {"D": "2024-04-01"},
    {"D": "2024-03-31"},
    "America/New_York",
)
case("dates.datetime.default", "timeseries._localise_datetime", {"DT": "2024-07-01T12:00:00"})
case(
    "dates.datetime.aware",
    "timeseries._localise_datetime",
    {"DT": "2024-07-01T12:00:00", "utc": True},
)
case("dates.timestamp.aware", "timeseries._localise_datetime", ts("2024-07-01 12:00"))
case(
    "dates.convert.aware",
    "timeseries._tz_convert_datetime",
    {"DT": "2024-07-01T12:00:00", "utc": True},
)
case(
    "dates.convert.repeated",
    "timeseries._tz_convert_datetime",
    {"DT": "2024-10-27T01:30:00", "utc": True},
)
case(
    "dates.convert.timestamp",
    "timeseries._tz_convert_datetime",
    ts("2024-10-27 00:30"),
    "Europe/Paris",
)
case(
    "dates.convert.naive_is_local",
    "timeseries._tz_convert_datetime",
    {"DT": "2024-07-01T12:00:00"},
    "Asia/Tokyo",
)
case(
    "dates.convert.naive_timestamp", "timeseries._tz_convert_datetime", ts("2024-07-01 12:00", None)
)

# Range
for name, (sd, ed) in {
    "ints": (1, 2),
    "point": (1, 1),
    "reversed": (2, 1),
    "text": ("a", "b"),
    "none": (None, 1),
}.items():
    case(f"range.init.{name}", "range.Range", sd, ed)
case("range.init.naive_aware", "range.Range", ts("00:00", None), ts("01:00"))
R_UTC = rng(ts("00:00"), ts("02:00"))
R_PARIS = rng(ts("01:00", "Europe/Paris"), ts("03:00", "Europe/Paris"))
case("range.eq", "op.eq", rng(1, 2), rng(1, 2))
case("range.eq.tz", "op.eq", R_UTC, R_PARIS)
case("range.ne", "op.ne", rng(1, 2), rng(1, 3))
case("range.ne.same", "op.ne", rng(1, 2), rng(1, 2))
case("range.str", "op.str", rng(1, 2))
case("range.str.ts", "op.str", R_PARIS)
for i, (a, b) in enumerate(
    [
        ((0, 10), (10, 12)),
        ((0, 10), (11, 12)),
        ((5, 6), (0, 10)),
        ((0, 10), (5, 6)),
        ((3, 4), (0, 2)),
    ]
):
    case(f"range.overlap.{i}", "range.Range.overlap", rng(*a), rng(*b))
    case(f"range.includes.{i}", "range.Range.includes", rng(*a), rng(*b))
for i, d in enumerate([0, 10, 11, -1, 5]):
    case(f"range.check_date.{i}", "range.Range.check_date", rng(0, 10), d)
for i, (a, b, md) in enumerate(
    [
        ((0, 10), (5, 12), 0),
        ((0, 10), (10, 12), 0),
        ((0, 10), (10, 12), 1),
        ((0, 10), (11, 12), 0),
        ((0, 10), (2, 3), 1),
        ((0, 10), (2, 3), 2),
        ((0, 3), (5, 8), -10),
    ]
):
    case(f"range.intersection.{i}", "range.Range.intersection", rng(*a), rng(*b), md)
case(
    "range.intersection.ts",
    "range.Range.intersection",
    R_UTC,
    rng(ts("01:00"), ts("05:00")),
    td("1h"),
)
for i, (a, q, md) in enumerate(
    [
        ((0, 10), (2, 5), 0),
        ((2, 5), (0, 10), 0),
        ((2, 5), (0, 10), 3),
        ((2, 5), (0, 10), 2),
        ((0, 5), (3, 10), 0),
        ((3, 10), (0, 5), 0),
        ((0, 2), (5, 10), 0),
        ((5, 10), (0, 2), 0),
        ((0, 2), (5, 10), 9),
        ((0, 5), (5, 10), 0),
        ((0, 5), (5, 10), 6),
        ((5, 10), (0, 5), 0),
        ((0, 10), (0, 10), 0),
        ((0, 10), (0, 10), -1),
        ((2, 5), (2, 10), 0),
        ((2, 5), (0, 5), 0),
        ((2, 5), (2, 10), 5),
        ((0, 5), (3, 10), 7),
        ((3, 10), (0, 5), 3),
        ((3, 10), (0, 5), 4),
        ((0, 2), (5, 10), 8),
        ((2, 2), (0, 4), 0),
    ]
):
    case(f"range.missing.{i}", "range.Range.difference_missing", rng(*a), rng(*q), md)
case(
    "range.missing.ts",
    "range.Range.difference_missing",
    R_UTC,
    rng(ts("00:00", "Europe/Paris"), ts("05:00", "Europe/Paris")),
    td("1h"),
)
case(
    "range.missing.ts_small",
    "range.Range.difference_missing",
    R_UTC,
    rng(ts("00:30"), ts("02:30")),
    td("1h"),
)
SORTABLE = [rng(5, 6), rng(1, 2), rng(1, 3), rng(0, 9)]
case("range.sort", "range.Range.sort_by_start", SORTABLE, returns_arg=0)
case("range.sort.reverse", "range.Range.sort_by_start", SORTABLE, True, returns_arg=0)
case("range.sort.empty", "range.Range.sort_by_start", [], returns_arg=0)
# combine: only inputs where 0.6.7 does not cut a range short (see tests/hostore/tools)
for i, ranges in enumerate(
    [
        [(5, 6), (1, 2)],
        [(1, 2), (2, 3)],
        [(0, 3), (2, 5), (6, 9), (9, 12)],
        [],
        [(1, 2), (1, 5)],
        [(0, 1), (3, 4), (1, 3)],
        [(0, 10), (2, 5), (4, 12)],
        [(3, 3)],
        [(0, 1), (1, 2), (2, 3), (5, 6)],
    ]
):
    case(f"range.combine.{i}", "range.Range.combine", [rng(*r) for r in ranges])
case(
    "range.combine.ts",
    "range.Range.combine",
    [R_PARIS, rng(ts("02:00"), ts("04:00")), rng(ts("06:00"), ts("07:00"))],
)

# utils: chunks, slice_with_delay
for name, (seq, n) in {
    "list": ([1, 2, 3, 4, 5], 2),
    "text": ("abcde", 2),
    "tuple": ({"TU": [1, 2, 3]}, 5),
    "range": ({"RG": [0, 5, 1]}, 2),
    "empty": ([], 2),
    "zero": ([1, 2], 0),
    "negative": ([1, 2], -1),
    "exact": ([1, 2, 3, 4], 2),
    "float_n": ([1, 2, 3], 1.5),
}.items():
    case(f"chunks.{name}", "utils.chunks", seq, n, list=True)
S4 = series([1.0, 2, 3, 4])
for name, delay in {
    "zero": td(0),
    "45min": td("45min"),
    "1h": td("1h"),
    "beyond": td("3h"),
    "negative": td("-1h"),
    "pytd": {"PYTD": 3600},
    "text": "1h",
}.items():
    case(f"delay.{name}", "utils.slice_with_delay", S4, delay)
case("delay.none", "utils.slice_with_delay", None, td("1h"))
case("delay.empty", "utils.slice_with_delay", EMPTY, td("1h"))
case("delay.none_delay", "utils.slice_with_delay", S4, None)
case(
    "delay.frame",
    "utils.slice_with_delay",
    {"F": {"index": at(["00:00", "00:30", "01:00"]), "columns": {"x": [1.0, 2.0, 3.0]}}},
    td("30min"),
)
case("delay.nan", "utils.slice_with_delay", series([1.0, None]), td("30min"))
case(
    "delay.unsorted_present",
    "utils.slice_with_delay",
    series([2.0, 1, 3, 4], index=at(["00:30", "00:00", "01:00", "01:30"])),
    td("30min"),
)
case(
    "delay.unsorted_absent",
    "utils.slice_with_delay",
    series([2.0, 1, 3, 4], index=at(["00:30", "00:00", "01:00", "01:30"])),
    td("15min"),
)
case(
    "delay.int_index",
    "utils.slice_with_delay",
    {"S": {"index": {"labels": [0, 5, 10]}, "values": [1.0, 2, 3]}},
    5,
)
case(
    "delay.paris_dst",
    "utils.slice_with_delay",
    series([float(i) for i in range(8)], start="2024-10-27 00:00", freq="h", tz="Europe/Paris"),
    td("3h"),
)
