"""coverage, holes, total_ts and aggregate_ts on examples worked out by hand, the
statistics written by every write path, and the errors of bad arguments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from hostore import codecs
from hostore.exceptions import InvalidAttrsError, InvalidBoundsError, InvalidQuestionError
from hostore.models import _stats
from tests.testapp.models import (
    AddressKeyStore,
    HourlyMirror,
    HourlyStore,
    KeylessStore,
    TypedKeyStore,
    YearlyStore,
)

pytestmark = pytest.mark.django_db
PARIS = "Europe/Paris"
A, B = {"version": 1, "kind": "a"}, {"version": 1, "kind": "b"}


def hourly(start: str, values) -> pd.Series:
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="h", tz=PARIS))


def t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=PARIS)


def live_stats(model) -> list[tuple]:
    """Every live row's statistics, checked against its blob and its updated_at."""
    rows = model.objects.filter(is_deleted=False).values_list(
        "chunk_index", "dtype", "data", "updated_at", *_stats.STAT_FIELDS
    )
    grid = model._hostore.grid
    out = []
    for chunk, dtype, data, updated, count, first, last, days, stat_at in rows:
        assert stat_at == updated
        values = codecs.decode(data, dtype)
        assert (count, first, last) == tuple(_stats.of_array(values))
        sums, counts = _stats.unpack_days(days, grid, chunk)
        assert len(sums) == len(_stats.day_cuts(grid, chunk))
        want_sums, want_counts = _stats.day_sums(grid, chunk, values)
        assert sums.tolist() == want_sums.tolist() and counts.tolist() == want_counts.tolist()
        out.append((count, first, last))
    return out


# ------------------------------------------------------------------ statistics
def test_every_write_path_writes_valid_statistics():
    HourlyStore.set_ts(A, hourly("2024-01-31 20:00", [1, np.nan, 3, 4, 5, np.nan]))
    assert live_stats(HourlyStore) == [(3, 740, 743), (1, 0, 0)]  # Jan 31 20:00.., Feb 1
    HourlyStore.set_ts(A, hourly("2024-01-31 21:00", [2, 9]), update=True)
    assert sorted(live_stats(HourlyStore)) == [(1, 0, 0), (4, 740, 743)]
    HourlyStore.set_many_ts({(2, "x"): hourly("2024-03-01", [1, 2])}, keys=("version", "kind"))
    HourlyStore.set_ts(A, hourly("2024-05-02", [7]), replace=True)
    assert len(live_stats(HourlyStore)) == 2
    HourlyStore.objects.filter(version=2).delete()  # tombstones: no statistics left
    gone = HourlyStore.objects.filter(is_deleted=True).values_list(*_stats.STAT_FIELDS)
    assert set(gone) == {(None,) * len(_stats.STAT_FIELDS)}
    payload = HourlyStore.export_chunks(
        [
            {"attrs": A, "chunk_index": c}
            for c in HourlyStore.objects.values_list("chunk_index", flat=True)
        ]
    )
    HourlyMirror.import_chunks(payload)
    assert live_stats(HourlyMirror) == [(1, 24, 24)]


def test_bulk_insert_of_many_rows_writes_statistics():
    """64 rows or more: the COPY path on PostgreSQL."""
    series = {(v, "k"): hourly("2024-01-01", np.arange(24 * 100.0)) for v in range(20)}
    HourlyStore.set_many_ts(series, keys=("version", "kind"))
    assert len(live_stats(HourlyStore)) == 80


def test_queryset_update_and_save_drop_the_statistics():
    HourlyStore.set_ts(A, hourly("2024-01-01", [1, 2]))
    HourlyStore.objects.update(data=codecs.encode(np.full(744, 5.0)))
    assert list(HourlyStore.objects.values_list("stat_at", flat=True)) == [None]
    assert HourlyStore.coverage().loc[0, "present"] == 744
    row = HourlyStore.objects.get()
    row.data = codecs.encode(np.full(744, np.nan))
    row.save()
    assert HourlyStore.coverage().loc[0, "present"] == 0


