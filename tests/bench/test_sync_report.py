"""The sync phase's report: paired ratios, its table, and saved runs read back."""

import json
import re

import pytest

from bench import report, sync_report


def _pull(seconds, chunks=12000, wire=60e6, payload=61e6, requests=300):
    return {
        "seconds": seconds,
        "chunks": chunks,
        "fetched": chunks,
        "requests": requests,
        "wire_bytes": wire,
        "payload_bytes": payload,
    }


def _result(ours, legacy, raw):
    sides = ["ours", "0.6.7", "raw"]
    return {
        "kind": "sync",
        "db": "postgres",
        "server": "PostgreSQL 15.2",
        "n": 1000,
        "repeat": len(ours),
        "sides": sides,
        "labels": {"ours": "ours, lz4", "0.6.7": "holcstore 0.6.7", "raw": "raw transfer"},
        "changed_series": 10,
        "runs": {
            "full": {
                "ours": [_pull(s) for s in ours],
                "0.6.7": [_pull(s, wire=86e6) for s in legacy],
                "raw": [_pull(s, requests=240) for s in raw],
            },
            "incremental": {
                "ours": [_pull(s / 100, chunks=10) for s in ours],
                "0.6.7": [_pull(s / 100, chunks=10) for s in legacy],
                "raw": [_pull(s / 100, chunks=10, requests=1) for s in raw],
            },
        },
    }


def _rows(text):
    """``{(pull, side): [cells...]}`` of a table (columns are two spaces apart at least)."""
    cells = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[2:]]
    return {(row[0], row[1]): row[2:] for row in cells}


def test_ratios_are_paired_within_each_repeat():
    # ours is 3x faster than 0.6.7 and 10x the raw floor in every repeat, though the
    # machine's speed changes from one repeat to the next
    result = _result(ours=[2.0, 4.0, 8.0], legacy=[6.0, 12.0, 24.0], raw=[0.2, 0.4, 0.8])
    rows = _rows(sync_report.sync_table(result))
    seconds, chunks_s, wire_mb_s, payload_mb_s, requests, wire_mb, x_legacy, x_raw, x_raw_db = rows[
        ("full", "ours, lz4")
    ]
    assert (seconds, chunks_s, requests, wire_mb) == ("4.000", "3,000", "300", "60.0")
    assert (wire_mb_s, payload_mb_s) == ("15.0", "15.2")
    assert (x_legacy, x_raw, x_raw_db) == ("3.00", "10.00", "-")
    assert rows[("full", "holcstore 0.6.7")][6:8] == ["1.00", "30.00"]
    assert rows[("incremental", "raw transfer")][4] == "1"


def test_a_run_with_the_sync_phase_alone_renders_and_reloads(tmp_path, monkeypatch):
    run = {
        "started": "2026-11-29T10:00:00",
        "command": "bench/run --phases sync",
        "machine": {
            "cpu": "cpu",
            "cores": 2,
            "memory_gb": 8,
            "python": "3.12",
            "packages": {"holcstore": "0.7"},
        },
        "code": {"commit": "abc1234", "hostore_modified": False},
        "results": [_result([1.0], [3.0], [0.1])],
    }
    text = report.render(run)
    assert "sync over loopback HTTP: full pull of 1,000 series-years (12,000 chunks)" in text
    assert "10 series changed" in text and "x 0.6.7" in text
    assert "codecs alone" not in text  # no store phase in this run
    monkeypatch.setattr(report, "RESULTS_DIR", str(tmp_path))
    (path,) = report.save(run)
    assert path.endswith("2026-11-29T100000_postgres_sync_n1000.json")
    with open(path) as saved:
        assert json.load(saved)["kind"] == "sync"
    assert report.render(report.load([path])) == text


@pytest.mark.parametrize("missing", ["0.6.7", "raw"])
def test_a_side_left_out_leaves_its_ratio_out(missing):
    result = _result([1.0], [3.0], [0.1])
    result["sides"].remove(missing)
    for by_side in result["runs"].values():
        del by_side[missing]
    rows = _rows(sync_report.sync_table(result))
    column = 6 if missing == "0.6.7" else 7
    assert rows[("full", "ours, lz4")][column] == "-"
