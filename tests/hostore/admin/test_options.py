"""The chart page, its window endpoint and the downloads of the series admin."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import snapshot
from tests.testapp.models import LoadStore, YearKindSeries, YearlyStore

from .conftest import url

pytestmark = pytest.mark.django_db
DATA = url("yearlystore", "series/data/")
CHART = url("yearlystore", "series/")
A, B = '["A1"]', '["B2"]'


@pytest.fixture
def meters(db) -> dict[str, pd.Series]:
    """Two 30-minute curves over six weeks, with a few gaps."""
    rng = np.random.default_rng(3)
    idx = pd.date_range("2024-03-01", periods=48 * 42, freq="30min", tz="Europe/Paris")
    out = {}
    for meter in ("A1", "B2"):
        serie = pd.Series(np.round(rng.random(len(idx)) * 100, 3), idx)
        serie.iloc[rng.integers(0, len(idx), 20)] = np.nan
        YearlyStore.set_ts({"meter": meter}, serie)
        out[meter] = serie
    return out


def epoch(stamp: pd.Timestamp) -> float:
    return stamp.timestamp()


def test_the_chart_page_names_its_series(admin_client, meters):
    response = admin_client.get(CHART, {"s": [A, B]})
    assert response.status_code == 200
    config = response.context["config"]
    assert [s["key"] for s in config["series"]] == [A, B]
    assert [s["label"] for s in config["series"]] == ["meter=A1", "meter=B2"]
    assert (config["resolution"], config["tz"]) == ("30min", "Europe/Paris")
    html = response.content.decode()
    assert "hostore/vendor/uPlot.iife.min.js" in html and 'id="hostore-chart-config"' in html
    one = admin_client.get(CHART, {"meter": "A1"})
    assert [s["key"] for s in one.context["config"]["series"]] == [A]


def test_a_week_comes_back_exactly(admin_client, meters):
    start = pd.Timestamp("2024-03-11 00:00", tz="Europe/Paris")
    end = start + pd.Timedelta("7D")
    body = admin_client.get(
        DATA, {"s": [A, B], "start": epoch(start), "end": end.isoformat()}
    ).json()
    assert body["downsampled"] is False
    expected = YearlyStore.get_many_ts(start=start, end=end)
    assert body["t"] == [t.timestamp() for t in expected.index]
    assert len(body["t"]) == 7 * 48 + 1  # both bounds, at the store's resolution
    for values, meter in zip(body["values"], ("A1", "B2"), strict=True):
        want = expected[meter].to_numpy()
        assert [None if np.isnan(v) else v for v in want] == values
    assert [s["stored"] for s in body["series"]] == [True, True]


def test_a_long_window_is_an_envelope(admin_client, meters):
    body = admin_client.get(DATA, {"s": A, "points": "20"}).json()
    assert body["downsampled"] is True and len(body["t"]) == 20
    serie = meters["A1"].dropna()
    values = [v for v in body["values"][0] if v is not None]
    assert max(values) == serie.max() and min(values) == serie.min()
    edges = np.linspace(serie.index[0].value, serie.index[-1].value + 1, 11)
    first_bucket = serie[serie.index.as_unit("ns").asi8 < edges[1]]
    assert sorted(body["values"][0][:2]) == [first_bucket.min(), first_bucket.max()]


def test_a_series_without_data_draws_nothing(admin_client, meters):
    body = admin_client.get(DATA, {"s": ['["ZZ"]', A], "start": "2024-03-02"}).json()
    assert [s["stored"] for s in body["series"]] == [False, True]
    assert set(body["values"][0]) == {None}


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "name at least one series"),
        ({"s": "A1"}, "is not JSON"),
        ({"s": '["A1", 2]'}, "must be a JSON list of 1 values"),
        ({"s": A, "start": "yesterday-ish"}, "start='yesterday-ish' is not a time"),
        ({"s": A, "start": "2024-03-05", "end": "2024-03-04"}, "is before start"),
        ({"s": A, "points": "3"}, "points=3 must be between"),
        ({"s": A, "start": "1e15"}, "out of range"),
        ({"s": A, "colour": "red"}, "unknown parameter(s) ['colour']"),
        ({"s": [f'["m{i}"]' for i in range(21)]}, "at most 20 series"),
    ],
)
def test_bad_window_parameters_answer_400(admin_client, meters, params, message):
    before = snapshot(YearlyStore)
    response = admin_client.get(DATA, params)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert snapshot(YearlyStore) == before


def test_bad_chart_parameters_answer_400(admin_client, meters):
    response = admin_client.get(CHART, {"colour": "x"})
    assert response.status_code == 400 and "missing ['meter']" in response.content.decode()


def unzip(response) -> dict[str, str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name).decode() for name in archive.namelist()}


def read_csv(text: str) -> pd.Series:
    frame = pd.read_csv(io.StringIO(text), sep=";", index_col=0)
    return frame["data"].set_axis(pd.to_datetime(frame.index, utc=True))


def test_the_zip_holds_the_selected_series(admin_client, meters):
    response = admin_client.post(url("yearlystore", "series/download/zip/"), {"s": [B, A]})
    files = unzip(response)
    assert sorted(files) == ["content_summary.csv", "export_serie_0.csv", "export_serie_1.csv"]
    assert files["content_summary.csv"].splitlines()[1:] == [
        "0;export_serie_0.csv;B2",
        "1;export_serie_1.csv;A1",
    ]
    for name, meter in (("export_serie_0.csv", "B2"), ("export_serie_1.csv", "A1")):
        stored = YearlyStore.get_ts({"meter": meter})
        got = read_csv(files[name])
        assert (got.index == stored.index).all()
        np.testing.assert_allclose(got.to_numpy(), stored.to_numpy(), rtol=0, atol=1e-8)


def test_the_zip_of_every_series_of_a_filter(admin_client, meters):
    response = admin_client.post(
        url("yearlystore", "series/download/zip/") + "?meter=B2", {"all": "1"}
    )
    files = unzip(response)
    assert files["content_summary.csv"].splitlines()[1:] == ["0;export_serie_0.csv;B2"]
    searched = admin_client.post(url("yearlystore", "series/download/zip/") + "?q=1", {"all": "1"})
    assert unzip(searched)["content_summary.csv"].splitlines()[1:] == ["0;export_serie_0.csv;A1"]


def read_parquet(response) -> pd.DataFrame:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    return pq.read_table(io.BytesIO(b"".join(response.streaming_content))).to_pandas()


def test_the_parquet_file_is_long_format(admin_client, meters):
    response = admin_client.post(url("yearlystore", "series/download/parquet/"), {"all": "1"})
    table = read_parquet(response)
    assert list(table.columns) == ["meter", "timestamp", "value"]
    for meter in ("A1", "B2"):
        stored = YearlyStore.get_ts({"meter": meter}).dropna()
        part = table[table["meter"] == meter]
        assert (part["timestamp"].to_numpy() == stored.index.tz_convert("UTC").to_numpy()).all()
        assert (part["value"].to_numpy() == stored.to_numpy()).all()


def test_parquet_row_groups_per_batch(admin_client, meters, monkeypatch):
    from hostore.admin import exports

    monkeypatch.setattr(exports, "ROW_GROUP_ROWS", 100)
    response = admin_client.post(url("yearlystore", "series/download/parquet/"), {"s": [A, B]})
    raw = b"".join(response.streaming_content)
    assert pq.ParquetFile(io.BytesIO(raw)).metadata.num_row_groups == 2
    assert len(pq.read_table(io.BytesIO(raw))) == sum(s.count() for s in meters.values())


def test_store_and_timeseries_store_downloads(admin_client):
    idx = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    LoadStore.set_lc("p1", pd.Series([1.0, 2.0, 3.0], idx), 4)
    YearKindSeries.set_ts({"year": 2024, "kind": "x"}, pd.Series([7.0, 8.0], idx[:2]))
    table = read_parquet(
        admin_client.post(url("loadstore", "series/download/parquet/"), {"s": '[4, "p1"]'})
    )
    assert table.to_dict("list") == {
        "client_id": [4, 4, 4],
        "prm": ["p1"] * 3,
        "timestamp": list(idx),
        "value": [1.0, 2.0, 3.0],
    }
    pk = YearKindSeries.objects.get().pk
    files = unzip(
        admin_client.post(url("yearkindseries", "series/download/zip/"), {"s": json.dumps([pk])})
    )
    assert files["content_summary.csv"].splitlines()[1:] == ["0;export_serie_0.csv;2024;x"]
    assert read_csv(files["export_serie_0.csv"]).tolist() == [7.0, 8.0]
    data = admin_client.get(
        url("loadstore", "series/data/"), {"s": '[4, "p1"]', "start": "2024-01-01T01:00Z"}
    )
    assert data.json()["values"] == [[2.0, 3.0]]


@pytest.mark.parametrize(
    "path, data, message",
    [
        ("series/download/csv/", {"s": A}, "unknown format 'csv'"),
        ("series/download/zip/", {}, "select at least one series"),
        ("series/download/zip/", {"s": "[1, 2]"}, "must be a JSON list of 1 values"),
    ],
)
def test_bad_download_requests_answer_400(admin_client, meters, path, data, message):
    response = admin_client.post(url("yearlystore", path), data)
    assert response.status_code == 400 and message in response.content.decode()


def test_typed_keys_go_through_the_urls_and_the_files(admin_client):
    import datetime as dt
    import decimal
    import uuid

    from tests.testapp.models import TypedKeyStore

    attrs = {
        "day": dt.date(2024, 2, 29),
        "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "at": dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.timezone.utc),
        "ratio": decimal.Decimal("1.25"),
    }
    idx = pd.date_range("2024-01-01", periods=5, freq="h", tz="UTC")
    TypedKeyStore.set_ts(attrs, pd.Series([1.0, 2.0, np.nan, 4.0, 5.0], idx))
    page = admin_client.get(url("typedkeystore"), {"ratio": "1.25", "day": "2024-02-29"})
    (line,) = page.context["page"].lines
    assert line["key"] == tuple(attrs.values()) and line["values"] == 4
    body = admin_client.get(url("typedkeystore", "series/data/"), {"s": line["key_text"]}).json()
    assert body["values"] == [[1.0, 2.0, 4.0, 5.0]]
    table = read_parquet(
        admin_client.post(url("typedkeystore", "series/download/parquet/"), {"s": line["key_text"]})
    )
    assert table.iloc[0][["day", "uid", "at", "ratio"]].tolist() == [
        "2024-02-29",
        "12345678-1234-5678-1234-567812345678",
        "2024-01-01 12:30:00+00:00",
        "1.25",
    ]
    assert table["value"].tolist() == [1.0, 2.0, 4.0, 5.0]
    bad = admin_client.get(url("typedkeystore"), {"day": "2024-02-30"})
    assert bad.status_code == 400 and "is not a valid day" in bad.content.decode()