def test_rows_rewritten_without_statistics_are_decoded():
    """What holcstore 0.5/0.6 leave: NULL statistics, or a new updated_at beside ours."""
    HourlyStore.set_ts(A, hourly("2024-01-01", [1, 2, 3]))
    HourlyStore.set_ts(B, hourly("2024-01-01", [1, 2, 3]))
    new = np.full(744, np.nan)
    new[10:20] = 1.0
    table = connection.ops.quote_name(HourlyStore._meta.db_table)
    with connection.cursor() as cursor:  # raw SQL, as another library would
        cursor.execute(
            f"UPDATE {table} SET data = %s, updated_at = %s WHERE kind = %s",
            [codecs.encode(new), pd.Timestamp("2030-01-01", tz="UTC").to_pydatetime(), "a"],
        )
        cursor.execute(
            f"UPDATE {table} SET stat_count = NULL, stat_at = NULL, data = %s WHERE kind = %s",
            [codecs.encode(new), "b"],
        )
    got = HourlyStore.coverage()
    assert got["present"].tolist() == [10, 10]
    assert got["first"].tolist() == [t("2024-01-01 10:00")] * 2
    holes = dict((a["kind"], h) for a, h in HourlyStore.holes(start="2024-01-01"))
    assert holes["a"] == [(t("2024-01-01"), t("2024-01-01 09:00"))]


# ------------------------------------------------------------------ coverage and holes
def test_coverage_lists_every_series_with_its_window():
    HourlyStore.set_ts(A, hourly("2024-01-01 02:00", [1, np.nan, 3]))
    HourlyStore.set_ts(B, hourly("2024-03-01", [1] * 48))
    got = HourlyStore.coverage()
    assert got.columns.tolist() == [
        "version",
        "kind",
        "first",
        "last",
        "slots",
        "present",
        "missing",
    ]
    assert got["kind"].tolist() == ["a", "b"]
    assert got["first"].tolist() == [t("2024-01-01 02:00"), t("2024-03-01")]
    assert got["last"].tolist() == [t("2024-01-01 04:00"), t("2024-03-02 23:00")]
    assert got["slots"].tolist() == [3, 48]
    assert got["present"].tolist() == [2, 48]
    assert got["missing"].tolist() == [1, 0]
    window = HourlyStore.coverage(start="2024-01-01", end="2024-01-01 23:00")
    assert window["slots"].tolist() == [24, 24]
    assert window["present"].tolist() == [2, 0]
    assert window["first"].isna().tolist() == [False, True]
    only_b = HourlyStore.coverage({"kind": "b"}, start="2024-03-02 12:00")
    assert only_b[["slots", "present"]].values.tolist() == [[12, 12]]


def test_coverage_counts_over_a_window_cutting_gappy_chunks():
    values = np.arange(24 * 60.0)
    values[::7] = np.nan
    HourlyStore.set_ts(A, hourly("2024-01-01", values))
    full = HourlyStore.get_ts(A, "2024-01-15 05:00", "2024-02-10 03:00")
    got = HourlyStore.coverage(start="2024-01-15 05:00", end="2024-02-10 03:00")
    assert got.loc[0, "present"] == full.count()
    assert got.loc[0, "slots"] == len(
        pd.date_range(t("2024-01-15 05:00"), t("2024-02-10 03:00"), freq="h")
    )


