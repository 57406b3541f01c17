"""Cases of ``hostore.utils.timeseries``'s series helpers, run by holcstore 0.6.7 and by us
(``tests/compat/test_helpers_06.py``): only behaviour we keep."""

from __future__ import annotations

from .helpers_specs import EMPTY, at, collector, nan, series, td, ts

CASES: list[dict] = []
case = collector(CASES)

A = series([1.0, None, 3.0, None])
B = series([9.0, 9.0, 9.0, 9.0])
S5 = series([1.0, None, None, 1.0, 1.0])
S123 = series([1.0, 2.0, 3.0, 4.0, 5.0], name="x")
PARIS_FALL = series(
    [1.0, 1, 1, 1, None, None, None, None, 1, 1, 1],
    start="2024-10-27 00:00",
    tz="Europe/Paris",
)
PARIS_DAYS = series([1.0, 1, None, 1, 1], start="2024-03-29", freq="D", tz="Europe/Paris")
T0, T2, T3 = ts("00:00"), ts("02:00"), ts("03:00")

# ts_combine_first
case("combine.ab", "timeseries.ts_combine_first", [A, B])
case("combine.ba", "timeseries.ts_combine_first", [B, A])
case("combine.abc", "timeseries.ts_combine_first", [A, B, series([7.0], start="2023-12-31 23:30")])
case("combine.none_empty", "timeseries.ts_combine_first", [None, A, EMPTY, None])
case("combine.generator", "timeseries.ts_combine_first", [A, B], generator=True)
case("combine.nothing", "timeseries.ts_combine_first", [None, EMPTY])
case("combine.empty_list", "timeseries.ts_combine_first", [])
case("combine.int_float", "timeseries.ts_combine_first", [series([1, 2]), series([5.0, 6.5, 3.5])])
case(
    "combine.utc_paris",
    "timeseries.ts_combine_first",
    [A, series([5.0, 6.0], start="2024-01-01 01:00", tz="Europe/Paris")],
)
case("combine.naive_aware", "timeseries.ts_combine_first", [A, series([1.0], tz=None)])
case(
    "combine.frames",
    "timeseries.ts_combine_first",
    [
        {"F": {"index": at(["00:00", "00:30"]), "columns": {"x": [1.0, None]}}},
        {"F": {"index": at(["00:00", "00:30"]), "columns": {"x": [5.0, 6.0], "y": [0.0, 0.0]}}},
    ],
)
case(
    "combine.names",
    "timeseries.ts_combine_first",
    [series([1.0, None], name="b"), series([2.0, 2.0], name="a")],
)

