"""``Range``: inclusive intervals, their comparisons, differences and merges, including the
corrections of holcstore 0.5/0.6 (combine that shrank and mutated, text-based hashing)."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore.exceptions import InvalidRangeError
from hostore.tools import Range


def ends(ranges):
    return [(r.sd, r.ed) for r in ranges]


def utc(text):
    return pd.Timestamp(f"2024-01-01 {text}", tz="UTC")


# ------------------------------------------------------------------------ construction
def test_keeps_the_given_objects_and_they_stay_mutable():
    start, end = utc("00:00"), utc("02:00")
    r = Range(start, end)
    assert r.sd is start and r.ed is end
    r.sd = utc("01:00")
    assert r.sd == utc("01:00")


def test_a_point_is_a_range():
    assert ends([Range(3, 3)]) == [(3, 3)]


def test_reversed_ends_raise_an_assertion_and_value_error():
    with pytest.raises(InvalidRangeError, match="must not end before it starts") as info:
        Range(2, 1)
    assert isinstance(info.value, AssertionError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("sd", "ed"), [(None, 1), (pd.Timestamp("2024-01-01"), utc("00:00"))])
def test_incomparable_ends_raise_type_error(sd, ed):
    with pytest.raises(TypeError):
        Range(sd, ed)


# ------------------------------------------------------------------ equality and hashing
def test_equality_compares_instants_across_zones_and_types():
    paris = Range(
        pd.Timestamp("2024-01-01 01:00", tz="Europe/Paris"),
        pd.Timestamp("2024-01-01 03:00", tz="Europe/Paris"),
    )
    in_utc = Range(utc("00:00"), utc("02:00"))
    pydatetimes = Range(
        dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(2024, 1, 1, 2, tzinfo=dt.timezone.utc),
    )
    assert paris == in_utc == pydatetimes
    assert (paris != in_utc) is False
    assert Range(1, 2) != Range(1, 3)


def test_equal_ranges_hash_equally_whatever_their_zone():
    # 0.5/0.6 hashed the text: these two were equal with different hashes
    paris = Range(
        pd.Timestamp("2024-01-01 01:00", tz="Europe/Paris"),
        pd.Timestamp("2024-01-01 03:00", tz="Europe/Paris"),
    )
    in_utc = Range(utc("00:00"), utc("02:00"))
    assert hash(paris) == hash(in_utc)
    assert len({paris, in_utc}) == 1
    groups = {paris: ["a"]}
    groups.setdefault(in_utc, []).append("b")
    assert groups == {paris: ["a", "b"]}


def test_comparing_with_other_objects_is_false_not_an_error():
    assert Range(1, 2) != (1, 2)
    assert (Range(1, 2) == None) is False  # noqa: E711 (the operator itself is under test)
    assert Range(1, 2) in [None, "x", Range(1, 2)]


def test_ranges_have_no_order():
    with pytest.raises(TypeError):
        sorted([Range(2, 3), Range(1, 2)])


def test_text_forms():
    assert str(Range(1, 2)) == "Interval from 1 to 2"
    assert str(Range(utc("00:00"), utc("01:00"))) == (
        "Interval from 2024-01-01 00:00:00+00:00 to 2024-01-01 01:00:00+00:00"
    )
    assert repr(Range(1, 2)) == "Range(1, 2)"


# --------------------------------------------------------------------------- predicates
def test_overlap_includes_and_check_date_count_the_ends():
    assert Range(0, 10).overlap(Range(10, 12))
    assert not Range(0, 10).overlap(Range(11, 12))
    assert Range(2, 3).overlap(Range(0, 10))
    assert Range(0, 10).includes(Range(0, 10))
    assert not Range(0, 10).includes(Range(2, 11))
    assert [Range(0, 10).check_date(d) for d in (-1, 0, 10, 11)] == [False, True, True, False]


def test_intersection():
    assert ends([Range(0, 10).intersection(Range(5, 12), 0)]) == [(5, 10)]
    assert ends([Range(0, 10).intersection(Range(10, 12), 0)]) == [(10, 10)]
    assert Range(0, 10).intersection(Range(10, 12), 1) is None
    assert Range(0, 10).intersection(Range(11, 12), 0) is None
    hour = pd.Timedelta("1h")
    got = Range(utc("00:00"), utc("02:00")).intersection(Range(utc("01:00"), utc("05:00")), hour)
    assert ends([got]) == [(utc("01:00"), utc("02:00"))]
    with pytest.raises(InvalidRangeError):  # disjoint with a negative min_delta
        Range(0, 3).intersection(Range(5, 8), -10)


# ------------------------------------------------------------------- difference_missing
@pytest.mark.parametrize(
    ("available", "requested", "min_delta", "missing"),
    [
        ((0, 10), (2, 5), 0, []),
        ((2, 5), (0, 10), 0, [(0, 2), (5, 10)]),
        ((2, 5), (0, 10), 3, [(5, 10)]),
        ((2, 5), (2, 10), 0, [(2, 2), (5, 10)]),  # a one-point left part
        ((0, 5), (3, 10), 0, [(5, 10)]),
        ((3, 10), (0, 5), 3, [(0, 3)]),
        ((3, 10), (0, 5), 4, []),
        ((0, 2), (5, 10), 0, [(2, 10)]),  # disjoint: runs from the available end
        ((5, 10), (0, 2), 0, [(0, 5)]),
        ((0, 2), (5, 10), 9, []),
        ((0, 10), (0, 10), 0, []),
    ],
)
def test_difference_missing(available, requested, min_delta, missing):
    assert ends(Range(*available).difference_missing(Range(*requested), min_delta)) == missing


def test_difference_missing_with_timestamps_shares_the_available_ends():
    got = Range(utc("00:00"), utc("02:00")).difference_missing(
        Range(utc("00:00"), utc("05:00")), pd.Timedelta("1h")
    )
    assert ends(got) == [(utc("02:00"), utc("05:00"))]


# -------------------------------------------------------------------- sort and combine
def test_sort_by_start_sorts_in_place_stably():
    ranges = [Range(5, 6), Range(1, 3), Range(1, 2), Range(0, 9)]
    assert Range.sort_by_start(ranges) is None
    assert ends(ranges) == [(0, 9), (1, 3), (1, 2), (5, 6)]
    Range.sort_by_start(ranges, reverse=True)
    assert ends(ranges) == [(5, 6), (1, 3), (1, 2), (0, 9)]


@pytest.mark.parametrize(
    ("given", "merged"),
    [
        ([(5, 6), (1, 2)], [(1, 2), (5, 6)]),
        ([(1, 2), (2, 3)], [(1, 3)]),
        ([(0, 3), (2, 5), (6, 9), (9, 12)], [(0, 5), (6, 12)]),
        ([], []),
        # 0.5/0.6 gave [(0, 5)], [(1, 2)] and [(0, 12)] after cutting the first range short
        ([(0, 10), (2, 5)], [(0, 10)]),
        ([(1, 5), (1, 2)], [(1, 5)]),
        ([(0, 10), (2, 5), (4, 12)], [(0, 12)]),
    ],
)
def test_combine(given, merged):
    assert ends(Range.combine([Range(*r) for r in given])) == merged


def test_combine_leaves_its_input_alone_and_returns_new_ranges():
    ranges = [Range(5, 6), Range(0, 10), Range(2, 5)]
    before = [(id(r), r.sd, r.ed) for r in ranges]
    merged = Range.combine(ranges)
    assert [(id(r), r.sd, r.ed) for r in ranges] == before
    assert all(m is not r for m in merged for r in ranges)
    assert ends(merged) == [(0, 10)]


def test_combine_accepts_any_iterable():
    assert ends(Range.combine(r for r in (Range(3, 4), Range(1, 3)))) == [(1, 4)]
    assert ends(Range.combine((Range(1, 2),))) == [(1, 2)]


intervals = st.tuples(st.integers(-50, 50), st.integers(0, 30)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(intervals, max_size=12))
def test_combine_covers_exactly_the_union_with_disjoint_sorted_ranges(pairs):
    merged = Range.combine([Range(*p) for p in pairs])

    def covered(point, spans):
        return any(a <= point <= b for a, b in spans)

    spans = ends(merged)
    # every half-integer point (ends are integers) is covered by both or by neither
    for twice in range(-102, 162):
        assert covered(twice / 2, spans) == covered(twice / 2, pairs)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end < start  # sorted, apart (touching ranges are merged)


@settings(max_examples=200, deadline=None)
@given(intervals, intervals, st.integers(0, 10))
def test_difference_missing_parts_are_long_enough_and_cover_the_request(available, requested, md):
    have, want = Range(*available), Range(*requested)
    parts = have.difference_missing(want, md)
    assert all(p.ed - p.sd >= md for p in parts)
    if md == 0:  # with no length filter, what is available and what is missing cover it all
        for twice in range(2 * want.sd, 2 * want.ed + 1):
            point = twice / 2
            assert have.check_date(point) or any(p.check_date(point) for p in parts)
    if have.overlap(want):  # missing parts then stay within the request
        assert all(want.includes(p) for p in parts)


zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), zones, zones)
def test_hash_agrees_with_equality_across_zones(start_s, length_s, zone_a, zone_b):
    start = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(seconds=start_s)
    end = start + pd.Timedelta(seconds=length_s)
    a = Range(start.tz_convert(zone_a), end.tz_convert(zone_a))
    b = Range(start.tz_convert(zone_b), end.tz_convert(zone_b))
    assert a == b and hash(a) == hash(b)