def test_holes_within_bounds_and_min_slots():
    values = [1, np.nan, np.nan, 4, np.nan, 6]
    HourlyStore.set_ts(A, hourly("2024-01-31 22:00", values))  # over two chunks
    ((attrs, holes),) = HourlyStore.holes()
    assert attrs == A
    assert holes == [(t("2024-01-31 23:00"), t("2024-02-01 00:00")), (t("2024-02-01 02:00"),) * 2]
    ((_, holes),) = HourlyStore.holes(start="2024-01-31 20:00", end="2024-02-01 05:00", min_slots=2)
    assert holes == [
        (t("2024-01-31 20:00"), t("2024-01-31 21:00")),
        (t("2024-01-31 23:00"), t("2024-02-01 00:00")),
        (t("2024-02-01 04:00"), t("2024-02-01 05:00")),
    ]
    # a series with nothing in the window: one hole over it
    ((_, holes),) = HourlyStore.holes(start="2024-06-01", end="2024-06-01 03:00")
    assert holes == [(t("2024-06-01"), t("2024-06-01 03:00"))]


def test_holes_over_missing_chunks_and_a_dst_change():
    YearlyStore.set_ts(
        {"meter": "m"},
        pd.Series(1.0, index=pd.date_range("2022-12-31 23:30", periods=2, freq="30min", tz=PARIS)),
    )
    YearlyStore.set_ts(
        {"meter": "m"},
        pd.Series(1.0, index=pd.date_range("2025-03-30 01:30", periods=2, freq="30min", tz=PARIS)),
        update=True,
    )  # 01:30 then 03:00: the spring change is no hole
    ((_, holes),) = YearlyStore.holes()
    assert holes == [(t("2023-01-01 00:30"), t("2025-03-30 01:00"))]


# ------------------------------------------------------------------ total_ts
def test_total_ts_per_slot():
    HourlyStore.set_ts(A, hourly("2024-01-01 00:00", [1, 2, np.nan, 4]))
    HourlyStore.set_ts(B, hourly("2024-01-01 01:00", [10, 20, np.nan, np.nan, 50]))
    index = pd.date_range("2024-01-01", periods=6, freq="h", tz=PARIS)
    want = {
        "sum": [1, 12, 20, 4, np.nan, 50],
        "mean": [1, 6, 20, 4, np.nan, 50],
        "min": [1, 2, 20, 4, np.nan, 50],
        "max": [1, 10, 20, 4, np.nan, 50],
        "count": [1, 2, 1, 1, np.nan, 1],
    }
    for how, values in want.items():
        got = HourlyStore.total_ts(how=how)
        assert got.index.freq == "h"
        pd.testing.assert_series_equal(
            got, pd.Series(values, index=index, dtype=float), check_freq=False
        )
    got = HourlyStore.total_ts({"kind": "b"}, start="2024-01-01 03:00")
    assert got.tolist() == [50.0] and got.index[0] == t("2024-01-01 05:00")
    assert HourlyStore.total_ts({"kind": "zz"}).empty


def test_keyless_store():
    KeylessStore.set_ts(
        {},
        pd.Series([1.0, 2.0], index=pd.date_range("2024-01-01", periods=2, freq="15min", tz=PARIS)),
    )
    assert KeylessStore.coverage()[["slots", "present"]].values.tolist() == [[2, 2]]
    assert KeylessStore.total_ts().tolist() == [1.0, 2.0]
    day = KeylessStore.aggregate_ts()
    assert day.columns.tolist() == [0] and day.iloc[0, 0] == 3.0


# ------------------------------------------------------------------ aggregate_ts
def test_aggregate_ts_days_follow_dst():
    """2024-03-31 has 23 hours in Paris, 2024-10-27 has 25."""
    spring = hourly("2024-03-30", np.ones(24 + 23 + 24))
    autumn = hourly("2024-10-26", np.ones(24 + 25 + 24))
    HourlyStore.set_ts(A, pd.concat([spring, autumn]))
    got = HourlyStore.aggregate_ts(period="day")
    assert got.columns.names == ["version", "kind"] and list(got.columns) == [(1, "a")]
    sums = got[(1, "a")].dropna()
    assert sums.tolist() == [24, 23, 24, 24, 25, 24]
    assert sums.index[1] == t("2024-03-31") and sums.index[4] == t("2024-10-27")
    assert len(got) == (pd.Timestamp("2024-10-28") - pd.Timestamp("2024-03-30")).days + 1
    months = HourlyStore.aggregate_ts(period="month", how="count")
    assert months[(1, "a")].fillna(0).tolist() == [47, 24, 0, 0, 0, 0, 0, 73]
    assert months.index[0] == t("2024-03-01")


