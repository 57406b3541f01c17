"""The Citus phase's report: the cluster's times over the server's, and the rows' spread."""

from bench import citus
from tests.bench.test_report import _result


def test_ratios_compare_the_cluster_with_the_server_phase_by_phase():
    server = _result([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    cluster = _result([6.0, 5.0, 4.0], [1.0, 2.0, 2.0]) | {"db": "citus", "server": "Citus"}
    cluster["profiles"]["realistic"]["spread"] = {
        "lz4": [
            {"worker": "w1:5441", "shards": 16, "rows": 300, "bytes": 2_000_000},
            {"worker": "w2:5442", "shards": 16, "rows": 100, "bytes": 1_000_000},
        ]
    }
    lines = citus.render([server, cluster]).splitlines()
    ingest = next(line.split() for line in lines if line.startswith("realistic  ingest"))
    # store: median 5 s against 2 s; floor: 2 against 1; x floor: median of 6/1, 5/2, 4/2
    assert ingest == [
        "realistic",
        "ingest",
        "lz4",
        "2.000",
        "5.000",
        "2.50",
        "2.00",
        "2.00",
        "2.50",
    ]
    rows = [line.split() for line in lines if line.startswith("realistic  lz4")]
    assert rows == [
        ["realistic", "lz4", "w1:5441", "16", "300", "75.0%", "2.0"],
        ["realistic", "lz4", "w2:5442", "16", "100", "25.0%", "1.0"],
    ]
