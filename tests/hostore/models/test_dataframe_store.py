"""DataFrameStore: exact round trips, meta, keys, deletes, input rules, 0.6 payloads, races."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import threading

import numpy as np
import pandas as pd
import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostore.exceptions import InvalidAttrsError, InvalidFrameError, InvalidMetaError
from tests.conftest import rolled_back, snapshot
from tests.testapp.models import FrameStore, OtherFrameStore

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def frame_with_attrs() -> pd.DataFrame:
    df = pd.DataFrame({"a": [1.0, 2.0]})
    df.attrs = {"unit": "kW", "sources": ["x", "y"], "n": 3}
    return df


FRAMES = {
    "default-range-index": lambda: pd.DataFrame(
        {"a": [1, 2], "b": [1.5, np.nan], "c": ["x", None]}
    ),
    "range-index-step": lambda: pd.DataFrame({"a": [1.0, 2.0]}, index=pd.RangeIndex(5, 9, 2)),
    "range-index-named": lambda: pd.DataFrame({"a": [1.0]}, index=pd.RangeIndex(1, name="r")),
    "paris-hourly-dst": lambda: pd.DataFrame(
        {"a": [1.0, 2.0, 3.0]},
        index=pd.date_range("2024-03-31", periods=3, freq="h", tz="Europe/Paris", name="ts"),
    ),
    "naive-daily": lambda: pd.DataFrame(
        {"a": [1.0, 2.0]}, index=pd.date_range("2024-01-01", periods=2, freq="D")
    ),
    "month-ends": lambda: pd.DataFrame(
        {"a": [1, 2]}, index=pd.date_range("2024-01-31", periods=2, freq="ME")
    ),
    "irregular-datetimes": lambda: pd.DataFrame(
        {"a": [1, 2]}, index=pd.DatetimeIndex(["2024-01-01", "2024-03-05"], tz="UTC")
    ),
    "seconds-unit": lambda: pd.DataFrame(
        {"t": pd.to_datetime(["2024-01-01"]).as_unit("s")},
        index=pd.date_range("2024", periods=1, freq="D", unit="s"),
    ),
    "timedelta-index": lambda: pd.DataFrame(
        {"a": [1, 2]}, index=pd.timedelta_range("1h", periods=2, freq="h")
    ),
    "multiindex-rows": lambda: pd.DataFrame(
        {"v": [1.0, 2.0, 3.0]},
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["l", "n"]),
    ),
    "multiindex-columns": lambda: pd.DataFrame(
        [[1.0, 2.0]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])
    ),
    "categorical-text": lambda: pd.DataFrame(
        {"c": pd.Categorical(["a", "b", "a"], categories=["b", "a", "z"], ordered=True)}
    ),
    "categorical-numbers": lambda: pd.DataFrame(
        {
            "i": pd.Categorical([1, 2, None], categories=[3, 2, 1], ordered=True),
            "f": pd.Categorical([1.5, 2.5, 1.5]),
            "b": pd.Categorical([True, False, True]),
        },
        index=pd.CategoricalIndex([5, 6, 7], categories=[7, 6, 5, 9]),
    ),
    "nullable": lambda: pd.DataFrame(
        {
            "i": pd.array([1, None], dtype="Int64"),
            "b": pd.array([True, None], dtype="boolean"),
            "s": pd.array(["x", None], dtype="string"),
            "f": pd.array([1.5, None], dtype="Float64"),
        }
    ),
    "string-storages": lambda: pd.DataFrame(
        {
            "p": pd.array(["x", None], dtype="string[python]"),
            "a": pd.array(["y", None], dtype="string[pyarrow]"),
        }
    ),
    "object-text": lambda: pd.DataFrame(
        {"o": np.array(["x", None], dtype=object)}, index=pd.Index(["r1", "r2"], dtype=object)
    ).set_axis(pd.Index(["o"], dtype=object), axis=1),
    "object-numbers": lambda: pd.DataFrame({"o": pd.Series([1, 2], dtype=object)}),
    "datetime-columns": lambda: pd.DataFrame(
        {
            "t": pd.to_datetime(["2024-01-01", None]),
            "tz": pd.to_datetime(["2024-01-01", "2024-06-01"]).tz_localize("Europe/Paris"),
            "td": pd.to_timedelta(["1h", "2h"]),
        }
    ),
    "int-column-names": lambda: pd.DataFrame({0: [1.0], 1: [2.0]}),
    "positional-columns": lambda: pd.DataFrame(np.arange(6.0).reshape(2, 3)),
    "named-int-index": lambda: pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index([10, 20], name="n")),
    "small-types": lambda: pd.DataFrame(
        {
            "a": np.array([1.5], dtype="float32"),
            "b": np.array([3], dtype="uint8"),
            "c": np.array([2**63], dtype="uint64"),
            "d": np.array([1.5], dtype="float16"),
        },
        index=pd.Index([1], dtype="int32"),
    ),
    "python-objects": lambda: pd.DataFrame(
        {"d": [decimal.Decimal("1.5")], "day": [dt.date(2024, 1, 1)], "raw": [b"x"]}
    ),
    "periods-intervals": lambda: pd.DataFrame(
        {"p": pd.period_range("2024-01", periods=2, freq="M")}, index=pd.interval_range(0, 2)
    ),
    "empty": lambda: pd.DataFrame(),
    "empty-with-columns": lambda: pd.DataFrame({"a": pd.Series([], dtype=float)}),
    "attrs": frame_with_attrs,
    "long": lambda: pd.DataFrame(
        {"v": np.arange(5000.0), "s": ["x", "y"] * 2500},
        index=pd.date_range("2024", periods=5000, freq="15min", tz="UTC"),
    ),
}


def assert_frames(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs
    assert type(got.index) is type(want.index) and type(got.columns) is type(want.columns)


@pytest.fixture
def stored(db):
    """A frame for client 1 and one for client 2; returns the table's snapshot."""
    FrameStore.update_or_create_df(1, "k", pd.DataFrame({"a": [1.0]}), meta={"v": 1})
    FrameStore.update_or_create_df(2, "k", pd.DataFrame({"b": ["x"]}))
    return snapshot(FrameStore)


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("case", sorted(FRAMES))
def test_frames_come_back_equal(db, case):
    df = FRAMES[case]()
    obj, created = FrameStore.update_or_create_df(1, "k", df)
    assert created and obj.pk == FrameStore.objects.get().pk
    assert_frames(FrameStore.load_df(1, "k"), FRAMES[case]())
    assert_frames(df, FRAMES[case]())  # the caller's frame is left alone