# check_ts_completeness
W = [S5, T0, T3]
case("holes.default", "timeseries.check_ts_completeness", *W)
case("holes.margin0", "timeseries.check_ts_completeness", *W, kwargs={"freq_margin": td("0min")})
case(
    "holes.freq_1h",
    "timeseries.check_ts_completeness",
    *W,
    kwargs={"freq": "1h", "freq_margin": td(0)},
)
case("holes.freq_h_default_margin", "timeseries.check_ts_completeness", *W, kwargs={"freq": "1h"})
case("holes.freq_H", "timeseries.check_ts_completeness", *W, kwargs={"freq": "H"})
case("holes.freq_30T", "timeseries.check_ts_completeness", *W, kwargs={"freq": "30T"})
case("holes.freq_timedelta", "timeseries.check_ts_completeness", *W, kwargs={"freq": td("30min")})
case("holes.freq_offset", "timeseries.check_ts_completeness", *W, kwargs={"freq": {"OFF": "30min"}})
case("holes.margin_str_h", "timeseries.check_ts_completeness", *W, kwargs={"freq_margin": "h"})
case("holes.margin_str_H", "timeseries.check_ts_completeness", *W, kwargs={"freq_margin": "H"})
case("holes.margin_15min", "timeseries.check_ts_completeness", *W, kwargs={"freq_margin": "15min"})
case(
    "holes.margin_pytd",
    "timeseries.check_ts_completeness",
    *W,
    kwargs={"freq_margin": {"PYTD": 3600}},
)
case(
    "holes.margin_offset",
    "timeseries.check_ts_completeness",
    *W,
    kwargs={"freq_margin": {"OFF": "15min"}},
)
case(
    "holes.margin_negative_text",
    "timeseries.check_ts_completeness",
    *W,
    kwargs={"freq_margin": "-30min"},
)
case("holes.msgs_tag", "timeseries.check_ts_completeness", *W, kwargs={"tag": "X"}, msgs=True)
case("holes.msgs_no_tag", "timeseries.check_ts_completeness", *W, msgs=True)
case("holes.msgs_empty_tag", "timeseries.check_ts_completeness", *W, kwargs={"tag": ""}, msgs=True)
case("holes.msgs_complete", "timeseries.check_ts_completeness", B, T0, ts("01:30"), msgs=True)
case("holes.full", "timeseries.check_ts_completeness", B, T0, ts("01:30"))
case("holes.sd_gt_ed", "timeseries.check_ts_completeness", S5, T3, T0)
case("holes.sd_eq_ed", "timeseries.check_ts_completeness", S5, ts("00:30"), ts("00:30"))
case(
    "holes.unaligned",
    "timeseries.check_ts_completeness",
    S5,
    ts("00:15"),
    T2,
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.unsorted",
    "timeseries.check_ts_completeness",
    series([1.0, 1.0, 1.0], index=at(["01:00", "00:00", "00:30"])),
    T0,
    ts("01:30"),
)
case(
    "holes.runs",
    "timeseries.check_ts_completeness",
    series([None, 1.0, None, 1.0, None]),
    T0,
    T2,
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.all_nan",
    "timeseries.check_ts_completeness",
    series([None, None, None]),
    T0,
    ts("01:00"),
    msgs=True,
)
case(
    "holes.off_grid_only",
    "timeseries.check_ts_completeness",
    series([1.0], index=at(["00:01"])),
    T0,
    ts("00:30"),
)
case(
    "holes.text_values",
    "timeseries.check_ts_completeness",
    series(["a", None, "b"], dtype="object"),
    T0,
    ts("01:00"),
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.bool_values",
    "timeseries.check_ts_completeness",
    series([True, False, True]),
    T0,
    ts("01:00"),
)
case(
    "holes.paris_bounds",
    "timeseries.check_ts_completeness",
    S5,
    ts("01:00", "Europe/Paris"),
    ts("03:00", "Europe/Paris"),
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.utc_bounds_paris_data",
    "timeseries.check_ts_completeness",
    series([1.0, None, 1.0], tz="Europe/Paris"),
    ts("2023-12-31 23:00"),
    ts("00:00"),
)
case(
    "holes.text_bounds",
    "timeseries.check_ts_completeness",
    S5,
    "2024-01-01 00:00+00:00",
    "2024-01-01 03:00+00:00",
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.naive_both",
    "timeseries.check_ts_completeness",
    series([1.0, None, 1.0], tz=None),
    ts("00:00", None),
    ts("01:00", None),
)
case(
    "holes.paris_dst_fall",
    "timeseries.check_ts_completeness",
    PARIS_FALL,
    ts("2024-10-27 00:00", "Europe/Paris"),
    ts("2024-10-27 04:00", "Europe/Paris"),
    msgs=True,
)
case(
    "holes.paris_days",
    "timeseries.check_ts_completeness",
    PARIS_DAYS,
    ts("2024-03-29", "Europe/Paris"),
    ts("2024-04-02", "Europe/Paris"),
    kwargs={"freq": "D"},
    msgs=True,
)
case(
    "holes.paris_spring_hours",
    "timeseries.check_ts_completeness",
    series([1.0, 1, None, 1, 1], start="2024-03-31 00:00", freq="h", tz="Europe/Paris"),
    ts("2024-03-31 00:00", "Europe/Paris"),
    ts("2024-03-31 05:00", "Europe/Paris"),
    kwargs={"freq": "1h", "freq_margin": td(0)},
)
case(
    "holes.frame_nan_row",
    "timeseries.check_ts_completeness",
    {
        "F": {
            "index": at(["00:00", "00:30", "01:00"]),
            "columns": {"a": [1.0, None, None], "b": [1.0, 1.0, None]},
        }
    },
    T0,
    ts("01:00"),
)
case(
    "holes.frame_missing_row",
    "timeseries.check_ts_completeness",
    {"F": {"index": at(["00:00", "01:00"]), "columns": {"a": [1.0, None]}}},
    T0,
    ts("01:00"),
    kwargs={"freq_margin": td(0)},
)
case(
    "holes.duplicates",
    "timeseries.check_ts_completeness",
    series([1.0, 2.0], index=at(["00:00", "00:00"])),
    T0,
    ts("01:00"),
)