def test_aggregate_ts_weeks_start_on_monday_and_min_coverage():
    HourlyStore.set_ts(A, hourly("2024-01-03", np.arange(24 * 10.0)))  # a Wednesday
    weeks = HourlyStore.aggregate_ts(period="week", how="count")
    assert weeks.index.tolist() == [t("2024-01-01"), t("2024-01-08")]
    assert weeks.iloc[:, 0].tolist() == [24 * 5, 24 * 5]
    assert HourlyStore.aggregate_ts(period="week", min_coverage=0.8).iloc[:, 0].isna().all()
    days = HourlyStore.aggregate_ts(min_coverage=1, how="mean")
    assert days.iloc[0, 0] == np.arange(24).mean()
    years = HourlyStore.aggregate_ts(period="year", how="max")
    assert years.iloc[:, 0].tolist() == [239.0]


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: HourlyStore.total_ts(how="median"), InvalidQuestionError, "how must be one of"),
        (lambda: HourlyStore.aggregate_ts(how="avg"), InvalidQuestionError, "sum, mean"),
        (lambda: HourlyStore.aggregate_ts(period="hour"), InvalidQuestionError, "period must"),
        (lambda: HourlyStore.aggregate_ts(min_coverage=0), InvalidQuestionError, "(0, 1]"),
        (lambda: HourlyStore.aggregate_ts(min_coverage=1.5), InvalidQuestionError, "0.9"),
        (lambda: HourlyStore.aggregate_ts(min_coverage="x"), InvalidQuestionError, "0.9"),
        (lambda: list(HourlyStore.holes(min_slots=0)), InvalidQuestionError, "min_slots"),
        (
            lambda: HourlyStore.coverage(start="2024-02-01", end="2024-01-01"),
            InvalidBoundsError,
            "after end",
        ),
        (
            lambda: list(HourlyStore.holes(start="2024-02-01", end="2024-01-01")),
            InvalidBoundsError,
            "earlier",
        ),
        (lambda: HourlyStore.total_ts({"meter": 1}), InvalidAttrsError, "business keys"),
        (lambda: HourlyStore.aggregate_ts({"version__gt": 1}), InvalidAttrsError, "business keys"),
    ],
)
def test_bad_arguments_are_refused_with_a_hint(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_coverage_on_chunk_boundaries_and_typed_keys():
    """Bounds on chunk boundaries and valid statistics: one grouped statement, whose keys
    come back as every read gives them (dates, UUIDs, datetimes, decimals, inet)."""
    HourlyStore.set_ts(A, hourly("2024-01-31 22:00", [1, np.nan, 3]))
    HourlyStore.set_ts(B, hourly("2024-03-01", [1, 2]))
    got = HourlyStore.coverage(start="2024-01-01", end="2024-02-29 23:00")
    assert got[["slots", "present"]].values.tolist() == [[60 * 24, 2], [60 * 24, 0]]
    assert got["last"].tolist()[0] == t("2024-02-01 00:00") and pd.isna(got["last"][1])
    attrs = {
        "day": dt.date(2024, 1, 2),
        "uid": uuid.UUID(int=7),
        "at": dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc),
        "ratio": Decimal("1.25"),
    }
    serie = pd.Series(1.0, index=pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC"))
    TypedKeyStore.set_ts(attrs, serie)
    AddressKeyStore.set_ts({"ip": "10.0.0.1"}, serie)
    for model, key in ((TypedKeyStore, attrs), (AddressKeyStore, {"ip": "10.0.0.1"})):
        found = model.coverage()
        assert found[list(key)].to_dict("records") == [key]
        assert found["present"].tolist() == [3]
        ((got_attrs, holes),) = model.holes()
        assert got_attrs == key and holes == []
