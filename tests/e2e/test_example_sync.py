"""End to end over real HTTP: the example project serves its store, other deployments pull it.

The server is the example project on a fresh PostgreSQL database, run by ``manage.py
runserver`` in its own process. Each client is another deployment of the example project, on
its own SQLite file, pulling with ``manage.py hostore_pull`` in its own process; two of them
run with their clocks hours off. Between pulls the server's store is changed through the
store API (series with gaps, patches, replacements, deletions of series and of monthly
chunks, deleted series written again, new series) by an agent process (``agent.py``).

After every pull the test checks that:

- the server's store holds what the operations say (the same operations applied to a dict of
  series, :mod:`tests.e2e.curves`), so that the reference the clients are compared with is
  itself right;
- the pull's summary line counts exactly the chunks changed on the server since the client's
  previous pull (known from the change numbers of the server's rows), and a pull with no
  change fetches nothing;
- the client holds exactly the server's series (those matching its filters): the same keys,
  values bit for bit, timestamps, time zone, frequency and NaN positions, and the same
  chunk blobs; deleted series and chunks are gone.

The test runs in the PostgreSQL pass only; the server's database is created next to pytest's
and dropped at the end, and every process is stopped, whatever happens.
"""

from __future__ import annotations

import contextlib
import shutil

import pytest

from .curves import spec
from .processes import Agent, Example, postgres_database, run_ok, runserver, sqlite_url
from .rig import Client, Rig

pytestmark = pytest.mark.postgres


# Meter numbers (14 digits, as the example's key).
M1, M2, M3, M4, M5, M6, M7 = (f"3000000000000{i}" for i in range(1, 8))

# The server's store before any test: six series over one to two years, with gaps (a week,
# three hours over a DST change, a whole month, isolated slots), whole watts and
# full-precision floats, float64 and float32.
SEED = [
    spec(M1, 0, "2023-07-01", "2024-12-31 23:30", 1, exact=True, holes=40,
         gaps=[("2024-02-05", "2024-02-12"), ("2023-10-29 01:00", "2023-10-29 04:00")]),
    spec(M1, 1, "2023-07-01", "2024-12-31 23:30", 2, exact=True, scale=1.02),
    spec(M2, 0, "2024-01-15 13:30", "2024-12-31 23:30", 3, holes=10),
    spec(M3, 0, "2024-03-01", "2025-02-28 23:30", 4, exact=True, dtype="float32"),
    spec(M4, 1, "2023-01-01", "2024-06-30 23:30", 5, gaps=[("2023-08-01", "2023-09-01")]),
    spec(M5, 1, "2024-01-01", "2024-12-31 23:30", 6, exact=True),
]  # fmt: skip

# name: (filters of its pulls, clock shift in hours)
CLIENTS = {"a": ({}, 0), "b": ({"version": 1}, 0), "ahead": ({}, 6), "behind": ({}, -6)}


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    """The server (migrated, running, holding ``SEED``), the clients' migrated databases
    and the agent; all stopped and removed at the end."""
    workdir = tmp_path_factory.mktemp("e2e")
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        example = Example(workdir / "pycache")
        server_url = stack.enter_context(postgres_database())
        clients = {
            name: Client(name, workdir / f"client_{name}.sqlite3", filters, shift)
            for name, (filters, shift) in CLIENTS.items()
        }
        # the agent starts while the databases are migrated (it opens them when asked)
        agent = Agent(
            example,
            server_url,
            {name: sqlite_url(c.path) for name, c in clients.items()},
            workdir / "agent.log",
        )
        stack.callback(agent.close)
        template = workdir / "template.sqlite3"
        run_ok(
            {
                "migrate of the server": example.manage(server_url, "migrate", "-v0"),
                "migrate of a client": example.manage(sqlite_url(template), "migrate", "-v0"),
            }
        )
        for client in clients.values():
            shutil.copyfile(template, client.path)  # a migrated deployment of its own
        endpoint = stack.enter_context(runserver(example, server_url, workdir / "runserver.log"))
        agent.answer("startup")
        rig = Rig(example, workdir, endpoint, agent, clients)
        rig.change({"op": "set_many", "specs": SEED})
        yield rig


