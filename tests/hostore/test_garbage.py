"""Garbage in, clear error out: random inputs of every wrong kind to the public API.

Each call either works or raises an error of ``hostore.exceptions`` (or Django's
``ValidationError``/``IntegrityError`` for field values), and a failed call changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostore.exceptions import (
    HostoreError,
    InvalidAttrsError,
    InvalidBoundsError,
    InvalidPayloadError,
    InvalidSeriesError,
)
from tests.conftest import rolled_back, snapshot
from tests.testapp.models import FrameStore, HourlyStore, LoadStore, YearKindSeries

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLEAR = (HostoreError, ValidationError, IntegrityError)
TZ = "Europe/Paris"
SEED = pd.Series(np.arange(48.0), index=pd.date_range("2024-03-01", periods=48, freq="1h", tz=TZ))

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(object()),
    st.just(pd.NaT),
    st.just(np.datetime64("NaT", "ns")),
    st.just(pd.Timestamp("2024-01-01", tz="Asia/Tokyo")),
)
attrs_st = st.one_of(
    junk,
    st.fixed_dictionaries({"version": st.just(1), "kind": st.just("a")}),
    st.fixed_dictionaries({"version": junk, "kind": junk}),
    st.fixed_dictionaries({"version": st.integers(), "kind": st.text(max_size=25)}),
    st.fixed_dictionaries({"version": st.just(1)}),
    st.fixed_dictionaries({"version": st.just(1), "kind": st.just("a"), "other": junk}),
)
filters_st = st.one_of(
    attrs_st, st.just({}), st.fixed_dictionaries({"kind": junk}), st.just({"kind__in": ["a"]})
)
bound_st = st.one_of(
    junk,
    st.sampled_from(["2024-03-01", "2024-03-01 05:00", "garbage", "", "2024-13-45", "now"]),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2300, 1, 1)),
    st.dates(),
    st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", None]).map(
        lambda tz: pd.Timestamp("2024-03-01 03:00", tz=tz)
    ),
)
DTYPES = [
    "float64",
    "float32",
    "float16",
    "int64",
    "int8",
    "uint64",
    "bool",
    "complex128",
    "object",
    "string",
    "category",
    "datetime64[ns]",
    "timedelta64[ns]",
    "Float64",
    "Int64",
]


@st.composite
def index_st(draw, n: int):
    kind = draw(
        st.sampled_from(
            [
                "range",
                "naive",
                "aware",
                "utc",
                "period",
                "multi",
                "dup",
                "unsorted",
                "strings",
                "offgrid",
                "ints",
                "nat",
                "dst",
            ]
        )
    )
    hours = pd.date_range("2024-03-01", periods=n, freq="1h")
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "naive":
        return hours
    if kind == "aware":
        return hours.tz_localize(TZ)
    if kind == "utc":
        return hours.tz_localize("UTC")
    if kind == "period":
        return pd.period_range("2024-03-01", periods=n, freq="h")
    if kind == "multi":
        return pd.MultiIndex.from_arrays([hours, range(n)])
    if kind == "dup":
        return pd.DatetimeIndex([*hours[: max(1, n - 1)], hours[0]])[:n] if n else hours
    if kind == "unsorted":
        return hours[::-1]
    if kind == "strings":
        return pd.Index([str(t) for t in hours], dtype=object)
    if kind == "offgrid":
        return hours + pd.Timedelta("7min")
    if kind == "ints":
        return pd.Index(np.arange(n, dtype="int64"))
    if kind == "nat":
        return pd.DatetimeIndex([pd.NaT] * n)
    return pd.date_range("2024-10-27 01:00", periods=n, freq="1h")  # naive, over DST


@st.composite
def serie_st(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(junk | st.just(pd.DataFrame({"a": [1.0]})))
    n = draw(st.integers(0, 6))
    dtype = draw(st.sampled_from(DTYPES))
    raw = draw(
        st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=n, max_size=n)
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = pd.array(raw, dtype="float64").astype(dtype)
    except (TypeError, ValueError, OverflowError, RuntimeWarning):
        data = pd.array(raw, dtype="float64").astype(object)
    return pd.Series(data, index=draw(index_st(n)))


def blob_st():
    good = base64.b64encode(b"\x04\x22\x4d\x18" + b"\x00" * 10).decode()
    return st.one_of(junk, st.binary(max_size=40), st.just(good), st.just("!!not base64!!"))


payload_item = st.one_of(
    junk,
    st.fixed_dictionaries(
        {
            "attrs": attrs_st,
            "chunk_index": st.one_of(junk, st.integers(-5, 30000)),
            "dtype": st.one_of(junk, st.sampled_from(["float64", "float32", "int64", "bogus"])),
            "data": blob_st(),
        },
        optional={"is_deleted": junk, "start_ts": junk},
    ),
)


def check(model, call) -> None:
    """``call()`` works or raises a clear error; when it raises, ``model`` is unchanged."""
    before = snapshot(model)
    try:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    except CLEAR:
        assert snapshot(model) == before
    except Exception as exc:  # anything else is the bug sought
        raise AssertionError(f"unclear error {type(exc).__name__}: {exc}") from exc


@SETTINGS
@given(attrs=attrs_st, serie=serie_st(), flags=st.sampled_from([(0, 0), (1, 0), (0, 1), (1, 1)]))
def test_set_ts(attrs, serie, flags):
    with rolled_back():
        HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
        check(HourlyStore, lambda: HourlyStore.set_ts(attrs, serie, *map(bool, flags)))


@SETTINGS
@given(
    key=st.one_of(junk, st.tuples(junk, junk), st.just((2, "b"))),
    serie=serie_st(),
    keys=st.one_of(junk, st.just(("version", "kind")), st.just(("kind",))),
)
def test_set_many_ts(key, serie, keys):
    with rolled_back():
        HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
        try:
            mapping = {key: serie}
        except TypeError:  # an unhashable key: passed as the mapping itself
            mapping = key
        check(HourlyStore, lambda: HourlyStore.set_many_ts(mapping, keys))


@SETTINGS
@given(
    attrs=filters_st,
    start=bound_st,
    end=bound_st,
    method=st.sampled_from(
        [
            "get_ts",
            "get_many_ts",
            "yield_many_ts",
            "coverage",
            "holes",
            "total_ts",
            "aggregate_ts",
            "get_max_horodate",
        ]
    ),
)
def test_reads(attrs, start, end, method):
    with rolled_back():
        HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
        fn = getattr(HourlyStore, method)
        if method == "get_max_horodate":
            check(HourlyStore, lambda: fn(attrs))
        else:
            check(HourlyStore, lambda: fn(attrs, start, end))


@SETTINGS
@given(
    how=junk | st.sampled_from(["sum", "mean"]),
    period=junk | st.just("day"),
    min_slots=junk,
    min_coverage=junk,
)
def test_question_arguments(how, period, min_slots, min_coverage):
    with rolled_back():
        HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
        check(HourlyStore, lambda: HourlyStore.holes({}, None, None, min_slots))
        check(HourlyStore, lambda: HourlyStore.total_ts({}, None, None, how))
        check(
            HourlyStore,
            lambda: HourlyStore.aggregate_ts({}, None, None, period, "sum", min_coverage),
        )


@SETTINGS
@given(payload=st.one_of(junk, st.lists(payload_item, max_size=3)))
def test_import_chunks(payload):
    with rolled_back():
        HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
        check(HourlyStore, lambda: HourlyStore.import_chunks(payload))


@SETTINGS
@given(
    prm=junk | st.text(max_size=10),
    serie=serie_st(),
    client=junk | st.integers(0, 9),
    versionning=st.booleans(),
)
def test_store_lc(prm, serie, client, versionning):
    with rolled_back():
        LoadStore.set_lc("p1", SEED, 1)
        check(LoadStore, lambda: LoadStore.set_lc(prm, serie, client, versionning))
        check(LoadStore, lambda: LoadStore.get_lc(prm, client))


@SETTINGS
@given(
    attrs=st.one_of(
        junk,
        st.fixed_dictionaries({"year": junk, "kind": junk}),
        st.just({"year": 2024, "kind": "b"}),
    ),
    serie=serie_st(),
    flags=st.sampled_from([(0, 0), (1, 0), (0, 1)]),
)
def test_timeseries_store(attrs, serie, flags):
    with rolled_back():
        YearKindSeries.set_ts({"year": 2024, "kind": "a"}, SEED)
        check(YearKindSeries, lambda: YearKindSeries.set_ts(attrs, serie, *map(bool, flags)))
        check(YearKindSeries, lambda: YearKindSeries.get_ts(attrs))


# ------------------------------------------------ the bugs the properties found, pinned
@pytest.mark.parametrize(
    "bound", ["garbage", "1", ":", "2024-00-45", True, [1], 2**70, dt.datetime(2263, 1, 1)]
)
def test_a_bound_that_is_no_time_is_a_bounds_error(bound):
    HourlyStore.set_ts({"version": 1, "kind": "a"}, SEED)
    with pytest.raises(InvalidBoundsError, match=r"bound .* is not a time"):
        HourlyStore.get_ts({"version": 1, "kind": "a"}, start=bound)
    with pytest.raises(InvalidBoundsError, match="end bound"):
        HourlyStore.get_many_ts({}, end=bound)


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"version": [1], "kind": "a"}, "'version' must be a single value, not list"),
        ({"version": 1, "kind": {"a": 1}}, "'kind' must be a single value, not dict"),
        ({"version": 2**64, "kind": "a"}, "'version' is out of the 64-bit range"),
        ({"version": str(2**64), "kind": "a"}, "'version' is out of the 64-bit range"),
        ({"version": "v1", "kind": "a"}, "'version' is refused: .*expected a number"),
        ({"version": float("inf"), "kind": "a"}, "'version' is refused: .*infinity"),
        ({"version": 1, "kind": "k" * 21}, "'kind' has 21 characters, more than .* 20"),
        ({"version": 1, "kind": "a\x00b"}, "'kind' holds a NUL character"),
    ],
)
def test_a_key_value_of_the_wrong_shape_is_an_attrs_error(attrs, message):
    with pytest.raises(InvalidAttrsError, match=message):
        HourlyStore.set_ts(attrs, SEED)
    with pytest.raises(InvalidAttrsError, match=message):
        HourlyStore.get_ts(attrs)
    with pytest.raises(InvalidAttrsError, match=message):
        HourlyStore.get_many_ts(attrs)
    assert snapshot(HourlyStore) == []


def test_key_values_are_taken_as_their_fields_take_them():
    # "1" for an integer key is 1, as filter() would take it (and PostgreSQL compares
    # integers with integers: sent as text, it refused the query)
    HourlyStore.set_ts({"version": "1", "kind": "a"}, SEED)
    pd.testing.assert_series_equal(HourlyStore.get_ts({"version": 1, "kind": "a"}), SEED)
    [(serie, attrs)] = HourlyStore.yield_many_ts({"version": "1"})
    assert attrs == {"version": 1, "kind": "a"} and serie.equals(SEED)


@pytest.mark.parametrize("filters", [1, "version", ["version"], (("version", 1),)])
def test_filters_that_are_no_mapping_are_an_attrs_error(filters):
    with pytest.raises(InvalidAttrsError, match="must be a dict of business-key values"):
        list(HourlyStore.yield_many_ts(filters))


@pytest.mark.parametrize("payload", [None, 3, "chunks", b"x", {"attrs": {}}])
def test_a_payload_that_is_no_list_is_a_payload_error(payload):
    with pytest.raises(InvalidPayloadError, match="must be a list of chunk items"):
        HourlyStore.import_chunks(payload)


@pytest.mark.parametrize(
    ("client_id", "prm", "error", "message"),
    [
        ("", "p1", InvalidAttrsError, "client_id '' is refused"),
        (object(), "p1", InvalidAttrsError, "client_id <object"),
        (2**70, "p1", InvalidAttrsError, "client_id is out of the 64-bit range"),
        (float("inf"), "p1", InvalidAttrsError, "client_id inf is refused"),
        (1, [1], InvalidAttrsError, r"prm \[1\] is refused"),
        (1, "p\x00", InvalidAttrsError, "'prm' holds a NUL character"),
    ],
)
def test_a_store_id_of_the_wrong_kind_is_refused_clearly(client_id, prm, error, message):
    LoadStore.set_lc("p1", SEED, 1)
    before = snapshot(LoadStore)
    with pytest.raises(error, match=message):
        LoadStore.set_lc(prm, SEED, client_id)
    with pytest.raises(error, match=message):
        LoadStore.get_lc(prm, client_id)
    assert snapshot(LoadStore) == before


def test_values_a_database_would_refuse_are_refused_on_every_database():
    with pytest.raises(InvalidAttrsError, match="'kind' holds a NUL character"):
        YearKindSeries.get_ts({"kind": "a\x00"})
    with pytest.raises(InvalidAttrsError, match="'kind__in' holds a NUL character"):
        YearKindSeries.get_ts({"kind__in": ["a", "\x00"]})
    with pytest.raises(InvalidAttrsError, match="'year__gt' is out of the 64-bit range"):
        YearKindSeries.get_ts({"year__gt": 2**70})
    with pytest.raises(InvalidAttrsError, match="'year' is out of the 64-bit range"):
        YearKindSeries.set_ts({"year": 2**70, "kind": "a"}, SEED)
    with pytest.raises(InvalidAttrsError, match="field 'year': cannot convert float infinity"):
        YearKindSeries.set_ts({"year": float("inf"), "kind": "a"}, SEED)
    with pytest.raises(InvalidAttrsError, match="'key' holds a NUL character"):
        FrameStore.update_or_create_df(1, "k\x00", pd.DataFrame({"a": [1.0]}))
    assert snapshot(YearKindSeries) == snapshot(FrameStore) == []


@pytest.mark.parametrize("attrs", [{"year": "", "kind": "a"}, {"year": [], "kind": "a"}])
def test_a_timeseries_store_lookup_value_of_the_wrong_kind_is_an_attrs_error(attrs):
    with pytest.raises(InvalidAttrsError, match="expected a number"):
        YearKindSeries.get_ts(attrs)


def test_set_many_ts_refuses_a_mapping_or_keys_of_the_wrong_kind():
    with pytest.raises(InvalidSeriesError, match="mapping must be a dict"):
        HourlyStore.set_many_ts(None, ("version", "kind"))
    with pytest.raises(InvalidAttrsError, match="keys must be a list of business-key names"):
        HourlyStore.set_many_ts({(1, "a"): SEED}, None)
    with pytest.raises(InvalidAttrsError, match="keys must list the business keys"):
        HourlyStore.set_many_ts({(1, "a"): SEED}, (1, "kind"))
    assert snapshot(HourlyStore) == []
