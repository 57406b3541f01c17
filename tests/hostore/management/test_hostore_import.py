"""``manage.py hostore_import``: long and wide CSV/Parquet into every store kind, zones,
modes, and every validation rule (its line number, and the store left unchanged)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from django.core.management.base import CommandError

from hostore.files.importing import ImportOptions, import_file
from hostore.files.reading import FileReader
from hostore.files.stores import target_for
from hostore.management.commands.hostore_import import Command
from tests.conftest import snapshot
from tests.hostore.management.commands import PARIS, half_hours, run, write_csv
from tests.testapp.models import (
    HourlyStore,
    KeylessStore,
    LoadStore,
    YearKindSeries,
    YearLoadStore,
    YearlyStore,
)

pytestmark = pytest.mark.django_db


def imported(*args) -> str:
    out, err = run("hostore_import", *args, "--no-progress")
    assert err == ""  # no progress bar
    return out


def long_frame(series: dict[str, pd.Series]) -> pd.DataFrame:
    parts = [
        pd.DataFrame({"meter": meter, "timestamp": s.index, "value": s.to_numpy()})
        for meter, s in series.items()
    ]
    return pd.concat(parts, ignore_index=True)


def iso(index: pd.DatetimeIndex) -> list[str]:
    return [t.isoformat() for t in index]


# ---------------------------------------------------------------- long format
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_long_file_into_a_chunk_store(tmp_path, fmt):
    series = {
        "A": half_hours("2024-03-30", "2024-04-02", 1),
        "B": half_hours("2024-10-26", "2024-10-28", 2),
    }
    frame = long_frame(series)
    path = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        frame.assign(timestamp=iso(pd.DatetimeIndex(frame["timestamp"]))).to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    out = imported("testapp.YearlyStore", str(path))
    rows = len(frame)
    points = sum(int(s.notna().sum()) for s in series.values())
    assert (
        out
        == Command.SUMMARY.format(
            store="testapp.YearlyStore", path=path, series=2, points=points, rows=rows, fmt=fmt
        )
        + "\n"
    )
    for meter, serie in series.items():
        got = YearlyStore.get_ts({"meter": meter})
        pd.testing.assert_series_equal(
            got, serie.asfreq("30min"), check_exact=True, check_freq=False
        )


def test_progress_bar_goes_to_stderr(tmp_path):
    path = write_csv(tmp_path / "a.csv", "meter,timestamp,value\nA,2024-01-01T00:00:00+01:00,1")
    _, err = run("hostore_import", "testapp.YearlyStore", path)
    assert "imported" in err and "1 rows" in err


def test_naive_times_are_store_wall_time_or_tz(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        """meter,timestamp,value
        A,2024-07-01 00:00,1.5
        A,2024-07-01 00:30,2.5""",
    )
    imported("testapp.YearlyStore", path)
    got = YearlyStore.get_ts({"meter": "A"})
    assert list(got.index) == list(pd.date_range("2024-07-01", periods=2, freq="30min", tz=PARIS))
    assert got.tolist() == [1.5, 2.5]
    imported("testapp.YearlyStore", path, "--tz", "UTC", "--set", "meter=B", "--keys", "")
    got = YearlyStore.get_ts({"meter": "B"})
    assert got.index[0] == pd.Timestamp("2024-07-01 02:00", tz=PARIS)  # 00:00 UTC


def test_aware_times_in_any_zone(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        """meter,timestamp,value
        A,2024-10-27T01:30:00+02:00,1
        A,2024-10-27T00:00:00Z,2
        A,2024-10-27T06:00:00+05:30,3
        A,2024-10-27T02:30:00+01:00,4""",
    )
    imported("testapp.YearlyStore", path)
    got = YearlyStore.get_ts({"meter": "A"})
    assert str(got.index.tz) == PARIS
    utc = got.index.tz_convert("UTC")
    assert list(utc) == list(pd.date_range("2024-10-26 23:30", periods=5, freq="30min", tz="UTC"))
    np.testing.assert_array_equal(got.to_numpy(), [1.0, 2.0, 3.0, np.nan, 4.0])


def test_update_replace_and_plain_modes(tmp_path):
    index = pd.date_range("2024-01-01", periods=4, freq="30min", tz=PARIS)
    YearlyStore.set_ts({"meter": "A"}, pd.Series([1.0, 2.0, 3.0, 4.0], index))
    path = write_csv(
        tmp_path / "a.csv",
        f"""meter,timestamp,value
        A,{index[1].isoformat()},20
        A,{index[2].isoformat()},""",
    )
    before = snapshot(YearlyStore)
    with pytest.raises(
        CommandError, match=r"(already holds|already exist).*pass --update .* --replace"
    ):
        imported("testapp.YearlyStore", path)
    assert snapshot(YearlyStore) == before
    imported("testapp.YearlyStore", path, "--update")
    assert YearlyStore.get_ts({"meter": "A"}).tolist() == [1.0, 20.0, 3.0, 4.0]
    imported("testapp.YearlyStore", path, "--replace")
    assert YearlyStore.get_ts({"meter": "A"}).tolist() == [20.0]
    with pytest.raises(CommandError):
        imported("testapp.YearlyStore", path, "--replace", "--update")


def test_parts_of_series_merge_with_update_across_files(tmp_path):
    first = write_csv(tmp_path / "1.csv", "meter,timestamp,value\nA,2024-01-01T00:00:00+01:00,1")
    second = write_csv(tmp_path / "2.csv", "meter,timestamp,value\nA,2024-01-01T01:00:00+01:00,2")
    imported("testapp.YearlyStore", first)
    imported("testapp.YearlyStore", second, "--update")
    assert YearlyStore.get_ts({"meter": "A"}).dropna().tolist() == [1.0, 2.0]


def test_two_keys_and_fixed_keys(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        """version,timestamp,value
        1,2024-01-01T00:00:00+01:00,1
        1,2024-01-01T01:00:00+01:00,2
        2,2024-01-01T00:00:00+01:00,3""",
    )
    imported("testapp.HourlyStore", path, "--keys", "version", "--set", "kind=k")
    assert HourlyStore.get_ts({"version": 1, "kind": "k"}).tolist() == [1.0, 2.0]
    assert HourlyStore.get_ts({"version": 2, "kind": "k"}).tolist() == [3.0]


# ---------------------------------------------------------------- wide format
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_wide_file(tmp_path, fmt):
    a, b = half_hours("2024-03-30", "2024-04-01", 3), half_hours("2024-03-30", "2024-04-01", 4)
    frame = pd.DataFrame({"A": a, "B": b}).rename_axis("timestamp")
    path = tmp_path / f"w.{fmt}"
    if fmt == "csv":
        frame.set_axis(pd.Index(iso(frame.index), name="timestamp")).to_csv(path)
    else:
        frame.reset_index().to_parquet(path)
    out = imported("testapp.YearlyStore", str(path), "--wide", "--batch-rows", "10")
    assert ": 2 series, " in out
    for meter, serie in {"A": a, "B": b}.items():
        got = YearlyStore.get_ts({"meter": meter})
        pd.testing.assert_series_equal(
            got, serie.asfreq("30min"), check_exact=True, check_freq=False
        )


def test_wide_with_key_separator(tmp_path):
    path = write_csv(
        tmp_path / "w.csv",
        """timestamp,1/a,2/b
        2024-01-01T00:00:00+01:00,1,
        2024-01-01T01:00:00+01:00,2,5""",
    )
    imported("testapp.HourlyStore", path, "--wide", "--keys", "version,kind", "--key-sep", "/")
    assert HourlyStore.get_ts({"version": 1, "kind": "a"}).tolist() == [1.0, 2.0]
    assert HourlyStore.get_ts({"version": 2, "kind": "b"}).tolist() == [5.0]


# ---------------------------------------------------------------- other stores
def test_into_a_timeseries_store(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        """year,kind,timestamp,value
        2024,x,2024-01-01T00:00:00+01:00,1
        2024,x,2024-01-01T00:10:00+01:00,2
        2025,x,2025-01-01T00:00:00+01:00,3""",
    )
    out = imported("testapp.YearKindSeries", path, "--keys", "year,kind")
    assert ": 2 series, 3 values from 3 rows" in out
    got = YearKindSeries.get_ts({"year": 2024, "kind": "x"}, flat=True)
    assert got.tolist() == [1.0, 2.0]
    assert got.index[1] == pd.Timestamp("2024-01-01 00:10", tz=PARIS)


def test_into_a_store_with_versions(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        """prm,timestamp,value
        p1,2024-01-01T00:00:00+01:00,1
        p2,2024-01-01T00:00:00+01:00,2""",
    )
    with pytest.raises(CommandError, match="--client-id"):
        imported("testapp.LoadStore", path)
    imported("testapp.LoadStore", path, "--client-id", "3")
    imported("testapp.LoadStore", path, "--client-id", "3", "--versionning")
    assert sorted(LoadStore.objects.values_list("prm", "version")) == [
        ("p1", 0), ("p1", 1), ("p2", 0), ("p2", 1),
    ]  # fmt: skip
    assert LoadStore.get_lc("p2", 3)[0]["data"].tolist() == [2.0]
    imported("testapp.YearLoadStore", path, "--client-id", "3", "--set", "year=2024")
    assert set(YearLoadStore.objects.values_list("prm", "year")) == {("p1", 2024), ("p2", 2024)}
    with pytest.raises(CommandError, match="no merging write"):
        imported("testapp.LoadStore", path, "--client-id", "3", "--update")


# ---------------------------------------------------------------- bad files
HEAD = "meter,timestamp,value\n"
GOOD = HEAD + "A,2024-01-01T00:00:00+01:00,1\nA,2024-01-01T00:30:00+01:00,2\n"
BAD_FILES = {
    "no time column": ("meter,time,value\nA,2024-01-01T00:00:00+01:00,1", "no timestamp column"),
    "text value": (
        GOOD + "B,2024-01-01T00:00:00+01:00,x",
        "line 4: 'x' in column 'value' is not a number",
    ),
    "bad time": (GOOD + "B,yesterday,1", "line 4: cannot read 'yesterday' as a time"),
    "no time": (GOOD + "B,,1", "line 4: the 'timestamp' cell is empty"),
    "off grid": (
        GOOD + "B,2024-01-01T00:10:00+01:00,1",
        r"line 4: 2024-01-01 00:10:00\+01:00 is not on the grid of testapp.YearlyStore",
    ),
    "duplicate": (
        GOOD + "A,2024-01-01T00:00:00+01:00,3",
        "line 4: the time .* of series {'meter': 'A'} is already on line 2",
    ),
    "not contiguous": (
        GOOD + "B,2024-01-01T00:00:00+01:00,1\nA,2024-01-01T01:00:00+01:00,3",
        "line 5: the rows of series {'meter': 'A'} started on line 2",
    ),
    "mixed offsets": (
        GOOD + "B,2024-01-01 01:00,1",
        "line 4: '2024-01-01 01:00' lacks a UTC offset while line 2 has one",
    ),
    "ambiguous": (
        HEAD + "A,2024-10-27 01:30,1\nA,2024-10-27 02:30,2",
        "line 3: the naive time '2024-10-27 02:30(:00)?' is ambiguous",
    ),
    "skipped": (
        HEAD + "A,2024-03-31 02:30,2",
        "line 2: the naive time '2024-03-31 02:30(:00)?' is ambiguous or does not exist",
    ),
    "no key": (GOOD + ",2024-01-01T00:00:00+01:00,1", "line 4: key: the 'meter' key is empty"),
    "infinite": (
        GOOD + "B,2024-01-01T00:00:00+01:00,inf",
        "line 4: column 'value' holds an infinite value",
    ),
    "extra cell": (
        GOOD + "B,2024-01-01T00:00:00+01:00,1,9",
        "line 4: 4 cells where the header has 3",
    ),
    "missing cell": (GOOD + "B,2024-01-01T00:00:00+01:00", "line 4: 2 cells where the header"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_names_its_line_and_imports_nothing(tmp_path, case):
    text, message = BAD_FILES[case]
    YearlyStore.set_ts({"meter": "Z"}, half_hours("2024-01-01", "2024-01-02"))
    before = snapshot(YearlyStore)
    path = write_csv(tmp_path / "bad.csv", text)
    # one line per batch, every series written as soon as it is complete: the error comes
    # after writes, which the transaction rolls back
    with pytest.raises(CommandError, match=message) as caught:
        imported("testapp.YearlyStore", path, "--batch-rows", "1", "--flush-values", "1")
    assert str(caught.value).endswith("nothing was imported")
    assert snapshot(YearlyStore) == before


def test_a_store_without_keys(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        "timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:15:00Z,2\n2024-01-01T00:45:00Z,4",
    )
    out = imported("testapp.KeylessStore", path)
    assert ": 1 series, 3 values from 3 rows" in out
    got = KeylessStore.get_ts({})
    np.testing.assert_array_equal(got.to_numpy(), [1.0, 2.0, np.nan, 4.0])
    stats, _ = run("hostore_stats", "testapp.KeylessStore", "--json", "--no-progress")
    assert '"series": 1' in stats


def test_a_key_too_long_for_its_field(tmp_path):
    path = write_csv(tmp_path / "a.csv", GOOD + "x" * 33 + ",2024-01-01T00:00:00+01:00,1")
    with pytest.raises(CommandError, match=r"line 4: key: meter='xxx.*at most 32 characters"):
        imported("testapp.YearlyStore", path)
    assert not YearlyStore.objects.exists()


def test_bad_key_value_names_its_line(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        "version,kind,timestamp,value\n1,a,2024-01-01T00:00:00Z,1\nx,a,2024-01-01T00:00:00Z,1",
    )
    with pytest.raises(CommandError, match="line 3: key: version='x'"):
        imported("testapp.HourlyStore", path)
    assert not HourlyStore.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("testapp.Nowhere", "f.csv"), "is not a store model"),
        (("auth.User", "f.csv"), "is not a store model"),
        (("testapp.YearlyStore", "f.txt2"), "cannot tell the format"),
        (("testapp.YearlyStore", "missing.csv"), "no file at"),
        (("testapp.YearlyStore", "f.csv", "--keys", "colour"), "names a series by \\['meter'\\]"),
        (("testapp.YearlyStore", "f.csv", "--set", "meter"), "--set takes key=value"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", GOOD)
    write_csv(tmp_path / "f.txt2", GOOD)
    with pytest.raises(CommandError, match=message):
        imported(*args)
    assert not YearlyStore.objects.exists()


def test_parquet_errors_name_the_row(tmp_path):
    frame = pd.DataFrame(
        {
            "meter": ["A", "A", "A"],
            "timestamp": pd.date_range("2024-01-01", periods=3, freq="20min", tz="UTC"),
            "value": [1.0, 2.0, 3.0],
        }
    )
    frame.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(CommandError, match=r"row 2: .* is not on the grid"):
        imported("testapp.YearlyStore", str(tmp_path / "bad.parquet"))
    assert not YearlyStore.objects.exists()


def test_wide_errors(tmp_path):
    dup = write_csv(
        tmp_path / "d.csv",
        "timestamp,A\n2024-01-01T00:00:00Z,1\n2024-01-01T00:30:00Z,2\n2024-01-01T00:00:00Z,3",
    )
    with pytest.raises(CommandError, match=r"line 4: the time .* is already on an earlier line"):
        imported("testapp.YearlyStore", dup, "--wide", "--batch-rows", "2")
    keys = write_csv(tmp_path / "k.csv", "timestamp,1-a\n2024-01-01T00:00:00Z,1")
    with pytest.raises(CommandError, match="column '1-a' does not give one value per key"):
        imported("testapp.HourlyStore", keys, "--wide", "--keys", "version,kind")
    assert not YearlyStore.objects.exists() and not HourlyStore.objects.exists()


# ---------------------------------------------------------------- streaming
def test_memory_stays_one_batch_deep(tmp_path):
    """200,000 rows read about 5,000 at a time: some 40 batches, and the peak of traced
    memory a small part of the file's size."""
    n_series, per = 50, 4000
    index = pd.date_range("2023-01-01", periods=per, freq="30min", tz=PARIS)
    text = iso(index)
    rng = np.random.default_rng(5)
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("meter,timestamp,value\n")
        for i in range(n_series):
            values = rng.random(per).tolist()
            f.writelines(f"m{i},{t},{v!r}\n" for t, v in zip(text, values, strict=True))
    size = path.stat().st_size
    warm = write_csv(tmp_path / "warm.csv", GOOD)  # first calls import and cache things
    import_file(target_for(YearlyStore), FileReader(warm, "csv"), ImportOptions())
    reader = FileReader(str(path), "csv", rows=5000)
    tracemalloc.start()
    result = import_file(target_for(YearlyStore), reader, ImportOptions(flush_points=5000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (result.rows, result.series) == (200_000, 50)
    assert 30 <= result.batches <= 50  # CSV blocks of about 5,000 rows
    assert peak < size / 4, (peak, size)
    assert YearlyStore.get_ts({"meter": "m49"}).size == per


def test_help_describes_the_command():
    text = Command().create_parser("manage.py", "hostore_import").format_help()
    options = "--keys --set --wide --key-sep --tz --update --replace --client-id --versionning"
    for option in [*options.split(), "--format", "--batch-rows", "--no-progress"]:
        assert option in text
    assert "imports nothing" in " ".join(text.split())
