"""The benchmark's report: paired ratios, the phase table, and saved runs read back."""

import json

import pytest

from bench import report


def _result(store_runs, floor_runs, django=None):
    """A result of one codec and one profile: every phase timed alike."""
    med = sorted(store_runs)[len(store_runs) // 2]
    fmed = sorted(floor_runs)[len(floor_runs) // 2]
    phase = {
        "store:lz4": {"median": med, "runs": store_runs},
        "floor:lz4": {"median": fmed, "runs": floor_runs},
    }
    if django is not None:
        phase["django"] = {"median": django, "runs": [django]}
    seconds = {name: dict(phase) for name in report.PHASE_NAMES}
    calls = {"ingest": 1, "read_one": 10, "read_window": 10, "read_many": 1, "update": 10}
    points = {name: 10 * 100 for name in report.PHASE_NAMES}
    return {
        "db": "postgres",
        "n": 10,
        "repeat": len(store_runs),
        "server": "PostgreSQL 15",
        "codecs": ["lz4"],
        "codec_speed": {
            "lz4": {"bytes_per_point": 3.5, "encode_mb_s": 600.0, "decode_mb_s": 1900.0}
        },
        "profiles": {
            "realistic": {
                "seconds": seconds,
                "calls": calls,
                "points": points,
                "points_per_series": 100,
                "django_series": 5 if django is not None else None,
                "round_trip_s": 0.0001,
                "bytes": {"store:lz4": 4000, "floor:lz4": 3990},
                "memory": {"lz4": {"peak_above_baseline_mb": 9.25}},
            }
        },
    }


def test_x_floor_is_the_median_of_per_repeat_ratios():
    # a slow repeat slows both sides: ratios 2, 3, 4 (median 3), though the medians' ratio
    # would be 4.0 / 1.0
    store = {"runs": [2.0, 12.0, 4.0]}
    floor = {"runs": [1.0, 4.0, 1.0]}
    assert report._paired_ratio(store, floor) == 3.0


def test_phase_table_rows():
    result = _result([2.0, 12.0, 4.0], [1.0, 4.0, 1.0], django=100.0)
    lines = report.phase_table(result, "realistic").splitlines()
    assert lines[0].split() == [
        "phase", "codec", "store", "s", "points/s", "per", "call", "floor", "s", "x", "floor",
        "django", "s", "x", "django",
    ]  # fmt: skip
    ingest = lines[2].split()
    # store median 4 s, 1,000 points, one call (no per-call time), ratio 3, and plain Django
    # scaled from 5 series to 10 (200 s): 50 times slower than the store
    assert ingest == ["ingest", "lz4", "4.000", "250", "1.000", "3.00", "200.000", "50.0"]
    window = lines[4].split()
    assert window[:2] == ["read", "window"]
    assert window[5:7] == ["400.00", "ms"]  # 4 s over 10 calls


def test_a_saved_run_reads_back_into_the_same_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS_DIR", str(tmp_path))
    run = {
        "started": "2026-11-28T15:44:09",
        "command": "bench/run",
        "machine": {
            "cpu": "AMD EPYC",
            "cores": 2,
            "memory_gb": 23.5,
            "python": "3.12.1",
            "packages": {"pandas": "3.1.1"},
        },
        "code": {"commit": "abc1234", "hostore_modified": False},
        "results": [_result([2.0, 3.0, 2.5], [1.0, 1.5, 1.0])],
    }
    (path,) = report.save(run)
    assert path == str(tmp_path / "2026-11-28T154409_postgres_n10.json")
    with open(path) as saved:
        assert json.load(saved)["n"] == 10
    text = report.render(report.load([path]))
    assert text == report.render(run)
    assert "commit abc1234" in text
    assert "SELECT 1 round trip 100 us" in text
    storage = [line.split() for line in text.splitlines() if line.startswith("realistic")]
    assert storage == [["realistic", "lz4", "4.00", "3.99", "9.2"]]


@pytest.mark.parametrize(
    ("seconds", "text"), [(2.5, "2.50 s"), (0.0123, "12.30 ms"), (0.000345, "345 us")]
)
def test_durations(seconds, text):
    assert report._duration(seconds) == text
