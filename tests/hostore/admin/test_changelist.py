"""The series change list: one line per series with its figures, filters, search, pages,
permissions; and bad parameters answered 400."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.contrib import admin

from tests.conftest import snapshot
from tests.testapp.models import HourlyStore, LoadStore, YearKindSeries

from .conftest import url

pytestmark = pytest.mark.django_db
LIST = url("hourlystore")


def hourly(start: str, n: int, first: float = 0.0) -> pd.Series:
    idx = pd.date_range(start, periods=n, freq="h", tz="Europe/Paris")
    return pd.Series(first + np.arange(n, dtype=float), idx)


@pytest.fixture
def series(db):
    """Three live series (one with a gap at its start) and a deleted one."""
    HourlyStore.set_ts({"version": 1, "kind": "load"}, hourly("2024-01-30", 24 * 5))
    gappy = hourly("2024-03-01", 48)
    gappy.iloc[:5] = np.nan
    HourlyStore.set_ts({"version": 2, "kind": "load"}, gappy)
    HourlyStore.set_ts({"version": 1, "kind": "temp"}, hourly("2024-06-15 12:00", 3, 20.0))
    HourlyStore.set_ts({"version": 9, "kind": "gone"}, hourly("2024-01-01", 10))
    HourlyStore.objects.filter(version=9).delete()  # a tombstone: not a series any more


def lines(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.context["page"].lines


def stored_bytes(**attrs) -> int:
    rows = HourlyStore.objects.filter(is_deleted=False, **attrs)
    return sum(len(bytes(d)) for d in rows.values_list("data", flat=True))


def test_one_line_per_live_series_with_its_figures(admin_client, series):
    got = lines(admin_client.get(LIST))
    assert [line["key"] for line in got] == [(1, "load"), (1, "temp"), (2, "load")]
    first = got[0]
    assert first["first"] == pd.Timestamp("2024-01-30 00:00", tz="Europe/Paris")
    assert first["last"] == pd.Timestamp("2024-02-03 23:00", tz="Europe/Paris")
    assert first["values"] == 120
    assert first["chunks"] == 2  # January and February
    assert first["stored_bytes"] == stored_bytes(version=1, kind="load")
    gappy = got[2]
    assert gappy["first"] == pd.Timestamp("2024-03-01 05:00", tz="Europe/Paris")
    assert gappy["values"] == 43
    assert got[1]["last"] == pd.Timestamp("2024-06-15 14:00", tz="Europe/Paris")
    html = admin_client.get(LIST).content.decode()
    assert "2024-01-30T00:00:00+01:00" in html and "2024-02-03T23:00:00+01:00" in html
    assert "gone" not in html


def test_filters_by_each_key(admin_client, series):
    assert [x["key"] for x in lines(admin_client.get(LIST, {"kind": "load"}))] == [
        (1, "load"),
        (2, "load"),
    ]
    assert [x["key"] for x in lines(admin_client.get(LIST, {"version": "1"}))] == [
        (1, "load"),
        (1, "temp"),
    ]
    assert lines(admin_client.get(LIST, {"version": "2", "kind": "temp"})) == []


def test_search_looks_into_the_key_fields(admin_client, series):
    assert [x["key"] for x in lines(admin_client.get(LIST, {"q": "TEM"}))] == [(1, "temp")]
    assert [x["key"] for x in lines(admin_client.get(LIST, {"q": "2"}))] == [(2, "load")]
    assert [x["key"] for x in lines(admin_client.get(LIST, {"q": "load 2"}))] == [(2, "load")]
    assert lines(admin_client.get(LIST, {"q": "nothing"})) == []


def test_pages_are_cut_in_the_database(admin_client, series, monkeypatch):
    model_admin = admin.site._registry[HourlyStore]
    monkeypatch.setattr(model_admin, "series_per_page", 2)
    one = admin_client.get(LIST)
    assert [x["key"] for x in lines(one)] == [(1, "load"), (1, "temp")]
    assert one.context["next_query"] == "p=2" and one.context["prev_query"] is None
    two = admin_client.get(LIST, {"p": "2"})
    assert [x["key"] for x in lines(two)] == [(2, "load")]
    assert two.context["next_query"] is None and two.context["prev_query"] == "p=1"
    assert lines(admin_client.get(LIST, {"p": "3"})) == []
    filtered = admin_client.get(LIST, {"kind": "load", "p": "1"})
    assert filtered.context["next_query"] is None


def test_only_the_page_is_decoded(admin_client, series, monkeypatch):
    model_admin = admin.site._registry[HourlyStore]
    monkeypatch.setattr(model_admin, "series_per_page", 1)
    asked = []
    real = HourlyStore.describe_series.__func__

    def spy(cls, keys):
        asked.append(list(keys))
        return real(cls, keys)

    monkeypatch.setattr(HourlyStore, "describe_series", classmethod(spy))
    lines(admin_client.get(LIST, {"p": "2"}))
    assert asked == [[{"version": 1, "kind": "temp"}]]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"version": "x"}, "'x' is not a valid version"),
        ({"p": "0"}, "p=0 must be between 1"),
        ({"p": "two"}, "p='two' is not an integer"),
        ({"colour": "red"}, "unknown parameter(s) ['colour']"),
    ],
)
def test_bad_parameters_answer_400(admin_client, series, params, message):
    before = snapshot(HourlyStore)
    response = admin_client.get(LIST, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(HourlyStore) == before


def test_permissions(client, series, viewer):
    assert client.get(LIST).status_code == 302  # anonymous: to the login page
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200
    assert client.get(url("yearlystore")).status_code == 403  # no view permission there
    viewer.is_staff = False
    viewer.save()
    response = client.get(LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    data = client.get(url("hourlystore", "series/data/"), {"s": '[1, "load"]'})
    assert data.status_code == 302


def test_the_store_lists_one_line_per_prm_with_its_versions(admin_client):
    idx = pd.date_range("2024-01-01", periods=4, freq="30min")
    LoadStore.set_lc("p1", pd.Series([1.0, 2.0, np.nan, 4.0], idx), 7, versionning=True)
    LoadStore.set_lc("p1", pd.Series([10.0, 20.0], idx[:2]), 7, versionning=True)
    LoadStore.set_lc("p2", pd.Series([5.0], idx[3:]), 7)
    got = lines(admin_client.get(url("loadstore")))
    assert [(x["key"], x["versions"]) for x in got] == [((7, "p1"), 2), ((7, "p2"), 1)]
    assert (got[0]["first"], got[0]["last"], got[0]["values"]) == (idx[0], idx[3], 3)
    sizes = LoadStore.objects.filter(prm="p1").values_list("data", flat=True)
    assert got[0]["stored_bytes"] == sum(len(bytes(d)) for d in sizes)
    assert admin_client.get(url("loadstore")).context["page"].count == 2
    assert [x["key"] for x in lines(admin_client.get(url("loadstore"), {"q": "p2"}))] == [(7, "p2")]


def test_the_timeseries_store_lists_one_line_per_row(admin_client):
    idx = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    YearKindSeries.set_ts({"year": 2024, "kind": "a"}, pd.Series([1.0, np.nan, 3.0], idx))
    YearKindSeries.set_ts({"year": 2025, "kind": "b"}, pd.Series([4.0], idx[:1]))
    got = lines(admin_client.get(url("yearkindseries")))
    pks = list(YearKindSeries.objects.order_by("pk").values_list("pk", flat=True))
    assert [x["cells"] for x in got] == [[pks[0], 2024, "a"], [pks[1], 2025, "b"]]
    assert (got[0]["first"], got[0]["last"], got[0]["values"]) == (idx[0], idx[2], 2)
    assert [x["key"] for x in lines(admin_client.get(url("yearkindseries"), {"year": "2025"}))] == [
        (pks[1],)
    ]
