"""The rig of the end-to-end test: a server and its client deployments, the pulls, and
the comparisons of their stores."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import curves
from .curves import FREQ, TZ
from .processes import Agent, Example, run_ok, sqlite_url, stop, tail

STORE = "meters.LoadCurve"
SUMMARY = re.compile(
    r"^meters\.LoadCurve <- (?P<endpoint>\S+): (?P<fetched>\d+) chunks fetched, "
    r"(?P<deleted>\d+) deletions, [\d.]+ MB, (?P<requests>\d+) requests in [\d.]+ s$"
)


# --------------------------------------------------------------------------- comparisons
@dataclass
class Summary:
    """The counts of a pull's summary line."""

    fetched: int
    deleted: int
    requests: int


@dataclass
class Dump:
    """What a store holds (see ``agent.dump``)."""

    series: dict[curves.Key, pd.Series]
    rows: list[tuple]  # meter, version, chunk_index, is_deleted, sync_seq, dtype, sha, updated
    cursors: list[tuple]  # endpoint, filters, position, updated_at

    def live(self, filters: dict) -> dict[tuple, tuple]:
        """``{(meter, version, chunk_index): (dtype, blob sha256)}`` of the live chunks."""
        return {
            (m, v, ci): (dtype, sha)
            for m, v, ci, deleted, _, dtype, sha, _ in self.rows
            if not deleted and matches((m, v), filters)
        }

    def changes_after(self, seq: int, filters: dict) -> tuple[int, int]:
        """``(live, deleted)`` chunk rows written after change number ``seq``."""
        rows = [r for r in self.rows if r[4] > seq and matches(r[:2], filters)]
        return sum(1 for r in rows if not r[3]), sum(1 for r in rows if r[3])

    @property
    def last_seq(self) -> int:
        """The highest change number among the rows (-1: none)."""
        return max((r[4] for r in self.rows), default=-1)


def matches(key: tuple, filters: dict) -> bool:
    """Whether the series ``(meter, version)`` is one a pull with ``filters`` brings."""
    values = {"meter": key[0], "version": key[1]}
    return all(values[name] == value for name, value in filters.items())


def assert_same(server: Dump, client: Dump, filters: dict, name: str) -> None:
    """The client holds exactly the server's series matching ``filters``, chunk for chunk."""
    want = {k: s for k, s in server.series.items() if matches(k, filters)}
    missing = sorted(set(want) - set(client.series))
    extra = sorted(set(client.series) - set(want))
    assert not missing and not extra, f"client {name}: missing {missing}, unexpected {extra}"
    for key, expected in want.items():
        got = client.series[key]
        assert str(got.index.tz) == TZ and got.index.freqstr == FREQ, (
            f"client {name}, series {key}: index {got.index.tz} {got.index.freqstr}"
        )
        pd.testing.assert_series_equal(
            got, expected, check_exact=True, check_freq=True, obj=f"client {name}, series {key}"
        )
        values, reference = got.to_numpy(), expected.to_numpy()
        assert np.array_equal(np.isnan(values), np.isnan(reference)), f"NaN of {key} differ"
        assert values.tobytes() == reference.tobytes(), f"{name}: values of {key} differ in bits"
    assert client.live({}) == server.live(filters), f"client {name}: live chunks differ"


# --------------------------------------------------------------------------- the rig
@dataclass
class Client:
    """A client deployment: its SQLite file, the filters and clock of its pulls."""

    name: str
    path: Path
    filters: dict
    shift_hours: float
    seen_seq: int = -1  # the server's last change number when this client last pulled
    mirror: Dump | None = None  # what its store held after its last pull