# find_constant_sequences, equalp
case("runs.mixed", "timeseries.find_constant_sequences", series([1.0, 1, 2, None, None, 1]))
case("runs.ints", "timeseries.find_constant_sequences", series([1, 1, 2, 3, 3, 1]))
case(
    "runs.text",
    "timeseries.find_constant_sequences",
    series(["a", "a", None, None, "b", "b"], dtype="object"),
)
case("runs.bool", "timeseries.find_constant_sequences", series([True, True, False]))
case("runs.range_index", "timeseries.find_constant_sequences", {"S": {"values": [1, 1, 2]}})
case(
    "runs.str_index",
    "timeseries.find_constant_sequences",
    {"S": {"index": {"labels": ["x", "y", "z"]}, "values": [1.0, 1.0, 2.0]}},
)
case("runs.single", "timeseries.find_constant_sequences", series([5.0]))
case("runs.empty", "timeseries.find_constant_sequences", EMPTY)
case("runs.all_nan", "timeseries.find_constant_sequences", series([None, None]))
case(
    "runs.unsorted",
    "timeseries.find_constant_sequences",
    series([1, 1, 2], index=at(["01:00", "00:00", "00:30"])),
)
case(
    "runs.duplicates",
    "timeseries.find_constant_sequences",
    series([1, 1, 2], index=at(["00:00", "00:00", "00:30"])),
)
case(
    "runs.float_exact",
    "timeseries.find_constant_sequences",
    {"S": {"values": [0.1 + 0.2, 0.3, 0.3]}},
)
case(
    "runs.inf",
    "timeseries.find_constant_sequences",
    {"S": {"values": [{"F8": "inf"}, {"F8": "inf"}, {"F8": "-inf"}]}},
)
case(
    "runs.none_then_nan",
    "timeseries.find_constant_sequences",
    {"S": {"values": [None, nan(), 1.0], "dtype": "object"}},
)
for i, (x, y) in enumerate(
    [
        (1, 1),
        (1, 2),
        (nan(), nan()),
        (None, nan()),
        (1, nan()),
        (nan(), 1),
        ("a", "a"),
        (1, 1.0),
        (None, None),
        (ts("00:00"), ts("01:00", "Europe/Paris")),
    ]
):
    case(f"equalp.{i}", "timeseries.equalp", x, y)