# --------------------------------------------------------------------------- tests
def test_pull_copies_the_store_then_only_what_changed(rig):
    first = rig.sync("a")["a"]
    assert first.fetched >= 70  # the seed's chunks (more if other tests wrote before)

    rig.change(
        # a corrected day (its NaN keep the stored values) and a new month, merged
        {
            "op": "set",
            "mode": "update",
            "spec": spec(M1, 0, "2024-03-10", "2024-03-11 23:30", 0, value=0.0,
                         gaps=[("2024-03-11 06:00", "2024-03-11 12:00")]),
        },
        {"op": "set", "mode": "update", "spec": spec(M1, 0, "2025-01-01", "2025-01-31 23:30", 11)},
        # three months instead of eighteen: the other chunks become tombstones
        {"op": "set", "mode": "replace", "spec": spec(M1, 1, "2024-06-01", "2024-08-31 23:30", 12)},
        {"op": "delete", "meter": M2, "version": 0},
        {"op": "delete", "meter": M4, "version": 1, "month": "2024-02"},
        # deleted, then written again (other months) before any pull
        {"op": "delete", "meter": M3, "version": 0},
        {"op": "set", "mode": "insert",
         "spec": spec(M3, 0, "2024-05-01", "2024-10-31 23:30", 14, exact=True, dtype="float32")},
        {"op": "set_many", "specs": [spec(M6, 0, "2024-07-01 10:00", "2025-03-30 23:30", 15)]},
    )  # fmt: skip
    second = rig.sync("a")["a"]
    assert second.fetched > 0 and second.deleted > 0
    assert 0 < second.fetched + second.deleted < first.fetched
    mirror = rig.clients["a"].mirror
    assert (M2, 0) not in mirror.series  # deleted on the server
    february = mirror.series[(M4, 1)]["2024-02-01":"2024-02-29 23:30"]
    assert len(february) == 29 * 48 and february.isna().all()  # its February chunk deleted
    assert (mirror.series[(M1, 0)]["2024-03-10":"2024-03-11 05:30"] == 0).all()  # patched

    # (a series written again after a client received its deletion: M7 in the clock test)
    idle = rig.sync("a")["a"]
    assert (idle.fetched, idle.deleted, idle.requests) == (0, 0, 1)


def test_a_filtered_pull_brings_only_the_matching_series(rig):
    pulled = rig.sync("b")["b"]
    mirror = rig.clients["b"].mirror
    assert mirror.series and {version for _, version in mirror.series} == {1}
    assert any(version == 0 for _, version in rig.expected)  # there was something to leave
    assert pulled.fetched == len(mirror.live({}))

    rig.change(
        {"op": "set", "mode": "update", "spec": spec(M5, 1, "2024-05-01", "2024-05-02", 21)},
        {"op": "set", "mode": "update", "spec": spec(M1, 0, "2024-05-01", "2024-05-02", 22)},
        {"op": "delete", "meter": M5, "version": 1, "month": "2024-12"},
    )
    again = rig.sync("b")["b"]
    assert (again.fetched, again.deleted) == (1, 1)  # M5's May and December, not M1's May


def test_clients_with_clocks_hours_off_get_everything(rig):
    rig.change({"op": "set_many", "specs": [spec(M7, 2, "2024-02-01", "2024-04-30 23:30", 31)]})
    rig.sync("ahead", "behind")
    rig.change(
        {"op": "delete", "meter": M7, "version": 2},
        {"op": "set", "mode": "update", "spec": spec(M4, 1, "2024-06-15", "2024-07-15", 32)},
        {"op": "delete", "meter": M5, "version": 1, "month": "2024-11"},
        {"op": "set", "mode": "update", "spec": spec(M1, 0, "2024-12-24", "2024-12-26", 34)},
    )
    rig.sync("ahead", "behind")
    rig.change(
        {"op": "set", "mode": "insert", "spec": spec(M7, 2, "2024-03-15", "2024-03-20", 35)},
        {"op": "set", "mode": "replace", "spec": spec(M4, 1, "2023-03-01", "2023-05-31", 33)},
    )
    summaries = rig.sync("ahead", "behind")
    # M7's March back, M4's three months rewritten, M4's other months deleted
    assert all(s.fetched == 4 and s.deleted > 0 for s in summaries.values())
