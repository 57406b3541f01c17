"""Writers of several processes (or threads) at once: every store's writes, and
``import_chunks``, on one shared series (or key) per store, with readers alongside.

On SQLite they queue for the write lock instead of failing with "database is locked", and
readers are not blocked (WAL). On Citus the series locks, taken on the coordinator, must
serialise the writers of a series whose rows live on the workers. (Plain PostgreSQL has
its own tests of each store's locks.)"""

import multiprocessing
import queue
import threading

import pandas as pd
import pytest
from django.db import connection, connections

from tests.conftest import CITUS
from tests.testapp.models import FrameStore, HourlyMirror, HourlyStore, LoadStore, MeterSeries

WRITERS, READERS, ROUNDS = 8, 4, 4
T0 = pd.Timestamp("2024-01-01", tz="Europe/Paris")
SHARED = {"version": 0, "kind": "shared"}

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite" and not CITUS,
    reason="SQLite's write lock and Citus' distributed rows (PostgreSQL: each store's tests)",
)


def _one(hour: int, value: float) -> pd.Series:
    return pd.Series([value], index=[T0 + pd.Timedelta(hours=hour)])


def _write(n: int, r: int, payload: list) -> None:
    """Process ``n``'s round ``r``: one write of each kind, each on a shared series."""
    slot, value = n * 10 + r, float(n * 100 + r)
    HourlyStore.set_ts(SHARED, _one(slot, value), update=True)
    HourlyStore.set_ts({"version": n, "kind": "own"}, _one(r, float(r)), update=True)
    HourlyStore.import_chunks(payload)
    LoadStore.set_lc("shared", _one(slot, value), 1, versionning=True)
    MeterSeries.set_ts({"meter": "shared"}, _one(slot, value), update=True)
    FrameStore.update_or_create_df(1, f"n{n}r{r}", pd.DataFrame({"v": [value]}))


def _work(role: str, n: int, payload: list, out) -> None:
    """One process (forked: Django is set up, its connection is opened anew) or thread (a
    connection of its own): writes or reads, and puts what it did on ``out``."""
    done, failures = [], []
    for r in range(ROUNDS):
        try:
            if role == "writer":
                _write(n, r, payload)
                done.append((n * 10 + r, n * 100 + r))
            else:
                HourlyStore.get_ts(SHARED)
                list(HourlyStore.yield_many_ts({"kind": "own"}))
                LoadStore.get_lc("shared", 1)
                done.append(r)
        except Exception as exc:  # reported to the test
            failures.append(f"{type(exc).__name__}: {exc}")
    connections.close_all()  # this process's or thread's
    out.put((role, done, failures))


def _payload() -> list:
    HourlyMirror.set_ts({"version": 5, "kind": "imported"}, _one(0, 7.0))
    return [
        {"attrs": {"version": 5, "kind": "imported"}, **row, "data": bytes(row["data"])}
        for row in HourlyMirror.objects.values("chunk_index", "dtype", "data")
    ]


ROLES = [("writer", n) for n in range(1, WRITERS + 1)] + [("reader", n) for n in range(READERS)]


@pytest.mark.django_db(transaction=True)
def test_writers_of_many_processes_queue_and_lose_nothing():
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
    HourlyStore.set_ts(SHARED, _one(0, 0.0))
    payload = _payload()
    connections.close_all()  # the children open their own
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_work, args=(role, n, payload, out)) for role, n in ROLES]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    _check(results)


@pytest.mark.django_db(transaction=True)
def test_writers_of_many_threads_queue_and_lose_nothing():
    HourlyStore.set_ts(SHARED, _one(0, 0.0))
    payload = _payload()
    out: queue.Queue = queue.Queue()
    threads = [threading.Thread(target=_work, args=(role, n, payload, out)) for role, n in ROLES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _check([out.get(timeout=1) for _ in threads])


def _check(results: list) -> None:
    """No call failed, and every acknowledged write is stored."""
    assert [failures for _, _, failures in results] == [[]] * len(ROLES)
    acknowledged = [pair for role, done, _ in results if role == "writer" for pair in done]
    assert len(acknowledged) == WRITERS * ROUNDS
    shared = HourlyStore.get_ts(SHARED)
    series = MeterSeries.get_ts({"meter": "shared"}, flat=True)
    for hour, value in acknowledged:
        at = T0 + pd.Timedelta(hours=hour)
        assert shared[at] == value and series[at] == value
        # each versioned write is a version of its own, holding its value
    assert shared.count() == WRITERS * ROUNDS + 1
    versions = LoadStore.objects.filter(prm="shared").values_list("version", flat=True)
    assert sorted(versions) == list(range(WRITERS * ROUNDS))
    entries = LoadStore.get_lc("shared", 1, combined_versions=False)
    stored = {v for entry in entries for v in entry["data"].dropna()}
    assert stored == {float(value) for _, value in acknowledged}
    assert HourlyStore.get_ts({"version": 5, "kind": "imported"}).tolist() == [7.0]
    for n in range(1, WRITERS + 1):
        own = HourlyStore.get_ts({"version": n, "kind": "own"})
        assert own.tolist() == [float(r) for r in range(ROUNDS)]
    assert FrameStore.objects.count() == WRITERS * ROUNDS
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