# split_ts, slice_ts, ts_normalize
T1 = ts("01:00")
case("split.basic", "timeseries.split_ts", S123, T1)
case("split.between", "timeseries.split_ts", S123, ts("01:10"))
case("split.min_max", "timeseries.split_ts", S123, T1, ts("00:30"), ts("01:30"))
case("split.max_only", "timeseries.split_ts", S123, T1, kwargs={"idx_max": ts("01:30")})
case("split.min_eq", "timeseries.split_ts", S123, T1, T1)
case("split.min_gt", "timeseries.split_ts", S123, T1, ts("01:30"))
case("split.max_eq", "timeseries.split_ts", S123, T1, None, T1)
case("split.max_lt", "timeseries.split_ts", S123, T1, None, ts("00:30"))
case("split.outside", "timeseries.split_ts", S123, ts("2023-12-31 23:00"))
case("split.text", "timeseries.split_ts", S123, "2024-01-01 01:00+00:00")
case("split.naive", "timeseries.split_ts", S123, ts("01:00", None))
case(
    "split.unsorted",
    "timeseries.split_ts",
    series([5.0, 4, 3, 2, 1], index=at(["02:00", "01:30", "01:00", "00:30", "00:00"])),
    T1,
)
case(
    "split.frame",
    "timeseries.split_ts",
    {"F": {"index": at(["00:00", "01:00", "02:00"]), "columns": {"x": [1.0, 2.0, 3.0]}}},
    T1,
)
case(
    "split.int_index",
    "timeseries.split_ts",
    {"S": {"index": {"labels": [0, 2, 4, 6]}, "values": [1.0, 2, 3, 4]}},
    2,
)
case("split.range_index", "timeseries.split_ts", {"S": {"values": [1.0, 2, 3, 4]}}, 2)
case("slice.basic", "timeseries.slice_ts", S123, ts("00:30"), ts("01:30"))
case("slice.text", "timeseries.slice_ts", S123, "2024-01-01 00:30+00:00", "2024-01-01 01:30+00:00")
case("slice.reversed", "timeseries.slice_ts", S123, ts("01:30"), ts("00:30"))
case("slice.paris", "timeseries.slice_ts", S123, ts("01:30", "Europe/Paris"), ts("01:30"))
case("slice.naive", "timeseries.slice_ts", S123, ts("00:30", None), ts("01:30", None))
case(
    "slice.unsorted",
    "timeseries.slice_ts",
    series([5.0, 4, 3, 2, 1], index=at(["02:00", "01:30", "01:00", "00:30", "00:00"])),
    ts("00:30"),
    ts("01:30"),
)
case(
    "slice.frame",
    "timeseries.slice_ts",
    {"F": {"index": at(["00:00", "00:30", "01:00"]), "columns": {"x": [1.0, 2.0, 3.0]}}},
    ts("00:30"),
    ts("01:00"),
)
case("slice.int_index", "timeseries.slice_ts", {"S": {"values": [1, 2, 3]}}, 1, 2)
case("normalize.basic", "timeseries.ts_normalize", S123)
case("normalize.const", "timeseries.ts_normalize", series([2.0, 2.0]))
case("normalize.nan", "timeseries.ts_normalize", series([0.0, None, 4.0, 1.0]))
case("normalize.int", "timeseries.ts_normalize", {"S": {"values": [1, 3, 2]}})
case("normalize.inf", "timeseries.ts_normalize", {"S": {"values": [0.0, 1.0, {"F8": "inf"}]}})
case(
    "normalize.frame",
    "timeseries.ts_normalize",
    {"F": {"columns": {"a": [1.0, 2, 3], "b": [0.0, 0, 1]}}},
)
case("normalize.bool", "timeseries.ts_normalize", {"S": {"values": [True, False]}})