class Rig:
    """The server, the clients, the agent, and what the server's store must hold."""

    def __init__(self, example: Example, workdir: Path, endpoint: str, agent: Agent, clients):
        self.example, self.workdir, self.endpoint, self.agent = example, workdir, endpoint, agent
        self.clients: dict[str, Client] = clients
        self.server_log = workdir / "runserver.log"
        self.expected: dict[curves.Key, pd.Series] = {}
        self._dumps = 0

    def logs(self) -> list[tuple[str, str]]:
        """``(title, text)`` sections shown under a failing test (see ``conftest.py``)."""
        return [
            ("server log (runserver)", tail(self.server_log)),
            ("agent log", tail(self.agent.log_path)),
        ]

    def change(self, *ops: dict) -> None:
        """Apply ``ops`` to the server's store (and to the expected series)."""
        done = self.agent.call("apply", ops=list(ops))["done"]
        for op, result in zip(ops, done, strict=True):
            if op["op"] == "delete":
                assert result > 0, f"{op} deleted nothing"
            curves.apply(self.expected, op)

    def dump(self, alias: str = "default") -> Dump:
        """What the store of ``alias`` holds (``default``: the server; else a client)."""
        self._dumps += 1
        path = self.workdir / f"dump{self._dumps}.pickle"
        self.agent.call("dump", db=alias, path=str(path))
        with open(path, "rb") as f:
            return Dump(**pickle.load(f))

    def check_server(self) -> Dump:
        """The server's store holds the expected series (checked, then returned)."""
        server = self.dump()
        assert sorted(server.series) == sorted(self.expected), "the server's series"
        for key, want in self.expected.items():
            got = server.series[key]
            assert str(got.index.tz) == TZ and got.index.freqstr == FREQ
            pd.testing.assert_series_equal(
                got.dropna(), want, check_exact=True, check_freq=False, obj=f"server {key}"
            )
        return server

    def sync(self, *names: str) -> dict[str, Summary]:
        """Pull into the clients ``names`` (at the same time), then check their counts and
        stores, and the clocks of the shifted ones."""
        server = self.check_server()
        procs: dict[str, subprocess.Popen] = {}
        try:
            for name in names:
                client = self.clients[name]
                args = [f"--filter={k}={v}" for k, v in client.filters.items()]
                procs[name] = self.example.manage(
                    sqlite_url(client.path),
                    "hostore_pull",
                    self.endpoint,
                    STORE,
                    "--no-progress",
                    *args,
                    shift_hours=client.shift_hours,
                )
            outputs = run_ok(procs)
        finally:
            for proc in procs.values():
                stop(proc)
        pulled_at = dt.datetime.now(dt.timezone.utc)
        summaries = {}
        for name in names:
            client = self.clients[name]
            lines = outputs[name].strip().splitlines()
            found = SUMMARY.match(lines[-1]) if lines else None
            assert found and found["endpoint"] == self.endpoint, (
                f"pull of {name}: no summary line in {outputs[name]!r}"
            )
            summary = Summary(int(found["fetched"]), int(found["deleted"]), int(found["requests"]))
            changed = server.changes_after(client.seen_seq, client.filters)
            assert (summary.fetched, summary.deleted) == changed, (
                f"pull of {name}: {lines[-1]!r}, but the server changed {changed[0]} chunks "
                f"and deleted {changed[1]} since its last pull"
            )
            client.seen_seq = server.last_seq
            summaries[name] = summary
            mirror = client.mirror = self.dump(name)
            assert_same(server, mirror, client.filters, name)
            if client.shift_hours and summary.fetched + summary.deleted:
                self._check_clock(client, mirror, pulled_at)
        return summaries

    @staticmethod
    def _check_clock(client: Client, mirror: Dump, pulled_at: dt.datetime) -> None:
        """The pull ran with the shifted clock: its cursor and the chunks it just wrote were
        stamped hours away from the real time."""
        shift = dt.timedelta(hours=client.shift_hours)
        ((_, _, _, stamped),) = mirror.cursors
        newest = max(r[7] for r in mirror.rows)
        for what, when in (("cursor", stamped), ("newest chunk", newest)):
            off = when - pulled_at
            assert abs(off - shift) < dt.timedelta(minutes=10), (
                f"client {client.name}: {what} stamped {off.total_seconds() / 3600:+.2f} h "
                f"from the real time, not {client.shift_hours:+} h"
            )
