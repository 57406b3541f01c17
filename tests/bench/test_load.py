"""The load test's pure parts: percentiles, the acknowledgment check, the table."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.load import expected_values, missing_acks, percentile, render, summary

TZ = "Europe/Paris"
START = "2026-01-05T00:00:00+01:00"


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_expected_values_replays_acks_in_order():
    acks = [[0, "own", START, 3, 10.0, 1.0], [0, "own", START, 2, 0.5, 0.0]]
    got = expected_values(acks)[(0, "own")]
    index = pd.date_range(pd.Timestamp(START), periods=3, freq="30min")
    assert got == {index[0]: 0.5, index[1]: 0.5, index[2]: 12.0}


def _stored(values, start=START):
    return pd.Series(
        values,
        index=pd.date_range(pd.Timestamp(start).tz_convert(TZ), periods=len(values), freq="30min"),
    )


def test_missing_acks_empty_when_every_ack_is_stored():
    expected = expected_values([[1, "w0", START, 3, 1.0, 0.5]])
    stored = {(1, "w0"): _stored([1.0, 1.5, 2.0, 9.0])}  # extra values are fine
    assert missing_acks(expected, lambda g, n: stored.get((g, n))) == []


def test_missing_acks_names_missing_series_and_wrong_values():
    expected = expected_values([[1, "w0", START, 3, 1.0, 0.5], [2, "w1", START, 1, 4.0, 0.0]])
    stored = {(1, "w0"): _stored([1.0, float("nan"), 2.0])}
    problems = missing_acks(expected, lambda g, n: stored.get((g, n)))
    assert len(problems) == 2
    assert problems[0].startswith("1/w0: 1 of 3 acknowledged values differ")
    assert "stored nan, acknowledged 1.5" in problems[0]
    assert problems[1] == "2/w1: series missing (1 values acknowledged)"


def test_summary_and_render():
    rows = summary({"write": [0.001, 0.003, 0.002], "stream": [0.010]}, {"write": 1}, 2.0)
    assert rows[0] == ["write", "3", "1.5", "2.0", "3.0", "1"]
    assert rows[-2] == ["stream", "1", "0.5", "10.0", "10.0", "0"]
    assert rows[1] == ["update shared", "0", "0.0", "-", "-", "0"]
    assert rows[-1] == ["all", "4", "2.0", "", "", "1"]
    lines = render(rows).splitlines()
    assert lines[0].split() == ["operation", "calls", "ops/s", "p50", "ms", "p99", "ms", "failed"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].split() == ["write", "3", "1.5", "2.0", "3.0", "1"]
    assert len({len(line) for line in lines[:3]}) == 1  # aligned columns


@pytest.mark.parametrize("q", [0, 1, 50])
def test_percentile_of_one_value(q):
    assert percentile([0.25], q) == 0.25
