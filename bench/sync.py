"""The sync phase: a full pull of N series-years over loopback HTTP, then an incremental pull
after 1% of the series changed, by our sync, by holcstore 0.6.7's, and by raw transfers of
the same bytes (the floor).

Sides (each pulls into a database of its own, new for every repeat):

- ``ours``: our client (:mod:`bench.sync_node`) pulling our server (runserver of
  :mod:`bench.syncsite`) with their defaults: binary packs of LZ4 blobs, not gzipped, the
  next batch downloading while one is imported; ``ours-sequential``: the same without that
  prefetch; ``ours-gzip``: with ``compress=True`` (gzipped packs, for slow links);
  ``ours-zstd``: a shuffle-zstd store; ``ours-batch``: 200 chunks per ``pack/`` request and
  1,000 changes per page instead of the defaults (50 and 200, which are also 0.6.7's);
- ``0.6.7``: holcstore 0.6.7's client pulling 0.6.7's server (:mod:`bench.sync_legacy`),
  same values (LZ4 of float64, its only format);
- ``raw``: the blobs of our LZ4 store served by a plain HTTP server, downloaded in as many
  requests as our client's ``pack/`` calls (:mod:`bench.sync_raw`); ``raw-db``: the same,
  each batch also upserted into a table of the client's database.

A repeat: fresh client databases, a full pull by every side (taking turns, in an order that
rotates from one repeat to the next), one round of changes on every server, an incremental
pull by every side. Every pull is checked before its time counts (:mod:`bench.sync_checks`):
the client holds exactly the server's chunk rows, and the server the expected values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from . import sync_db
from .checks import WrongResult
from .data import make_workload
from .sync_checks import check_values, same_replica
from .sync_data import Expected, changed_meters, patches, write_series
from .sync_procs import clean_env, run_json, serving

NODE = [sys.executable, "-m", "bench.sync_node"]
RAW = [sys.executable, "-m", "bench.sync_raw"]
BATCH, PAGE_SIZE = 50, 200  # the clients' defaults (ours and 0.6.7's)
PULLS = ("full", "incremental")


@dataclass(frozen=True)
class Side:
    name: str
    label: str
    kind: str  # "ours", "legacy" or "raw"
    store: str = "lz4"  # our store it serves or copies (bench.syncsite.models.STORES)
    compress: bool = False  # ours: gzipped packs
    prefetch: bool = True  # ours: the next batch downloads while one is imported
    db_write: bool = False  # raw: also upsert into the client's database
    batch: int = BATCH  # chunks per pack/ request (and per import transaction)
    page_size: int = PAGE_SIZE  # changes per updates/ page


SIDES = {
    side.name: side
    for side in (
        Side("ours", "ours, lz4 (defaults)", "ours"),
        Side("ours-sequential", "ours, lz4 (no prefetch)", "ours", prefetch=False),
        Side("ours-gzip", "ours, lz4 (gzipped packs)", "ours", compress=True),
        Side("ours-zstd", "ours, shuffle-zstd", "ours", store="zstd"),
        Side("ours-batch", "ours, lz4 (batch 200, page 1000)", "ours", batch=200, page_size=1000),
        Side("0.6.7", "holcstore 0.6.7", "legacy", store="legacy"),
        Side("raw", "raw transfer", "raw"),
        Side("raw-db", "raw + db upsert", "raw", db_write=True),
    )
}
# the smoke run's sides (python -m bench --quick): each code path, in little time
QUICK_SIDES = ("ours", "0.6.7", "raw-db")
OUR_STORES = ("lz4", "zstd")


class SyncPhase:
    """The servers, databases and expected state of one database vendor's sync phase."""

    def __init__(self, vendor: str, n: int, sides: list[str], workdir: Path, log) -> None:
        self.vendor, self.n, self.sides = vendor, n, [SIDES[s] for s in sides]
        self.workdir, self.log = workdir, log
        self.expected = Expected(make_workload("realistic", n))
        self.rows: dict[str, sync_db.Rows] = {}  # store -> the server's chunk rows now
        self.urls: dict[str, str] = {}
        self.changed: list[tuple[str, int]] = []  # the chunks of the last round of changes
        self.legacy = None
        self.tables = {"lz4": "bench_sync_synclz4", "zstd": "bench_sync_synczstd"}

    # ------------------------------------------------------------------ servers
    def setup(self, dbs: dict[str, sync_db.Database]) -> dict:
        """Write the N series-years on every server and check them (untimed)."""
        self.dbs = dbs
        seconds = {}
        started = perf_counter()
        stores = [s for s in OUR_STORES if any(x.store == s for x in self.sides)] or ["lz4"]
        run_json([*NODE, "setup", str(self.n), *stores], self._env("server"))
        for store in stores:
            self._read_server(store, f"our {store} server after set-up")
        seconds["ours"] = perf_counter() - started
        if any(side.kind == "legacy" for side in self.sides):
            from .sync_legacy import Legacy, ensure_python

            started = perf_counter()
            python = ensure_python(self.log)
            db = dbs["legacy_server"]
            self.legacy = Legacy(python, db.location, self.workdir)
            path = write_series(self.workdir / "series.npz", self._series())
            self.tables["legacy"] = self.legacy.load(path, migrate=True)["table"]
            self._read_server("legacy", "0.6.7's server after set-up")
            seconds["0.6.7"] = perf_counter() - started
        return seconds

    def _series(self) -> dict:
        """The stored year of every series, from the expected chunks (before any change)."""
        import numpy as np
        import pandas as pd

        return {
            meter: pd.Series(
                np.concatenate([chunks[ci] for ci in sorted(chunks)]), index=self.expected.index
            )
            for meter, chunks in self.expected.chunks.items()
        }

    def _read_server(self, store: str, what: str, meters: list[str] | None = None) -> None:
        db = self.dbs["legacy_server" if store == "legacy" else "server"]
        rows = sync_db.read_chunks(db, self.tables[store], meters)
        check_values(rows, self.expected, what, meters)
        if meters is None:
            self.rows[store] = rows
        else:
            self.rows[store] = {k: v for k, v in self.rows[store].items() if k[0] not in meters}
            self.rows[store].update(rows)

    def _env(self, role: str) -> dict[str, str]:
        return clean_env(**self.dbs[role].env())

    def serve(self, stack) -> None:
        """Start our server (and 0.6.7's) until ``stack`` closes."""
        probe = "/api/sync/lz4/updates/?limit=1"
        log = self.workdir / "our-server.log"
        server = stack.enter_context(
            serving(lambda port: [*NODE, "serve", str(port)], self._env("server"), log, probe)
        )
        self.urls["ours"] = server.url
        if self.legacy is not None:
            self.urls["legacy"] = stack.enter_context(self.legacy.serve()).url

    # ------------------------------------------------------------------ changes
    def change(self, round_: int) -> None:
        """A round of changes on every server (1% of the series, one month each), checked."""
        changes = patches(self.n, round_)
        stores = [s for s in OUR_STORES if s in self.rows]
        run_json([*NODE, "patch", str(self.n), str(round_), *stores], self._env("server"))
        if self.legacy is not None:
            path = write_series(self.workdir / f"patch{round_}.npz", changes)
            self.legacy.load(path, update=True)
        self.changed = self.expected.apply(changes)
        meters = changed_meters(self.n, round_)
        for store in self.rows:
            self._read_server(store, f"{store} server after round {round_}", meters)

    # ------------------------------------------------------------------ pulls
    def pull(self, side: Side, pull: str) -> dict:
        """One pull by ``side``, checked; its figures."""
        full = pull == "full"
        keys = list(self.rows[side.store]) if full else self.changed
        live = [k for k in keys if not self.rows[side.store][k][2]]
        payload = sum(len(self.rows[side.store][k][3]) for k in live)
        client = self.dbs[client_role(side)]
        if side.kind == "ours":
            url = f"{self.urls['ours']}/api/sync/{side.store}/"
            argv = [*NODE, "pull", url, side.store, *(["--migrate"] if full else [])]
            argv += ["--batch", str(side.batch), "--page-size", str(side.page_size)]
            argv += ["--compress"] if side.compress else []
            argv += [] if side.prefetch else ["--no-prefetch"]
            out = run_json(argv, self._env(client_role(side)))[-1]
            self._check_replica(side, client, out, len(live))
        elif side.kind == "legacy":
            legacy = self.legacy.on(client.location)
            out = legacy.pull(self.urls["legacy"], migrate=full, batch=BATCH, page_size=PAGE_SIZE)
            out["seconds"] = out.pop("pull_seconds")
            self._check_replica(side, client, out, len(live))
        else:
            out = self._raw(side, live, client, pull)
        return {
            "seconds": out["seconds"],
            "chunks": len(live),
            "fetched": out["fetched"],
            "requests": out["requests"],
            "wire_bytes": out["wire_bytes"],
            "payload_bytes": payload,
        }

    def _check_replica(self, side: Side, client, out: dict, chunks: int) -> None:
        got = sync_db.read_chunks(client, self.tables[side.store])
        same_replica(got, self.rows[side.store], f"{side.label}: client after the pull")
        if out["fetched"] < chunks:
            raise WrongResult(f"{side.label}: fetched {out['fetched']} chunks of {chunks}")

    def _raw(self, side: Side, live: list, client, pull: str) -> dict:
        from .sync_raw import write_files

        rows = [(m, ci, self.rows["lz4"][(m, ci)][3]) for m, ci in live]
        blobs, index = self.workdir / f"raw-{pull}.bin", self.workdir / f"raw-{pull}.json"
        write_files(rows, blobs, index)
        files = [str(blobs), str(index)]
        env = self._env(client_role(side))
        log = self.workdir / "raw-server.log"
        serve = lambda port: [*RAW, "serve", str(port), *files]  # noqa: E731
        with serving(serve, env, log, "/chunks/0/0") as server:
            argv = [*RAW, "pull", server.url, *files, "--batch", str(BATCH)]
            out = run_json(argv + (["--store"] if side.db_write else []), env)[-1]
        return out