def test_store_index_false_drops_the_index(db):
    df = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.date_range("2024", periods=2, freq="D"))
    FrameStore.update_or_create_df(1, "k", df, store_index=False)
    assert_frames(FrameStore.load_df(1, "k"), df.reset_index(drop=True))
    assert FrameStore.load_meta(1, "k") == {"store_index": False}


def test_payloads_are_parquet_that_pandas_reads_as_0_6_did(db):
    df = FRAMES["paris-hourly-dst"]()
    FrameStore.update_or_create_df(1, "k", df)
    payload = bytes(FrameStore.objects.get().payload)
    assert payload[:4] == b"PAR1"
    back = pd.read_parquet(io.BytesIO(payload), engine="pyarrow")  # holcstore 0.6's reader
    pd.testing.assert_frame_equal(back, df, check_freq=False)


def test_payloads_written_by_0_6_read_as_pyarrow_gives_them(db):
    """0.6 wrote ``df.to_parquet(index=True)``: a RangeIndex as a column, freq lost."""
    df = pd.DataFrame({"f": [1.5, np.nan], "s": ["a", "b"]})
    df.attrs = {"unit": "kW"}
    sink = io.BytesIO()
    df.to_parquet(sink, engine="pyarrow", compression="zstd", index=True)
    FrameStore.objects.create(client_id=1, key="old", payload=sink.getvalue(), meta={})
    got = FrameStore.load_df(1, "old")
    pd.testing.assert_frame_equal(got, df, check_index_type=False)
    assert list(got.index) == [0, 1] and got.attrs == {"unit": "kW"}


