"""The key:value phase: its expected holes, its checks, its table and saved runs, its options."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from bench import kv, kv_report, report
from bench.__main__ import parse_args
from bench.checks import WrongResult
from bench.data import make_workload
from tests.compat.tables.specs import fingerprint


def _curve(values, start="2023-03-26 00:00", tz="Europe/Paris"):
    index = pd.date_range(pd.Timestamp(start, tz=tz), periods=len(values), freq="30min")
    return pd.Series(np.asarray(values, dtype="float64"), index=index)


def _ns(curve, position):
    return int(curve.index[position].value)


# --------------------------------------------------------------------------- expected
def test_nan_runs_are_the_holes_of_a_complete_grid():
    # over the spring clock change of Paris: 01:30+01:00 is followed by 03:00+02:00
    curve = _curve([1, np.nan, np.nan, 4, 5, np.nan, 7, np.nan])
    assert kv.nan_runs(curve) == [
        [_ns(curve, 1), _ns(curve, 2)],
        [_ns(curve, 5), _ns(curve, 5)],
        [_ns(curve, 7), _ns(curve, 7)],
    ]
    assert curve.index[3] - curve.index[2] == pd.Timedelta("30min")  # absolute steps
    assert kv.nan_runs(_curve([1.0, 2.0])) == []


def test_the_workload_has_gaps_to_find():
    work = make_workload("realistic", 3)
    want = kv.Expected(work.series)
    assert want.meters == work.meters
    for meter, curve in work.series.items():
        holes = want.holes[meter]
        assert 1 <= len(holes) <= 3  # bench.data punches 1 to 3 gaps
        times = curve.index.as_unit("ns").asi8
        missing = sum(int(((times >= a) & (times <= b)).sum()) for a, b in holes)
        assert missing == int(curve.isna().sum())
        assert want.fingerprints[meter] == [fingerprint(curve)]


# --------------------------------------------------------------------------- checks
def _good(want: kv.Expected) -> dict:
    n = len(want.meters)
    return {
        "written": {"rows": n, "prms": n},
        "fingerprints": {m: list(f) for m, f in want.fingerprints.items()},
        "holes": {m: [list(h) for h in holes] for m, holes in want.holes.items()},
        "found": n,
    }


def test_a_right_result_passes_and_every_wrong_one_stops_the_phase():
    work = make_workload("realistic", 2)
    want = kv.Expected(work.series)
    kv.check(_good(want), want, "ours")
    meter = want.meters[1]
    wrong = []
    out = _good(want)
    out["written"] = {"rows": 2, "prms": 1}  # a curve written over another
    wrong.append(out)
    out = _good(want)
    other = work.series[meter].copy()
    other.iloc[100] += 1  # one value off
    out["fingerprints"][meter] = [fingerprint(other)]
    wrong.append(out)
    out = _good(want)
    out["fingerprints"][meter] = [*out["fingerprints"][meter]] * 2  # two versions
    wrong.append(out)
    out = _good(want)
    out["holes"][meter][0][1] += 1  # a hole one nanosecond off
    wrong.append(out)
    out = _good(want)
    del out["holes"][meter]
    out["found"] = 1  # a prm left out
    wrong.append(out)
    for out in wrong:
        with pytest.raises(WrongResult):
            kv.check(out, want, "ours")


def test_the_fingerprint_sees_times_zone_values_and_nan():
    curve = _curve([1.0, np.nan, 3.0])
    assert fingerprint(curve) == fingerprint(curve.copy())
    assert fingerprint(curve) == fingerprint(curve.set_axis(curve.index.as_unit("us")))
    assert fingerprint(curve) != fingerprint(curve.tz_convert("UTC"))
    assert fingerprint(curve) != fingerprint(curve.fillna(0.0))
    assert fingerprint(curve) != fingerprint(curve.shift(freq="30min"))


# --------------------------------------------------------------------------- report
def _runs(seconds, statements):
    return [{"seconds": s, "statements": statements} for s in seconds]


def _result(ours, legacy):
    return {
        "kind": "kv",
        "db": "postgres",
        "server": "PostgreSQL 15.2",
        "n": 1000,
        "repeat": len(ours),
        "sides": ["ours", "0.6.7"],
        "labels": {"ours": "ours", "0.6.7": "holcstore 0.6.7"},
        "points_per_curve": 17520,
        "gaps": 2053,
        "runs": {
            call: {"ours": _runs(ours, 2), "0.6.7": _runs([s * k for s in legacy], 4000)}
            for call, k in (("set_many_lc", 1), ("get_many_lc", 0.5), ("find_holes", 2))
        },
    }


def _rows(text):
    cells = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[2:]]
    return {(row[0], row[1]): row[2:] for row in cells}


def test_ratios_are_paired_within_each_repeat():
    # ours is 4x faster than 0.6.7 in every repeat, though the machine's speed changes
    result = _result(ours=[1.0, 2.0, 4.0], legacy=[4.0, 8.0, 16.0])
    rows = _rows(kv_report.kv_table(result))
    assert rows[("set_many_lc", "ours")] == ["2.000", "500", "2", "4.00"]
    assert rows[("set_many_lc", "holcstore 0.6.7")] == ["8.000", "125", "4000", "1.00"]
    assert rows[("get_many_lc", "ours")][-1] == "2.00"
    assert rows[("find_holes", "ours")][-1] == "8.00"


def test_a_run_with_the_kv_phase_alone_renders_saves_and_reloads(tmp_path, monkeypatch):
    run = {
        "started": "2026-11-29T10:00:00",
        "command": "bench/run --phases kv",
        "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 8, "python": "3.12", "packages": {}},
        "code": {"commit": "abc1234", "hostore_modified": False},
        "results": [_result([1.0], [3.0])],
    }
    text = report.render(run)
    assert "Store (key:value): 1,000 curves x 17,520 points" in text and "x 0.6.7" in text
    assert "codecs alone" not in text and "sync over" not in text
    monkeypatch.setattr(report, "RESULTS_DIR", str(tmp_path))
    (path,) = report.save(run)
    assert path.endswith("2026-11-29T100000_postgres_kv_n1000.json")
    with open(path) as saved:
        assert json.load(saved)["kind"] == "kv"
    assert report.render(report.load([path])) == text


# --------------------------------------------------------------------------- options
def test_the_phase_is_chosen_and_sized_from_the_command_line():
    args = parse_args(["--quick"])
    assert args.phases == ["store", "sync", "kv", "admin", "files", "aggregates", "disk"]
    assert args.kv_n == 10 and args.disk_n == 2
    args = parse_args(["--phases", "disk", "--disk-shapes", "daily,kw-f32"])
    assert args.disk_n == 50 and args.disk_shapes == ["kw-f32", "daily"]  # (in their order)
    args = parse_args(["--phases", "kv"])
    assert args.phases == ["kv"] and args.kv_n == 1000 and args.repeat == 3
    assert parse_args(["--phases", "kv", "--n", "50"]).kv_n == 50
    assert parse_args(["--phases", "kv", "--kv-n", "20", "--n", "50"]).kv_n == 20