# upsample_using_reference_serie
REF4 = series([1.0, 3, 2, 2])
REF5 = series([1.0, 3, 2, 2, 2])
COARSE = series([10.0, 20.0], freq="h")
for name, coarse, ref in [
    ("basic", COARSE, REF4),
    ("ref_longer", COARSE, series([1.0, 3, 2, 2, 5, 5])),
    ("ref_earlier", COARSE, series([1.0, 1, 1, 3, 2, 2, 5, 5], start="2023-12-31 23:00")),
    ("three_groups", series([10.0, 20, 30], freq="h"), series([1.0, 3, 2, 2, 1, 1])),
    ("nan_ref", COARSE, series([1.0, None, 2, 2])),
    ("nan_coarse_first", series([None, 20.0], freq="h"), REF4),
    ("nan_coarse_middle", series([10.0, None, 5.0], index=at(["00:00", "01:00", "01:30"])), REF5),
    (
        "coarse_none_object",
        {"S": {"index": at(["00:00", "01:00"]), "values": [10, None], "dtype": "object"}},
        REF5,
    ),
    ("negative_ref", COARSE, series([1.0, -1, 2, 2])),
    ("zero_mean", COARSE, series([0.0, 0, 0, 1])),
    ("zero_mean_signs", COARSE, series([1.0, -1, 0, 1])),
    ("zero_mean_last", COARSE, series([1.0, 1, 0, 0])),
    ("nan_in_zero_group", COARSE, series([0.0, None, 0, 1, 1])),
    ("all_nan_group", COARSE, series([None, None, None, 1])),
    ("zero_coarse", series([0.0, 20.0], freq="h"), series([0.0, 0, 0, 1])),
    ("boundary_nan", COARSE, series([1.0, 3, None, 4, 5])),
    ("adjacent", series([10.0, 20, 30]), REF4),
    ("same_grid", series([10.0, 20, 30, 40]), REF4),
    (
        "last_anchor_at_end",
        series([10.0, 20.0], index=at(["00:00", "02:00"])),
        series([1.0, 2, 3, 4, 5]),
    ),
    ("partly_off_ref", series([10.0, 15, 20], index=at(["00:00", "00:45", "01:00"])), REF4),
    ("first_off_ref", series([10.0, 20], index=at(["00:15", "01:00"])), REF4),
    ("all_off_ref", series([10.0, 20], index=at(["00:15", "01:15"])), REF4),
    ("single_coarse", series([10.0]), REF4),
    ("empty_coarse", EMPTY, REF4),
    ("int_values", series([10, 20], freq="h"), series([1, 3, 2, 2])),
    ("inf_ref", COARSE, series([1.0, {"F8": "inf"}, 2, 2])),
    ("tiny_mean", COARSE, series([1e-300, -1e-300, 1e-300, 1])),
    (
        "paris_coarse",
        series([10.0, 20.0], start="2024-01-01 01:00", freq="h", tz="Europe/Paris"),
        REF4,
    ),
    ("naive_coarse_aware_ref", series([10.0, 20.0], freq="h", tz=None), REF4),
    (
        "names",
        series([10.0, 20.0], freq="h", name="a"),
        series(
            [1.0, 3, 2, 2],
            name="b",
            index={"start": "2024-01-01", "periods": 4, "freq": "30min", "tz": "UTC"},
        ),
    ),
    (
        "int_index",
        {"S": {"index": {"labels": [0, 2]}, "values": [10.0, 20]}},
        {"S": {"values": [1.0, 3, 2, 2]}},
    ),
    (
        "str_index",
        {"S": {"index": {"labels": ["a", "c"]}, "values": [10.0, 20]}},
        {"S": {"index": {"labels": ["a", "b", "c", "d"]}, "values": [1.0, 3, 2, 2]}},
    ),
    (
        "daily_to_hourly",
        series([24.0, 48.0], freq="D", tz=None),
        series([float(i) for i in range(1, 49)], freq="h", tz=None),
    ),
    (
        "paris_dst_day",
        series([10.0, 20.0], start="2024-10-27", freq="D", tz="Europe/Paris"),
        series([float(i % 5) for i in range(49)], start="2024-10-27", freq="h", tz="Europe/Paris"),
    ),
]:
    case(f"upsample.{name}", "timeseries.upsample_using_reference_serie", coarse, ref)

# pd_freq_fix, pd_min_freq
for i, value in enumerate(
    ["H", "h", "30min", "min", "D", "15T", "-1h", " h", "1", "W-MON", "MS", None, td("1h"), 5, ""]
):
    case(f"freq_fix.{i}", "timeseries.pd_freq_fix", value)
for name, index in [
    ("regular", {"start": "2024-01-01", "periods": 5, "freq": "30min", "tz": "UTC"}),
    ("unsorted", at(["01:00", "00:30", "00:00"])),
    ("irregular", at(["00:00", "00:15", "01:00"])),
    ("duplicates", at(["00:00", "00:00", "01:00"])),
    ("one", at(["00:00"])),
    ("empty", at([])),
    ("naive", {"start": "2024-01-01", "periods": 3, "freq": "h", "tz": None}),
    ("paris_dst", {"start": "2024-10-27 01:00", "periods": 4, "freq": "h", "tz": "Europe/Paris"}),
    ("ints", {"labels": [1, 4, 10]}),
    ("ints_desc", {"labels": [10, 4, 1]}),
    ("ints_mixed", {"labels": [1, 5, 3]}),
    ("floats", {"labels": [1.5, 4.0]}),
    ("text", {"labels": ["a", "b"]}),
]:
    case(f"min_freq.{name}", "timeseries.pd_min_freq", {"I": index})