# ---------------------------------------------------------------------- meta, updates
def test_meta_is_copied_with_store_index_and_the_callers_dict_is_left_alone(db):
    meta = {"tag": "v1", "nested": {"a": [1, 2]}}
    FrameStore.update_or_create_df(1, "k", pd.DataFrame({"a": [1]}), meta=meta)
    assert meta == {"tag": "v1", "nested": {"a": [1, 2]}}
    assert FrameStore.load_meta(1, "k") == {**meta, "store_index": True}
    FrameStore.update_or_create_df(1, "k2", pd.DataFrame({"a": [1]}), meta={"store_index": True})
    assert FrameStore.load_meta(1, "k2") == {"store_index": True}


def test_an_update_replaces_frame_and_meta(stored):
    pk = FrameStore.objects.get(client_id=1).pk
    obj, created = FrameStore.update_or_create_df(1, "k", pd.DataFrame({"b": [2.0]}))
    assert not created and obj.pk == pk
    assert_frames(FrameStore.load_df(1, "k"), pd.DataFrame({"b": [2.0]}))
    assert FrameStore.load_meta(1, "k") == {"store_index": True}
    assert_frames(FrameStore.load_df(2, "k"), pd.DataFrame({"b": ["x"]}))
    assert FrameStore.objects.count() == 2


def test_absent_frames_read_as_none(stored):
    assert FrameStore.load_df(1, "nope") is None
    assert FrameStore.load_meta(3, "k") is None
    assert OtherFrameStore.load_df(1, "k") is None  # another store, its own table


def test_keys_and_delete(stored):
    FrameStore.update_or_create_df(1, "b-key", pd.DataFrame({"a": [1]}))
    FrameStore.update_or_create_df(1, "a-key", pd.DataFrame({"a": [1]}))
    assert FrameStore.keys(1) == ["a-key", "b-key", "k"]
    assert FrameStore.keys(3) == []
    assert FrameStore.delete_df(1, "b-key") is True
    assert FrameStore.delete_df(1, "b-key") is False
    assert FrameStore.keys(1) == ["a-key", "k"] and FrameStore.keys(2) == ["k"]


# ---------------------------------------------------------------------- input rules
def _sparse():
    return pd.DataFrame({"a": pd.arrays.SparseArray([0.0, 1.0])})


def _bad_attrs():
    df = pd.DataFrame({"a": [1]})
    df.attrs = {"when": dt.datetime(2024, 1, 1)}
    return df


BAD_CALLS = {
    "series": (lambda: ((1, "k", pd.Series([1.0])), {}), InvalidFrameError, "DataFrame"),
    "dict": (lambda: ((1, "k", {"a": [1]}), {}), InvalidFrameError, "DataFrame"),
    "none-frame": (lambda: ((1, "k", None), {}), InvalidFrameError, "DataFrame"),
    "empty-key": (lambda: ((1, "", pd.DataFrame()), {}), InvalidAttrsError, "non-empty"),
    "int-key": (lambda: ((1, 5, pd.DataFrame()), {}), InvalidAttrsError, "non-empty"),
    "long-key": (lambda: ((1, "k" * 256, pd.DataFrame()), {}), InvalidAttrsError, "at most 255"),
    "text-client": (lambda: (("one", "k", pd.DataFrame()), {}), InvalidAttrsError, "client_id"),
    "none-client": (lambda: ((None, "k", pd.DataFrame()), {}), InvalidAttrsError, "client_id"),
    "bool-client": (lambda: ((True, "k", pd.DataFrame()), {}), InvalidAttrsError, "client_id"),
    "huge-client": (lambda: ((2**40, "k", pd.DataFrame()), {}), InvalidAttrsError, "client_id"),
    "meta-list": (lambda: ((1, "k", pd.DataFrame()), {"meta": [1]}), InvalidMetaError, "dict"),
    "meta-object": (
        lambda: ((1, "k", pd.DataFrame()), {"meta": {"a": object()}}),
        InvalidMetaError,
        "JSON",
    ),
    "meta-nan": (
        lambda: ((1, "k", pd.DataFrame()), {"meta": {"a": float("nan")}}),
        InvalidMetaError,
        "JSON",
    ),
    "meta-store-index": (
        lambda: ((1, "k", pd.DataFrame()), {"meta": {"store_index": False}}),
        InvalidMetaError,
        "store_index",
    ),
    "duplicate-columns": (
        lambda: ((1, "k", pd.DataFrame([[1, 2]], columns=["a", "a"])), {}),
        InvalidFrameError,
        "duplicate column",
    ),
    "mixed-column": (
        lambda: ((1, "k", pd.DataFrame({"a": ["x", 1]})), {}),
        InvalidFrameError,
        "cannot be stored as Parquet",
    ),
    "complex-column": (
        lambda: ((1, "k", pd.DataFrame({"a": [1j]})), {}),
        InvalidFrameError,
        "cannot be stored",
    ),
    "sparse-column": (lambda: ((1, "k", _sparse()), {}), InvalidFrameError, "Sparse"),
    "mixed-labels": (
        lambda: ((1, "k", pd.DataFrame({0: [1], "b": [2]})), {}),
        InvalidFrameError,
        "labels mix types",
    ),
    "bool-labels": (
        lambda: ((1, "k", pd.DataFrame({True: [1], False: [2]})), {}),
        InvalidFrameError,
        "column labels would come back",
    ),
    "int-index-name": (
        lambda: ((1, "k", pd.DataFrame({"a": [1]}, index=pd.Index([1], name=5))), {}),
        InvalidFrameError,
        "not strings",
    ),
    "datetime-categories": (
        lambda: ((1, "k", pd.DataFrame({"a": pd.Categorical(pd.to_datetime(["2024"]))})), {}),
        InvalidFrameError,
        "would come back as",
    ),
    "attrs-not-json": (lambda: ((1, "k", _bad_attrs()), {}), InvalidFrameError, "attrs"),
}


