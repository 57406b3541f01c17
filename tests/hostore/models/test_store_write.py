"""Store writes: set_lc / set_many_lc, versions, validation (errors write nothing), bulk."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pandas as pd
import pytest
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext

from hostore.exceptions import (
    DuplicateTimestampError,
    InvalidAttrsError,
    InvalidSeriesError,
    NonNumericError,
)
from tests.conftest import snapshot
from tests.testapp.models import LoadStore, YearLoadStore

from .store_data import curve


def rows(model=LoadStore) -> list[tuple]:
    rows = model.objects.order_by("prm", "client_id", "version")
    return list(rows.values_list("prm", "client_id", "version"))


def test_a_curve_round_trips_with_its_dtype_and_zone(db):
    paris = curve("2024-03-31", 48, tz="Europe/Paris")  # a 23-hour day
    watts = curve(periods=5, dtype=np.int64)
    LoadStore.set_lc("A", paris, 1)
    LoadStore.set_lc("B", watts, 1)
    [a] = LoadStore.get_lc("A", 1)
    pd.testing.assert_series_equal(a["data"], paris.rename("A"), check_freq=False)
    assert str(a["data"].index.tz) == "Europe/Paris" and a["data"].dtype == np.float64
    [b] = LoadStore.get_lc("B", 1)
    assert b["data"].dtype == np.int64 and b["data"].tolist() == [1, 2, 3, 4, 5]
    assert {"id", "client_id", "prm", "version", "last_modified", "created_at"} <= set(a)
    assert a["prm"] == "A" and a["client_id"] == 1 and a["version"] == 0


def test_an_unsorted_curve_is_stored_sorted(db):
    c = curve(periods=6)
    LoadStore.set_lc("A", c.iloc[::-1], 1)
    pd.testing.assert_series_equal(
        LoadStore.get_lc("A", 1)[0]["data"], c.rename("A"), check_freq=False
    )


def test_without_versions_a_write_replaces_the_curve(db):
    LoadStore.set_lc("A", curve(values=[1, 2, 3, 4]), 1)
    first = LoadStore.objects.get()
    LoadStore.set_lc("A", curve(periods=2, values=[9, 9]), 1)
    again = LoadStore.objects.get()
    assert LoadStore.get_lc("A", 1)[0]["data"].tolist() == [9.0, 9.0]
    assert again.pk == first.pk and again.version == 0 and again.created_at == first.created_at
    assert again.last_modified > first.last_modified


def test_versions_count_from_zero_per_prm_and_client(db):
    for value in (1, 2, 3):
        LoadStore.set_lc("A", curve(values=[value] * 4), 1, versionning=True)
    LoadStore.set_lc("A", curve(), 2, versionning=True)
    LoadStore.set_lc("B", curve(), 1, versionning=True)
    assert rows() == [("A", 1, 0), ("A", 1, 1), ("A", 1, 2), ("A", 2, 0), ("B", 1, 0)]
    LoadStore.set_lc("C", curve(), 1)  # plain, then versioned: 0 then 1
    LoadStore.set_lc("C", curve(), 1, versionning=True)
    assert LoadStore.objects.filter(prm="C").count() == 2


def test_versions_can_be_counted_per_attribute(db):
    YearLoadStore.set_lc("A", curve(), 1, attributes_to_set={"year": 2020})
    YearLoadStore.set_lc("A", curve(), 1, True, attributes_to_set={"year": 2020})
    stored = sorted(YearLoadStore.objects.values_list("year", "version"))
    assert stored == [(2020, 0), (2020, 1)]
    before = snapshot(YearLoadStore)
    # the table's uniqueness is (prm, client_id, version), years aside (as in 0.5/0.6)
    with pytest.raises(IntegrityError):
        YearLoadStore.set_lc("A", curve(values=[5] * 4), 1, attributes_to_set={"year": 2021})
    with pytest.raises(YearLoadStore.MultipleObjectsReturned):
        YearLoadStore.set_lc("A", curve(), 1, attributes_to_set={"year": 2020})
    assert snapshot(YearLoadStore) == before


def test_a_plain_write_over_several_versions_is_refused(db):
    LoadStore.set_lc("A", curve(), 1, versionning=True)
    LoadStore.set_lc("A", curve(), 1, versionning=True)
    before = snapshot(LoadStore)
    with pytest.raises(LoadStore.MultipleObjectsReturned, match="several versions"):
        LoadStore.set_many_lc({"B": curve(), "A": curve()}, 1)
    assert snapshot(LoadStore) == before


def test_set_many_lc_takes_a_dict_or_a_frame_and_skips_empty_curves(db, caplog):
    frame = pd.DataFrame({"A": curve().to_numpy(), "B": [np.nan] * 4}, index=curve().index)
    with caplog.at_level(logging.WARNING, logger="hostore.store"):
        LoadStore.set_many_lc(frame, 1)
    assert rows() == [("A", 1, 0)] and "'B' is ignored" in caplog.text
    LoadStore.set_many_lc({"C": curve(), "D": None, "E": curve(periods=0)}, 1)
    assert rows() == [("A", 1, 0), ("C", 1, 0)]
    LoadStore.set_lc("F", curve(values=[np.nan] * 4), 1)
    assert "F" not in {r[0] for r in rows()}


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ([1.0, 2.0], InvalidSeriesError, "expected a pandas Series"),
        (pd.DataFrame({"a": [1.0]}), InvalidSeriesError, "expected a pandas Series"),
        (None, InvalidSeriesError, "expected a pandas Series"),
        (pd.Series([1.0, 2.0]), NonNumericError, "DatetimeIndex"),
        (curve(values=["a", "b", "c", "d"], dtype=object), NonNumericError, "dtype (object|str)"),
        (
            pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-01"])),
            DuplicateTimestampError,
            "more than once",
        ),
        (
            pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", None])),
            InvalidSeriesError,
            "NaT",
        ),
    ],
)
def test_bad_curves_are_refused_and_nothing_is_written(db, value, error, message):
    LoadStore.set_lc("A", curve(), 1)
    before = snapshot(LoadStore)
    with pytest.raises(error, match=message):
        LoadStore.set_lc("B", value, 1)
    if value is not None:  # set_many_lc skips None, as in 0.5/0.6
        with pytest.raises(error, match=message):  # one bad curve: none of the call is written
            LoadStore.set_many_lc({"C": curve(), "B": value, "A": curve(values=[7] * 4)}, 1)
    assert snapshot(LoadStore) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attributes_to_set": {"colour": "red"}}, "colour"),
        ({"attributes_to_set": {"version": 3}}, "version"),
        ({"versionning": True, "versionning_by": ("year",)}, "must contain 'prm'"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(db, kwargs, message):
    before = snapshot(YearLoadStore)
    with pytest.raises(InvalidAttrsError, match=message):
        YearLoadStore.set_lc("A", curve(), 1, **kwargs)
    assert snapshot(YearLoadStore) == before


def test_a_frame_naming_a_prm_twice_is_refused(db):
    frame = pd.DataFrame([[1.0, 2.0]], columns=["A", "A"], index=curve(periods=1).index)
    with pytest.raises(InvalidAttrsError, match="more than once"):
        LoadStore.set_many_lc(frame, 1)
    with pytest.raises(InvalidAttrsError, match="dict of Series or a DataFrame"):
        LoadStore.set_many_lc([("A", curve())], 1)
    assert not LoadStore.objects.exists()


@pytest.mark.parametrize("versionning", [False, True])
def test_bulk_writes_and_reads_take_a_bounded_number_of_queries(db, versionning):
    curves = {f"P{i:04d}": curve(values=np.full(4, i)) for i in range(1200)}
    LoadStore.set_many_lc(dict(list(curves.items())[:600]), 1)  # half exist already
    with CaptureQueriesContext(connection) as writes:
        LoadStore.set_many_lc(curves, 1, versionning=versionning)
    # a few statements per batch of rows (SQLite before 3.32 / Django 4.2: 142 rows per
    # INSERT), never one or more per curve
    assert len(writes) <= 20
    with CaptureQueriesContext(connection) as reads:
        got = LoadStore.get_many_lc(list(curves), 1)
    assert len(reads) == 3  # 500 prms per query
    assert len(got) == 1200 and got["P0042"][0]["data"].tolist() == [42.0] * 4
    expected = 1800 if versionning else 1200
    assert LoadStore.objects.count() == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_versioned_writes_of_one_prm_never_fail_nor_share_a_version():
    n_threads, per_thread = 6, 5
    barrier = threading.Barrier(n_threads)
    errors = []

    def writer(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                LoadStore.set_lc("A", curve(values=[k * 100 + i] * 4), 1, versionning=True)
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
    versions = sorted(LoadStore.objects.filter(prm="A").values_list("version", flat=True))
    assert versions == list(range(n_threads * per_thread))


def test_sparse_curves_and_odd_index_names_are_stored(db):
    sparse = curve(values=[1, np.nan, 3, np.nan]).astype(pd.SparseDtype(float))
    named = curve().rename_axis(5)
    LoadStore.set_many_lc({"S": sparse, "N": named}, 1)
    got = LoadStore.get_many_lc(["S", "N"], 1)
    assert got["S"][0]["data"].tolist()[::2] == [1.0, 3.0]
    assert got["N"][0]["data"].index.name == "5"
