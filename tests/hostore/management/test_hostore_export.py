"""``manage.py hostore_export``: the file it writes, its filters and window, and exact round
trips through ``hostore_import`` (DST days of Europe/Paris included)."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.management.base import CommandError

from hostore.management.commands.hostore_export import Command
from tests.hostore.management.commands import PARIS, half_hours, run
from tests.testapp.models import HourlyStore, LoadStore, MeterSeries, YearlyStore

pytestmark = pytest.mark.django_db

# the days clocks go forward (23 hours) and back (25 hours)
DST = {"A": ("2024-03-30", "2024-04-01"), "B": ("2024-10-26", "2024-10-28 23:30")}


def exported(*args) -> str:
    out, err = run("hostore_export", *args, "--no-progress")
    assert err == ""
    return out


@pytest.fixture
def meters() -> dict[str, pd.Series]:
    series = {meter: half_hours(*span, seed=i) for i, (meter, span) in enumerate(DST.items())}
    series["C"] = half_hours("2023-12-31 20:00", "2024-01-01 04:00", seed=9)  # across chunks
    for meter, serie in series.items():
        YearlyStore.set_ts({"meter": meter}, serie)
    return {m: YearlyStore.get_ts({"meter": m}) for m in series}


def test_long_csv_text(tmp_path, meters):
    path = tmp_path / "out.csv"
    out = exported("testapp.YearlyStore", str(path), "--filter", "meter=A")
    lines = path.read_text().splitlines()
    assert lines[0] == "meter,timestamp,value"
    assert lines[1] == f"A,2024-03-30T00:00:00+01:00,{float(meters['A'].iloc[0])!r}"
    assert lines[4] == f"A,2024-03-30T02:30:00+01:00,{float(meters['A'].iloc[5])!r}"  # NaN left out
    spring = [line for line in lines if "T01:30" in line or "T03:00" in line]
    assert [s.split(",")[1] for s in spring if "03-31" in s] == [
        "2024-03-31T01:30:00+01:00",
        "2024-03-31T03:00:00+02:00",
    ]
    points = int(meters["A"].notna().sum())
    assert len(lines) == points + 1
    assert (
        out
        == Command.SUMMARY.format(
            store="testapp.YearlyStore", path=path, series=1, points=points, rows=points, fmt="csv"
        )
        + "\n"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("wide", [False, True])
def test_round_trip_is_exact(tmp_path, meters, fmt, wide):
    path = str(tmp_path / f"out.{fmt}")
    flag = ["--wide"] if wide else []
    exported("testapp.YearlyStore", path, *flag)
    YearlyStore.objects.all().delete(hard_delete=True)
    out, _ = run("hostore_import", "testapp.YearlyStore", path, "--no-progress", *flag)
    assert ": 3 series, " in out
    for meter, serie in meters.items():
        got = YearlyStore.get_ts({"meter": meter})
        pd.testing.assert_series_equal(got, serie, check_exact=True)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_of_two_keys_wide(tmp_path, fmt):
    index = pd.date_range("2024-10-27", periods=30, freq="1h", tz=PARIS)
    for version, kind in [(1, "a"), (2, "b")]:
        HourlyStore.set_ts(
            {"version": version, "kind": kind}, pd.Series(index.hour * 1.5 + version, index)
        )
    before = {
        k: HourlyStore.get_ts(dict(zip(("version", "kind"), k, strict=True)))
        for k in [(1, "a"), (2, "b")]
    }
    path = str(tmp_path / f"w.{fmt}")
    exported("testapp.HourlyStore", path, "--wide")
    HourlyStore.objects.all().delete(hard_delete=True)
    run("hostore_import", "testapp.HourlyStore", path, "--wide", "--key-sep", "/", "--no-progress")
    for key, serie in before.items():
        got = HourlyStore.get_ts(dict(zip(("version", "kind"), key, strict=True)))
        pd.testing.assert_series_equal(got, serie, check_exact=True)


def test_filters_and_window(tmp_path, meters):
    path = tmp_path / "out.csv"
    out = exported("testapp.YearlyStore", str(path), "--filter", "meter__in=A,C")
    assert ": 2 series, " in out
    frame = pd.read_csv(path)
    assert sorted(frame["meter"].unique()) == ["A", "C"]
    exported(
        "testapp.YearlyStore", str(path), "--start", "2024-03-31T01:00", "--end", "2024-03-31T03:30"
    )
    frame = pd.read_csv(path)
    assert frame["timestamp"].tolist() == [
        "2024-03-31T01:00:00+01:00",
        "2024-03-31T01:30:00+01:00",
        "2024-03-31T03:00:00+02:00",
        "2024-03-31T03:30:00+02:00",
    ]
    assert frame["value"].tolist() == meters["A"]["2024-03-31T01:00":"2024-03-31T03:30"].tolist()


def test_times_in_another_zone(tmp_path, meters):
    path = tmp_path / "out.csv"
    exported("testapp.YearlyStore", str(path), "--filter", "meter=C", "--tz", "UTC")
    assert pd.read_csv(path)["timestamp"].iloc[0] == "2023-12-31T19:00:00+00:00"


def test_other_stores_round_trip(tmp_path):
    serie = half_hours("2024-03-30", "2024-04-01", seed=4).dropna()
    LoadStore.set_lc("p1", serie, 5)
    MeterSeries.set_ts({"meter": "m1", "unit": "MW"}, serie)
    path = str(tmp_path / "l.csv")
    with pytest.raises(CommandError, match="--client-id"):
        exported("testapp.LoadStore", path)
    exported("testapp.LoadStore", path, "--client-id", "5")
    LoadStore.objects.all().delete()
    run(
        "hostore_import",
        "testapp.LoadStore",
        path,
        "--client-id",
        "5",
        "--tz",
        PARIS,
        "--no-progress",
    )
    pd.testing.assert_series_equal(
        LoadStore.get_lc("p1", 5)[0]["data"], serie, check_names=False, check_freq=False
    )
    path = str(tmp_path / "m.parquet")
    exported("testapp.MeterSeries", path)
    MeterSeries.objects.all().delete()
    run(
        "hostore_import",
        "testapp.MeterSeries",
        path,
        "--keys",
        "meter,unit",
        "--tz",
        PARIS,
        "--no-progress",
    )
    entry = MeterSeries.get_ts({"meter": "m1"})[0]
    assert entry["unit"] == "MW"
    pd.testing.assert_series_equal(entry["data"], serie, check_names=False, check_freq=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("testapp.Nowhere", "o.csv"), "is not a store model"),
        (("testapp.YearlyStore", "o.xlsx"), "cannot tell the format"),
        (("testapp.YearlyStore", "o.csv", "--filter", "meter"), "key=value"),
        (("testapp.YearlyStore", "o.csv", "--filter", "colour=red"), "may use \\['meter'\\]"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        exported(*args)


def test_progress_bar_and_help(tmp_path, meters):
    _, err = run("hostore_export", "testapp.YearlyStore", str(tmp_path / "o.csv"))
    assert "exported" in err and "3 series" in err
    text = Command().create_parser("manage.py", "hostore_export").format_help()
    for option in ("--filter", "--start", "--end", "--tz", "--wide", "--key-sep", "--format"):
        assert option in text


def test_keys_that_need_quotes_round_trip(tmp_path):
    serie = half_hours("2024-01-01", "2024-01-02", seed=7)
    for meter in ("a,b", 'say "hi"', "plain"):
        YearlyStore.set_ts({"meter": meter}, serie)
    path = tmp_path / "q.csv"
    exported("testapp.YearlyStore", str(path))
    assert '"a,b","2024-01-01T00:00:00+01:00",' in path.read_text()  # (quoted: Arrow)
    YearlyStore.objects.all().delete(hard_delete=True)
    run("hostore_import", "testapp.YearlyStore", str(path), "--no-progress")
    for meter in ("a,b", 'say "hi"', "plain"):
        got = YearlyStore.get_ts({"meter": meter})
        pd.testing.assert_series_equal(
            got, serie.asfreq("30min"), check_exact=True, check_freq=False
        )