@pytest.mark.parametrize("key", ["k", "new"])
@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_calls_are_refused_and_nothing_is_written(stored, case, key):
    make, error, message = BAD_CALLS[case]
    args, kwargs = make()
    if isinstance(args[1], str) and args[1] == "k":
        args = (args[0], key, *args[2:])  # over a stored frame, and a new key
    with pytest.raises(error, match=message):
        FrameStore.update_or_create_df(*args, **kwargs)
    assert snapshot(FrameStore) == stored


def test_error_classes_are_those_0_6_raised(stored):
    assert issubclass(InvalidFrameError, TypeError) and issubclass(InvalidMetaError, TypeError)
    assert issubclass(InvalidAttrsError, ValueError)


@pytest.mark.parametrize("call", ["load_df", "load_meta", "delete_df"])
def test_reads_and_deletes_check_the_key_too(stored, call):
    with pytest.raises(InvalidAttrsError, match="non-empty"):
        getattr(FrameStore, call)(1, "")
    with pytest.raises(InvalidAttrsError, match="client_id"):
        getattr(FrameStore, call)("one", "k")
    with pytest.raises(InvalidAttrsError, match="client_id"):
        FrameStore.keys(None)
    assert snapshot(FrameStore) == stored


def test_a_long_frame_is_checked_too(db):
    """The round trip is proven on the first rows (what is lost depends on the dtypes)."""
    df = pd.DataFrame({"a": pd.Categorical(pd.date_range("2024", periods=40, freq="D"))})
    with pytest.raises(InvalidFrameError, match="would come back as"):
        FrameStore.update_or_create_df(1, "k", df)
    assert FrameStore.objects.count() == 0


def test_a_frame_without_columns_keeps_its_rows(db):
    for df, store_index in [
        (pd.DataFrame(index=pd.RangeIndex(2, 8, 2, name="r")), True),
        (pd.DataFrame(index=pd.Index(["a", "b"])), False),
        (pd.DataFrame(index=pd.date_range("2024", periods=3, freq="h")), True),
    ]:
        FrameStore.update_or_create_df(1, "k", df, store_index=store_index)
        want = df if store_index else df.reset_index(drop=True)
        assert_frames(FrameStore.load_df(1, "k"), want)


