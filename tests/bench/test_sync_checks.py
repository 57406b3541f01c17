"""The sync phase's checks: a pull that brought anything else than the server's chunks, or a
server that holds anything else than the expected values, must stop the benchmark."""

import sqlite3

import pytest

from bench.checks import WrongResult
from bench.data import make_workload
from bench.sync_checks import check_values, same_replica
from bench.sync_data import Expected
from bench.sync_db import Database, read_chunks
from hostore import codecs


@pytest.fixture(scope="module")
def expected():
    return Expected(make_workload("realistic", 2))


def rows_of(expected, codec="lz4"):
    return {
        (meter, ci): (1_000_000 * ci, "float64", False, codecs.encode(values, codec))
        for meter, chunks in expected.chunks.items()
        for ci, values in chunks.items()
    }


def test_the_expected_values_pass_in_any_codec(expected):
    for codec in codecs.available():
        check_values(rows_of(expected, codec), expected, "server")


def test_a_wrong_missing_deleted_or_extra_chunk_fails(expected):
    rows = rows_of(expected)
    key = next(iter(rows))
    start, dtype, _, blob = rows[key]
    values = codecs.decode(blob, dtype).copy()
    values[5] += 1
    cases = {
        "does not hold the expected values": {
            **rows,
            key: (start, dtype, False, codecs.encode(values)),
        },
        "is missing": {k: v for k, v in rows.items() if k != key},
        "is deleted": {**rows, key: (start, dtype, True, b"")},
        "live chunks, expected": {**rows, (key[0], 1): (0, dtype, False, codecs.encode(values))},
    }
    for message, bad in cases.items():
        with pytest.raises(WrongResult, match=message):
            check_values(bad, expected, "server")
    check_values(cases["is missing"], expected, "server", meters=["m000001"])  # other series


def test_a_replica_is_the_servers_rows_byte_for_byte(expected):
    server = rows_of(expected)
    same_replica(dict(server), server, "client")
    key = sorted(server)[3]
    start, dtype, deleted, blob = server[key]
    for field, changed in [
        ("bytes", (start, dtype, deleted, blob + b"\0")),
        ("start", (start + 1, dtype, deleted, blob)),
        ("is_deleted", (start, dtype, True, blob)),
    ]:
        with pytest.raises(WrongResult, match=rf"chunk \('m0000\d+', \d+\) differs .*{field}"):
            same_replica({**server, key: changed}, server, "client")
    with pytest.raises(WrongResult, match="1 chunks missing"):
        same_replica({k: v for k, v in server.items() if k != key}, server, "client")
    with pytest.raises(WrongResult, match="1 unexpected"):
        same_replica({**server, ("zz", 1): server[key]}, server, "client")


def test_rows_are_read_back_with_their_start_in_utc(tmp_path):
    path = tmp_path / "c.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE t (meter text, chunk_index int, start_ts text, dtype text, "
            "is_deleted bool, data blob)"
        )
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("a", 1, "2023-01-31 23:00:00", "float64", 0, b"xy"),  # Django's UTC text
                ("a", 2, "2023-02-28T23:00:00+00:00", "float64", 1, b""),
                ("b", 1, "2023-01-31 23:00:00", "float64", 0, b"z"),
            ],
        )
    db = Database("sqlite", str(path))
    rows = read_chunks(db, "t")
    assert rows[("a", 1)] == (1675206000 * 10**6, "float64", False, b"xy")
    assert rows[("a", 2)][0] == 1677625200 * 10**6 and rows[("a", 2)][2] is True
    assert set(read_chunks(db, "t", ["b"])) == {("b", 1)}
