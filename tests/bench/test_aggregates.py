"""The aggregates phase: its table (ratios paired repeat by repeat) and its options."""

from bench import aggregates
from bench.__main__ import parse_args


def _result() -> dict:
    runs = {
        call: {"ours": [0.1, 0.2, 0.1], "baseline": [1.0, 1.0, 2.0]} for call in aggregates.CALLS
    }
    return {
        "kind": "aggregates",
        "db": "sqlite",
        "server": "SQLite 3",
        "n": 1000,
        "repeat": 3,
        "points_per_series": 17520,
        "runs": runs,
        "read": [0.5, 0.4, 0.5],
        "memory_mb": dict.fromkeys(aggregates.CALLS, 12.0),
    }


def test_table_pairs_each_repeat():
    text = aggregates.render([_result()])
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line[:1].isalpha()}
    # ratios per repeat: 10, 5, 20 -> median 10; ours / read: 0.2, 0.5, 0.2 -> 0.2
    assert rows["coverage"][1:] == ["0.100", "1.000", "10.0", "0.20", "12"]
    assert "1,000 series x 17,520 points" in text and "read (yield_many_ts of all) 0.500 s" in text


def test_options():
    args = parse_args(["--phases", "aggregates"])
    assert args.phases == ["aggregates"] and args.agg_n == 1000
    assert parse_args(["--quick"]).agg_n == 10
    assert "aggregates" in parse_args(["--quick"]).phases