# ---------------------------------------------------------------------- concurrency
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_of_one_key_never_fail():
    n_threads, per_thread = 8, 5
    barrier = threading.Barrier(n_threads)
    errors, created = [], []

    def writer(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                df = pd.DataFrame({"writer": [k], "i": [i]})
                _, new = FrameStore.update_or_create_df(1, "shared", df, meta={"k": k})
                created.append(new)
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
    assert created.count(True) == 1 and len(created) == n_threads * per_thread
    assert FrameStore.objects.count() == 1
    got = FrameStore.load_df(1, "shared")
    assert FrameStore.load_meta(1, "shared") == {"k": int(got["writer"][0]), "store_index": True}


# ---------------------------------------------------------------------- properties
ZONES = [None, "UTC", "Europe/Paris"]
COLUMN_KINDS = [
    "float64",
    "float32",
    "int64",
    "uint16",
    "bool",
    "text",
    "object-text",
    "Int64",
    "boolean",
    "string",
    "category",
    "category-int",
    "datetime",
    "timedelta",
]


@st.composite
def columns(draw, n: int, kind: str):
    if kind in ("float64", "float32"):
        width = 32 if kind == "float32" else 64
        values = draw(st.lists(st.floats(width=width), min_size=n, max_size=n))
        return np.asarray(values, dtype=kind)
    if kind in ("int64", "uint16"):
        lo, hi = (0, 2**16 - 1) if kind == "uint16" else (-(2**63), 2**63 - 1)
        return np.asarray(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), kind)
    if kind == "bool":
        return np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    text = st.text(max_size=5)
    if kind in ("text", "object-text", "string"):
        values = draw(st.lists(st.none() | text, min_size=n, max_size=n))
        if kind == "text":  # str under pandas 3, object under pandas 2
            return pd.Series([v or "" for v in values], dtype=object).astype(str).array
        if kind == "string":
            return pd.array(values, dtype="string")
        return np.array(values, dtype=object)
    if kind == "Int64":
        return pd.array(
            draw(st.lists(st.none() | st.integers(-100, 100), min_size=n, max_size=n)), "Int64"
        )
    if kind == "boolean":
        return pd.array(
            draw(st.lists(st.none() | st.booleans(), min_size=n, max_size=n)), "boolean"
        )
    if kind in ("category", "category-int"):
        pool = ["a", "b", "c", "d"] if kind == "category" else [10, 20, 30, 40]
        cats = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
        values = draw(st.lists(st.none() | st.sampled_from(cats), min_size=n, max_size=n))
        return pd.Categorical(values, categories=cats, ordered=draw(st.booleans()))
    stamps = draw(st.lists(st.none() | st.integers(0, 2 * 10**9), min_size=n, max_size=n))
    if kind == "timedelta":
        return pd.to_timedelta(stamps, unit="s").array
    out = pd.to_datetime(stamps, unit="s")
    zone = draw(st.sampled_from(ZONES))
    return (out.tz_localize("UTC").tz_convert(zone) if zone else out).array


@st.composite
def indexes(draw, n: int) -> pd.Index:
    kind = draw(st.sampled_from(["range", "range-step", "dates", "ints", "text", "multi"]))
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "range-step":
        start, step = draw(st.integers(-5, 5)), draw(st.integers(1, 3))
        return pd.RangeIndex(start, start + n * step, step, name=draw(st.none() | st.just("r")))
    if kind == "dates":
        freq = draw(st.sampled_from(["15min", "h", "D", "MS", None]))
        zone = draw(st.sampled_from(ZONES))
        index = pd.date_range("2024-03-30", periods=n, freq=freq or "h", tz=zone, name="ts")
        return index if freq else pd.DatetimeIndex(list(index), name="ts")
    if kind == "ints":
        return pd.Index(draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n)), name="n")
    if kind == "text":
        return pd.Index(draw(st.lists(st.text(max_size=3), min_size=n, max_size=n)))
    return pd.MultiIndex.from_arrays(
        [np.arange(n) % 3, [f"r{i}" for i in range(n)]], names=["a", None]
    )


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), max_size=5))
    data = {f"c{i}_{kind}": draw(columns(n, kind)) for i, kind in enumerate(kinds)}
    df = pd.DataFrame(data, index=draw(indexes(n)))
    if draw(st.booleans()):
        df.attrs = {"unit": draw(st.text(max_size=3)), "n": draw(st.integers())}
    return df


@settings(
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(df=frames(), store_index=st.booleans())
def test_any_frame_comes_back_equal(db, df, store_index):
    with rolled_back():
        FrameStore.update_or_create_df(7, "any", df, store_index=store_index)
        want = df if store_index else df.reset_index(drop=True)
        assert_frames(FrameStore.load_df(7, "any"), want)
