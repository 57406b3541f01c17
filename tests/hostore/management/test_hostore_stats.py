"""``manage.py hostore_stats``: the counts of each store, as a table and as JSON."""

from __future__ import annotations

import json

import pytest
from django.core.management.base import CommandError
from django.db import connection

from hostore import codecs
from hostore.management.commands.hostore_stats import Command
from tests.hostore.management.commands import half_hours, run
from tests.testapp.models import LoadStore, YearlyStore, ZstdStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores():
    for i, meter in enumerate("ABC"):
        YearlyStore.set_ts({"meter": meter}, half_hours("2023-12-31", "2024-01-02", seed=i))
    YearlyStore.objects.filter(meter="C").delete()  # 2 tombstones
    ZstdStore.set_ts({"meter": "Z"}, half_hours("2024-05-01", "2024-05-03"))
    LoadStore.set_lc("p1", half_hours("2024-05-01", "2024-05-02"), 1)


def stats(*args) -> dict:
    out, err = run("hostore_stats", "--json", "--no-progress", *args)
    assert err == ""
    return {s["store"]: s for s in json.loads(out)["stores"]}


def test_counts(stores):
    found = stats("testapp.YearlyStore", "testapp.ZstdStore", "testapp.LoadStore")
    yearly = found["testapp.YearlyStore"]
    points = sum(int(YearlyStore.get_ts({"meter": m}).notna().sum()) for m in "AB")
    blobs = [bytes(b) for b in YearlyStore.objects.alive().values_list("data", flat=True)]
    assert {k: yearly[k] for k in ("series", "chunks", "points", "tombstones", "bytes")} == {
        "series": 2, "chunks": 4, "points": points, "tombstones": 2,
        "bytes": sum(len(b) for b in blobs),
    }  # fmt: skip
    assert yearly["codecs"] == {codecs.DEFAULT_CODEC: 4}
    assert yearly["bytes_per_point"] == pytest.approx(yearly["bytes"] / points)
    zstd = found["testapp.ZstdStore"]
    assert (zstd["series"], zstd["codecs"]) == (1, {"shuffle-zstd": 1})
    load = found["testapp.LoadStore"]
    assert (load["series"], load["points"]) == (1, 47)  # 49 half hours, 2 NaN
    if connection.vendor == "postgresql":
        assert yearly["table_bytes"] > 0
    else:
        assert yearly["table_bytes"] is None


def test_table_and_summary(stores):
    out, err = run("hostore_stats", "testapp.YearlyStore", "testapp.LoadStore")
    lines = out.splitlines()
    assert lines[0].split() == [
        "store",
        "series",
        "chunks",
        "points",
        "bytes",
        "B/point",
        "codecs",
        "tombstones",
    ]
    assert lines[1].startswith("testapp.YearlyStore") and f"{codecs.DEFAULT_CODEC}: 4" in lines[1]
    yearly = stats("testapp.YearlyStore")["testapp.YearlyStore"]
    load = stats("testapp.LoadStore")["testapp.LoadStore"]
    assert lines[-1] == Command.SUMMARY.format(
        stores=2, series=3, points=yearly["points"] + load["points"],
        bytes=yearly["bytes"] + load["bytes"],
    )  # fmt: skip
    assert "rows read" in err  # the progress bar


def test_every_store_by_default(stores):
    found = stats()
    assert {
        "testapp.YearlyStore",
        "testapp.ZstdStore",
        "testapp.LoadStore",
        "testapp.MeterSeries",
    } <= set(found)
    assert found["testapp.HourlyStore"]["series"] == 0


def test_errors_and_help():
    with pytest.raises(CommandError, match="is not a store model"):
        run("hostore_stats", "auth.User")
    text = Command().create_parser("manage.py", "hostore_stats").format_help()
    assert "--json" in text and "--no-progress" in text and "bytes per point" in text
