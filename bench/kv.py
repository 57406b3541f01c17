"""The key:value phase (``--phases kv``): the ``Store`` of load curves per prm, ours against
holcstore 0.6.7's, on N curves of a year at 30 minutes (1,000 by default).

Each side runs ``tests/compat/tables/bench_driver.py`` in its own process and venv (0.6.7 in
the venv of :mod:`bench.sync_legacy`, with psycopg; ours in this one), on a database of its
own made new for every repeat (PostgreSQL: ``<base>_kv_ours`` and ``<base>_kv_067``, where
``base`` is ``hostore_bench`` or ``$BENCH_PG_DB``; SQLite: files in a temporary folder).
The driver times three calls of the same API on the project's ``Curves`` store:
``set_many_lc`` of all curves into the empty table, ``get_many_lc`` of all of them, then
``find_holes`` of all of them over the year (every 30 min).

The curves are the realistic profile of :mod:`bench.data` (series ``i`` is the same as in the
other phases: integer watts with 1 to 3 NaN gaps), carried to both sides by one ``.npz``
file. Every call is checked before its time counts (:func:`check`): the rows written, each
curve read (a fingerprint of its times, zone and values, NaN included) and the holes found,
which must be the curve's NaN gaps exactly. A repeat runs both sides, in an order that
alternates from one repeat to the next; ratios (0.6.7's time / ours) are taken per repeat.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd

from .checks import WrongResult
from .data import make_workload
from .db import BENCH_DB_NAME, FORBIDDEN_NAMES, PG_URL_DEFAULT, pg_url_for
from .kv_report import CALLS
from .sync_data import write_series
from .sync_db import Database, server_version
from .sync_procs import REPO, clean_env, run_json

DRIVER = REPO / "tests" / "compat" / "tables" / "bench_driver.py"
SIDES = ("ours", "0.6.7")
LABELS = {"ours": "ours", "0.6.7": "holcstore 0.6.7"}
_DB_ROLES = {"ours": "ours", "0.6.7": "067"}


class Expected:
    """What every side must give back for the curves of a workload."""

    def __init__(self, series: dict[str, pd.Series]) -> None:
        from tests.compat.tables.specs import fingerprint

        self.meters = list(series)
        self.fingerprints = {m: [fingerprint(s)] for m, s in series.items()}
        self.holes = {m: nan_runs(s) for m, s in series.items()}


def nan_runs(serie: pd.Series) -> list[list[int]]:
    """``[first, last]`` (nanoseconds since the epoch) of each run of NaN of a curve on a
    complete grid: the holes ``find_holes`` must report over the curve's whole span."""
    positions = np.flatnonzero(serie.isna().to_numpy())
    if not len(positions):
        return []
    runs = np.split(positions, np.flatnonzero(np.diff(positions) > 1) + 1)
    times = serie.index.as_unit("ns").asi8
    return [[int(times[run[0]]), int(times[run[-1]])] for run in runs]


def check(out: dict, want: Expected, label: str) -> None:
    """Raise :class:`WrongResult` unless a side's calls gave back the source exactly."""
    n = len(want.meters)
    if out["written"] != {"rows": n, "prms": n}:
        raise WrongResult(f"{label}: set_many_lc wrote {out['written']}, not {n} curves")
    for meter in want.meters:
        if out["fingerprints"].get(meter) != want.fingerprints[meter]:
            raise WrongResult(f"{label}: get_many_lc gave back another curve for {meter}")
    if out["found"] != n or sorted(out["holes"]) != sorted(want.meters):
        raise WrongResult(f"{label}: find_holes answered for {out['found']} prms, not {n}")
    for meter in want.meters:
        if out["holes"][meter] != want.holes[meter]:
            raise WrongResult(
                f"{label}: find_holes of {meter} gave {out['holes'][meter][:3]}..., "
                f"expected {want.holes[meter][:3]}..."
            )


@contextlib.contextmanager
def databases(vendor: str) -> Iterator[dict[str, Database]]:
    """A database per side (made new for each repeat by the caller), dropped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="hostore_bench_kv_"))
    made: dict[str, Database] = {}
    try:
        base = os.environ.get("BENCH_PG_DB", BENCH_DB_NAME)
        if vendor == "postgres" and base in FORBIDDEN_NAMES:
            raise SystemExit(f"refusing to use the database {base!r}: it is not the benchmark's")
        url = os.environ.get("PG_URL", PG_URL_DEFAULT)
        for side, role in _DB_ROLES.items():
            if vendor == "sqlite":
                made[side] = Database("sqlite", str(folder / f"kv_{role}.sqlite3"))
            else:
                name = f"{base}_kv_{role}"
                made[side] = Database(
                    "postgres", pg_url_for(url, name), pg_url_for(url, "postgres")
                )
        yield made
    finally:
        for database in made.values():
            database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def _python(side: str, log) -> str:
    if side == "ours":
        return sys.executable
    from .sync_legacy import ensure_python

    return str(ensure_python(log))


def run(vendor: str, n: int, repeat: int, log: Callable[[str], None]) -> dict:
    """The phase on one database vendor: ``repeat`` repeats of both sides' three calls."""
    started = perf_counter()
    work = make_workload("realistic", n)
    want = Expected(work.series)
    first, last = work.index[0].isoformat(), work.index[-1].isoformat()
    pythons = {side: _python(side, log) for side in SIDES}
    runs: dict[str, dict[str, list[dict]]] = {call: {s: [] for s in SIDES} for call in CALLS}
    with databases(vendor) as dbs, tempfile.TemporaryDirectory(prefix="hostore_kv_") as tmp:
        curves = write_series(Path(tmp) / "curves.npz", work.series)
        server = None
        for r in range(repeat):
            order = SIDES if r % 2 == 0 else SIDES[::-1]
            line = []
            for side in order:
                db = dbs[side]
                db.recreate()
                server = server or server_version(db)
                argv = [pythons[side], str(DRIVER), "--db", db.location]
                argv += ["--side", "ours" if side == "ours" else "legacy"]
                out = run_json([*argv, str(curves), first, last], clean_env())[-1]
                check(out, want, f"{LABELS[side]} on {vendor}")
                for call in CALLS:
                    runs[call][side].append(
                        {"seconds": out["seconds"][call], "statements": out["statements"][call]}
                    )
                line.append(f"{side} " + "/".join(f"{out['seconds'][c]:.2f}" for c in CALLS) + "s")
            log(f"repeat {r + 1}/{repeat} ({', '.join(CALLS)}): " + "  ".join(line))
    return {
        "kind": "kv",
        "db": vendor,
        "server": server,
        "n": n,
        "repeat": repeat,
        "sides": list(SIDES),
        "labels": LABELS,
        "points_per_curve": len(work.index),
        "gaps": sum(len(h) for h in want.holes.values()),
        "runs": runs,
        "wall_seconds": perf_counter() - started,
    }