def client_role(side: Side) -> str:
    return f"client_{side.name}"


def run(vendor: str, n: int, repeat: int, sides: list[str], log: Callable[[str], None]) -> dict:
    """The sync phase on one database vendor: ``repeat`` repeats of a full and an
    incremental pull by every side; every pull's figures, checked."""
    import contextlib
    import tempfile

    started = perf_counter()
    roles = ["server", *(["legacy_server"] if "0.6.7" in sides else [])]
    roles += [client_role(SIDES[s]) for s in sides]
    runs = {pull: {s: [] for s in sides} for pull in PULLS}
    with (
        sync_db.databases(vendor, roles) as dbs,
        tempfile.TemporaryDirectory(prefix="hostore_bench_sync_") as tmp,
        contextlib.ExitStack() as stack,
    ):
        phase = SyncPhase(vendor, n, sides, Path(tmp), log)
        log(f"set-up: {n} series-years on each server")
        setup = phase.setup(dbs)
        phase.serve(stack)
        for r in range(repeat):
            order = sides[r % len(sides) :] + sides[: r % len(sides)]
            for side in order:
                dbs[client_role(SIDES[side])].recreate()
            for pull in PULLS:
                if pull == "incremental":
                    phase.change(r)
                line = []
                for side in order:
                    figures = phase.pull(SIDES[side], pull)
                    runs[pull][side].append(figures)
                    line.append(f"{side} {figures['seconds']:.2f}s")
                log(f"repeat {r + 1}/{repeat} {pull:<11} " + "  ".join(line))
        server = sync_db.server_version(dbs["server"])
    return {
        "kind": "sync",
        "db": vendor,
        "server": server,
        "n": n,
        "repeat": repeat,
        "sides": sides,
        "labels": {s: SIDES[s].label for s in sides},
        "batch": BATCH,
        "page_size": PAGE_SIZE,
        "changed_series": len(changed_meters(n, 0)),
        "setup_seconds": setup,
        "runs": runs,
        "wall_seconds": perf_counter() - started,
    }
